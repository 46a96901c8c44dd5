"""The cache: parsed notes, their resolved links and lint results, kept between runs.

Where: ``$XDG_CACHE_HOME/vaultkit/<hash of the vault's real path>/`` (``~/.cache`` by
default), never inside the vault. Two kinds of file live there:

- ``notes-NN.pickle`` and ``edges-NN.pickle``, the notes spread over ``SHARDS`` shards by a
  hash of their path, so that editing one note rewrites one small file of each kind, not the
  whole cache. ``notes`` keeps each note's stamp (size, ``mtime_ns``, ``ctime_ns``), a hash of
  its bytes and its parse; ``edges`` its resolved links. A note whose stamp is unchanged is
  trusted without being read; one whose stamp changed is read and hashed, and reused when the
  bytes are the same (a ``git checkout`` or pre-commit's stash rewrites files without
  changing them). A stamp taken within ``RACY_NS`` of its own modification time proves
  nothing (the file may change again within the same clock tick, keeping its size), so such
  a note is re-hashed on the next run, as git does with racy index entries. Resolved links
  are reused only for the very bytes of the note they were resolved from, and while the
  index they were resolved against (every path, every alias, the resolution settings) is the
  same; heading and block links, which depend on another note's content, are always asked
  again. On a cold run the parse workers pack each shard's
  notes exactly as the file holds them and the parent writes those bytes as they come
  (``pack_notes``); shards that mix kept and new notes are written by a forked child while
  the parent resolves the links (``NoteCache.save_notes``).
- ``results.pickle``: the findings of the whole vault for the last rule selections, valid for
  one exact state of the vault (every note's stamp, every attachment, the config). A run that
  finds the vault unchanged loads this small file and nothing else.

Every file starts with a magic line, the payload's length and CRC-32, and the pickled payload
opens with a header: a format number, the vaultkit version, a stamp of vaultkit's own source
files (so an edited checkout never trusts answers of the code before), the Python version,
the settings that shape a parse (parent keys, size cap, time bound) and the vault's real path.
A file that is truncated, corrupt, foreign or of another header is ignored and rebuilt, never
trusted and never a crash; unpickling only builds vaultkit's own records (anything else named
in the file is refused, so a tampered file cannot run code). A file with the right header is
still only data from disk: every item's type is checked before it is used (a field of the
wrong type, a record of the wrong length, a slot left unset, a stored hash naming a path
outside the vault make the whole file ignored), column by column over a shard's records
(at 10k notes and 214k links the checks cost 0.13 s of CPU on top of the 0.37 s that reading
every shard takes; only a run that finds the vault changed reads the shards, and the findings
of an unchanged vault are checked in 5 ms). Only a regular file is read (opened with
``O_NOFOLLOW`` and ``O_NONBLOCK``, checked with ``fstat``): a FIFO, a device or a symlink (to
``/dev/zero``, say) in the cache folder is ignored and replaced, and so is a file over
``MAX_FILE`` bytes, which bounds what a load can cost. Files are written atomically
(a temporary file in the same folder, then ``os.replace``) and only when something changed; a
cache folder that cannot be written is silently skipped.

Why this format (measured at 10k notes, 214k links, with the cyclic collector paused): the
notes and their answers are pickled as plain tuples and rebuilt with ``tuple.__new__``, which
writes in 0.45 s and reads in 0.3 s. Pickling the records themselves (NamedTuples and slotted
dataclasses) costs a Python call per record each way: 1.0 s to write, 0.43 s to read. marshal
cannot hold the enums, and converting them makes it 0.49 s to write and 0.47 s to read.
Resolving the links again instead of reading them back would cost 0.48 s. The findings of the
whole vault (12.5k) load in 0.04 s, so an unchanged vault costs a scan, a ``stat`` per note
and that one load: 0.3 s for a whole ``vaultkit lint`` process at 10k.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import os
import pickle
import shutil
import stat
import struct
import sys
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from functools import partial
from itertools import chain
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, NamedTuple, TypeGuard

from vaultkit import model
from vaultkit.config import Config
from vaultkit.files import write_atomically
from vaultkit.model import (
    Block,
    Diagnostic,
    Edge,
    Fix,
    Heading,
    Link,
    LinkKind,
    Note,
    Problem,
    Severity,
    Status,
    Suppression,
    note_from_values,
    note_values,
)
from vaultkit.read import digest, read_regular
from vaultkit.version import __version__

FORMAT = 5
SHARDS = 32
# A stamp this close to the file's own modification time may hide a later edit in the same
# clock tick (coarse file times, FAT's 2 s, a network server's clock): verify by hash next time.
RACY_NS = 2_000_000_000
# Findings of this many rule selections are kept for one state of the vault.
SELECTIONS = 8
# Problems that say more about this run than about the file: never cached.
_VOLATILE = frozenset({"VK001", "VK005"})
_MAGIC = b"vaultkit-cache\n"
# The file in each cache folder naming its vault.
_OWNER = "vault.txt"
_FRAME = struct.Struct("<QI")
# No cache file is read past this size (the findings of a 50k-note vault for every kept rule
# selection take about 90 MB); one that would be larger is not written.
MAX_FILE = 512 << 20
_OWNER_MAX = 64 << 10

Stamp = tuple[int, int, int]


class Entry(NamedTuple):
    """One cached note: stamp, hash, parse, and its links as resolved under ``edges_key``.

    ``anchors`` is ``anchor_key`` of the edges: what their heading and block links were
    checked against.
    """

    stamp: Stamp
    racy: bool
    digest: bytes
    note: Note
    edges: tuple[Edge, ...] | None = None
    edges_key: bytes | None = None
    anchors: bytes | None = None


class Results(NamedTuple):
    """The findings for one state of the vault, by rule selection (a tuple of codes)."""

    state: bytes
    racy: tuple[tuple[str, bytes], ...]
    found: dict[tuple[str, ...], tuple[Diagnostic, ...]]


def folder(root: Path) -> Path:
    """The cache folder of the vault at ``root``."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        # The XDG spec: a relative value is invalid and must be ignored.
        base = str(Path.home() / ".cache")
    key = hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()
    return Path(base) / "vaultkit" / key[:16]


