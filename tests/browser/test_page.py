"""The graph page in headless Chromium: drawn, searchable, filterable, script-safe, offline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import SAMPLE
from vaultkit.graph import build_graph
from vaultkit.html import write_page
from vaultkit.vault import lint, load_vault

pytestmark = pytest.mark.browser

Opened = tuple[Page, Any, list[str], list[str], list[str]]


def _open(browser: Browser, root: Path, out: Path) -> Opened:
    vault = load_vault(root, use_cache=False)
    graph = build_graph(vault, lint(vault))
    path = out / "page.html"
    write_page(graph, path, vault_name=root.name, obsidian=False)
    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("window.vaultkit && window.vaultkit.ready", timeout=60_000)
    assert requests == [path.as_uri()]
    return page, graph, errors, dialogs, requests


@pytest.fixture
def opener(browser: Browser, tmp_path: Path) -> Callable[[Path], Opened]:
    return lambda root: _open(browser, root, tmp_path)


def test_sample_page(opener: Callable[[Path], Opened]) -> None:
    page, graph, errors, _, requests = opener(SAMPLE)
    assert page.evaluate("vaultkit.nodeCount()") == graph.number_of_nodes()
    assert page.evaluate("vaultkit.edgeCount()") == graph.number_of_edges()
    assert page.locator("canvas").count() == 1
    assert "Models/AI-Model.md" in page.evaluate("vaultkit.search('ии')")
    assert "Models/AI-Model.md" in page.evaluate("vaultkit.search('ИИ')")
    total = page.evaluate("vaultkit.visibleNodeCount()")
    assert page.evaluate("vaultkit.localGraph('Models/AI-Model.md', 1)")
    assert 0 < page.evaluate("vaultkit.visibleNodeCount()") < total
    page.evaluate("vaultkit.reset()")
    assert page.evaluate("vaultkit.visibleNodeCount()") == total
    ghosts = sum(1 for _, kind in graph.nodes(data="kind") if kind == "ghost")
    assert ghosts > 0
    page.evaluate("vaultkit.showGhosts(false)")
    assert page.evaluate("vaultkit.visibleNodeCount()") == total - ghosts
    assert page.evaluate("vaultkit.focus('Models/AI-Model.md')")
    assert errors == []
    assert len(requests) == 1


def test_generated_vault_page(opener: Callable[[Path], Opened], generated_vault: Path) -> None:
    page, graph, errors, _, requests = opener(generated_vault)
    assert page.evaluate("vaultkit.nodeCount()") == graph.number_of_nodes()
    assert page.evaluate("vaultkit.edgeCount()") == graph.number_of_edges()
    assert graph.number_of_nodes() >= 300
    assert errors == []
    assert len(requests) == 1


def test_hostile_names_run_no_script(opener: Callable[[Path], Opened], tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    root.mkdir()
    alias = "</script><script>alert(2)</script> href"
    (root / "<img src=x onerror=alert(1)>.md").write_text(
        f'---\naliases: ["{alias}"]\n---\n[[Other]] [[Missing <b>]]\n', encoding="utf-8"
    )
    (root / "Other.md").write_text("[[<img src=x onerror=alert(1)>]]\n", encoding="utf-8")
    page, _, errors, dialogs, _ = opener(root)
    page.fill("#search", "onerror")
    page.wait_for_timeout(200)
    assert page.evaluate("vaultkit.search('</script>')") == ["<img src=x onerror=alert(1)>.md"]
    assert "<img src=x onerror=alert(1)>.md" in page.locator("#results").inner_text()
    raw = page.locator("#data").text_content() or ""
    assert "<" not in raw
    parsed = page.evaluate("JSON.parse(document.getElementById('data').textContent)")
    assert any(alias in node["aliases"] for node in parsed["nodes"])
    page.locator("#results li").first.click()
    assert page.locator("img").count() == 0
    assert dialogs == []
    assert errors == []
