"""The pipeline end to end: ``load_vault`` (scan, read, parse, index, resolve), then ``lint``."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from vaultkit import cache, obsidian, renames
from vaultkit.config import Config, glob_matcher, load_config, marked_vault, unmarked_notice
from vaultkit.identity import subject_of
from vaultkit.index import build_index
from vaultkit.load import load_note as load_note
from vaultkit.load import load_note_hashed as load_note_hashed
from vaultkit.model import Diagnostic, Edge, Note, VaultkitError, diagnostic_order
from vaultkit.parallel import collector_paused, parse_groups, parse_paths
from vaultkit.resolve import Resolver, Vault, resolve_vault
from vaultkit.rules import Rule, select_rules
from vaultkit.scan import Scan, scan_vault


@dataclass(frozen=True, slots=True)
class Checked:
    """What ``check_vault`` found, how many notes the vault holds, and how many were left out.

    ``left_out`` counts the notes Obsidian's own settings keep apart (``obsidian.py``), by the
    reason the summary gives (``in Obsidian's templates folder 'Templates'``): they are notes
    (links to them resolve) but none of their findings is reported.
    """

    diagnostics: list[Diagnostic]
    notes: int
    left_out: dict[str, int] = field(default_factory=dict)


def left_out_counts(config: Config, notes: Iterable[str]) -> dict[str, int]:
    """How many of ``notes`` Obsidian's settings keep apart, by reason, in the settings' order."""
    why = obsidian.left_out(config.obsidian_skip)
    counts = dict.fromkeys(map(obsidian.reason, config.obsidian_skip), 0)
    for path in notes:
        reason = why(path)
        if reason is not None:
            counts[reason] += 1
    return {reason: count for reason, count in counts.items() if count}


def left_out_summary(counts: Mapping[str, int]) -> str:
    """``28 notes in Obsidian's templates folder 'Templates' not checked``; empty for none."""
    if not counts:
        return ""
    parts = [f"{count:,} note{'s' if count != 1 else ''} {why}" for why, count in counts.items()]
    return ", ".join(parts) + " not checked"


def load_vault(root: Path | str, config: Config | None = None, *, use_cache: bool = True) -> Vault:
    """Read, parse and resolve every note of the vault at ``root``.

    With ``use_cache``, unchanged notes and their resolved links come from the cache (see
    ``cache.py``) and only the others are read, parsed and resolved; the answer is the same.
    """
    root, config = _settle(root, config)
    scan = scan_vault(root, glob_matcher(config.exclude))
    with collector_paused(freeze=True):
        if not use_cache:
            return _parsed_vault(root, config, scan)
        started = time.time_ns()
        return _cached_vault(root, config, scan, _stamps(root, scan), started)[0]


def check_vault(
    root: Path | str,
    config: Config | None = None,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    paths: Iterable[str] | None = None,
    use_cache: bool = True,
) -> Checked:
    """``lint(load_vault(root, config), select, ignore, paths)``, and the vault's note count.

    With ``use_cache``, a vault found exactly as it was at the last check (every note's size
    and times, every file, the config) is answered from the stored findings without parsing
    anything (only notes changed too recently for their stamps to prove anything are read
    and hashed); otherwise it is loaded as ``load_vault`` does and the findings of the
    whole vault are stored for next time.
    """
    root, config = _settle(root, config)
    rules = select_rules(select or config.select, (*config.ignore, *ignore))
    wanted = _within(paths)
    scan = scan_vault(root, glob_matcher(config.exclude))
    if not use_cache:
        with collector_paused(freeze=True):
            vault = _parsed_vault(root, config, scan)
            found = _findings(vault, rules)
        return Checked(
            [item for item in found if wanted(item.path)],
            len(vault.notes),
            left_out_counts(config, filter(wanted, scan.notes)),
        )
    started = time.time_ns()
    stamps = _stamps(root, scan)
    state = cache.state_key(config, stamps, scan.attachments, scan.outside)
    selection = tuple(rule.code for rule in rules)
    stored = cache.load_results(root, config)
    if stored is not None and stored.state == state:
        hit = stored.found.get(selection)
        if hit is not None and cache.verified(root, stored.racy):
            return Checked(
                [item for item in hit if wanted(item.path)],
                len(scan.notes),
                left_out_counts(config, filter(wanted, scan.notes)),
            )
    with collector_paused(freeze=True):
        vault, entries, written = _cached_vault(root, config, scan, stamps, started, True)
        try:
            found = _findings(vault, rules)
        finally:
            written()
    racy = _racy_digests(stamps, entries, started)
    if racy is not None:
        earlier = stored.found if stored is not None and stored.state == state else {}
        others = [item for item in earlier.items() if item[0] != selection]
        kept = dict(others[-(cache.SELECTIONS - 1) :])
        kept[selection] = tuple(found)
        cache.save_results(root, config, cache.Results(state, racy, kept))
    return Checked(
        [item for item in found if wanted(item.path)],
        len(vault.notes),
        left_out_counts(config, filter(wanted, scan.notes)),
    )


def vaults_of(
    paths: Iterable[Path], cwd: Path, *, quiet: bool = False, below: bool = True
) -> dict[Path, list[Path]]:
    """Group paths by the vault that holds each, found from the path's own location.

    A path's vault is the nearest folder above it with ``.obsidian/`` or ``.vaultkit.toml``. A
    path with neither above it is no note of any vault, never a vault of its own (a
    repository's ``README.md`` beside its ``notes/`` vault): it is put with the first vault
    found, for the CLI to skip with one line as a path outside it. When no path has a vault,
    the vault is a marked folder right under an unmarked ``cwd`` (the repository's ``notes/``,
    when the hook gets ``README.md`` alone; not when a folder is asked for, nor without
    ``below``), else the vault of ``cwd``: its marked vault, or
    else ``cwd`` itself, which is then said on stderr (unless ``quiet``); paths outside it are
    skipped the same way.
    """
    marked: dict[Path, Path | None] = {}
    groups: dict[Path, list[Path]] = {}
    strays: list[Path] = []
    for path in paths:
        absolute = path.resolve()
        start = absolute if absolute.is_dir() else absolute.parent
        if start not in marked:
            marked[start] = marked_vault(start)
        root = marked[start]
        if root is None:
            strays.append(path)
        else:
            groups.setdefault(root, []).append(path)
    if strays and not groups:
        # Files from a repository's root beside its vault (pre-commit passes README.md on its
        # own): a marked folder just below ``cwd`` is the vault they lie outside of. A folder
        # asked for (``.``, or no path at all) is the current folder's vault, as cli.md says.
        files = below and not any(path.is_dir() for path in strays)
        child = _marked_child(cwd) if files else None
        groups[child or default_vault(cwd, quiet=quiet)] = strays
    elif strays:
        next(iter(groups.values())).extend(strays)
    return groups


def _marked_child(cwd: Path) -> Path | None:
    """The first folder right under an unmarked ``cwd`` that is marked as a vault, if any."""
    if marked_vault(cwd) is not None:
        return None
    try:
        children = sorted(entry.path for entry in os.scandir(cwd) if not entry.name.startswith("."))
    except OSError:
        return None
    for child in map(Path, children):
        if child.is_dir() and marked_vault(child) == child.resolve():
            return child.resolve()
    return None


def default_vault(cwd: Path, *, quiet: bool = False) -> Path:
    """The vault of ``cwd``: its marked vault, else ``cwd``, said on stderr unless ``quiet``."""
    root = marked_vault(cwd)
    if root is None:
        root = cwd.resolve()
        if not quiet:
            print(unmarked_notice(cwd, root), file=sys.stderr)
    return root


def lint(
    vault: Vault,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    paths: Iterable[str] | None = None,
) -> list[Diagnostic]:
    """Run the enabled rules; drop suppressed findings; keep only ``paths`` when given.

    ``select`` replaces the config's selection; ``ignore`` adds to the config's. ``paths``
    are vault-relative notes or folders (a folder keeps the findings of every note under it,
    ``""`` or ``"."`` the whole vault); a path that is not a note of the vault keeps nothing.
    """
    config = vault.config
    rules = select_rules(select or config.select, (*config.ignore, *ignore))
    wanted = _within(paths)
    return [item for item in _findings(vault, rules) if wanted(item.path)]


def _findings(vault: Vault, rules: Iterable[Rule]) -> list[Diagnostic]:
    found = [
        diagnostic
        if diagnostic.subject is not None
        else replace(diagnostic, subject=subject_of(diagnostic, vault.notes.get(diagnostic.path)))
        for rule in rules
        for diagnostic in rule.check(vault)
    ]
    suppressed = _Suppressed(vault)
    kept = [diagnostic for diagnostic in found if not suppressed(diagnostic)]
    return sorted(kept, key=diagnostic_order)


def _within(paths: Iterable[str] | None) -> Callable[[str], bool]:
    if paths is None:
        return _everything
    exact: set[str] = set()
    for path in paths:
        path = path.strip("/")
        if path in ("", "."):
            return _everything
        exact.add(path.removeprefix("./"))
    folders = tuple(path + "/" for path in exact)
    return lambda path: path in exact or path.startswith(folders)


def _everything(path: str) -> bool:
    return True


def _settle(root: Path | str, config: Config | None) -> tuple[Path, Config]:
    root = Path(root)
    if not root.is_dir():
        raise VaultkitError(f"{root}: not a folder")
    root = root.resolve()
    return root, config if config is not None else load_config(root)


def _parsed_vault(root: Path, config: Config, scan: Scan) -> Vault:
    notes = parse_paths(root, scan.notes, config)
    index = build_index(notes.values(), scan.attachments, scan.outside)
    vault = resolve_vault(root, config, notes, scan.attachments, index)
    return replace(vault, renames=renames.KnownRenames(root, config, notes, {}, store=False))


def _stamps(root: Path, scan: Scan) -> dict[str, cache.Stamp | None]:
    base = os.fspath(root)
    join = os.path.join
    return {path: cache.stamp(join(base, path)) for path in scan.notes}


def _cached_vault(
    root: Path,
    config: Config,
    scan: Scan,
    stamps: Mapping[str, cache.Stamp | None],
    started: int,
    background: bool = False,
) -> tuple[Vault, dict[str, cache.Entry], Callable[[], None]]:
    """The vault, reusing what the cache holds; also the entries to keep, which it saves.

    With ``background`` the note shards may still be being written when this returns: the
    caller calls the third item (``wait``) before it is done (see ``NoteCache.save_notes``).
    """
    store = cache.NoteCache(root, config)
    base = os.fspath(root)
    entries: dict[str, cache.Entry] = {}
    fresh: list[str] = []
    for path in scan.notes:
        found = stamps[path]
        old = store.entries.get(path)
        if found is None or old is None:
            fresh.append(path)
        elif old.stamp == found and not old.racy:
            entries[path] = old
        elif cache.file_digest(os.path.join(base, path)) == old.digest:
            racy = cache.is_racy(found, started)
            same = old.stamp == found and old.racy == racy
            entries[path] = old if same else old._replace(stamp=found, racy=racy)
        else:
            fresh.append(path)
    # The stamps were taken before the parse reads the files, and the hash is of the bytes
    # parsed: if a file changes in between, its next stamp differs from the one kept, and the
    # hash then tells whether the kept parse still holds.
    # Parsed a shard at a time, and packed by the workers as the cache stores them: a shard
    # whose notes are all new is written as it came (see ``cache.pack_notes``).
    reused = {cache.shard_of(path) for path in entries}
    shards: dict[int, list[str]] = {}
    for path in fresh:
        shards.setdefault(cache.shard_of(path), []).append(path)
    groups = [(paths, _packer(paths, stamps, started)) for paths in shards.values()]
    parsed: dict[str, Note] = {}
    # While the workers parse, the links of the notes already back are resolved as far as
    # they can be: every path is known from the scan, only aliases wait for the last note.
    known = {path: entry.note for path, entry in entries.items()}
    pending = set(fresh)
    early = Resolver(build_index((), [*scan.notes, *scan.attachments], scan.outside), known, config)
    settled: dict[str, list[Edge | None]] = {}
    for number, packed in zip(shards, parse_groups(root, groups, config), strict=True):
        packed_entries: dict[str, cache.Entry] = {}
        arrived = cache.unpack_notes(packed)
        for path, entry, note in arrived:
            parsed[path] = known[path] = note
            pending.discard(path)
            if entry is not None:
                entries[path] = packed_entries[path] = entry
        if number not in reused:
            # The pack holds every note of the shard: it is the shard's file as it is.
            store.write_packed(number, packed, packed_entries)
        for path, _, note in arrived:
            settled[path] = early.settled_edges(path, note.links, pending)
    remembered = _renamed(root, config, store.entries, entries, scan.notes)
    # The parses are known now: they are written while the links are resolved.
    notes_written = store.save_notes(entries, background=background)
    try:
        vault = _resolved(root, config, scan, entries, parsed, settled, store)
        vault = replace(
            vault, renames=renames.KnownRenames(root, config, vault.notes, remembered, store=True)
        )
    except BaseException:
        notes_written()  # never leave the writer behind, even on Ctrl-C
        raise
    return vault, entries, notes_written


def _renamed(
    root: Path,
    config: Config,
    old: Mapping[str, cache.Entry],
    entries: Mapping[str, cache.Entry],
    notes: Sequence[str],
) -> dict[str, str]:
    """The renames remembered, with those the cache sees now (notes gone, notes come) added."""
    remembered = cache.load_renames(root, config)
    if not old:
        return remembered
    present = set(notes)
    vanished = {
        path: (entry.digest, entry.stamp[0], entry.note)
        for path, entry in old.items()
        if path not in present
    }
    if not vanished:
        return remembered
    appeared = {
        path: (entry.digest, entry.stamp[0], entry.note)
        for path, entry in entries.items()
        if path not in old
    }
    found = renames.cache_renames(vanished, appeared, (entry.note for entry in entries.values()))
    if not found:
        return remembered
    moved = renames.merged(remembered, found.items())
    cache.save_renames(root, config, moved)
    return moved


def _resolved(
    root: Path,
    config: Config,
    scan: Scan,
    entries: dict[str, cache.Entry],
    parsed: Mapping[str, Note],
    settled: Mapping[str, list[Edge | None]],
    store: cache.NoteCache,
) -> Vault:
    """The vault with every link answered; the answers go into ``entries`` and the cache."""
    notes = {path: entries[path].note if path in entries else parsed[path] for path in scan.notes}
    index = build_index(notes.values(), scan.attachments, scan.outside)
    key = cache.edges_key(config, notes, scan.attachments, scan.outside)
    resolver = Resolver(index, notes, config)
    edges: list[Edge] = []
    for path, note in notes.items():
        entry = entries.get(path)
        kept = entry.edges if entry is not None and entry.edges_key == key else None
        if path in settled:
            kept = tuple(
                edge if edge is not None else resolver.edge(path, link)
                for edge, link in zip(settled[path], note.links, strict=True)
            )
        elif kept is None:
            kept = resolver.edges(path, note.links)
        if entry is not None:
            anchors = cache.anchor_key(kept, entries)
            if kept is entry.edges and anchors != entry.anchors:
                # A heading or block link asks its target's headings and blocks: when a
                # target is not the file it was (an edit, or a run interrupted after storing
                # the target's new parse), those links are asked again.
                kept = tuple(
                    resolver.edge(path, edge.link) if edge.link.subpath else edge for edge in kept
                )
                anchors = cache.anchor_key(kept, entries)
            if entry.edges_key != key or entry.anchors != anchors or _differ(kept, entry.edges):
                entries[path] = entry._replace(edges=kept, edges_key=key, anchors=anchors)
        edges.extend(kept)
    store.save_edges(entries)
    return Vault(root, config, notes, scan.attachments, index, tuple(edges))


def _packer(
    paths: Iterable[str], stamps: Mapping[str, cache.Stamp | None], started: int
) -> Callable[[list[tuple[str, Note, bytes | None]]], bytes]:
    """How a worker packs the notes of ``paths`` (with their stamps, for the cache)."""
    return partial(cache.pack_notes, stamps={path: stamps[path] for path in paths}, started=started)


def _differ(edges: tuple[Edge, ...], kept: tuple[Edge, ...] | None) -> bool:
    return edges is not kept and edges != kept


def _racy_digests(
    stamps: Mapping[str, cache.Stamp | None], entries: Mapping[str, cache.Entry], started: int
) -> tuple[tuple[str, bytes], ...] | None:
    """The hashes that prove the racy notes unchanged; None when findings must not be kept."""
    racy = []
    for path, found in stamps.items():
        entry = entries.get(path)
        if found is None or entry is None:
            # Unreadable or timed out: a finding about this run, not about the vault.
            return None
        if cache.is_racy(found, started):
            racy.append((path, entry.digest))
    return tuple(racy)


def _names(selectors: Iterable[str], code: str, name: str) -> bool:
    return any(
        code.startswith(selector.upper()) or selector.lower() == name for selector in selectors
    )


class _Suppressed:
    """Whether a finding is silenced: its note is left out, a comment, the note or the config."""

    def __init__(self, vault: Vault) -> None:
        self._notes = vault.notes
        self._left_out = obsidian.left_out(vault.config.obsidian_skip)
        self._per_file = [
            (glob_matcher([glob]), codes) for glob, codes in vault.config.per_file_ignores
        ]

    def __call__(self, diagnostic: Diagnostic) -> bool:
        code, name = diagnostic.code, diagnostic.name
        if self._left_out(diagnostic.path) is not None:
            return True
        for matches, codes in self._per_file:
            if matches(diagnostic.path) and _names(codes, code, name):
                return True
        note = self._notes.get(diagnostic.path)
        if note is None:
            return False
        if note.ignore and _names(note.ignore, code, name):
            return True
        return any(
            suppression.first <= diagnostic.line <= suppression.last
            and (not suppression.codes or _names(suppression.codes, code, name))
            for suppression in note.suppressions
        )
