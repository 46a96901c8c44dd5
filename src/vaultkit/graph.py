"""The resolved vault as a networkx graph, and that graph as JSON, GraphML or GEXF.

One node per note and per attachment, one ghost node per broken target (the same missing name
linked from several notes is one ghost, as in Obsidian's graph), and one directed edge per
linked pair, from the linking note to its target. An edge carries ``weight`` (how many links
the pair has) and ``kind``: ``up`` when one of them is a hierarchy parent, else ``embed`` when
one of them is an embed, else ``link``. Links from a note to itself (``[[#Heading]]``) draw
nothing and are left out, as Obsidian's graph leaves them out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeAlias

import networkx as nx

from vaultkit import obsidian
from vaultkit.model import Diagnostic, Edge, LinkKind, Status, Vault
from vaultkit.text import fold

# networkx ships no type information, so the graph is typed as Any.
Graph: TypeAlias = Any

NOTE, ATTACHMENT, GHOST = "note", "attachment", "ghost"
LINK, EMBED, UP = "link", "embed", "up"

# The stronger kind wins when one pair has several: a parent link is what the hierarchy
# view draws, and an embed shows content, which a plain mention does not.
_STRENGTH = {LINK: 0, EMBED: 1, UP: 2}
_SEVERITIES = ("info", "warning", "error")
# The rule that decides what an orphan is (rules.orphan_note); the graph never re-derives it.
ORPHAN_CODE = "VK201"


def build_graph(
    vault: Vault, diagnostics: Iterable[Diagnostic] = (), communities: bool = False
) -> Graph:
    """The vault as a directed graph; pure, no I/O.

    Node attributes: ``kind`` (note, attachment, ghost), ``label``, ``path`` (vault-relative,
    empty for ghosts), ``folder``, ``top`` (top-level folder, empty at the root), ``aliases``,
    ``tags``, ``diagnostics`` (``line:column CODE name: message`` strings), ``codes`` (each
    diagnostic's rule code, in the same order), ``problems``, ``severity`` (the worst, or
    empty), ``orphan`` (the note has an ``orphan-note`` finding among ``diagnostics``: the rule
    decides, suppressions and rule selection included), ``in_degree``, ``out_degree``,
    ``degree`` and, with ``communities``, ``community`` (Louvain, seeded, on the undirected
    weighted graph).
    Graph attributes: ``vault`` (the folder's name, never its absolute path).
    """
    graph: Graph = nx.DiGraph(vault=vault.root.name)
    left_out = obsidian.left_out(vault.config.obsidian_skip)  # templates, Excluded files
    for note in vault.notes.values():
        if left_out(note.path) is not None:
            continue
        data = _node(NOTE, note.name, note.path)
        data.update(aliases=list(note.aliases), tags=list(note.tags))
        graph.add_node(note.path, **data)
    for path in vault.attachments:
        if left_out(path) is None:
            graph.add_node(path, **_node(ATTACHMENT, path.rsplit("/", 1)[-1], path))
    pairs: dict[tuple[str, str], tuple[str, int]] = {}
    for edge in vault.edges:
        if edge.source not in graph:
            continue  # from a note left out
        target = _target(graph, edge)
        if target is None or target == edge.source:
            continue
        kind = UP if edge.is_parent else EMBED if _is_embed(edge) else LINK
        old_kind, weight = pairs.get((edge.source, target), (LINK, 0))
        if _STRENGTH[old_kind] > _STRENGTH[kind]:
            kind = old_kind
        pairs[(edge.source, target)] = (kind, weight + 1)
    graph.add_edges_from(
        (source, target, {"kind": kind, "weight": weight})
        for (source, target), (kind, weight) in pairs.items()
    )
    _add_diagnostics(graph, diagnostics)
    _add_degrees(graph)
    if communities:
        _add_communities(graph)
    return graph


def _node(kind: str, label: str, path: str) -> dict[str, Any]:
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    return {
        "kind": kind,
        "label": label,
        "path": path,
        "folder": folder,
        "top": folder.split("/", 1)[0],
        "aliases": [],
        "tags": [],
        "diagnostics": [],
        "codes": [],
        "problems": 0,
        "severity": "",
        "orphan": False,
    }


def _is_embed(edge: Edge) -> bool:
    return edge.link.embed or edge.link.kind is LinkKind.EMBED


def _target(graph: Graph, edge: Edge) -> str | None:
    """The node an edge ends at; a broken target becomes (or joins) its ghost node."""
    if edge.status.has_target:
        return edge.resolved if edge.resolved in graph else None
    if edge.status is not Status.BROKEN:
        return None
    name = edge.link.target
    ghost = "ghost:" + fold(name)
    if ghost not in graph:
        graph.add_node(ghost, **_node(GHOST, name, ""))
    return ghost


def _add_diagnostics(graph: Graph, diagnostics: Iterable[Diagnostic]) -> None:
    nodes = graph.nodes
    for item in sorted(diagnostics):
        if item.path not in nodes:
            continue
        data = nodes[item.path]
        data["diagnostics"].append(
            f"{item.line}:{item.column} {item.code} {item.name}: {item.message}"
        )
        data["codes"].append(item.code)
        data["problems"] += 1
        if item.code == ORPHAN_CODE:
            data["orphan"] = True
        label = item.severity.label
        if not data["severity"] or _SEVERITIES.index(label) > _SEVERITIES.index(data["severity"]):
            data["severity"] = label


def _add_degrees(graph: Graph) -> None:
    for node, data in graph.nodes(data=True):
        incoming = graph.in_degree(node)
        outgoing = graph.out_degree(node)
        data["in_degree"] = incoming
        data["out_degree"] = outgoing
        data["degree"] = incoming + outgoing


def _add_communities(graph: Graph) -> None:
    undirected: Graph = nx.Graph()
    undirected.add_nodes_from(graph)
    for source, target, weight in graph.edges(data="weight"):
        old = undirected.get_edge_data(source, target, {"weight": 0})["weight"]
        undirected.add_edge(source, target, weight=old + weight)
    found = nx.community.louvain_communities(undirected, weight="weight", seed=42)
    # Number communities by size, largest first, so colours are stable between runs.
    ordered = sorted(found, key=lambda members: (-len(members), min(members)))
    for number, members in enumerate(ordered):
        for node in members:
            graph.nodes[node]["community"] = number


def dump_graph(graph: Graph, fmt: str) -> bytes:
    """The graph in ``fmt``: ``json`` (node-link), ``graphml`` or ``gexf``, as UTF-8 bytes.

    GraphML and GEXF hold only scalar attributes, so list attributes (aliases, tags,
    diagnostics) are written there as one string, one item a line.
    """
    if fmt == "json":
        data = nx.node_link_data(graph, edges="links")
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    flat = _flat(graph)
    if fmt == "graphml":
        return ("\n".join(nx.generate_graphml(flat)) + "\n").encode("utf-8")
    if fmt == "gexf":
        return ("\n".join(nx.generate_gexf(flat)) + "\n").encode("utf-8")
    raise ValueError(f"unknown graph format {fmt!r}")


def write_graph(graph: Graph, path: Path, fmt: str) -> None:
    """Write the graph to ``path`` in ``fmt`` (see :func:`dump_graph`)."""
    path.write_bytes(dump_graph(graph, fmt))


def _flat(graph: Graph) -> Graph:
    flat: Graph = graph.copy()
    for _, data in flat.nodes(data=True):
        for key, value in data.items():
            if isinstance(value, list):
                data[key] = "\n".join(value)
    return flat
