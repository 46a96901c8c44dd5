"""``lint --fix``: the fix ranges rules attach, and applying them safely to the files."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

import vaultkit.fix
from tests.conftest import MakeVault, write_files
from vaultkit.cli import main
from vaultkit.fix import fix_diff, plan_fixes, write_fixes
from vaultkit.model import Diagnostic, Fix, Severity, Vault
from vaultkit.report import Context
from vaultkit.vault import lint, load_vault

TARGET = "---\naliases: [Al]\n---\n# H\n"


def _fixes(vault: Vault, code: str) -> list[tuple[str, str]]:
    """``(text in the fix's range, replacement)`` of each finding of ``code``."""
    found = []
    for item in lint(vault, ignore=["VK201"]):
        if item.code != code:
            continue
        assert item.fix is not None, item
        found.append((_slice(vault.root / item.path, item.fix), item.fix.replacement))
    return found


def _slice(path: Path, fix: Fix) -> str:
    lines = path.read_text(encoding="utf-8").split("\n")
    if fix.line == fix.end_line:
        return lines[fix.line - 1][fix.column - 1 : fix.end_column - 1]
    middle = lines[fix.line : fix.end_line - 1]
    first = lines[fix.line - 1][fix.column - 1 :]
    return "\n".join([first, *middle, lines[fix.end_line - 1][: fix.end_column - 1]])


# --- the ranges and replacements rules attach -----------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("x [[Al]] y", ("[[Al]]", "[[t|Al]]")),
        ("x [[Al|shown]] y", ("[[Al|shown]]", "[[t|shown]]")),
        ("| [[Al\\|shown]] | x |", ("[[Al\\|shown]]", "[[t\\|shown]]")),
        ("[[Al#H]]", ("[[Al#H]]", "[[t#H|Al > H]]")),
        ("![[Al]]", ("![[Al]]", "![[t]]")),
        ("![[Al|300]]", ("![[Al|300]]", "![[t|300]]")),
        ("![[Al#H]]", ("![[Al#H]]", "![[t#H]]")),
        ("up:: [[Al]]", ("[[Al]]", "[[t|Al]]")),
        ("ИИ и [[Al]]", ("[[Al]]", "[[t|Al]]")),
        ('---\nrel: "[[Al]]"\n---\n', ("[[Al]]", "[[t|Al]]")),
        ("---\nrel:\n  - '[[Al]]'\n---\n", ("[[Al]]", "[[t|Al]]")),
        ("---\nup: [[Al]]\n---\n", ("[[Al]]", '"[[t|Al]]"')),
    ],
)
def test_alias_link_fix_range(make_vault: MakeVault, body: str, expected: tuple[str, str]) -> None:
    vault = make_vault({"t.md": TARGET, "a.md": body})
    assert _fixes(vault, "VK105") == [expected]


def test_ambiguous_link_fix_is_the_path_form_keeping_the_visible_text(
    make_vault: MakeVault,
) -> None:
    vault = make_vault(
        {
            "p/Index.md": "",
            "q/Index.md": "",
            "a.md": "[[Index]] and ![[Index|d]] 🧰 [[Index#^x]] ![[Index]] [[Index|shown]]\n"
            "\n[[Index.md]]\n",
        }
    )
    assert _fixes(vault, "VK104") == [
        ("[[Index]]", "[[p/Index|Index]]"),
        ("![[Index|d]]", "![[p/Index|d]]"),
        ("![[Index]]", "![[p/Index]]"),
        ("[[Index|shown]]", "[[p/Index|shown]]"),
        ("[[Index.md]]", "[[p/Index|Index.md]]"),
    ]


