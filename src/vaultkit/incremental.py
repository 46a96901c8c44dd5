"""The incremental engine: after files change, re-lint only what those changes can affect.

``IncrementalVault`` keeps what a full run computes — the parsed notes, the index, every
note's resolved links and every diagnostic, filed by the note it is located in — together
with reverse maps from what a link looks up (a folded file name, a folded alias, a target's
headings) to the notes whose links looked it up. ``update(changed)`` re-reads and re-parses
only the changed files, patches the index, re-resolves only the links whose answer can have
changed, and re-runs the rules only for the notes whose findings can have changed. The
answer is, by construction and by a property test, ``lint(load_vault(root))`` of the vault
as it now stands.

The rules themselves are reused, not re-implemented: each update runs them through
``vault.lint`` over a *focused* view of the vault (a ``Vault`` whose notes iterate only the
dirty ones but look up any note, and whose edges are the few the rules need), keeping only
the findings located in the notes the view is exact for. Rules fall in four families by what
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

Reading files happens only at the edge (``load_note`` and an ``lstat`` per changed path); the
rest is a function of the records kept. ``edit`` lets a text stand in for a file's bytes (an
editor's unsaved buffer, for the language server): it is read exactly as the file's bytes
would be, and only while the file is a note of the vault. The engine is not thread-safe.
"""

from __future__ import annotations

import enum
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from vaultkit.config import Config, glob_matcher
from vaultkit.index import Index
from vaultkit.load import load_note
from vaultkit.model import (
    Diagnostic,
    Edge,
    Note,
    Status,
    diagnostic_order,
    finding_key,
)
from vaultkit.parse import parse_note, unreadable_note
from vaultkit.read import text_of
from vaultkit.resolve import Resolver, Vault
from vaultkit.rules import select_rules
from vaultkit.scan import scan_vault
from vaultkit.suggest import keys_close, name_keys, target_keys
from vaultkit.text import fold
from vaultkit.vault import lint, load_vault

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


class _Kind(enum.IntEnum):
    """What a path of the vault is; the order is ``build_index``'s (notes win a path clash)."""

    NOTE = 0
    ATTACHMENT = 1
    OUTSIDE = 2


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


