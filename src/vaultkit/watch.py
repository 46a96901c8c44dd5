"""``vaultkit watch``: file events, coalesced into bursts, re-linted by the incremental engine.

The pieces are pure where they can be: ``ignored`` and ``event_paths`` turn one watchdog event
into vault-relative paths; ``Coalescer`` is fed those paths and the time and says when a burst
is due; ``burst_json`` and ``burst_text`` format what a burst changed. ``Watcher`` wires them
to a watchdog observer, the ``IncrementalVault`` and the output stream.

Choices the spec leaves open:

- Text output prints the first lint's summary line only, then, per burst that changed
  something, each new and each fixed finding with a timestamp (at most 200 of each, then a
  count) and a summary line. ``--quiet`` leaves out the summary lines and the "watching"
  notice: findings only, as ``lint --quiet``.
- JSON output prints one object per line: first ``{"kind": "start", ...}`` with every finding
  as ``new``, then one per burst that touched a file of the vault (``"kind": "update"`` or
  ``"rescan"``), so an editor plugin can keep the full set of findings from the deltas alone.
- A burst closes 150 ms after its last event, or 1 s after its first. More than 1,000 paths
  in one burst, or a queue overflow reported by the OS, make it a storm: the paths are dropped
  (memory stays flat), the burst waits for quiet (at most 10 s), and the vault is loaded again
  once. A change of the config (``.vaultkit.toml`` or ``pyproject.toml`` at the vault root)
  also reloads the config and rescans; a config that no longer loads (a bad value, which
  ``lint`` refuses with exit 2) is named in one line on stderr and the previous one is kept.
- Events ignored: a path with a part whose name starts with ``.``, and the files ``watch``
  writes itself (the ``--graph`` page and the ``--output`` file), by their exact paths. Nothing
  else, because the result must be what a full lint reads, and ``scan_vault`` reads every
  other file as a note or an attachment. So the editor leftovers ignored are exactly the
  dot-named ones: vim's swap files (``.note.md.swp``, ``.swo``, ``.swx``), emacs' locks
  (``.#note.md``), the temporary files of Obsidian's and vaultkit's own atomic writes
  (``.page.html.x1y2.tmp``), ``.obsidian/``, ``.git/`` and ``.trash/``. Those a full lint
  reads are watched like any file: ``note.md~``, ``note.md.tmp``, ``data.part``, vim's
  ``4913``, emacs' ``#note.md#``, Office's ``~$report.docx`` and a note named
  ``~$budget.md``. One that comes and goes within a burst (a save through a temporary file)
  costs a ``stat`` and prints nothing; one that stays is an attachment, as ``lint`` says.
  The files ``watch`` writes are checked at each burst for having appeared or gone.
- The vault folder itself deleted, moved away or replaced (a restore, ``rm -rf`` then a
  clone): the folder is checked before and after each burst and every ``poll`` seconds
  (0.5) when nothing happens, as a ``stat`` of its device and inode. A folder that is gone
  prints one line on stderr and nothing more until a folder is back at that path; then it is
  watched again and rescanned (``--format json`` gets a ``"rescan"`` record), and the
  report compares with the last one printed, never with an empty vault, so ``0 notes`` is
  never shown for a vault that is only away.
- The graph page (``--graph``) is written once after the first lint, then after bursts, by a
  background thread that only ever writes the latest state: the report of a burst is printed
  before the page is touched, and a page still being written never delays the next report.
  The page is written by ``vaultkit.html.write_page`` from ``vaultkit.graph.build_graph``.
"""

from __future__ import annotations

import datetime
import errno
import importlib
import importlib.util
import json
import logging
import math
import os
import queue
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from vaultkit.config import Config, load_config
from vaultkit.incremental import Delta, IncrementalVault
from vaultkit.model import Diagnostic, VaultkitError, diagnostic_order
from vaultkit.report import Context, diagnostic_record, summary, text_report
from vaultkit.resolve import Vault

