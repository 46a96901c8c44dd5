"""The cache: the engine's state, kept between runs (``incremental.py`` takes it up).

Where: ``$XDG_CACHE_HOME/vaultkit/<hash of the vault's real path>/`` (``~/.cache`` by
default), never inside the vault. What lives there:

- ``state.pickle`` (``State``): what the last run knew of the vault as a whole: every note's
  stamp (size, ``mtime_ns``, ``ctime_ns``) and the hash of the bytes it parsed, every other
  file, a key of the config, and every finding of every rule by note. A run that finds every
  stamp as it was loads this file and nothing else. A stamp taken within ``RACY_NS`` of its
  own modification time proves nothing (the file may change again within the same clock
  tick, keeping its size), so such a note is re-hashed on the next run, as git does with
  racy index entries; a note whose stamp moved but whose bytes did not (a ``git checkout``,
  pre-commit's stash) is not read again either.
- ``notes-NN.pickle`` and ``edges-NN.pickle``: each note's parse and its links' answers,
  spread over ``SHARDS`` shards by a hash of the path, so that a run that finds one note
  changed reads and writes the few shards the change reaches, not the whole vault. The two
  files of a shard carry the token of the write that made them, and the state lists each
  shard's token: a shard written by another run (or half of one: a run stopped between its
  writes) is never taken for this state's; the engine then loads the vault afresh (``Stale``).
  On a cold run the parse workers pack each shard's notes exactly as the file holds them and
  the parent writes those bytes as they come (``pack_notes``).
- ``tables.pickle`` (``Tables``): the engine's reverse tables (which notes looked up which
  name, which notes link to which file): the one model of what depends on what.
- ``renames.pickle``: the renames remembered (``renames.py``).

Every file starts with a magic line, the payload's length and CRC-32, and the pickled payload
opens with a header: a format number, the vaultkit version, a stamp of vaultkit's own source
files (so an edited checkout never trusts answers of the code before), the Python version,
the settings that shape a parse (parent keys, size cap, time bound) and the vault's real path.
A file that is truncated, corrupt, foreign or of another header is ignored and rebuilt, never
trusted and never a crash; unpickling only builds vaultkit's own records (anything else named in the
file is refused, so a tampered file cannot run code). A file with the right header is still only
data from disk: every item's type is checked before it is used (a field of the wrong type, a record
of the wrong length, a slot left unset, a stored hash naming a path outside the vault make the whole
file ignored), column by column over a shard's records (at 10k notes and 214k links the checks cost
0.13 s of CPU on top of the 0.37 s that reading every shard takes; a run reads only the shards it
needs, and the state of a 10k vault is checked in a few milliseconds: its paths in a few scans of
one string). Only a regular file is read (opened with ``O_NOFOLLOW`` and ``O_NONBLOCK``, checked
with ``fstat``): a FIFO, a device or a symlink (to ``/dev/zero``, say) in the cache folder is
ignored and replaced, and so is a file over ``MAX_FILE`` bytes, which bounds what a load can cost.
Files are written atomically (a temporary file in the same folder, then ``os.replace``) and only
when something changed; a cache folder that cannot be written is silently skipped.

Why this format (measured at 10k notes, 214k links, with the cyclic collector paused): the
notes and their answers are pickled as plain tuples and rebuilt with ``tuple.__new__``, which
writes in 0.45 s and reads in 0.3 s. Pickling the records themselves (NamedTuples and slotted
dataclasses) costs a Python call per record each way: 1.0 s to write, 0.43 s to read. marshal
cannot hold the enums, and converting them makes it 0.49 s to write and 0.47 s to read.
Resolving the links again instead of reading them back would cost 0.48 s. The findings are
stored as plain tuples too: the whole vault's (12.5k) load in 0.04 s where the records took
0.25 s, so an unchanged vault costs a scan, a ``stat`` per note and that one load (0.3 s for a
whole ``vaultkit lint`` process at 10k), and a vault with one note edited the state, the
tables and a few shards (0.55 s).
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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
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

FORMAT = 6
SHARDS = 128
# A stamp this close to the file's own modification time may hide a later edit in the same
# clock tick (coarse file times, FAT's 2 s, a network server's clock): verify by hash next time.
RACY_NS = 2_000_000_000
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
    """One cached note: its stamp, whether the stamp proves nothing (racy), hash and parse."""

    stamp: Stamp
    racy: bool
    digest: bytes
    note: Note


class Shard(NamedTuple):
    """What one shard holds: the notes whose paths fall in it (``notes-NN.pickle``) and their
    answers (``edges-NN.pickle``), the two files of one write.

    ``token`` names the write: the state (``State.tokens``) lists the token of each shard it
    was saved with, so a shard written by another run is never taken for this state's.
    ``notes`` are every note of the shard the state knew, ``entries`` those that may be
    reused by hash on a run without a state (a note that could not be read, or timed out, is
    kept but never reused), ``edges`` each note's links with their answers.
    """

    token: bytes
    notes: dict[str, Note]
    entries: dict[str, Entry]
    edges: dict[str, tuple[Edge, ...]]


# One note's findings as the state keeps them: each a plain tuple of its fields.
Packed = tuple[tuple[Any, ...], ...]


class State(NamedTuple):
    """What the last run knew of the vault as a whole: enough to tell what changed since.

    ``stamps`` are every note's (``None`` for a note that must be read again: unreadable, or
    timed out), ``found`` every finding of every rule, by the note it is located in, packed as
    plain tuples (``unpack_findings``: a record's pickle costs a Python call each way, and a
    run unpacks only the notes it reports), and ``tokens`` the shards' tokens followed by the
    engine file's (``Tables``).
    """

    key: bytes
    settings: bytes
    stamps: dict[str, tuple[Stamp, bool, bytes] | None]
    attachments: tuple[str, ...]
    outside: tuple[str, ...]
    found: dict[str, Packed]
    tokens: tuple[bytes, ...]

    @property
    def complete(self) -> bool:
        """Whether every note's findings hold for its stamp (none must be read again)."""
        return None not in self.stamps.values()

    def racy(self) -> Iterator[tuple[str, bytes]]:
        """The notes whose stamps prove nothing, with the hash their findings were made from."""
        for path, held in self.stamps.items():
            if held is not None and held[1]:
                yield path, held[2]


