"""What git says about a vault under pre-commit: what it tracks, what a commit changes.

Under pre-commit the vault is what git tracks (watch-and-hooks.md): pre-commit has put the
unstaged changes aside, so the tracked files on disk are the commit's; an untracked or ignored
file is not part of it and must neither block a commit nor hide a broken one (a draft
``Nowhere.md`` that only exists on one machine would make ``[[Nowhere]]`` resolve). A vault
of which git tracks nothing is not the repository's (a generated vault in an ignored build
folder) and is checked as it is on disk. Without git, or outside a work tree, every answer
is "nothing known" and the vault is what is on disk.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from vaultkit.config import CONFIG_FILE

# The characters a gitignore-style pattern gives a meaning (config.py reads ``exclude`` so).
_SPECIAL = frozenset("\\*?[]!# ")


def _git(cwd: Path, *args: str) -> list[str] | None:
    """The NUL-separated output of a git command run in ``cwd``; None when it fails."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=120,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return [os.fsdecode(item) for item in done.stdout.split(b"\0") if item]


def untracked_patterns(root: Path) -> tuple[str, ...]:
    """Exclude patterns for what git does not track under ``root`` (see the module doc).

    ``--directory`` names a wholly untracked folder once (``drafts/``), so an ignored
    ``node_modules/`` costs one pattern, not thousands.
    """
    listed = _git(root, "ls-files", "-z", "-t", "--cached", "--others", "--directory")
    if listed is None:
        return ()
    tracked = False
    others: list[str] = []
    for item in listed:
        tag, _, path = item.partition(" ")
        if tag == "?":
            others.append(path)
        else:
            tracked = True
    if not tracked:
        return ()
    return tuple("/" + "".join("\\" + c if c in _SPECIAL else c for c in p) for p in others)


def top_level(cwd: Path) -> Path | None:
    """The root of the git work tree holding ``cwd``, if any."""
    found = _git(cwd, "rev-parse", "--show-toplevel")
    return Path(found[0].removesuffix("\n")) if found else None


def changed_files(top: Path) -> list[Path]:
    """The files the hooks' commit changes, as pre-commit lists them to the other hooks.

    The staged files (deleted ones aside, as pre-commit passes them); with pre-commit's
    ``--from-ref``/``--to-ref`` (``PRE_COMMIT_FROM_REF``, ``PRE_COMMIT_TO_REF``), the files
    changed between the two.
    """
    old, new = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if old and new:
        found = _git(top, "diff", "--name-only", "--no-ext-diff", "-z", f"{old}...{new}")
    else:
        found = _git(
            top, "diff", "--staged", "--name-only", "--no-ext-diff", "-z", "--diff-filter=ACMRTUXB"
        )
    return [top / path for path in found or ()]


def repository_vaults(top: Path) -> list[Path]:
    """Every vault of the repository: each tracked folder holding ``.obsidian/`` or the config.

    A folder is tracked when git tracks a file in it or below; with no such vault, the
    repository root is the vault.
    """
    folders = {""}
    for path in _git(top, "ls-files", "-z", "--full-name") or ():
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folders.add("/".join(parts[:depth]))
    vaults = [
        top / folder
        for folder in sorted(folders)
        if (top / folder / ".obsidian").is_dir() or (top / folder / CONFIG_FILE).is_file()
    ]
    return vaults or [top]


def inner_vaults(root: Path, vaults: Sequence[Path]) -> list[str]:
    """The folders of ``vaults`` inside ``root``, vault-relative: their notes are theirs."""
    return [
        vault.relative_to(root).as_posix() + "/"
        for vault in vaults
        if vault != root and vault.is_relative_to(root)
    ]
