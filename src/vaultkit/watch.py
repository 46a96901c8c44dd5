"""``vaultkit watch``: file events, coalesced into bursts, re-linted by the incremental engine.

The pieces are pure where they can be: ``ignored`` and ``event_paths`` turn one watchdog event
into vault-relative paths and renames; ``Coalescer`` is fed those and the time and says when a
burst is due; ``Shown`` holds the findings last reported by identity and diffs a note's
findings against them; ``start_text``/``start_json`` and ``burst_text``/``burst_json`` format
a ``Report``. ``Watcher`` wires them to a watchdog observer, the ``IncrementalVault`` and the
output stream.

Choices the spec leaves open:

- A report compares findings by identity (``identity.py``); a note renamed (a ``moved`` event
  whose old path is gone and new path is there once the burst is read) takes its findings'
  identities to its new path. A finding whose identity stayed but whose record changed (its
  position; also its message, when a suggestion changed) is ``moved`` in JSON, and nothing in
  text.
- The causes are the renames and deletes of files of the vault in the burst, one per file, or
  one per folder when a whole folder was moved or went. A cause's broken links are the new
  findings located exactly on a link that reached its file before the burst (so a link the
  same burst also moved within its note is not counted). Text lists at most 10 causes, then a
  count; a report with nothing new or fixed prints nothing, causes included.
- Text output prints the first lint's findings (at most 200, then a count) and its summary
  line, then, per burst that changed something, its causes, each new and each fixed finding
  with a timestamp (at most 200 of each, then a count) and a summary line. ``--quiet`` leaves
  out the summary lines and the "watching" and graph page notices: findings only, as ``lint
  --quiet``.
- JSON output prints one object per line: first ``{"kind": "start", ...}`` with every finding
  as ``new``, then one ``"kind": "update"`` per burst that touched a file of the vault (a full
  rescan has the cause ``{"kind": "rescan"}``), so an editor plugin can keep the full set of
  findings from the deltas alone. Both carry a ``time``.
- A baseline (``identity.py``) is read once, when watch starts (``vaultkit baseline`` run
  meanwhile takes effect at the next start); its line goes to stderr after the first summary,
  as ``lint`` says it.
- A burst closes 150 ms after its last event, or 1 s after its first. More than 1,000 paths
  in one burst, or a queue overflow reported by the OS, make it a storm: the paths are dropped
  (memory stays flat), the burst waits for quiet (at most 10 s), and the vault is loaded again
  once. A burst due while git holds the repository's ``index.lock`` (a ``checkout``, ``merge``
  or ``reset`` writing the working tree) waits as a storm does, so the report is of the state
  the operation leaves, once, not of the files written so far. A change of the config
  (``.vaultkit.toml`` or ``pyproject.toml`` at the vault root) also reloads the config and
  rescans; a config that no longer loads (a bad value, which ``lint`` refuses with exit 2) is
  named in one line on stderr and the previous one is kept.
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
  watched again and rescanned (``--format json`` gets a ``"rescan"`` cause), and the
  report compares with the last one printed, never with an empty vault, so ``0 notes`` is
  never shown for a vault that is only away.
- The graph page (``--graph``) is written once after the first lint, then after bursts, by a
  background thread that only ever writes the latest state: the report of a burst is printed
  before the page is touched, and a page still being written never delays the next report.
  It is ``vaultkit.html.graph_page``, the page ``vaultkit graph`` writes, byte for byte.
"""

from __future__ import annotations

import datetime
import errno
import json
import logging
import math
import os
import queue
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TextIO

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from vaultkit.config import Config, glob_matcher, load_config
from vaultkit.identity import Identity, finding_id, identities
from vaultkit.incremental import Delta, IncrementalVault
from vaultkit.model import Diagnostic, Vault, VaultkitError, diagnostic_order, finding_key
from vaultkit.renames import record_moves, rename_fix, renamed_to
from vaultkit.report import Context, diagnostic_record, printable, summary, text_report
from vaultkit.rules import select_rules