def test_each_fix_says_whether_it_is_safe(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "p/Index.md": "",
            "q/Index.md": "",
            "t.md": TARGET,
            "a.md": "---\naliases: x\nup: [[t]]\n---\n[[Index]] [[Al]]\n",
        }
    )
    found = {item.code: item.fix for item in lint(vault, ignore=["VK201"])}
    assert {code: fix.safe for code, fix in found.items() if fix is not None} == {
        "VK104": False,
        "VK105": True,
        "VK211": True,
        "VK214": True,
    }


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("up: [[t]]", ("[[t]]", '"[[t]]"')),
        ("up: [[ t ]]", ("[[ t ]]", '"[[t]]"')),
        ("up: [[t|shown]]", ("[[t|shown]]", '"[[t|shown]]"')),
        ("up: [[t#H]] # a comment", ("[[t#H]]", '"[[t#H]]"')),
        ("up: [[🧰 t]]", ("[[🧰 t]]", '"[[🧰 t]]"')),
    ],
)
def test_unquoted_property_link_fix_range(
    make_vault: MakeVault, line: str, expected: tuple[str, str]
) -> None:
    vault = make_vault({"t.md": "", "🧰 t.md": "", "a.md": f"---\n{line}\n---\n"})
    assert _fixes(vault, "VK214") == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("foo", ("foo", "[foo]")),
        ("ИИ Модель", ("ИИ Модель", "[ИИ Модель]")),
        ("foo # a comment", ("foo", "[foo]")),
        ('"foo"', ('"foo"', '["foo"]')),
        ("'it''s'", ("'it''s'", "['it''s']")),
        ("a, b", ("a, b", '["a, b"]')),
        ('"tab\\there"', ('"tab\\there"', '["tab\\there"]')),
        ("foo\n  bar", ("foo\n  bar", "[foo bar]")),
    ],
)
def test_invalid_aliases_fix_range(
    make_vault: MakeVault, value: str, expected: tuple[str, str]
) -> None:
    vault = make_vault({"a.md": f"---\naliases: {value}\n---\n"})
    assert _fixes(vault, "VK211") == [expected]


def test_invalid_aliases_block_scalar_has_no_fix(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "---\naliases: |\n  foo\n---\n"})
    found = [item for item in lint(vault) if item.code == "VK211"]
    assert [(item.line, item.fix) for item in found] == [(2, None)]


# --- applying -------------------------------------------------------------------------------


def _root(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "v"
    root.mkdir()
    write_files(root, files)
    return root


def _fix(root: Path, *extra: str) -> int:
    return main(["lint", "--vault", str(root), "--ignore", "VK201", "--fix", *extra])


def test_fix_rewrites_reports_and_lints_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "See [[Al]] and [[Nowhere]].\n"})
    monkeypatch.chdir(tmp_path)
    assert _fix(root) == 1
    out, err = capsys.readouterr()
    assert (root / "a.md").read_text() == "See [[t|Al]] and [[Nowhere]].\n"
    assert err.splitlines() == [
        "v/a.md:1:5: fixed VK105 [alias-link] [[Al]] -> [[t|Al]]",
        "fixed 1 problem in 1 note",
    ]
    assert out.splitlines() == [
        "v/a.md:1:18: VK101 [broken-link] no note matches 'Nowhere'",
        "1 problem (1 error) in 2 notes",
    ]
    assert _fix(root) == 1
    assert capsys.readouterr().err == "fixed 0 problems in 0 notes\n"


def test_fix_exits_zero_when_everything_was_fixed(tmp_path: Path) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "[[Al]]"})
    assert _fix(root, "--quiet") == 0
    assert (root / "a.md").read_text() == "[[t|Al]]"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            b"\xef\xbb\xbf---\r\naliases: foo\r\n---\r\n[[Al]] x\r\n",
            b"\xef\xbb\xbf---\r\naliases: [foo]\r\n---\r\n[[t|Al]] x\r\n",
        ),
        (b"---\raliases: foo\r---\r\r[[Al]]\r", b"---\raliases: [foo]\r---\r\r[[t|Al]]\r"),
        (
            b"---\naliases: foo\r\n---\r\rA\n[[Al]] \xc3\xa9 [[Al]]",
            b"---\naliases: [foo]\r\n---\r\rA\n[[t|Al]] \xc3\xa9 [[t|Al]]",
        ),
        (
            b"---\r\naliases: foo\r\n  bar\r\nup: [[t]]\r\n---\r\n[[Al]]\r\n",
            b'---\r\naliases: [foo bar]\r\nup: "[[t]]"\r\n---\r\n[[t|Al]]\r\n',
        ),
    ],
    ids=["bom-crlf", "cr-only", "mixed", "multi-line-value"],
)
def test_fix_keeps_bom_and_line_endings(tmp_path: Path, before: bytes, after: bytes) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": before})
    _fix(root, "--quiet")
    assert (root / "a.md").read_bytes() == after


def test_fix_keeps_the_mode(tmp_path: Path) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "[[Al]]"})
    (root / "a.md").chmod(0o640)
    _fix(root, "--quiet")
    assert (root / "a.md").read_text() == "[[t|Al]]"
    assert stat.S_IMODE((root / "a.md").stat().st_mode) == 0o640
    assert sorted(path.name for path in root.iterdir()) == ["a.md", "t.md"]


