"""The pre-commit hooks: the real pre-commit runs this checkout's hooks on a repository's vault.

The hook repository is a fresh git repository holding this checkout's package as it stands on
disk (``pyproject.toml``, ``README.md``, ``.pre-commit-hooks.yaml``, ``src/``), committed, so
the test exercises the real ``.pre-commit-hooks.yaml`` and the real packaging whether the
checkout is a clean clone or has uncommitted changes. pre-commit installs it into its own
virtualenv with pip (the dependencies come from the package index: about 15 s).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_files
from vaultkit.cli import main

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
_PACKAGE = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
_IDENTITY = ("-c", "user.email=vaultkit@example.org", "-c", "user.name=vaultkit")


def _git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run git; hook output (which git prints on stderr) is folded into stdout."""
    return subprocess.run(
        ["git", *_IDENTITY, *args],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def _hook_repository(target: Path, env: dict[str, str]) -> str:
    """Commit this checkout's package into a new repository; returns the commit."""
    for name in _PACKAGE:
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(
        ROOT / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "vaultkit")):
        done = _git(target, *args, env=env)
        assert done.returncode == 0, done.stdout
    return _git(target, "rev-parse", "HEAD", env=env).stdout.strip()


HookStore = tuple[Path, str, dict[str, str]]


@pytest.fixture(scope="session")
def hook_store(tmp_path_factory: pytest.TempPathFactory) -> HookStore:
    """This checkout's hooks committed once, and one pre-commit home for the session: each
    test's repository installs the same hooks, so pre-commit builds their environment once."""
    if shutil.which("git") is None or not PRE_COMMIT.exists():
        pytest.fail("git and pre-commit are needed for the hook test")
    place = tmp_path_factory.mktemp("hook-store")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(place / "pre-commit-home"),
        "PATH": f"{PRE_COMMIT.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    hooks = place / "hooks"
    hooks.mkdir()
    return hooks, _hook_repository(hooks, env), env