QUIET = 0.15
MAX_WAIT = 1.0
STORM = 1000
STORM_WAIT = 10.0
TEXT_LIMIT = 200
CONFIG_FILES = frozenset({".vaultkit.toml", "pyproject.toml"})
POLL = 0.5
_SKIPPED_EVENTS = frozenset({"opened", "closed_no_write"})


def ignored(path: str, own: Sequence[str] = ()) -> bool:
    """Whether a vault-relative path is one ``watch`` never looks at: one no full lint reads
    (a part named ``.*``), or one of ``own``, the files ``watch`` writes (exact paths: a change
    to them must not start a burst that writes them again)."""
    return path in own or any(part.startswith(".") for part in path.split("/"))


@dataclass(frozen=True, slots=True)
class Change:
    """What one event means for the vault: paths to re-check, or a full rescan."""

    paths: tuple[str, ...] = ()
    rescan: bool = False


def event_paths(
    kind: str,
    is_directory: bool,
    source: str,
    destination: str,
    root: str,
    own: Sequence[str] = (),
) -> Change:
    """The vault-relative paths a watchdog event touches (``kind`` is its ``event_type``)."""
    if kind in _SKIPPED_EVENTS or (is_directory and kind in ("modified", "attrib", "closed")):
        return Change()
    ends = (source, destination) if kind == "moved" else (source,)
    paths = []
    rescan = False
    folder = root.rstrip(os.sep)
    prefix = folder + os.sep
    for end in ends:
        if end == folder:
            rescan = True  # the vault folder itself went: ``Watcher`` looks for it again
            continue
        if not end.startswith(prefix):
            continue
        path = end[len(prefix) :].replace(os.sep, "/")
        if path in CONFIG_FILES:
            rescan = True
        if path and not ignored(path, own):
            paths.append(path)
    return Change(tuple(paths), rescan)


@dataclass(frozen=True, slots=True)
class Burst:
    """Paths that changed together; ``rescan`` when there were too many to count."""

    paths: frozenset[str]
    rescan: bool = False