def test_fix_writes_through_a_symlink(tmp_path: Path) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "real/note.md": "[[Al]]"})
    (root / "link.md").symlink_to(root / "real" / "note.md")
    _fix(root, "--quiet")
    assert (root / "link.md").is_symlink()
    assert (root / "real" / "note.md").read_text() == "[[t|Al]]"


def test_diff_prints_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "one\r\nSee [[Al]].\r\nthree"})
    before = _snapshot(root)
    monkeypatch.chdir(tmp_path)
    assert _fix(root, "--diff") == 1
    out, err = capsys.readouterr()
    assert out == (
        "--- a/v/a.md\n+++ b/v/a.md\n@@ -1,3 +1,3 @@\n one\n-See [[Al]].\n+See [[t|Al]].\n"
        " three\n\\ No newline at end of file\n"
    )
    assert err.splitlines()[-1] == "would fix 1 problem in 1 note"
    assert _snapshot(root) == before
    assert main(["lint", "--vault", str(root), "--diff", "--ignore", "VK105"]) == 0
    assert capsys.readouterr().out == ""


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_nothing_is_written_without_fix(tmp_path: Path) -> None:
    root = _root(
        tmp_path,
        {
            "t.md": TARGET,
            "a.md": "---\naliases: x\nup: [[t]]\n---\n[[Al]]",
            "p/I.md": "",
            "q/I.md": "[[I]]",
        },
    )
    before = _snapshot(root)
    for form in ("text", "json", "sarif", "github"):
        assert main(["lint", "--vault", str(root), "--format", form, "-o", os.devnull]) == 1
    assert _snapshot(root) == before


def test_overlapping_fixes_keep_the_link_fix(tmp_path: Path) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "---\nup: [[Al]]\n---\n"})
    vault = load_vault(root)
    plan = plan_fixes(vault, lint(vault))
    assert [change.after for item in plan.files for change in item.changes] == ['"[[t|Al]]"']
    assert [(skip.diagnostic.code, skip.reason) for skip in plan.skipped] == [
        ("VK214", "it overlaps the VK105 fix at the same place")
    ]
    write_fixes(plan)
    assert (root / "a.md").read_text() == '---\nup: "[[t|Al]]"\n---\n'


def test_a_link_in_a_table_gets_an_escaped_pipe(tmp_path: Path) -> None:
    table = "| a | b |\n| --- | --- |\n| [[Al]] | x |\n\n[[Al]] | not a table\n"
    root = _root(tmp_path, {"t.md": TARGET, "a.md": table})
    _fix(root, "--quiet")
    assert (root / "a.md").read_text() == (
        "| a | b |\n| --- | --- |\n| [[t\\|Al]] | x |\n\n[[t|Al]] | not a table\n"
    )


def test_fixes_that_would_change_meaning_are_skipped(tmp_path: Path) -> None:
    root = _root(
        tmp_path,
        {
            "t.md": TARGET,
            "h.md": "## [[Al]] and more\n",
            "a/b.md": "",
            "a/a/b.md": "",
            "a/n.md": "[[b]]",
        },
    )
    vault = load_vault(root)
    plan = plan_fixes(vault, lint(vault), unsafe=True)
    assert plan.files == ()
    assert sorted((skip.diagnostic.path, skip.reason) for skip in plan.skipped) == [
        ("a/n.md", "the fix would not remove the problem"),
        ("h.md", "the fix would change a heading's text, and links to that heading"),
    ]


def test_only_the_listed_fixes_are_applied(tmp_path: Path) -> None:
    root = _root(tmp_path, {"a.md": "[[Nowhere]]"})
    vault = load_vault(root)
    other = Diagnostic(
        "a.md", 1, 1, "VK101", "broken-link", Severity.ERROR, "x", Fix("[[b]]", 1, 1, 1, 12)
    )
    assert plan_fixes(vault, [other]).files == ()


def test_a_note_changed_after_lint_is_refused(tmp_path: Path) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "[[Al]]", "b.md": "x [[Al]]"})
    vault = load_vault(root)
    (root / "a.md").write_text("new text [[Al]]")
    plan = plan_fixes(vault, lint(vault))
    assert [(refusal.path, refusal.reason) for refusal in plan.refused] == [
        ("a.md", "the note changed since it was read: lint again")
    ]
    (root / "b.md").write_text("x [[Al]] edited")
    refused = write_fixes(plan)
    assert [refusal.path for refusal in refused] == ["b.md"]
    assert (root / "a.md").read_text() == "new text [[Al]]"
    assert (root / "b.md").read_text() == "x [[Al]] edited"
    assert sorted(path.name for path in root.iterdir()) == ["a.md", "b.md", "t.md"]