QUIET = 0.15
MAX_WAIT = 1.0
STORM = 1000
STORM_WAIT = 10.0
TEXT_LIMIT = 200
CAUSE_LIMIT = 10
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
    """What one event means for the vault: paths to re-check, or a full rescan; ``moves`` are
    the renames it reports, ``(from, to)`` (a folder's end with ``/``; a folder deleted or
    moved out of the vault goes to ``""``)."""

    paths: tuple[str, ...] = ()
    rescan: bool = False
    moves: tuple[tuple[str, str], ...] = ()


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
    paths: list[str | None] = []
    rescan = False
    folder = root.rstrip(os.sep)
    prefix = folder + os.sep
    for end in ends:
        if end == folder:
            rescan = True  # the vault folder itself went: ``Watcher`` looks for it again
            paths.append(None)
            continue
        if not end.startswith(prefix):
            paths.append(None)
            continue
        path = end[len(prefix) :].replace(os.sep, "/")
        if path in CONFIG_FILES:
            rescan = True
        paths.append(path if path and not ignored(path, own) else None)
    kept = tuple(path for path in paths if path is not None)
    slash = "/" if is_directory else ""
    gone = paths[0]
    if kind == "moved" and len(kept) == 2:
        return Change(kept, rescan, ((kept[0] + slash, kept[1] + slash),))
    if gone is not None and is_directory and kind in ("moved", "deleted"):
        return Change(kept, rescan, ((gone + "/", ""),))  # a folder deleted or moved out
    return Change(kept, rescan)


