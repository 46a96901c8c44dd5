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
  ``HUB_CAP`` most-linked notes, few enough to label, with a message saying so. Search always
  covers every note, and a hit outside the view opens its local graph; "Show everything"
  draws the whole vault without physics.
- Labels are drawn by the page (vis-network's own labels cannot avoid each other): most
  important first, each only where it covers no other label or visible dot, never under
  11 CSS px. The text fade slider sets the zoom at which the rest fade in.
- "Only notes with problems" lays the notes out in one titled disc per rule (a note's worst
  rule), worst notes at the centre, so the view answers "what is wrong, and where" at a glance;
  dots there are sized by problem count. Ghosts are not problem notes and are left out.
- Colour groups (from ``.obsidian/graph.json`` or added on the page) take precedence over the
  folder or tag colours, as in Obsidian; a palette colour near a group's colour is skipped.
  Queries take Obsidian's ``path:``, ``file:``, ``tag:``, ``"phrases"``, ``-negation`` and ``OR``;
  plain words match names, aliases and paths (the page holds no note text).
- The theme follows ``prefers-color-scheme`` when the page opens; the toggle is not remembered
  (a ``file://`` page has no storage of its own worth trusting).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from pyvis.network import Network

from vaultkit.config import Config
from vaultkit.files import write_output
from vaultkit.graph import ATTACHMENT, EMBED, GHOST, NOTE, UP, Graph, build_graph
from vaultkit.graph_settings import GraphSettings, read_graph_settings
from vaultkit.model import Diagnostic, Vault
from vaultkit.report import printable, printable_graph
from vaultkit.rules import RULES

NODE_CAP = 1000
HUB_CAP = 300
EDGE_BUDGET = 8000
COLOR_BY = ("folder", "tag", "community", "none")

# Twelve categorical colours chosen for distance, not taken from one published palette: every
# pair, and every pair with the page's reserved colours below, is at least 24 apart in CIE76
# (the old Tableau set had two teals 4 apart, and the up arrow's amber was 9 from its orange).
# All are mid-lightness, so they read on the light and the dark theme alike. Groups past the
# palette share OTHER_COLOR.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#bcbd22",
    "#17becf",
    "#8c564b",
    "#ff9da7",
    "#ffbb78",
    "#b3446c",
    "#9467bd",
    "#b15928",
)
OTHER_COLOR = "#7b8089"
GHOST_COLOR = "#e15759"
ATTACHMENT_COLOR = "#b59f7b"
# Hierarchy edges are neutral (near-black on light, near-white on dark), so no folder colour
# can ever be mistaken for them; plain links are a light grey (a dark grey on dark).
UP_COLOR = "#1e293b"
LINK_COLOR = "#c3c9d2"
UP_COLOR_DARK = "#e2e8f0"
LINK_COLOR_DARK = "#374151"
# Embeds are dashed and periwinkle: a legend entry of their own, on either theme.
EMBED_COLOR = "#a9bdf5"
# A user's colour group within this distance of a palette colour takes that colour out of the
# palette, so a folder never looks like one of their groups.
NEAR = 20.0

_KINDS = {NOTE: 0, ATTACHMENT: 1, GHOST: 2}
_EDGE_KINDS = {"link": 0, EMBED: 1, UP: 2}
_SPACING = 45.0
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def graph_page(vault: Vault, findings: Iterable[Diagnostic], config: Config) -> bytes:
    """The graph page of ``vault`` as UTF-8: the one page ``vaultkit graph``, ``vaultkit watch
    --graph`` and the screenshot script write.

    ``findings`` are the vault's (suppressions applied: orphans and problem counts come from
    them); ``config`` gives ``[graph] color-by``; the user's ``.obsidian/graph.json`` gives the
    page's defaults. Names that cannot be printed are escaped as in every other output.
    """
    color_by = config.graph_color_by
    graph = printable_graph(build_graph(vault, findings, communities=color_by == "community"))
    page = render_page(
        graph,
        vault_name=printable(vault.root.name),
        obsidian=(vault.root / ".obsidian").is_dir(),
        color_by=color_by,
        settings=read_graph_settings(vault.root),
    )
    return page.encode("utf-8")


def render_page(
    graph: Graph,
    *,
    vault_name: str,
    obsidian: bool,
    color_by: str = "folder",
    settings: GraphSettings | None = None,
) -> str:
    """The page's HTML for ``graph`` (from ``vaultkit.graph.build_graph``).

    ``vault_name`` is the name Obsidian knows the vault by (its folder's name); ``obsidian``
    turns on the ``obsidian://open`` links; ``color_by`` is ``[graph] color-by``; ``settings``
    are the user's Obsidian graph settings (``vaultkit.graph_settings.read_graph_settings``),
    the page's defaults.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"unknown color-by {color_by!r}")
    settings = settings or GraphSettings()
    ids = {node: number for number, node in enumerate(graph.nodes)}
    taken = [group.color for group in settings.color_groups]
    groups, group_of = _groups(graph, color_by, taken)
    positions = initial_positions(graph, group_of)
    net = Network(directed=True, cdn_resources="in_line")
    # Filling pyvis's lists directly: its add_node/add_edge check membership in a list, which
    # is O(nodes) per call (minutes at 10k notes).
    net.nodes = [
        _vis_node(ids[node], data, positions[node]) for node, data in graph.nodes(data=True)
    ]
    net.edges = [
        _vis_edge(ids[source], ids[target], data) for source, target, data in graph.edges(data=True)
    ]
    net.options = _options()
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    data = {
        "vault": vault_name,
        "obsidian": obsidian,
        "colorBy": color_by,
        "groups": groups,
        "nodeCap": NODE_CAP,
        "hubCap": HUB_CAP,
        "edgeBudget": EDGE_BUDGET,
        "settings": settings.as_page_data(),
        "rules": _rules(graph),
        "palette": list(PALETTE),
        "table": [_row(data, group_of[node]) for node, data in graph.nodes(data=True)],
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options),
        "colors": {
            "ghost": GHOST_COLOR,
            "attachment": ATTACHMENT_COLOR,
            "up": UP_COLOR,
            "link": LINK_COLOR,
            "upDark": UP_COLOR_DARK,
            "linkDark": LINK_COLOR_DARK,
            "embed": EMBED_COLOR,
            "other": OTHER_COLOR,
        },
    }
    return _render(data, vault_name)


def write_page(
    graph: Graph,
    path: Path,
    *,
    vault_name: str,
    obsidian: bool,
    color_by: str = "folder",
    settings: GraphSettings | None = None,
) -> None:
    """Write the page for ``graph`` to ``path`` atomically, as UTF-8."""
    html = render_page(
        graph, vault_name=vault_name, obsidian=obsidian, color_by=color_by, settings=settings
    )
    write_file(path, html.encode("utf-8"))


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` as every output is written (``files.write_output``).

    A regular file is replaced atomically, so a browser reloading the page while ``vaultkit
    watch`` rewrites it never sees half a file; a symlink stays a symlink. Missing parent
    folders are created.
    """
    write_output(path, content)


def _groups(
    graph: Graph, color_by: str, taken: list[str]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Legend groups (name, colour, count), largest first, and each node's group index.

    By ``tag`` a note joins the group of its most common tag in the vault, so groups are few
    and large; notes without a group (no tag, ``none``), ghosts and attachments get -1.
    Palette colours near a ``taken`` colour (the user's colour groups) are skipped.
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
    free = [
        color for color in PALETTE if all(color_distance(color, other) >= NEAR for other in taken)
    ]
    groups = [
        {
            "name": key,
            "color": free[number] if number < len(free) else OTHER_COLOR,
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


def _vis_node(number: int, data: dict[str, Any], position: tuple[float, float]) -> dict[str, Any]:
    # Colours, sizes, shapes and labels are the page's: they follow colour groups, the view,
    # the theme, hover and the text fade, none of which vis-network's own styling can do.
    return {"id": number, "label": data["label"], "x": position[0], "y": position[1]}


def _vis_edge(source: int, target: int, data: dict[str, Any]) -> dict[str, Any]:
    edge: dict[str, Any] = {"from": source, "to": target, "kind": _EDGE_KINDS[data["kind"]]}
    if data["weight"] > 1:
        edge["width"] = round(min(1 + math.log2(data["weight"]), 5), 2)
    return edge


def color_distance(first: str, second: str) -> float:
    """How far apart two ``#rrggbb`` colours look: CIE76, the distance in CIELAB (D65)."""
    return math.dist(_lab(first), _lab(second))


def _lab(color: str) -> tuple[float, float, float]:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(int(color[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (red * 0.4124 + green * 0.3576 + blue * 0.1805) / 0.95047
    y = red * 0.2126 + green * 0.7152 + blue * 0.0722
    z = (red * 0.0193 + green * 0.1192 + blue * 0.9505) / 1.08883

    def f(value: float) -> float:
        return value ** (1 / 3) if value > 0.008856 else 7.787 * value + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def _rules(graph: Graph) -> dict[str, list[str]]:
    """Name and severity of each rule with findings in the graph, for the rule filter."""
    present = {code for _, codes in graph.nodes(data="codes") for code in codes or ()}
    return {rule.code: [rule.name, rule.severity.label] for rule in RULES if rule.code in present}


def _row(data: dict[str, Any], group: int) -> list[Any]:
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
        list(data.get("codes", ())),
        group,
    ]


def _options() -> dict[str, Any]:
    """vis-network options: straight edges, no improved layout, physics driven by the page."""
    return {
        "autoResize": True,
        "nodes": {"shape": "dot", "borderWidth": 1.5, "borderWidthSelected": 3},
        "edges": {
            "smooth": False,
            "color": {"color": LINK_COLOR, "opacity": 0.7},
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
                "centralGravity": 0.012,
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