@dataclass(slots=True)
class Coalescer:
    """Groups events into bursts: a pure object, fed paths and the current time.

    A burst is due ``quiet`` seconds after its last event, or ``max_wait`` seconds after its
    first, whichever comes first. A storm (more than ``storm`` paths, or a rescan request)
    keeps no paths and is due after ``quiet`` seconds of calm, or ``storm_wait`` at most.
    """

    quiet: float = QUIET
    max_wait: float = MAX_WAIT
    storm: int = STORM
    storm_wait: float = STORM_WAIT
    _paths: set[str] = field(default_factory=set)
    _rescan: bool = False
    _first: float | None = None
    _last: float = 0.0

    def add(self, paths: Iterable[str], now: float) -> None:
        """Paths changed at ``now``."""
        paths = list(paths)
        if not paths:
            return
        self._touch(now)
        if not self._rescan:
            self._paths.update(paths)
            if len(self._paths) > self.storm:
                self.rescan(now)

    def rescan(self, now: float) -> None:
        """Too much changed (or the OS lost events): the burst becomes one full rescan."""
        self._touch(now)
        self._rescan = True
        self._paths = set()

    def _touch(self, now: float) -> None:
        if self._first is None:
            self._first = now
        self._last = now

    def deadline(self) -> float | None:
        """When the pending burst is due; None when nothing is pending."""
        if self._first is None:
            return None
        if self._rescan:
            return min(self._last + self.quiet, self._first + self.storm_wait)
        return min(self._last + self.quiet, self._first + self.max_wait)

    def take(self, now: float) -> Burst | None:
        """The pending burst if it is due at ``now`` (and forget it), else None."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return None
        burst = Burst(frozenset(self._paths), self._rescan)
        self._paths, self._rescan, self._first = set(), False, None
        return burst


# --- output -----------------------------------------------------------------------------------


def _time(when: datetime.datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def burst_json(kind: str, delta: Delta, notes: int, problems: int, when: datetime.datetime) -> str:
    """One line of ``--format json``: what a burst changed, and the totals after it."""
    record = {
        "time": _time(when),
        "kind": kind,
        "new": [diagnostic_record(item) for item in delta.new],
        "fixed": [diagnostic_record(item) for item in delta.fixed],
        "notes": notes,
        "problems": problems,
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def burst_text(
    kind: str,
    delta: Delta,
    found: Sequence[Diagnostic],
    context: Context,
    when: datetime.datetime,
    quiet: bool = False,
) -> str:
    """Text lines for one burst: new and fixed findings with a timestamp, then a summary
    (not when ``quiet``).

    At most ``TEXT_LIMIT`` findings of each kind are listed (a ``git checkout`` can change
    thousands); the JSON output always has them all.
    """
    stamp = when.strftime("%H:%M:%S")
    lines = []
    for label, items in (("new  ", delta.new), ("fixed", delta.fixed)):
        shown = items[:TEXT_LIMIT]
        if shown:
            for line in text_report(shown, context).splitlines()[:-1]:
                lines.append(f"{stamp} {label} {line}")
        if len(items) > len(shown):
            more = len(items) - len(shown)
            lines.append(f"{stamp} {label} ... and {more:,} more ('vaultkit lint' lists them all)")
    what = f"{len(delta.new):,} new, {len(delta.fixed):,} fixed"
    if kind == "rescan":
        what = f"rescanned the vault: {what}"
    if not quiet:
        lines.append(f"{stamp} {what}; {summary(found, context.note_count)}")
    return "".join(line + "\n" for line in lines)


# --- the graph page ---------------------------------------------------------------------------

GraphWrite = Callable[[Vault, Sequence[Diagnostic], Path], None]


def write_graph_page(vault: Vault, diagnostics: Sequence[Diagnostic], path: Path) -> None:
    """Write the graph page through ``vaultkit.html`` (imported only when a page is asked for)."""
    graph: Any = importlib.import_module("vaultkit.graph")
    html: Any = importlib.import_module("vaultkit.html")
    page = graph.build_graph(vault, diagnostics)
    obsidian = (vault.root / ".obsidian").is_dir()
    html.write_page(page, path, vault_name=vault.root.name, obsidian=obsidian)


def _check_graph_writer(write: GraphWrite) -> None:
    if write is write_graph_page and importlib.util.find_spec("vaultkit.html") is None:
        raise VaultkitError("--graph: this installation has no graph page writer (vaultkit.html)")


class GraphWriter:
    """Writes the graph page on its own thread; only the latest state is ever written."""

    def __init__(self, path: Path, write: GraphWrite, err: TextIO) -> None:
        self.path = path
        self._write = write
        self._err = err
        self._pending: tuple[Vault, Sequence[Diagnostic]] | None = None
        self._closing = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="vaultkit-graph", daemon=True)
        self._thread.start()

    def submit(self, vault: Vault, diagnostics: Sequence[Diagnostic]) -> None:
        """Ask for the page of this state; replaces a state not written yet."""
        with self._ready:
            self._pending = (vault, diagnostics)
            self._ready.notify()

    def close(self, timeout: float = 30.0) -> None:
        """Drop what is pending, let a page being written finish, and stop."""
        with self._ready:
            self._closing = True
            self._pending = None
            self._ready.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._ready:
                while self._pending is None and not self._closing:
                    self._ready.wait()
                if self._closing:
                    return
                assert self._pending is not None
                vault, diagnostics = self._pending
                self._pending = None
            try:
                self._write(vault, diagnostics, self.path)
            except Exception as error:
                # A page that cannot be written must not stop the linting.
                self._err.write(f"vaultkit: cannot write the graph page {self.path}: {error}\n")
                self._err.flush()


# --- the observer -----------------------------------------------------------------------------


class ObserverLike(Protocol):
    """What ``Watcher`` needs of a watchdog observer."""

    def schedule(self, handler: FileSystemEventHandler, path: str, /, *, recursive: bool) -> Any:
        """Watch ``path``."""

    def start(self) -> None:
        """Start delivering events."""

    def stop(self) -> None:
        """Stop delivering events."""

    def join(self, timeout: float | None = None) -> None:
        """Wait for the observer's thread."""