@dataclass(frozen=True, slots=True)
class Burst:
    """Paths that changed together, and the renames among them; ``rescan`` when there were
    too many to count."""

    paths: frozenset[str]
    rescan: bool = False
    moves: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Coalescer:
    """Groups events into bursts: a pure object, fed paths and the current time.

    A burst is due ``quiet`` seconds after its last event, or ``max_wait`` seconds after its
    first, whichever comes first. A storm (more than ``storm`` paths, or a rescan request)
    keeps no paths and is due after ``quiet`` seconds of calm, or ``storm_wait`` at most. A
    burst told to ``settle`` (something is still writing the vault) waits as a storm does.
    """

    quiet: float = QUIET
    max_wait: float = MAX_WAIT
    storm: int = STORM
    storm_wait: float = STORM_WAIT
    _paths: set[str] = field(default_factory=set)
    _moves: list[tuple[str, str]] = field(default_factory=list)
    _rescan: bool = False
    _settling: bool = False
    _first: float | None = None
    _last: float = 0.0

    def add(self, paths: Iterable[str], now: float, moves: Iterable[tuple[str, str]] = ()) -> None:
        """Paths changed at ``now``; ``moves`` are the renames among them."""
        paths = list(paths)
        if not paths:
            return
        self._touch(now)
        if not self._rescan:
            self._paths.update(paths)
            self._moves.extend(moves)
            if len(self._paths) > self.storm:
                self.rescan(now)

    def rescan(self, now: float) -> None:
        """Too much changed (or the OS lost events): the burst becomes one full rescan."""
        self._touch(now)
        self._rescan = True
        self._paths = set()
        self._moves = []

    def settle(self, now: float) -> None:
        """The vault is still being written (a ``git checkout`` holds its lock): the pending
        burst waits for quiet after this, up to ``storm_wait`` after its first event."""
        if self._first is not None:
            self._settling = True
            self._last = now

    def _touch(self, now: float) -> None:
        if self._first is None:
            self._first = now
        self._last = now

    def deadline(self) -> float | None:
        """When the pending burst is due; None when nothing is pending."""
        if self._first is None:
            return None
        if self._rescan or self._settling:
            return min(self._last + self.quiet, self._first + self.storm_wait)
        return min(self._last + self.quiet, self._first + self.max_wait)

    def take(self, now: float) -> Burst | None:
        """The pending burst if it is due at ``now`` (and forget it), else None."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return None
        burst = Burst(frozenset(self._paths), self._rescan, tuple(self._moves))
        self._paths, self._moves, self._first = set(), [], None
        self._rescan = self._settling = False
        return burst


# --- what a report says -----------------------------------------------------------------------


class Finding(NamedTuple):
    """A finding with its identity (cli.md, "What a finding is")."""

    identity: Identity
    item: Diagnostic


@dataclass(frozen=True, slots=True)
class Cause:
    """What the person did that a report follows from: ``renamed`` (``path`` → ``to``),
    ``deleted`` or ``rescan``; ``broken`` counts the links to it the burst broke, ``fixable``
    those of them ``lint --fix`` repairs."""

    kind: str
    path: str = ""
    to: str = ""
    broken: int = 0
    fixable: int = 0

    def record(self) -> dict[str, str]:
        """The cause as ``--format json`` carries it."""
        if self.kind == "renamed":
            return {"kind": "renamed", "from": self.path, "to": self.to}
        if self.kind == "deleted":
            return {"kind": "deleted", "path": self.path}
        return {"kind": self.kind}

    def text(self) -> str:
        """``renamed A.md → B.md: 10 links now broken (fixable: vaultkit lint --fix)``."""
        if self.kind == "rescan":
            return "rescanned the vault"
        if self.kind == "renamed":
            line, broken = f"renamed {printable(self.path)} → {printable(self.to)}", "now broken"
        else:
            line, broken = f"deleted {printable(self.path)}", "broken"
        if self.broken:
            line += f": {self.broken:,} link{'s' if self.broken != 1 else ''} {broken}"
        if self.fixable:
            count = "" if self.fixable == self.broken else f"{self.fixable:,} "
            line += f" ({count}fixable: vaultkit lint --fix)"
        return line


@dataclass(frozen=True, slots=True)
class Report:
    """What one burst changed for a person: findings new, fixed, and only moved (same
    identity, another position or message), and what caused it."""

    new: tuple[Finding, ...] = ()
    fixed: tuple[Finding, ...] = ()
    moved: tuple[Finding, ...] = ()
    causes: tuple[Cause, ...] = ()

    @property
    def rescan(self) -> bool:
        """Whether the whole vault was read again."""
        return any(cause.kind == "rescan" for cause in self.causes)


def _record(found: Finding) -> dict[str, object]:
    return diagnostic_record(found.item, finding_id(found.identity))


def _time(when: datetime.datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def start_json(found: Sequence[Finding], notes: int, when: datetime.datetime) -> str:
    """The first line of ``--format json``: every finding shown, and the totals."""
    record = {
        "time": _time(when),
        "kind": "start",
        "new": [_record(item) for item in found],
        "notes": notes,
        "problems": len(found),
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def burst_json(report: Report, notes: int, problems: int, when: datetime.datetime) -> str:
    """One line of ``--format json``: what a burst changed, and the totals after it."""
    record = {
        "time": _time(when),
        "kind": "update",
        "causes": [cause.record() for cause in report.causes],
        "new": [_record(item) for item in report.new],
        "fixed": [_record(item) for item in report.fixed],
        "moved": [_record(item) for item in report.moved],
        "notes": notes,
        "problems": problems,
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


def _listed(items: Sequence[Diagnostic], context: Context) -> list[str]:
    """The text report's lines for at most ``TEXT_LIMIT`` findings, then how many more."""
    lines = text_report(items[:TEXT_LIMIT], context).splitlines()[:-1]
    if len(items) > TEXT_LIMIT:
        more = len(items) - TEXT_LIMIT
        lines.append(f"... and {more:,} more ('vaultkit lint' lists them all)")
    return lines


def start_text(found: Sequence[Diagnostic], context: Context, quiet: bool = False) -> str:
    """The findings as ``lint`` lists them (at most ``TEXT_LIMIT``), then its summary line."""
    lines = _listed(found, context)
    if not quiet:
        lines.append(text_report(found, context).rpartition("\n")[0].rpartition("\n")[2])
    return "".join(line + "\n" for line in lines)


