"""Writing files: whole or not at all, and reports and pages wherever the user pointed them."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from vaultkit.model import VaultkitError


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


def write_output(path: Path, data: bytes) -> None:
    """Write a report or a graph to ``path``, the file the user named; every output goes here.

    Only a regular file, or a path where nothing is yet, is replaced, atomically
    (:func:`write_atomically`), keeping an existing file's permissions (a new one gets the
    usual ``0o666`` less the umask); missing parent folders are created. Anything else is
    written *through*, never replaced: a symlink stays a symlink and the file it points to gets
    the bytes (in place, so a reader may see it half-written), a FIFO or a device
    (``/dev/stdout``, ``/dev/null``) receives them. A folder, or anything that cannot be
    written, is a ``VaultkitError`` naming the path; a reader that went away is left to the
    caller as the ``BrokenPipeError`` it is.
    """
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise _cannot_write(path, error) from None
    try:
        if status is None or stat.S_ISREG(status.st_mode):
            mode = stat.S_IMODE(status.st_mode) if status is not None else _new_file_mode()
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data, mode=mode)
        elif stat.S_ISDIR(status.st_mode):
            raise VaultkitError(f"{path}: is a folder, not a file to write")
        else:
            with open(path, "wb") as out:
                out.write(data)
    except BrokenPipeError:
        raise  # the reader left (``-o /dev/stdout | head``): as quiet as on stdout itself
    except OSError as error:
        raise _cannot_write(path, error) from None


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _cannot_write(path: Path, error: OSError) -> VaultkitError:
    return VaultkitError(f"{path}: cannot write: {error.strerror or error}")