class Tables(NamedTuple):
    """The engine's own tables (``incremental.py``): what each link looked up, by key.

    Each is a key and the notes it names, as tuples: ``aliased`` (note → its aliases as
    written, from which the alias table is built again), ``lookups`` (folded name → the
    notes whose links looked it up), ``incoming`` and ``subpath_incoming`` (file → the notes
    linking to it, and with a heading or block), ``parents`` (note → the notes its ``up``
    links reach); ``broken`` the notes with a broken link.
    """

    token: bytes
    aliased: dict[str, tuple[str, ...]]
    lookups: dict[str, tuple[str, ...]]
    incoming: dict[str, tuple[str, ...]]
    subpath_incoming: dict[str, tuple[str, ...]]
    parents: dict[str, tuple[str, ...]]
    broken: tuple[str, ...]


class Stale(Exception):
    """A shard is not the one the state was saved with: another run wrote it since, or it is
    gone. What was built from the state must be thrown away and the vault loaded afresh."""


def new_token() -> bytes:
    """A name for one write of a shard or of the tables."""
    return os.urandom(8)


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


def stamps(root: Path, paths: Iterable[str]) -> dict[str, Stamp | None]:
    """Each path's stamp (vault-relative paths under ``root``)."""
    base = os.fspath(root)
    join = os.path.join
    return {path: stamp(join(base, path)) for path in paths}


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


def settings_key(config: Config) -> bytes:
    """What of the config findings depend on: all of it but where it came from, ``fail-on``
    and the selection (the state holds every rule's findings; a selection is a view)."""
    settings = tuple(
        getattr(config, item.name)
        for item in fields(config)
        if item.name not in ("source", "fail_on", "select", "ignore")
    )
    return hashlib.blake2b(marshal.dumps(settings), digest_size=16).digest()


def state_key(
    config: Config,
    stamps: Mapping[str, Stamp | None],
    attachments: Sequence[str],
    outside: Sequence[str],
) -> bytes:
    """One vault's state as far as findings go: every note's stamp, every file, the config."""
    data = marshal.dumps(
        (tuple(stamps.items()), tuple(attachments), tuple(outside), settings_key(config))
    )
    return hashlib.blake2b(data, digest_size=16).digest()


