"""Renames recognised: links still naming a renamed note say so and get a safe fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import obsidian_vault as _vault
from tests.conftest import write_files
from vaultkit.cli import main
from vaultkit.config import load_config
from vaultkit.model import Note
from vaultkit.renames import cache_renames, for_vault, git_renames, record_moves, renamed_to
from vaultkit.vault import lint, load_vault

_LINKS = (
    '---\nup: "[[Embeddings]]"\nrelated: ["[[Embeddings#Why]]"]\n---\n'
    "[[Embeddings]] [[Embeddings#Why|why]] ![[Embeddings#^b1]]\n"
    "[e](Embeddings.md) [f](<Embeddings.md#Why>)\nsee:: [[embeddings]]\n"
)
_FIXED = (
    '---\nup: "[[Vector embeddings]]"\nrelated: ["[[Vector embeddings#Why]]"]\n---\n'
    "[[Vector embeddings]] [[Vector embeddings#Why|why]] ![[Vector embeddings#^b1]]\n"
    "[e](Vector%20embeddings.md) [f](<Vector embeddings.md#Why>)\n"
    "see:: [[Vector embeddings]]\n"
)
_EMBEDDINGS = "# Why\n\nVectors that stand for words, so that near words are near. ^b1\n"
_GIT = shutil.which("git")
needs_git = pytest.mark.skipif(_GIT is None, reason="git is not installed")


def _git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = _vault(tmp_path, files)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "notes")
    return root


def _findings(
    root: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> list[dict[str, object]]:
    capsys.readouterr()
    main(["lint", "--vault", str(root), "--format", "json", "--ignore", "VK201", *extra])
    found = json.loads(capsys.readouterr().out)
    assert isinstance(found, list)
    return found


def _broken(found: list[dict[str, object]]) -> list[dict[str, object]]:
    return [item for item in found if item["code"] in ("VK101", "VK301")]


def _renamed_and_fixed(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every link to the old name is a finding with a safe fix; ``--fix`` leaves none."""
    found = _broken(_findings(root, capsys))
    assert len(found) == 8
    for item in found:
        fix = item["fix"]
        assert isinstance(fix, dict) and fix["safe"] is True
        assert "Vector embeddings.md" in str(item["message"])
    capsys.readouterr()
    assert main(["lint", "--vault", str(root), "--fix", "--ignore", "VK201"]) == 0
    assert (root / "a.md").read_text(encoding="utf-8") == _FIXED
    assert _findings(root, capsys) == []


@needs_git
def test_a_staged_git_mv_is_a_rename_and_fix_rewrites_every_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, {"Embeddings.md": _EMBEDDINGS, "a.md": _LINKS})
    _git(root, "mv", "Embeddings.md", "Vector embeddings.md")
    _renamed_and_fixed(root, capsys)


@needs_git
def test_a_committed_rename_is_known_without_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path, {"Embeddings.md": _EMBEDDINGS, "a.md": _LINKS})
    _git(root, "mv", "Embeddings.md", "Vector embeddings.md")
    _git(root, "commit", "-q", "-m", "rename")
    found = _broken(_findings(root, capsys, "--no-cache"))
    assert len(found) == 8
    assert all(isinstance(item["fix"], dict) for item in found)


def test_a_plain_mv_is_a_rename_through_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(tmp_path, {"Embeddings.md": _EMBEDDINGS, "a.md": _LINKS})
    assert _findings(root, capsys) == []
    (root / "Embeddings.md").rename(root / "Vector embeddings.md")
    # The first run after the move sees it, and every later one still knows it.
    assert len(_broken(_findings(root, capsys))) == 8
    (root / "b.md").write_text("[[a]]\n", encoding="utf-8")
    _renamed_and_fixed(root, capsys)


