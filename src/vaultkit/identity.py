"""What a finding is, apart from where it is: its identity, and the baseline built from them.

A finding's identity is ``(path, code, subject, n)`` (cli.md, "What a finding is"):

- ``subject`` is what the finding is about: the link text as written for a finding located
  on a link (``[[Nowhere#Intro|see]]``), the alias for a finding located on an alias, else
  the first piece of user text the message quotes (a property key, a block id), and empty
  for a finding about the whole note (VK001 to VK005, VK201, VK202, VK220). Line and column
  never enter it, so moving a broken link down three lines, or renaming a note and updating
  its links as Obsidian does, changes no identity.
- ``n`` is the finding's rank, in position order, among the findings of that note with the
  same code and subject: two equal broken links in one note are two findings.

``finding_id`` turns an identity into the short string JSON carries as ``"id"``: a hash of
the identity alone, so it is the same on every machine and in every run.

The baseline file (``.vaultkit-baseline.json``) holds identities, sorted, one a line, so a
reviewer reads what was accepted in a plain diff. Matching is by the whole identity: a stale
entry for ``[[A]]`` in one note never hides a new VK101 for ``[[B]]`` or one in another note.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from vaultkit.model import Diagnostic, Note, VaultkitError, diagnostic_order

BASELINE_FILE = ".vaultkit-baseline.json"
_BASELINE_VERSION = 1

# Findings about a note as a whole: nothing in the note is their subject.
_NOTE_LEVEL = frozenset({"VK001", "VK002", "VK003", "VK004", "VK005", "VK201", "VK202", "VK220"})
# The first user text a message quotes: rules quote it with ``!r`` (either quote character).
_QUOTED = re.compile(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""")


class Identity(NamedTuple):
    """What a finding is: the note, the rule, what it is about, and its rank among equals."""

    path: str
    code: str
    subject: str
    n: int


def subject_of(item: Diagnostic, note: Note | None) -> str:
    """What ``item`` is about (see the module's docstring), given the note it is in.

    The rules' own way to name a finding's subject where the finding does not carry it: a
    link rule names its link directly; ``findings.check`` asks this for the others.
    """
    if item.code in _NOTE_LEVEL:
        return ""
    if note is not None:
        for link in note.links:
            if link.line == item.line and link.column == item.column:
                return link.text
        for alias, (line, column) in zip(note.aliases, note.alias_positions, strict=False):
            if line == item.line and column == item.column:
                return alias
    quoted = _QUOTED.search(item.message)
    if quoted is None:
        return ""
    return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)


def about_its_note(code: str) -> bool:
    """Whether findings of ``code`` are about their note as a whole: their subject is empty."""
    return code in _NOTE_LEVEL


def identities(diagnostics: Sequence[Diagnostic]) -> list[Identity]:
    """The identity of each finding, in the order given.

    The subject is the one the rules attached (``Diagnostic.subject``), else what the message
    alone says. The rank ``n`` counts equal identities in position order, whatever order they
    come in.
    """
    order = sorted(range(len(diagnostics)), key=lambda i: diagnostic_order(diagnostics[i]))
    seen: Counter[tuple[str, str, str]] = Counter()
    found: list[Identity | None] = [None] * len(diagnostics)
    for index in order:
        item = diagnostics[index]
        subject = item.subject if item.subject is not None else subject_of(item, None)
        key = (item.path, item.code, subject)
        found[index] = Identity(*key, seen[key])
        seen[key] += 1
    return [identity for identity in found if identity is not None]


def finding_id(identity: Identity) -> str:
    """The stable string JSON carries as a finding's ``"id"``."""
    data = json.dumps(list(identity), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def baseline_text(found: Iterable[Identity]) -> str:
    """The baseline file's text: every identity once, sorted, one a line."""
    rows = sorted(set(found))
    lines = [json.dumps(list(row), ensure_ascii=False) for row in rows]
    body = ",\n".join(f"  {line}" for line in lines)
    inner = f"\n{body}\n" if lines else ""
    return f'{{"version": {_BASELINE_VERSION}, "findings": [{inner}]}}\n'


def parse_baseline(text: str, source: str) -> frozenset[Identity]:
    """The identities a baseline file holds; anything else is a ``VaultkitError``."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise VaultkitError(f"{source}: not a vaultkit baseline ({error})") from None
    if not isinstance(data, dict) or data.get("version") != _BASELINE_VERSION:
        raise VaultkitError(f"{source}: not a vaultkit baseline (expected version 1)")
    rows = data.get("findings")
    if not isinstance(rows, list):
        raise VaultkitError(f"{source}: not a vaultkit baseline ('findings' is not a list)")
    found: set[Identity] = set()
    for row in rows:
        if (
            not isinstance(row, list)
            or len(row) != 4
            or not all(isinstance(part, str) for part in row[:3])
            or not isinstance(row[3], int)
            or isinstance(row[3], bool)
            or row[3] < 0
        ):
            raise VaultkitError(f"{source}: not a vaultkit baseline (bad entry {row!r})")
        found.add(Identity(row[0], row[1], row[2], row[3]))
    return frozenset(found)


class Split(NamedTuple):
    """Findings split by a baseline: those to show (and their identities), how many it hid,
    how many it lists fixed."""

    shown: list[Diagnostic]
    shown_ids: list[Identity]
    hidden: int
    fixed: int


def apply_baseline(
    diagnostics: Sequence[Diagnostic],
    found: Sequence[Identity],
    baseline: frozenset[Identity],
    in_scope: Callable[[Identity], bool] | None = None,
) -> Split:
    """Hide the findings ``baseline`` lists; count its entries no finding has any more.

    ``in_scope`` limits the "fixed since" count to the entries the run checked (the notes
    asked for, the rules run), as a hook call on some notes must not count the rest of the
    vault's entries as fixed.
    """
    current = set(found)
    pairs = [pair for pair in zip(diagnostics, found, strict=True) if pair[1] not in baseline]
    shown = [item for item, _ in pairs]
    fixed = sum(
        1 for entry in baseline if entry not in current and (in_scope is None or in_scope(entry))
    )
    return Split(shown, [identity for _, identity in pairs], len(diagnostics) - len(shown), fixed)
