"""What a broken link probably meant: the vault's close names, headings and block ids.

A name is *close* to a link's target when, compared as Obsidian compares names (NFC, case
folded, and here also with spaces, ``-`` and ``_`` ignored), the two are equal, or one edit
apart (a letter missing, added or mistyped, or two letters swapped: ``Embedings`` for
``Embeddings``), or when the target names another file's stem (``[[Slides]]`` for
``Slides.pdf``): the same name in another folder is equal. Choices where the spec is silent:

- Targets shorter than five characters get no fuzzy suggestion (too many short names are
  one letter apart), only the exact ones.
- A candidate whose numbers differ from the target's is never suggested: ``2022-12-05`` is
  not a typo of ``2022-12-04``, nor ``Chapter 3`` of ``Chapter 4``.
- Candidates rank equal names first, then one edit away, then a note's own name before an
  alias, then the shorter path, then the path; at most three.
- An alias is suggested as Obsidian writes it when the alias is picked, ``Note|alias``
  (the note's name, the alias as display text), since Obsidian does not follow aliases; a
  markdown link is suggested the note's path. Such a suggestion is never near-certain.
- A suggestion is written as it would stand in the link: the note's shortest unambiguous name
  for a bare link, its vault path for a link written with a folder (``/`` kept for a rooted
  one, ``.md`` kept when written), percent-encoded for a markdown link.
- A heading is close when it is the asked text once separators are ignored, one edit from
  it, holds it as a word (``attention`` in ``Self-attention in one paragraph``), shares a word
  of five letters or more with it, or is alike by ``difflib``'s ratio (0.6 or more); the first
  two come first. A block id is close within one edit, or when one is the start of the other.
- A suggestion is *near-certain* when it is the only one and its name is equal to the target
  when compared as above, or one edit away from a target of five or more characters; only
  then does it carry an edit (SARIF's ``fixes``; ``--fix`` never applies it).

Two names one edit apart share their first or their last ``(n - 1) // 2`` characters (``n``
the length of the one from the index): an edit cannot touch both. So each name is indexed twice,
under its length and its first half and under its length and its last half, and a target looks
up the six buckets of lengths ``n - 1`` to ``n + 1``, each candidate checked in one pass over
the two strings. The suggester is built once per vault, and only when a link is broken. At 10k
notes and 5k broken targets indexing every string one deletion away from a name (a set look-up
for each) cost three times as long, and the edit-distance table as long again.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from vaultkit.index import Index
from vaultkit.model import Edge, Fix, Link, LinkKind, Note, Status
from vaultkit.relink import (
    encode_destination,
    heading_in_link,
    link_parts,
    name_form,
    position_in,
)
from vaultkit.text import fold, heading_key

_SEPARATORS = re.compile(r"[\s\-_]+")
_DIGITS = re.compile(r"\d+")
_MOST = 3
_FUZZY_FROM = 5
_CERTAIN_FROM = 5
_HEADING_CUTOFF = 0.6
# A word a heading and the asked text share counts when it is this long (not ``the``, ``in``).
_WORD = re.compile(r"[^\W\d_]{5,}")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What a finding suggests: the names as they would stand in the link, best first, and
    the edit that writes the first one when it is near-certain."""

    names: tuple[str, ...] = ()
    fix: Fix | None = None
    remark: str = ""
    """What the message says instead of a name, when the cause is not a misspelt name."""

    def sentence(self) -> str:
        """``; did you mean 'A', 'B' or 'C'?`` (or the remark), or nothing."""
        if self.remark:
            return f"; {self.remark}"
        if not self.names:
            return ""
        quoted = [repr(name) for name in self.names]
        listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        return f"; did you mean {listed}?"


NOTHING = Suggestion()


def compared(name: str) -> str:
    """A name as suggestions compare it: folded, spaces, ``-`` and ``_`` dropped."""
    return _SEPARATORS.sub("", fold(name))


class _Entry(NamedTuple):
    key: str
    path: str
    alias: str | None
    numbers: list[str]


