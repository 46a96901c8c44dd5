"""The graph page in headless Chromium: drawn, searchable, filterable, script-safe, offline."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import wait_ready
from tests.conftest import SAMPLE
from vaultkit import html
from vaultkit.graph import build_graph
from vaultkit.graph_settings import read_graph_settings
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


Opener = Callable[..., Opened]


@pytest.fixture
def opener(browser: Browser, tmp_path: Path) -> Iterator[Opener]:
    pages: list[Page] = []

    def open_page(root: Path, scheme: Literal["light", "dark"] = "light") -> Opened:
        vault = load_vault(root, use_cache=False)
        graph = build_graph(vault, lint(vault))
        path = tmp_path / f"page-{len(pages)}.html"
        write_page(
            graph,
            path,
            vault_name=root.name,
            obsidian=(root / ".obsidian").is_dir(),
            settings=read_graph_settings(root),
        )
        page = browser.new_page(viewport={"width": 1200, "height": 800}, color_scheme=scheme)
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


def _settles(opened: Opened, expression: str, timeout: float = 5.0) -> Any:
    """The hook's value once the view has stopped moving (animations end on a loaded machine)."""
    deadline = time.monotonic() + timeout
    value = opened.hook(expression)
    while time.monotonic() < deadline:
        opened.page.wait_for_timeout(150)
        again = opened.hook(expression)
        if again == value:
            return value
        value = again
    return value


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
    assert _settles(opened, "centreOffset('Models/AI-Model.md')") < 5
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
    monkeypatch.setattr(html, "HUB_CAP", 40)
    opened = opener(generated_vault)
    page = opened.page
    counts = opened.hook("counts()")
    assert 0 < counts["shownNodes"] <= 40 < counts["nodes"]
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


def page_has_group(page: Page, query: str) -> bool:
    return page.locator("#groups input[type=text]").first.input_value() == query


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
    (root / ".obsidian").mkdir()
    query = "<img src=x onerror=alert(5)>"
    groups = [{"query": query, "color": {"a": 1, "rgb": 1}}]
    (root / ".obsidian" / "graph.json").write_text(
        json.dumps({"colorGroups": groups, "showTags": True}), encoding="utf-8"
    )
    opened = opener(root)
    assert page_has_group(opened.page, query)
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


# --- version 2: readable at every size, problems first, Obsidian's controls -------------------


def _paths(opened: Opened) -> set[str]:
    return {node["path"] or node["label"] for node in opened.hook("shown()")}


def _keys(graph: Any, nodes: set[str]) -> set[str]:
    """The page's names for graph nodes: the path, or a ghost's link text."""
    return {graph.nodes[n]["path"] or graph.nodes[n]["label"] for n in nodes}


def _sample_copy(tmp_path: Path, graph_json: dict[str, Any] | None = None) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(SAMPLE, root)
    if graph_json is not None:
        (root / ".obsidian" / "graph.json").write_text(json.dumps(graph_json), encoding="utf-8")
    return root


def test_hierarchy_opens_fitted_with_every_label_readable(opener: Opener) -> None:
    opened = opener(SAMPLE)
    opened.hook("setView('hierarchy')")
    wait_ready(opened.page)
    port = opened.hook("viewport()")
    (x0, y0, x1, y1), (width, height) = port["box"], port["canvas"]
    assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    assert max((x1 - x0) / width, (y1 - y0) / height) >= 0.6
    assert port["labels"] == opened.hook("visibleNodeCount()") > 30
    assert port["minLabelPx"] >= 11
    assert opened.errors == []


