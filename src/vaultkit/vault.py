"""The pipeline end to end: ``load_vault`` (scan, read, parse, index, resolve) and ``lint``."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from pathlib import Path

from vaultkit import cache
from vaultkit.config import Config, glob_matcher, load_config
from vaultkit.index import build_index
from vaultkit.model import Diagnostic, Note, Problem, VaultkitError
from vaultkit.parallel import parse_paths
from vaultkit.parse import parse_note, unreadable_note
from vaultkit.read import read_note
from vaultkit.resolve import Vault, resolve_vault
from vaultkit.rules import select_rules
from vaultkit.scan import scan_vault


def load_vault(root: Path | str, config: Config | None = None, *, use_cache: bool = True) -> Vault:
    """Read, parse and resolve every note of the vault at ``root``.

    With ``use_cache``, notes whose size and modification time are unchanged come from the
    parse cache (see ``cache.py``) and only the others are read and parsed.
    """
    root = Path(root)
    if not root.is_dir():
        raise VaultkitError(f"{root}: not a folder")
    root = root.resolve()
    if config is None:
        config = load_config(root)
    scan = scan_vault(root, glob_matcher(config.exclude))
    collecting = gc.isenabled()
    # Loading makes millions of small records and no reference cycles: left on, the cyclic
    # collector re-traverses the growing heap again and again (40 % of a cold lint at 10k).
    gc.disable()
    try:
        notes = (
            _notes(root, scan.notes, config) if use_cache else parse_paths(root, scan.notes, config)
        )
        index = build_index(notes.values(), scan.attachments, scan.outside)
        return resolve_vault(root, config, notes, scan.attachments, index)
    finally:
        # The vault lives on: move it out of the collector's sight, or the next full
        # collection would traverse every record once more.
        gc.freeze()
        if collecting:
            gc.enable()


def _notes(root: Path, paths: tuple[str, ...], config: Config) -> dict[str, Note]:
    cached = cache.load(root, config)
    stamps = {path: cache.stamp(root, path) for path in paths}
    fresh = [path for path in paths if path not in cached or cached[path][0] != stamps[path]]
    parsed = parse_paths(root, fresh, config)
    notes = {path: parsed[path] if path in parsed else cached[path][1] for path in paths}
    if fresh or len(cached) != len(paths):
        entries = {path: (stamp, notes[path]) for path, stamp in stamps.items() if stamp}
        cache.save(root, config, entries)
    return notes


def load_note(root: Path, path: str, config: Config, parent_keys: frozenset[str]) -> Note:
    """Read and parse one note; a note that cannot be read is a note with a problem."""
    text = read_note(root, path, config.max_file_size)
    if isinstance(text, Problem):
        return unreadable_note(path, text)
    return parse_note(path, text, parent_keys, config.parse_timeout)


def lint(
    vault: Vault,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    paths: Iterable[str] | None = None,
) -> list[Diagnostic]:
    """Run the enabled rules; drop suppressed findings; keep only ``paths`` when given.

    ``select`` replaces the config's selection; ``ignore`` adds to the config's.
    """
    config = vault.config
    rules = select_rules(select or config.select, (*config.ignore, *ignore))
    wanted = frozenset(paths) if paths is not None else None
    found = [
        diagnostic
        for rule in rules
        for diagnostic in rule.check(vault)
        if wanted is None or diagnostic.path in wanted
    ]
    suppressed = _Suppressed(vault)
    return sorted(diagnostic for diagnostic in found if not suppressed(diagnostic))


def _names(selectors: Iterable[str], code: str, name: str) -> bool:
    return any(
        code.startswith(selector.upper()) or selector.lower() == name for selector in selectors
    )


class _Suppressed:
    """Whether a finding is silenced by its note, a comment on its line, or the config."""

    def __init__(self, vault: Vault) -> None:
        self._notes = vault.notes
        self._per_file = [
            (glob_matcher([glob]), codes) for glob, codes in vault.config.per_file_ignores
        ]

    def __call__(self, diagnostic: Diagnostic) -> bool:
        code, name = diagnostic.code, diagnostic.name
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
