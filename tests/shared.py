"""Where the shared material lives: the real corpora and the vault generator.

It is ``shared/`` beside the checkout. A clone made elsewhere (``git clone . /tmp/x``) has
none beside it, so it looks beside the local checkout it was cloned from (its ``origin``);
``VAULTKIT_SHARED`` names the folder outright. No pytest here: the benchmarks use it too.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def find_shared(root: Path) -> Path:
    """The shared folder for the checkout at ``root`` (the first candidate, if none exists)."""
    named = os.environ.get("VAULTKIT_SHARED")
    if named:
        return Path(named)
    candidates = [root.parent / "shared"]
    origin = _origin(root)
    if origin is not None:
        candidates.append(origin.parent / "shared")
    return next((path for path in candidates if path.is_dir()), candidates[0])


def _origin(root: Path) -> Path | None:
    """The checkout ``root`` was cloned from, when that is a folder on this machine."""
    try:
        url = subprocess.run(
            ["git", "-C", str(root), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return None
    path = Path(url.removeprefix("file://"))
    return path.resolve() if url and path.is_absolute() and path.is_dir() else None
