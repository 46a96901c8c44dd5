"""Tests for the self-contained graph page."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from pathlib import Path

from tests.conftest import MakeVault
from vaultkit.cli import main
from vaultkit.graph import build_graph
from vaultkit.html import write_page


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
