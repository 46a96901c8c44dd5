"""Renamed notes: which old names became which notes (cache, git, watch), and the links' fix.

A rename is an old vault path and the note it became. Three sources know of them:

- the cache (``cache_renames``): a note the last run saw is gone and a note it did not see
  has appeared with the same bytes, or nearly the same content. The cache keeps a parse,
  not the text, so "nearly the same" is judged on what the parse holds: the sequence of the
  note's links, headings, block ids, tags and aliases (at least ``_MIN_PARTS`` of them) must
  have a ``difflib`` ratio of at least ``_SIMILAR`` and the sizes must be within
  ``_SIZE_SLACK`` of each other, and at least ``_MIN_OWN`` of the parts they share must be
  their own (no other note of the vault holds them: a note made from the same template as
  a deleted one shares its headings and links with the template's other notes). Only
  pairs of a vanished and an appeared note are compared, at most ``_MAX_COMPARED`` notes on
  each side (more is a bulk change, matched by exact bytes only), and a pair is taken only
  when each is the other's single best match: two notes of the same bytes that vanish (or
  appear) together are no rename.
- git (``git_renames``): ``git diff -M --name-status`` of the last commit (``HEAD~1`` to
  ``HEAD``), then of the index against ``HEAD`` (what is staged), when the vault lies in a
  work tree. Git runs only when a link is broken, with a timeout; no git, no repository, no
  commit yet or a timeout mean no rename.
- ``watch`` (``record_moves``): the moves it saw, stored as the cache stores its own.

Renames are remembered (``cache.load_renames``) until the old path is a file again or the
new note is gone (a rename of a rename follows the chain), so a link is still told after the
cache has forgotten the old note and after the commit that moved it is no longer the last;
``--no-cache`` reads no remembered rename and asks git only.

A broken link whose target named an old path (as a name, a path, ``/`` rooted or relative to
its note, ``.md`` or not) is a link to the note it became when all the old paths it could
name became that note. ``rename_fix`` rewrites it as Obsidian would have on rename, through
``relink.written_target``: display text, ``#heading``, ``#^block``, ``!`` kept, the link's
form kept (a name stays the shortest unambiguous name, a path a path), and the form is
taken only when it resolves to the note (else the vault path, then the rooted path).
"""

from __future__ import annotations

import difflib
import os
import posixpath
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from urllib.parse import unquote

from vaultkit import cache
from vaultkit.config import Config
from vaultkit.model import Edge, Fix, Note, Status, Vault
from vaultkit.relink import link_parts, replace_target, written_target
from vaultkit.resolve import Resolver
from vaultkit.text import fold

_SIMILAR = 0.9
_SIZE_SLACK = 0.1
_MIN_PARTS = 4
_MIN_OWN = 3
_MAX_COMPARED = 256
_GIT_TIMEOUT = 5.0
# Renames remembered at most (the latest kept): each costs a few dozen bytes.
_KEPT = 4096

# What the cache knew of a note: the hash of its bytes, its size, its parse.
Seen = tuple[bytes, int, Note]


def cache_renames(
    vanished: Mapping[str, Seen], appeared: Mapping[str, Seen], notes: Iterable[Note] = ()
) -> dict[str, str]:
    """The renames that vanished and appeared notes show (see the module's docstring);
    ``notes`` are the vault's notes now, to tell a note's own parts from a template's."""
    if not vanished or not appeared:
        return {}
    found: dict[str, str] = {}
    old_by_hash = _by_hash(vanished)
    new_by_hash = _by_hash(appeared)
    for hashed, olds in old_by_hash.items():
        news = new_by_hash.get(hashed, [])
        if len(olds) == 1 and len(news) == 1 and vanished[olds[0]][1] > 0:
            found[olds[0]] = news[0]
    olds = [path for path in vanished if path not in found]
    taken = set(found.values())
    news = [path for path in appeared if path not in taken]
    if not olds or not news or len(olds) > _MAX_COMPARED or len(news) > _MAX_COMPARED:
        return found
    old_parts = {path: _parts(vanished[path][2]) for path in olds}
    new_parts = {path: _parts(appeared[path][2]) for path in news}
    best_new = {path: _best(path, vanished, old_parts, appeared, new_parts) for path in olds}
    best_old = {path: _best(path, appeared, new_parts, vanished, old_parts) for path in news}
    pairs = [(old, new) for old, new in best_new.items() if new and best_old.get(new) == old]
    if pairs:
        common = _common(notes, {part for old, _ in pairs for part in old_parts[old]})
        for old, new in pairs:
            own = set(old_parts[old]) & set(new_parts[new]) - common
            if len(own) >= _MIN_OWN:
                found[old] = new
    return found