class NameSuggester:
    """Close note names and aliases for broken link targets, for one vault's index."""

    def __init__(self, index: Index, notes: Mapping[str, Note]) -> None:
        # The index names every note; ``notes`` is only looked up (the incremental engine's
        # views iterate over the few notes they re-lint, but look up any).
        self.index = index
        self._notes = notes
        entries: list[_Entry | None] = []
        for name, paths in index.names.items():
            if name.endswith(".md"):
                key = compared(name[:-3])
                numbers = _numbers(key)
                entries += [_Entry(key, path, None, numbers) for path in paths if path in notes]
        for folded, owners in index.aliases.items():
            key = compared(folded)
            for owner in owners:
                spelled = index.aliased.get(owner, ())
                written = next((a for a in spelled if fold(a) == folded), folded)
                entries.append(_Entry(key, owner, written, _numbers(key)))
        # Entries are never moved: one whose file went is None (``refresh``).
        self._entries = entries
        self._exact: dict[str, list[int]] = {}
        self._halves: dict[tuple[int, bool, str], list[int]] = {}
        self._by_path: dict[str, list[int]] = {}
        # ``_file_entry`` for each, inlined: a vault has tens of thousands of names.
        exact, halves, by_path = self._exact, self._halves, self._by_path
        for number, entry in enumerate(entries):
            assert entry is not None
            key = entry.key
            exact.setdefault(key, []).append(number)
            by_path.setdefault(entry.path, []).append(number)
            size = len(key)
            if size >= _FUZZY_FROM - 1:
                half = (size - 1) // 2
                halves.setdefault((size, True, key[:half]), []).append(number)
                halves.setdefault((size, False, key[-half:]), []).append(number)
        # Files that are not notes by stem, for a target that names one without its extension.
        self._stems: dict[str, list[str]] = {}
        for key, paths in index.names.items():
            if not key.endswith(".md"):
                stem = compared(_stem(key, any_extension=True))
                self._stems.setdefault(stem, []).extend(paths)
        self._memo: dict[tuple[str, str, bool, bool], tuple[tuple[str, ...], bool]] = {}

    def _file_entry(self, number: int, entry: _Entry) -> None:
        key = entry.key
        self._exact.setdefault(key, []).append(number)
        self._by_path.setdefault(entry.path, []).append(number)
        size = len(key)
        if size >= _FUZZY_FROM - 1:
            half = (size - 1) // 2
            self._halves.setdefault((size, True, key[:half]), []).append(number)
            self._halves.setdefault((size, False, key[-half:]), []).append(number)

    def refresh(self, paths: Iterable[str]) -> None:
        """Bring the names and aliases of the files at ``paths`` up to date with the index
        (files that came, went or changed their aliases): the same suggester as one built
        anew, without going over every name of the vault again."""
        names = self.index.names
        for path in set(paths):
            for number in self._by_path.pop(path, ()):
                self._entries[number] = None
            name = fold(path.rsplit("/", 1)[-1])
            if not name.endswith(".md"):
                stem = compared(_stem(name, any_extension=True))
                held = [other for other in self._stems.get(stem, ()) if other != path]
                if path in names.get(name, ()):
                    held.append(path)
                if held:
                    self._stems[stem] = held
                else:
                    self._stems.pop(stem, None)
            fresh: list[_Entry] = []
            if name.endswith(".md") and path in names.get(name, ()) and path in self._notes:
                key = compared(name[:-3])
                fresh.append(_Entry(key, path, None, _numbers(key)))
            spelled = self.index.aliased.get(path, ())
            for folded in dict.fromkeys(map(fold, spelled)):
                if path in self.index.aliases.get(folded, ()):
                    written = next(a for a in spelled if fold(a) == folded)
                    key = compared(folded)
                    fresh.append(_Entry(key, path, written, _numbers(key)))
            for entry in fresh:
                self._entries.append(entry)
                self._file_entry(len(self._entries) - 1, entry)
        self._memo.clear()

    def suggest(self, edge: Edge) -> Suggestion:
        """The suggestion for a broken link to a note (VK101, VK301)."""
        link = edge.link
        markdown = link.kind is LinkKind.MARKDOWN
        folder = edge.source.rsplit("/", 1)[0] if link.target.startswith(("./", "../")) else ""
        memo = (link.target, folder, markdown, _angle(link))
        found = self._memo.get(memo)
        if found is None:
            ranked = self._ranked(link.target)
            written = (self._written(link, edge.source, path, alias) for _, path, alias in ranked)
            names = tuple(dict.fromkeys(written))[:_MOST]
            certain = (
                len(names) == 1
                and ranked[0][2] is None
                and self._certain(link.target, ranked[0][0])
            )
            found = self._memo[memo] = (names, certain)
        names, certain = found
        return Suggestion(names, _edit(link, names[0]) if certain else None)

    def _ranked(self, target: str) -> list[tuple[int, str, str | None]]:
        name = target.rsplit("/", 1)[-1]
        key = _target_key(target)
        numbers = _numbers(key)
        scored: dict[str, tuple[int, bool, int, str, str | None]] = {}
        if len(key) >= _FUZZY_FROM:
            seen: set[int] = set()
            halves = self._halves
            for size in (len(key) - 1, len(key), len(key) + 1):
                half = (size - 1) // 2
                seen.update(halves.get((size, True, key[:half]), ()))
                seen.update(halves.get((size, False, key[-half:]), ()))
            for number in seen:
                entry = self._entries[number]
                if entry is None:
                    continue
                if entry.key == key:
                    apart = 0
                elif entry.numbers == numbers and _one_edit(key, entry.key):
                    apart = 1
                else:
                    continue
                rank = _rank(apart, entry)
                if entry.path not in scored or rank < scored[entry.path]:
                    scored[entry.path] = rank
        else:
            for number in self._exact.get(key, ()):
                entry = self._entries[number]
                if entry is None:
                    continue
                rank = _rank(0, entry)
                if entry.path not in scored or rank < scored[entry.path]:
                    scored[entry.path] = rank
        stem = compared(_stem(name, any_extension=True))
        others = [
            entry.path
            for number in self._exact.get(stem, ())
            if (entry := self._entries[number]) is not None
        ]
        for path in [*self._stems.get(stem, ()), *(others if stem != key else ())]:
            if fold(path.rsplit("/", 1)[-1]) != fold(name):
                scored.setdefault(path, (0, False, len(path), path, None))
        ranked = sorted(scored.values(), key=lambda rank: rank[:4])
        return [(rank[0], rank[3], rank[4]) for rank in ranked]

    def _certain(self, target: str, apart: int) -> bool:
        key = compared(_stem(target.rsplit("/", 1)[-1]))
        return apart == 0 or (apart == 1 and len(key) >= _CERTAIN_FROM)

    def _written(self, link: Link, source: str, path: str, alias: str | None) -> str:
        written = link.target
        markdown = link.kind is LinkKind.MARKDOWN
        keep_md = markdown or fold(written).endswith(".md")
        is_note = path.lower().endswith(".md")
        full = path if keep_md or not is_note else path[:-3]
        if written.startswith("/"):
            form = "/" + full
        elif written.startswith(("./", "../")):
            form = _relative(full, source)
        elif "/" in written:
            form = full
        else:
            short = name_form(self.index.names, path)
            if "/" in short:
                form = full
            else:
                form = path.rsplit("/", 1)[-1] if keep_md or not is_note else short
        if markdown:
            return form if _angle(link) else encode_destination(form)
        # Picking an alias in Obsidian writes the note's name with the alias as display text.
        return f"{form}|{alias}" if alias is not None else form