def test_sample_map_labels_never_overlap(opener: Opener) -> None:
    opened = opener(SAMPLE)
    for step in ("reset()", "focus('Models/AI-Model.md')"):
        opened.hook(step)
        wait_ready(opened.page)
        opened.page.wait_for_timeout(500)
        port = opened.hook("viewport()")
        boxes = port["labelBoxes"]
        assert len(boxes) == port["labels"] >= 25
        for k, (a0, b0, a1, b1) in enumerate(boxes):
            for c0, d0, c1, d1 in boxes[k + 1 :]:
                assert not (a0 < c1 and c0 < a1 and b0 < d1 and d0 < b1)
        assert port["minLabelPx"] >= 11
    # The search zooms to the hit's neighbourhood, not to 1:1.
    assert opened.hook("viewport()")["scale"] <= 1.2


def _severity(data: dict[str, Any]) -> int:
    return {"error": 3, "warning": 2, "info": 1, "": 0}[data["severity"]]


def test_problem_view_is_problem_notes_first_up_to_the_cap(
    opener: Opener, generated_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html, "NODE_CAP", 25)
    opened = opener(generated_vault)
    graph = opened.graph
    problem_notes = [n for n, d in graph.nodes(data=True) if d["kind"] == "note" and d["problems"]]
    assert len(problem_notes) > 25
    opened.hook("setFilter('problems', true)")
    wait_ready(opened.page)
    shown = _paths(opened)
    assert len(shown) == 25 and shown <= set(problem_notes)
    left_out = set(problem_notes) - shown
    weakest = min((_severity(graph.nodes[n]), graph.nodes[n]["problems"]) for n in shown)
    assert all((_severity(graph.nodes[n]), graph.nodes[n]["problems"]) <= weakest for n in left_out)

    orphans = {n for n, orphan in graph.nodes(data="orphan") if orphan}
    assert 0 < len(orphans) <= 25
    opened.hook("setFilter('rule', 'VK201')")
    wait_ready(opened.page)
    assert _paths(opened) == orphans
    opened.hook("setFilter('rule', 'orphan-note')")  # a rule's name works as well as its code
    wait_ready(opened.page)
    assert _paths(opened) == orphans
    assert opened.errors == []


def test_rule_filter_and_problem_list_focus_the_note(opener: Opener) -> None:
    opened = opener(SAMPLE)
    page, graph = opened.page, opened.graph
    page.select_option("#f-rule", "VK101")
    wait_ready(page)
    broken = {n for n, codes in graph.nodes(data="codes") if "VK101" in codes}
    assert _paths(opened) == broken
    page.select_option("#f-rule", "")
    wait_ready(page)
    page.locator("#problem-list details[data-rule='VK201'] summary").click()
    entry = page.locator("#problem-list details[data-rule='VK201'] li").first
    orphan = entry.get_attribute("data-path")
    assert orphan is not None and graph.nodes[orphan]["orphan"]
    entry.click()
    assert opened.hook("selected") == orphan
    assert page.locator("#detail-name").inner_text() == graph.nodes[orphan]["label"]
    assert _settles(opened, f"centreOffset({orphan!r})") < 5
    assert opened.errors == []


def test_colour_groups_and_toggles_come_from_graph_json(opener: Opener, tmp_path: Path) -> None:
    settings = {
        "colorGroups": [
            {"query": "path:Models", "color": {"a": 1, "rgb": 0xFF0000}},
            {"query": "tag:#concept", "color": {"a": 1, "rgb": 0x00AA00}},
        ],
        "hideUnresolved": True,
        "showAttachments": False,
    }
    opened = opener(_sample_copy(tmp_path, settings))
    graph = opened.graph
    shown = opened.hook("shown()")
    assert {node["kind"] for node in shown} == {"note"}  # no ghost, no attachment
    for node in shown:
        data = graph.nodes[node["path"]]
        if "models" in node["path"].lower():  # path: matches within the path, as Obsidian's
            assert node["color"] == "#ff0000"
        elif "concept" in data["tags"]:
            assert node["color"] == "#00aa00"
        else:
            assert node["color"] not in {"#ff0000", "#00aa00"}
    legend = opened.page.locator("#legend-groups li").all_inner_texts()
    assert legend[0].startswith("path:Models") and legend[1].startswith("tag:#concept")
    assert opened.page.locator("#groups input[type=text]").first.input_value() == "path:Models"
    assert opened.errors == []


