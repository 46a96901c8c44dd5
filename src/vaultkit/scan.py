"""Walking the vault: which files are notes, which are attachments, which lead outside.

Folders and files whose name starts with ``.`` are never read (``.obsidian/``, ``.trash/``,
``.git/``), nor the config's ``exclude`` globs. Directory symlinks are not followed (that also
stops symlink loops); a file symlink is used only when its real file is inside the vault, and
one that leads outside is listed in ``outside`` so links through it get VK107.

``classify`` makes the same decisions for one path (the engine's, for the files that changed),
and ``files_under`` lists one folder's files as the scan would.

The scan only lists names, it opens nothing: a FIFO, socket or device named like a note is
listed as a note, and reading it (``read.py``) gives VK001 "not a regular file" without opening
it; one with another name is listed as an attachment, which vaultkit never opens anyway.
"""

from __future__ import annotations

import enum
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class Kind(enum.IntEnum):
    """What a file of the vault is; the order is the tie-break of ``Index.paths`` (notes win)."""

    NOTE = 0
    ATTACHMENT = 1
    OUTSIDE = 2


@dataclass(frozen=True, slots=True)
class Scan:
    """The files of a vault, as vault-relative ``/`` paths spelled as on disk."""

    notes: tuple[str, ...]
    attachments: tuple[str, ...]
    outside: tuple[str, ...]


def scan_vault(root: Path, excluded: Callable[[str], bool]) -> Scan:
    """List the vault's notes and attachments, sorted by path."""
    notes: list[str] = []
    attachments: list[str] = []
    outside: list[str] = []
    real_root = os.path.realpath(root)
    stack = [("", os.fspath(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = prefix + name
            try:
                is_link = entry.is_symlink()
                if entry.is_dir(follow_symlinks=False):
                    if not excluded(path + "/"):
                        stack.append((path + "/", entry.path))
                    continue
            except OSError:
                continue
            if excluded(path):
                continue
            if is_link and not _inside(real_root, entry.path):
                outside.append(path)
                continue
            if is_link and os.path.isdir(entry.path):
                continue
            (notes if _is_note(name) else attachments).append(path)
    return Scan(tuple(sorted(notes)), tuple(sorted(attachments)), tuple(sorted(outside)))


def classify(root: Path, path: str, excluded: Callable[[str], bool]) -> Kind | None:
    """What ``scan_vault`` makes of the vault-relative ``path``: the same tests for one path
    (None: no file the scan would list)."""
    parts = path.split("/")
    if any(not part or part.startswith(".") for part in parts):
        return None
    if _in_excluded_folder(parts, excluded) or excluded(path):
        return None
    folder = os.fspath(root)
    try:
        # Directory symlinks are not followed, so every folder on the way must be real.
        for part in parts[:-1]:
            folder = os.path.join(folder, part)
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return None
        full = os.path.join(folder, parts[-1])
        mode = os.lstat(full).st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        if not _inside(os.path.realpath(root), full):
            return Kind.OUTSIDE
        if os.path.isdir(full):
            return None
    return Kind.NOTE if _is_note(parts[-1]) else Kind.ATTACHMENT


def files_under(root: Path, folder: str, excluded: Callable[[str], bool]) -> list[str]:
    """The files under the vault-relative ``folder`` (``""``: the vault), if it is a folder
    ``scan_vault`` would enter. Symlinks among them are listed; ``classify`` sorts them out
    (the walk judged them from the sub-folder)."""
    full = os.path.join(root, folder)
    try:
        if not stat.S_ISDIR(os.lstat(full).st_mode):
            return []
    except OSError:
        return []
    if folder and (
        any(part.startswith(".") for part in folder.split("/"))
        or _in_excluded_folder([*folder.split("/"), ""], excluded)
    ):
        return []
    prefix = folder + "/" if folder else ""
    found = scan_vault(Path(full), lambda path: excluded(prefix + path))
    return [prefix + path for path in (*found.notes, *found.attachments, *found.outside)]


def _in_excluded_folder(parts: list[str], excluded: Callable[[str], bool]) -> bool:
    return any(excluded("/".join(parts[:end]) + "/") for end in range(1, len(parts)))


def _is_note(name: str) -> bool:
    return name.lower().endswith(".md")


def _inside(real_root: str, path: str) -> bool:
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)
