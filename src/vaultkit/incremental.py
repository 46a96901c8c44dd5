"""The engine: the one way a vault is loaded and kept linted.

``IncrementalVault`` keeps what a full run computes — the parsed notes, the index, every
note's resolved links and every finding of every rule, filed by the note it is located in —
together with reverse tables from what a link looks up (a folded file name, a folded alias, a
target's headings) to the notes whose links looked it up. ``update(changed)`` re-reads and
re-parses only the changed files, patches the index (``index.Files``), re-resolves only the
links whose answer can have changed, and re-runs the rules only for the notes whose findings
can have changed. The answer is, by construction and by a property test, ``lint`` of the plain
pipeline (``pipeline.plain_vault``) of the vault as it now stands.

Where its state comes from:

- cold (``open`` with no state to trust): every note is parsed (across processes when that
  pays, ``parallel.py``; notes whose bytes the cache has already parsed are reused), the vault
  resolved and linted, and ``save`` writes the state (``cache.py``);
- warm, the hooks and any later run: ``open`` takes up the saved state, finds the files whose
  stamps (then hashes) changed, and updates it with them like any other change; only the
  shards of the notes the update reaches are read (``_Shelf``);
- ``watch`` and the language server: the same engine, loaded once and kept in memory.

Every rule runs, whatever the selection: ``select`` and ``ignore`` choose only which findings
are shown, so one saved state serves every selection.

The rules themselves are reused, not re-implemented: each update runs them
(``findings.check``) over a *focused* view of the vault (a ``Vault`` whose notes iterate only
the dirty ones but look up any note, and whose edges are the few the rules need), keeping only
the findings located in the notes the view is exact for. Rules fall in five families by what
they look at beyond one note and its own links:

- local: a note's problems, its links' answers, its aliases against the index (VK212,
  VK213), its parents (VK303); exact for any note whose inputs are all in the view;
- orphans (VK201): a note is reached when one other note links to it, or it has a parent;
- case collisions (VK220): the paths that fold to the same key;
- hierarchy cycles (VK302): the ``up`` edges reachable from the notes whose parents changed;
- suggestions (VK101, VK301): a broken link's message names the vault's close names and
  aliases, so these rules see every note, and run again for the notes with a broken link
  whose target is close to a file that came or went or an alias that changed
  (``suggest.may_change``: equal or one edit apart, with or without extensions).

Reading files happens only at the edge (``load_note_hashed`` and an ``lstat`` per changed
path, ``scan.classify``); the rest is a function of the records kept. ``edit`` lets a text
stand in for a file's bytes (an editor's unsaved buffer, for the language server): it is read
exactly as the file's bytes would be, and only while the file is a note of the vault. The
engine is not thread-safe.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from vaultkit import cache, renames
from vaultkit.config import Config, glob_matcher, load_config
from vaultkit.findings import check, selected
from vaultkit.index import Files, Index
from vaultkit.load import load_note_hashed
from vaultkit.model import (
    Diagnostic,
    Edge,
    Note,
    Status,
    Vault,
    diagnostic_order,
    finding_key,
)
from vaultkit.parallel import MIN_NOTES, collector_paused, parse_groups
from vaultkit.parse import parse_note, unreadable_note
from vaultkit.pipeline import plain_vault
from vaultkit.read import text_of
from vaultkit.resolve import Resolver, resolve_vault
from vaultkit.rules import RULES
from vaultkit.scan import Kind, Scan, classify, files_under, scan_vault
from vaultkit.suggest import (
    cached_suggester,
    keep_suggester,
    keys_close,
    name_keys,
    target_keys,
)
from vaultkit.text import fold

# The rules that look beyond one note and its own links; every other rule is local.
ORPHAN_CODES = frozenset({"VK201"})
COLLISION_CODES = frozenset({"VK220"})
CYCLE_CODES = frozenset({"VK302"})
NAME_CODES = frozenset({"VK101", "VK301"})
_WIDE = ORPHAN_CODES | COLLISION_CODES | CYCLE_CODES | NAME_CODES


@dataclass(frozen=True, slots=True)
class Delta:
    """What one update changed: findings that appeared, findings that went away, and the
    files it found changed (empty when every path named was unchanged or never read)."""

    new: tuple[Diagnostic, ...] = ()
    fixed: tuple[Diagnostic, ...] = ()
    files: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Deps:
    """What one note's resolved links looked up, and where they lead (tuples: they are many)."""

    lookups: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    subpath_targets: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    broken: bool = False


_NO_DEPS = _Deps()


@dataclass(slots=True)
class _Work:
    """What one update has touched so far."""

    files: set[str] = field(default_factory=set)
    notes: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    anchors: set[str] = field(default_factory=set)
    reach: set[str] = field(default_factory=set)
    hierarchy: set[str] = field(default_factory=set)
    old_parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    outside: bool = False
    # Files that came, went or changed kind, and notes whose aliases changed: what the names
    # suggestions are drawn from.
    named: set[str] = field(default_factory=set)


class _Focus(Mapping[str, Note]):
    """All notes to look up, but only the focused ones to iterate over."""

    def __init__(self, notes: Mapping[str, Note], focus: Sequence[str]) -> None:
        self._notes = notes
        self._focus = focus

    def __getitem__(self, path: str) -> Note:
        return self._notes[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._focus)

    def __len__(self) -> int:
        return len(self._focus)


def _name_key(path: str) -> str:
    return fold(path).rsplit("/", 1)[-1]


def _alias_keys(note: Note | None) -> frozenset[str]:
    return frozenset(fold(alias) for alias in note.aliases) if note is not None else frozenset()


def _anchors(note: Note | None) -> object:
    """What links with ``#heading`` or ``#^block`` into the note are checked against."""
    if note is None:
        return None
    headings = tuple((heading.level, heading.key) for heading in note.headings)
    blocks = frozenset(block.id for block in note.blocks)
    return note.readable, headings, blocks, frozenset(note.unspaced_blocks)


def _report_order(item: Diagnostic) -> tuple[str, int, int, str, str]:
    return (*diagnostic_order(item), item.message)


_V = TypeVar("_V")
# Every rule runs in the engine; a selection only chooses which findings it shows.
_ALL_CODES = frozenset(rule.code for rule in RULES)


