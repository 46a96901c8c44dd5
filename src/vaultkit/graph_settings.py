"""The user's own Obsidian graph settings (``.obsidian/graph.json``), as the page's defaults.

Obsidian writes this file from its graph view: colour groups (``colorGroups``: a search query
and a colour as an RGB integer), the filter toggles and the display sliders. The page opens
with them so it looks like the user's graph in Obsidian.

Choices where graph.md is silent:

- The file is Obsidian's, not vaultkit's: a missing, unreadable, oversized or malformed file,
  or a value of the wrong type, falls back to Obsidian's own default for that setting (as
  Obsidian does) rather than stopping the graph command. Nothing is ever written to it.
- Only what the page can honour is read: the colour groups, the filter toggles and the display
  sliders. The saved search, window state and force strengths are left out (vaultkit runs its
  own bounded layout). Obsidian's "orphans" toggle maps to the page's orphans filter, whose
  orphans are vaultkit's ``orphan-note`` findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A graph.json is a few kilobytes; anything this large is not one Obsidian wrote.
MAX_BYTES = 1_000_000
MAX_GROUPS = 64


@dataclass(frozen=True, slots=True)
class ColorGroup:
    """One of Obsidian's graph colour groups: notes matching ``query`` take ``color``."""

    query: str
    color: str  # "#rrggbb"


@dataclass(frozen=True, slots=True)
class GraphSettings:
    """The settings the page takes from ``graph.json``; the defaults are Obsidian's."""

    color_groups: tuple[ColorGroup, ...] = ()
    show_tags: bool = False
    show_attachments: bool = False
    hide_unresolved: bool = False
    show_orphans: bool = True
    show_arrow: bool = False
    text_fade: float = 0.0
    node_size: float = 1.0
    line_size: float = 1.0
    found: bool = False

    def as_page_data(self) -> dict[str, Any]:
        """The settings as the page's JSON data."""
        return {
            "found": self.found,
            "colorGroups": [{"query": g.query, "color": g.color} for g in self.color_groups],
            "showTags": self.show_tags,
            "showAttachments": self.show_attachments,
            "hideUnresolved": self.hide_unresolved,
            "showOrphans": self.show_orphans,
            "showArrow": self.show_arrow,
            "textFade": self.text_fade,
            "nodeSize": self.node_size,
            "lineSize": self.line_size,
        }


def read_graph_settings(root: Path) -> GraphSettings:
    """The settings in ``root/.obsidian/graph.json``, or Obsidian's defaults without one."""
    path = root / ".obsidian" / "graph.json"
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return GraphSettings()
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return GraphSettings()
    return parse_graph_settings(raw)


def parse_graph_settings(raw: object) -> GraphSettings:
    """Settings from the parsed JSON of a ``graph.json``; wrong types fall back to defaults."""
    if not isinstance(raw, dict):
        return GraphSettings()
    defaults = GraphSettings()
    return GraphSettings(
        color_groups=_groups(raw.get("colorGroups")),
        show_tags=_flag(raw.get("showTags"), defaults.show_tags),
        show_attachments=_flag(raw.get("showAttachments"), defaults.show_attachments),
        hide_unresolved=_flag(raw.get("hideUnresolved"), defaults.hide_unresolved),
        show_orphans=_flag(raw.get("showOrphans"), defaults.show_orphans),
        show_arrow=_flag(raw.get("showArrow"), defaults.show_arrow),
        # Obsidian's slider ranges: text fade -3..3, node size and line size 0.1..5.
        text_fade=_number(raw.get("textFadeMultiplier"), defaults.text_fade, -3, 3),
        node_size=_number(raw.get("nodeSizeMultiplier"), defaults.node_size, 0.1, 5),
        line_size=_number(raw.get("lineSizeMultiplier"), defaults.line_size, 0.1, 5),
        found=True,
    )


def _groups(value: object) -> tuple[ColorGroup, ...]:
    if not isinstance(value, list):
        return ()
    groups = []
    for item in value[:MAX_GROUPS]:
        if not isinstance(item, dict):
            continue
        query, color = item.get("query"), item.get("color")
        rgb = color.get("rgb") if isinstance(color, dict) else None
        if not isinstance(query, str) or not query.strip():
            continue
        if isinstance(rgb, bool) or not isinstance(rgb, int) or not 0 <= rgb <= 0xFFFFFF:
            continue
        groups.append(ColorGroup(query.strip(), f"#{rgb:06x}"))
    return tuple(groups)


def _flag(value: object, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _number(value: object, default: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return default
    return float(min(max(value, low), high))
