"""Tests for the graph builder and its file formats."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import networkx as nx

from tests.conftest import MakeVault
from vaultkit.graph import Graph, build_graph, dump_graph, write_graph
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
    findings = lint(vault)
    graph = build_graph(vault, findings)
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
    own = [item for item in findings if item.path == "A.md"]
    assert [(item.line, item.column, item.code) for item in own] == [
        (1, 1, "VK201"),
        (1, 20, "VK101"),
        (1, 29, "VK102"),
    ]
    assert graph.nodes["A.md"]["codes"] == ["VK201", "VK101", "VK102"]
    assert graph.nodes["A.md"]["problems"] == 3
    assert graph.nodes["A.md"]["severity"] == "error"
    assert graph.nodes["A.md"]["diagnostics"] == [
        f"{item.line}:{item.column} {item.code} {item.name}: {item.message}" for item in own
    ]
    assert (graph.nodes["C.md"]["problems"], graph.nodes["C.md"]["severity"]) == (0, "")


def _one_item_a_line(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: "\n".join(value) if isinstance(value, list) else value for key, value in data.items()
    }


def _kinds_and_weights(graph: Graph) -> dict[tuple[str, str], tuple[str, int]]:
    return {
        (source, target): (data["kind"], data["weight"])
        for source, target, data in graph.edges(data=True)
    }


def test_formats_are_scalar_and_readable(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"A.md": "---\naliases: [x, Café]\n---\n[[B]] [[Gone]]\n", "B.md": ""})
    graph = build_graph(vault, lint(vault))
    flat = {node: _one_item_a_line(data) for node, data in graph.nodes(data=True)}
    assert flat["A.md"]["aliases"] == "x\nCafé"
    assert flat["A.md"]["tags"] == ""
    assert len(flat["A.md"]["diagnostics"].split("\n")) == 2
    # GraphML and GEXF hold scalars only: a list is one string, one item a line, and every
    # attribute reads back as it was written.
    read = nx.read_graphml(io.BytesIO(dump_graph(graph, "graphml")))
    assert dict(read.nodes(data=True)) == flat
    assert _kinds_and_weights(read) == _kinds_and_weights(graph)
    assert read.graph["vault"] == graph.graph["vault"]
    read = nx.read_gexf(io.BytesIO(dump_graph(graph, "gexf")))
    assert dict(read.nodes(data=True)) == flat
    assert _kinds_and_weights(read) == _kinds_and_weights(graph)
    # JSON keeps the lists, written as UTF-8 text, not escapes.
    out = tmp_path / "g.json"
    write_graph(graph, out, "json")
    assert out.read_bytes() == dump_graph(graph, "json")
    assert '"Café"' in out.read_text(encoding="utf-8")
    read = nx.node_link_graph(json.loads(out.read_text(encoding="utf-8")), edges="links")
    assert dict(read.nodes(data=True)) == dict(graph.nodes(data=True))
    assert dict(read.edges) == dict(graph.edges)
    assert read.graph == graph.graph
    assert graph.nodes["A.md"]["aliases"] == ["x", "Café"]  # the graph itself is not flattened


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
