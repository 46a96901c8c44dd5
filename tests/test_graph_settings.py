"""Tests for reading Obsidian's graph settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vaultkit.graph_settings import (
    MAX_BYTES,
    ColorGroup,
    GraphSettings,
    parse_graph_settings,
    read_graph_settings,
)


def _write(root: Path, text: str | bytes) -> None:
    folder = root / ".obsidian"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "graph.json"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")


def test_reads_groups_toggles_and_sliders(tmp_path: Path) -> None:
    _write(
        tmp_path,
        json.dumps(
            {
                "colorGroups": [
                    {"query": "path:Daily ", "color": {"a": 1, "rgb": 14701138}},
                    {"query": "tag:#idea", "color": {"a": 1, "rgb": 255}},
                ],
                "showTags": True,
                "showAttachments": True,
                "hideUnresolved": True,
                "showOrphans": False,
                "showArrow": True,
                "textFadeMultiplier": -1.5,
                "nodeSizeMultiplier": 9,
                "lineSizeMultiplier": 0.5,
                "collapse-filter": True,
            }
        ),
    )
    settings = read_graph_settings(tmp_path)
    assert settings.color_groups == (
        ColorGroup("path:Daily", "#e05252"),
        ColorGroup("tag:#idea", "#0000ff"),
    )
    assert (settings.show_tags, settings.show_attachments, settings.hide_unresolved) == (
        True,
        True,
        True,
    )
    assert (settings.show_orphans, settings.show_arrow) == (False, True)
    assert (settings.text_fade, settings.node_size, settings.line_size) == (-1.5, 5.0, 0.5)
    assert settings.found


def test_missing_file_gives_obsidians_defaults(tmp_path: Path) -> None:
    settings = read_graph_settings(tmp_path)
    assert settings == GraphSettings()
    assert not settings.found and settings.show_orphans and not settings.show_attachments


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", "null", b"\xff\xfe{}", "[" * 100_000 + "]" * 100_000],
)
def test_unreadable_files_give_the_defaults(tmp_path: Path, content: str | bytes) -> None:
    _write(tmp_path, content)
    assert read_graph_settings(tmp_path).color_groups == ()
    assert read_graph_settings(tmp_path).show_orphans is True


def test_oversized_file_is_not_read(tmp_path: Path) -> None:
    _write(tmp_path, '{"showArrow": true, "pad": "' + "x" * MAX_BYTES + '"}')
    assert read_graph_settings(tmp_path) == GraphSettings()


def test_wrong_types_fall_back_one_by_one() -> None:
    settings = parse_graph_settings(
        {
            "colorGroups": [
                {"query": "", "color": {"rgb": 1}},
                {"query": "a", "color": {"rgb": "red"}},
                {"query": "b", "color": {"rgb": True}},
                {"query": "c", "color": {"rgb": 0x1000000}},
                {"query": 3, "color": {"rgb": 1}},
                "nonsense",
                {"query": "ok", "color": {"rgb": 0x123456}},
            ],
            "showArrow": "yes",
            "showOrphans": 0,
            "textFadeMultiplier": float("nan"),
            "nodeSizeMultiplier": True,
        }
    )
    assert settings.color_groups == (ColorGroup("ok", "#123456"),)
    assert settings.show_arrow is False and settings.show_orphans is True
    assert settings.text_fade == 0.0 and settings.node_size == 1.0
