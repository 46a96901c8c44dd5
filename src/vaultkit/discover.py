"""Which vault a path given on the command line belongs to (cli.md "Vault discovery").

The commands' first step: ``lint``, ``graph``, ``mv`` and the hooks group the paths they are
given by the vault that holds each (the nearest folder above it marked by ``.obsidian/`` or
``.vaultkit.toml``) before anything is loaded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from vaultkit.config import marked_vault, unmarked_notice


def vaults_of(
    paths: Iterable[Path], cwd: Path, *, quiet: bool = False, below: bool = True
) -> dict[Path, list[Path]]:
    """Group paths by the vault that holds each, found from the path's own location.

    A path's vault is the nearest folder above it with ``.obsidian/`` or ``.vaultkit.toml``. A
    path with neither above it is no note of any vault, never a vault of its own (a
    repository's ``README.md`` beside its ``notes/`` vault): it is put with the first vault
    found, for the CLI to skip with one line as a path outside it. When no path has a vault,
    the vault is a marked folder right under an unmarked ``cwd`` (the repository's ``notes/``,
    when the hook gets ``README.md`` alone; not when a folder is asked for, nor without
    ``below``), else the vault of ``cwd``: its marked vault, or
    else ``cwd`` itself, which is then said on stderr (unless ``quiet``); paths outside it are
    skipped the same way.
    """
    marked: dict[Path, Path | None] = {}
    groups: dict[Path, list[Path]] = {}
    strays: list[Path] = []
    for path in paths:
        absolute = path.resolve()
        start = absolute if absolute.is_dir() else absolute.parent
        if start not in marked:
            marked[start] = marked_vault(start)
        root = marked[start]
        if root is None:
            strays.append(path)
        else:
            groups.setdefault(root, []).append(path)
    if strays and not groups:
        # Files from a repository's root beside its vault (pre-commit passes README.md on its
        # own): a marked folder just below ``cwd`` is the vault they lie outside of. A folder
        # asked for (``.``, or no path at all) is the current folder's vault, as cli.md says.
        files = below and not any(path.is_dir() for path in strays)
        child = _marked_child(cwd) if files else None
        groups[child or default_vault(cwd, quiet=quiet)] = strays
    elif strays:
        next(iter(groups.values())).extend(strays)
    return groups


def _marked_child(cwd: Path) -> Path | None:
    """The first folder right under an unmarked ``cwd`` that is marked as a vault, if any."""
    if marked_vault(cwd) is not None:
        return None
    try:
        children = sorted(entry.path for entry in os.scandir(cwd) if not entry.name.startswith("."))
    except OSError:
        return None
    for child in map(Path, children):
        if child.is_dir() and marked_vault(child) == child.resolve():
            return child.resolve()
    return None


def default_vault(cwd: Path, *, quiet: bool = False) -> Path:
    """The vault of ``cwd``: its marked vault, else ``cwd``, said on stderr unless ``quiet``."""
    root = marked_vault(cwd)
    if root is None:
        root = cwd.resolve()
        if not quiet:
            print(unmarked_notice(cwd, root), file=sys.stderr)
    return root
