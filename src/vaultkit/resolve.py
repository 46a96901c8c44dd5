"""Where each link points, in Obsidian's order (links.md).

``resolve_target`` is the step-by-step answer for one link text; its ``Answer`` carries the
steps it took and the candidates, which ``vaultkit explain`` prints. Ties in step 7 go to the
shortest path in characters, then the alphabetically first (by code point).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit.config import Config
from vaultkit.index import Index
from vaultkit.model import Edge, Heading, Link, LinkKind, Note, Status, Vault
from vaultkit.text import fold, heading_key

# Extensions that make a link name a file rather than a note (Obsidian's accepted formats and
# what vaults commonly hold); ``[[Version 1.2]]`` is a note, ``[[paper.pdf]]`` an attachment.
_EXTENSIONS = """png jpg jpeg gif bmp svg webp avif ico tif tiff heic mp3 webm wav m4a ogg 3gp
flac mp4 ogv mov mkv avi pdf canvas base excalidraw txt csv tsv json yaml yml xml html htm css js
py zip gz tar 7z doc docx xls xlsx ppt pptx odt ods odp epub rtf tex bib ipynb drawio"""
ATTACHMENT_EXTENSIONS = frozenset(_EXTENSIONS.split())
_MARKDOWN = LinkKind.MARKDOWN
# Edges are built as tuples of their fields in order: a NamedTuple call costs a Python call.
_new_edge = tuple.__new__


@dataclass(frozen=True, slots=True)
class Answer:
    """Which file a link text points to, and why."""

    status: Status
    path: str | None
    reason: str = ""
    candidates: tuple[str, ...] = ()
    steps: tuple[str, ...] = field(default=(), compare=False)


def attachment_extension(target: str) -> str | None:
    """The extension that makes ``target`` name an attachment, if it has one."""
    name = target.rsplit("/", 1)[-1]
    _, dot, extension = name.rpartition(".")
    if dot and extension.lower() in ATTACHMENT_EXTENSIONS:
        return extension.lower()
    return None


def resolve_vault(
    root: Path,
    config: Config,
    notes: Mapping[str, Note],
    attachments: tuple[str, ...],
    index: Index,
) -> Vault:
    """Resolve every link of every note."""
    resolver = Resolver(index, notes, config)
    edges: list[Edge] = []
    for path, note in notes.items():
        edges.extend(resolver.edges(path, note.links))
    return Vault(root, config, notes, attachments, index, tuple(edges))


class Resolver:
    """Resolves links against one index; answers are memoised per target and folder."""

    def __init__(self, index: Index, notes: Mapping[str, Note], config: Config) -> None:
        self.index = index
        self.notes = notes
        self.alias_links = config.alias_links
        self.parent_keys = frozenset(fold(key) for key in config.parent_keys)
        self._memo: dict[tuple[str, str, bool], Answer] = {}
        # Answers that hold in every folder, by target: one table for wikilinks (which may
        # name an alias) and one for markdown links (which may not).
        self._anywhere: dict[bool, dict[str, Answer]] = {True: {}, False: {}}
        self._parents: dict[str, bool] = {}

    def edge(self, source: str, link: Link) -> Edge:
        """The answer for one link of the note at ``source``."""
        return self.edges(source, (link,))[0]

    def edges(self, source: str, links: Sequence[Link]) -> tuple[Edge, ...]:
        """The answers for the links of the note at ``source``, in order.

        The loop for a whole note at once, with the common case (an answer that does not
        depend on the note's folder, already known) a single dict hit: a vault has hundreds
        of thousands of links, and per-link calls were a fifth of a cold run.
        """
        return tuple(self._answers(source, links))

    def _answers(self, source: str, links: Sequence[Link]) -> list[Edge]:
        wikilinks = self._anywhere[True]
        markdown = self._anywhere[False]
        parents = self._parents
        edges: list[Edge] = []
        for link in links:
            alias = link.kind is not _MARKDOWN
            answer = (wikilinks if alias else markdown).get(link.target)
            if answer is None:
                answer = self.target(source, link.target, alias)
            status = answer.status
            path = answer.path
            subpath = link.subpath
            if subpath:
                if status is Status.EMPTY:
                    status, path = Status.RESOLVED, source
                note = self.notes.get(path) if path is not None else None
                if note is not None and status.has_target:
                    status = self._check_subpath(note, subpath, status)
            key = link.key
            is_parent = False
            if key is not None:
                is_parent = parents.get(key)  # type: ignore[assignment]
                if is_parent is None:
                    is_parent = parents[key] = fold(key) in self.parent_keys
            edges.append(_new_edge(Edge, (source, link, status, path, answer.reason, is_parent)))
        return edges

    def target(self, source: str, target: str, alias: bool) -> Answer:
        # Most answers do not depend on the linking note's folder: only relative paths and
        # names with several candidates do. Those are memoised per folder, the rest once.
        anywhere = self._anywhere[alias]
        answer = anywhere.get(target)
        if answer is not None:
            return answer
        folder = source.rsplit("/", 1)[0] if "/" in source else ""
        key = (target, folder, alias)
        answer = self._memo.get(key)
        if answer is None:
            answer = resolve_target(
                self.index, folder, target, alias, self.alias_links, trace=False
            )
            if len(answer.candidates) > 1 or target.startswith(("./", "../")):
                self._memo[key] = answer
            else:
                anywhere[target] = answer
        return answer

    def _check_subpath(self, note: Note, subpath: str, status: Status) -> Status:
        if not note.readable:
            return status
        if subpath.startswith("^"):
            block = subpath[1:].lower()
            if any(found.id == block for found in note.blocks):
                return status
            return Status.BROKEN_BLOCK
        if has_heading_path(note.headings, subpath.split("#")):
            return status
        return Status.BROKEN_HEADING


def has_heading_path(headings: tuple[Heading, ...], parts: list[str]) -> bool:
    """``[[N#A#B]]``: a heading B after heading A and before the next heading of A's level."""
    keys = [heading_key(part) for part in parts if part.strip()]
    if not keys:
        return True

    def search(start: int, end: int, depth: int) -> bool:
        for position in range(start, end):
            heading = headings[position]
            if heading.key != keys[depth]:
                continue
            if depth == len(keys) - 1:
                return True
            stop = position + 1
            while stop < end and headings[stop].level > heading.level:
                stop += 1
            if search(position + 1, stop, depth + 1):
                return True
        return False

    return search(0, len(headings), 0)


class _Steps:
    """The steps an answer took, in words for ``vaultkit explain``; formatted only if traced.

    Linting answers tens of thousands of distinct targets and never shows the steps: putting
    their words together was most of the cost of a fresh answer.
    """

    __slots__ = ("lines", "trace")

    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.lines: list[str] = []

    def add(self, template: str, *values: object) -> None:
        if self.trace:
            self.lines.append(template.format(*values))

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines)


def resolve_target(
    index: Index,
    folder: str,
    target: str,
    alias: bool = True,
    alias_links: str = "warn",
    *,
    trace: bool = True,
) -> Answer:
    """Obsidian's order for link text ``target`` written in a note of ``folder``.

    With ``trace`` the answer carries its steps in words; without, ``steps`` is empty.
    """
    steps = _Steps(trace)
    if target.startswith(("./", "../", "/")):
        base = "" if target.startswith("/") else folder
        joined = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
        if joined == ".." or joined.startswith("../"):
            steps.add("0. {!r} leaves the vault", target)
            return Answer(Status.OUTSIDE_VAULT, None, "the path leaves the vault", (), tuple(steps))
    if not target:
        return Answer(Status.EMPTY, None, "the link names nothing", (), ("1. empty link",))
    last = target.rsplit("/", 1)[-1]
    candidates = index.names.get(fold(last), ())
    with_md = False
    if not candidates:
        candidates = index.names.get(fold(last + ".md"), ())
        with_md = bool(candidates)
    if candidates:
        named = last + ".md" if with_md else last
        count = f"{len(candidates)} file" + ("s" if len(candidates) > 1 else "")
        steps.add("2. candidates: {} named {!r}", count, named)
    else:
        steps.add("2. candidates: no file is named {!r} or {!r}", last, last + ".md")
    if not candidates:
        return _no_candidate(index, target, alias, alias_links, steps)
    if "/" not in target and len(candidates) == 1:
        steps.add("3. no folder in the link and one candidate: {!r}", candidates[0])
        return _found(index, candidates[0], Status.RESOLVED, "", candidates, steps)
    if target.startswith(("./", "../", "/")):
        base = "" if target.startswith("/") else folder
        joined = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
        step = "5. from the vault root" if target.startswith("/") else "4. from the note's folder"
        for attempt in (joined, joined + ".md"):
            path = index.paths.get(fold(attempt))
            if path is not None:
                steps.add("{}: {!r}", step, path)
                return _found(index, path, Status.RESOLVED, "", candidates, steps)
        steps.add("{}: no file at {!r}", step, joined)
        return Answer(Status.BROKEN, None, f"no file at {joined!r}", candidates, tuple(steps))
    wanted = fold(target + ".md" if with_md else target)
    matching = [
        path for path in candidates if fold(path) == wanted or fold(path).endswith("/" + wanted)
    ]
    steps.add("6. candidates whose path ends with {!r}: {}", target, len(matching))
    if not matching:
        return Answer(
            Status.BROKEN,
            None,
            f"no file's path ends with {target!r}",
            candidates,
            tuple(steps),
        )
    prefix = folder + "/" if folder else ""
    near = [path for path in matching if path.startswith(prefix)]
    group = near or matching
    group.sort(key=lambda path: (len(path), path))
    winner = group[0]
    where = "under the linking note's folder" if near and prefix else "in the vault"
    if len(group) > 1:
        how = "the shortest path"
        if len(group[1]) == len(winner):
            how = "the alphabetically first of the shortest paths"
        reason = f"{len(group)} files match {target!r} {where}; {winner!r} won as {how}"
        steps.add("7. {}", reason)
        steps.add("8. the choice fell to a tie-break: ambiguous")
        return _found(index, winner, Status.AMBIGUOUS, reason, tuple(matching), steps)
    reason = f"{winner!r} is the only match {where}" if len(matching) > 1 else ""
    steps.add("7. {!r}{}", winner, f": {reason}" if reason else "")
    return _found(index, winner, Status.RESOLVED, reason, tuple(matching), steps)


def _found(
    index: Index,
    path: str,
    status: Status,
    reason: str,
    candidates: tuple[str, ...] | list[str],
    steps: _Steps,
) -> Answer:
    if path in index.outside:
        steps.add("{!r} is a symlink that leads outside the vault", path)
        return Answer(
            Status.OUTSIDE_VAULT,
            None,
            "a symlink that leads outside the vault",
            tuple(candidates),
            tuple(steps),
        )
    return Answer(status, path, reason, tuple(candidates), tuple(steps))


def _no_candidate(
    index: Index, target: str, alias: bool, alias_links: str, steps: _Steps
) -> Answer:
    owners = index.aliases.get(fold(target), ()) if alias and "/" not in target else ()
    if owners:
        winner = owners[0]
        if alias_links == "obsidian":
            steps.add("alias of {!r}: Obsidian does not follow aliases (alias-links)", winner)
            reason = f"only the alias of {winner!r} matches, and Obsidian does not follow aliases"
            return Answer(Status.BROKEN, None, reason, owners, tuple(steps))
        steps.add("no note is named {!r}; it is an alias of {!r}", target, winner)
        return Answer(Status.ALIAS, winner, f"alias of {winner!r}", owners, tuple(steps))
    steps.add("no candidate: broken")
    return Answer(Status.BROKEN, None, "no file matches", (), tuple(steps))