def _common(notes: Iterable[Note], parts: set[str]) -> set[str]:
    """Those of ``parts`` that two or more of ``notes`` hold (a template's headings, say)."""
    seen: set[str] = set()
    common: set[str] = set()
    for note in notes:
        for part in parts.intersection(_parts(note)):
            (common if part in seen else seen).add(part)
    return common


def _by_hash(seen: Mapping[str, Seen]) -> dict[bytes, list[str]]:
    groups: dict[bytes, list[str]] = {}
    for path, (hashed, _, _) in seen.items():
        groups.setdefault(hashed, []).append(path)
    return groups


def _parts(note: Note) -> list[str]:
    """What a parse holds of a note's content, in order: a stand-in for its text."""
    parts = [link.text for link in note.links]
    parts += ["#" + heading.text for heading in note.headings]
    parts += ["^" + block.id for block in note.blocks]
    parts += ["tag:" + tag for tag in note.tags] + ["alias:" + alias for alias in note.aliases]
    return parts


def _best(
    path: str,
    mine: Mapping[str, Seen],
    my_parts: Mapping[str, list[str]],
    theirs: Mapping[str, Seen],
    their_parts: Mapping[str, list[str]],
) -> str | None:
    """The one other note most like ``path``, if it is alike enough and no other ties it."""
    parts = my_parts[path]
    if len(parts) < _MIN_PARTS:
        return None
    size = mine[path][1]
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(parts)
    best: str | None = None
    best_ratio = -1.0
    tied = False
    for other, other_parts in their_parts.items():
        other_size = theirs[other][1]
        if len(other_parts) < _MIN_PARTS or abs(size - other_size) > _SIZE_SLACK * max(
            size, other_size
        ):
            continue
        matcher.set_seq1(other_parts)
        if matcher.real_quick_ratio() < _SIMILAR or matcher.quick_ratio() < _SIMILAR:
            continue
        ratio = matcher.ratio()
        if ratio < _SIMILAR or ratio < best_ratio:
            continue
        tied = ratio == best_ratio
        best, best_ratio = other, ratio
    return None if tied else best


def git_renames(root: Path) -> dict[str, str]:
    """The renames git knows under ``root``: the last commit's, then the staged ones."""
    if not _in_work_tree(root):
        return {}
    found: dict[str, str] = {}
    for args in (("HEAD~1", "HEAD"), ("--cached", "HEAD")):
        for old, new in _git_diff(root, args):
            found = _followed(found, old, new)
    return found


def _in_work_tree(root: Path) -> bool:
    """Whether a ``.git`` lies in ``root`` or above it: no process is started otherwise."""
    return any(os.path.lexists(folder / ".git") for folder in (root, *root.parents))