def burst_text(
    report: Report,
    found: Sequence[Diagnostic],
    context: Context,
    when: datetime.datetime,
    quiet: bool = False,
) -> str:
    """Text lines for one burst, each with a timestamp: its causes, the new and the fixed
    findings, then a summary (not when ``quiet``). Empty when nothing is new or fixed.

    At most ``TEXT_LIMIT`` findings of each kind are listed (a ``git checkout`` can change
    thousands), and ``CAUSE_LIMIT`` causes; the JSON output always has them all.
    """
    if not (report.new or report.fixed or report.rescan):
        return ""
    stamp = when.strftime("%H:%M:%S")
    shown = [cause.text() for cause in report.causes if cause.kind != "rescan"]
    lines = [f"{stamp} {line}" for line in shown[:CAUSE_LIMIT]]
    if len(shown) > CAUSE_LIMIT:
        lines.append(f"{stamp} ... and {len(shown) - CAUSE_LIMIT:,} more files renamed or deleted")
    for label, items in (("new  ", report.new), ("fixed", report.fixed)):
        listed = _listed([item.item for item in items], context)
        lines += [f"{stamp} {label} {line}" for line in listed]
    what = f"{len(report.new):,} new, {len(report.fixed):,} fixed"
    if report.rescan:
        what = f"rescanned the vault: {what}"
    if not quiet:
        lines.append(f"{stamp} {what}; {summary(found, context.note_count)}")
    return "".join(line + "\n" for line in lines)


# --- the findings a person has seen -----------------------------------------------------------


class Shown:
    """The findings last reported, by note and identity, with the baseline's hidden ones out.

    ``diff`` compares a note's findings now with those last reported by identity, so a
    finding that only moved (a line added above it; its note renamed, given as ``renames``)
    is neither new nor fixed.
    """

    def __init__(self, baseline: frozenset[Identity] = frozenset()) -> None:
        self.baseline = baseline
        self.hidden = 0
        self._by_path: dict[str, dict[Identity, Diagnostic]] = {}
        self._hidden: dict[str, int] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def findings(self) -> list[Diagnostic]:
        """Every finding shown, in no particular order."""
        return [item for found in self._by_path.values() for item in found.values()]

    def diff(
        self,
        paths: Iterable[str],
        findings: Callable[[str], Sequence[Diagnostic]],
        renames: Mapping[str, str] | None = None,
    ) -> tuple[list[Finding], list[Finding], list[Finding]]:
        """Take the findings of ``paths`` as they now are; return them new, fixed and moved."""
        # All the old paths first: renames may swap two notes, or move one over another.
        moving = [(new, self._pop(old)) for old, new in (renames or {}).items()]
        for new, found in moving:
            taken = {key._replace(path=new): item for key, item in found}
            self._set(new, dict(self._pop(new)) | taken)
        added, gone, moved = [], [], []
        for path in sorted(set(paths)):
            before = self._by_path.get(path, {})
            items = findings(path)
            now: dict[Identity, Diagnostic] = {}
            hidden = 0
            for key, item in zip(identities(items), items, strict=True):
                if key in self.baseline:
                    hidden += 1
                else:
                    now[key] = item
            for key, item in now.items():
                old_item = before.get(key)
                if old_item is None:
                    added.append(Finding(key, item))
                elif finding_key(old_item) != finding_key(item):
                    moved.append(Finding(key, item))
            gone += [Finding(key, item) for key, item in before.items() if key not in now]
            self._pop(path)
            self._set(path, now, hidden)
        return sorted(added, key=_order), sorted(gone, key=_order), sorted(moved, key=_order)

    def paths(self) -> set[str]:
        """The notes with a finding (shown or hidden)."""
        return set(self._by_path) | set(self._hidden)

    def _pop(self, path: str) -> list[tuple[Identity, Diagnostic]]:
        found = self._by_path.pop(path, {})
        self._count -= len(found)
        self.hidden -= self._hidden.pop(path, 0)
        return list(found.items())

    def _set(self, path: str, found: dict[Identity, Diagnostic], hidden: int = 0) -> None:
        if found:
            self._by_path[path] = found
            self._count += len(found)
        if hidden:
            self._hidden[path] = hidden
            self.hidden += hidden


def _order(found: Finding) -> tuple[str, int, int, str]:
    return diagnostic_order(found.item)


