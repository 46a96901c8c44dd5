"""``lint --format github``: workflow commands with GitHub's escaping."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_files
from vaultkit.cli import main
from vaultkit.model import Diagnostic, Severity
from vaultkit.report import Context, github_data, github_property, github_report


def test_workflow_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "v"
    write_files(root, {"n/a.md": "---\nalias: x\n---\nx [[Nowhere]] [[]]", "b.md": "[[a]]"})
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--vault", str(root), "--format", "github", "--ignore", "VK201"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "::notice file=v/n/a.md,line=2,col=1,title=VK215 deprecated-property::"
        "v/n/a.md:2:1: VK215 [deprecated-property] 'alias' is deprecated: use 'aliases'",
        "::error file=v/n/a.md,line=4,col=3,title=VK101 broken-link::"
        "v/n/a.md:4:3: VK101 [broken-link] no note matches 'Nowhere'",
        "::warning file=v/n/a.md,line=4,col=15,title=VK108 empty-link::"
        "v/n/a.md:4:15: VK108 [empty-link] '[[]]' names no note",
    ]


def test_escaping() -> None:
    assert github_data("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"
    assert github_property("a: b, 100%\n") == "a%3A b%2C 100%25%0A"
    item = Diagnostic(
        "dir, with: colon/50%.md", 3, 7, "VK101", "broken-link", Severity.ERROR, "no 'a\nb'"
    )
    root = Path("/vault")
    assert github_report([item], Context(root, root, 1)) == (
        "::error file=dir%2C with%3A colon/50%25.md,line=3,col=7,title=VK101 broken-link::"
        "dir, with: colon/50%25.md:3:7: VK101 [broken-link] no 'a%0Ab'\n"
    )


def test_no_findings_no_output() -> None:
    assert github_report([], Context(Path("/v"), Path("/v"), 3)) == ""