ObserverFactory = Callable[[], ObserverLike]

_LIMITS = {
    errno.ENOSPC: "fs.inotify.max_user_watches=524288",
    errno.EMFILE: "fs.inotify.max_user_instances=1024",
}


def start_observer(
    root: Path,
    handler: FileSystemEventHandler,
    err: TextIO,
    factories: Sequence[ObserverFactory] = (Observer, PollingObserver),
) -> ObserverLike:
    """Start the first observer that can watch ``root``; the OS watch limit moves to the next.

    Hitting ``fs.inotify.max_user_watches`` (or ``max_user_instances``) prints how to raise
    it, then the vault is polled instead: slower, but it keeps working.
    """
    for number, factory in enumerate(factories):
        observer = factory()
        observer.schedule(handler, str(root), recursive=True)
        try:
            observer.start()
        except OSError as error:
            setting = _LIMITS.get(error.errno or 0)
            if setting is None or number == len(factories) - 1:
                raise
            err.write(
                f"vaultkit: the OS limit on file watches is reached ({error.strerror or error}); "
                "watching by polling instead, which is slower.\n"
                f"vaultkit: to raise the limit: sudo sysctl {setting} (add the line "
                f"'{setting}' to /etc/sysctl.d/90-inotify.conf to keep it after a reboot)\n"
            )
            err.flush()
            continue
        return observer
    raise VaultkitError("no file watcher is available")


class _Overflow(logging.Handler):
    """watchdog reports a kernel queue overflow only in its log: turn it into a rescan."""

    def __init__(self, events: queue.Queue[Change], err: TextIO) -> None:
        super().__init__(logging.WARNING)
        self._events = events
        self._err = err

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "overflow" in message.lower():
            self._events.put(Change(rescan=True))
        else:
            self._err.write(f"vaultkit: watchdog: {message}\n")


class _Handler(FileSystemEventHandler):
    """Runs on the observer's thread: translate each event and queue it."""

    def __init__(self, root: Path, own: Sequence[str], events: queue.Queue[Change]) -> None:
        self._root = str(root)
        self._own = own
        self._events = events

    def dispatch(self, event: FileSystemEvent) -> None:
        change = event_paths(
            event.event_type,
            event.is_directory,
            os.fsdecode(event.src_path),
            os.fsdecode(event.dest_path),
            self._root,
            self._own,
        )
        if change.paths or change.rescan:
            self._events.put(change)


# --- the loop ---------------------------------------------------------------------------------

_STOP = Change(("\0stop",))

Folder = tuple[int, int]


def folder_of(root: Path) -> Folder | None:
    """Which folder is at ``root`` now (device and inode); None when there is none."""
    try:
        info = os.stat(root)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


def combined(first: Delta, then: Delta) -> Delta:
    """One delta for two in a row: a finding the second takes back is in neither list."""
    if not (first.new or first.fixed or first.files):
        return then
    gone = {_identity(item) for item in then.fixed}
    back = {_identity(item) for item in then.new}
    earlier_new = {_identity(item) for item in first.new}
    earlier_fixed = {_identity(item) for item in first.fixed}
    new = [item for item in first.new if _identity(item) not in gone]
    new += [item for item in then.new if _identity(item) not in earlier_fixed]
    fixed = [item for item in first.fixed if _identity(item) not in back]
    fixed += [item for item in then.fixed if _identity(item) not in earlier_new]
    return Delta(
        tuple(sorted(new, key=diagnostic_order)),
        tuple(sorted(fixed, key=diagnostic_order)),
        first.files | then.files,
    )


def _identity(item: Diagnostic) -> tuple[object, ...]:
    # ``Diagnostic`` equality compares the location only; a delta compares everything.
    return (item.path, item.line, item.column, item.code, item.name, item.message, item.fix)