def test_a_moved_and_lightly_edited_note_is_a_rename(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "# Why\n\n## How\n\n[[a]] [[b]] [[c]] #vectors\n\ntext ^b1\n" + "words " * 40
    root = _vault(
        tmp_path, {"Embeddings.md": body, "a.md": "[[Embeddings]]\n", "b.md": "", "c.md": ""}
    )
    _findings(root, capsys)
    (root / "Embeddings.md").unlink()
    (root / "Vector embeddings.md").write_text(body.replace("words", "Words"), encoding="utf-8")
    found = _broken(_findings(root, capsys))
    assert [item["fix"] is not None for item in found] == [True]


def test_a_note_deleted_and_an_unrelated_one_created_are_no_rename(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "# Why\n\n## How\n\n[[a]] [[b]] #vectors\n\ntext ^b1\n"
    root = _vault(tmp_path, {"Embeddings.md": body, "a.md": _LINKS, "b.md": ""})
    _findings(root, capsys)
    (root / "Embeddings.md").unlink()
    other = "# Attention\n\n## Heads\n\n[[a]] [[b]] #attention\n\nmore ^h1\n"
    write_files(root, {"Attention.md": other})
    found = _broken(_findings(root, capsys))
    assert len(found) == 8
    assert all(item["fix"] is None for item in found)


def test_two_vanished_notes_of_the_same_bytes_are_no_rename(tmp_path: Path) -> None:
    seen = (b"same", 9)
    found = cache_renames(
        {"A.md": (*seen, Note("A.md")), "B.md": (*seen, Note("B.md"))},
        {"C.md": (*seen, Note("C.md"))},
    )
    assert found == {}


@needs_git
def test_git_is_asked_only_for_a_work_tree_and_never_fails(tmp_path: Path) -> None:
    plain = _vault(tmp_path, {"a.md": ""})
    assert git_renames(plain) == {}
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")  # no commit yet: no HEAD to compare with
    write_files(root, {"a.md": ""})
    assert git_renames(root) == {}


def test_without_git_on_the_path_the_cache_still_knows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(tmp_path, {"Embeddings.md": _EMBEDDINGS, "a.md": _LINKS})
    (root / ".git").mkdir()  # looks like a repository, but no git can answer
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    _findings(root, capsys)
    (root / "Embeddings.md").rename(root / "Vector embeddings.md")
    assert all(item["fix"] is not None for item in _broken(_findings(root, capsys)))


def test_moves_recorded_by_watch_are_renames(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"Vector embeddings.md": _EMBEDDINGS, "a.md": "[[Embeddings#Why|w]]\n"})
    config = load_config(root)
    record_moves(root, config, [("Embeddings.md", "Vector embeddings.md")])
    vault = load_vault(root, config)
    (item,) = [item for item in lint(vault) if item.code == "VK101"]
    assert item.fix is not None and item.fix.replacement == "Vector embeddings"
    (edge,) = [edge for edge in vault.edges if edge.source == "a.md"]
    assert renamed_to(vault, edge) == "Vector embeddings.md"


def test_a_rename_into_a_folder_writes_the_shortest_unambiguous_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(
        tmp_path,
        {"Embeddings.md": _EMBEDDINGS, "x/Vectors.md": "other\n", "a.md": "[[Embeddings|e]]\n"},
    )
    _findings(root, capsys)
    (root / "ml").mkdir()
    (root / "Embeddings.md").rename(root / "ml" / "Vectors.md")
    capsys.readouterr()
    assert main(["lint", "--vault", str(root), "--fix", "--ignore", "VK201"]) == 0
    assert (root / "a.md").read_text(encoding="utf-8") == "[[ml/Vectors|e]]\n"


def test_a_note_of_the_same_template_that_replaces_another_is_no_rename(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = "## Tasks\n\n- {}\n\n## Notes\n\n[[Daily]] [[Projects]] #daily\n"
    days = {f"2024-01-0{day}.md": template.format(f"task of day {day}") for day in (1, 2)}
    root = _vault(tmp_path, {**days, "Daily.md": "", "Projects.md": "", "a.md": "[[2024-01-01]]\n"})
    _findings(root, capsys)
    (root / "2024-01-01.md").unlink()
    (root / "2024-01-03.md").write_text(template.format("task of day 3"), encoding="utf-8")
    (found,) = _broken(_findings(root, capsys))
    assert found["fix"] is None


def test_a_folder_move_or_a_path_outside_the_vault_is_not_remembered(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"b.md": "", "Vector embeddings.md": ""})
    config = load_config(root)
    moves = [("A/", "B/"), ("../x.md", "b.md"), ("Embeddings.md", "Vector embeddings.md")]
    known = for_vault(
        root, config, {"b.md": Note("b.md"), "Vector embeddings.md": Note("x")}, moves
    )
    assert dict(known) == {"Embeddings.md": "Vector embeddings.md"}
