"""The cache at 10k: cold, warm, and the one-note call pre-commit makes, as fresh processes.

Each timed run is ``python -m vaultkit lint …`` in its own process, from the vault's folder
with ``PRE_COMMIT=1`` as pre-commit runs it, so start-up, imports, the scan, a ``stat`` per note
and loading the cache all count, as they do for a user. Every figure is the median of
``runs`` runs and a ratio against the floor of the same run (the floor is measured in-process,
so the fresh-process figures also carry ~0.1 s of interpreter start-up and imports).

- cold: an empty cache folder each run (what the first commit pays).
- warm: the cache holds the vault as it is (nothing changed since the last run).
- one note, warm cache: ``vaultkit lint NOTE`` after a run that left the cache up to date (a
  commit after the editor's lint-on-save, or a later call of the same pre-commit run).
- one note just edited: the note changed since the last run, as at most commits: the findings
  stored for the whole vault no longer hold, so the other notes come from the cache and every
  rule runs again. Edits go to a copy of the vault, never to the shared one.
- whole vault after the one-note call: what ``vaultkit-vault`` costs right after ``vaultkit``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from common import (
    BENCH,
    ROOT,
    Row,
    ensure_vault,
    floor,
    median,
    not_measured,
    ratio,
    run_child,
    seconds,
    timings,
)

COLD = "cold lint (empty cache), 10k, fresh process"
WARM = "warm lint (cache, nothing changed), 10k"
HOOK = "vaultkit lint one-note.md as pre-commit runs it, warm cache, 10k"
EDITED = "vaultkit lint one-note.md, the note just edited, 10k"
AFTER = "vaultkit lint (whole vault) right after the one-note call, 10k"
TARGET = "≤ 3x"  # as run.py lists it for the figures it expects
SIZE = 10_000


def _lint(root: Path, cache: Path, *args: str) -> float:
    """Seconds of one ``vaultkit lint`` process run from the vault as pre-commit would."""
    argv = [sys.executable, "-m", "vaultkit", "lint", "-q", *args]
    env = {
        "XDG_CACHE_HOME": str(cache),
        "PATH": os.environ.get("PATH", ""),
        "PRE_COMMIT": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    child = run_child(argv, env=env, cwd=root, timeout=600)
    if child.returncode not in (0, 1):
        raise RuntimeError(f"vaultkit lint failed: {child.stderr.strip()[-300:]}")
    return child.seconds


def _row(figure: str, values: list[float], floor_seconds: float, limit: float = 0) -> Row:
    """A row with the median; ``limit`` is the target as a multiple of the floor (0: none)."""
    value = median(values)
    target = f"≤ {limit:g}x" if limit else ""
    ok = value <= limit * floor_seconds if limit else None
    spread = f"runs {seconds(min(values))} to {seconds(max(values))}"
    return Row(figure, seconds(value), ratio(value, floor_seconds), target, ok, spread)


def _note(root: Path) -> str:
    """A note of the vault, vault-relative, as pre-commit passes it."""
    return sorted(path.name for path in root.glob("*.md"))[0]


def measure(
    vaults: dict[int, Path],
    floors: dict[int, float],
    runs: int = 5,
    log: Callable[[str], None] = print,
    cold: bool = False,
) -> list[Row]:
    """The cache rows of the table; ``cold`` adds the cold run (``make bench`` has its own)."""
    figures = (WARM, HOOK, EDITED, AFTER)
    if SIZE not in vaults or SIZE not in floors:
        why = "10k is not among the sizes"
        # Only the warm and the one-note figures have a target.
        return [
            not_measured(figure, why, TARGET if figure in (WARM, HOOK) else "")
            for figure in figures
        ]
    root, floor_seconds = vaults[SIZE], floors[SIZE]
    note = _note(root)
    rows = []
    with tempfile.TemporaryDirectory(prefix="vaultkit-bench-cache-") as folder:
        cache = Path(folder)
        if cold:
            log(f"{COLD} x {runs}")
            values = []
            for number in range(runs):
                values.append(_lint(root, cache / f"cold-{number}"))
            rows.append(_row(COLD, values, floor_seconds, 8))
        log("warming the cache")
        _lint(root, cache / "warm")
        for figure, args in ((WARM, ()), (HOOK, (note,))):
            log(f"{figure} x {runs}")
            values = [_lint(root, cache / "warm", *args) for _ in range(runs)]
            rows.append(_row(figure, values, floor_seconds, 3))
        rows += _edited(root, note, cache / "edited", floor_seconds, runs, log)
    return rows


def _edited(
    root: Path,
    note: str,
    cache: Path,
    floor_seconds: float,
    runs: int,
    log: Callable[[str], None],
) -> list[Row]:
    """The one-note call after an edit, then the whole-vault call, on a copy of the vault."""
    BENCH.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="hook-", dir=BENCH))
    try:
        log("copying the vault for the edits")
        copy = scratch / "vault"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".genvault"))
        path = copy / note
        original = path.read_text(encoding="utf-8")
        _lint(copy, cache)
        log(f"{EDITED} x {runs}, each followed by the whole vault")
        edited, after = [], []
        for number in range(runs):
            path.write_text(f"{original}\nEdit {number}: [[Nowhere {number}]]\n", encoding="utf-8")
            edited.append(_lint(copy, cache, note))
            after.append(_lint(copy, cache))
        return [
            _row(EDITED, edited, floor_seconds),
            _row(AFTER, after, floor_seconds),
        ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the floor and every row at 10k and print them (the vault is generated if missing)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (default 5)")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    root = ensure_vault(SIZE)
    floor(root)
    floor_seconds = median(timings(lambda: floor(root), args.runs))
    print(f"floor (walk, read, one regex), 10k: {seconds(floor_seconds)} [1.0x]")
    rows = measure({SIZE: root}, {SIZE: floor_seconds}, args.runs, log, cold=True)
    for row in rows:
        verdict = {True: "yes", False: "NO", None: ""}[row.ok]
        target = f" target {row.target}" if row.target else ""
        print(f"{row.figure}: {row.measured} [{row.ratio}]{target} {verdict} ({row.note})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