def stamp(path: str) -> Stamp | None:
    """Size, ``mtime_ns`` and ``ctime_ns`` of a file, or None when it cannot be stat'ed."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


def is_racy(found: Stamp, started_ns: int) -> bool:
    """Whether a stamp taken at ``started_ns`` is too close to the file's last change to trust."""
    return max(found[1], found[2]) >= started_ns - RACY_NS


def file_digest(path: str) -> bytes | None:
    """The hash of a file's bytes, or None when it is no regular file or cannot be read."""
    try:
        data = read_regular(path)
    except OSError:
        return None
    return None if data is None else digest(data)


def cacheable(note: Note) -> bool:
    """Whether a parse says something about the file rather than about this run."""
    return not any(problem.code in _VOLATILE for problem in note.problems)


def edges_key(
    config: Config, notes: Mapping[str, Note], attachments: Sequence[str], outside: Sequence[str]
) -> bytes:
    """What every link's answer depends on besides its own note: paths, aliases, settings."""
    aliases = tuple(note.aliases for note in notes.values())
    data = marshal.dumps(
        (tuple(notes), tuple(attachments), tuple(outside), aliases, _resolution(config))
    )
    return hashlib.blake2b(data, digest_size=16).digest()


def state_key(
    config: Config,
    stamps: Mapping[str, Stamp | None],
    attachments: Sequence[str],
    outside: Sequence[str],
) -> bytes:
    """One vault's state as far as findings go: every note's stamp, every file, the config."""
    settings = tuple(
        getattr(config, item.name)
        for item in fields(config)
        if item.name not in ("source", "fail_on")
    )
    data = marshal.dumps((tuple(stamps.items()), tuple(attachments), tuple(outside), settings))
    return hashlib.blake2b(data, digest_size=16).digest()


def _resolution(config: Config) -> tuple[str, tuple[str, ...]]:
    return (config.alias_links, tuple(config.parent_keys))