def _git_diff(root: Path, args: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """The renames of one ``git diff -M``, paths relative to ``root`` (others left out)."""
    command = ["git", "diff", "-M", "--name-status", "-z", "--relative", "--no-color", *args]
    try:
        done = subprocess.run(
            command,
            cwd=root,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=_GIT_TIMEOUT,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return
    if done.returncode != 0:
        return
    items = [os.fsdecode(item) for item in done.stdout.split(b"\0")]
    position = 0
    while position < len(items) and items[position]:
        status = items[position]
        if status[:1] in ("R", "C") and position + 2 < len(items):
            if status.startswith("R"):
                yield items[position + 1], items[position + 2]
            position += 3
        else:
            position += 2


def _followed(known: Mapping[str, str], old: str, new: str) -> dict[str, str]:
    """``known`` with ``old`` → ``new`` added, and each rename that led to ``old`` led on."""
    if old == new:
        return dict(known)
    moved = {before: (new if after == old else after) for before, after in known.items()}
    moved.pop(new, None)
    moved[old] = new
    return {before: after for before, after in moved.items() if before != after}


def merged(known: Mapping[str, str], found: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``known`` with the renames ``found`` added in order, chains followed."""
    moved = dict(known)
    for old, new in found:
        moved = _followed(moved, old, new)
    return _latest(moved)


def record_moves(root: Path, config: Config, moves: Iterable[tuple[str, str]]) -> None:
    """Remember moves of notes seen as they happened (``watch``'s), vault paths old → new.

    The next lint of the vault (and every later one, while they hold) tells links naming an
    old path that it was renamed, with the fix.
    """
    known = cache.load_renames(root, config)
    moved = merged(known, moves)
    if moved != known:
        cache.save_renames(root, config, moved)


def for_vault(
    root: Path, config: Config, notes: Mapping[str, Note], moves: Iterable[tuple[str, str]] = ()
) -> KnownRenames:
    """The renames for a vault built elsewhere (``Vault(..., renames=...)``, as the engine
    ``watch`` keeps would): those remembered, with ``moves`` (seen now) recorded first."""
    moves = list(moves)
    if moves:
        record_moves(root, config, moves)
    return KnownRenames(root, config, notes, cache.load_renames(root, config), store=True)


def _latest(moved: Mapping[str, str]) -> dict[str, str]:
    items = list(moved.items())
    return dict(items[-_KEPT:])


class KnownRenames(Mapping[str, str]):
    """The renames that hold for a vault: old path → note, git asked at the first look.

    ``remembered`` are the cache's (already merged with what it just saw); with ``store``,
    what git adds is remembered too. A rename holds while its old path is no file of the
    vault and its new one is a note.
    """

    def __init__(
        self,
        root: Path,
        config: Config,
        files: Mapping[str, object],
        remembered: Mapping[str, str],
        *,
        store: bool,
    ) -> None:
        self._root = root
        self._config = config
        self._files = files
        self._remembered = dict(remembered)
        self._store = store
        self._moved: dict[str, str] | None = None
        self._names: dict[str, set[str]] | None = None
        self._paths: dict[str, str] | None = None
        self.resolver: Resolver | None = None

    def _settled(self) -> dict[str, str]:
        if self._moved is None:
            moved = merged(self._remembered, git_renames(self._root).items())
            if self._store and moved != self._remembered:
                cache.save_renames(self._root, self._config, moved)
            self._moved = {old: new for old, new in moved.items() if self._holds(old, new)}
        return self._moved

    def _holds(self, old: str, new: str) -> bool:
        return old not in self._files and new in self._files and new.lower().endswith(".md")

    def __getitem__(self, key: str) -> str:
        return self._settled()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._settled())

    def __len__(self) -> int:
        return len(self._settled())

    def lookup(self) -> tuple[dict[str, set[str]], dict[str, str]]:
        """Folded old name (no ``.md``) → new notes, and folded old path (no ``.md``) → new."""
        if self._names is None or self._paths is None:
            self._names, self._paths = _lookup(self)
        return self._names, self._paths


def _lookup(moved: Mapping[str, str]) -> tuple[dict[str, set[str]], dict[str, str]]:
    names: dict[str, set[str]] = {}
    paths: dict[str, str] = {}
    for old, new in moved.items():
        key = _key(old)
        paths[key] = new
        names.setdefault(key.rsplit("/", 1)[-1], set()).add(new)
    return names, paths


def _key(path: str) -> str:
    folded = fold(path)
    return folded[:-3] if folded.endswith(".md") else folded


def renamed_to(vault: Vault, edge: Edge) -> str | None:
    """The note a broken link's target became, when the old name it names was renamed."""
    moved = vault.renames
    if edge.status is not Status.BROKEN or not moved:
        return None
    names, paths = moved.lookup() if isinstance(moved, KnownRenames) else _lookup(moved)
    target = edge.link.target.strip()
    if target.startswith(("./", "../")):
        folder = edge.source.rsplit("/", 1)[0] if "/" in edge.source else ""
        target = posixpath.normpath(posixpath.join(folder, target))
    key = _key(target.lstrip("/"))
    if not key or key.startswith("../"):
        return None
    if "/" in key or target.startswith("/"):
        found = {new for old, new in paths.items() if old == key or old.endswith("/" + key)}
    else:
        found = names.get(key, set())
    if len(found) != 1:
        return None
    (new,) = found
    return new if new in vault.notes else None


def rename_fix(vault: Vault, edge: Edge, new: str) -> Fix | None:
    """The safe fix that points a link naming a renamed note at the note it became."""
    link = edge.link
    parts = link_parts(link)
    if parts is None:
        return None
    written = link.text[parts.target[0] : parts.target[1]]
    if parts.markdown and not parts.angle:
        written = unquote(written)
    moved = vault.renames
    resolver = moved.resolver if isinstance(moved, KnownRenames) else None
    if resolver is None:
        resolver = Resolver(vault.index, vault.notes, vault.config)
        if isinstance(moved, KnownRenames):
            moved.resolver = resolver
    form = written_target(written, edge.source, vault.index.names, new, parts.markdown)
    path = new if parts.markdown or fold(written).endswith(".md") else new[:-3]
    for value in dict.fromkeys((form, path, "/" + path)):
        answer = resolver.edge(edge.source, link._replace(target=value))
        if answer.resolved == new and answer.status is not Status.AMBIGUOUS:
            return replace_target(link, value)
    return None
