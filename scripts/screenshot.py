"""Write the sample vault's graph page and save a 1400x900 screenshot to docs/graph.png."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from vaultkit.graph import build_graph
from vaultkit.html import write_page
from vaultkit.vault import lint, load_vault

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser.conftest import ARGS, CHROMIUM, wait_ready  # noqa: E402  (one set of flags)


def main() -> None:
    """Render the page in headless Chromium once the layout has settled, mid-search."""
    vault = load_vault(ROOT / "vault", use_cache=False)
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "graph.html"
        write_page(build_graph(vault, lint(vault)), page_path, vault_name="vault", obsidian=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(page_path.as_uri())
            wait_ready(page)
            # Show the search at work: a Cyrillic alias finds its note.
            page.fill("#search", "ИИ")
            page.wait_for_timeout(300)
            page.screenshot(path=str(ROOT / "docs" / "graph.png"))
            browser.close()
    print(ROOT / "docs" / "graph.png")


if __name__ == "__main__":
    main()