class NoteCache:
    """The cached notes of one vault, read shard by shard and written back shard by shard.

    A shard is two files: ``notes-NN.pickle`` (stamp, hash and parse of each note) and
    ``edges-NN.pickle`` (its links' answers and the key of the index they were resolved
    against). They are written apart because they are known apart: the notes as soon as the
    parse is done (``save_notes``, in the background while the links are resolved), the
    answers once they are (``save_edges``).
    """

    def __init__(self, root: Path, config: Config) -> None:
        self._folder = folder(root)
        self._header = _header(root, config)
        self._notes: list[dict[str, Entry] | None] = []
        self._edges: list[dict[str, Entry] | None] = []
        self.entries: dict[str, Entry] = {}
        for number in range(SHARDS):
            notes = self._read_notes(number)
            edges = self._read_edges(number, notes or {})
            self._notes.append(notes)
            self._edges.append(edges)
            if notes:
                self.entries.update(notes)
            if edges:
                self.entries.update(edges)

    def _file(self, kind: str, number: int) -> Path:
        return self._folder / f"{kind}-{number:02d}.pickle"

    def _read_notes(self, number: int) -> dict[str, Entry] | None:
        blob = _read(self._file("notes", number), self._header)
        if not isinstance(blob, bytes):
            return None
        try:
            packed = _Unpickler(io.BytesIO(blob)).load()
            if not _valid_packed(packed):
                return None
            shard = {path: entry for path, entry, _ in _unpacked(packed) if entry is not None}
        except _UNREADABLE:
            return None
        if not all(isinstance(path, str) and shard_of(path) == number for path in shard):
            return None
        return shard

    def write_packed(self, number: int, blob: bytes, entries: Mapping[str, Entry]) -> None:
        """Store a shard packed by ``pack_notes`` whose ``entries`` are all the shard holds."""
        _write(self._file("notes", number), self._header, blob)
        self._notes[number] = dict(entries)

    def _read_edges(self, number: int, notes: Mapping[str, Entry]) -> dict[str, Entry] | None:
        """The notes of the shard that have answers stored too, as entries with their edges."""
        body = _read(self._file("edges", number), self._header)
        if not _valid_edges(body):
            return None
        shard = {}
        try:
            for path, (key, hashed, anchors, raw) in body.items():
                entry = notes.get(path)
                if entry is None or not isinstance(key, bytes) or hashed != entry.digest:
                    continue
                pairs = zip(entry.note.links, raw, strict=True)
                edges = tuple([_new(Edge, (path, link, *rest)) for link, rest in pairs])
                shard[path] = entry._replace(edges=edges, edges_key=key, anchors=anchors)
        except (TypeError, ValueError, IndexError, AttributeError):
            return None
        return shard

    def save_notes(
        self, entries: Mapping[str, Entry], *, background: bool = False
    ) -> Callable[[], None]:
        """Write the note shards that differ from those read; returns a ``wait``.

        With ``background``, the shards are encoded and written by a forked child while the
        caller goes on (resolving the links, checking the rules: at 10k notes the writing
        takes about half a second, which the second core absorbs); the caller must call the
        returned ``wait`` before it is done, so the cache is complete when the command ends.
        Without ``fork``, or while other threads run (forking them is unsafe), it writes now.
        """
        writes = self._changed("notes", self._notes, entries, _same_note)
        write = partial(self._write, writes, _pack_entries)
        if not writes:
            return _nothing
        return _in_background(write) if background else _now(write)

    def save_edges(self, entries: Mapping[str, Entry]) -> None:
        """Write the answer shards that differ from those read.

        In-process: forking a process of this size costs more than pickling them (every page
        the child or the parent then touches is copied).
        """
        with_edges = {path: entry for path, entry in entries.items() if entry.edges is not None}
        self._write(self._changed("edges", self._edges, with_edges, _same_edges), _edges_body)

    def _changed(
        self,
        kind: str,
        held: list[dict[str, Entry] | None],
        entries: Mapping[str, Entry],
        same: Callable[[Entry, Entry], bool],
    ) -> list[tuple[Path, dict[str, Entry]]]:
        wanted: list[dict[str, Entry]] = [{} for _ in range(SHARDS)]
        for path, entry in entries.items():
            wanted[shard_of(path)][path] = entry
        writes = []
        for number, (old, new) in enumerate(zip(held, wanted, strict=True)):
            if (
                old is not None
                and old.keys() == new.keys()
                and all(same(entry, new[path]) for path, entry in old.items())
            ):
                continue
            if new or old is None or old:
                writes.append((self._file(kind, number), new))
            held[number] = new
        return writes

    def _write(
        self,
        writes: Sequence[tuple[Path, Mapping[str, Entry]]],
        body: Callable[[Mapping[str, Entry]], object],
    ) -> None:
        for target, shard in writes:
            if shard:
                _write(target, self._header, body(shard))
            else:
                _remove(target)