# --- the graph page ---------------------------------------------------------------------------

GraphWrite = Callable[[Vault, Sequence[Diagnostic], Path], None]


def write_graph_page(vault: Vault, diagnostics: Sequence[Diagnostic], path: Path) -> None:
    """Write the page ``vaultkit graph`` writes for this state (``vaultkit.html.graph_page``;
    imported when a page is first asked for: it loads networkx, pyvis and Jinja)."""
    from vaultkit.html import graph_page, write_file

    write_file(path, graph_page(vault, diagnostics, vault.config))


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


def git_lock(root: Path) -> Path | None:
    """The index lock of the git repository holding ``root``, or None outside one: git holds
    it while ``checkout``, ``merge`` or ``reset`` write the working tree."""
    for folder in (root, *root.parents):
        dot = folder / ".git"
        try:
            if dot.is_dir():
                return dot / "index.lock"
            if dot.is_file():  # a worktree or a submodule: ``gitdir: PATH``
                text = dot.read_text(encoding="utf-8", errors="replace").strip()
                return folder / text.removeprefix("gitdir:").strip() / "index.lock"
        except OSError:
            return None
    return None


Position = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class _Before:
    """What the engine knew before a burst that its causes need: the files of the vault the
    burst names (and those under a folder that went), and the links that reached them."""

    known: frozenset[str]
    moves: tuple[tuple[str, str], ...]
    # Where each link to them was, and which file and heading or block it reached.
    reach: dict[Position, tuple[str, str | None]]

    @classmethod
    def take(
        cls, engine: IncrementalVault, paths: Iterable[str], moves: tuple[tuple[str, str], ...]
    ) -> _Before:
        known = {path for path in paths if engine.knows(path)}
        folders = [source for source, _ in moves if source.endswith("/")]
        if folders:
            prefixes = tuple(folders)
            known.update(path for path in engine.notes if path.startswith(prefixes))
        reach: dict[Position, tuple[str, str | None]] = {}
        for path in known:
            for source in engine.linking(path) | {path}:  # its own links to itself too
                for edge in engine.edges_of(source):
                    if edge.resolved == path:
                        link = edge.link
                        reach[(source, link.line, link.column)] = (path, link.subpath)
        return cls(frozenset(known), moves, reach)

    def outcome(self, engine: IncrementalVault) -> tuple[dict[str, str], list[str]]:
        """The renames (old path → new path) and the deletes the burst made."""
        gone = {path for path in self.known if not engine.knows(path)}
        renames: dict[str, str] = {}
        origin: dict[str, str] = {}
        for source, destination in self.moves:
            if not destination:
                continue  # a folder that went: its files are in ``gone``
            if source.endswith("/"):
                for path in gone:
                    moved = destination + path[len(source) :]
                    if path.startswith(source) and engine.knows(moved):
                        renames[path] = moved
            else:
                origin[destination] = origin.pop(source, source)
        for destination, source in origin.items():
            if source in gone and source != destination and engine.knows(destination):
                renames[source] = destination
        return renames, sorted(gone - renames.keys())

    def causes(
        self,
        root: Path,
        renames: dict[str, str],
        deleted: list[str],
        new: Sequence[Finding],
        fixable: Callable[[Diagnostic], bool],
    ) -> list[Cause]:
        """One cause per renamed or deleted file or folder, with the links it broke and how
        many of those ``fixable`` says ``lint --fix`` repairs."""
        groups: dict[tuple[str, str, str], set[str]] = {}
        folders = [(a, b) for a, b in self.moves if a.endswith("/") and b]
        for source, destination in sorted(renames.items()):
            key = ("renamed", source, destination)
            for folder, moved in folders:
                if source.startswith(folder) and destination == moved + source[len(folder) :]:
                    key = ("renamed", folder, moved)
                    break
            groups.setdefault(key, set()).add(source)
        for path in deleted:
            top = path
            parent = path.rpartition("/")[0]
            while parent and not os.path.lexists(os.path.join(root, parent)):
                top = parent + "/"
                parent = parent.rpartition("/")[0]
            groups.setdefault(("deleted", top, ""), set()).add(path)
        broken: dict[str, list[Diagnostic]] = {}
        was = {new_path: old for old, new_path in renames.items()}
        for found in new:
            item = found.item
            source = was.get(item.path, item.path)
            reached = self.reach.get((source, item.line, item.column))
            if reached is not None:
                broken.setdefault(reached[0], []).append(item)
        causes = []
        for (kind, path, to), files in groups.items():
            items = [item for file in files for item in broken.get(file, ())]
            causes.append(Cause(kind, path, to, len(items), sum(map(fixable, items))))
        return causes


