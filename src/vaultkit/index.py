"""The lookup tables a link is resolved with: file names, paths and aliases, all folded.

``Files`` holds the vault's files and these tables and keeps them up to date one file at a
time (the engine, ``incremental.py``); ``build_index`` is the same tables built at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vaultkit.model import Note
from vaultkit.scan import Kind
from vaultkit.text import fold


@dataclass(frozen=True, slots=True)
class Index:
    """Folded file name → paths, folded path → path, folded alias → note paths.

    ``aliased`` is each note with aliases → its aliases as written, so that what is said of
    an alias (a suggestion) spells it as its note does without reading the note.
    """

    names: Mapping[str, tuple[str, ...]]
    paths: Mapping[str, str]
    aliases: Mapping[str, tuple[str, ...]]
    outside: frozenset[str]
    aliased: Mapping[str, tuple[str, ...]]


def build_index(
    notes: Iterable[Note], attachments: Iterable[str], outside: Iterable[str] = ()
) -> Index:
    """Index every file of the vault; ``outside`` are symlinks that lead out of it."""
    note_list = list(notes)
    aliased = {note.path: note.aliases for note in note_list if note.aliases}
    return Files([note.path for note in note_list], attachments, outside, aliased).index()


def _name_key(path: str) -> str:
    return fold(path).rsplit("/", 1)[-1]


class Files:
    """The vault's files, and the tables of ``Index`` over them, updated a file at a time.

    ``kinds`` is every file's kind, ``folders`` how many files each folder holds (at any
    depth), ``groups`` the paths that fold to each key (``paths`` answers with the one whose
    kind comes first, then the first by code point). The tables are changed in place:
    ``index()`` is a view that moves with them (asked again after ``outside`` changes).
    """

    def __init__(
        self,
        notes: Iterable[str],
        attachments: Iterable[str],
        outside: Iterable[str],
        aliased: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.attachments: set[str] = set(attachments)
        self.outside: set[str] = set(outside)
        self.kinds: dict[str, Kind] = {}
        self.folders: dict[str, int] = {}
        self.groups: dict[str, tuple[str, ...]] = {}
        self.paths: dict[str, str] = {}
        names: dict[str, list[str]] = {}
        groups: dict[str, list[str]] = {}
        kinds = self.kinds
        # Files per folder: ``_count_folders`` for every file, a folder's files counted once.
        direct: dict[str, int] = {}
        for paths, kind in (
            (notes, Kind.NOTE),
            (self.attachments, Kind.ATTACHMENT),
            (self.outside, Kind.OUTSIDE),
        ):
            for path in paths:
                kinds[path] = kind
                if "/" in path:
                    folder = path.rsplit("/", 1)[0]
                    direct[folder] = direct.get(folder, 0) + 1
                key = fold(path)
                groups.setdefault(key, []).append(path)
                names.setdefault(key.rsplit("/", 1)[-1], []).append(path)
        folders = self.folders
        for folder, count in direct.items():
            while True:
                folders[folder] = folders.get(folder, 0) + count
                if "/" not in folder:
                    break
                folder = folder.rsplit("/", 1)[0]
        for key, found in groups.items():
            if len(found) == 1:
                self.groups[key] = (found[0],)
                self.paths[key] = found[0]
            else:
                self._regroup(key, tuple(found))
        self.names: dict[str, tuple[str, ...]] = {
            key: tuple(sorted(found)) for key, found in names.items()
        }
        self.aliased: dict[str, tuple[str, ...]] = dict(aliased)
        owners: dict[str, list[str]] = {}
        for owner, written in self.aliased.items():
            for key in dict.fromkeys(map(fold, written)):
                owners.setdefault(key, []).append(owner)
        self.aliases: dict[str, tuple[str, ...]] = {
            key: tuple(sorted(found)) for key, found in owners.items()
        }

    def index(self) -> Index:
        """The lookup tables as they now stand (a view: they keep moving)."""
        return Index(self.names, self.paths, self.aliases, frozenset(self.outside), self.aliased)

    def snapshot(self) -> Index:
        """The lookup tables as they now stand, copied."""
        return Index(
            dict(self.names),
            dict(self.paths),
            dict(self.aliases),
            frozenset(self.outside),
            dict(self.aliased),
        )

    def add(self, path: str, kind: Kind) -> None:
        """A file that is new to the vault (or of a new kind, after ``forget``)."""
        self.kinds[path] = kind
        self._count_folders(path, 1)
        if kind is Kind.ATTACHMENT:
            self.attachments.add(path)
        elif kind is Kind.OUTSIDE:
            self.outside.add(path)
        name = _name_key(path)
        self.names[name] = tuple(sorted((*self.names.get(name, ()), path)))
        key = fold(path)
        self._regroup(key, (*self.groups.get(key, ()), path))

    def forget(self, path: str) -> None:
        """A file that is gone from the vault."""
        kind = self.kinds.pop(path)
        self._count_folders(path, -1)
        if kind is Kind.ATTACHMENT:
            self.attachments.discard(path)
        elif kind is Kind.OUTSIDE:
            self.outside.discard(path)
        name = _name_key(path)
        left = tuple(other for other in self.names.get(name, ()) if other != path)
        if left:
            self.names[name] = left
        else:
            self.names.pop(name, None)
        key = fold(path)
        self._regroup(key, tuple(other for other in self.groups.get(key, ()) if other != path))

    def set_aliases(self, path: str, written: tuple[str, ...]) -> frozenset[str] | None:
        """Give the note at ``path`` these aliases (as written); the folded aliases it gained
        or lost, or None when nothing changed, not even how one is spelled."""
        before = self.aliased.get(path, ())
        if written == before:
            return None
        old = frozenset(map(fold, before))
        new = frozenset(map(fold, written))
        if written:
            self.aliased[path] = written
        else:
            self.aliased.pop(path, None)
        for key in old - new:
            left = tuple(owner for owner in self.aliases.get(key, ()) if owner != path)
            if left:
                self.aliases[key] = left
            else:
                self.aliases.pop(key, None)
        for key in new - old:
            self.aliases[key] = tuple(sorted((*self.aliases.get(key, ()), path)))
        # Spelled otherwise with the same keys: what is said of them is written anew.
        return (old ^ new) or (old | new)

    def _count_folders(self, path: str, step: int) -> None:
        folder = path
        while "/" in folder:
            folder = folder.rsplit("/", 1)[0]
            count = self.folders.get(folder, 0) + step
            if count:
                self.folders[folder] = count
            else:
                del self.folders[folder]

    def _regroup(self, key: str, paths: tuple[str, ...]) -> None:
        """The paths that fold to ``key``, and which of them ``paths`` answers with."""
        if not paths:
            self.groups.pop(key, None)
            self.paths.pop(key, None)
            return
        self.groups[key] = tuple(sorted(paths))
        kinds = self.kinds
        self.paths[key] = min(paths, key=lambda path: (kinds[path], path))
