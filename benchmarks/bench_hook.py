"""Warm lint and the one-note call pre-commit makes, at 10k, as fresh processes.

Each run is ``python -m vaultkit lint …`` in its own process with its own cache folder, so
start-up, imports and loading the cache all count, as they do for a user. The cache is warmed
by one untimed run first.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from common import Row, median, not_measured, ratio, run_child, seconds

WARM = "warm lint (cache, nothing changed), 10k"
HOOK = "vaultkit lint one-note.md as pre-commit runs it, warm cache, 10k"
TARGET = "≤ 3x"


def _lint(root: Path, cache: Path, *paths: str) -> float:
    argv = [sys.executable, "-m", "vaultkit", "lint", "--vault", str(root), "-q", *paths]
    env = {"XDG_CACHE_HOME": str(cache), "PATH": "", "PRE_COMMIT": "1"}
    child = run_child(argv, env=env, timeout=600)
    if child.returncode not in (0, 1):
        raise RuntimeError(f"vaultkit lint failed: {child.stderr.strip()[-300:]}")
    return child.seconds


def measure(
    vaults: dict[int, Path],
    floors: dict[int, float],
    runs: int = 5,
    log: Callable[[str], None] = print,
) -> list[Row]:
    """The warm-lint and pre-commit rows of the table."""
    if 10_000 not in vaults or 10_000 not in floors:
        return [
            not_measured(figure, "10k is not among the sizes", TARGET) for figure in (WARM, HOOK)
        ]
    root, floor = vaults[10_000], floors[10_000]
    note = str(next(path for path in sorted(root.rglob("*.md")) if ".genvault" not in path.parts))
    with tempfile.TemporaryDirectory(prefix="vaultkit-bench-cache-") as folder:
        cache = Path(folder)
        log("hook 10k: warming the cache")
        _lint(root, cache)
        rows = []
        for figure, paths in ((WARM, ()), (HOOK, (note,))):
            log(f"{figure} x {runs}")
            value = median([_lint(root, cache, *paths) for _ in range(runs)])
            rows.append(
                Row(figure, seconds(value), ratio(value, floor), TARGET, value <= 3 * floor)
            )
    return rows
