"""Finding the vault from the command line: the folder taken is said, paths outside are skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import write_files


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaultkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _paths(done: subprocess.CompletedProcess[str]) -> set[str]:
    return {item["path"] for item in json.loads(done.stdout)}


def _repository(root: Path) -> Path:
    write_files(
        root,
        {
            "README.md": "# the repository\n\n[[nowhere]]\n",
            "notes/.obsidian/app.json": "{}",
            "notes/a.md": "[[b]] [[gone]]\n",
            "notes/b.md": "[[a]]\n",
        },
    )
    return root


def test_a_readme_beside_the_vault_is_skipped_with_one_line(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    done = _run(repo, "lint", "--format", "json", "--no-cache", "--", "README.md", "notes/a.md")
    assert _paths(done) == {"a.md"}
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert "README.md" in lines[0]
    assert done.returncode == 1


def test_only_paths_outside_the_vault_report_nothing(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    done = _run(repo, "lint", "--format", "json", "--no-cache", "--", "README.md")
    assert (done.returncode, json.loads(done.stdout)) == (0, [])
    assert len(done.stderr.splitlines()) == 1


def test_a_path_outside_the_given_vault_is_skipped_not_an_error(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    done = _run(
        repo, "lint", "--vault", "notes", "--format", "json", "--", "README.md", "notes/b.md"
    )
    assert (done.returncode, _paths(done)) == (0, set())
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert "README.md" in lines[0]


def test_a_folder_without_markers_is_taken_and_said_once(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write_files(plain, {"a.md": "[[b]]\n", "sub/b.md": "[[a]]\n"})
    for args in (["lint"], ["lint", "sub/b.md"], ["links"], ["graph", "-o", str(tmp_path / "g")]):
        done = _run(plain, *args, "--no-cache")
        assert done.returncode == 0, done.stderr
        lines = done.stderr.splitlines()
        assert len(lines) == 1, (args, lines)
        assert str(plain.resolve()) in lines[0]
        quiet = _run(plain, *args, "--no-cache", "--quiet")
        assert quiet.stderr == ""


def test_a_marked_vault_says_nothing(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    for args in (["lint", "--no-cache", "--", "a.md"], ["lint", "--no-cache"], ["links"]):
        done = _run(repo / "notes", *args)
        assert done.stderr == ""


def test_the_current_folder_is_the_vault_even_with_a_vault_below(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    done = _run(repo, "lint", "--format", "json", "--no-cache")
    assert "README.md" in _paths(done)
    assert str(repo.resolve()) in done.stderr


def test_a_note_given_to_explain_from_an_unmarked_root_uses_that_root(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo")
    done = _run(repo, "explain", "[[notes/a]]", "--from", "README.md", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert str(repo.resolve()) in done.stderr