def _installed(
    tmp_path: Path, files: dict[str, str | bytes], store: HookStore
) -> tuple[Path, dict[str, str]]:
    """A new repository holding ``files``, with this checkout's hooks installed by pre-commit."""
    hooks, revision, shared = store
    env = dict(shared)
    repo = tmp_path / "repo"
    config = files[".pre-commit-config.yaml"]
    assert isinstance(config, str)
    write_files(repo, {**files, ".pre-commit-config.yaml": config.format(hooks, revision)})
    assert _git(repo, "init", "-q", env=env).returncode == 0
    installed = subprocess.run(
        [str(PRE_COMMIT), "install", "--install-hooks"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo, env


_HOOKS = "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n"


@pytest.fixture
def repo(tmp_path: Path, hook_store: HookStore) -> tuple[Path, dict[str, str]]:
    """A repository whose vault is the subfolder ``notes/``, with the hooks installed."""
    return _installed(
        tmp_path,
        {
            "README.md": "# A repository whose vault is a folder\n",
            "notes/.obsidian/app.json": "{}",
            "notes/a.md": "[[b]]\n",
            "notes/b.md": "[[a]]\n",
            # The configuration the README tells users to paste, wherever the vault is.
            ".pre-commit-config.yaml": _HOOKS
            + "      - id: vaultkit\n      - id: vaultkit-vault\n",
        },
        hook_store,
    )


def _commit(root: Path, message: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    _git(root, "add", "-A", env=env)
    return _git(root, "commit", "-m", message, env=env)


def test_the_hooks_refuse_commits_that_break_links(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    first = _commit(root, "a clean vault", env)
    assert first.returncode == 0, first.stdout
    assert re.search(r"vaultkit \(changed notes\)\.+Passed", first.stdout)
    assert re.search(r"vaultkit \(whole vault\)\.+Passed", first.stdout)

    (root / "notes" / "a.md").write_text("[[b]] [[Nowhere]]\n", encoding="utf-8")
    broken = _commit(root, "a broken link", env)
    assert broken.returncode != 0
    assert "notes/a.md:1:7: VK101 [broken-link] no note matches 'Nowhere'" in broken.stdout
    assert re.search(r"vaultkit \(changed notes\)\.+Failed", broken.stdout)
    assert "\x1b[" not in broken.stdout

    (root / "notes" / "a.md").write_text("[[b]] and more\n", encoding="utf-8")
    fixed = _commit(root, "fixed", env)
    assert fixed.returncode == 0, fixed.stdout
    assert re.search(r"vaultkit \(changed notes\)\.+Passed", fixed.stdout)

    _git(root, "rm", "-q", "notes/b.md", env=env)
    deleted = _git(root, "commit", "-m", "delete a linked note", env=env)
    assert deleted.returncode != 0
    assert re.search(r"vaultkit \(changed notes\)\.+\(no files to check\)Skipped", deleted.stdout)
    assert re.search(r"vaultkit \(whole vault\)\.+Failed", deleted.stdout)
    assert "notes/a.md:1:1: VK101 [broken-link] no note matches 'b'" in deleted.stdout


def _hashes(root: Path) -> dict[str, str]:
    """A hash of every file of the work tree (not ``.git/``), by path."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def test_notes_named_like_options_are_notes(tmp_path: Path, hook_store: HookStore) -> None:
    # `-old.md` once reached vaultkit as `-o ld.md`: the report overwrote the note `ld.md`.
    root, env = _installed(
        tmp_path,
        {
            ".obsidian/app.json": "{}",
            "-old.md": "[[ld]] [[Nowhere]]\n",
            "ld.md": "keep [[-old]]\n",
            ".pre-commit-config.yaml": _HOOKS
            + "      - id: vaultkit\n      - id: vaultkit-vault\n",
        },
        hook_store,
    )
    _git(root, "add", "-A", env=env)
    before = _hashes(root)
    refused = _git(root, "commit", "-m", "notes named like options", env=env)
    assert refused.returncode != 0
    assert _hashes(root) == before
    found = [line for line in refused.stdout.splitlines() if ": VK" in line]
    assert found == ["-old.md:1:8: VK101 [broken-link] no note matches 'Nowhere'"]

    (root / "-Inbox.md").write_text("[[Gone]] [[ld]]\n", encoding="utf-8")
    _git(root, "add", "-A", env=env)
    before = _hashes(root)
    refused = _git(root, "commit", "-m", "an inbox", env=env)
    assert refused.returncode != 0
    assert _hashes(root) == before
    found = [line for line in refused.stdout.splitlines() if ": VK" in line]
    assert "-Inbox.md:1:1: VK101 [broken-link] no note matches 'Gone'" in found
    assert "-old.md:1:8: VK101 [broken-link] no note matches 'Nowhere'" in found


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root holding a vault in ``notes/``, as the current folder."""
    write_files(
        tmp_path,
        {
            "README.md": "# notes below\n",
            "notes/.obsidian/app.json": "{}",
            "notes/a.md": "[[b]] [[Nowhere]]\n",
            "notes/b.md": "[[a]] [[sub/c]]\n",
            "notes/sub/c.md": "[[/a]] [[Lost]]\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRE_COMMIT", "1")
    return tmp_path


def _lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    status = main(["lint", *args])
    return status, capsys.readouterr().out.splitlines()


def test_each_call_reports_its_own_notes_against_the_whole_vault(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pre-commit splits long file lists over several calls: each must stand on its own.
    assert _lint(capsys, "notes/a.md") == (
        1,
        [
            "notes/a.md:1:7: VK101 [broken-link] no note matches 'Nowhere'",
            "1 problem (1 error) in 3 notes",
        ],
    )
    assert _lint(capsys, "notes/b.md") == (0, ["no problems in 3 notes"])
    status, lines = _lint(capsys, "notes/sub/c.md", "notes/b.md")
    assert (status, lines[:-1]) == (
        1,
        ["notes/sub/c.md:1:8: VK101 [broken-link] no note matches 'Lost'"],
    )
    status, lines = _lint(capsys, "notes/a.md")
    assert (status, lines[0]) == (
        1,
        "notes/a.md:1:7: VK101 [broken-link] no note matches 'Nowhere'",
    )


def test_deleted_and_non_note_paths_report_nothing(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (checkout / "notes" / "picture.png").write_bytes(b"png")
    assert _lint(capsys, "notes/deleted.md", "notes/picture.png", "notes/gone/x.md") == (
        0,
        ["no problems in 3 notes"],
    )


def test_the_whole_vault_check_takes_the_vault_folder(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = _lint(capsys, "--vault", "notes")
    assert status == 1
    assert lines[:-1] == [
        "notes/a.md:1:7: VK101 [broken-link] no note matches 'Nowhere'",
        "notes/sub/c.md:1:8: VK101 [broken-link] no note matches 'Lost'",
    ]


def test_notes_of_several_vaults_are_reported_together(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(
        checkout, {"more/.vaultkit.toml": "", "more/x.md": "[[y]]", "more/y.md": "[[x]] [[z]]"}
    )
    status, lines = _lint(capsys, "more/y.md", "notes/a.md", "--format", "json")
    assert status == 1
    found = json.loads("\n".join(lines))
    assert [(item["path"], item["line"], item["column"]) for item in found] == [
        ("more/y.md", 1, 7),
        ("notes/a.md", 1, 7),
    ]


def _findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": VK" in line]


def test_a_vault_with_thousands_of_known_problems_adopts_the_hooks(
    tmp_path: Path, hook_store: HookStore
) -> None:
    """3,000 broken links in 300 notes, all in the baseline: a commit is refused only for
    what it adds, and every finding is printed by one hook only."""
    notes: dict[str, str | bytes] = {
        f"notes/n{k}.md": f"[[n{(k + 1) % 300}]]\n"
        + "".join(f"- [[Missing {k} {j}]]\n" for j in range(10))
        for k in range(300)
    }
    root, env = _installed(
        tmp_path,
        {
            "README.md": "# A repository whose vault is a folder\n",
            "notes/.vaultkit.toml": "",
            **notes,
            ".pre-commit-config.yaml": _HOOKS
            + "      - id: vaultkit\n      - id: vaultkit-vault\n",
        },
        hook_store,
    )
    assert main(["baseline", "--vault", str(root / "notes"), "--quiet"]) == 0
    assert (root / "notes" / ".vaultkit-baseline.json").is_file()
    adopted = _commit(root, "the vault as it was, and its baseline", env)
    assert adopted.returncode == 0, adopted.stdout[-2000:]

    with (root / "notes" / "n5.md").open("a", encoding="utf-8") as note:
        note.write("- [[Added]]\n")
    refused = _commit(root, "one new broken link", env)
    assert refused.returncode != 0
    assert _findings(refused.stdout) == [
        "notes/n5.md:12:3: VK101 [broken-link] no note matches 'Added'"
    ]
    assert re.search(r"vaultkit \(changed notes\)\.+Failed", refused.stdout)
    assert re.search(r"vaultkit \(whole vault\)\.+Passed", refused.stdout)
    (root / "notes" / "n5.md").write_text(notes["notes/n5.md"], encoding="utf-8")

    (root / "README.md").write_text("# Notes, and how to read them\n", encoding="utf-8")
    readme = _commit(root, "only the README beside the vault", env)
    assert readme.returncode == 0, readme.stdout[-2000:]


def test_an_untracked_draft_neither_blocks_nor_hides(tmp_path: Path, hook_store: HookStore) -> None:
    root, env = _installed(
        tmp_path,
        {
            "notes/.vaultkit.toml": "",
            "notes/a.md": "[[b]]\n",
            "notes/b.md": "[[a]]\n",
            ".pre-commit-config.yaml": _HOOKS
            + "      - id: vaultkit\n      - id: vaultkit-vault\n",
        },
        hook_store,
    )
    assert _commit(root, "a clean vault", env).returncode == 0
    (root / "notes" / "Draft.md").write_text("[[a]] [[Not written yet]]\n", encoding="utf-8")
    (root / "notes" / "b.md").write_text("[[a]] and more\n", encoding="utf-8")
    _git(root, "add", "notes/b.md", env=env)
    passed = _git(root, "commit", "-m", "b grows; the draft stays out", env=env)
    assert passed.returncode == 0, passed.stdout

    (root / "notes" / "a.md").write_text("[[b]] [[Draft]]\n", encoding="utf-8")
    _git(root, "add", "notes/a.md", env=env)
    refused = _git(root, "commit", "-m", "a links the draft, which is not committed", env=env)
    assert refused.returncode != 0
    assert _findings(refused.stdout) == [
        "notes/a.md:1:7: VK101 [broken-link] no note matches 'Draft'"
    ]


def test_a_deleted_note_is_reported_once_by_the_whole_vault_hook(
    repo: tuple[Path, dict[str, str]],
) -> None:
    root, env = repo
    (root / "notes" / "c.md").write_text("[[a]] [[b]]\n", encoding="utf-8")
    (root / "notes" / "a.md").write_text("[[b]] [[c]]\n", encoding="utf-8")
    assert _commit(root, "three notes", env).returncode == 0
    _git(root, "rm", "-q", "notes/b.md", env=env)
    (root / "notes" / "c.md").write_text("[[a]] [[b]] edited\n", encoding="utf-8")
    _git(root, "add", "notes/c.md", env=env)
    refused = _git(root, "commit", "-m", "b goes, c is edited", env=env)
    assert refused.returncode != 0
    # c.md is changed: the file hook reports it; a.md is not: the whole-vault hook does.
    assert sorted(_findings(refused.stdout)) == [
        "notes/a.md:1:1: VK101 [broken-link] no note matches 'b'",
        "notes/c.md:1:7: VK101 [broken-link] no note matches 'b'",
    ]


def _tracked(root: Path, files: dict[str, str | bytes]) -> None:
    """A git repository at ``root`` that has committed ``files``."""
    write_files(root, files)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "files")):
        assert _git(root, *args, env=_PLAIN_GIT).returncode == 0


_PLAIN_GIT = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def test_a_config_fail_on_wins_over_the_hooks_under_pre_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _tracked(tmp_path, {"notes/.vaultkit.toml": "", "notes/a.md": "[[a]]\n"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRE_COMMIT", "1")
    # An orphan is a warning: it does not block a commit by default...
    assert _lint(capsys, "--fail-on", "error", "--", "notes/a.md")[0] == 0
    # ...unless the vault's config says so, which is where hooks are configured.
    (tmp_path / "notes" / ".vaultkit.toml").write_text('fail-on = "warning"\n', encoding="utf-8")
    assert _lint(capsys, "--fail-on", "error", "--", "notes/a.md")[0] == 1
    monkeypatch.delenv("PRE_COMMIT")
    assert _lint(capsys, "--fail-on", "error", "--", "notes/a.md")[0] == 0


def test_the_whole_vault_hook_checks_every_vault_of_the_repository_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _tracked(
        tmp_path,
        {
            "README.md": "[[Nowhere]] is no note: the repository has vaults below\n",
            "notes/.obsidian/app.json": "{}",
            "notes/a.md": "[[b]] [[Gone]]\n",
            "notes/b.md": "[[a]] [[Lost]]\n",
            "notes/inner/.vaultkit.toml": "",
            "notes/inner/x.md": "[[x]] [[y]]\n",
            "more/.vaultkit.toml": "",
            "more/p.md": "[[q]] [[Far]]\n",
            "more/q.md": "[[p]]\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRE_COMMIT", "1")
    status, lines = _lint(capsys, "--not-changed", "--fail-on", "error", "--")
    assert status == 1
    assert [line.split(" ")[0] for line in lines if ": VK" in line] == [
        "more/p.md:1:7:",
        "notes/a.md:1:7:",
        "notes/b.md:1:7:",
        "notes/inner/x.md:1:1:",
        "notes/inner/x.md:1:7:",
    ]
    # What the commit changes is the file hook's to report.
    (tmp_path / "notes" / "a.md").write_text("[[b]] [[Gone]] [[Again]]\n", encoding="utf-8")
    _git(tmp_path, "add", "notes/a.md", env=_PLAIN_GIT)
    _, lines = _lint(capsys, "--not-changed", "--fail-on", "error", "--")
    assert not any(line.startswith("notes/a.md") for line in lines)
    assert any(line.startswith("notes/b.md") for line in lines)