class IncrementalVault:
    """A linted vault that re-lints itself from the set of paths that changed.

    Build it with ``from_vault`` (or ``load``), then call ``update`` with the vault-relative
    paths of the files or folders that were created, modified, deleted, or moved (both the
    old and the new path). ``diagnostics()`` is then what ``lint`` of a freshly loaded vault
    would return, with the same ``select`` and ``ignore``.
    """

    def __init__(
        self, vault: Vault, select: Sequence[str] | None = None, ignore: Sequence[str] = ()
    ) -> None:
        self._select = tuple(select) if select else None
        self._ignore = tuple(ignore)
        # Texts that stand in for the files' bytes (editors' unsaved buffers), by path.
        self._texts: dict[str, str] = {}
        self._build(vault)

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
        """Load and lint the vault at ``root``."""
        return cls(load_vault(root, config), select, ignore)

    # --- the state --------------------------------------------------------------------------

    def _build(self, vault: Vault) -> None:
        self.root = vault.root
        self.config = vault.config
        config = vault.config
        self._real_root = os.path.realpath(vault.root)
        self._excluded = glob_matcher(config.exclude)
        self._parent_keys = frozenset(config.parent_keys)
        enabled = select_rules(self._select or config.select, (*config.ignore, *self._ignore))
        self._codes = frozenset(rule.code for rule in enabled)
        self._notes: dict[str, Note] = dict(vault.notes)
        self._attachments: set[str] = set(vault.attachments)
        self._outside: set[str] = set(vault.index.outside)
        self._kinds: dict[str, _Kind] = {}
        self._folders: dict[str, int] = {}
        self._groups: dict[str, tuple[str, ...]] = {}
        self._names: dict[str, tuple[str, ...]] = dict(vault.index.names)
        self._paths: dict[str, str] = dict(vault.index.paths)
        self._aliases: dict[str, tuple[str, ...]] = dict(vault.index.aliases)
        self._index = Index(self._names, self._paths, self._aliases, frozenset(self._outside))
        kinds = (
            (self._notes, _Kind.NOTE),
            (self._attachments, _Kind.ATTACHMENT),
            (self._outside, _Kind.OUTSIDE),
        )
        groups: dict[str, list[str]] = {}
        for paths, kind in kinds:
            for path in paths:
                self._kinds[path] = kind
                self._count_folders(path, 1)
                groups.setdefault(fold(path), []).append(path)
        self._groups = {key: tuple(sorted(paths)) for key, paths in groups.items()}
        self._edges: dict[str, tuple[Edge, ...]] = dict.fromkeys(self._notes, ())
        by_source: dict[str, list[Edge]] = {}
        for edge in vault.edges:
            by_source.setdefault(edge.source, []).append(edge)
        self._deps: dict[str, _Deps] = {}
        # Folded link names → the notes whose links looked them up. A name without a folder
        # is also the alias it would be looked up as, so one table serves names and aliases.
        self._lookups: dict[str, set[str]] = {}
        # One string per distinct key: the same names are looked up from thousands of notes.
        self._keys: dict[str, str] = {}
        self._incoming: dict[str, set[str]] = {}
        self._subpath_incoming: dict[str, set[str]] = {}
        # The notes with a broken link: their suggestions move with the vault's names.
        self._broken: set[str] = set()
        # Broken link targets as suggestions compare them: the same targets recur.
        self._target_keys: dict[str, tuple[str, ...]] = {}
        self._name_index: Index | None = None
        scratch = _Work()
        for source, edges in by_source.items():
            self._edges[source] = tuple(edges)
            self._reindex(source, self._dependencies(source, self._edges[source]), scratch)
        self._found: dict[str, tuple[Diagnostic, ...]] = {}
        for item in lint(vault, self._select, self._ignore):
            self._found[item.path] = (*self._found.get(item.path, ()), item)

    def _count_folders(self, path: str, step: int) -> None:
        folder = path
        while "/" in folder:
            folder = folder.rsplit("/", 1)[0]
            count = self._folders.get(folder, 0) + step
            if count:
                self._folders[folder] = count
            else:
                del self._folders[folder]

    # --- what the outside world sees ---------------------------------------------------------

    @property
    def note_count(self) -> int:
        """How many notes the vault has now."""
        return len(self._notes)

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
        return self._edges.get(path, ())

    def linking(self, path: str) -> frozenset[str]:
        """The other notes with a link that reaches the file at ``path`` (its backlinks)."""
        return frozenset(self._incoming.get(path, ()))

    def findings(self, path: str) -> tuple[Diagnostic, ...]:
        """The findings located in one note, sorted as ``lint`` sorts them."""
        return self._found.get(path, ())

    def diagnostics(self) -> list[Diagnostic]:
        """Every finding, sorted as ``lint`` sorts them."""
        return sorted(self.unsorted(), key=diagnostic_order)

    def unsorted(self) -> Iterator[Diagnostic]:
        """Every finding, in no particular order (cheap: for counts and summaries)."""
        for found in self._found.values():
            yield from found

    def vault(self) -> Vault:
        """The vault as it now stands, as ``load_vault`` would return it (a snapshot)."""
        notes = {path: self._notes[path] for path in sorted(self._notes)}
        edges = tuple(edge for path in notes for edge in self._edges[path])
        index = Index(
            dict(self._names), dict(self._paths), dict(self._aliases), frozenset(self._outside)
        )
        return Vault(self.root, self.config, notes, tuple(sorted(self._attachments)), index, edges)

    def rescan(self, config: Config | None = None) -> Delta:
        """Load the whole vault again (after a storm of changes, or with a new config)."""
        before = dict(self._found)
        self._build(load_vault(self.root, config or self.config))
        if self._texts:
            self.update(self._texts)
        files = frozenset(self._kinds)
        return self._delta(before, before.keys() | self._found.keys(), files)

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
        if work.outside:
            self._index = Index(self._names, self._paths, self._aliases, frozenset(self._outside))
        sources = set(work.notes)
        for key in work.names:
            sources |= self._lookups.get(key, set())
            if key.endswith(".md"):
                # ``[[Note]]`` looks up ``note``, then ``note.md``.
                sources |= self._lookups.get(key[:-3], set())
        for key in work.aliases:
            sources |= self._lookups.get(key, set())
        for path in work.anchors:
            sources |= self._subpath_incoming.get(path, set())
        resolver = Resolver(self._index, self._notes, self.config)
        keys = work.aliases | work.names | {key[:-3] for key in work.names if key.endswith(".md")}
        for source in sorted(sources):
            if source not in self._notes:
                continue
            if source in work.notes:
                links = self._notes[source].links
                edges = resolver.edges(source, links)
            else:
                # The note is as it was: only the links that looked up what changed move.
                edges = tuple(
                    resolver.edge(source, edge.link) if _affected(edge, keys, work) else edge
                    for edge in self._edges[source]
                )
            self._edges[source] = edges
            self._reindex(source, self._dependencies(source, edges), work)
        dirty = work.files | sources | work.reach
        for key in work.aliases:
            dirty.update(self._aliases.get(key, ()))
        for key in work.names:
            # VK213 compares each alias with the file names: ``alias`` against ``alias.md``.
            if key.endswith(".md"):
                dirty.update(self._aliases.get(key[:-3], ()))
        return self._relint(dirty, work)

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
        """The files under ``folder`` now, if it is a folder ``scan_vault`` would enter."""
        full = os.path.join(self.root, folder)
        try:
            if not stat.S_ISDIR(os.lstat(full).st_mode):
                return []
        except OSError:
            return []
        if folder and (
            any(part.startswith(".") for part in folder.split("/"))
            or self._excluded_folder([*folder.split("/"), ""])
        ):
            return []
        prefix = folder + "/" if folder else ""
        found = scan_vault(Path(full), lambda path: self._excluded(prefix + path))
        # Symlinks are sorted out by ``_classify``: ``scan_vault`` judged them by the sub-folder.
        return [prefix + path for path in (*found.notes, *found.attachments, *found.outside)]

    def _excluded_folder(self, parts: list[str]) -> bool:
        return any(self._excluded("/".join(parts[:end]) + "/") for end in range(1, len(parts)))

    def _classify(self, path: str) -> _Kind | None:
        """What ``scan_vault`` would make of ``path``: the same tests, for one path."""
        parts = path.split("/")
        if any(not part or part.startswith(".") for part in parts):
            return None
        if self._excluded_folder(parts) or self._excluded(path):
            return None
        folder = str(self.root)
        try:
            # Directory symlinks are not followed, so every folder on the way must be real.
            for part in parts[:-1]:
                folder = os.path.join(folder, part)
                if not stat.S_ISDIR(os.lstat(folder).st_mode):
                    return None
            full = os.path.join(folder, parts[-1])
            mode = os.lstat(full).st_mode
        except OSError:
            return None
        if stat.S_ISDIR(mode):
            return None
        if stat.S_ISLNK(mode):
            real = os.path.realpath(full)
            if not (real == self._real_root or real.startswith(self._real_root + os.sep)):
                return _Kind.OUTSIDE
            if os.path.isdir(full):
                return None
        return _Kind.NOTE if parts[-1].lower().endswith(".md") else _Kind.ATTACHMENT

    def _refresh(self, path: str, work: _Work) -> None:
        """Bring one file up to date: its kind, the index, and its note."""
        old = self._kinds.get(path)
        new = self._classify(path)
        note = None
        if new is _Kind.NOTE:
            text = self._texts.get(path)
            if text is None:
                note = load_note(self.root, path, self.config, self._parent_keys)
            else:
                note = self._parse_text(path, text)
            if not note.readable and self._classify(path) is None:
                new, note = None, None  # deleted while it was being read
        if old is None and new is None:
            return
        work.files.add(path)
        work.groups.add(fold(path))
        if old is not new:
            work.names.add(_name_key(path))
            if old is not None:
                self._forget_file(path, old, work)
            if new is not None:
                self._add_file(path, new, work)
        old_note = self._notes.pop(path, None)
        if note is not None:
            self._notes[path] = note
            work.notes.add(path)
        elif old_note is not None:
            self._edges.pop(path, None)
            self._reindex(path, _NO_DEPS, work)
            self._deps.pop(path, None)
        self._move_aliases(path, _alias_keys(old_note), _alias_keys(note), work)
        if _anchors(old_note) != _anchors(note):
            work.anchors.add(path)

    def _parse_text(self, path: str, text: str) -> Note:
        """``load_note`` for a text that stands in for the file's bytes."""
        # A lone surrogate (possible in JSON text) becomes bytes that are not UTF-8: VK002.
        decoded = text_of(text.encode("utf-8", "surrogatepass"), self.config.max_file_size)
        if not isinstance(decoded, str):
            return unreadable_note(path, decoded)
        return parse_note(path, decoded, self._parent_keys, self.config.parse_timeout)

    def _add_file(self, path: str, kind: _Kind, work: _Work) -> None:
        self._kinds[path] = kind
        self._count_folders(path, 1)
        if kind is _Kind.ATTACHMENT:
            self._attachments.add(path)
        elif kind is _Kind.OUTSIDE:
            self._outside.add(path)
            work.outside = True
        name = _name_key(path)
        self._names[name] = tuple(sorted((*self._names.get(name, ()), path)))
        self._regroup(fold(path), (*self._groups.get(fold(path), ()), path))

    def _forget_file(self, path: str, kind: _Kind, work: _Work) -> None:
        del self._kinds[path]
        self._count_folders(path, -1)
        if kind is _Kind.ATTACHMENT:
            self._attachments.discard(path)
        elif kind is _Kind.OUTSIDE:
            self._outside.discard(path)
            work.outside = True
        name = _name_key(path)
        left = tuple(other for other in self._names.get(name, ()) if other != path)
        if left:
            self._names[name] = left
        else:
            self._names.pop(name, None)
        key = fold(path)
        self._regroup(key, tuple(other for other in self._groups.get(key, ()) if other != path))

    def _regroup(self, key: str, paths: tuple[str, ...]) -> None:
        """The paths that fold to ``key``, and which of them ``index.paths`` answers with."""
        if not paths:
            self._groups.pop(key, None)
            self._paths.pop(key, None)
            return
        self._groups[key] = tuple(sorted(paths))
        self._paths[key] = min(paths, key=lambda path: (self._kinds[path], path))

    def _move_aliases(
        self, path: str, old: frozenset[str], new: frozenset[str], work: _Work
    ) -> None:
        for key in old - new:
            left = tuple(owner for owner in self._aliases.get(key, ()) if owner != path)
            if left:
                self._aliases[key] = left
            else:
                self._aliases.pop(key, None)
        for key in new - old:
            self._aliases[key] = tuple(sorted((*self._aliases.get(key, ()), path)))
        work.aliases |= old ^ new

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

    def _reindex(self, source: str, deps: _Deps, work: _Work) -> None:
        """Replace ``source``'s entries in the reverse maps."""
        old = self._deps.get(source, _NO_DEPS)
        self._deps[source] = deps
        if deps.broken:
            self._broken.add(source)
        else:
            self._broken.discard(source)
        for key in _move(self._lookups, source, old.lookups, deps.lookups):
            if key not in self._lookups:
                del self._keys[key]
        _move(self._subpath_incoming, source, old.subpath_targets, deps.subpath_targets)
        work.reach |= _move(self._incoming, source, old.targets, deps.targets)
        if old.parents != deps.parents:
            work.hierarchy.add(source)
            work.old_parents.setdefault(source, old.parents)

    # --- rules --------------------------------------------------------------------------------

    def _near_broken(self, names: set[str]) -> set[str]:
        """The notes with a broken link whose suggestions ``names`` coming or going can move."""
        changed = [name_keys(name) for name in names]
        keys = self._target_keys
        near: set[str] = set()
        for source in self._broken:
            for edge in self._edges.get(source, ()):
                if edge.status is not Status.BROKEN:
                    continue
                target = edge.link.target
                found = keys.get(target)
                if found is None:
                    found = keys[target] = target_keys(target)
                if any(keys_close(name, found) for name in changed):
                    near.add(source)
                    break
        return near

    def _relint(self, dirty: set[str], work: _Work) -> Delta:
        before: dict[str, tuple[Diagnostic, ...]] = {}
        local = self._codes - _WIDE
        focus = sorted(path for path in dirty if path in self._notes)
        if local:
            keys = {key for path in focus for key in _alias_keys(self._notes[path])}
            aliases = {key: self._aliases[key] for key in keys if key in self._aliases}
            index = Index(self._names, self._paths, aliases, self._index.outside)
            self._run(local, dirty, focus, (), self._out_edges(focus), index, before)
        if self._codes & NAME_CODES:
            named = set(focus)
            if work.names or work.aliases:
                named |= self._near_broken(work.names | work.aliases)
            exact = dirty | named
            notes = sorted(named & self._notes.keys())
            # The links of the named notes, an index with every alias, and the notes themselves
            # (not a new view of them): the suggester built from every name is kept per index
            # and notes object, so it is built again only when the names moved.
            if self._name_index is None or work.names or work.aliases or work.outside:
                self._name_index = Index(
                    self._names, self._paths, self._aliases, self._index.outside
                )
            edges = self._out_edges(notes)
            self._run(NAME_CODES, exact, self._notes, (), edges, self._name_index, before)
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
        view = Vault(self.root, self.config, shown, attachments, index, tuple(edges))
        found: dict[str, list[Diagnostic]] = {}
        for item in lint(view, wanted, (), exact):
            found.setdefault(item.path, []).append(item)
        for path in exact:
            old = self._found.get(path, ())
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
            for edge in self._edges[source]:
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
            stack.extend(self._deps.get(path, _NO_DEPS).parents)
            stack.extend(old_parents.get(path, ()))
        return reach

    def _delta(
        self,
        before: Mapping[str, tuple[Diagnostic, ...]],
        paths: Iterable[str],
        files: frozenset[str],
    ) -> Delta:
        new: list[Diagnostic] = []
        fixed: list[Diagnostic] = []
        for path in paths:
            old = {finding_key(item): item for item in before.get(path, ())}
            now = {finding_key(item): item for item in self._found.get(path, ())}
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
    table: dict[str, set[str]], source: str, old: tuple[str, ...], new: tuple[str, ...]
) -> set[str]:
    """Move ``source`` from the keys ``old`` to the keys ``new``; the keys that became empty
    or stopped being empty."""
    flipped: set[str] = set()
    if old == new:
        return flipped
    for key in set(old).difference(new):
        holders = table.get(key)
        if holders is not None:
            holders.discard(source)
            if not holders:
                del table[key]
                flipped.add(key)
    for key in set(new).difference(old):
        holders = table.setdefault(key, set())
        if not holders:
            flipped.add(key)
        holders.add(source)
    return flipped
