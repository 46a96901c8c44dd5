"""The real pre-commit tool runs this project's hooks on a repository holding a vault."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_files

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def _git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run git; hook output (which git prints on stderr) is folded into stdout."""
    return subprocess.run(
        ["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    if shutil.which("git") is None or not PRE_COMMIT.exists():
        pytest.fail("git and pre-commit are needed for the hook test")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    repo = tmp_path / "repo"
    write_files(
        repo,
        {
            "notes/.obsidian/app.json": "{}",
            "notes/a.md": "[[b]]\n",
            "notes/b.md": "[[a]]\n",
            ".pre-commit-config.yaml": (
                f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n"
                "      - id: vaultkit\n      - id: vaultkit-vault\n"
                "        args: [--vault, notes]\n"
            ),
        },
    )
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": f"{PRE_COMMIT.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("VIRTUAL_ENV", None)
    assert _git(repo, "init", "-q", env=env).returncode == 0
    installed = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=repo, capture_output=True, text=True, env=env, check=False
    )
    assert installed.returncode == 0, installed.stderr
    return repo, env


def test_hooks_refuse_broken_commits(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    assert _git(root, "add", "-A", env=env).returncode == 0
    first = _git(root, "commit", "-m", "a clean vault", env=env)
    assert first.returncode == 0, first.stdout

    (root / "notes" / "a.md").write_text("[[b]] [[Nowhere]]\n", encoding="utf-8")
    _git(root, "add", "notes/a.md", env=env)
    broken = _git(root, "commit", "-m", "a broken link", env=env)
    assert broken.returncode != 0
    assert "notes/a.md:1:7: VK101 [broken-link] no note matches 'Nowhere'" in broken.stdout
    assert re.search(r"vaultkit \(changed notes\)\.+Failed", broken.stdout)

    (root / "notes" / "a.md").write_text("[[b]] and more\n", encoding="utf-8")
    _git(root, "add", "notes/a.md", env=env)
    fixed = _git(root, "commit", "-m", "fixed", env=env)
    assert fixed.returncode == 0, fixed.stdout
    assert re.search(r"vaultkit \(changed notes\)\.+Passed", fixed.stdout)

    _git(root, "rm", "-q", "notes/b.md", env=env)
    deleted = _git(root, "commit", "-m", "delete a linked note", env=env)
    assert deleted.returncode != 0
    assert re.search(r"vaultkit \(whole vault\)\.+Failed", deleted.stdout)
    assert "notes/a.md:1:1: VK101 [broken-link] no note matches 'b'" in deleted.stdout
