"""Cold lint, peak memory, scaling, the parallel parse, obsidiantools, and the answers' check.

Every cold lint runs in a fresh interpreter (``python -c``), so imports and start-up count in
the wall time; the child also reports the time of ``load_vault`` + ``lint`` alone and its
findings, and ``wait4`` gives its peak RSS. The children get an empty ``XDG_CACHE_HOME``, so
no parse cache can make a cold run warm.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import (
    ROOT,
    Child,
    Row,
    floor,
    manifest,
    median,
    not_measured,
    ratio,
    run_child,
    seconds,
    timings,
)

_COLD = """
import json, os, re, sys, tempfile, time
from collections import Counter
# From the vault's folder, so the report shows vault-relative paths.
os.chdir(sys.argv[1])
started = time.perf_counter()
from vaultkit.cli import main
imported = time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    report = folder + "/report.txt"
    # What a user runs: ``vaultkit lint`` with the text report (to a file, not a pipe).
    code = main(["lint", "--vault", sys.argv[1], "--output", report, "--exit-zero"])
    done = time.perf_counter()
    with open(report, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
found = [re.match(r"(.*):\\d+:\\d+: (VK\\d+) ", line) for line in lines[:-1]]
# The summary: "N problems (...) in M notes", then maybe "; K fixable with --fix; ...".
summary = re.search(r" in ([\\d,]+) notes?(?:;|$)", lines[-1])
print(json.dumps({
    "imports": imported - started,
    "compute": done - imported,
    "notes": int(summary.group(1).replace(",", "")),
    "codes": Counter(match.group(2) for match in found),
    "VK201": sorted(match.group(1) for match in found if match.group(2) == "VK201"),
    "VK302": sorted(match.group(1) for match in found if match.group(2) == "VK302"),
}))
"""

_PEER = """
import json, sys, time
started = time.perf_counter()
import obsidiantools.api as otools
from pathlib import Path
imported = time.perf_counter()
vault = otools.Vault(Path(sys.argv[1])).connect()
connected = time.perf_counter()
vault.gather()
done = time.perf_counter()
print(json.dumps({
    "imports": imported - started,
    "connect": connected - imported,
    "gather": done - connected,
    "compute": done - imported,
    "nonexistent": len(vault.nonexistent_notes),
    "isolated": len(vault.isolated_notes),
}))
"""


@dataclass(frozen=True, slots=True)
class Cold:
    """The cold lints of one vault: wall and compute times, peak RSS, the last findings."""

    notes: int
    wall: list[float]
    compute: list[float]
    imports: list[float]
    max_rss: int
    result: dict[str, Any] = field(repr=False)


def cold_lint(root: Path, runs: int) -> Cold:
    """``vaultkit lint`` of ``root`` from scratch ``runs`` times, each in a fresh interpreter.

    The vault's own config applies, as for a user (the generated vaults have none).
    """
    wall: list[float] = []
    compute: list[float] = []
    imports: list[float] = []
    peak = 0
    result: dict[str, Any] = {}
    for _ in range(runs):
        # A new empty cache folder for every run: the cache one run writes would make the
        # next one warm.
        with tempfile.TemporaryDirectory(prefix="vaultkit-bench-cache-") as cache:
            env = {**os.environ, "XDG_CACHE_HOME": cache, "PYTHONHASHSEED": "0"}
            child = _python(_COLD, str(root), env=env)
            result = json.loads(child.stdout)
            wall.append(child.seconds)
            compute.append(result["compute"])
            imports.append(result["imports"])
            peak = max(peak, child.max_rss)
    return Cold(result["notes"], wall, compute, imports, peak, result)


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> Child:
    child = run_child([sys.executable, "-c", code, *args], env=env, cwd=ROOT)
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"child exited {child.returncode}: {last}")
    return child


def floor_times(root: Path, runs: int) -> list[float]:
    """The floor of ``root``, ``runs`` times (after one untimed run that warms the page cache)."""
    floor(root)
    return timings(lambda: floor(root), runs)


def cold_rows(sizes: Sequence[int], colds: dict[int, Cold], floors: dict[int, float]) -> list[Row]:
    """Cold lint ÷ floor at each size, peak memory, and the scaling across sizes."""
    rows: list[Row] = []
    for size in sizes:
        cold = colds[size]
        wall, compute = median(cold.wall), median(cold.compute)
        target, ok = ("≤ 8x", wall / floors[size] <= 8) if size == 10_000 else ("", None)
        rows.append(
            Row(
                f"cold lint, {_k(size)}, fresh process (start-up + imports + lint)",
                seconds(wall),
                ratio(wall, floors[size]),
                target,
                ok,
            )
        )
        rows.append(
            Row(
                f"cold lint, {_k(size)}, vaultkit lint in-process (imports excluded)",
                seconds(compute),
                ratio(compute, floors[size]),
                "",
                None,
                f"imports {seconds(median(cold.imports))}",
            )
        )
    limits = {10_000: 250 * 2**20, 50_000: 2**30}
    for size in sizes:
        if size in limits:
            peak = colds[size].max_rss
            rows.append(
                Row(
                    f"peak memory, cold lint, {_k(size)} (max RSS of the process)",
                    f"{peak / 2**20:.0f} MiB",
                    "",
                    f"≤ {limits[size] // 2**20} MiB",
                    peak <= limits[size],
                )
            )
    if len(sizes) > 1:
        per_note = {size: median(colds[size].compute) / colds[size].notes for size in sizes}
        spread = max(per_note.values()) / min(per_note.values())
        described = " → ".join(f"{per_note[size] * 1e6:.0f} µs" for size in sizes)
        rows.append(
            Row(
                "cold lint scaling " + " → ".join(_k(size) for size in sizes) + " (per note)",
                described,
                f"{spread:.2f}x spread",
                "≤ 1.5x spread",
                spread <= 1.5,
            )
        )
    return rows


def parallel_rows(root: Path, runs: int, floor_seconds: float) -> list[Row]:
    """Parsing every note in-process against ``parallel.parse_paths`` on all CPUs."""
    from vaultkit.config import Config, glob_matcher
    from vaultkit.parallel import available_cpus, default_workers, parse_paths
    from vaultkit.scan import scan_vault

    config = Config()
    paths = scan_vault(root, glob_matcher(())).notes
    workers = available_cpus()
    load = os.getloadavg()[0]
    chosen = default_workers()
    serial = median(timings(lambda: parse_paths(root, paths, config, workers=1), runs))
    pooled = median(timings(lambda: parse_paths(root, paths, config, workers=workers), runs))
    size = _k(len(paths))
    return [
        Row(f"parse {size} notes, 1 process", seconds(serial), ratio(serial, floor_seconds)),
        Row(
            f"parse {size} notes, {workers} processes (parallel.parse_paths)",
            seconds(pooled),
            ratio(pooled, floor_seconds),
            "",
            None,
            f"{serial / pooled:.2f}x faster than 1 process; load average {load:.2f} before, "
            f"so the default would be {chosen} worker{'s' if chosen > 1 else ''}",
        ),
    ]


def peer_available() -> bool:
    """Whether obsidiantools can be imported here."""
    return importlib.util.find_spec("obsidiantools") is not None


def install_peer() -> str | None:
    """Install obsidiantools into this environment; returns why it failed, else None."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "obsidiantools"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return lines[-1] if lines else f"pip exited {done.returncode}"
    importlib.invalidate_caches()
    return None


def peer_rows(root: Path, cold: Cold, floor_seconds: float, target: bool) -> list[Row]:
    """obsidiantools' ``Vault(path).connect().gather()`` once, against vaultkit's cold lint."""
    child = _python(_PEER, str(root))
    result = json.loads(child.stdout)
    peer = result["compute"]
    mine = median(cold.compute)
    size = _k(cold.notes)
    quotient = peer / mine
    return [
        Row(
            f"obsidiantools connect + gather, {size} (one run)",
            seconds(peer),
            ratio(peer, floor_seconds),
            "",
            None,
            f"connect {seconds(result['connect'])}, gather {seconds(result['gather'])}; "
            f"reports {result['nonexistent']:,} nonexistent notes",
        ),
        Row(
            f"obsidiantools ÷ cold lint (vaultkit lint in-process), {size}",
            f"{quotient:.0f}x",
            "",
            "≥ 100x" if target else "",
            quotient >= 100 if target else None,
        ),
    ]


def answer_rows(root: Path, cold: Cold, label: str | None = None) -> tuple[list[Row], list[str]]:
    """vaultkit's findings against the generator's manifest; mismatches are listed.

    ``label`` names the vault in the rows (default: its size, ``10k``).
    """
    truth = manifest(root)
    codes = Counter(cold.result["codes"])
    size = label or _k(cold.notes)
    broken = codes["VK101"] + codes["VK106"] + codes["VK301"]
    orphans = set(cold.result["VK201"])
    expected_orphans = set(truth["orphans"])
    cycles = len(truth.get("up_cycles", []))
    mismatches: list[str] = []
    if broken != truth["broken_links"]:
        mismatches.append(
            f"{size}: VK101+VK106+VK301 = {broken:,} "
            f"({codes['VK101']:,} + {codes['VK106']:,} + {codes['VK301']:,}), "
            f"manifest broken_links = {truth['broken_links']:,}"
        )
    if orphans != expected_orphans:
        mismatches.append(
            f"{size}: VK201 on {len(orphans):,} notes, manifest orphans {len(expected_orphans):,}; "
            f"extra {sorted(orphans - expected_orphans)[:3]}, "
            f"missing {sorted(expected_orphans - orphans)[:3]}"
        )
    if codes["VK302"] != cycles:
        mismatches.append(f"{size}: VK302 = {codes['VK302']}, manifest up_cycles = {cycles}")
    aliases = truth.get("link_kinds", {}).get("alias", 0)
    if codes["VK105"] != aliases:
        mismatches.append(f"{size}: VK105 = {codes['VK105']:,}, manifest alias links = {aliases:,}")
    rows = [
        Row(
            f"answers, {size}: broken links (VK101 + VK106 + VK301) = manifest",
            f"{broken:,} / {truth['broken_links']:,}",
            "",
            "equal",
            broken == truth["broken_links"],
        ),
        Row(
            f"answers, {size}: orphans (VK201) = manifest, path by path",
            f"{len(orphans):,} / {len(expected_orphans):,}",
            "",
            "equal",
            orphans == expected_orphans,
        ),
        Row(
            f"answers, {size}: up cycles (VK302) = manifest",
            f"{codes['VK302']} / {cycles}",
            "",
            "equal",
            codes["VK302"] == cycles,
        ),
        Row(
            f"answers, {size}: alias links (VK105) = manifest",
            f"{codes['VK105']:,} / {aliases:,}",
            "",
            "equal",
            codes["VK105"] == aliases,
        ),
    ]
    return rows, mismatches


def measure(
    vaults: dict[int, Path],
    floors: dict[int, float],
    runs: int = 5,
    quick: bool = False,
    log: Any = print,
) -> tuple[list[Row], list[str]]:
    """Every figure of this module over the generated vaults; returns rows and mismatches."""
    sizes = sorted(vaults)
    rows: list[Row] = []
    mismatches: list[str] = []
    colds: dict[int, Cold] = {}
    for size in sizes:
        log(f"cold lint {_k(size)} x {runs} (fresh processes)")
        colds[size] = cold_lint(vaults[size], runs)
    rows += cold_rows(sizes, colds, floors)
    for size in sizes:
        found, missed = answer_rows(vaults[size], colds[size])
        rows += found
        mismatches += missed
    parallel_size = 10_000 if 10_000 in vaults else sizes[-1]
    log(f"parse {_k(parallel_size)}: 1 process against a pool")
    rows += parallel_rows(vaults[parallel_size], runs, floors[parallel_size])
    rows += _peer(vaults, colds, floors, quick, log)
    return rows, mismatches


def _peer(
    vaults: dict[int, Path], colds: dict[int, Cold], floors: dict[int, float], quick: bool, log: Any
) -> list[Row]:
    figure = "obsidiantools ÷ cold lint, 10k"
    if quick:
        return [not_measured(figure, "--quick skips obsidiantools (about 210 s at 10k)", "≥ 100x")]
    if not peer_available():
        log("installing obsidiantools into the bench environment")
        failure = install_peer()
        if failure is not None:
            return [not_measured(figure, f"pip install obsidiantools failed: {failure}", "≥ 100x")]
    rows: list[Row] = []
    # obsidiantools takes minutes at 10k: one run at 1k for a quick ratio, one at 10k.
    for size in (1_000, 10_000):
        if size not in vaults:
            continue
        log(f"obsidiantools {_k(size)} (one run; about 210 s at 10k)")
        started = time.perf_counter()
        try:
            rows += peer_rows(vaults[size], colds[size], floors[size], size == 10_000)
        except RuntimeError as error:
            rows.append(not_measured(f"obsidiantools, {_k(size)}", str(error)))
        log(f"  took {seconds(time.perf_counter() - started)}")
    if 10_000 not in vaults:
        rows.append(not_measured(figure, "10k is not among --sizes", "≥ 100x"))
    return rows


def _k(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else f"{size:,}"
