"""Which links count, as Obsidian's metadata lists them: inline comments, empty links."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import MakeVault, codes, run_vaultkit, write_files
from vaultkit.graph import build_graph
from vaultkit.vault import lint

# A note shaped like the rows of issue 12's table: a task with an inline %% comment, the empty
# links Obsidian's link tables never list, and a block comment, which does hide its links.
SHAPES = (
    "# Tasks\n"
    "\n"
    "- [ ] task %% [[Inline]] %%\n"
    "- [[]] and []() and [text]() and [[|x]] and [[#]]\n"
    "- [[#Tasks]] and [[Real]]\n"
    "\n"
    "%%\n"
    "[[Hidden]]\n"
    "%%\n"
)
# (line, column, target) of each link Obsidian's metadata would list for that note.
OBSIDIAN_LISTS = [(3, 15, "Inline"), (5, 3, ""), (5, 18, "Real")]
EMPTY_LINKS = [(4, 3), (4, 12), (4, 21), (4, 34), (4, 45)]


def test_links_json_lists_what_obsidian_lists(tmp_path: Path) -> None:
    root = tmp_path / "v"
    write_files(root, {"Shapes.md": SHAPES, "Real.md": "[[Shapes]]", "Inline.md": "x"})
    result = run_vaultkit("links", "--vault", str(root), "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    listed = [(r["line"], r["column"], r["target"]) for r in records if r["source"] == "Shapes.md"]
    assert listed == OBSIDIAN_LISTS
    assert {r["status"] for r in records} == {"resolved"}


def test_empty_links_are_findings_but_no_edge_ghost_or_broken_link(make_vault: MakeVault) -> None:
    vault = make_vault({"Shapes.md": SHAPES, "Real.md": "[[Shapes]]", "Inline.md": "x"})
    found = codes(lint(vault))
    assert [(line, column) for _, line, column, code in found if code == "VK108"] == EMPTY_LINKS
    # The inline comment's link reaches Inline.md: no orphan; no broken link anywhere.
    assert [item for item in found if item[3] != "VK108"] == []
    graph = build_graph(vault)
    assert sorted(graph.nodes) == ["Inline.md", "Real.md", "Shapes.md"]
    assert sorted(graph.edges) == [
        ("Real.md", "Shapes.md"),
        ("Shapes.md", "Inline.md"),
        ("Shapes.md", "Real.md"),
    ]


def test_a_note_linked_only_from_a_block_comment_is_an_orphan(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "%%\n[[b]]\n%%\n", "b.md": "[[a]]"})
    assert codes(lint(vault), "VK201") == [("b.md", 1, 1, "VK201")]
