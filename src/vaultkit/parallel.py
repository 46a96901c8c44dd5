"""Reading and parsing many notes across processes, for cold runs of big vaults.

Parsing is a pure function of each file, so it splits into chunks of paths that worker
processes read and parse with ``load.load_note`` itself; the parent gets the same ``Note``
records back, in the order of ``paths``. It parses in-process instead below ``MIN_NOTES``
notes, with one worker, while other threads run (``fork`` is the only start method that pays
here, and it is unsafe then), or where processes cannot be started: a pool costs tens of
milliseconds to start and every ``Note`` crosses a pipe as a pickle, which only pays back on
thousands of notes.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from vaultkit import progress
from vaultkit.config import Config
from vaultkit.load import load_note, load_note_hashed
from vaultkit.model import Note, note_from_values, note_values

MIN_NOTES = 500
_CHUNKS_PER_WORKER = 8


def parse_paths(
    root: Path, paths: Sequence[str], config: Config, workers: int | None = None
) -> dict[str, Note]:
    """Read and parse the notes at ``paths`` (vault-relative) under ``root``: path → Note.

    ``workers`` defaults to ``default_workers()``. The answer never depends on how the work
    was split: a pool that cannot start or breaks (no ``fork`` or semaphores in a sandbox, a
    killed worker) leaves the chunks it has not answered to this process.
    """
    count = workers if workers is not None else default_workers()
    if not _pooling(count, len(paths)):
        parent_keys = frozenset(config.parent_keys)
        progress.begin("parsing notes", len(paths))
        notes: dict[str, Note] = {}
        with collector_paused():
            for done, path in enumerate(paths, 1):
                notes[path] = load_note(root, path, config, parent_keys)
                if done % 256 == 0:
                    progress.advance(256)
        return notes
    size = max(1, -(-len(paths) // (count * _CHUNKS_PER_WORKER)))
    chunks = [(paths[start : start + size], _pack_values) for start in range(0, len(paths), size)]
    notes = {}
    for packed in parse_groups(root, chunks, config, count):
        for values in pickle.loads(packed):
            note = note_from_values(values)
            notes[note.path] = note
    return notes


def _pack_values(loaded: list[tuple[str, Note, bytes | None]]) -> bytes:
    # Plain tuples: pickling the records would cost a Python call each way.
    return pickle.dumps([note_values(note) for _, note, _ in loaded], pickle.HIGHEST_PROTOCOL)


Pack = Callable[[list[tuple[str, Note, bytes | None]]], bytes]


def parse_groups(
    root: Path,
    groups: Sequence[tuple[Sequence[str], Pack]],
    config: Config,
    workers: int | None = None,
) -> Iterator[bytes]:
    """Read and parse each group of notes and pack it, yielding the packs in order.

    Each group is paths and the function that packs their notes (each with the hash of its
    bytes) into what crosses back from a worker (``cache.pack_notes``: the same bytes the
    cache stores). It must be picklable (a ``functools.partial`` of a module-level function).
    Pooled as ``parse_paths`` is, with the same fallback to in-process parsing.
    """
    parent_keys = frozenset(config.parent_keys)
    count = workers if workers is not None else default_workers()
    done = 0
    progress.begin("parsing notes", sum(len(paths) for paths, _ in groups))
    with collector_paused():
        if _pooling(count, sum(len(paths) for paths, _ in groups)):
            try:
                with ProcessPoolExecutor(
                    max_workers=count, mp_context=multiprocessing.get_context("fork")
                ) as pool:
                    futures = [
                        pool.submit(_pack_group, root, tuple(paths), config, parent_keys, pack)
                        for paths, pack in groups
                    ]
                    # Yielded as they come, in order: the caller unpacks one while the
                    # workers parse the next. Each future is let go once its pack is taken,
                    # or every pack would stay in memory until the last (100 MB at 50k).
                    futures.reverse()
                    while futures:
                        packed = futures.pop().result()
                        progress.advance(len(groups[done][0]))
                        done += 1
                        yield packed
                        del packed
                return
            except (OSError, BrokenProcessPool, pickle.PicklingError):
                pass  # the groups not yet yielded are parsed here instead
        for paths, pack in groups[done:]:
            packed = _pack_group(root, tuple(paths), config, parent_keys, pack)
            progress.advance(len(paths))
            yield packed


def _pooling(workers: int, notes: int) -> bool:
    """Whether a pool pays: two workers or more, enough notes, and ``fork`` safe to use."""
    return workers >= 2 and notes >= MIN_NOTES and _can_fork()


@contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """The cyclic garbage collector off inside, and as it was after.

    Loading makes millions of small records and no reference cycles: left on, the collector
    re-traverses the growing heap again and again (40 % of a cold lint at 10k). With
    ``freeze``, what was made inside is then moved out of the collector's sight
    (``gc.freeze``): the vault lives on, and the next full collection would traverse every
    record once more.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()


def _pack_group(
    root: Path,
    paths: tuple[str, ...],
    config: Config,
    parent_keys: frozenset[str],
    pack: Pack,
) -> bytes:
    gc.disable()
    return pack([(path, *load_note_hashed(root, path, config, parent_keys)) for path in paths])


def default_workers() -> int:
    """The CPUs this process may run on, less those other work keeps busy right now.

    On two cores with one of them taken by something else, a pool of two is slower than one
    process (measured at 10k: 0.7x), because the parent and the workers then share one core
    and pickling the notes back is pure overhead. What counts is the tasks runnable at this
    instant (``/proc/loadavg``'s running count, this process excluded): the 1-minute load
    average would also count vaultkit's own run of a moment ago, so two lints in a row would
    make the second one serial. Elsewhere the load average is the signal; only whole busy
    cores are subtracted.
    """
    cpus = available_cpus()
    return max(1, min(cpus, round(cpus - busy_cores())))


def busy_cores() -> float:
    """How many cores other work keeps busy now (0 when it cannot be told)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            running = handle.read().split()[3].split("/")[0]
        return max(0, int(running) - 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _can_fork() -> bool:
    # fork starts a worker in about a millisecond with vaultkit already imported. Forking a
    # process that runs other threads (a watcher's observer) can deadlock the child on a lock
    # such a thread holds, and forkserver or spawn re-run the program's main module in every
    # worker and import vaultkit again (a few hundred milliseconds): then stay in-process.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