class Watcher:
    """Lint once, then re-lint each burst of changes until stopped (Ctrl-C or ``stop``)."""

    def __init__(
        self,
        root: Path,
        config: Config,
        out: TextIO,
        *,
        fmt: str = "text",
        graph: Path | None = None,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
        color: bool = False,
        quiet: bool = False,
        err: TextIO | None = None,
        cwd: Path | None = None,
        observers: Sequence[ObserverFactory] = (Observer, PollingObserver),
        write_graph: GraphWrite = write_graph_page,
        output: Path | None = None,
        coalescer: Coalescer | None = None,
        clock: Callable[[], float] = time.monotonic,
        poll: float = POLL,
    ) -> None:
        self.root = root
        self.config = config
        self.out = out
        self.err = err if err is not None else sys.stderr
        self.fmt = fmt
        self.select = select
        self.ignore = ignore
        self.quiet = quiet
        self.cwd = cwd if cwd is not None else Path.cwd()
        self.color = color
        self.events: queue.Queue[Change] = queue.Queue()
        self.coalescer = coalescer if coalescer is not None else Coalescer()
        self.clock = clock
        self.poll = poll
        self._observers = observers
        self._graph_path = graph.resolve() if graph is not None else None
        self._graph_key = self._vault_path(self._graph_path)
        written = [self._graph_key, self._vault_path(output.resolve() if output else None)]
        self._own = tuple(path for path in written if path is not None)
        self._write_graph = write_graph
        self._graph: GraphWriter | None = None
        self._graph_due = False
        self.engine: IncrementalVault | None = None
        self._observer: ObserverLike | None = None
        self._folder: Folder | None = None
        # The folder was deleted, moved or replaced: it must be found and watched again.
        self._lost = False
        self._missing = False
        # What the engine changed that was never reported (the folder went during a burst).
        self._held = Delta()

    def _vault_path(self, path: Path | None) -> str | None:
        if path is None:
            return None
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    def stop(self) -> None:
        """Ask the loop to end (from any thread)."""
        self.events.put(_STOP)

    def run(self) -> int:
        """Watch until Ctrl-C or ``stop``; returns the exit code (0)."""
        if self._graph_path is not None:
            _check_graph_writer(self._write_graph)
        log = logging.getLogger("watchdog")
        overflow = _Overflow(self.events, self.err)
        log.addHandler(overflow)
        try:
            # Watch before the first lint, so nothing saved during it is missed.
            self._watch()
            self.engine = IncrementalVault.load(self.root, self.config, self.select, self.ignore)
            self._start()
            self._loop(self.engine)
        except KeyboardInterrupt:
            pass
        finally:
            log.removeHandler(overflow)
            observer, self._observer = self._observer, None
            if observer is not None:
                observer.stop()
            if self._graph is not None:
                self._graph.close()
            if observer is not None:
                observer.join(5.0)
        return 0

    def _watch(self) -> None:
        """Watch the folder now at ``root``, remembering which folder it is."""
        self._folder = folder_of(self.root)
        handler = _Handler(self.root, self._own, self.events)
        self._observer = start_observer(self.root, handler, self.err, self._observers)

    def _unwatch(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(5.0)

    def _start(self) -> None:
        engine = self.engine
        assert engine is not None
        found = engine.diagnostics()
        if self.fmt == "json":
            delta = Delta(tuple(found), ())
            self._emit(burst_json("start", delta, engine.note_count, len(found), _now()))
        elif not self.quiet:
            self._emit(summary(found, engine.note_count) + "\n")
        if not self.quiet:
            self._say(f"vaultkit: watching {self.root} (Ctrl-C to stop)")
        if self._graph_path is not None:
            self._graph = GraphWriter(self._graph_path, self._write_graph, self.err)
            self._graph_due = True

    def _loop(self, engine: IncrementalVault) -> None:
        coalescer = self.coalescer
        while True:
            if self._lost:
                if not self._wait_for_folder():
                    return
                self._watch()
                self._lost = False
                self._apply(engine, "rescan", lambda: engine.rescan(self._reload_config()))
                continue
            deadline = coalescer.deadline()
            if deadline is None and self._graph_due and self.events.empty():
                self._submit_graph(engine)
            timeout = self.poll if deadline is None else max(0.0, deadline - self.clock())
            try:
                change: Change | None = self.events.get(timeout=timeout)
            except queue.Empty:
                change = None
            idle = change is None and deadline is None
            # Take everything already queued, so that a storm is counted as one.
            for _ in range(100_000):
                if change is _STOP:
                    return
                if change is not None:
                    if change.rescan:
                        coalescer.rescan(self.clock())
                    coalescer.add(change.paths, self.clock())
                try:
                    change = self.events.get_nowait()
                except queue.Empty:
                    break
            burst = coalescer.take(self.clock())
            if burst is not None:
                self._burst(engine, burst)
            elif idle and folder_of(self.root) != self._folder:
                self._lose()

    def _wait_for_folder(self) -> bool:
        """Wait for a folder at ``root``; False when stopped first."""
        while folder_of(self.root) is None:
            try:
                change = self.events.get(timeout=self.poll)
            except queue.Empty:
                continue
            if change is _STOP:
                return False
        if self._missing and not self.quiet:
            self._say(f"vaultkit: the vault folder {self.root} is back; watching it again")
        self._missing = False
        return True

    def _lose(self) -> None:
        """The folder watched is no longer the one at ``root``: stop watching it."""
        self._lost = True
        self._unwatch()
        self.coalescer.take(math.inf)  # whatever was pending, the whole vault is read again
        if folder_of(self.root) is None:
            self._missing = True
            self._say(
                f"vaultkit: the vault folder {self.root} is gone; waiting for it to come back "
                "(Ctrl-C to stop)"
            )

    def _burst(self, engine: IncrementalVault, burst: Burst) -> None:
        if burst.rescan:
            self._apply(engine, "rescan", lambda: engine.rescan(self._reload_config()))
            return
        paths = set(burst.paths)
        for path in self._own:
            # A file ``watch`` writes is a file of the vault once written; its events are not.
            if engine.knows(path) != os.path.lexists(os.path.join(self.root, path)):
                paths.add(path)
        self._apply(engine, "update", lambda: engine.update(paths))

    def _apply(self, engine: IncrementalVault, kind: str, change: Callable[[], Delta]) -> None:
        """Run ``change`` on the engine and report it, unless the folder went meanwhile."""
        folder = self._folder
        if folder_of(self.root) != folder:
            self._lose()
            return
        try:
            delta = change()
        except VaultkitError:
            if folder_of(self.root) == folder:
                raise
            delta = Delta()  # the folder went before the vault could be loaded
        delta = combined(self._held, delta)
        if folder_of(self.root) != folder:
            self._held = delta
            self._lose()
            return
        self._held = Delta()
        if kind == "update" and not delta.files:
            return
        found = list(engine.unsorted())
        when = _now()
        if self.fmt == "json":
            self._emit(burst_json(kind, delta, engine.note_count, len(found), when))
        elif delta.new or delta.fixed or kind == "rescan":
            context = Context(self.root, self.cwd, engine.note_count, self.color)
            self._emit(burst_text(kind, delta, found, context, when, self.quiet))
        self._graph_due = self._graph is not None

    def _reload_config(self) -> Config:
        try:
            self.config = load_config(self.root)
        except VaultkitError as error:
            self._say(f"vaultkit: error: {error} (keeping the previous config)")
        return self.config

    def _submit_graph(self, engine: IncrementalVault) -> None:
        self._graph_due = False
        if self._graph is None:
            return
        self._graph.submit(engine.vault(), engine.diagnostics())

    def _emit(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _say(self, line: str) -> None:
        self.err.write(line + "\n")
        self.err.flush()


def _now() -> datetime.datetime:
    return datetime.datetime.now().astimezone()


def watch(root: Path, config: Config, out: TextIO, **options: Any) -> int:
    """Lint the vault at ``root``, then re-lint it after every burst of changes until Ctrl-C.

    ``options`` are ``Watcher``'s (``fmt``, ``graph``, ``select``, ``ignore``, ``color``,
    ``quiet``, ...). Returns 0: stopping is not a failure.
    """
    return Watcher(root, config, out, **options).run()