def _same_note(old: Entry, new: Entry) -> bool:
    return (
        old.note is new.note
        and old.stamp == new.stamp
        and old.racy == new.racy
        and old.digest == new.digest
    )


def _same_edges(old: Entry, new: Entry) -> bool:
    return (
        old.edges_key == new.edges_key
        and old.anchors == new.anchors
        and (old.edges is new.edges or old.edges == new.edges)
    )


def anchor_key(edges: Sequence[Edge], entries: Mapping[str, Entry]) -> bytes | None:
    """What a note's heading and block links were checked against: their targets' bytes.

    None when the note has no such link. A reused answer for ``[[B#Heading]]`` holds while B
    is the same file with the same hash; B's headings are not stored with the answer.
    """
    targets = {edge.resolved for edge in edges if edge.link.subpath}
    if not targets:
        return None
    found = sorted(
        (path, entries[path].digest if path in entries else b"")
        for path in targets
        if path is not None
    )
    return hashlib.blake2b(marshal.dumps(found), digest_size=16).digest()


def _now(write: Callable[[], None]) -> Callable[[], None]:
    write()
    return _nothing


def _in_background(write: Callable[[], None]) -> Callable[[], None]:
    """Run ``write`` in a forked child; returns what waits for it (see ``save_notes``)."""
    if hasattr(os, "fork") and threading.active_count() == 1:
        try:
            child = os.fork()
        except OSError:
            return _now(write)
        if child == 0:
            try:
                write()
            finally:
                os._exit(0)
        return lambda: _reap(child)
    return _now(write)


def _reap(child: int) -> None:
    while True:
        try:
            os.waitpid(child, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue
        return


def _nothing() -> None:
    return None


# A note is stored as plain tuples (``model.note_values``) and its edges without their source
# and link, which the note already holds: see the module docstring.
_new = tuple.__new__


def pack_notes(
    loaded: Sequence[tuple[str, Note, bytes | None]],
    stamps: Mapping[str, Stamp | None],
    started: int,
) -> bytes:
    """Notes as they were parsed, packed for the trip from a worker and for the cache at once.

    The blob a parse worker sends back is the very body of a ``notes-NN.pickle``: on a cold
    run the parent writes it as it is instead of encoding and pickling every note again (half
    a second at 10k). A note that must not be cached (unreadable, timed out, no stamp) is
    packed with no stamp, so the parent still gets it and a reader of the file skips it.
    """
    packed: list[tuple[str, Stamp | None, bool, bytes, tuple[object, ...]]] = []
    for path, note, hashed in loaded:
        found = stamps.get(path)
        if found is None or hashed is None or not cacheable(note):
            packed.append((path, None, False, b"", note_values(note)))
        else:
            packed.append((path, found, is_racy(found, started), hashed, note_values(note)))
    return pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_notes(blob: bytes) -> list[tuple[str, Entry | None, Note]]:
    """What ``pack_notes`` packed: each note, with its cache entry when it may be cached."""
    return _unpacked(_Unpickler(io.BytesIO(blob)).load())


def _unpacked(packed: Iterable[Any]) -> list[tuple[str, Entry | None, Note]]:
    found: list[tuple[str, Entry | None, Note]] = []
    for path, stamp, racy, hashed, values in packed:
        if not values or values[0] != path:
            raise ValueError("not a packed note")
        note = note_from_values(values)
        if stamp is None:
            found.append((path, None, note))
        elif isinstance(stamp, tuple) and isinstance(hashed, bytes):
            found.append((path, Entry(stamp, bool(racy), hashed, note), note))
        else:
            raise TypeError("not a stamp and a hash")
    return found


def _pack_entries(entries: Mapping[str, Entry]) -> bytes:
    packed = [
        (path, entry.stamp, entry.racy, entry.digest, note_values(entry.note))
        for path, entry in entries.items()
    ]
    return pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL)