def test_search_can_filter_the_graph(opener: Opener) -> None:
    opened = opener(SAMPLE)
    page, graph = opened.page, opened.graph
    total = opened.hook("visibleNodeCount()")
    opened.hook("setFilter('search', 'path:Techniques')")
    wait_ready(page)
    expected = {n for n in graph if n.startswith("Techniques/")}
    assert _paths(opened) == expected and 0 < len(expected) < total
    opened.hook("setFilter('search', '')")
    wait_ready(page)
    assert opened.hook("visibleNodeCount()") == total
    page.check("#f-search")
    page.fill("#search", "ИИ")
    page.wait_for_timeout(400)
    wait_ready(page)
    assert _paths(opened) == {"Models/AI-Model.md"}
    page.press("#search", "Escape")
    wait_ready(page)
    assert opened.hook("visibleNodeCount()") == total
    assert opened.errors == []


def test_local_graph_toggles_and_depth(opener: Opener) -> None:
    opened = opener(SAMPLE)
    page, graph = opened.page, opened.graph
    centre = "Models/AI-Model.md"
    opened.hook(f"localGraph({centre!r}, 1)")
    wait_ready(page)
    both = _paths(opened)
    edges = opened.hook("shownEdges()")
    assert any(centre not in edge for edge in edges)  # neighbour links shown by default

    opened.hook("setLocal('neighbours', false)")
    wait_ready(page)
    assert _paths(opened) == both
    assert all(centre in edge for edge in opened.hook("shownEdges()"))

    opened.hook("setLocal('incoming', false)")
    wait_ready(page)
    assert _paths(opened) == _keys(graph, {centre, *graph.successors(centre)})
    opened.hook("setLocal('incoming', true)")
    opened.hook("setLocal('outgoing', false)")
    wait_ready(page)
    assert _paths(opened) == _keys(graph, {centre, *graph.predecessors(centre)})

    opened.hook("setLocal('outgoing', true)")
    opened.hook("setLocal('depth', 5)")
    wait_ready(page)
    assert page.locator("#depth").input_value() == "5"
    assert len(_paths(opened)) > len(both)
    assert opened.errors == []


def _styles(opened: Opened) -> dict[str, tuple[str, str]]:
    return {
        node["path"] or node["label"]: (node["fill"], node["border"])
        for node in opened.hook("shown()")
    }


def test_hover_dims_all_but_the_neighbours(opener: Opener) -> None:
    opened = opener(SAMPLE)
    graph = opened.graph
    centre = "Concepts/Embeddings.md"
    before = _styles(opened)
    opened.hook(f"hover({centre!r})")
    near = _keys(graph, {centre, *graph.successors(centre), *graph.predecessors(centre)})
    during = _styles(opened)
    changed = {path for path in before if before[path] != during[path]}
    assert changed == set(before) - near
    opened.hook("hover(null)")
    after = _styles(opened)
    assert after == before
    assert opened.errors == []


def test_keyboard_zoom_search_and_escape(opener: Opener) -> None:
    opened = opener(SAMPLE)
    page = opened.page
    page.locator("#graph").click(position={"x": 5, "y": 5})
    before = opened.hook("viewport()")["scale"]
    page.keyboard.press("+")
    page.wait_for_timeout(300)
    zoomed = opened.hook("viewport()")["scale"]
    assert zoomed > before
    page.keyboard.press("-")
    page.keyboard.press("-")
    page.wait_for_timeout(300)
    assert opened.hook("viewport()")["scale"] < zoomed
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("LLM")
    assert page.locator("#results li").count() > 0
    page.keyboard.press("Escape")
    assert page.locator("#search").input_value() == ""
    assert opened.errors == []