class Store:
    """The cache files of one vault: shards, state and tables, each read and written whole.

    A shard is read only when asked for (``shard``), so a run that finds one note changed
    reads the state, the tables and the few shards the change reaches.
    """

    def __init__(self, root: Path, config: Config) -> None:
        self.folder = folder(root)
        self._header = _header(root, config)

    def _file(self, kind: str, number: int) -> Path:
        return self.folder / f"{kind}-{number:02d}.pickle"

    def shard(self, number: int) -> Shard | None:
        """The shard as stored, or None when it is missing, not to be trusted, or its two
        files are not of the same write."""
        raw = self.raw(number)
        return None if raw is None else decode(number, raw)

    def entries(self, number: int) -> dict[str, Entry]:
        """The notes of one shard that may be reused by hash, from its notes file alone."""
        body = _read(self._file("notes", number), self._header)
        if not _token_and(body, bytes):
            return {}
        assert isinstance(body, tuple)
        try:
            packed = _Unpickler(io.BytesIO(body[1])).load()
            if not _valid_packed(packed):
                return {}
            found = {path: entry for path, entry, _ in _unpacked(packed) if entry is not None}
        except _UNREADABLE:
            return {}
        return found if all(shard_of(path) == number for path in found) else {}

    def raw(self, number: int) -> Raw | None:
        """A shard's two files as read, their contents not yet unpacked (``decode``); None when
        a file is missing or damaged, or the two are not of the same write."""
        notes = _read(self._file("notes", number), self._header)
        answers = _read(self._file("edges", number), self._header)
        if not (_token_and(notes, bytes) and _token_and(answers, bytes)):
            return None
        assert isinstance(notes, tuple) and isinstance(answers, tuple)
        if notes[0] != answers[0]:
            return None
        return Raw(notes[0], notes[1], answers[1])

    def write_notes(self, number: int, token: bytes, packed: bytes) -> None:
        """Store a shard's notes, packed by ``pack_notes``, as the write ``token``."""
        _write(self._file("notes", number), self._header, (token, packed))

    def write_edges(self, number: int, token: bytes, edges: Mapping[str, Sequence[Edge]]) -> None:
        """Store the answers of a shard's notes, as the write ``token`` (its notes' token)."""
        body = {path: tuple([edge[2:] for edge in answers]) for path, answers in edges.items()}
        packed = pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)
        _write(self._file("edges", number), self._header, (token, packed))

    def remove_shard(self, number: int) -> None:
        _remove(self._file("notes", number))
        _remove(self._file("edges", number))

    def state(self) -> State | None:
        """The state the last run saved, or None."""
        body = _read(self.folder / "state.pickle", self._header)
        if not (type(body) is tuple and len(body) == len(State._fields)):
            return None
        state = State(*body)
        return state if _valid_state(state) else None

    def save_state(self, state: State) -> None:
        _write(self.folder / "state.pickle", self._header, tuple(state))

    def tables(self, token: bytes) -> Tables | None:
        """The engine's tables saved with ``token``, or None."""
        body = _read(self.folder / "tables.pickle", self._header)
        if not (type(body) is tuple and len(body) == len(Tables._fields)) or body[0] != token:
            return None
        tables = Tables(*body)
        return tables if _valid_tables(tables) else None

    def save_tables(self, tables: Tables) -> None:
        _write(self.folder / "tables.pickle", self._header, tuple(tables))


class Raw(NamedTuple):
    """A shard's two files as read: the write's token, the notes and the answers still packed.

    Reading is cheap (a long-lived engine reads every shard at once, so that no later look
    depends on files other runs rewrite); ``decode`` does the unpacking and the checks."""

    token: bytes
    notes: bytes
    edges: bytes


def decode(number: int, raw: Raw) -> Shard | None:
    """The shard ``raw`` holds, every item checked; None when it is not to be trusted."""
    try:
        packed = _Unpickler(io.BytesIO(raw.notes)).load()
        raw_edges = _Unpickler(io.BytesIO(raw.edges)).load()
        if not _valid_packed(packed) or not _valid_edges(raw_edges):
            return None
        unpacked = _unpacked(packed)
        notes = {path: note for path, _, note in unpacked}
        if (
            not all(shard_of(path) == number for path in notes)
            or not raw_edges.keys() <= notes.keys()
        ):
            return None
        entries = {path: entry for path, entry, _ in unpacked if entry is not None}
        edges = {
            path: tuple(
                [
                    _new(Edge, (path, link, *rest))
                    for link, rest in zip(notes[path].links, answers, strict=True)
                ]
            )
            for path, answers in raw_edges.items()
        }
    except _UNREADABLE:
        return None
    return Shard(raw.token, notes, entries, edges)