def _edges_body(entries: Mapping[str, Entry]) -> dict[str, tuple[object, ...]]:
    # Each note's answers name the bytes they were resolved from: the two kinds of shard are
    # written apart, and answers kept beside a newer parse (an interrupted run, a failed
    # write, another vaultkit in between) must not be taken for its answers.
    body: dict[str, tuple[object, ...]] = {}
    for path, entry in entries.items():
        assert entry.edges is not None
        edges = tuple([edge[2:] for edge in entry.edges])
        body[path] = (entry.edges_key, entry.digest, entry.anchors, edges)
    return body


def load_results(root: Path, config: Config) -> Results | None:
    """The stored findings of the vault, or None when there are none to trust."""
    body = _read(folder(root) / "results.pickle", _header(root, config))
    return body if isinstance(body, Results) and _valid_results(body) else None


def verified(root: Path, racy: Iterable[tuple[str, bytes]]) -> bool:
    """Whether the notes whose stamps prove nothing still hold the bytes the findings saw."""
    return all(file_digest(os.path.join(root, path)) == hashed for path, hashed in racy)


def save_results(root: Path, config: Config, results: Results) -> None:
    """Store the findings for one state of the vault."""
    _write(folder(root) / "results.pickle", _header(root, config), results)


def load_renames(root: Path, config: Config) -> dict[str, str]:
    """The renames remembered for the vault (old path → new path, oldest first; ``renames.py``)."""
    body = _read(folder(root) / "renames.pickle", _header(root, config))
    if type(body) is not dict:
        return {}
    pairs = list(body.items())
    if not _strings(pairs) or not all(map(_in_vault, chain.from_iterable(pairs))):
        return {}
    return body


def save_renames(root: Path, config: Config, renames: Mapping[str, str]) -> None:
    """Remember the vault's renames (a pair naming no file path is left out); none left
    removes the file."""
    target = folder(root) / "renames.pickle"
    kept = {old: new for old, new in renames.items() if _in_vault(old) and _in_vault(new)}
    if kept:
        _write(target, _header(root, config), kept)
    else:
        _remove(target)


def shard_of(path: str) -> int:
    """The shard a note's path falls in."""
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % SHARDS


def _code_stamp() -> tuple[tuple[str, int, int], ...]:
    package = Path(__file__).parent
    found = []
    for name in sorted(os.listdir(package)):
        if name.endswith(".py"):
            info = stamp(str(package / name))
            if info is not None:
                found.append((name, info[0], info[1]))
    return tuple(found)


# The shape of the records a cache file holds: another shape is another format.
_SCHEMA = (
    tuple(item.name for item in fields(Note)),
    *(kind._fields for kind in (Link, Heading, Block, Edge)),
)


def _header(root: Path, config: Config) -> tuple[object, ...]:
    return (
        FORMAT,
        __version__,
        _code_stamp(),
        sys.version_info[:2],
        _SCHEMA,
        tuple(config.parent_keys),
        config.max_file_size,
        config.parse_timeout,
        os.path.realpath(root),
    )


# What a cache file may name when unpickled: vaultkit's records and enums, nothing else.
_ALLOWED: dict[tuple[str, str], object] = {
    **{
        ("vaultkit.model", name): getattr(model, name)
        for name in (
            "Problem",
            "Fix",
            "Suppression",
            "Diagnostic",
            "LinkKind",
            "Status",
            "Severity",
        )
    },
    ("vaultkit.cache", "Results"): Results,
}