def test_refusal_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "[[Al]]"})
    monkeypatch.chdir(tmp_path)
    original = write_fixes

    def edit_first(plan: object) -> object:
        (root / "a.md").write_text("edited meanwhile")
        return original(plan)  # type: ignore[arg-type]

    monkeypatch.setattr("vaultkit.cli.write_fixes", edit_first)
    assert _fix(root, "--quiet") == 1
    assert "v/a.md: not fixed: the note changed since it was read" in capsys.readouterr().err
    assert (root / "a.md").read_text() == "edited meanwhile"


def test_diff_paths_are_relative_to_the_current_folder(tmp_path: Path) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "n/a.md": "[[Al]]"})
    vault = load_vault(root)
    diff = fix_diff(plan_fixes(vault, lint(vault)), Context(root, root / "n", 2))
    assert diff.splitlines()[:2] == ["--- a/a.md", "+++ b/a.md"]


def test_fixes_at_wrong_places_are_skipped(tmp_path: Path) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "---\naliases: x\n---\nab [[Al]]"})
    vault = load_vault(root)

    def finding(code: str, fix: Fix) -> Diagnostic:
        return Diagnostic("a.md", fix.line, fix.column, code, "n", Severity.WARNING, "m", fix)

    planned = [
        finding("VK105", Fix("[[t|Al]]", 4, 2, 4, 8)),
        finding("VK105", Fix("[[t|Al]]", 4, 4, 4, 9)),
        finding("VK105", Fix("[[t|Al]]", 9, 1, 9, 7)),
        finding("VK211", Fix("[x\n]", 2, 10, 2, 11)),
    ]
    assert [skip.reason for skip in plan_fixes(vault, planned).skipped] == [
        "no link starts at its position",
        "its range does not hold the link",
        "its position is not in the note",
        "its replacement spans lines",
    ]


def test_notes_that_cannot_be_fixed_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("[[Al]]")
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "[[Al]]", "b.md": "[[Al]]"})
    vault = load_vault(root)
    found = lint(vault)
    (root / "a.md").unlink()
    (root / "a.md").symlink_to(outside)
    (root / "b.md").unlink()
    gone = Diagnostic(
        "gone.md", 1, 1, "VK105", "alias-link", Severity.WARNING, "m", Fix("x", 1, 1, 1, 2)
    )
    plan = plan_fixes(vault, [*found, gone])
    assert [(refusal.path, refusal.reason) for refusal in plan.refused] == [
        ("a.md", "the note is a symlink that leads outside the vault"),
        ("b.md", "cannot read the note: no such file or directory"),
        ("gone.md", "the note could not be read"),
    ]
    assert outside.read_text() == "[[Al]]"


def test_a_failed_write_leaves_the_note_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "[[Al]]"})
    vault = load_vault(root)
    plan = plan_fixes(vault, lint(vault))

    def fail(source: str, destination: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    refused = write_fixes(plan)
    assert [(item.path, item.reason) for item in refused] == [
        ("a.md", "cannot write the note: no space left on device")
    ]
    assert (root / "a.md").read_text() == "[[Al]]"
    assert sorted(path.name for path in root.iterdir()) == ["a.md", "t.md"]


def test_a_save_during_the_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "[[Al]]"})
    vault = load_vault(root)
    plan = plan_fixes(vault, lint(vault))
    fsync = os.fsync

    def save_meanwhile(descriptor: int) -> None:
        (root / "a.md").write_text("saved by an editor")
        fsync(descriptor)

    monkeypatch.setattr(os, "fsync", save_meanwhile)
    assert [item.reason for item in write_fixes(plan)] == [
        "the note changed since it was read: lint again"
    ]
    assert (root / "a.md").read_text() == "saved by an editor"
    assert sorted(path.name for path in root.iterdir()) == ["a.md", "t.md"]


