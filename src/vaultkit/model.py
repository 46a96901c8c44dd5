"""The immutable records that flow between the pipeline's stages."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from vaultkit.config import Config
    from vaultkit.index import Index


class VaultkitError(Exception):
    """Something the user must fix before anything can run (bad config, missing vault)."""


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``fail-on`` is a comparison."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class LinkKind(enum.Enum):
    """Where in a note a link was written."""

    WIKILINK = "wikilink"
    EMBED = "embed"
    MARKDOWN = "markdown"
    PROPERTY = "property"
    FIELD = "field"


class Status(enum.Enum):
    """The resolver's answer for one link."""

    RESOLVED = "resolved"
    AMBIGUOUS = "ambiguous"
    ALIAS = "alias"
    BROKEN = "broken"
    BROKEN_HEADING = "broken-heading"
    BROKEN_BLOCK = "broken-block"
    OUTSIDE_VAULT = "outside-vault"
    EMPTY = "empty"

    @property
    def has_target(self) -> bool:
        """The link points at an existing file (even if its heading or block is missing)."""
        return self._value_ in _HAS_TARGET


_HAS_TARGET = frozenset({"resolved", "ambiguous", "alias", "broken-heading", "broken-block"})


class Link(NamedTuple):
    """One link as written in a note (a NamedTuple: vaults hold hundreds of thousands).

    ``target`` is the link text with display text, ``#heading`` and ``#^block`` removed,
    trimmed and (for markdown links) percent-decoded. ``subpath`` is ``A#B`` for headings,
    ``^id`` for blocks, else None. Positions are 1-based, in characters, in the file as it is
    on disk; ``end_column`` is exclusive.
    """

    kind: LinkKind
    text: str
    target: str
    subpath: str | None
    display: str | None
    line: int
    column: int
    end_line: int
    end_column: int
    key: str | None = None
    embed: bool = False
    unquoted: bool = False


class Heading(NamedTuple):
    """A heading of a note; ``key`` is its text after Obsidian's stripping."""

    level: int
    text: str
    key: str
    line: int


class Block(NamedTuple):
    """A block id ``^id`` (lower case) defined in a note."""

    id: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Fix:
    """A replacement of the text between two positions (end exclusive).

    ``safe``: the fix keeps what the note means in Obsidian and what the reader sees, so
    ``--fix`` applies it; an unsafe one keeps what Obsidian opens but may not be what the author
    meant, and is applied only with ``--unsafe-fixes``.
    """

    replacement: str
    line: int
    column: int
    end_line: int
    end_column: int
    safe: bool = True


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem found while reading or parsing one note, before the vault is resolved."""

    code: str
    line: int
    column: int
    message: str
    fix: Fix | None = None


@dataclass(frozen=True, slots=True)
class Suppression:
    """Codes (empty: all) silenced on the lines ``first``..``last`` inclusive."""

    codes: frozenset[str]
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class Note:
    """Everything vaultkit needs from one note, parsed once."""

    path: str
    links: tuple[Link, ...] = ()
    headings: tuple[Heading, ...] = ()
    blocks: tuple[Block, ...] = ()
    aliases: tuple[str, ...] = ()
    alias_positions: tuple[tuple[int, int], ...] = ()
    tags: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    ignore: frozenset[str] = frozenset()
    readable: bool = True
    unspaced_blocks: tuple[str, ...] = ()
    """Block ids written right after a link (``]]^id``), lower case: Obsidian needs a space
    before a block id, so these are no blocks, but a broken ``#^id`` link names them."""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1][:-3]

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


# A note as plain tuples, for crossing a process boundary or going into the cache: pickle
# writes and reads plain tuples in C, while each NamedTuple costs it a Python call both ways
# (at 10k notes, 214k links: 1.0 s to write and 0.43 s to read the records, against 0.45 s
# and 0.3 s as tuples).
NOTE_FIELDS = tuple(item.name for item in fields(Note))
_NESTED_AT = tuple(
    (NOTE_FIELDS.index(name), kind)
    for name, kind in (("links", Link), ("headings", Heading), ("blocks", Block))
)
_NESTED = frozenset(position for position, _ in _NESTED_AT)
_new = tuple.__new__


