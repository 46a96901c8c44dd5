"""The graph page: one self-contained, offline vis-network HTML file built with pyvis.

pyvis holds the vis-network node and edge lists and the options; the page itself is rendered
with vaultkit's own autoescaping Jinja template, never pyvis's (which links a CDN, and whose
``heading``, menus and HTML tooltips run script from note titles). Note text reaches the page
only as JSON data (``<``, ``>`` and ``&`` escaped, so ``</script>`` and ``<!--`` cannot end the
block) and is put into the document with ``textContent``. A Content-Security-Policy ``<meta>``
allows exactly the page's own inline scripts and style, by hash, and no network at all.

Choices where graph.md is silent:

- A click selects a note and shows its details, with an "Open in Obsidian" link when the
  vault has ``.obsidian/``; a double click opens it in Obsidian directly. Launching an external
  application on every single click would make exploring the map impossible.
- Nodes are placed in Python by a seeded, linear-time folder layout (each colour group on its
  own disc, hubs at the centre); the page refines it with a time-capped physics run, then
  freezes it. No force layout runs in Python: it takes minutes at 10k notes.
- Large vaults (more than ``NODE_CAP`` nodes or ``EDGE_BUDGET`` links) open on their hubs: the
  most-linked notes up to the cap, with a message saying so. Search always covers every note,
  and a hit outside the view opens its local graph; "Show everything" draws the whole vault
  without physics.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from pyvis.network import Network

from vaultkit.files import write_output
from vaultkit.graph import ATTACHMENT, EMBED, GHOST, NOTE, UP, Graph

NODE_CAP = 1000
EDGE_BUDGET = 8000
COLOR_BY = ("folder", "tag", "community", "none")

# Colour-blind-friendly categorical colours (Tableau 10 without its red, which means
# "missing" here); groups past the palette share a grey.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#5a9bd4",
    "#8cd17d",
    "#d4a6c8",
    "#86bcb6",
)
OTHER_COLOR = "#a0a4ab"
GHOST_COLOR = "#e15759"
ATTACHMENT_COLOR = "#bab0ac"
UP_COLOR = "#d97706"
LINK_COLOR = "#b8bec8"

_KINDS = {NOTE: 0, ATTACHMENT: 1, GHOST: 2}
_EDGE_KINDS = {"link": 0, EMBED: 1, UP: 2}
_SPACING = 45.0
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def render_page(graph: Graph, *, vault_name: str, obsidian: bool, color_by: str = "folder") -> str:
    """The page's HTML for ``graph`` (from ``vaultkit.graph.build_graph``).

    ``vault_name`` is the name Obsidian knows the vault by (its folder's name); ``obsidian``
    turns on the ``obsidian://open`` links; ``color_by`` is ``[graph] color-by``.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"unknown color-by {color_by!r}")
    ids = {node: number for number, node in enumerate(graph.nodes)}
    groups, group_of = _groups(graph, color_by)
    positions = initial_positions(graph, group_of)
    net = Network(directed=True, cdn_resources="in_line")
    # Filling pyvis's lists directly: its add_node/add_edge check membership in a list, which
    # is O(nodes) per call (minutes at 10k notes).
    net.nodes = [
        _vis_node(ids[node], data, group_of[node], positions[node])
        for node, data in graph.nodes(data=True)
    ]
    net.edges = [
        _vis_edge(ids[source], ids[target], data) for source, target, data in graph.edges(data=True)
    ]
    net.options = _options(groups)
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    data = {
        "vault": vault_name,
        "obsidian": obsidian,
        "colorBy": color_by,
        "groups": groups,
        "nodeCap": NODE_CAP,
        "edgeBudget": EDGE_BUDGET,
        "table": [_row(data) for _, data in graph.nodes(data=True)],
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options),
        "colors": {
            "ghost": GHOST_COLOR,
            "attachment": ATTACHMENT_COLOR,
            "up": UP_COLOR,
            "link": LINK_COLOR,
            "other": OTHER_COLOR,
        },
    }
    return _render(data, vault_name)


