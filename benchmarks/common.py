"""Shared pieces of the benchmarks: the generated vaults, the floor, timing, and table rows.

Every figure of ``make bench`` is a ratio against the floor measured in the same run, so the
noise of a shared machine cancels out; each timing is the median of several runs.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.shared import find_shared  # noqa: E402

SHARED = find_shared(ROOT)
GENVAULT = SHARED / "tools" / "genvault.py"
CORPORA = SHARED / "corpora"
BENCH = ROOT / "build" / "bench"
SEED = 42

# The floor's pattern, as performance.md defines it: nothing correct can be much faster.
_FLOOR_LINK = re.compile(r"\[\[[^\[\]]+\]\]")


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: ``figure | measured | ratio vs floor | target | ok?``.

    ``ok`` is None when the figure has no target or was not measured.
    """

    figure: str
    measured: str
    ratio: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""


def not_measured(figure: str, why: str, target: str = "") -> Row:
    """A row for a figure this run could not measure, saying why."""
    return Row(figure, f"not measured: {why}", "", target, None)


@dataclass(frozen=True, slots=True)
class Child:
    """A finished child process: wall time, peak memory and what it printed."""

    seconds: float
    max_rss: int
    returncode: int
    stdout: str
    stderr: str = field(repr=False)


# The same generator with frontmatter as real template vaults write it (a modified copy).
REALISTIC = Path(__file__).resolve().parent / "genvault_realistic.py"


def vault_path(notes: int, realistic: bool = False) -> Path:
    """Where the generated vault of ``notes`` notes lives (``realistic``: the realistic one)."""
    return BENCH / f"{'realistic' if realistic else 'vault'}-{notes}"


def ensure_vault(notes: int, realistic: bool = False) -> Path:
    """The generated vault of ``notes`` notes: generated once, reused while its manifest exists.

    ``realistic`` gives the vault of ``genvault_realistic.py`` (frontmatter as real vaults
    write it, a templates folder, budget tables) instead of the shared generator's.
    """
    root = vault_path(notes, realistic)
    if (root / ".genvault" / "manifest.json").is_file():
        return root
    generator = REALISTIC if realistic else GENVAULT
    if not generator.is_file():
        raise FileNotFoundError(f"the vault generator is missing: {generator}")
    # A folder without a manifest is a vault half-written by an interrupted run: start over.
    extra = ["--force"] if root.exists() else []
    root.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(generator), "--notes", str(notes), "--out", str(root)]
    subprocess.run([*command, "--seed", str(SEED), *extra], check=True, stdout=subprocess.DEVNULL)
    return root


def manifest(root: Path) -> dict[str, Any]:
    """The generator's truth about a vault (broken links, orphans, link kinds)."""
    with (root / ".genvault" / "manifest.json").open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def floor(root: Path) -> int:
    """Walk the vault, read every ``.md`` file and run one compiled regex over it.

    Dot-folders (``.obsidian``, ``.genvault``) are skipped as vaultkit skips them. Returns
    the number of matches, so the work cannot be optimised away.
    """
    found = 0
    findall = _FLOOR_LINK.findall
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            if name.endswith(".md") and not name.startswith("."):
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                    found += len(findall(f.read()))
    return found


def timings(function: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``function``."""
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        found.append(time.perf_counter() - start)
    return found


def median(values: Sequence[float]) -> float:
    """The median; the figure every timing of the table reports."""
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank), for latency figures."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def run_child(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
) -> Child:
    """Run a command to its end: wall time from start to exit, and its own peak RSS (bytes).

    The peak comes from ``wait4`` on that one child: ``getrusage(RUSAGE_CHILDREN)`` is the
    same counter, but it keeps the largest child of the whole benchmark run so far.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=err,
            text=True,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        killer = threading.Timer(timeout, process.kill) if timeout is not None else None
        if killer is not None:
            killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            if killer is not None:
                killer.cancel()
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in KiB on Linux.
        return Child(elapsed, usage.ru_maxrss * 1024, process.returncode, out.read(), err.read())


def seconds(value: float) -> str:
    """A duration for the table: ms below a second, else s."""
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def ratio(value: float, base: float) -> str:
    """``value ÷ base`` for the ratio column."""
    if base <= 0:
        return ""
    return f"{value / base:.1f}x"