def note_values(note: Note) -> tuple[Any, ...]:
    """A note's fields in order, its links, headings and blocks as plain tuples."""
    return tuple(
        tuple(map(tuple, getattr(note, name))) if position in _NESTED else getattr(note, name)
        for position, name in enumerate(NOTE_FIELDS)
    )


def note_from_values(values: tuple[Any, ...] | list[Any]) -> Note:
    """The note ``note_values`` gave; a wrong shape raises ValueError or TypeError."""
    if len(values) != len(NOTE_FIELDS):
        raise ValueError("not the fields of a note")
    values = list(values)
    for position, kind in _NESTED_AT:
        values[position] = tuple([_new(kind, item) for item in values[position]])
    return Note(*values)


class Edge(NamedTuple):
    """A link together with the resolver's answer for it."""

    source: str
    link: Link
    status: Status
    resolved: str | None
    reason: str = ""
    is_parent: bool = False


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One finding, ready to report. Orders by path, line, column, code."""

    path: str
    line: int
    column: int
    code: str
    name: str = field(compare=False)
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    fix: Fix | None = field(default=None, compare=False)
    suggestions: tuple[str, ...] = field(default=(), compare=False)
    """What the link probably meant, best first, each as it would stand in the link."""
    suggested: Fix | None = field(default=None, compare=False)
    """The edit that writes a near-certain single suggestion (SARIF ``fixes``); never applied
    by ``--fix``, which applies ``fix`` only."""
    subject: str | None = field(default=None, compare=False)
    """What the finding is about (``identity.subject_of``): set by the rules as they find it,
    so its identity needs no second look at the note; None only before that."""


def diagnostic_order(item: Diagnostic) -> tuple[str, int, int, str]:
    """The key findings sort by, as ``Diagnostic``'s own order: path, line, column, code.

    ``sorted(found, key=diagnostic_order)`` builds each key once; the dataclass's ``__lt__``
    builds two tuples a comparison (a tenth of a second for 12k findings).
    """
    return item.path, item.line, item.column, item.code


def finding_key(item: Diagnostic) -> tuple[object, ...]:
    """Everything a finding says, for comparing two reports (``==`` compares its place only)."""
    return (
        item.path,
        item.line,
        item.column,
        item.code,
        item.name,
        item.severity,
        item.message,
        item.fix,
        item.suggestions,
        item.suggested,
    )


@dataclass(frozen=True, slots=True)
class Vault:
    """A resolved vault: its notes, their links with answers, and what rules need from them."""

    root: Path
    config: Config
    notes: Mapping[str, Note]
    attachments: tuple[str, ...]
    index: Index
    edges: tuple[Edge, ...]
    # Old vault path → the note it became, for links still naming it (``renames.py``).
    renames: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    # Whether broken links' findings name the notes they probably meant (a view asked without
    # them, ``rules.edges_findings``, skips the costly search of the vault's names).
    naming: bool = field(default=True, compare=False, repr=False)
    _groups: dict[Status, tuple[Edge, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def with_status(self, status: Status) -> tuple[Edge, ...]:
        """The edges of one status, in order: one pass over the edges serves every rule."""
        if self._groups is None:
            groups: dict[Status, list[Edge]] = {}
            for edge in self.edges:
                found = groups.get(edge.status)
                if found is None:
                    groups[edge.status] = [edge]
                else:
                    found.append(edge)
            # Frozen: set once, like a cached property (slots leave no room for one).
            object.__setattr__(
                self, "_groups", {key: tuple(value) for key, value in groups.items()}
            )
        assert self._groups is not None
        return self._groups.get(status, ())