class _Shelf(MutableMapping[str, _V]):
    """Values by note path, those not yet needed left on disk and read a shard at a time.

    ``keys`` are every path the shelf holds; ``fetch`` fills ``values`` with the paths of one
    shard. Once every shard is read the shelf is a plain dict behind one test.
    """

    def __init__(
        self,
        values: dict[str, _V],
        keys: set[str] | None = None,
        fetch: Callable[[str], None] | None = None,
    ) -> None:
        self.loaded = values
        self.every = keys
        self._fetch = fetch

    def __getitem__(self, path: str) -> _V:
        try:
            return self.loaded[path]
        except KeyError:
            if self.every is None or path not in self.every or self._fetch is None:
                raise
        self._fetch(path)
        return self.loaded[path]

    def get(self, path: str, default: Any = None) -> Any:
        found = self.loaded.get(path)
        if found is not None or self.every is None or path not in self.every:
            return found if found is not None else default
        return self[path]

    def __contains__(self, path: object) -> bool:
        return path in (self.loaded if self.every is None else self.every)

    def __iter__(self) -> Iterator[str]:
        return iter(self.loaded if self.every is None else self.every)

    def __len__(self) -> int:
        return len(self.loaded if self.every is None else self.every)

    def __setitem__(self, path: str, value: _V) -> None:
        self.loaded[path] = value
        if self.every is not None:
            self.every.add(path)

    def __delitem__(self, path: str) -> None:
        if self.every is None:
            del self.loaded[path]
            return
        self.every.remove(path)
        self.loaded.pop(path, None)

    def whole(self) -> None:
        """Every path is read now: drop the key set."""
        self.every = None


@dataclass(frozen=True, slots=True)
class _Opening:
    """What a run found before taking up or building the engine: the vault and its config,
    the selection, the files, each note's stamp (taken just after ``started``), the cache and
    the key of the vault's state as found."""

    root: Path
    config: Config
    select: Sequence[str] | None
    ignore: Sequence[str]
    scan: Scan
    stamps: Mapping[str, cache.Stamp | None]
    started: int
    store: cache.Store
    key: bytes


@dataclass(slots=True)
class _Saved:
    """How the engine's state stands against the cache files it came from or goes to."""

    opening: _Opening
    # Each note's stamp, whether the stamp proves nothing, and the hash of the bytes parsed
    # (None: read again next time).
    held: dict[str, tuple[cache.Stamp, bool, bytes] | None]
    # The token each shard file has on disk, for the shards of this state.
    tokens: list[bytes]
    # Shards whose notes or answers changed since they were read (every shard when cold).
    dirty: set[int] = field(default_factory=set)
    # Shards whose notes are on disk already under their token (a cold run writes the notes
    # as the parse workers packed them, as they come): only their answers are left to write.
    written: set[int] = field(default_factory=set)
    # The shards read so far.
    read: set[int] = field(default_factory=set)
    # Shards read from disk but not unpacked yet (``hold``).
    raw: dict[int, cache.Raw] = field(default_factory=dict)
    tables: bytes = b""
    tables_dirty: bool = True
    # Whether the state differs from the one on disk (a run that changed nothing writes nothing).
    state_dirty: bool = True


