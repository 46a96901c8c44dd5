"""Reading one note from disk into text, or into the problem that stopped it.

Only a regular file is read. A FIFO, socket or device named like a note (``pipe.md``) would
block ``open`` or never end a read, so it is checked with ``stat`` first and never opened;
the open itself is non-blocking and checked again with ``fstat``, for a file swapped in
between. Such a file is a note that cannot be read: VK001 "not a regular file".
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from vaultkit.model import Problem

_PROBE = 8 * 1024


def read_bytes(root: Path, path: str) -> bytes | Problem:
    """The note's bytes, or VK001 when it cannot be read."""
    try:
        data = read_regular(os.path.join(root, path))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return Problem("VK001", 1, 1, f"cannot read the note: {reason.lower()}")
    if data is None:
        return Problem("VK001", 1, 1, "cannot read the note: not a regular file")
    return data


def read_regular(full_path: str) -> bytes | None:
    """A regular file's bytes; None for anything else, which is never opened blocking."""
    if not stat.S_ISREG(os.stat(full_path).st_mode):
        return None
    with open(full_path, "rb", opener=_nonblocking) as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read()


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def digest(data: bytes) -> bytes:
    """The hash a note's bytes are compared by (the cache's proof that a file is unchanged)."""
    return hashlib.blake2b(data, digest_size=16).digest()


def text_of(data: bytes, max_size: int) -> str | Problem:
    """A note's bytes as text, or the VK00x problem that stops it being read."""
    if len(data) > max_size:
        return Problem(
            "VK004", 1, 1, f"the note is {len(data):,} bytes, over max-file-size ({max_size:,})"
        )
    if b"\0" in data[:_PROBE]:
        return Problem("VK003", 1, 1, "the note holds NUL bytes: it is binary and was skipped")
    return decode(data)


def decode(data: bytes) -> str | Problem:
    """Decode UTF-8 (a BOM is dropped) and normalise line endings to ``\\n``."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return Problem(
            "VK002",
            line,
            1,
            f"the note is not valid UTF-8 (byte {data[error.start]:#04x} at byte column {column})",
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def patch_lines(data: bytes) -> list[str]:
    """A note's lines as a unified diff names them: ``data`` must decode (it was read before).

    Only ``\n`` ends a line for patch tools: ``str.splitlines`` would also break at U+2028,
    U+0085, \x0b, \x0c and \x1c-\x1e, and the diff would name lines no tool can find.
    """
    text = decode(data)
    if isinstance(text, Problem):
        raise ValueError(text.message)
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])
