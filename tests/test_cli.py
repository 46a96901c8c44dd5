"""The command line: exit codes, formats, config errors, rule documentation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import write_files
from vaultkit import __version__
from vaultkit.cli import main
from vaultkit.identity import Identity, finding_id


def _vault(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "v"
    root.mkdir()
    write_files(root, files)
    return root


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = _vault(tmp_path, {"a.md": "[[b]]", "b.md": "[[a]]"})
    assert main(["lint", "--vault", str(clean)]) == 0
    assert capsys.readouterr().out == "no problems in 2 notes\n"
    (clean / "a.md").write_text("[[b]] [[gone]]")
    assert main(["lint", "--vault", str(clean)]) == 1
    assert main(["lint", "--vault", str(clean), "--exit-zero"]) == 0
    assert main(["lint", "--vault", str(tmp_path / "missing")]) == 2


def test_fail_on_lets_warnings_pass(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"a.md": "[[]]", "b.md": "[[a]]", "c.md": "[[b]] [[c]]"})
    assert main(["lint", "--vault", str(root), "--ignore", "VK201"]) == 1
    assert main(["lint", "--vault", str(root), "--ignore", "VK201", "--fail-on", "error"]) == 0


def test_text_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(tmp_path, {"n/a.md": "x [[Nowhere]]", "b.md": "[[a]]"})
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--vault", str(root)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "v/b.md:1:1: VK201 [orphan-note] no other note links to this note",
        "v/n/a.md:1:3: VK101 [broken-link] no note matches 'Nowhere'",
        "2 problems (1 error, 1 warning) in 2 notes",
    ]


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _vault(tmp_path, {"a.md": "[[Nowhere]]\n[[b]]", "b.md": "[[a]]"})
    main(["lint", "--vault", str(root), "--format", "json"])
    assert json.loads(capsys.readouterr().out) == [
        {
            "id": finding_id(Identity("a.md", "VK101", "[[Nowhere]]", 0)),
            "code": "VK101",
            "name": "broken-link",
            "severity": "error",
            "path": "a.md",
            "line": 1,
            "column": 1,
            "message": "no note matches 'Nowhere'",
            "fix": None,
            "suggestions": [],
        }
    ]


def test_lint_paths_reports_only_those_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(
        tmp_path, {".obsidian/app.json": "{}", "a.md": "[[x]] [[b]]", "b.md": "[[y]] [[a]]"}
    )
    assert main(["lint", str(root / "b.md"), "--format", "json"]) == 1
    assert [item["path"] for item in json.loads(capsys.readouterr().out)] == ["b.md"]


def test_config_error_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(tmp_path, {".vaultkit.toml": "colour = 1\n", "a.md": ""})
    assert main(["lint", "--vault", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'colour'" in err and ".vaultkit.toml" in err


def test_unknown_rule_selector_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(tmp_path, {"a.md": ""})
    assert main(["lint", "--vault", str(root), "--select", "VK999"]) == 2
    assert "VK999" in capsys.readouterr().err


def test_links_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _vault(
        tmp_path,
        {"Concepts/LLM.md": "x\n[[AI-Model#Types|types]]", "Concepts/AI-Model.md": "# Types"},
    )
    main(["links", "--vault", str(root), "--format", "json"])
    assert json.loads(capsys.readouterr().out) == [
        {
            "source": "Concepts/LLM.md",
            "line": 2,
            "column": 1,
            "kind": "wikilink",
            "text": "[[AI-Model#Types|types]]",
            "target": "AI-Model",
            "subpath": "Types",
            "status": "resolved",
            "resolved": "Concepts/AI-Model.md",
        }
    ]


def test_rule_docs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "VK101"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VK101 broken-link (error, on by default)") and "Why:" in out
    assert main(["rule", "orphan-note"]) == 0
    assert "VK201" in capsys.readouterr().out
    assert main(["rule", "--all"]) == 0
    assert capsys.readouterr().out.count("\n") >= 26
    assert main(["rule", "nope"]) == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"vaultkit {__version__}"


@pytest.mark.parametrize("variable", ["PRE_COMMIT", "CI", "NO_COLOR"])
def test_no_colour_under_hooks_and_ci(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    root = _vault(tmp_path, {"a.md": "[[Nowhere]]"})
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv(variable, "true" if variable == "CI" else "1")
    main(["lint", "--vault", str(root)])
    assert "\x1b[" not in capsys.readouterr().out


def test_colour_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(tmp_path, {"a.md": "[[Nowhere]]"})
    for variable in ("PRE_COMMIT", "CI", "NO_COLOR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm")
    main(["lint", "--vault", str(root)])
    assert "\x1b[" in capsys.readouterr().out


def test_an_empty_no_color_leaves_colour_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # no-color.org: only a NO_COLOR that is present *and not empty* turns colour off.
    root = _vault(tmp_path, {"a.md": "[[Nowhere]]"})
    for variable in ("PRE_COMMIT", "CI"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("NO_COLOR", "")
    main(["lint", "--vault", str(root)])
    assert "\x1b[" in capsys.readouterr().out


def test_paths_after_a_double_dash_are_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(
        tmp_path,
        {".obsidian/app.json": "{}", "-old.md": "[[ld]] [[Nowhere]]", "ld.md": "keep [[-old]]"},
    )
    monkeypatch.chdir(root)
    assert main(["lint", "--format", "json", "--", "-old.md", "ld.md"]) == 1
    assert [item["path"] for item in json.loads(capsys.readouterr().out)] == ["-old.md"]
    assert (root / "ld.md").read_text() == "keep [[-old]]"


def test_an_option_after_the_double_dash_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hook's `args:` come after the manifest's `--`: an option there must not silently
    # become a path that matches no note (and so a check that passes without looking).
    root = _vault(tmp_path, {".obsidian/app.json": "{}", "a.md": "[[Nowhere]]"})
    monkeypatch.chdir(root)
    assert main(["lint", "--", "--select", "VK1", "a.md"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--select" in err