def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "[[Al]]"})
    vault = load_vault(root)
    plan = plan_fixes(vault, lint(vault))

    def interrupt(source: str, destination: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_fixes(plan)
    assert (root / "a.md").read_text() == "[[Al]]"
    assert sorted(path.name for path in root.iterdir()) == ["a.md", "t.md"]


def test_a_root_winner_has_no_path_form_fix(make_vault: MakeVault) -> None:
    vault = make_vault({"Index.md": "", "q/Index.md": "", "a.md": "[[Index]]"})
    found = [item for item in lint(vault) if item.code == "VK104"]
    assert [(item.path, item.fix) for item in found] == [("a.md", None)]


def test_a_fix_that_would_cause_another_problem_is_skipped(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "a/b.md": "---\naliases: [Al]\n---\n",
        "a/a/b.md": "",
        "a/n.md": "[[Al]]",
    }
    root = _root(tmp_path, files)
    vault = load_vault(root)
    plan = plan_fixes(vault, lint(vault))
    assert [(skip.diagnostic.code, skip.reason) for skip in plan.skipped] == [
        ("VK105", "the fix would cause a VK104 problem")
    ]


# --- planning cost ----------------------------------------------------------------------------


def test_planning_parses_each_note_a_bounded_number_of_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "\n".join(f"line {number} [[Al]] and ![[Al]] text" for number in range(300))
    root = _root(tmp_path, {"t.md": TARGET, "a.md": body})
    vault = load_vault(root)
    found = lint(vault)
    parses = []
    original = vaultkit.fix.parse_note

    def counting(*args: object) -> object:
        parses.append(args[0])
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(vaultkit.fix, "parse_note", counting)
    plan = plan_fixes(vault, found)
    assert sum(len(item.changes) for item in plan.files) == 600
    assert len(parses) <= 3


def test_planning_skips_bad_fixes_without_parsing_per_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f"line {number} [[Al]] text" for number in range(256)]
    lines[100] = "## [[Al]] a heading"
    root = _root(tmp_path, {"t.md": TARGET, "a.md": "\n".join(lines)})
    vault = load_vault(root)
    found = lint(vault)
    parses = []
    original = vaultkit.fix.parse_note

    def counting(*args: object) -> object:
        parses.append(args[0])
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(vaultkit.fix, "parse_note", counting)
    plan = plan_fixes(vault, found)
    assert sum(len(item.changes) for item in plan.files) == 255
    assert [(skip.diagnostic.line, skip.reason) for skip in plan.skipped] == [
        (101, "the fix would change a heading's text, and links to that heading")
    ]
    assert len(parses) <= 40


def test_two_thousand_fixable_links_are_planned_quickly(tmp_path: Path) -> None:
    body = "\n".join(f"line {number} [[Al]] and more text" for number in range(2000))
    root = _root(tmp_path, {"t.md": TARGET, "a.md": body})
    vault = load_vault(root)
    found = lint(vault)
    started = time.perf_counter()
    plan = plan_fixes(vault, found)
    assert sum(len(item.changes) for item in plan.files) == 2000
    assert time.perf_counter() - started < 5


def test_a_bad_fix_does_not_take_a_good_one_on_its_line_with_it(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "t.md": TARGET,
        "a/b.md": "",
        "a/a/b.md": "",
        "a/n.md": "[[b]] and [[Al]]\n" + "x [[Al]]\n" * 5,
    }
    root = _root(tmp_path, files)
    vault = load_vault(root)
    plan = plan_fixes(vault, lint(vault), unsafe=True)
    assert [(skip.diagnostic.code, skip.reason) for skip in plan.skipped] == [
        ("VK104", "the fix would not remove the problem")
    ]
    assert [(c.diagnostic.line, c.after) for item in plan.files for c in item.changes] == [
        (line, "[[t|Al]]") for line in range(1, 7)
    ]


def test_bad_fixes_sharing_lines_are_told_apart(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "t.md": TARGET,
        "a/b.md": "",
        "a/a/b.md": "",
        "a/n.md": "[[b]] and [[Al]]\n[[Al]] and [[b]]\n",
    }
    root = _root(tmp_path, files)
    vault = load_vault(root)
    plan = plan_fixes(vault, lint(vault), unsafe=True)
    assert sorted((skip.diagnostic.line, skip.diagnostic.code) for skip in plan.skipped) == [
        (1, "VK104"),
        (2, "VK104"),
    ]
    assert [(c.diagnostic.line, c.after) for item in plan.files for c in item.changes] == [
        (1, "[[t|Al]]"),
        (2, "[[t|Al]]"),
    ]