# The suggesters last built, newest first: the engine's, and one for whatever else asked.
_cache: list[tuple[Index, Mapping[str, Note], NameSuggester]] = []
_KEPT = 2


def name_suggester(index: Index, notes: Mapping[str, Note]) -> NameSuggester:
    """The suggester for this index and these notes, built once (VK101 and VK301 share it;
    each view of the incremental engine is a new mapping, so it gets its own)."""
    found = cached_suggester(index, notes)
    if found is not None:
        return found
    built = NameSuggester(index, notes)
    _cache[:] = [(index, notes, built), *_cache[: _KEPT - 1]]
    return built


def cached_suggester(index: Index, notes: Mapping[str, Note]) -> NameSuggester | None:
    """The suggester built for ``index`` and ``notes``, if it is still kept."""
    for held_index, held_notes, suggester in _cache:
        if held_index is index and held_notes is notes:
            return suggester
    return None


def keep_suggester(index: Index, notes: Mapping[str, Note], suggester: NameSuggester) -> None:
    """Make ``suggester`` (kept up to date by its owner, ``refresh``) the one for ``index``
    and ``notes``: the engine keeps one across updates instead of building one each time."""
    suggester.index = index
    others = [held for held in _cache if held[2] is not suggester]
    _cache[:] = [(index, notes, suggester), *others[: _KEPT - 1]]