def test_display_controls_and_relayout(opener: Opener) -> None:
    opened = opener(SAMPLE)
    page = opened.page
    frames = opened.hook("frames")
    opened.hook("setDisplay('size', 2)")
    opened.hook("setDisplay('arrows', true)")
    opened.hook("setDisplay('thickness', 3)")
    assert page.locator("#d-arrows").is_checked()
    assert opened.hook("frames") > frames
    opened.hook("setDisplay('fade', 3)")
    page.wait_for_timeout(100)
    faded = opened.hook("viewport()")["labels"]
    opened.hook("setDisplay('fade', -3)")
    page.wait_for_timeout(100)
    assert opened.hook("viewport()")["labels"] >= faded
    opened.hook("relayout()")
    wait_ready(page)
    counts = opened.hook("counts()")
    assert counts["drawnNodes"] == counts["nodes"]
    assert opened.errors == []


def test_dark_theme_follows_the_system_and_toggles(opener: Opener) -> None:
    opened = opener(SAMPLE, scheme="dark")
    page = opened.page
    assert opened.hook("theme") == "dark"
    background = page.evaluate("getComputedStyle(document.querySelector('#stage')).backgroundColor")
    assert background == "rgb(30, 30, 30)"
    assert page.evaluate(_INKED) > 5000
    page.click("#theme")
    assert opened.hook("theme") == "light"
    assert opener(SAMPLE).hook("theme") == "light"
    assert opened.errors == []
    assert opened.requests == [opened.path.as_uri()]


def test_tags_as_nodes_leave_the_counts_alone(opener: Opener) -> None:
    opened = opener(SAMPLE)
    graph = opened.graph
    counts = opened.hook("counts()")
    tags = {tag for _, found in graph.nodes(data="tags") for tag in found or ()}
    assert tags
    opened.hook("setFilter('tags', true)")
    wait_ready(opened.page)
    shown = opened.hook("shown()")
    assert {node["label"] for node in shown if node["kind"] == "tag"} == {f"#{t}" for t in tags}
    assert opened.hook("counts()")["nodes"] == counts["nodes"]
    assert opened.hook("visibleNodeCount()") == counts["shownNodes"] + len(tags)
    assert opened.errors == []


def test_big_hierarchy_folds_and_unfolds(opener: Opener, generated_vault: Path) -> None:
    opened = opener(generated_vault)
    graph = opened.graph
    in_tree = {n for s, t, k in graph.edges(data="kind") if k == "up" for n in (s, t)} - {
        n for n, kind in graph.nodes(data="kind") if kind == "ghost"
    }
    assert len(in_tree) > 200
    opened.hook("setView('hierarchy')")
    wait_ready(opened.page)
    folded = opened.hook("folded()")
    shown = opened.hook("visibleNodeCount()")
    assert folded and shown < len(in_tree)
    assert _paths(opened) <= in_tree
    port = opened.hook("viewport()")
    assert port["labels"] >= 0.75 * (shown + len(folded)) and port["minLabelPx"] >= 11
    assert max(f["label"].count("more") for f in folded) == 1
    assert opened.hook(f"unfold({folded[0]['id']!r})")
    wait_ready(opened.page)
    assert opened.hook("visibleNodeCount()") > shown
    assert opened.errors == []


def test_no_two_legend_entries_share_a_colour(opener: Opener, tmp_path: Path) -> None:
    groups = [{"query": "path:Scratch", "color": {"a": 1, "rgb": int(html.PALETTE[0][1:], 16)}}]
    opened = opener(_sample_copy(tmp_path, {"colorGroups": groups}))
    swatches = opened.page.evaluate(
        "Array.from(document.querySelectorAll('.legend .swatch:not(.badge):not(.orphan)'))"
        ".map(s => getComputedStyle(s).backgroundColor)"
    )
    lines = opened.page.evaluate(
        "Array.from(document.querySelectorAll('.legend .line'))"
        ".map(s => getComputedStyle(s).borderTopColor)"
    )
    assert len(swatches) >= 8
    assert len(set(swatches + lines)) == len(swatches + lines)
    assert opened.errors == []