def _token_and(body: object, kind: type) -> bool:
    """Whether a shard file's body is a write token and a value of type ``kind``."""
    return (
        type(body) is tuple and len(body) == 2 and type(body[0]) is bytes and type(body[1]) is kind
    )


def pack_findings(items: Iterable[Diagnostic]) -> Packed:
    """Findings as the state keeps them (``unpack_findings`` gives them back)."""
    return tuple(map(_finding_values, items))


def unpack_findings(packed: Packed) -> tuple[Diagnostic, ...]:
    """The findings ``pack_findings`` packed (of a state that passed its checks)."""
    return tuple(map(_finding, packed))


def _finding_values(item: Diagnostic) -> tuple[object, ...]:
    fix, suggested = item.fix, item.suggested
    return (
        item.path,
        item.line,
        item.column,
        item.code,
        item.name,
        int(item.severity),
        item.message,
        None if fix is None else _fix_values(fix),
        item.suggestions,
        None if suggested is None else _fix_values(suggested),
        item.subject,
    )


def _fix_values(fix: Fix) -> tuple[object, ...]:
    return fix.replacement, fix.line, fix.column, fix.end_line, fix.end_column, fix.safe


def _finding(values: tuple[Any, ...]) -> Diagnostic:
    path, line, column, code, name, severity, message, fix, suggestions, suggested, subject = values
    return Diagnostic(
        path,
        line,
        column,
        code,
        name,
        Severity(severity),
        message,
        None if fix is None else Fix(*fix),
        suggestions,
        None if suggested is None else Fix(*suggested),
        subject,
    )


def reusable_notes(root: Path, config: Config) -> dict[str, Entry]:
    """Every note the shards hold that may be reused by hash (a cold run's parses).

    Only the notes files are read: each entry is trusted for its own hash, whatever the
    shard's answers or token, and a cold run answers every link again anyway.
    """
    store = Store(root, config)
    entries: dict[str, Entry] = {}
    for number in range(SHARDS):
        entries.update(store.entries(number))
    return entries


def in_background(write: Callable[[], None]) -> Callable[[], None]:
    """Run ``write`` in a forked child; returns what waits for it.

    The caller goes on (checking the rules) while the child encodes and writes; it must call
    the returned ``wait`` before it is done, so the cache is complete when the command ends.
    Without ``fork``, or while other threads run (forking them is unsafe), it writes now.
    """
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