def relinked(
    engine: IncrementalVault,
    before: _Before,
    renames: Mapping[str, str],
    new: list[Finding],
    fixed: list[Finding],
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """Pair the findings of links rewritten to follow a rename (``[[Old#Nope]]`` become
    ``[[New#Nope]]``, as Obsidian does): same note, same rule, the old link reached the old
    path and the new one reaches the new path, with the same heading or block. Their subject
    changed with the link's text, but they are the same problem: moved, not new and fixed.
    Returns new, fixed and the pairs' new findings."""
    waiting: dict[tuple[str, str, str, str | None], list[Finding]] = {}
    for found in fixed:
        item = found.item
        reached = before.reach.get((item.path, item.line, item.column))
        if reached is not None and reached[0] in renames:
            key = (renames.get(item.path, item.path), item.code, renames[reached[0]], reached[1])
            waiting.setdefault(key, []).append(found)
    if not waiting:
        return new, fixed, []
    paired: list[Finding] = []
    taken: set[int] = set()
    for found in new:
        item = found.item
        for edge in engine.edges_of(item.path):
            link = edge.link
            if (link.line, link.column) != (item.line, item.column) or edge.resolved is None:
                continue
            old = waiting.get((item.path, item.code, edge.resolved, link.subpath))
            if old:
                taken.add(id(old.pop(0)))
                paired.append(found)
            break
    kept = {id(found) for found in paired}
    return (
        [found for found in new if id(found) not in kept],
        [found for found in fixed if id(found) not in taken],
        paired,
    )


def _fixable(engine: IncrementalVault, moved: Mapping[str, str]) -> Callable[[Diagnostic], bool]:
    """Whether ``lint --fix`` repairs a finding: its own safe fix, or, for a link still naming
    a note renamed in this burst, the rename's (watch records the moves, so the next ``lint``
    knows them)."""
    vault = Vault(
        engine.root, engine.config, engine.notes, (), engine.index, (), renames=dict(moved)
    )

    def fixable(item: Diagnostic) -> bool:
        if item.fix is not None or not moved:
            return item.fix is not None and item.fix.safe
        for edge in engine.edges_of(item.path):
            if (edge.link.line, edge.link.column) == (item.line, item.column):
                new = renamed_to(vault, edge)
                fix = rename_fix(vault, edge, new) if new is not None else None
                return fix is not None and fix.safe
        return False

    return fixable


def _known_line(name: str, hidden: int, fixed: int) -> str:
    """``3,359 known problems hidden by .vaultkit-baseline.json (12 fixed since: …)``, as
    ``lint`` says it."""
    line = f"{hidden:,} known problem{'s' if hidden != 1 else ''} hidden by {name}"
    if fixed:
        line += f" ({fixed:,} fixed since: run vaultkit baseline to shrink it)"
    return printable(line)


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
        baseline: tuple[str, frozenset[Identity]] | None = None,
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
        self._baseline = baseline
        self.shown = Shown(baseline[1] if baseline is not None else frozenset())
        self._git_lock = git_lock(Path(os.path.abspath(root)))

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
        shown, _, _ = self.shown.diff({item.path for item in found}, engine.findings)
        if self.fmt == "json":
            self._emit(start_json(shown, engine.note_count, _now()))
        else:
            context = Context(self.root, self.cwd, engine.note_count, self.color)
            self._emit(start_text([item.item for item in shown], context, self.quiet))
        if not self.quiet:
            if self._baseline is not None:
                self._say_known(found)
            self._say(f"vaultkit: watching {self.root} (Ctrl-C to stop)")
        if self._graph_path is not None:
            if not self.quiet:
                page = printable(str(self._graph_path))
                self._say(f"vaultkit: graph page {page} (rewritten after each report)")
            self._graph = GraphWriter(self._graph_path, self._write_graph, self.err)
            self._graph_due = True

    def _say_known(self, found: Sequence[Diagnostic]) -> None:
        """The baseline's line: what it hides, and its entries no finding has any more (among
        the rules run and the notes linted)."""
        assert self._baseline is not None and self.engine is not None
        name, entries = self._baseline
        config = self.engine.config
        rules = select_rules(self.select or config.select, (*config.ignore, *self.ignore))
        codes = {rule.code for rule in rules}
        excluded = glob_matcher(config.exclude)
        current = set(identities(found))
        fixed = sum(
            1
            for entry in entries
            if entry not in current and entry.code in codes and not excluded(entry.path)
        )
        if self.shown.hidden or fixed:
            self._say(_known_line(name, self.shown.hidden, fixed))

    def _loop(self, engine: IncrementalVault) -> None:
        coalescer = self.coalescer
        while True:
            if self._lost:
                if not self._wait_for_folder():
                    return
                self._watch()
                self._lost = False
                self._apply(engine, lambda: engine.rescan(self._reload_config()))
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
                    coalescer.add(change.paths, self.clock(), change.moves)
                try:
                    change = self.events.get_nowait()
                except queue.Empty:
                    break
            now = self.clock()
            due = coalescer.deadline()
            if due is not None and now >= due and self._git_busy():
                coalescer.settle(now)  # report the state the operation leaves, once
            burst = coalescer.take(now)
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

    def _git_busy(self) -> bool:
        return self._git_lock is not None and os.path.lexists(self._git_lock)

    def _burst(self, engine: IncrementalVault, burst: Burst) -> None:
        if burst.rescan:
            self._apply(engine, lambda: engine.rescan(self._reload_config()))
            return
        paths = set(burst.paths)
        for path in self._own:
            # A file ``watch`` writes is a file of the vault once written; its events are not.
            if engine.knows(path) != os.path.lexists(os.path.join(self.root, path)):
                paths.add(path)
        before = _Before.take(engine, paths, burst.moves)
        self._apply(engine, lambda: engine.update(paths), before)

    def _apply(
        self, engine: IncrementalVault, change: Callable[[], Delta], before: _Before | None = None
    ) -> None:
        """Run ``change`` on the engine (a rescan when ``before`` is None) and report what
        changed since the last report, unless the folder went meanwhile (then the rescan
        that follows its return reports it)."""
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
        if folder_of(self.root) != folder:
            self._lose()
            return
        if before is not None and not delta.files:
            return
        touched = set(delta.files)
        touched.update(item.path for item in (*delta.new, *delta.fixed))
        renames: dict[str, str] = {}
        causes = [Cause("rescan")]
        if before is None:
            touched |= self.shown.paths() | {item.path for item in engine.unsorted()}
        else:
            renames, deleted = before.outcome(engine)
            touched.update(renames.values())
            notes = [(old, new) for old, new in renames.items() if new in engine.notes]
            if notes:
                # The next ``lint`` tells the links still naming the old path, with the fix.
                record_moves(self.root, engine.config, notes)
        new, fixed, moved = self.shown.diff(touched, engine.findings, renames)
        if before is not None:
            if renames:
                new, fixed, paired = relinked(engine, before, renames, new, fixed)
                moved = sorted([*moved, *paired], key=_order)
            fixable = _fixable(engine, renames)
            causes = before.causes(self.root, renames, deleted, new, fixable)
        report = Report(tuple(new), tuple(fixed), tuple(moved), tuple(causes))
        when = _now()
        if self.fmt == "json":
            self._emit(burst_json(report, engine.note_count, len(self.shown), when))
        else:
            context = Context(self.root, self.cwd, engine.note_count, self.color)
            text = burst_text(report, self.shown.findings(), context, when, self.quiet)
            if text:
                self._emit(text)
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
