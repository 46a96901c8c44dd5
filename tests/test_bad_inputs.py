"""Every row of bad-inputs.md, and a hostile vault that must lint in bounded time unharmed.

The rows about what the frontmatter reader makes of bad YAML are in test_frontmatter.py,
where each runs under both YAML parsers; here are the rows that take a whole lint.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import (
    MakeVault,
    codes,
    lint_files,
    refuse_to_read,
    run_vaultkit,
    write_files,
)
from vaultkit import cli
from vaultkit.model import Status
from vaultkit.read import decode
from vaultkit.vault import lint

NESTED_EMPHASIS = "*a " * 8000 + "b" + " b*" * 8000  # ~48 KB of nested emphasis
PWNED = Path("/tmp/vaultkit-pwned-marker")


def test_a_bom_before_the_frontmatter_is_skipped(make_vault: MakeVault) -> None:
    vault = make_vault({"bom.md": "\ufeff---\naliases: [A]\n---\n", "user.md": "[[A]]"})
    assert codes(lint(vault, select=["VK210"])) == []
    assert vault.notes["bom.md"].aliases == ("A",)


_HOSTILE_UNDER_LIBYAML = """
import json, sys
import yaml
from yaml._yaml import CParser
from vaultkit import frontmatter

laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
for level in "bcdefghi":
    laughs.append(f"{level}: &{level} [" + ",".join([f"*{chr(ord(level) - 1)}"] * 9) + "]")
cases = {
    "brackets": "a: " + "[" * 200_000,
    "items": "- " * 200_000,
    "mappings": "a: " + "{a: " * 100_000,
    "laughs": "\\n".join(laughs) + "\\n",
    "python": "x: !!python/object/apply:os.system ['echo pwned']\\n",
}
assert frontmatter.LIBYAML
found = {}
for name, source in cases.items():
    # libyaml alone, every event to its end or its own error: never a crash.
    parser = CParser(source)
    try:
        while not isinstance(parser.get_event(), yaml.StreamEndEvent):
            pass
        raw = "parsed"
    except yaml.YAMLError as error:
        raw = type(error).__name__
    # The composer on the C path, without the size cap.
    try:
        frontmatter.compose(source, libyaml=True)
        composed = "composed"
    except frontmatter.Refused as error:
        composed = next(word for word in ("deep", "anchors", "tag") if word in error.message)
    # What a note gets, the source cut to the size cap.
    note = "---\\n" + source[: frontmatter.MAX_SIZE - 10] + "\\n---\\n"
    problems = frontmatter.read_frontmatter(note).problems
    found[name] = [raw, composed, [problem.code for problem in problems]]
