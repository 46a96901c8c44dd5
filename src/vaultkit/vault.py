"""The pipeline end to end: ``load_vault`` (scan, read, parse, index, resolve), then ``lint``.

Both go through the one engine (``incremental.IncrementalVault``): a run takes up the state the
last one saved in the cache and updates it with the files that changed (``IncrementalVault.open``);
``use_cache=False`` is the plain pipeline (``pipeline.plain_vault``) and touches no cache.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit import cache
from vaultkit.config import Config, glob_matcher, load_config, marked_vault, unmarked_notice
from vaultkit.findings import check, left_out_counts, selected, within
from vaultkit.findings import left_out_summary as left_out_summary
from vaultkit.findings import lint as lint
from vaultkit.incremental import IncrementalVault
from vaultkit.load import load_note as load_note
from vaultkit.load import load_note_hashed as load_note_hashed
from vaultkit.model import Diagnostic, VaultkitError, diagnostic_order
from vaultkit.parallel import collector_paused
from vaultkit.pipeline import plain_vault
from vaultkit.resolve import Vault
from vaultkit.scan import scan_vault


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


def load_vault(root: Path | str, config: Config | None = None, *, use_cache: bool = True) -> Vault:
    """Read, parse and resolve every note of the vault at ``root``.

    With ``use_cache``, the vault comes from the engine's saved state, updated with what
    changed (see ``cache.py``), and the state is saved again; the answer is the same.
    """
    root, config = _settle(root, config)
    if not use_cache:
        with collector_paused(freeze=True):
            return plain_vault(root, config)
    engine = IncrementalVault.open(root, config)
    vault = engine.vault()
    engine.save()
    return vault


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
    and hashed); otherwise the engine takes up the saved state and updates it with the
    files that changed, and saves it for next time.
    """
    root, config = _settle(root, config)
    rules = selected(config, select, ignore)
    shown = frozenset(rule.code for rule in rules)
    wanted = within(paths)
    scan = scan_vault(root, glob_matcher(config.exclude))
    left_out = left_out_counts(config, filter(wanted, scan.notes))
    if not use_cache:
        with collector_paused(freeze=True):
            vault = plain_vault(root, config, scan)
            found = check(vault, rules)
        return Checked([item for item in found if wanted(item.path)], len(vault.notes), left_out)
    started = time.time_ns()
    stamps = cache.stamps(root, scan.notes)
    store = cache.Store(root, config)
    state = store.state()
    key = cache.state_key(config, stamps, scan.attachments, scan.outside)
    if (
        state is not None
        and state.complete
        and state.key == key
        and cache.verified(root, state.racy())
    ):
        kept = [
            item
            for path, items in state.found.items()
            if wanted(path)
            for item in items
            if item.code in shown
        ]
        return Checked(sorted(kept, key=diagnostic_order), len(scan.notes), left_out)
    engine = IncrementalVault.resume(
        root, config, select, ignore, scan, started, stamps, store, state
    )
    engine.save()
    return Checked(
        [item for item in engine.diagnostics() if wanted(item.path)], engine.note_count, left_out
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


def _settle(root: Path | str, config: Config | None) -> tuple[Path, Config]:
    root = Path(root)
    if not root.is_dir():
        raise VaultkitError(f"{root}: not a folder")
    root = root.resolve()
    return root, config if config is not None else load_config(root)
