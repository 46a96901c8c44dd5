"""The language server at 10k: didChange → publishDiagnostics, completion, warm start-up.

``python -m vaultkit lsp`` runs on the generated 10k vault with its own cache folder (warmed
by one ``vaultkit lint`` first), driven over stdio by the tests' JSON-RPC client:

- **start-up**: from spawning the server to the answer of the first request after
  ``initialized`` (the vault loaded from the warm cache, the first batch of findings
  published), against ``vaultkit lint``'s warm time from the same cache (median of ``runs``).
- **didChange → publishDiagnostics**: one note is open; each edit adds (or, in turn, removes)
  a link to a missing note in the unsaved buffer, and the latency is from just before the
  notification is written to the moment the ``publishDiagnostics`` for that note is read.
- **completion**: ``textDocument/completion`` after ``[[`` and one to three letters of a
  note's name, from the request to its answer (at most 100 items, best first).

Nothing is written into the shared vault: the edits live only in the server's buffer.

    .venv/bin/python benchmarks/bench_lsp.py [--edits 60] [--completions 60] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, ROOT, Row, ensure_vault, median, not_measured, p95, run_child, seconds

from tests.lspclient import Client

SIZE = 10_000
CHANGE = "didChange → publishDiagnostics (vaultkit lsp), 10k"
COMPLETION = "completion after [[ (vaultkit lsp), 10k"
START = "vaultkit lsp start-up, warm cache, 10k (÷ warm lint)"
LATENCY_TARGET = "median ≤ 50 ms"
START_TARGET = "≤ 2x warm lint"
FIGURES = ((CHANGE, LATENCY_TARGET), (COMPLETION, LATENCY_TARGET), (START, START_TARGET))
WARM_UP = 5


def _environment(cache: Path) -> dict[str, str]:
    return {
        "XDG_CACHE_HOME": str(cache),
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT / "src"),
    }


def _warm_lint(root: Path, cache: Path, runs: int) -> float:
    argv = [sys.executable, "-m", "vaultkit", "lint", "-q"]
    run_child(argv, env=_environment(cache), cwd=root)  # warms the cache
    return median([run_child(argv, env=_environment(cache), cwd=root).seconds for _ in range(runs)])


def _start(root: Path, cache: Path) -> tuple[Client, float]:
    started = time.perf_counter()
    client = Client(root, env=_environment(cache))
    client.initialize(root)
    client.sync()
    return client, time.perf_counter() - started


def _notes(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.md")
        if not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


def change_times(client: Client, note: Path, edits: int) -> list[float]:
    """Seconds from each didChange to the publishDiagnostics of that note."""
    uri = client.open(note)
    client.sync()
    text = note.read_text(encoding="utf-8")
    found = []
    for number in range(edits + WARM_UP):
        target = f"missing for lsp {number}"
        edited = text + f"\n[[{target}]]\n" if number % 2 == 0 else text
        before_count = len(client.notifications)
        before = time.perf_counter()
        client.change(uri, edited, number + 2)

        def arrived(
            count: int = before_count, wanted: str = target, odd: bool = number % 2 == 1
        ) -> bool:
            for _, method, params in client.notifications[count:]:
                if method != "textDocument/publishDiagnostics" or params["uri"] != uri:
                    continue
                named = any(wanted in item["message"] for item in params["diagnostics"])
                if odd or named:
                    return True
            return False

        client.wait_for(arrived, timeout=60)
        at = next(
            stamp
            for stamp, method, params in client.notifications[before_count:]
            if method == "textDocument/publishDiagnostics" and params["uri"] == uri
        )
        if number >= WARM_UP:
            found.append(at - before)
    return found


def completion_times(client: Client, note: Path, names: Sequence[str], count: int) -> list[float]:
    """Seconds of each completion request after ``[[`` and a few letters of a name."""
    uri = note.as_uri()
    chooser = random.Random(11)
    found = []
    for number in range(count + WARM_UP):
        name = chooser.choice(names)
        typed = name[: chooser.randint(1, 3)]
        line = f"see [[{typed}"
        client.change(uri, note.read_text(encoding="utf-8") + "\n" + line, 1000 + number)
        client.sync()
        last = len(note.read_text(encoding="utf-8").split("\n"))
        params = {
            "textDocument": {"uri": uri},
            "position": {"line": last, "character": len(line)},
        }
        before = time.perf_counter()
        answer = client.request("textDocument/completion", params)
        elapsed = time.perf_counter() - before
        assert answer is not None and answer["items"], f"no completion for {typed!r}"
        if number >= WARM_UP:
            found.append(elapsed)
    return found


def measure(
    vaults: dict[int, Path],
    runs: int = 5,
    log: Callable[[str], None] = print,
    edits: int = 60,
    completions: int = 60,
) -> list[Row]:
    """The language server rows of the table (``run.py`` passes ``vaults``, ``runs``, ``log``)."""
    if SIZE not in vaults:
        return [not_measured(figure, "10k is not among the sizes", t) for figure, t in FIGURES]
    root = vaults[SIZE]
    BENCH.mkdir(parents=True, exist_ok=True)
    cache = Path(tempfile.mkdtemp(prefix="lsp-cache-", dir=BENCH))
    rows: list[Row] = []
    try:
        log(f"lsp {SIZE:,}: warm lint x {runs}")
        warm = _warm_lint(root, cache, runs)
        starts = []
        for _ in range(runs):
            client, elapsed = _start(root, cache)
            starts.append(elapsed)
            client.close()
        start = median(starts)
        log(f"  warm lint {seconds(warm)}, lsp start-up {seconds(start)}")
        rows.append(
            Row(
                START,
                f"{seconds(start)} ({start / warm:.1f}x warm lint)",
                "",
                START_TARGET,
                start <= 2 * warm,
                f"warm lint {seconds(warm)}; to the first answer after initialized",
            )
        )
        notes = _notes(root)
        note = random.Random(5).choice(notes)
        client, _ = _start(root, cache)
        try:
            changes = change_times(client, note, edits)
            log(f"  didChange: median {seconds(median(changes))}, p95 {seconds(p95(changes))}")
            rows.append(
                Row(
                    CHANGE,
                    f"median {seconds(median(changes))}, p95 {seconds(p95(changes))}",
                    "",
                    LATENCY_TARGET,
                    median(changes) <= 0.050,
                    f"{edits} edits of {note.relative_to(root).as_posix()!r}",
                )
            )
            names = [path.stem for path in notes]
            times = completion_times(client, note, names, completions)
            log(f"  completion: median {seconds(median(times))}, p95 {seconds(p95(times))}")
            rows.append(
                Row(
                    COMPLETION,
                    f"median {seconds(median(times))}, p95 {seconds(p95(times))}",
                    "",
                    LATENCY_TARGET,
                    median(times) <= 0.050,
                    f"{completions} requests, 1 to 3 letters typed",
                )
            )
        finally:
            client.close()
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the rows (the 10k vault is generated under build/bench if missing)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=60, help="timed edits (default 60)")
    parser.add_argument("--completions", type=int, default=60, help="timed completions")
    parser.add_argument("--runs", type=int, default=5, help="start-ups timed (default 5)")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    vaults = {SIZE: ensure_vault(SIZE)}
    rows = measure(vaults, args.runs, log, args.edits, args.completions)
    for row in rows:
        verdict = {True: "yes", False: "NO", None: ""}[row.ok]
        print(f"{row.figure}: {row.measured} [{row.target}] {verdict} {row.note}".rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
