"""The pipeline end to end: ``load_vault`` (scan, read, parse, index, resolve), then ``lint``.

Both go through the one engine (``incremental.IncrementalVault``): a run takes up the state the
last one saved in the cache and updates it with the files that changed (``IncrementalVault.open``);
``use_cache=False`` is the plain pipeline (``pipeline.plain_vault``) and touches no cache.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit import cache
from vaultkit.config import Config, glob_matcher, load_config
from vaultkit.findings import check, left_out_counts, selected, within
from vaultkit.findings import left_out_summary as left_out_summary
from vaultkit.findings import lint as lint
from vaultkit.incremental import IncrementalVault
from vaultkit.load import load_note as load_note
from vaultkit.load import load_note_hashed as load_note_hashed
from vaultkit.model import Diagnostic, Vault, VaultkitError, diagnostic_order
from vaultkit.parallel import collector_paused
from vaultkit.pipeline import plain_vault
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


def load_and_lint(
    root: Path | str,
    config: Config | None = None,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    paths: Iterable[str] | None = None,
    use_cache: bool = True,
) -> tuple[Vault, list[Diagnostic]]:
    """``load_vault`` and ``lint`` of it at once: the engine that loads the vault has every
    finding already (for the commands that need both: ``graph``, ``--fix``)."""
    root, config = _settle(root, config)
    if not use_cache:
        vault = load_vault(root, config, use_cache=False)
        return vault, lint(vault, select, ignore, paths)
    wanted = within(paths)
    engine = IncrementalVault.open(root, config, select, ignore)
    vault = engine.vault()
    engine.save()
    return vault, engine.diagnostics(wanted)


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
            for item in cache.unpack_findings(items)
            if item.code in shown
        ]
        return Checked(sorted(kept, key=diagnostic_order), len(scan.notes), left_out)
    engine = IncrementalVault.resume(
        root, config, select, ignore, scan, started, stamps, store, state, key
    )
    engine.save()
    return Checked(engine.diagnostics(wanted), engine.note_count, left_out)


def _settle(root: Path | str, config: Config | None) -> tuple[Path, Config]:
    root = Path(root)
    if not root.is_dir():
        raise VaultkitError(f"{root}: not a folder")
    root = root.resolve()
    return root, config if config is not None else load_config(root)