print(json.dumps(found))
"""


def test_hostile_yaml_under_libyaml_in_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _HOSTILE_UNDER_LIBYAML], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stderr) == (0, "")
    found = json.loads(done.stdout)
    assert found == {
        "brackets": ["ScannerError", "deep", ["VK210"]],
        "items": ["ScannerError", "deep", ["VK210"]],
        "mappings": ["ScannerError", "deep", ["VK210"]],
        "laughs": ["parsed", "anchors", ["VK210"]],
        "python": ["parsed", "tag", ["VK210"]],
    }


def test_deeply_nested_flow_yaml(make_vault: MakeVault) -> None:
    # Frontmatter that does not parse is VK210 at its own line, and the body is still checked.
    text = "---\na: " + "[" * 100_000 + "\n---\n[[Nowhere]]"
    vault = make_vault({"a.md": text})
    found = [(d.code, d.line) for d in lint(vault, ignore=["VK201"])]
    assert found == [("VK210", 2), ("VK101", 4)]


@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\u2029"])
def test_line_separators_inside_frontmatter_keep_positions(
    make_vault: MakeVault, separator: str
) -> None:
    for title in (f"a{separator}b # note", f'"a{separator}b"', f"|\n  a{separator}b"):
        text = f"---\ntitle: {title}\nup: [[P]]\naliases: one\n---\n[[P]]"
        line = 2 + title.count("\n")
        vault = make_vault({"a.md": text, "P.md": "[[a]]"})
        assert codes(lint(vault)) == [
            ("a.md", line + 1, 5, "VK214"),
            ("a.md", line + 2, 10, "VK211"),
        ]


def test_line_separators_inside_frontmatter_then_fix(tmp_path: Path) -> None:
    root = tmp_path / "v"
    before = "---\ntitle: a\u2028b # note\nup: [[P]]\naliases: one\n---\n[[P]]"
    write_files(root, {"a.md": before, "P.md": "[[a]]"})
    assert cli.main(["lint", "--vault", str(root), "--fix", "--ignore", "VK201"]) == 0
    after = (root / "a.md").read_text(encoding="utf-8")
    expected = '---\ntitle: a\u2028b # note\nup: "[[P]]"\naliases: [one]\n---\n[[P]]'
    assert after == expected


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_and_bom_keep_positions(make_vault: MakeVault, newline: str) -> None:
    text = newline.join(["---", "aliases: [A]", "---", "", "x [[Nowhere]]"])
    data = b"\xef\xbb\xbf" + text.encode("utf-8")
    assert lint_files(make_vault, {"a.md": data}) == [("a.md", 5, 3, "VK101")]


def test_mixed_line_endings(make_vault: MakeVault) -> None:
    data = b"one\r\ntwo\rthree\n[[Nowhere]]"
    assert lint_files(make_vault, {"a.md": data}) == [("a.md", 4, 1, "VK101")]


def test_not_utf8_reports_line_of_first_bad_byte(make_vault: MakeVault) -> None:
    files = {"bad.md": b"fine\nalso fine\n\xff\xfe broken\n", "good.md": "[[Nowhere]]"}
    assert lint_files(make_vault, files) == [("bad.md", 3, 1, "VK002"), ("good.md", 1, 1, "VK101")]


def test_nul_bytes_are_binary(make_vault: MakeVault) -> None:
    assert lint_files(make_vault, {"img.md": b"\x89PNG\x00\x00[[x]]"}) == [
        ("img.md", 1, 1, "VK003")
    ]


def test_empty_whitespace_and_frontmatter_only_are_notes(make_vault: MakeVault) -> None:
    files = {"e.md": "", "w.md": " \n\t\n", "f.md": "---\na: 1\n---\n"}
    vault = make_vault(files)
    assert codes(lint(vault)) == [(p, 1, 1, "VK201") for p in ("e.md", "f.md", "w.md")]


def test_oversized_note_is_skipped(make_vault: MakeVault) -> None:
    files = {"big.md": "x" * 2000 + "[[Nowhere]]", "ok.md": "[[big]]"}
    found = lint_files(make_vault, files, max_file_size=1000)
    assert found == [("big.md", 1, 1, "VK004")]


def test_parse_timeout_really_stops_a_parse(make_vault: MakeVault) -> None:
    files = {"slow.md": "w [[Nowhere]] `c` " * 200_000, "fast.md": "[[Gone]]"}
    found = lint_files(make_vault, files, parse_timeout=0.001)
    assert ("slow.md", 1, 1, "VK005") in found
    assert ("fast.md", 1, 1, "VK101") in found


def test_pathological_lines_stay_linear(make_vault: MakeVault) -> None:
    files = {
        "brackets.md": "[" * 100_000 + " [[Nowhere]]",
        "line.md": "word " * 200_000 + "[[Gone]]",
        "emphasis.md": NESTED_EMPHASIS + "\n[[Away]]",
        "lists.md": "".join("  " * depth + "- item\n" for depth in range(500)) + "[[Lost]]",
        "quotes.md": ">" * 5000 + " [[Missing]]",
    }
    found = {(path, code) for path, _, _, code in lint_files(make_vault, files)}
    assert found == {(path, "VK101") for path in files}


def test_vanished_note_is_vk001(make_vault: MakeVault, tmp_path: Path) -> None:
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "gone.md").symlink_to(tmp_path / "vault" / "nowhere.md")
    assert lint_files(make_vault, {"a.md": "[[gone]]"}) == [("gone.md", 1, 1, "VK001")]


def test_permission_denied_is_vk001(make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_to_read(monkeypatch, "locked.md")
    found = lint_files(make_vault, {"locked.md": "x", "a.md": "[[locked]]"})
    assert found == [("locked.md", 1, 1, "VK001")]


def test_symlinks_loops_and_outside(make_vault: MakeVault, tmp_path: Path) -> None:
    root = tmp_path / "vault"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    (root / "linkdir").symlink_to(root / "sub", target_is_directory=True)
    (tmp_path / "secret.md").write_text("[[x]]", encoding="utf-8")
    (root / "Secret.md").symlink_to(tmp_path / "secret.md")
    vault = make_vault({"sub/a.md": "[[Secret]] [[../../etc/passwd]] [x](/etc/passwd)"})
    assert list(vault.notes) == ["sub/a.md"]
    statuses = [edge.status for edge in vault.edges]
    assert statuses == [Status.OUTSIDE_VAULT, Status.OUTSIDE_VAULT, Status.BROKEN]
    assert codes(lint(vault, ignore=["VK201"])) == [
        ("sub/a.md", 1, 1, "VK107"),
        ("sub/a.md", 1, 12, "VK107"),
        ("sub/a.md", 1, 33, "VK101"),
    ]


def test_nfd_names_and_case_clashes(make_vault: MakeVault) -> None:
    nfd = "Моделии\u0306.md"  # ends in й written as и + combining breve
    files = {nfd: "[[моделий]]", "LLM.md": "", "llm.md": "", "a.md": "[[LLM]]"}
    vault = make_vault(files)
    assert [edge.status for edge in vault.edges if edge.source == nfd] == [Status.RESOLVED]
    assert sorted(d.path for d in lint(vault, select=["VK220"])) == ["LLM.md", "llm.md"]


def test_script_in_names_stays_text_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "v"
    write_files(root, {"<img src=x onerror=alert(1)>.md": "[[</script><b>x]]"})
    cli.main(["lint", "--vault", str(root), "--format", "json"])
    found = json.loads(capsys.readouterr().out)
    assert {item["path"] for item in found} == {"<img src=x onerror=alert(1)>.md"}
    assert any("</script><b>x" in item["message"] for item in found)


def test_ctrl_c_during_lint_is_exit_130_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "check_vault", interrupted)
    assert cli.main(["lint", "--vault", str(tmp_path)]) == 130
    assert capsys.readouterr().err == ""


def _digest(root: Path) -> dict[str, str]:
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_hostile_vault_end_to_end(tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    nested = "---\na: " + "[" * 200_000 + "\n---\n"
    files: dict[str, str | bytes] = {
        "yaml-error.md": "---\nx: [\n---\n",
        "list.md": "---\n- a\n---\n",
        "tag.md": f"---\nx: !!python/object/apply:os.system ['touch {PWNED}']\n---\n",
        "laughs.md": "---\na: &a [x]\nb: [*a, *a]\n---\n",
        "libyaml-segfault.md": nested,
        "dupe.md": "---\na: 1\na: 2\n---\n",
        "latin1.md": b"caf\xe9 [[x]]",
        "binary.md": b"\x00\x01\x02",
        "big.md": "x" * (6 * 1024 * 1024),
        "brackets.md": "[" * 100_000,
        "emphasis.md": NESTED_EMPHASIS,
        "outside.md": "[[../../etc/passwd]]",
        "crlf.md": b"a\r\n[[crlf-target]]\r\n",
    }
    write_files(root, files)
    (root / "vanished.md").symlink_to(root / "nowhere.md")
    (root / "loop").symlink_to(root, target_is_directory=True)
    before = _digest(root)
    PWNED.unlink(missing_ok=True)
    result = run_vaultkit("lint", "--format", "json", "--vault", str(root), "--no-cache")
    assert (result.returncode, result.stderr) == (1, "")
    found = {(item["path"], item["code"]) for item in json.loads(result.stdout)}
    expected_file_codes = {
        ("yaml-error.md", "VK210"),
        ("list.md", "VK210"),
        ("tag.md", "VK210"),
        ("laughs.md", "VK210"),
        ("libyaml-segfault.md", "VK210"),
        ("dupe.md", "VK210"),
        ("latin1.md", "VK002"),
        ("binary.md", "VK003"),
        ("big.md", "VK004"),
        ("outside.md", "VK107"),
        ("crlf.md", "VK101"),
        ("vanished.md", "VK001"),
    }
    assert expected_file_codes <= found
    problems = [(path, code) for path, code in found if code != "VK201"]
    assert len(problems) == len(set(problems)) == len(expected_file_codes)
    assert _digest(root) == before
    assert not PWNED.exists()


def test_decode_never_raises_on_arbitrary_bytes() -> None:
    for data in (b"\xff", b"\xef\xbb\xbf", b"\r\r\n\n", bytes(range(256))):
        result = decode(data)
        assert isinstance(result, str) or result.code == "VK002"
