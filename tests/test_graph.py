"""Tests for the graph builder and its file formats."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import MakeVault
from vaultkit.graph import build_graph, dump_graph, write_graph
from vaultkit.vault import lint


def test_nodes_edges_ghosts_and_orphans(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "A.md": "[[B]] [[B]] ![[B]] [[Gone]] [[#Self]]\n",
            "B.md": "---\nup: '[[C]]'\n---\n[[gone]]\n",
            "C.md": "text\n",
            "Lone.md": "no links\n",
            "img.png": b"\x89PNG",
        }
    )
    graph = build_graph(vault, lint(vault))
    assert graph.nodes["A.md"]["kind"] == "note"
    assert graph.nodes["img.png"]["kind"] == "attachment"
    ghosts = [n for n, kind in graph.nodes(data="kind") if kind == "ghost"]
    assert len(ghosts) == 1  # Gone and gone are one missing name
    assert graph.edges["A.md", "B.md"] == {"kind": "embed", "weight": 3}
    assert graph.edges["B.md", "C.md"]["kind"] == "up"
    assert not graph.has_edge("A.md", "A.md")
    assert graph.nodes["Lone.md"]["orphan"] is True
    assert graph.nodes["C.md"]["orphan"] is False
    assert graph.nodes["B.md"]["in_degree"] == 1
    assert graph.nodes["A.md"]["problems"] >= 1
    assert any("Gone" in line for line in graph.nodes["A.md"]["diagnostics"])


def test_formats_are_scalar_and_readable(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"A.md": "---\naliases: [x, y]\n---\n[[B]]\n", "B.md": ""})
    graph = build_graph(vault)
    assert b"x\ny" in dump_graph(graph, "graphml")
    assert b"<gexf" in dump_graph(graph, "gexf")
    out = tmp_path / "g.json"
    write_graph(graph, out, "json")
    assert '"aliases": [\n' in out.read_text(encoding="utf-8") or '"x"' in out.read_text()
    assert graph.nodes["A.md"]["aliases"] == ["x", "y"]  # the graph itself is not flattened


def test_orphans_and_codes_come_from_the_findings(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "Lone.md": "no links\n",
            "Quiet.md": "---\nvaultkit-ignore: [VK201]\n---\nno links\n",
            "Hub.md": "[[Gone]]\n",
        }
    )
    findings = lint(vault)
    graph = build_graph(vault, findings)
    orphans = {node for node, orphan in graph.nodes(data="orphan") if orphan}
    assert orphans == {item.path for item in findings if item.code == "VK201"}
    assert orphans == {"Lone.md", "Hub.md"}
    assert sorted(graph.nodes["Hub.md"]["codes"]) == sorted(
        item.code for item in findings if item.path == "Hub.md"
    )
    assert not any(orphan for _, orphan in build_graph(vault).nodes(data="orphan"))
