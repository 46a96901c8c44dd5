"""The parse cache: parsed notes kept between runs, in the user's cache folder.

One file per vault, ``$XDG_CACHE_HOME/vaultkit/<hash of the vault's real path>/notes.pickle``
(``~/.cache`` by default), never inside the vault. Each note is keyed by its path, size and
``mtime_ns``: a note whose size and modification time are unchanged is trusted without being
read. The header holds a format number, the vaultkit version and the settings that shape a
parse (parent keys, size cap, time bound); a file with another header, or one that is
truncated, corrupt or not a pickle vaultkit wrote, is ignored and rebuilt, never trusted.
The file is written atomically (a temporary file in the same folder, then ``os.replace``) and
only when something changed; a cache folder that cannot be written is silently skipped.

Pickle of the frozen records loads fastest of the formats tried (the caller keeps the cyclic
collector paused while loading); the file is only ever read back by the user who wrote it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vaultkit import __version__
from vaultkit.config import Config
from vaultkit.model import Note

FORMAT = 1
_VOLATILE = frozenset({"VK001", "VK005"})

Stamp = tuple[int, int]
Entries = dict[str, tuple[Stamp, Note]]


def cache_file(root: Path) -> Path:
    """Where the cache of the vault at ``root`` lives."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key = hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()
    return Path(base) / "vaultkit" / key[:16] / "notes.pickle"


def _header(config: Config) -> tuple[Any, ...]:
    return (
        "vaultkit-cache",
        FORMAT,
        __version__,
        tuple(config.parent_keys),
        config.max_file_size,
        config.parse_timeout,
    )


def load(root: Path, config: Config) -> Entries:
    """The cached notes of the vault, or nothing when the cache is missing or not trusted."""
    try:
        with cache_file(root).open("rb") as handle:
            data = pickle.load(handle)
    except Exception:
        return {}
    if not isinstance(data, tuple) or len(data) != 2 or data[0] != _header(config):
        return {}
    entries = data[1]
    return entries if isinstance(entries, dict) else {}


def stamp(root: Path, path: str) -> Stamp | None:
    """The size and modification time of a note, or None when it cannot be stat'ed."""
    try:
        info = os.stat(root / path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns


def save(root: Path, config: Config, entries: Mapping[str, tuple[Stamp, Note]]) -> None:
    """Write the cache atomically; notes that could not be read or parsed are left out."""
    kept = {
        path: entry
        for path, entry in entries.items()
        if not any(problem.code in _VOLATILE for problem in entry[1].problems)
    }
    target = cache_file(root)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".notes-", dir=target.parent)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump((_header(config), kept), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, target)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
