"""Walking the vault: which files are notes, which are attachments, which lead outside.

Folders and files whose name starts with ``.`` are never read (``.obsidian/``, ``.trash/``,
``.git/``), nor the config's ``exclude`` globs. Directory symlinks are not followed (that also
stops symlink loops); a file symlink is used only when its real file is inside the vault, and
one that leads outside is listed in ``outside`` so links through it get VK107.

The scan only lists names, it opens nothing: a FIFO, socket or device named like a note is
listed as a note, and reading it (``read.py``) gives VK001 "not a regular file" without opening
it; one with another name is listed as an attachment, which vaultkit never opens anyway.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


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
            (notes if name.lower().endswith(".md") else attachments).append(path)
    return Scan(tuple(sorted(notes)), tuple(sorted(attachments)), tuple(sorted(outside)))


def _inside(real_root: str, path: str) -> bool:
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root + os.sep)
