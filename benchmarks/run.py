"""``make bench``: measure vaultkit against the floor in one run and print one table.

    .venv/bin/python benchmarks/run.py [--sizes 1000,10000,50000] [--runs 5] [--quick]
                                       [--realistic 10000] [--lint-only]

Generates the synthetic vaults once (``build/bench/vault-N``, reused while their manifest
exists), measures the floor of each, then every figure of ``performance.md`` as a ratio
against the floor of the same run (median of ``--runs``), checks vaultkit's answers against
the generator's manifest, and writes the table to ``build/bench/results.md`` too. Progress goes
to stderr, the table to stdout. Exits 1 when an answer differs from the manifest, else 0: a
missed speed target is a figure to read, not a failure.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import inspect
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_lint
from common import (
    BENCH,
    CORPORA,
    ROOT,
    Row,
    ensure_vault,
    median,
    not_measured,
    ratio,
    seconds,
)

RESULTS = BENCH / "results.md"

_RELINT = "median ≤ 5 ms, p95 ≤ 20 ms"

# The figures each companion module measures, shown as "not measured" when it cannot run.
_COMPANIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "bench_hook": (
        ("warm lint (cache, nothing changed), 10k", "≤ 3x"),
        ("vaultkit lint one-note.md as pre-commit runs it, warm cache, 10k", "≤ 3x"),
    ),
    "bench_watch": (
        ("re-lint after editing one note (watch engine, compute only), 10k", _RELINT),
        ("re-lint after editing one note (watch engine, compute only), 50k", _RELINT),
        ("save → updated report printed by vaultkit watch, 10k", "median ≤ 250 ms"),
    ),
    "bench_lsp": (
        ("didChange → publishDiagnostics (vaultkit lsp), 10k", "median ≤ 50 ms"),
        ("completion after [[ (vaultkit lsp), 10k", "median ≤ 50 ms"),
        ("vaultkit lsp start-up, warm cache, 10k (÷ warm lint)", "≤ 2x warm lint"),
    ),
    "bench_graph": (
        ("graph page, 5k notes: written", "≤ 10 s"),
        ("graph page, 5k notes: drawn + searchable in headless Chromium", "≤ 10 s"),
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit code."""
    args = _parser().parse_args(argv)
    sizes = sorted(set(args.sizes))
    started = time.perf_counter()
    load_before = _load()
    _log(f"load average before the run: {load_before} (other work on the machine skews figures)")
    rows: list[Row] = []
    mismatches: list[str] = []
    vaults = _vaults(sizes, rows)
    floors: dict[int, float] = {}
    for size, root in vaults.items():
        _log(f"floor {_k(size)} x {args.runs}")
        floors[size] = median(bench_lint.floor_times(root, args.runs))
        rows.append(
            Row(f"floor, {_k(size)} (walk, read, one regex)", seconds(floors[size]), "1.0x")
        )
    if vaults:
        found, missed = _guarded(
            "cold lint",
            lambda: bench_lint.measure(vaults, floors, args.runs, args.quick, _log),
        )
        rows += found
        mismatches += missed
    if args.realistic:
        found, missed = _guarded(
            "cold lint, realistic vault", lambda: _realistic_rows(args.realistic, args.runs)
        )
        rows += found
        mismatches += missed
    rows += _corpus_rows(args.runs)
    context = {
        "vaults": vaults,
        "floors": floors,
        "runs": args.runs,
        "quick": args.quick,
        "sizes": sizes,
        "log": _log,
    }
    for name, figures in _COMPANIONS.items():
        if args.lint_only:
            rows += [not_measured(figure, "--lint-only", target) for figure, target in figures]
        else:
            rows += _companion(name, figures, context)
    elapsed = time.perf_counter() - started
    load = f"{load_before} before, {_load()} after"
    table = render(rows)
    print(table)
    if mismatches:
        print("\nAnswers that differ from the manifest:")
        print("\n".join(f"- {line}" for line in mismatches))
    _write(table, mismatches, args, elapsed, load)
    _log(f"done in {seconds(elapsed)}; table written to {RESULTS.relative_to(ROOT)}")
    return 1 if mismatches else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[1_000, 10_000, 50_000],
        help="vault sizes, comma-separated (default 1000,10000,50000)",
    )
    parser.add_argument(
        "--runs", type=_runs, default=5, help="runs per timing; the median is reported (default 5)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="skip obsidiantools (about 210 s at 10k)"
    )
    parser.add_argument(
        "--realistic",
        type=_size,
        default=10_000,
        help="notes in the realistic vault (frontmatter as real vaults write it; default "
        "10000; 0 leaves it out)",
    )
    parser.add_argument(
        "--lint-only",
        action="store_true",
        help="only the floors, cold lints and answers: no hook, watch or graph figures",
    )
    return parser


def _size(text: str) -> int:
    if not text.replace("_", "").isdigit():
        raise argparse.ArgumentTypeError(f"not a number of notes: {text!r}")
    return int(text.replace("_", ""))


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive numbers: {text!r}")
    return sizes


def _runs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"runs must be a positive number: {text!r}")
    return int(text)


def _vaults(sizes: Iterable[int], rows: list[Row]) -> dict[int, Path]:
    vaults: dict[int, Path] = {}
    for size in sizes:
        _log(f"vault {_k(size)}: generating unless cached")
        try:
            vaults[size] = ensure_vault(size)
        except (OSError, subprocess.CalledProcessError) as error:
            rows.append(not_measured(f"vault {_k(size)}", f"cannot generate it: {error}"))
    return vaults