# What a truncated, corrupt or foreign pickle may raise: such a file is ignored, never a crash.
_UNREADABLE = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    KeyError,
    MemoryError,
    RecursionError,
)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module_name: str, name: str) -> Any:
        found = _ALLOWED.get((module_name, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module_name}.{name} is not a vaultkit record")
        return found


def _read(path: Path, header: tuple[object, ...]) -> object:
    """The body of a cache file, or None when it is missing or not to be trusted."""
    data = _read_regular(path, MAX_FILE)
    start = len(_MAGIC) + _FRAME.size
    if data is None or not data.startswith(_MAGIC) or len(data) < start:
        return None
    length, checksum = _FRAME.unpack_from(data, len(_MAGIC))
    payload = memoryview(data)[start:]
    if len(payload) != length or zlib.crc32(payload) != checksum:
        return None
    try:
        loaded = _Unpickler(io.BytesIO(payload)).load()
    except _UNREADABLE:
        return None
    if not (isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == header):
        return None
    return loaded[1]


def _write(path: Path, header: tuple[object, ...], body: object) -> None:
    try:
        payload = pickle.dumps((header, body), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    frame = _MAGIC + _FRAME.pack(len(payload), zlib.crc32(payload))
    if len(frame) + len(payload) > MAX_FILE:
        return
    try:
        if not (path.parent / _OWNER).is_file():
            _create(path.parent, str(header[-1]))
        write_atomically(path, frame, payload)
    except OSError:
        return


def _create(place: Path, vault: str) -> None:
    """Make a vault's cache folder, noting whose it is, and forget vaults that are gone."""
    place.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written whole or not at all: another vaultkit reading a half-written name would take
    # the vault for gone.
    write_atomically(place / _OWNER, (vault + "\n").encode("utf-8", "surrogateescape"))
    # Without this, every vault ever checked (temporary ones included) would keep its cache.
    for other in place.parent.iterdir():
        if other == place:
            continue
        data = _read_regular(other / _OWNER, _OWNER_MAX)
        owner = "" if data is None else data.decode("utf-8", "surrogateescape").rstrip("\n")
        if owner and "\0" not in owner and not os.path.isdir(owner):
            shutil.rmtree(other, ignore_errors=True)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        return


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes; None for anything else.

    Never follows a symlink and never blocks: a FIFO opened without ``O_NONBLOCK`` waits for a
    writer forever, and ``/dev/zero`` never ends.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        handle = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except (OSError, ValueError):
        return None
    try:
        with os.fdopen(handle, "rb") as opened:
            info = os.fstat(opened.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                return None
            data = opened.read(info.st_size + 1)
    except OSError:
        return None
    return data if len(data) <= limit else None


# --- what a file with the right header must hold before anything in it is used ---------------
#
# Checked a column at a time (``set(map(type, ...))`` runs in C): a shard's 7k links are
# checked in a few milliseconds, where a Python loop over them would cost as much as the load.

_Types = frozenset[type]
_STR: _Types = frozenset({str})
_INT: _Types = frozenset({int})
_BOOL: _Types = frozenset({bool})
_BYTES: _Types = frozenset({bytes})
_TUPLE: _Types = frozenset({tuple})
_STR_OR_NONE: _Types = frozenset({str, type(None)})
_FIX_OR_NONE: _Types = frozenset({Fix, type(None)})
_TUPLE_OR_NONE: _Types = frozenset({tuple, type(None)})
_BYTES_OR_NONE: _Types = frozenset({bytes, type(None)})
_FROZENSET: _Types = frozenset({frozenset})
# The shapes of the plain tuples ``model.note_values`` and ``pack_notes`` write.
_PACKED = (_STR, _TUPLE_OR_NONE, _BOOL, _BYTES, _TUPLE)
_STAMP = (_INT, _INT, _INT)
_NOTE = (_STR, *[_TUPLE] * 8, _FROZENSET, _BOOL, _TUPLE)
_LINK_KIND: _Types = frozenset({LinkKind})
_LINK = (
    _LINK_KIND,
    _STR,
    _STR,
    _STR_OR_NONE,
    _STR_OR_NONE,
    *[_INT] * 4,
    _STR_OR_NONE,
    _BOOL,
    _BOOL,
)
_HEADING = (_INT, _STR, _STR, _INT)
_BLOCK = (_STR, _INT, _INT)
_PAIR = (_INT, _INT)
_EDGES = (_BYTES, _BYTES, _BYTES_OR_NONE, _TUPLE)
_STATUS: _Types = frozenset({Status})
_ANSWER = (_STATUS, _STR_OR_NONE, _STR, _BOOL)
_RACY = (_STR, _BYTES)
# The fields of the dataclass records, by name.
_FIX = {"replacement": _STR, **dict.fromkeys(("line", "column", "end_line", "end_column"), _INT)}
_PROBLEM = {"code": _STR, "line": _INT, "column": _INT, "message": _STR, "fix": _FIX_OR_NONE}
_SUPPRESSION = {"codes": _FROZENSET, "first": _INT, "last": _INT}
_SEVERITY: _Types = frozenset({Severity})
_DIAGNOSTIC = {
    "path": _STR,
    "line": _INT,
    "column": _INT,
    "code": _STR,
    "name": _STR,
    "severity": _SEVERITY,
    "message": _STR,
    "fix": _FIX_OR_NONE,
    "subject": _STR,
}


def _tuples(rows: Sequence[Any], shape: Sequence[_Types]) -> bool:
    """Whether each row is a plain tuple of ``len(shape)`` items of those types."""
    if not rows:
        return True
    width = len(shape)
    if set(map(type, rows)) != _TUPLE or set(map(len, rows)) != {width}:
        return False
    found = tuple(map(type, chain.from_iterable(rows)))
    return all(set(found[number::width]) <= types for number, types in enumerate(shape))


def _records(items: Sequence[Any], kind: type, shape: Mapping[str, _Types]) -> bool:
    """Whether each item is a ``kind`` whose fields all hold values of those types."""
    if not items:
        return True
    if set(map(type, items)) != {kind}:
        return False
    try:
        return all(
            set(map(type, map(attrgetter(name), items))) <= types for name, types in shape.items()
        )
    except AttributeError:  # a slot the file left unset
        return False


def _strings(groups: Iterable[Iterable[Any]]) -> bool:
    return set(map(type, chain.from_iterable(groups))) <= _STR


def _column(rows: Sequence[Any], number: int) -> list[Any]:
    """Every item of the tuples in column ``number`` of ``rows``, one list."""
    return list(chain.from_iterable(map(itemgetter(number), rows)))


def _fixes(items: Sequence[Problem] | Sequence[Diagnostic]) -> bool:
    return _records([item.fix for item in items if item.fix is not None], Fix, _FIX)


def _valid_packed(packed: object) -> TypeGuard[list[Any]]:
    """Whether a notes shard holds what ``pack_notes`` writes, every item of its type."""
    if type(packed) is not list or not _tuples(packed, _PACKED):
        return False
    stamps = [item[1] for item in packed if item[1] is not None]
    notes = list(map(itemgetter(4), packed))
    if not (_tuples(stamps, _STAMP) and _tuples(notes, _NOTE)):
        return False
    problems = _column(notes, 7)
    suppressions = _column(notes, 8)
    return (
        _tuples(_column(notes, 1), _LINK)
        and _tuples(_column(notes, 2), _HEADING)
        and _tuples(_column(notes, 3), _BLOCK)
        and _tuples(_column(notes, 5), _PAIR)
        and _strings(map(itemgetter(0), notes))
        and _strings(map(itemgetter(4), notes))
        and _strings(map(itemgetter(6), notes))
        and _strings(map(itemgetter(9), notes))
        and _strings(map(itemgetter(11), notes))
        and _records(problems, Problem, _PROBLEM)
        and _fixes(problems)
        and _records(suppressions, Suppression, _SUPPRESSION)
        and _strings(map(attrgetter("codes"), suppressions))
    )


def _valid_edges(body: object) -> TypeGuard[dict[str, Any]]:
    """Whether an edges shard maps paths to what ``_edges_body`` writes, every item typed."""
    if type(body) is not dict or not _strings([body]):
        return False
    entries = list(body.values())
    return _tuples(entries, _EDGES) and _tuples(_column(entries, 3), _ANSWER)


def _valid_results(results: Results) -> bool:
    """Whether stored findings hold only findings, and their hashes only paths in the vault."""
    found, racy = results.found, results.racy
    if type(results.state) is not bytes or type(racy) is not tuple or type(found) is not dict:
        return False
    if not (_tuples(racy, _RACY) and all(map(_in_vault, map(itemgetter(0), racy)))):
        return False
    # Keys are rule selections (tuples of codes); values tuples of findings.
    if set(map(type, found)) - _TUPLE or set(map(type, found.values())) - _TUPLE:
        return False
    if not _strings(found):
        return False
    items = list(chain.from_iterable(found.values()))
    return _records(items, Diagnostic, _DIAGNOSTIC) and _fixes(items)


def _in_vault(path: str) -> bool:
    """Whether a stored path can only name a file inside the vault."""
    parts = path.split("/")
    return (
        bool(path)
        and "\0" not in path
        and not os.path.isabs(path)
        and (os.sep == "/" or os.sep not in path)
        and not any(part in ("", ".", "..") for part in parts)
    )
