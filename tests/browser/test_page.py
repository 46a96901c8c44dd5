"""The graph page in headless Chromium: drawn, searchable, filterable, script-safe, offline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import wait_ready
from tests.conftest import SAMPLE
from vaultkit import html
from vaultkit.graph import build_graph
from vaultkit.html import write_page
from vaultkit.vault import lint, load_vault

pytestmark = pytest.mark.browser

# Counts the canvas pixels that are not the white background: a drawn graph has thousands.
_INKED = """() => {
  const canvas = document.querySelector('#graph canvas');
  const context = canvas.getContext('2d');
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const dark = pixels[i] < 240 || pixels[i + 1] < 240 || pixels[i + 2] < 240;
    if (pixels[i + 3] > 0 && dark) inked++;
  }
  return inked;
}"""


@dataclass
class Opened:
    """A graph page open in Chromium, with everything it did recorded."""

    page: Page
    graph: Any
    path: Path
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def hook(self, expression: str) -> Any:
        return self.page.evaluate(f"window.vaultkit.{expression}")


Opener = Callable[[Path], Opened]


@pytest.fixture
def opener(browser: Browser, tmp_path: Path) -> Iterator[Opener]:
    pages: list[Page] = []

    def open_page(root: Path) -> Opened:
        vault = load_vault(root, use_cache=False)
        graph = build_graph(vault, lint(vault))
        path = tmp_path / f"page-{len(pages)}.html"
        write_page(graph, path, vault_name=root.name, obsidian=(root / ".obsidian").is_dir())
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        pages.append(page)
        opened = Opened(page, graph, path)
        page.on("request", lambda request: opened.requests.append(request.url))
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: opened.errors.append(str(error)))
        page.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(path.as_uri())
        wait_ready(page)
        return opened

    yield open_page
    for page in pages:
        page.close()


def _kind_count(graph: Any, kind: str) -> int:
    return sum(1 for _, found in graph.nodes(data="kind") if found == kind)


def test_sample_vault_page(opener: Opener) -> None:
    opened = opener(SAMPLE)
    graph, page = opened.graph, opened.page
    counts = opened.hook("counts()")
    assert (counts["nodes"], counts["edges"]) == (graph.number_of_nodes(), graph.number_of_edges())
    assert (counts["drawnNodes"], counts["drawnEdges"]) == (counts["nodes"], counts["edges"])
    assert page.evaluate(_INKED) > 5000

    page.fill("#search", "ИИ")
    assert page.locator("#results li").first.inner_text().startswith("AI-Model")
    assert opened.hook("search('ИИ')")[0] == "Models/AI-Model.md"
    assert opened.hook("search('ии модель')") == ["Models/AI-Model.md"]
    page.press("#search", "Enter")
    page.wait_for_timeout(600)
    assert opened.hook("centreOffset('Models/AI-Model.md')") < 5
    assert page.locator("#detail-name").inner_text() == "AI-Model"
    assert page.locator("#detail-open").get_attribute("href") == (
        "obsidian://open?vault=vault&file=Models%2FAI-Model.md"
    )

    total = counts["shownNodes"]
    assert opened.hook("localGraph('Models/AI-Model.md', 1)")
    wait_ready(page)
    local = opened.hook("visibleNodeCount()")
    assert 1 < local < total
    neighbours = set(graph.predecessors("Models/AI-Model.md")) | set(
        graph.successors("Models/AI-Model.md")
    )
    assert local == 1 + len(neighbours)
    opened.hook("reset()")
    wait_ready(page)
    assert opened.hook("visibleNodeCount()") == total

    ghosts = _kind_count(graph, "ghost")
    assert ghosts > 0
    opened.hook("showGhosts(false)")
    wait_ready(page)
    assert opened.hook("visibleNodeCount()") == total - ghosts
    assert all(node["kind"] != "ghost" for node in opened.hook("shown()"))

    opened.hook("setView('hierarchy')")
    wait_ready(page)
    in_tree = {n for s, t, k in graph.edges(data="kind") if k == "up" for n in (s, t)}
    in_tree = {n for n in in_tree if graph.nodes[n]["kind"] != "ghost"}
    assert {node["path"] for node in opened.hook("shown()")} == in_tree

    assert opened.errors == []
    assert opened.dialogs == []
    assert opened.requests == [opened.path.as_uri()]


def test_generated_vault_page(opener: Opener, generated_vault: Path) -> None:
    opened = opener(generated_vault)
    graph = opened.graph
    assert graph.number_of_nodes() >= 300
    counts = opened.hook("counts()")
    assert (counts["nodes"], counts["edges"]) == (graph.number_of_nodes(), graph.number_of_edges())
    assert counts["shownNodes"] == counts["nodes"]
    assert opened.page.evaluate(_INKED) > 5000
    path, alias = next(
        (node, aliases[0])
        for node, aliases in graph.nodes(data="aliases")
        if aliases and not aliases[0].isascii()
    )
    assert path in opened.hook(f"search({alias!r})")
    opened.hook("setFilter('problems', true)")
    wait_ready(opened.page)
    shown = opened.hook("shown()")
    assert shown and all(
        node["kind"] == "ghost" or graph.nodes[node["path"]]["problems"] for node in shown
    )
    assert opened.errors == []
    assert opened.requests == [opened.path.as_uri()]


def test_large_vault_opens_on_its_hubs(
    opener: Opener, generated_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html, "NODE_CAP", 60)
    opened = opener(generated_vault)
    page = opened.page
    counts = opened.hook("counts()")
    assert 0 < counts["shownNodes"] <= 60 < counts["nodes"]
    assert "large" in page.locator("#message").inner_text()
    assert page.locator("#show-all").is_visible()
    hidden = next(
        node
        for node, kind in opened.graph.nodes(data="kind")
        if kind == "note" and node not in {n["path"] for n in opened.hook("shown()")}
    )
    assert opened.hook(f"focus({hidden!r})")
    wait_ready(page)
    assert opened.hook("view") == "local"
    assert hidden in {node["path"] for node in opened.hook("shown()")}
    opened.hook("showAll()")
    wait_ready(page)
    assert opened.hook("visibleNodeCount()") == counts["nodes"]
    assert opened.errors == []


def test_hostile_names_run_no_script(opener: Opener, tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    root.mkdir()
    name = "<img src=x onerror=alert(1)>"
    alias = "</script><script>alert(2)</script> <a href='javascript:alert(3)'>x</a>"
    (root / f"{name}.md").write_text(
        f'---\naliases: ["{alias}"]\ntags: ["<b>t</b>"]\n---\n'
        "[[Other]] [[Missing <svg onload=alert(4)>]]\n",
        encoding="utf-8",
    )
    (root / "Other.md").write_text(f"[[{name}]] <!-- [[x]] -->\n", encoding="utf-8")
    opened = opener(root)
    page = opened.page
    assert "<" not in (page.locator("#data").text_content() or "")
    page.fill("#search", "</script>")
    assert page.locator("#results li").first.inner_text().startswith(name)
    page.locator("#results li").first.click()
    page.wait_for_timeout(400)
    assert page.locator("#detail-name").inner_text() == name
    assert alias in page.locator("#detail-list").inner_text()
    assert page.locator("img, svg, a[href^='javascript'], b").count() == 0
    assert page.locator("script").count() == 3
    assert opened.dialogs == []
    assert opened.errors == []
    assert opened.requests == [opened.path.as_uri()]
