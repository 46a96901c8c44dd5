"""Reading one note from disk into text, or into the problem that stopped it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from vaultkit.model import Problem

_PROBE = 8 * 1024


def read_bytes(root: Path, path: str) -> bytes | Problem:
    """The note's bytes, or VK001 when it cannot be read."""
    try:
        with open(os.path.join(root, path), "rb") as handle:
            return handle.read()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return Problem("VK001", 1, 1, f"cannot read the note: {reason.lower()}")


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