def _now(write: Callable[[], None]) -> Callable[[], None]:
    write()
    return _nothing


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

    The blob a parse worker sends back is the very notes part of a shard: on a cold run the
    parent stores it as it is instead of encoding and pickling every note again (half a
    second at 10k). A note that must not be reused (unreadable, timed out, no stamp) is
    packed with no stamp: it is the state's note, but no run takes it for the file's.
    """
    packed: list[tuple[str, Stamp | None, bool, bytes, tuple[object, ...]]] = []
    for path, note, hashed in loaded:
        found = stamps.get(path)
        if found is None or hashed is None or not cacheable(note):
            packed.append((path, None, False, b"", note_values(note)))
        else:
            packed.append((path, found, is_racy(found, started), hashed, note_values(note)))
    return pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL)


def pack_held(
    notes: Mapping[str, Note], held: Mapping[str, tuple[Stamp, bool, bytes] | None]
) -> bytes:
    """``pack_notes`` for notes already known, each with its stamp, racy flag and hash."""
    packed: list[tuple[str, Stamp | None, bool, bytes, tuple[object, ...]]] = []
    for path, note in notes.items():
        found = held.get(path)
        if found is None:
            packed.append((path, None, False, b"", note_values(note)))
        else:
            packed.append((path, found[0], found[1], found[2], note_values(note)))
    return pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_notes(blob: bytes) -> list[tuple[str, Entry | None, Note]]:
    """What ``pack_notes`` packed: each note, with its cache entry when it may be reused."""
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


def verified(root: Path, racy: Iterable[tuple[str, bytes]]) -> bool:
    """Whether the notes whose stamps prove nothing still hold the bytes the findings saw."""
    return all(file_digest(os.path.join(root, path)) == hashed for path, hashed in racy)


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
    ("vaultkit.cache", "State"): State,
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
_STATUS: _Types = frozenset({Status})
_ANSWER = (_STATUS, _STR_OR_NONE, _STR, _BOOL)
_HELD = (_TUPLE, _BOOL, _BYTES)
_FINDING = (
    _STR,
    _INT,
    _INT,
    _STR,
    _STR,
    _INT,
    _STR,
    _TUPLE_OR_NONE,
    _TUPLE,
    _TUPLE_OR_NONE,
    _STR_OR_NONE,
)
_FIX_VALUES = (_STR, _INT, _INT, _INT, _INT, _BOOL)
_SEVERITIES = frozenset(int(severity) for severity in Severity)
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
    "suggestions": _TUPLE,
    "suggested": _FIX_OR_NONE,
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
    """Whether a shard's answers map paths to tuples of what ``write_shard`` stores."""
    if type(body) is not dict or not _strings([body]):
        return False
    answers = list(body.values())
    if set(map(type, answers)) - _TUPLE:
        return False
    return _tuples(list(chain.from_iterable(answers)), _ANSWER)


def _valid_state(state: State) -> bool:
    """Whether a state holds only what ``State`` says, and its paths only paths in the vault."""
    stamps = state.stamps
    found: dict[str, Any] = state.found  # plain tuples as read (``save_state``)
    if type(state.key) is not bytes or type(state.settings) is not bytes:
        return False
    if type(stamps) is not dict or type(found) is not dict:
        return False
    if type(state.tokens) is not tuple or set(map(type, state.tokens)) - _BYTES:
        return False
    if len(state.tokens) != SHARDS + 1:
        return False
    for files in (state.attachments, state.outside):
        if type(files) is not tuple or not _strings([files]):
            return False
    held = [item for item in stamps.values() if item is not None]
    if not _tuples(held, _HELD) or not _tuples(list(map(itemgetter(0), held)), _STAMP):
        return False
    paths = [*stamps, *found, *state.attachments, *state.outside]
    if not _strings([paths]) or not _all_in_vault(paths):
        return False
    if set(map(type, found.values())) - _TUPLE:
        return False
    items = list(chain.from_iterable(found.values()))
    if not _tuples(items, _FINDING):
        return False
    fixes = [item[7] for item in items if item[7] is not None]
    fixes += [item[9] for item in items if item[9] is not None]
    return (
        _tuples(fixes, _FIX_VALUES)
        and _strings(map(itemgetter(8), items))
        and set(map(itemgetter(5), items)) <= _SEVERITIES
    )


def _valid_tables(tables: Tables) -> bool:
    """Whether the engine's tables are maps of strings to tuples of strings, as written."""
    maps = tables[1:-1]
    if not all(type(table) is dict for table in maps) or type(tables.broken) is not tuple:
        return False
    if not _strings([tables.broken]):
        return False
    for table in maps:
        values = list(table.values())
        if not _strings([table]) or set(map(type, values)) - _TUPLE or not _strings(values):
            return False
    return True


# What no path inside the vault holds once each is put between NUL bytes: an empty part, a
# ``.`` or ``..`` part, a leading ``/`` (and a NUL of its own, which the count catches).
_OUTSIDE_MARKS = (
    "\0\0",
    "\0/",
    "/\0",
    "//",
    "/./",
    "/../",
    "\0./",
    "\0../",
    "/.\0",
    "/..\0",
    "\0.\0",
    "\0..\0",
)


def _all_in_vault(paths: Sequence[str]) -> bool:
    """``all(map(_in_vault, paths))``, a few scans of one string instead of a call a path."""
    if os.sep != "/":
        return all(map(_in_vault, paths))
    joined = "\0" + "\0".join(paths) + "\0"
    if joined.count("\0") != len(paths) + 1:
        return False
    return not any(mark in joined for mark in _OUTSIDE_MARKS)


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
