"""Writing a file whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, *chunks: bytes, mode: int | None = None) -> None:
    """Write ``chunks`` to ``path``: a temporary file beside it, then ``os.replace``.

    A reader (a browser reloading a page, another vaultkit reading its cache) sees the old
    file or the new one, never half of one. ``mode`` sets the new file's permissions
    (``mkstemp`` makes it private). Whatever stops the write (an error, Ctrl-C), no temporary
    file stays behind and the error goes up.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