def _guarded(
    what: str, measure: Callable[[], tuple[list[Row], list[str]]]
) -> tuple[list[Row], list[str]]:
    try:
        return measure()
    except Exception as error:
        _log(traceback.format_exc())
        return [not_measured(what, f"{type(error).__name__}: {error}")], []


def _realistic_rows(size: int, runs: int) -> tuple[list[Row], list[str]]:
    """The realistic vault: floor, cold lint against the ≤ 8x target, answers vs its manifest."""
    _log(f"realistic vault {_k(size)}: generating unless cached")
    root = ensure_vault(size, realistic=True)
    _log(f"realistic vault {_k(size)}: floor and cold lint x {runs}")
    floor_seconds = median(bench_lint.floor_times(root, runs))
    cold = bench_lint.cold_lint(root, runs)
    wall = median(cold.wall)
    name = f"realistic {_k(size)}"
    rows = [
        Row(f"floor, {name} (walk, read, one regex)", seconds(floor_seconds), "1.0x"),
        Row(
            f"cold lint, {name}, fresh process (frontmatter as real vaults write it)",
            seconds(wall),
            ratio(wall, floor_seconds),
            "≤ 8x",
            wall / floor_seconds <= 8,
            f"in-process {seconds(median(cold.compute))}, {cold.notes:,} notes",
        ),
    ]
    found, mismatches = bench_lint.answer_rows(root, cold, name)
    return rows + found, mismatches


def _corpus_rows(runs: int) -> list[Row]:
    root = CORPORA / "knowledge-garden"
    if not root.is_dir():
        return [not_measured("cold lint, knowledge-garden", f"{root} is absent")]
    _log(f"knowledge-garden: floor and cold lint x {runs}")
    try:
        floor_seconds = median(bench_lint.floor_times(root, runs))
        cold = bench_lint.cold_lint(root, runs)
    except Exception as error:
        return [not_measured("cold lint, knowledge-garden", f"{type(error).__name__}: {error}")]
    wall = median(cold.wall)
    return [
        Row(
            f"floor, knowledge-garden ({cold.notes:,} notes, real vault)",
            seconds(floor_seconds),
            "1.0x",
        ),
        Row(
            "cold lint, knowledge-garden, fresh process",
            seconds(wall),
            ratio(wall, floor_seconds),
            "",
            None,
            f"in-process {seconds(median(cold.compute))}, "
            f"{sum(cold.result['codes'].values()):,} findings",
        ),
    ]


def _companion(
    name: str, figures: tuple[tuple[str, str], ...], context: dict[str, Any]
) -> list[Row]:
    """Rows from ``benchmarks/<name>.py``'s ``measure``; "not measured" rows if it cannot run."""
    if importlib.util.find_spec(name) is None:
        return [not_measured(figure, f"benchmarks/{name}.py is absent", t) for figure, t in figures]
    try:
        module = importlib.import_module(name)
        measure = module.measure
        parameters = inspect.signature(measure).parameters
        takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        given = {k: v for k, v in context.items() if takes_all or k in parameters}
        _log(f"{name}.measure({', '.join(given)})")
        return _rows(measure(**given))
    except (Exception, SystemExit) as error:
        _log(traceback.format_exc())
        why = f"{name}: {type(error).__name__}: {error}"
        return [not_measured(figure, why, target) for figure, target in figures]


def _rows(result: Any) -> list[Row]:
    """Rows as a companion returns them: ``Row``s, dicts with Row's fields, or tuples."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], list):
        result = result[0]
    if isinstance(result, Row | dict):
        result = [result]
    rows = []
    for item in result:
        if isinstance(item, Row):
            rows.append(item)
        elif isinstance(item, dict):
            known = {key: item[key] for key in Row.__slots__ if key in item}
            rows.append(Row(**{key: _cell(key, value) for key, value in known.items()}))
        elif isinstance(item, tuple | list):
            cells = zip(Row.__slots__, item, strict=False)
            rows.append(Row(*(_cell(key, value) for key, value in cells)))
        else:
            fields = {key: getattr(item, key) for key in Row.__slots__ if hasattr(item, key)}
            rows.append(Row(**{key: _cell(key, value) for key, value in fields.items()}))
    return rows


def _cell(key: str, value: Any) -> Any:
    if key == "ok":
        return None if value is None else bool(value)
    return "" if value is None else str(value)


def render(rows: Sequence[Row]) -> str:
    """The table as markdown: figure | measured | ratio vs floor | target | ok?"""
    header = ("figure", "measured", "ratio vs floor", "target", "ok?")
    body = [
        (
            row.figure,
            row.measured + (f" ({row.note})" if row.note else ""),
            row.ratio,
            row.target,
            {True: "yes", False: "**NO**", None: ""}[row.ok],
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(cells) for cells in body)])


def _write(
    table: str, mismatches: list[str], args: argparse.Namespace, elapsed: float, load: str
) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# vaultkit benchmark",
        "",
        f"{when}, commit {commit or 'unknown'}; {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; sizes {', '.join(map(str, sorted(args.sizes)))}, "
        f"median of {args.runs} runs{', --quick' if args.quick else ''}; "
        f"the run took {seconds(elapsed)}; load average (1 min) {load}.",
        "",
        table,
        "",
    ]
    if mismatches:
        lines += ["Answers that differ from the manifest:", ""]
        lines += [f"- {line}" for line in mismatches] + [""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _k(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else f"{size:,}"


if __name__ == "__main__":
    raise SystemExit(main())