def heading_suggestion(edge: Edge, note: Note) -> Suggestion:
    """The note's headings closest to a broken ``#heading`` (VK102), written as in a link."""
    subpath = edge.link.subpath or ""
    asked = heading_key(subpath.split("#")[-1])
    keys = {heading.key: heading.text for heading in note.headings}
    if not asked or not keys:
        return NOTHING
    squashed = compared(asked)
    words = set(_WORD.findall(asked))
    ranked: list[tuple[float, int, str]] = []
    for order, (key, text) in enumerate(keys.items()):
        if _numbers(key) != _numbers(asked):
            continue
        if compared(key) == squashed:
            score = 2.0
        elif len(squashed) >= _FUZZY_FROM and _one_edit(squashed, compared(key)):
            score = 1.5
        elif len(asked) >= _FUZZY_FROM and re.search(rf"\b{re.escape(asked)}", key):
            score = 1.0 + len(asked) / max(len(key), 1) / 2
        else:
            score = difflib.SequenceMatcher(None, asked, key).ratio()
            shared = words & set(_WORD.findall(key))
            if shared:
                score = max(score, _HEADING_CUTOFF + 0.3 * len(shared) / len(words))
            if score < _HEADING_CUTOFF:
                continue
        ranked.append((-score, order, heading_in_link(text)))
    ranked.sort()
    names = tuple(dict.fromkeys(name for _, _, name in ranked))[:_MOST]
    certain = len(names) == 1 and -ranked[0][0] >= 1.5
    return Suggestion(names, _heading_edit(edge.link, names[0]) if certain else None)


def block_suggestion(edge: Edge, note: Note) -> Suggestion:
    """The note's block ids closest to a broken ``#^id`` (VK103), as ``^id``.

    When the note writes the id right after a link (``]]^id``), without the space Obsidian
    needs before a block id, the suggestion says so instead (the parse keeps those ids).
    """
    asked = (edge.link.subpath or "")[1:].lower()
    if not asked:
        return NOTHING
    if asked in note.unspaced_blocks:
        remark = f"{note.path!r} writes it as ']]^{asked}', without the space a block id needs"
        return Suggestion(remark=remark)
    ranked: list[tuple[float, str]] = []
    for block in dict.fromkeys(block.id for block in note.blocks):
        if _numbers(block) != _numbers(asked):
            continue
        if len(asked) >= _FUZZY_FROM and _one_edit(asked, block):
            ranked.append((1, block))
        elif block.startswith(asked) or asked.startswith(block):
            ranked.append((1.5, block))
    ranked.sort()
    names = tuple(f"^{block}" for _, block in ranked[:_MOST])
    return Suggestion(names)