def test_diff_is_a_patch_git_applies_on_unusual_line_breaks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = "one\u2028two [[Al]]\nthree\x85four\x0b\x0c\x1c five [[Al]]\nsix\u2029 [[Al]]"
    root = _root(tmp_path, {"t.md": TARGET, "a.md": odd})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    assert _fix(root, "--diff", "--quiet") == 1
    patch = tmp_path / "fix.patch"
    patch.write_text(capsys.readouterr().out, encoding="utf-8", newline="")
    checked = subprocess.run(
        ["git", "apply", "--check", str(patch)], cwd=tmp_path, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    subprocess.run(["git", "apply", str(patch)], cwd=tmp_path, check=True)
    assert (root / "a.md").read_bytes().decode("utf-8") == odd.replace("[[Al]]", "[[t|Al]]")


# --- safe and unsafe fixes ----------------------------------------------------------------------

AMBIGUOUS: dict[str, str | bytes] = {
    "t.md": TARGET,
    "p/Index.md": "[[q/Index]]",
    "q/Index.md": "[[p/Index]]",
    "a.md": "[[Index]] and [[Al]]\n",
}


def test_fix_applies_safe_fixes_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(tmp_path, AMBIGUOUS)
    monkeypatch.chdir(tmp_path)
    assert _fix(root) == 1
    assert (root / "a.md").read_text() == "[[Index]] and [[t|Al]]\n"
    err = capsys.readouterr().err.splitlines()
    assert [line.split(":")[:3] for line in err[:-1]] == [["v/a.md", "1", "15"]]
    assert "1 more with --unsafe-fixes" in err[-1]
    assert _fix(root, "--unsafe-fixes") == 0
    assert (root / "a.md").read_text() == "[[p/Index|Index]] and [[t|Al]]\n"


def test_diff_shows_unsafe_fixes_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _root(tmp_path, AMBIGUOUS)
    before = _snapshot(root)
    assert _fix(root, "--diff", "--quiet") == 1
    safe = capsys.readouterr().out
    assert "+[[Index]] and [[t|Al]]" in safe.splitlines()
    assert _fix(root, "--diff", "--quiet", "--unsafe-fixes") == 1
    assert "+[[p/Index|Index]] and [[t|Al]]" in capsys.readouterr().out.splitlines()
    assert _snapshot(root) == before


def test_unsafe_fixes_alone_write_nothing(tmp_path: Path) -> None:
    root = _root(tmp_path, AMBIGUOUS)
    before = _snapshot(root)
    assert main(["lint", "--vault", str(root), "--unsafe-fixes", "-o", os.devnull]) == 1
    assert _snapshot(root) == before


def test_plan_leaves_out_unsafe_fixes_unless_asked(tmp_path: Path) -> None:
    root = _root(tmp_path, AMBIGUOUS)
    vault = load_vault(root)
    found = lint(vault)
    safe = plan_fixes(vault, found)
    assert [c.diagnostic.code for item in safe.files for c in item.changes] == ["VK105"]
    assert [item.code for item in safe.hidden] == ["VK104"]
    assert safe.skipped == ()
    every = plan_fixes(vault, found, unsafe=True)
    assert [c.diagnostic.code for item in every.files for c in item.changes] == ["VK104", "VK105"]
    assert every.hidden == ()


def test_the_summary_counts_what_fix_and_unsafe_fixes_can_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _root(tmp_path, {**AMBIGUOUS, "b.md": "---\nup: [[t]]\n---\n[[a]] [[Index]]"})
    assert main(["lint", "--vault", str(root)]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.endswith("; 2 fixable with --fix (2 more with --unsafe-fixes)")
    only_unsafe = tmp_path / "w"
    write_files(
        only_unsafe, {"p/Index.md": "[[q/Index]]", "q/Index.md": "[[a]]", "a.md": "[[Index]]"}
    )
    assert main(["lint", "--vault", str(only_unsafe)]) == 1
    assert capsys.readouterr().out.splitlines()[-1].endswith("; 1 fixable with --unsafe-fixes")
    ignored = ["--ignore", "VK104", "--ignore", "VK105", "--ignore", "VK214"]
    assert main(["lint", "--vault", str(root), *ignored]) == 0
    assert "fixable" not in capsys.readouterr().out


def test_json_fixes_say_whether_they_are_safe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _root(tmp_path, AMBIGUOUS)
    main(["lint", "--vault", str(root), "--format", "json"])
    records = json.loads(capsys.readouterr().out)
    assert [(item["code"], item["fix"]["safe"]) for item in records if item["fix"]] == [
        ("VK104", False),
        ("VK105", True),
    ]
