"""Loading one note: its bytes read from disk (``read.py``), then parsed (``parse.py``)."""

from __future__ import annotations

from pathlib import Path

from vaultkit.config import Config
from vaultkit.model import Note, Problem
from vaultkit.parse import parse_note, unreadable_note
from vaultkit.read import digest, read_bytes, text_of


def load_note(root: Path, path: str, config: Config, parent_keys: frozenset[str]) -> Note:
    """Read and parse one note; a note that cannot be read is a note with a problem."""
    return load_note_hashed(root, path, config, parent_keys)[0]


def load_note_hashed(
    root: Path, path: str, config: Config, parent_keys: frozenset[str]
) -> tuple[Note, bytes | None]:
    """``load_note``, and the hash of the very bytes parsed (None when none could be read)."""
    data = read_bytes(root, path)
    if isinstance(data, Problem):
        return unreadable_note(path, data), None
    text = text_of(data, config.max_file_size)
    if isinstance(text, Problem):
        return unreadable_note(path, text), digest(data)
    return parse_note(path, text, parent_keys, config.parse_timeout), digest(data)