def may_change(name: str, target: str) -> bool:
    """Whether a file or alias folded as ``name`` coming or going can change what a broken
    link to ``target`` is offered: the engine re-lints only those links when names move.

    It errs on the side of yes: equal, or one edit apart, compared as suggestions compare,
    with and without the extension of either, and whatever the numbers in them.
    """
    return keys_close(name_keys(name), target_keys(target))


def name_keys(name: str) -> tuple[str, ...]:
    """A file name or alias as ``may_change`` compares it, with and without its extension."""
    return compared(_stem(name)), compared(_stem(name, any_extension=True))


def target_keys(target: str) -> tuple[str, ...]:
    """A link target as ``may_change`` compares it (worth keeping: targets repeat)."""
    plain = target.rsplit("/", 1)[-1]
    return _target_key(target), compared(_stem(plain, any_extension=True))


def keys_close(names: tuple[str, ...], targets: tuple[str, ...]) -> bool:
    """Whether any of ``names`` is equal to or one edit from any of ``targets``."""
    return any(
        abs(len(one) - len(two)) <= 1 and (one == two or _one_edit(one, two))
        for one in names
        for two in targets
    )


def _target_key(target: str) -> str:
    return compared(_stem(target.rsplit("/", 1)[-1]))


def _one_edit(first: str, second: str) -> bool:
    """Whether two strings are one insertion, deletion, substitution or swap apart."""
    if len(first) < len(second):
        first, second = second, first
    if len(first) - len(second) > 1:
        return False
    start = 0
    shorter = len(second)
    while start < shorter and first[start] == second[start]:
        start += 1
    if len(first) != shorter:
        return first[start + 1 :] == second[start:]
    if first[start + 1 :] == second[start + 1 :]:
        return True
    return (
        first[start + 1 : start + 2] == second[start : start + 1]
        and first[start : start + 1] == second[start + 1 : start + 2]
        and first[start + 2 :] == second[start + 2 :]
    )


def _rank(apart: int, entry: _Entry) -> tuple[int, bool, int, str, str | None]:
    return apart, entry.alias is not None, len(entry.path), entry.path, entry.alias


def _stem(name: str, *, any_extension: bool = False) -> str:
    if any_extension:
        stem, dot, _ = name.rpartition(".")
        return stem if dot and stem else name
    return name[:-3] if name.lower().endswith(".md") else name


def _numbers(key: str) -> list[str]:
    return _DIGITS.findall(key)


def _relative(path: str, source: str) -> str:
    folder = source.rsplit("/", 1)[0] if "/" in source else "."
    relative = posixpath.relpath(path, folder)
    return relative if relative.startswith("../") else "./" + relative


def _angle(link: Link) -> bool:
    parts = link_parts(link)
    return parts is not None and parts.angle


def _edit(link: Link, value: str) -> Fix | None:
    parts = link_parts(link)
    return None if parts is None else _span_fix(link, parts.target, value)


def _heading_edit(link: Link, value: str) -> Fix | None:
    parts = link_parts(link)
    if parts is None or not parts.subpath:
        return None
    shown = encode_destination(value) if parts.markdown and not parts.angle else value
    return _span_fix(link, parts.subpath[-1], shown)


def _span_fix(link: Link, span: tuple[int, int], value: str) -> Fix | None:
    if link.unquoted or link.text[span[0] : span[1]] == value:
        return None
    start, end = position_in(link, span[0]), position_in(link, span[1])
    return Fix(value, start[0], start[1], end[0], end[1], safe=False)


def suggestion_for(index: Index, notes: Mapping[str, Note], edge: Edge) -> Suggestion:
    """What a broken link probably meant, by its status (what ``explain`` shows)."""
    target = notes.get(edge.resolved or "")
    if edge.status is Status.BROKEN:
        return name_suggester(index, notes).suggest(edge)
    if edge.status is Status.BROKEN_HEADING and target is not None:
        return heading_suggestion(edge, target)
    if edge.status is Status.BROKEN_BLOCK and target is not None:
        return block_suggestion(edge, target)
    return NOTHING
