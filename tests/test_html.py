"""Tests for the self-contained graph page."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from itertools import combinations
from pathlib import Path

import pytest

from tests.conftest import MakeVault
from vaultkit.cli import main
from vaultkit.graph import build_graph
from vaultkit.graph_settings import parse_graph_settings
from vaultkit.html import (
    ATTACHMENT_COLOR,
    EMBED_COLOR,
    GHOST_COLOR,
    LINK_COLOR,
    LINK_COLOR_DARK,
    OTHER_COLOR,
    PALETTE,
    UP_COLOR,
    UP_COLOR_DARK,
    color_distance,
    render_page,
    write_page,
)
from vaultkit.vault import lint


def test_page_is_self_contained_and_script_safe(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"</script><b>&.md": "[[Other]]\n", "Other.md": ""})
    out = tmp_path / "out" / "page.html"
    write_page(build_graph(vault), out, vault_name="v", obsidian=False)
    text = out.read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    assert data is not None
    assert "\\u003c/script\\u003e\\u003cb\\u003e\\u0026.md" in data.group(1)
    assert str(vault.root) not in text
    assert "<script src" not in text and "<link" not in text
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    assert csp is not None
    policy = html.unescape(csp.group(1))
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    bodies = re.findall(r"<script>(.*?)</script>", text, re.S)
    assert len(bodies) == 2
    for body in bodies:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert [p.name for p in out.parent.iterdir()] == ["page.html"]  # no temporary left


def test_graph_command_formats(make_vault: MakeVault, tmp_path: Path) -> None:
    vault = make_vault({"A.md": "[[B]]\n", "B.md": ""})
    for fmt in ("html", "json", "graphml", "gexf"):
        out = tmp_path / f"g.{fmt}"
        argv = ["graph", "--vault", str(vault.root), "-o", str(out), "--format", fmt, "-q"]
        assert main(argv) == 0
        assert out.stat().st_size > 0


def _page_data(text: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    assert found is not None
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_colour_groups_follow_color_by(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "A/a.md": "---\ntags: [x, y]\n---\n[[b]]\n",
            "A/c.md": "#x\n",
            "B/b.md": "---\ntags: [y]\n---\n",
        }
    )
    graph = build_graph(vault, communities=True)
    by = {
        color_by: _page_data(render_page(graph, vault_name="v", obsidian=False, color_by=color_by))
        for color_by in ("folder", "tag", "community", "none")
    }
    assert [group["name"] for group in by["folder"]["groups"]] == ["A", "B"]  # type: ignore[attr-defined, index]
    assert {group["name"] for group in by["tag"]["groups"]} == {"#x", "#y"}  # type: ignore[attr-defined, index]
    assert by["community"]["groups"]
    assert by["none"]["groups"] == []
    with pytest.raises(ValueError, match="color-by"):
        render_page(graph, vault_name="v", obsidian=False, color_by="rainbow")


def test_page_is_deterministic_and_uses_integer_ids(make_vault: MakeVault) -> None:
    vault = make_vault({f"n{i}.md": f"[[n{(i * 7) % 20}]] [[gone{i % 3}]]\n" for i in range(20)})
    graph = build_graph(vault, lint(vault))
    first = render_page(graph, vault_name="v", obsidian=True)
    assert first == render_page(graph, vault_name="v", obsidian=True)
    data = _page_data(first)
    nodes = data["nodes"]
    assert [node["id"] for node in nodes] == list(range(graph.number_of_nodes()))  # type: ignore[attr-defined]
    assert all(isinstance(edge["from"], int) for edge in data["edges"])  # type: ignore[attr-defined]
    assert data["options"]["edges"]["smooth"] is False  # type: ignore[index]
    assert data["options"]["layout"]["improvedLayout"] is False  # type: ignore[index]


def test_style_is_allowed_by_hash_and_nothing_loads(make_vault: MakeVault) -> None:
    text = render_page(build_graph(make_vault({"a.md": ""})), vault_name="v", obsidian=False)
    policy = html.unescape(re.search(r'content="(default-src[^"]*)"', text).group(1))  # type: ignore[union-attr]
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
    assert "unsafe" not in policy
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)
    assert "sourceMappingURL" not in text


def test_colours_are_far_apart_and_up_is_no_folder_colour() -> None:
    assert color_distance("#000000", "#ffffff") == pytest.approx(100, abs=0.5)
    assert color_distance("#4e79a7", "#4e79a7") == 0
    reserved = [GHOST_COLOR, ATTACHMENT_COLOR, OTHER_COLOR, UP_COLOR, LINK_COLOR, EMBED_COLOR]
    everything = [*PALETTE, *reserved]
    assert len(set(everything)) == len(everything)
    assert min(color_distance(a, b) for a, b in combinations(everything, 2)) >= 20
    for up in (UP_COLOR, UP_COLOR_DARK):
        assert min(color_distance(up, color) for color in PALETTE) >= 30
    dark = [*PALETTE, GHOST_COLOR, ATTACHMENT_COLOR, OTHER_COLOR, UP_COLOR_DARK, LINK_COLOR_DARK]
    dark.append(EMBED_COLOR)
    assert min(color_distance(a, b) for a, b in combinations(dark, 2)) >= 20


def test_folders_avoid_the_users_group_colours(make_vault: MakeVault) -> None:
    vault = make_vault({f"F{i}/n.md": "" for i in range(14)})
    graph = build_graph(vault)
    plain = _page_data(render_page(graph, vault_name="v", obsidian=False))
    colours = [group["color"] for group in plain["groups"]]  # type: ignore[attr-defined]
    assert colours[:12] == list(PALETTE) and set(colours[12:]) == {OTHER_COLOR}
    settings = parse_graph_settings(
        {"colorGroups": [{"query": "path:F1", "color": {"a": 1, "rgb": 0x4F7AA8}}]}
    )
    data = _page_data(render_page(graph, vault_name="v", obsidian=False, settings=settings))
    colours = [group["color"] for group in data["groups"]]  # type: ignore[attr-defined]
    assert PALETTE[0] not in colours
    assert colours[:11] == list(PALETTE[1:])
    assert data["settings"]["colorGroups"] == [{"query": "path:F1", "color": "#4f7aa8"}]  # type: ignore[index]


def test_page_orphans_are_the_findings_after_suppressions(make_vault: MakeVault) -> None:
    vault = make_vault(
        {"Lone.md": "text\n", "Quiet.md": "---\nvaultkit-ignore: [orphan-note]\n---\ntext\n"}
    )
    findings = lint(vault)
    data = _page_data(render_page(build_graph(vault, findings), vault_name="v", obsidian=False))
    rows = {row[0]: row for row in data["table"]}  # type: ignore[attr-defined]
    assert rows["Lone.md"][8] == 1 and rows["Quiet.md"][8] == 0
    assert rows["Lone.md"][10] == ["VK201"]
    assert data["rules"] == {"VK201": ["orphan-note", "warning"]}


def test_graph_command_opens_with_the_users_obsidian_settings(
    make_vault: MakeVault, tmp_path: Path
) -> None:
    vault = make_vault({"A.md": "[[B]]\n", "B.md": ""})
    (vault.root / ".obsidian").mkdir()
    groups = [{"query": "file:A", "color": {"a": 1, "rgb": 0xABCDEF}}]
    (vault.root / ".obsidian" / "graph.json").write_text(
        json.dumps({"colorGroups": groups, "showArrow": True}), encoding="utf-8"
    )
    out = tmp_path / "g.html"
    assert main(["graph", "--vault", str(vault.root), "-o", str(out), "-q"]) == 0
    settings = _page_data(out.read_text(encoding="utf-8"))["settings"]
    assert settings["colorGroups"] == [{"query": "file:A", "color": "#abcdef"}]  # type: ignore[index]
    assert settings["showArrow"] is True  # type: ignore[index]