class IncrementalVault:
    """A linted vault that re-lints itself from the set of paths that changed.

    Build it with ``open`` (or ``from_vault``), then call ``update`` with the vault-relative
    paths of the files or folders that were created, modified, deleted, or moved (both the
    old and the new path). ``diagnostics()`` is then what ``lint`` of a freshly loaded vault
    would return, with the same ``select`` and ``ignore``.

    Every rule runs; ``select`` and ``ignore`` only choose the findings shown, so the state
    saved in the cache serves every selection.
    """

    def __init__(
        self,
        vault: Vault,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
        *,
        files: Files | None = None,
    ) -> None:
        """Take over ``vault``; ``files``, when given, are the tables its index is a view of
        (the engine keeps them rather than building its own)."""
        self._select = tuple(select) if select else None
        self._ignore = tuple(ignore)
        # Texts that stand in for the files' bytes (editors' unsaved buffers), by path.
        self._texts: dict[str, str] = {}
        # Notes read ahead of an update (``_cache_renames``), taken by it (``_refresh``).
        self._preloaded: dict[str, tuple[Note, bytes | None]] = {}
        self._saved: _Saved | None = None
        self._build(vault, files)

    @classmethod
    def from_vault(
        cls, vault: Vault, select: Sequence[str] | None = None, ignore: Sequence[str] = ()
    ) -> IncrementalVault:
        """Take over a vault loaded by ``load_vault``; ``select``/``ignore`` are ``lint``'s."""
        return cls(vault, select, ignore)

    @classmethod
    def load(
        cls,
        root: Path | str,
        config: Config | None = None,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
    ) -> IncrementalVault:
        """Load and lint the vault at ``root`` for a process that keeps it (watch, the
        language server): from the cache, then every note read, so that no later look at a
        note depends on the cache files (which other runs rewrite)."""
        root = Path(root).resolve()
        engine = cls.open(root, config or load_config(root), select, ignore)
        engine.hold()
        engine.save()
        return engine

    @classmethod
    def open(
        cls,
        root: Path,
        config: Config,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
        *,
        use_cache: bool = True,
        scan: Scan | None = None,
    ) -> IncrementalVault:
        """The engine for the vault at ``root`` (absolute) as it is now.

        With ``use_cache``, the state the last run saved is taken up and updated with the
        files that changed since (stamps first, then hashes); without a state to trust, the
        vault is loaded cold, reusing the parses of unchanged notes, and ``save`` writes the
        state for next time. Without ``use_cache`` nothing is read or written: it is the
        plain pipeline (``pipeline.plain_vault``), linted.
        """
        if scan is None:
            scan = scan_vault(root, glob_matcher(config.exclude))
        if not use_cache:
            with collector_paused(freeze=True):
                return cls(plain_vault(root, config, scan), select, ignore)
        started = time.time_ns()
        stamps = cache.stamps(root, scan.notes)
        store = cache.Store(root, config)
        return cls.resume(root, config, select, ignore, scan, started, stamps, store, store.state())

    @classmethod
    def resume(
        cls,
        root: Path,
        config: Config,
        select: Sequence[str] | None,
        ignore: Sequence[str],
        scan: Scan,
        started: int,
        stamps: Mapping[str, cache.Stamp | None],
        store: cache.Store,
        state: cache.State | None,
        key: bytes | None = None,
    ) -> IncrementalVault:
        """``open`` for a caller that has scanned the vault, taken its notes' stamps (just
        after ``started``) and read the saved state already (and maybe made its ``key``)."""
        if key is None:
            key = cache.state_key(config, stamps, scan.attachments, scan.outside)
        opening = _Opening(root, config, select, ignore, scan, stamps, started, store, key)
        with collector_paused(freeze=True):
            if state is not None and state.settings != cache.settings_key(config):
                state = None  # another config: every answer may differ
            tables = store.tables(state.tokens[-1]) if state is not None else None
            if state is not None and tables is not None:
                try:
                    return cls._restored(opening, state, tables)
                except cache.Stale:
                    pass
            return cls._cold(opening)

    # --- the state --------------------------------------------------------------------------

    def _build(self, vault: Vault, files: Files | None = None) -> None:
        self._take(vault.root, vault.config)
        self._renames: Mapping[str, str] = vault.renames
        self._notes: _Shelf[Note] = _Shelf(dict(vault.notes))
        self._files(vault.notes, vault.attachments, vault.index.outside, vault.index.aliased, files)
        self._edges: _Shelf[tuple[Edge, ...]] = _Shelf(dict.fromkeys(self._notes, ()))
        by_source: dict[str, list[Edge]] = {}
        for edge in vault.edges:
            by_source.setdefault(edge.source, []).append(edge)
        for source, edges in by_source.items():
            self._edges[source] = tuple(edges)
        self._tables_from_edges()
        self._index = self._new_index()
        self._found: dict[str, tuple[Diagnostic, ...]] = {}
        # Findings taken up from the cache, unpacked when first asked for (``_found_of``).
        self._packed: dict[str, cache.Packed] = {}
        for item in check(vault, (rule for rule in RULES if rule.code in self._codes)):
            self._found[item.path] = (*self._found.get(item.path, ()), item)

    def _take(self, root: Path, config: Config) -> None:
        """The settings of the vault at ``root``."""
        self.root = root
        self.config = config
        self._excluded = glob_matcher(config.exclude)
        self._parent_keys = frozenset(config.parent_keys)
        self._codes = _ALL_CODES
        shown = selected(config, self._select, self._ignore)
        self._shown = frozenset(rule.code for rule in shown)
        # Broken link targets as suggestions compare them: the same targets recur.
        self._target_keys: dict[str, tuple[str, ...]] = {}
        self._name_index: Index | None = None
        # One string per distinct key: the same names are looked up from thousands of notes.
        self._keys: dict[str, str] = {}
        # What each note's links looked up, worked out when the note's links next change.
        self._deps: dict[str, _Deps] = {}
        # Broken targets by key, built when names first move (``_near_index``).
        self._near: dict[str, set[str]] | None = None
        self._near_filed: dict[str, tuple[str, ...]] = {}
        self._near_stale: set[str] = set()

    def _files(
        self,
        notes: Iterable[str],
        attachments: Iterable[str],
        outside: Iterable[str],
        aliased: Mapping[str, tuple[str, ...]],
        files: Files | None = None,
    ) -> None:
        """The vault's files and the lookup tables over them (``index.Files``)."""
        if files is None:
            files = Files(notes, attachments, outside, aliased)
        self._index_files = files
        # The same tables, by the names the engine reads them by.
        self._attachments = files.attachments
        self._outside = files.outside
        self._kinds = files.kinds
        self._folders = files.folders
        self._groups = files.groups
        self._names = files.names
        self._paths = files.paths
        self._aliases = files.aliases
        self._aliased = files.aliased

    def _new_index(self) -> Index:
        return self._index_files.index()

    def _tables_from_edges(self) -> None:
        """The reverse tables, built from every note's answers in one pass."""
        lookups: dict[str, list[str]] = {}
        incoming: dict[str, list[str]] = {}
        subpath_incoming: dict[str, list[str]] = {}
        self._parents_of: dict[str, tuple[str, ...]] = {}
        self._broken: set[str] = set()
        for source, edges in self._edges.items():
            deps = self._dependencies(source, edges)
            for key in deps.lookups:
                lookups.setdefault(key, []).append(source)
            for target in deps.targets:
                incoming.setdefault(target, []).append(source)
            for target in deps.subpath_targets:
                subpath_incoming.setdefault(target, []).append(source)
            if deps.parents:
                self._parents_of[source] = deps.parents
            if deps.broken:
                self._broken.add(source)
        # Folded link names → the notes whose links looked them up. A name without a folder
        # is also the alias it would be looked up as, so one table serves names and aliases.
        # Tuples, not sets: a tenth of the memory, and saved as they are.
        self._lookups = _frozen(lookups)
        self._incoming = _frozen(incoming)
        self._subpath_incoming = _frozen(subpath_incoming)

    @classmethod
    def _restored(
        cls, opening: _Opening, state: cache.State, tables: cache.Tables
    ) -> IncrementalVault:
        """The engine as the last run saved it, then updated with what changed since."""
        root, config, scan, key = opening.root, opening.config, opening.scan, opening.key
        self = cls.__new__(cls)
        self._select = tuple(opening.select) if opening.select else None
        self._ignore = tuple(opening.ignore)
        self._texts = {}
        self._preloaded = {}
        self._take(root, config)
        held = dict(state.stamps)
        self._saved = _Saved(opening, held, list(state.tokens[:-1]))
        self._saved.tables = state.tokens[-1]
        self._saved.tables_dirty = False
        self._notes = _Shelf({}, set(held), self._fetch)
        self._edges = _Shelf({}, set(held), self._fetch)
        self._files(held, state.attachments, state.outside, tables.aliased)
        self._lookups = dict(tables.lookups)
        self._incoming = dict(tables.incoming)
        self._subpath_incoming = dict(tables.subpath_incoming)
        self._parents_of = dict(tables.parents)
        self._broken = set(tables.broken)
        self._index = self._new_index()
        self._found = {}
        self._packed = dict(state.found)
        changed = _changed(root, state, scan, opening.stamps, opening.started, held)
        if len(changed) > max(MIN_NOTES, len(scan.notes) // 5):
            # A checkout of another branch, a sync: parsed across processes, the rest reused.
            raise cache.Stale("too many files changed to update one by one")
        self._saved.state_dirty = bool(changed) or key != state.key or held != state.stamps
        remembered = self._cache_renames(state, scan, changed)
        self._renames = renames.KnownRenames(root, config, self._notes, remembered, store=True)
        self.update(changed)
        return self

    def _cache_renames(self, state: cache.State, scan: Scan, changed: set[str]) -> dict[str, str]:
        """The renames remembered, with those this run sees (notes gone, notes come)."""
        remembered = cache.load_renames(self.root, self.config)
        present = set(scan.notes)
        gone = [path for path in state.stamps if path not in present]
        came = [path for path in changed if path in present and path not in state.stamps]
        if not gone or not came:
            return remembered
        vanished = {}
        for path in gone:
            held = state.stamps[path]
            if held is not None:
                vanished[path] = (held[2], held[0][0], self._notes[path])
        appeared = {}
        for path in came:
            loaded = load_note_hashed(self.root, path, self.config, self._parent_keys)
            # Read once: the update that follows takes this parse (``_refresh``).
            self._preloaded[path] = loaded
            note, hashed = loaded
            found = self._saved.opening.stamps.get(path) if self._saved is not None else None
            if hashed is not None and found is not None:
                appeared[path] = (hashed, found[0], note)
        everything = [self._notes[path] for path in self._notes if path in present]
        everything += [seen[2] for seen in appeared.values()]
        return _with_renames_seen(
            self.root, self.config, remembered, vanished, appeared, everything
        )

    @classmethod
    def _cold(cls, opening: _Opening) -> IncrementalVault:
        """The whole vault loaded, the parses of notes whose bytes are unchanged reused."""
        root, config, scan, stamps = opening.root, opening.config, opening.scan, opening.stamps
        started, store = opening.started, opening.store
        old = cache.reusable_notes(root, config)
        base = os.fspath(root)
        held: dict[str, tuple[cache.Stamp, bool, bytes] | None] = {}
        notes: dict[str, Note] = {}
        fresh: list[str] = []
        for path in scan.notes:
            found = stamps[path]
            entry = old.get(path)
            if found is None or entry is None:
                fresh.append(path)
            elif entry.stamp == found and not entry.racy:
                held[path] = (found, False, entry.digest)
                notes[path] = entry.note
            elif cache.file_digest(os.path.join(base, path)) == entry.digest:
                held[path] = (found, cache.is_racy(found, started), entry.digest)
                notes[path] = entry.note
            else:
                fresh.append(path)
        # The stamps were taken before the parse reads the files, and the hash is of the bytes
        # parsed: if a file changes in between, its next stamp differs from the one kept, and
        # the hash then tells whether the kept parse still holds.
        # Parsed a shard at a time, and packed by the workers as the cache stores them: a
        # shard whose notes are all new is written as it came, with a new token.
        reused = {cache.shard_of(path) for path in notes}
        shards: dict[int, list[str]] = {}
        for path in fresh:
            shards.setdefault(cache.shard_of(path), []).append(path)
        groups = [(paths, _packer(paths, stamps, started)) for paths in shards.values()]
        tokens = [b""] * cache.SHARDS
        written: set[int] = set()
        for number, blob in zip(shards, parse_groups(root, groups, config), strict=True):
            for path, entry, note in cache.unpack_notes(blob):
                notes[path] = note
                held[path] = (entry.stamp, entry.racy, entry.digest) if entry is not None else None
            if number not in reused:
                tokens[number] = cache.new_token()
                store.write_notes(number, tokens[number], blob)
                written.add(number)
        remembered = _renamed(root, config, old, held, notes)
        ordered = {path: notes[path] for path in scan.notes}
        aliased = {path: note.aliases for path, note in ordered.items() if note.aliases}
        files = Files(ordered, scan.attachments, scan.outside, aliased)
        vault = resolve_vault(root, config, ordered, scan.attachments, files.index())
        vault = replace(
            vault, renames=renames.KnownRenames(root, config, ordered, remembered, store=True)
        )
        engine = cls(vault, opening.select, opening.ignore, files=files)
        engine._saved = _Saved(opening, held, tokens)
        engine._saved.dirty = set(range(cache.SHARDS))
        engine._saved.written = written
        return engine

    def hold(self) -> None:
        """Read every shard the engine has not needed yet, leaving them packed until they are:
        from now on no look at a note depends on the cache files, which other runs rewrite."""
        saved = self._saved
        if saved is None or self._notes.every is None:
            return
        wanted = {cache.shard_of(path) for path in self._notes.every - self._notes.loaded.keys()}
        for number in sorted(wanted - saved.read - saved.raw.keys()):
            raw = saved.opening.store.raw(number)
            if raw is None or raw.token != saved.tokens[number]:
                self.read_all()  # which loads the vault afresh
                return
            saved.raw[number] = raw

    def read_all(self) -> None:
        """Read every note the engine has not needed yet, so it no longer needs the cache."""
        if self._notes.every is None:
            return
        try:
            with collector_paused(freeze=True):
                for path in sorted(self._notes.every - self._notes.loaded.keys()):
                    if path not in self._notes.loaded:
                        self._fetch(path)
        except cache.Stale:
            # Another run rewrote a shard since this state was saved: load the vault afresh.
            saved = self._saved
            assert saved is not None
            cold = self._cold(saved.opening)
            texts = self._texts
            # This engine becomes the fresh one: its callers keep their reference to it.
            self.__dict__.update(cold.__dict__)
            if texts:
                self._texts = texts
                self.update(texts)
            return
        self._notes.whole()
        self._edges.whole()

    def _fetch(self, path: str) -> None:
        """Read the shard holding ``path``'s note and answers, as this state saved it."""
        saved = self._saved
        number = cache.shard_of(path)
        if saved is None or number in saved.read:
            raise cache.Stale(path)
        raw = saved.raw.pop(number, None) or saved.opening.store.raw(number)
        with collector_paused(freeze=True):
            shard = cache.decode(number, raw) if raw is not None else None
        if shard is None or shard.token != saved.tokens[number]:
            raise cache.Stale(path)
        saved.read.add(number)
        _fill(self._notes, shard.notes)
        _fill(self._edges, shard.edges)
        if path not in self._notes.loaded and path in self._notes:
            raise cache.Stale(path)
        if path not in self._edges.loaded and path in self._edges:
            raise cache.Stale(path)

    def save(self) -> None:
        """Write what changed to the cache: the shards touched, the tables, then the state.

        Each shard gets a new token, and the state lists them last: a run that stops half
        way leaves a state whose shards do not all match, which the next run notices shard by
        shard (``cache.Stale``) and answers by loading the vault afresh.
        """
        saved = self._saved
        if saved is None or not (saved.state_dirty or saved.dirty or saved.tables_dirty):
            return
        store = saved.opening.store
        by_shard: dict[int, list[str]] = {}
        for path in self._notes:
            by_shard.setdefault(cache.shard_of(path), []).append(path)
        for number in sorted(saved.dirty):
            paths = sorted(by_shard.get(number, ()))
            if not paths:
                store.remove_shard(number)
                saved.tokens[number] = b""
                continue
            if number in saved.written:
                token = saved.tokens[number]
            else:
                token = cache.new_token()
                notes = {path: self._notes[path] for path in paths}
                store.write_notes(number, token, cache.pack_held(notes, saved.held))
            store.write_edges(number, token, {path: self._edges[path] for path in paths})
            saved.tokens[number] = token
        saved.dirty.clear()
        saved.written.clear()
        if saved.tables_dirty or not saved.tables:
            saved.tables = cache.new_token()
            store.save_tables(
                cache.Tables(
                    saved.tables,
                    self._aliased,
                    self._lookups,
                    self._incoming,
                    self._subpath_incoming,
                    self._parents_of,
                    tuple(sorted(self._broken)),
                )
            )
            saved.tables_dirty = False
        held = {path: saved.held.get(path) for path in self._notes}
        store.save_state(
            cache.State(
                saved.opening.key,
                cache.settings_key(self.config),
                held,
                tuple(sorted(self._attachments)),
                tuple(sorted(self._outside)),
                {
                    **self._packed,
                    **{path: cache.pack_findings(items) for path, items in self._found.items()},
                },
                (*saved.tokens, saved.tables),
            )
        )
        saved.state_dirty = False

    # --- what the outside world sees ---------------------------------------------------------

    @property
    def note_count(self) -> int:
        """How many notes the vault has now."""
        return len(self._notes)

    def in_read_order(self, paths: Iterable[str]) -> list[str]:
        """``paths`` ordered so that going through them reads the fewest notes not read yet
        at a time (those of one shard together): for work over many notes that should give
        its first answers early, as the language server's first diagnostics."""
        return sorted(paths, key=lambda path: (cache.shard_of(path), path))

    def knows(self, path: str) -> bool:
        """Whether ``path`` (vault-relative) is a file of the vault as last seen."""
        return path in self._kinds

    @property
    def notes(self) -> Mapping[str, Note]:
        """The notes as they now stand, by path (a read-only view, not a snapshot)."""
        return MappingProxyType(self._notes)

    @property
    def index(self) -> Index:
        """The lookup tables links are resolved with, as they now stand."""
        return self._index

    def edges_of(self, path: str) -> tuple[Edge, ...]:
        """The links of the note at ``path`` with their answers, in order."""
        found: tuple[Edge, ...] = self._edges.get(path, ())
        return found

    def linking(self, path: str) -> frozenset[str]:
        """The other notes with a link that reaches the file at ``path`` (its backlinks)."""
        return frozenset(self._incoming.get(path, ()))

    def findings(self, path: str) -> tuple[Diagnostic, ...]:
        """The findings located in one note, sorted as ``lint`` sorts them."""
        found = self._found_of(path)
        if self._shown is _ALL_CODES or not found:
            return found
        return tuple(item for item in found if item.code in self._shown)

    def diagnostics(self, within: Callable[[str], bool] | None = None) -> list[Diagnostic]:
        """Every finding (located in the paths ``within`` accepts), sorted as ``lint`` sorts."""
        if within is None:
            return sorted(self.unsorted(), key=diagnostic_order)
        paths = [path for path in (*self._found, *self._packed) if within(path)]
        found = (item for path in paths for item in self.findings(path))
        return sorted(found, key=diagnostic_order)

    def _found_of(self, path: str) -> tuple[Diagnostic, ...]:
        """The findings located in ``path``, every rule's, unpacked if still packed."""
        packed = self._packed.pop(path, None)
        if packed is not None:
            self._found[path] = cache.unpack_findings(packed)
        return self._found.get(path, ())

    def _unpack_all(self) -> None:
        for path in list(self._packed):
            self._found_of(path)

    def unsorted(self) -> Iterator[Diagnostic]:
        """Every finding, in no particular order (cheap: for counts and summaries)."""
        self._unpack_all()
        shown = self._shown
        for found in self._found.values():
            for item in found:
                if item.code in shown:
                    yield item

    def vault(self) -> Vault:
        """The vault as it now stands, as ``load_vault`` would return it (a snapshot)."""
        self.read_all()
        notes = {path: self._notes[path] for path in sorted(self._notes)}
        edges = tuple(edge for path in notes for edge in self._edges[path])
        index = self._index_files.snapshot()
        attachments = tuple(sorted(self._attachments))
        return Vault(self.root, self.config, notes, attachments, index, edges, self._renames)

    def rescan(self, config: Config | None = None) -> Delta:
        """Load the whole vault again (after a storm of changes, or with a new config)."""
        self._unpack_all()
        before = self._shown_findings(self._found)
        texts = self._texts
        fresh = self.load(self.root, config or self.config, self._select, self._ignore)
        # This engine becomes the fresh one: watch and the language server hold on to it.
        self.__dict__.update(fresh.__dict__)
        self._texts = texts
        if texts:
            self.update(texts)
        files = frozenset(self._kinds)
        paths = before.keys() | self._found.keys() | self._packed.keys()
        return self._delta(before, paths, files, shown=_ALL_CODES)

    def _shown_findings(
        self, found: Mapping[str, tuple[Diagnostic, ...]]
    ) -> dict[str, tuple[Diagnostic, ...]]:
        """``found`` with only the findings of the rules shown now."""
        shown = self._shown
        if shown is _ALL_CODES:
            return dict(found)
        return {
            path: tuple(item for item in items if item.code in shown)
            for path, items in found.items()
        }

    def edit(self, path: str, text: str | None) -> Delta:
        """Take ``text`` as the content of the note at ``path``, then update as for ``{path}``.

        The text is read as the file's bytes would be (size cap, NUL bytes, line endings) and
        stands in for them in every later update, as long as the file is a note of the vault
        on disk; ``None`` goes back to the file's own bytes. This is how an editor's unsaved
        buffer is linted.
        """
        if text is None:
            self._texts.pop(path, None)
        else:
            self._texts[path] = text
        return self.update({path})

    def update(self, changed: Iterable[str]) -> Delta:
        """Re-lint after ``changed`` (vault-relative files or folders, ``/``-separated).

        A path may name a file or folder that was created, modified or deleted, or either end
        of a move. A file that vanished before it could be read counts as deleted; one that
        exists but cannot be read is a note with a VK001 finding, as in a full run.
        """
        work = _Work()
        for path in sorted(self._expand(changed)):
            self._refresh(path, work)
        if not work.files:
            return Delta()
        if self._saved is not None:
            self._saved.state_dirty = True
        if work.outside or work.names or work.aliases:
            self._index = self._new_index()
        sources = set(work.notes)
        for key in work.names:
            sources.update(self._lookups.get(key, ()))
            if key.endswith(".md"):
                # ``[[Note]]`` looks up ``note``, then ``note.md``.
                sources.update(self._lookups.get(key[:-3], ()))
        for key in work.aliases:
            sources.update(self._lookups.get(key, ()))
        for path in work.anchors:
            sources.update(self._subpath_incoming.get(path, ()))
        resolver = Resolver(self._index, self._notes, self.config)
        keys = work.aliases | work.names | {key[:-3] for key in work.names if key.endswith(".md")}
        for source in sorted(sources):
            if source not in self._notes:
                continue
            old = self._edges[source]
            if source in work.notes:
                links = self._notes[source].links
                edges = resolver.edges(source, links)
            else:
                # The note is as it was: only the links that looked up what changed move.
                edges = tuple(
                    resolver.edge(source, edge.link) if _affected(edge, keys, work) else edge
                    for edge in old
                )
            before = self._deps_of(source, old)
            self._edges[source] = edges
            self._reindex(source, before, self._dependencies(source, edges), work)
            self._touched(source)
        dirty = work.files | sources | work.reach
        for key in work.aliases:
            dirty.update(self._aliases.get(key, ()))
        for key in work.names:
            # VK213 compares each alias with the file names: ``alias`` against ``alias.md``.
            if key.endswith(".md"):
                dirty.update(self._aliases.get(key[:-3], ()))
        return self._relint(dirty, work)

    def _touched(self, path: str) -> None:
        """Mark the shard of ``path`` as changed, for ``save``."""
        saved = self._saved
        if saved is not None:
            number = cache.shard_of(path)
            saved.dirty.add(number)
            saved.written.discard(number)

    # --- files --------------------------------------------------------------------------------

    def _expand(self, changed: Iterable[str]) -> set[str]:
        """The files behind the changed paths: a folder stands for every file under it."""
        files: set[str] = set()
        for raw in changed:
            path = raw.replace(os.sep, "/").strip("/")
            while path.startswith("./"):
                path = path[2:]
            if not path:
                files |= self._kinds.keys() | set(self._walk(""))
                continue
            if any(part.startswith(".") for part in path.split("/")):
                continue
            files.add(path)
            if path in self._folders:
                prefix = path + "/"
                files.update(known for known in self._kinds if known.startswith(prefix))
            files.update(self._walk(path))
        return files

    def _walk(self, folder: str) -> list[str]:
        return files_under(self.root, folder, self._excluded)

    def _classify(self, path: str) -> Kind | None:
        return classify(self.root, path, self._excluded)

    def _refresh(self, path: str, work: _Work) -> None:
        """Bring one file up to date: its kind, the index, and its note."""
        old = self._kinds.get(path)
        new = self._classify(path)
        note = None
        if new is Kind.NOTE:
            text = self._texts.get(path)
            hashed = None
            loaded = self._preloaded.pop(path, None)
            if text is None and loaded is not None:
                note, hashed = loaded
            elif text is None:
                note, hashed = load_note_hashed(self.root, path, self.config, self._parent_keys)
            else:
                note = self._parse_text(path, text)
            if not note.readable and self._classify(path) is None:
                new, note = None, None  # deleted while it was being read
            else:
                self._hold(path, note, hashed if text is None else None)
        if old is None and new is None:
            return
        work.files.add(path)
        work.groups.add(fold(path))
        if old is not new:
            work.names.add(_name_key(path))
            work.named.add(path)
            if old is not None:
                self._index_files.forget(path)
            if new is not None:
                self._index_files.add(path, new)
            if Kind.OUTSIDE in (old, new):
                work.outside = True
        old_note = self._notes.pop(path, None)
        if note is not None or old_note is not None:
            self._touched(path)
        if note is not None:
            self._notes[path] = note
            if old_note is None:
                self._edges[path] = ()
            work.notes.add(path)
        elif old_note is not None:
            before = self._deps_of(path, self._edges.pop(path, ()))
            self._reindex(path, before, _NO_DEPS, work)
            self._deps.pop(path, None)
        self._move_aliases(path, note, work)
        if _anchors(old_note) != _anchors(note):
            work.anchors.add(path)

    def _hold(self, path: str, note: Note, hashed: bytes | None) -> None:
        """Keep what the next run needs to trust this parse: the stamp taken before the read,
        and the hash of the very bytes parsed (nothing for a text standing in for them)."""
        saved = self._saved
        if saved is None:
            return
        found = saved.opening.stamps.get(path)
        if found is None or hashed is None or not cache.cacheable(note):
            saved.held[path] = None
        else:
            saved.held[path] = (found, cache.is_racy(found, saved.opening.started), hashed)

    def _parse_text(self, path: str, text: str) -> Note:
        """``load_note`` for a text that stands in for the file's bytes."""
        # A lone surrogate (possible in JSON text) becomes bytes that are not UTF-8: VK002.
        decoded = text_of(text.encode("utf-8", "surrogatepass"), self.config.max_file_size)
        if not isinstance(decoded, str):
            return unreadable_note(path, decoded)
        return parse_note(path, decoded, self._parent_keys, self.config.parse_timeout)

    def _move_aliases(self, path: str, note: Note | None, work: _Work) -> None:
        moved = self._index_files.set_aliases(path, note.aliases if note is not None else ())
        if moved is not None:
            work.aliases |= moved
            work.named.add(path)
            self._changed_tables()

    # --- links --------------------------------------------------------------------------------

    def _dependencies(self, source: str, edges: tuple[Edge, ...]) -> _Deps:
        """What the answers of ``source``'s links depend on besides the note itself."""
        lookups: set[str] = set()
        targets: set[str] = set()
        subpath_targets: set[str] = set()
        parents: list[str] = []
        broken = False
        for edge in edges:
            target = edge.link.target
            if edge.status is Status.BROKEN:
                broken = True
            if target:
                lookups.add(fold(target.rsplit("/", 1)[-1]))
            resolved = edge.resolved
            if resolved is None:
                continue
            if edge.status is Status.ALIAS:
                # VK105 writes the target by name or by path, whichever is unique.
                lookups.add(_name_key(resolved))
            if resolved != source:
                if edge.link.subpath:
                    subpath_targets.add(resolved)
                if edge.status.has_target:
                    targets.add(resolved)
            if edge.is_parent and edge.status.has_target and resolved in self._notes:
                parents.append(resolved)
        keys = self._keys
        return _Deps(
            tuple(keys.setdefault(key, key) for key in lookups),
            tuple(targets),
            tuple(subpath_targets),
            tuple(parents),
            broken,
        )

    def _deps_of(self, source: str, edges: tuple[Edge, ...]) -> _Deps:
        """What ``source``'s links, answered as ``edges``, are filed under in the tables now.

        Worked out again from the answers when not kept (an engine taken up from the cache
        keeps none), with the parents as the tables hold them: the notes they reach may be
        gone by now.
        """
        found = self._deps.get(source)
        if found is not None:
            return found
        deps = self._dependencies(source, edges)
        return replace(deps, parents=self._parents_of.get(source, ()))

    def _reindex(self, source: str, old: _Deps, deps: _Deps, work: _Work) -> None:
        """Replace ``source``'s entries in the reverse maps (``old`` are its entries now)."""
        self._deps[source] = deps
        if self._near is not None:
            self._near_stale.add(source)
        if deps.broken:
            self._broken.add(source)
        else:
            self._broken.discard(source)
        if deps.parents:
            self._parents_of[source] = deps.parents
        else:
            self._parents_of.pop(source, None)
        if old == deps:
            return
        self._changed_tables()
        for key in _move(self._lookups, source, old.lookups, deps.lookups):
            if key not in self._lookups:
                self._keys.pop(key, None)
        _move(self._subpath_incoming, source, old.subpath_targets, deps.subpath_targets)
        work.reach |= _move(self._incoming, source, old.targets, deps.targets)
        if old.parents != deps.parents:
            work.hierarchy.add(source)
            work.old_parents.setdefault(source, old.parents)

    def _changed_tables(self) -> None:
        if self._saved is not None:
            self._saved.tables_dirty = True

    # --- rules --------------------------------------------------------------------------------

    def _near_broken(self, names: set[str]) -> set[str]:
        """The notes with a broken link whose suggestions ``names`` coming or going can move.

        Broken targets are filed by their compared keys and every key one letter shorter, so
        that a name finds the targets equal to it or one edit from it (an insertion, deletion,
        substitution or swap leaves a shorter key in common) without going over every broken
        link of the vault; each found is then checked as ``suggest.may_change`` says.
        """
        near = self._near_index()
        changed = [name_keys(name) for name in names]
        candidates: set[str] = set()
        for keys in changed:
            for key in keys:
                for probe in (key, *_shorter(key)):
                    candidates.update(near.get(probe, ()))
        found: set[str] = set()
        for source in candidates:
            for edge in self._edges.get(source, ()):
                if edge.status is Status.BROKEN and any(
                    keys_close(keys, self._broken_target(edge.link.target)) for keys in changed
                ):
                    found.add(source)
                    break
        return found

    def _broken_target(self, target: str) -> tuple[str, ...]:
        found = self._target_keys.get(target)
        if found is None:
            found = self._target_keys[target] = target_keys(target)
        return found

    def _near_index(self) -> dict[str, set[str]]:
        """Broken targets' keys (and their one-letter-shorter keys) → the notes linking so."""
        if self._near is None:
            self._near = {}
            self._near_stale = set(self._broken)
        near, filed = self._near, self._near_filed
        for source in self._near_stale:
            for key in filed.pop(source, ()):
                holders = near.get(key)
                if holders is not None:
                    holders.discard(source)
                    if not holders:
                        del near[key]
            if source not in self._broken or source not in self._notes:
                continue
            keys: set[str] = set()
            for edge in self._edges.get(source, ()):
                if edge.status is Status.BROKEN:
                    for key in self._broken_target(edge.link.target):
                        keys.add(key)
                        keys.update(_shorter(key))
            filed[source] = tuple(keys)
            for key in keys:
                near.setdefault(key, set()).add(source)
        self._near_stale = set()
        return near

    def _relint(self, dirty: set[str], work: _Work) -> Delta:
        before: dict[str, tuple[Diagnostic, ...]] = {}
        local = self._codes - _WIDE
        focus = sorted(path for path in dirty if path in self._notes)
        if local:
            keys = {key for path in focus for key in _alias_keys(self._notes[path])}
            aliases = {key: self._aliases[key] for key in keys if key in self._aliases}
            index = Index(self._names, self._paths, aliases, self._index.outside, self._aliased)
            self._run(local, dirty, focus, (), self._out_edges(focus), index, before)
        if self._codes & NAME_CODES:
            named = set(focus)
            if work.names or work.aliases:
                named |= self._near_broken(work.names | work.aliases)
            exact = dirty | named
            notes = sorted(named & self._notes.keys())
            # The links of the named notes, an index with every alias, and the notes themselves
            # (not a new view of them): the suggester built from every name is kept across
            # updates, the names and aliases that moved brought up to date in it.
            before_index = self._name_index
            index = self._new_index() if before_index is None or work.outside else before_index
            self._name_index = index
            held = cached_suggester(before_index, self._notes) if before_index else None
            if held is not None:
                if work.named:
                    held.refresh(work.named)
                keep_suggester(index, self._notes, held)
            edges = self._out_edges(notes)
            self._run(NAME_CODES, exact, self._notes, (), edges, index, before)
        if self._codes & ORPHAN_CODES:
            edges = [edge for path in focus for edge in self._edges[path] if edge.is_parent]
            edges += [witness for path in focus if (witness := self._witness(path))]
            self._run(ORPHAN_CODES, dirty, focus, (), edges, self._index, before)
        if self._codes & COLLISION_CODES:
            members = {path for key in work.groups for path in self._groups.get(key, ())}
            notes = sorted(path for path in members if path in self._notes)
            attachments = tuple(sorted(path for path in members if path in self._attachments))
            exact = members | work.files
            self._run(COLLISION_CODES, exact, notes, attachments, (), self._index, before)
        if self._codes & CYCLE_CODES:
            reach = self._ancestors(work.hierarchy | work.notes, work.old_parents)
            notes = sorted(path for path in reach if path in self._notes)
            exact = reach | work.files
            self._run(CYCLE_CODES, exact, notes, (), self._out_edges(notes), self._index, before)
        return self._delta(before, before.keys(), frozenset(work.files))

    def _run(
        self,
        codes: frozenset[str],
        exact: set[str],
        notes: Sequence[str] | Mapping[str, Note],
        attachments: tuple[str, ...],
        edges: Iterable[Edge],
        index: Index,
        before: dict[str, tuple[Diagnostic, ...]],
    ) -> None:
        """Run the rules ``codes`` on a view of ``edges`` and of ``notes`` (the paths to iterate
        over, or the mapping to use as it is); replace their findings in ``exact``."""
        wanted = sorted(self._codes & codes)
        shown = notes if isinstance(notes, Mapping) else _Focus(self._notes, notes)
        view = Vault(self.root, self.config, shown, attachments, index, tuple(edges), self._renames)
        found: dict[str, list[Diagnostic]] = {}
        for item in check(view, (rule for rule in RULES if rule.code in wanted)):
            if item.path in exact:
                found.setdefault(item.path, []).append(item)
        for path in exact:
            old = self._found_of(path)
            before.setdefault(path, old)
            kept = [item for item in old if item.code not in codes]
            now = sorted((*kept, *found.get(path, ())), key=diagnostic_order)
            if now:
                self._found[path] = tuple(now)
            else:
                self._found.pop(path, None)

    def _out_edges(self, paths: Iterable[str]) -> list[Edge]:
        return [edge for path in paths for edge in self._edges.get(path, ())]

    def _witness(self, path: str) -> Edge | None:
        """One link from another note that reaches ``path``: all VK201 needs to know."""
        for source in self._incoming.get(path, ()):
            edges: tuple[Edge, ...] = self._edges.get(source, ())
            for edge in edges:
                if edge.resolved == path and edge.status.has_target:
                    return edge
        return None

    def _ancestors(self, seeds: set[str], old_parents: Mapping[str, tuple[str, ...]]) -> set[str]:
        """Every note reachable up the parent links, old or new, from ``seeds``.

        A cycle that a change made or broke runs through a note whose parents changed, so
        it lies within this set, and the set holds every cycle through its notes whole.
        """
        reach: set[str] = set()
        stack = list(seeds)
        while stack:
            path = stack.pop()
            if path in reach:
                continue
            reach.add(path)
            stack.extend(self._parents_of.get(path, ()))
            stack.extend(old_parents.get(path, ()))
        return reach

    def _delta(
        self,
        before: Mapping[str, tuple[Diagnostic, ...]],
        paths: Iterable[str],
        files: frozenset[str],
        shown: frozenset[str] | None = None,
    ) -> Delta:
        new: list[Diagnostic] = []
        fixed: list[Diagnostic] = []
        # ``before`` holds every rule's findings, unless ``shown`` says it was filtered already.
        shown = self._shown if shown is None else shown
        for path in paths:
            old = {finding_key(item): item for item in before.get(path, ()) if item.code in shown}
            now = {finding_key(item): item for item in self.findings(path)}
            new += [item for key, item in now.items() if key not in old]
            fixed += [item for key, item in old.items() if key not in now]
        return Delta(
            tuple(sorted(new, key=_report_order)), tuple(sorted(fixed, key=_report_order)), files
        )


def _affected(edge: Edge, keys: set[str], work: _Work) -> bool:
    """Whether the answer for an unchanged link can have changed (see ``_dependencies``)."""
    if edge.link.target and fold(edge.link.target.rsplit("/", 1)[-1]) in keys:
        return True
    resolved = edge.resolved
    if resolved is None:
        return False
    if edge.link.subpath and resolved in work.anchors:
        return True
    return edge.status is Status.ALIAS and _name_key(resolved) in work.names


def _move(
    table: dict[str, tuple[str, ...]], source: str, old: tuple[str, ...], new: tuple[str, ...]
) -> set[str]:
    """Move ``source`` from the keys ``old`` to the keys ``new``; the keys that became empty
    or stopped being empty."""
    flipped: set[str] = set()
    if old == new:
        return flipped
    for key in set(old).difference(new):
        holders = table.get(key)
        if holders is not None:
            left = tuple(holder for holder in holders if holder != source)
            if left:
                table[key] = left
            else:
                del table[key]
                flipped.add(key)
    for key in set(new).difference(old):
        holders = table.get(key, ())
        if not holders:
            flipped.add(key)
        if source not in holders:
            table[key] = (*holders, source)
    return flipped


def _frozen(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """``table`` with tuples for lists, turned one at a time (never two copies at once)."""
    frozen: dict[str, tuple[str, ...]] = {}
    while table:
        key, values = table.popitem()
        frozen[key] = tuple(values)
    return frozen


def _shorter(key: str) -> set[str]:
    """``key`` with one letter left out, every way."""
    return {key[:position] + key[position + 1 :] for position in range(len(key))}


def _fill(shelf: _Shelf[_V], found: Mapping[str, _V]) -> None:
    """Put into ``shelf`` what a shard holds for the paths it still lacks."""
    every, loaded = shelf.every, shelf.loaded
    if every is None:
        return
    for path, value in found.items():
        if path in every and path not in loaded:
            loaded[path] = value


def _changed(
    root: Path,
    state: cache.State,
    scan: Scan,
    stamps: Mapping[str, cache.Stamp | None],
    started: int,
    held: dict[str, tuple[cache.Stamp, bool, bytes] | None],
) -> set[str]:
    """The files that differ from ``state``: notes whose stamp moved and whose bytes did too,
    notes and other files that came or went. Notes found unchanged get their new stamp."""
    base = os.fspath(root)
    changed: set[str] = set()
    for path in scan.notes:
        found = stamps[path]
        if path not in state.stamps:
            changed.add(path)
            continue
        old = state.stamps[path]
        if found is None or old is None:
            changed.add(path)
        elif old[0] == found and not old[1]:
            continue
        elif cache.file_digest(os.path.join(base, path)) == old[2]:
            held[path] = (found, cache.is_racy(found, started), old[2])
        else:
            changed.add(path)
    present = set(scan.notes)
    changed.update(path for path in state.stamps if path not in present)
    changed.update(set(scan.attachments).symmetric_difference(state.attachments))
    changed.update(set(scan.outside).symmetric_difference(state.outside))
    return changed


def _renamed(
    root: Path,
    config: Config,
    old: Mapping[str, cache.Entry],
    held: Mapping[str, tuple[cache.Stamp, bool, bytes] | None],
    notes: Mapping[str, Note],
) -> dict[str, str]:
    """The renames remembered, with those the cache sees now (notes gone, notes come)."""
    remembered = cache.load_renames(root, config)
    if not old:
        return remembered
    vanished = {
        path: (entry.digest, entry.stamp[0], entry.note)
        for path, entry in old.items()
        if path not in notes
    }
    if not vanished:
        return remembered
    appeared = {}
    for path, found in held.items():
        if path not in old and found is not None:
            appeared[path] = (found[2], found[0][0], notes[path])
    return _with_renames_seen(root, config, remembered, vanished, appeared, notes.values())


def _with_renames_seen(
    root: Path,
    config: Config,
    remembered: dict[str, str],
    vanished: Mapping[str, renames.Seen],
    appeared: Mapping[str, renames.Seen],
    notes: Iterable[Note],
) -> dict[str, str]:
    """``remembered`` with the renames the notes gone and come show, saved when there are."""
    found = renames.cache_renames(vanished, appeared, notes)
    if not found:
        return remembered
    moved = renames.merged(remembered, found.items())
    cache.save_renames(root, config, moved)
    return moved


def _packer(
    paths: Iterable[str], stamps: Mapping[str, cache.Stamp | None], started: int
) -> Callable[[list[tuple[str, Note, bytes | None]]], bytes]:
    """How a worker packs the notes of ``paths`` (with their stamps, for the cache)."""
    return partial(cache.pack_notes, stamps={path: stamps[path] for path in paths}, started=started)
