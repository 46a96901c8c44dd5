"""The lookup tables a link is resolved with: file names, paths and aliases, all folded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vaultkit.model import Note
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
    names: defaultdict[str, list[str]] = defaultdict(list)
    paths: dict[str, str] = {}
    aliases: defaultdict[str, list[str]] = defaultdict(list)
    outside = tuple(outside)
    note_list = list(notes)
    for path in [note.path for note in note_list] + list(attachments) + list(outside):
        key = fold(path)
        names[key.rsplit("/", 1)[-1]].append(path)
        paths.setdefault(key, path)
    aliased: dict[str, tuple[str, ...]] = {}
    for note in note_list:
        if note.aliases:
            aliased[note.path] = note.aliases
        for alias in dict.fromkeys(fold(alias) for alias in note.aliases):
            aliases[alias].append(note.path)
    return Index(
        names={key: tuple(sorted(value)) for key, value in names.items()},
        paths=paths,
        aliases={key: tuple(sorted(value)) for key, value in aliases.items()},
        outside=frozenset(outside),
        aliased=aliased,
    )