def write_page(
    graph: Graph, path: Path, *, vault_name: str, obsidian: bool, color_by: str = "folder"
) -> None:
    """Write the page for ``graph`` to ``path`` atomically, as UTF-8."""
    html = render_page(graph, vault_name=vault_name, obsidian=obsidian, color_by=color_by)
    write_file(path, html.encode("utf-8"))


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` as every output is written (``files.write_output``).

    A regular file is replaced atomically, so a browser reloading the page while ``vaultkit
    watch`` rewrites it never sees half a file; a symlink stays a symlink. Missing parent
    folders are created.
    """
    write_output(path, content)


def _groups(graph: Graph, color_by: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Legend groups (name, colour, count), largest first, and each node's group index.

    By ``tag`` a note joins the group of its most common tag in the vault, so groups are few
    and large; notes without a group (no tag, ``none``), ghosts and attachments get -1.
    """
    tag_counts = Counter(tag for _, tags in graph.nodes(data="tags") for tag in tags or ())
    key_of: dict[str, str | None] = {}
    for node, data in graph.nodes(data=True):
        key: str | None = None
        if data["kind"] == NOTE:
            if color_by == "folder":
                key = data["top"] or "(vault root)"
            elif color_by == "tag" and data["tags"]:
                key = "#" + max(data["tags"], key=lambda tag: (tag_counts[tag], tag))
            elif color_by == "community":
                key = f"community {data.get('community', 0) + 1}"
        key_of[node] = key
    counts = Counter(key for key in key_of.values() if key is not None)
    ordered = sorted(counts, key=lambda key: (-counts[key], key))
    index = {key: number for number, key in enumerate(ordered)}
    groups = [
        {
            "name": key,
            "color": PALETTE[number] if number < len(PALETTE) else OTHER_COLOR,
            "count": counts[key],
        }
        for number, key in enumerate(ordered)
    ]
    group_of = {node: index[key] if key is not None else -1 for node, key in key_of.items()}
    return groups, group_of


def initial_positions(graph: Graph, group_of: dict[str, int]) -> dict[str, tuple[float, float]]:
    """A seeded, linear-time placement: one disc per group, hubs at each disc's centre.

    Discs lie on a spiral, largest first; inside a disc, nodes follow a golden-angle spiral by
    falling degree. Ghosts and attachments have discs of their own. The page's physics starts
    from here, so it refines clusters rather than untangling noise.
    """
    members: defaultdict[tuple[int, int], list[str]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        members[(_KINDS[data["kind"]], group_of[node])].append(node)
    discs = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))
    radii = [_SPACING * math.sqrt(len(nodes)) for _, nodes in discs]
    positions: dict[str, tuple[float, float]] = {}
    for (_, nodes), (cx, cy) in zip(discs, _disc_centres(radii), strict=True):
        nodes.sort(key=lambda node: (-graph.nodes[node]["degree"], node))
        for rank, node in enumerate(nodes):
            radius = _SPACING * math.sqrt(rank)
            angle = rank * _GOLDEN_ANGLE
            positions[node] = (
                round(cx + radius * math.cos(angle), 1),
                round(cy + radius * math.sin(angle), 1),
            )
    return positions


def _disc_centres(radii: list[float]) -> list[tuple[float, float]]:
    centres: list[tuple[float, float]] = []
    distance = 0.0
    for number, radius in enumerate(radii):
        if number:
            distance += radius + radii[number - 1] * 0.5 + _SPACING
        angle = number * _GOLDEN_ANGLE * 2
        centres.append((distance * math.cos(angle), distance * math.sin(angle)))
    return centres


def _vis_node(
    number: int, data: dict[str, Any], group: int, position: tuple[float, float]
) -> dict[str, Any]:
    size = round(6 + 3 * math.sqrt(min(data["in_degree"], 150)), 1)
    node: dict[str, Any] = {
        "id": number,
        "label": data["label"],
        "x": position[0],
        "y": position[1],
        "size": size,
    }
    if data["kind"] == GHOST:
        node["group"] = "ghost"
    elif data["kind"] == ATTACHMENT:
        node["group"] = "attachment"
    else:
        node["group"] = f"g{group}" if group >= 0 else "other"
    if data["orphan"]:
        node["borderWidth"] = 3
        node["color"] = {"background": "#ffffff"}
    if size >= 14:
        node["font"] = {"size": round(10 + size / 1.5)}
    return node


def _vis_edge(source: int, target: int, data: dict[str, Any]) -> dict[str, Any]:
    edge: dict[str, Any] = {"from": source, "to": target, "kind": _EDGE_KINDS[data["kind"]]}
    if data["weight"] > 1:
        edge["width"] = round(min(1 + math.log2(data["weight"]), 5), 2)
    return edge


def _row(data: dict[str, Any]) -> list[Any]:
    """A node's details (the node table, indexed by the integer vis node id)."""
    return [
        data["path"],
        _KINDS[data["kind"]],
        data["top"],
        list(data["aliases"]),
        list(data["tags"]),
        list(data["diagnostics"]),
        data["in_degree"],
        data["out_degree"],
        1 if data["orphan"] else 0,
        data["severity"],
    ]


def _options(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """vis-network options: straight edges, no improved layout, physics driven by the page."""
    vis_groups: dict[str, Any] = {
        f"g{number}": {"color": _color(group["color"])} for number, group in enumerate(groups)
    }
    vis_groups["other"] = {"color": _color(OTHER_COLOR)}
    vis_groups["ghost"] = {"color": _color(GHOST_COLOR), "shape": "dot"}
    vis_groups["attachment"] = {"color": _color(ATTACHMENT_COLOR), "shape": "square"}
    return {
        "autoResize": True,
        "groups": vis_groups,
        "nodes": {
            "shape": "dot",
            "borderWidth": 1,
            "font": {
                "size": 14,
                "face": "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', sans-serif",
                "color": "#1f2937",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
        },
        "edges": {
            "smooth": False,
            "color": {"color": LINK_COLOR, "highlight": "#4b5563", "opacity": 0.7},
            "width": 1,
            "selectionWidth": 1.5,
            "arrows": {"to": {"enabled": False, "scaleFactor": 0.6}},
        },
        "layout": {"improvedLayout": False, "randomSeed": 42},
        "interaction": {
            "hover": False,
            "hideEdgesOnDrag": False,
            "hideEdgesOnZoom": False,
            "multiselect": False,
            "keyboard": False,
        },
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -60,
                "centralGravity": 0.008,
                "springLength": 90,
                "springConstant": 0.06,
                "damping": 0.5,
                "avoidOverlap": 0.4,
            },
            "maxVelocity": 60,
            "minVelocity": 1.5,
            "timestep": 0.5,
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 10},
        },
    }


def _color(color: str) -> dict[str, Any]:
    return {
        "background": color,
        "border": _darker(color),
        "highlight": {"background": color, "border": "#111827"},
    }


def _darker(color: str) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{int(value * 0.7):02x}" for value in (red, green, blue))


def _static(name: str) -> str:
    return resources.files("vaultkit").joinpath("static", name).read_text(encoding="utf-8")


def _script(name: str) -> str:
    # The source-map comment would name a file that is not there.
    # split("\n"), not splitlines(): minified code holds U+2028 and friends inside strings.
    lines = _static(name).rstrip("\n").split("\n")
    return "\n".join(line for line in lines if not line.startswith("//# sourceMappingURL="))


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def page_json(data: object) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)


def _render(data: dict[str, Any], title: str) -> str:
    scripts = [_script("vis-network.min.js"), _script("graph.js")]
    style = _static("graph.css")
    policy = "; ".join(
        (
            "default-src 'none'",
            "script-src " + " ".join(_sha256(script) for script in scripts),
            "style-src " + _sha256(style),
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("vaultkit", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("graph.html.j2").render(
        title=title,
        policy=policy,
        style=Markup(style),
        scripts=[Markup(script) for script in scripts],
        data=Markup(page_json(data)),
    )
