"""Headless Chromium for the graph page tests."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the session; missing Chromium skips loudly, and fails on CI."""
    if not CHROMIUM.is_file():
        reason = f"BROWSER TESTS NOT RUN: Chromium is missing at {CHROMIUM}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def wait_ready(page: Page, timeout: float = 60.0) -> None:
    """Wait until the page says its layout has settled and it has drawn.

    Polled with ``page.evaluate``: ``wait_for_function`` evaluates a string inside the page,
    which the page's Content-Security-Policy rightly forbids.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate("Boolean(window.vaultkit && window.vaultkit.ready)"):
        if time.monotonic() > deadline:
            raise AssertionError(f"the graph page was not ready after {timeout:.0f} s")
        page.wait_for_timeout(50)
