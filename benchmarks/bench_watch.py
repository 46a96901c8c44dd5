"""The watch figures: one incremental re-lint after a one-note edit, and save → report latency.

- **compute**: the generated vault is loaded into an ``IncrementalVault`` in this process; then
  one note at a time is edited on disk (a broken link, a link to another note, a renamed
  heading, a new alias: the usual edits, in turn) and ``update({path})`` is timed alone.
  Median and p95 over the edits, at 10k and at 50k, and the 50k ÷ 10k ratio (the target is
  "the same"). At 10k the engine's findings are then compared with a full ``lint`` of the
  edited vault.
- **save → report**: ``python -m vaultkit watch --format json`` runs on the 10k vault; each save
  (an atomic temp-and-rename, or a write in place, in turn) adds a link to a new missing
  note, and the latency is from just before the save to the moment the JSON line naming that
  link is read from the pipe (debounce included).

The edits go to a copy of the cached vault (``build/bench/watch-*``, removed afterwards), so
the cached vault itself is never modified.

    .venv/bin/python benchmarks/bench_watch.py [--sizes 10000,50000] [--edits 60] [--saves 30]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, Row, ensure_vault, median, not_measured, p95, seconds

from vaultkit.incremental import IncrementalVault
from vaultkit.vault import lint, load_vault

COMPUTE = "re-lint after editing one note (watch engine, compute only), {size}"
LATENCY = "save → updated report printed by vaultkit watch, 10k"
COMPUTE_TARGET = "median ≤ 5 ms, p95 ≤ 20 ms"
LATENCY_TARGET = "median ≤ 250 ms"
WARM_UP = 5
_TIMEOUT = 60.0


def _k(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else f"{size:,}"


def vault_copy(root: Path) -> Path:
    """A copy of the vault to edit, next to the cached one."""
    BENCH.mkdir(parents=True, exist_ok=True)
    copy = Path(tempfile.mkdtemp(prefix=f"watch-{root.name}-", dir=BENCH)) / "vault"
    shutil.copytree(root, copy)
    return copy


def save(path: Path, text: str, atomic: bool = True) -> None:
    """Save as editors do: a temp file renamed over the note, or a write in place."""
    if atomic:
        temp = path.with_name(path.name + ".tmp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, path)
    else:
        path.write_text(text, encoding="utf-8")


def _names(target: str) -> Callable[[dict[str, Any]], bool]:
    """A report that has a new finding naming ``target``."""
    return lambda record: any(target in item["message"] for item in record["new"])


def _edit(text: str, number: int, other: str) -> str:
    kind = number % 4
    if kind == 0:
        return text + f"\nSee [[missing note {number}]].\n"
    if kind == 1:
        return text + f"\nSee also [[{other}]].\n"
    if kind == 2:
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if line.startswith("#"):
                lines[index] = line + f" (rev {number})"
                return "\n".join(lines)
        return text + f"\n## Section {number}\n"
    if text.startswith("---\n"):
        return f"---\naliases: [bench alias {number}]\n" + text[4:]
    return f"---\naliases: [bench alias {number}]\n---\n" + text


def compute_times(
    engine: IncrementalVault, root: Path, edits: int, log: Callable[[str], None]
) -> list[float]:
    """Seconds of ``update({path})`` after each of ``edits`` one-note edits (after a warm-up)."""
    notes = sorted(engine.vault().notes)
    chosen = random.Random(42).sample(notes, edits + WARM_UP)
    found = []
    for number, path in enumerate(chosen):
        other = notes[(number * 7919) % len(notes)].rsplit("/", 1)[-1][:-3]
        file = root / path
        save(file, _edit(file.read_text(encoding="utf-8"), number, other))
        started = time.perf_counter()
        engine.update({path})
        elapsed = time.perf_counter() - started
        if number >= WARM_UP:
            found.append(elapsed)
    log(f"  {edits} edits: median {seconds(median(found))}, p95 {seconds(p95(found))}")
    return found


def _records(found: Sequence[Any]) -> list[tuple[object, ...]]:
    return [(d.path, d.line, d.column, d.code, d.message, d.fix) for d in found]


class _Watch:
    """``vaultkit watch --format json`` as a child, its lines read with their arrival times."""

    def __init__(self, root: Path) -> None:
        command = [sys.executable, "-m", "vaultkit", "watch", "--format", "json", "--quiet"]
        self.process = subprocess.Popen(
            [*command, "--vault", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put((time.perf_counter(), json.loads(line)))

    def wait(self, match: Callable[[dict[str, Any]], bool], timeout: float = _TIMEOUT) -> float:
        """When the first line matching ``match`` was read."""
        deadline = time.perf_counter() + timeout
        while True:
            arrived, record = self.lines.get(timeout=max(0.0, deadline - time.perf_counter()))
            if match(record):
                return arrived

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def latencies(root: Path, saves: int, log: Callable[[str], None]) -> list[float]:
    """Seconds from a save to the report naming it, for ``saves`` saves (after a warm-up)."""
    watch = _Watch(root)
    try:
        started = time.perf_counter()
        watch.wait(lambda record: record["kind"] == "start", timeout=300)
        log(f"  watch started in {seconds(time.perf_counter() - started)}")
        notes = sorted(
            path.relative_to(root).as_posix()
            for path in root.rglob("*.md")
            if not any(part.startswith(".") for part in path.relative_to(root).parts)
        )
        chosen = random.Random(7).sample(notes, saves + WARM_UP)
        found = []
        for number, path in enumerate(chosen):
            target = f"missing for latency {number}"
            file = root / path
            text = file.read_text(encoding="utf-8") + f"\n[[{target}]]\n"
            before = time.perf_counter()
            save(file, text, atomic=number % 2 == 0)
            arrived = watch.wait(_names(target))
            if number >= WARM_UP:
                found.append(arrived - before)
        log(f"  {saves} saves: median {seconds(median(found))}, p95 {seconds(p95(found))}")
        return found
    finally:
        code = watch.stop()
        if code != 0:
            log(f"  vaultkit watch exited {code} on SIGINT")


def measure(
    vaults: dict[int, Path],
    runs: int = 5,
    quick: bool = False,
    log: Callable[[str], None] = print,
    edits: int = 60,
    saves: int = 30,
) -> list[Row]:
    """The watch rows of the table (``run.py`` passes ``vaults``, ``runs``, ``quick``, ``log``).

    ``--quick`` leaves out 50k (loading it takes a minute); ``runs`` does not apply: every
    figure is already a median over many edits.
    """
    rows: list[Row] = []
    medians: dict[int, float] = {}
    for size in (10_000, 50_000):
        figure = COMPUTE.format(size=_k(size))
        if size not in vaults:
            rows.append(not_measured(figure, f"{_k(size)} is not among the sizes", COMPUTE_TARGET))
            continue
        if size == 50_000 and quick:
            rows.append(not_measured(figure, "--quick leaves out 50k", COMPUTE_TARGET))
            continue
        copy = vault_copy(vaults[size])
        try:
            log(f"watch engine {_k(size)}: loading")
            started = time.perf_counter()
            engine = IncrementalVault.load(copy)
            log(f"  loaded in {seconds(time.perf_counter() - started)}")
            found = compute_times(engine, copy, edits, log)
            medians[size] = median(found)
            ok = medians[size] <= 0.005 and p95(found) <= 0.020
            rows.append(
                Row(
                    figure,
                    f"median {seconds(medians[size])}, p95 {seconds(p95(found))}",
                    "",
                    COMPUTE_TARGET,
                    ok,
                    f"{edits} edits",
                )
            )
            if size == 10_000:
                log("  checking the engine against a full lint of the edited vault")
                same = _records(engine.diagnostics()) == _records(lint(load_vault(copy)))
                rows.append(
                    Row(
                        f"watch engine = full lint after {edits} edits, 10k",
                        "equal" if same else "DIFFERENT",
                        "",
                        "equal",
                        same,
                    )
                )
                del engine
                log("watch 10k: save → report")
                times = latencies(copy, saves, log)
                rows.append(
                    Row(
                        LATENCY,
                        f"median {seconds(median(times))}, p95 {seconds(p95(times))}",
                        "",
                        LATENCY_TARGET,
                        median(times) <= 0.250,
                        f"{saves} saves, debounce 150 ms included",
                    )
                )
        finally:
            shutil.rmtree(copy.parent, ignore_errors=True)
    if len(medians) == 2:
        spread = medians[50_000] / medians[10_000]
        rows.append(
            Row(
                "re-lint after one edit, 50k ÷ 10k (medians)",
                f"{spread:.2f}x",
                "",
                "the same (≤ 1.5x)",
                spread <= 1.5,
            )
        )
    elif 10_000 not in vaults:
        rows.append(not_measured(LATENCY, "10k is not among the sizes", LATENCY_TARGET))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the rows (the vaults are generated under build/bench if missing)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,50000", help="vault sizes (default 10000,50000)")
    parser.add_argument("--edits", type=int, default=60, help="timed edits per size (default 60)")
    parser.add_argument("--saves", type=int, default=30, help="timed saves (default 30)")
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    vaults = {size: ensure_vault(size) for size in sizes}
    for row in measure(vaults, log=log, edits=args.edits, saves=args.saves):
        verdict = {True: "yes", False: "NO", None: ""}[row.ok]
        print(f"{row.figure}: {row.measured} [{row.target}] {verdict} {row.note}".rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
