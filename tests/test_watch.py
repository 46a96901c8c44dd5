"""``vaultkit watch``: event filtering, coalescing, output, the loop, and a real run end to end."""

from __future__ import annotations

import datetime
import errno
import io
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, write_files
from vaultkit.cache import load_renames
from vaultkit.cli import main
from vaultkit.config import Config
from vaultkit.identity import Identity, finding_id
from vaultkit.incremental import Delta
from vaultkit.model import Diagnostic, Severity, Vault
from vaultkit.report import Context
from vaultkit.vault import check_vault, load_vault
from vaultkit.watch import (
    TEXT_LIMIT,
    Burst,
    Cause,
    Change,
    Coalescer,
    Finding,
    Report,
    Shown,
    Watcher,
    burst_json,
    burst_text,
    event_paths,
    ignored,
    start_observer,
)

TIMEOUT = 30.0

# --- which paths count ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        ".obsidian/workspace.json",
        ".git/index",
        ".trash/old.md",
        "notes/.note.md.swp",
        "notes/.#note.md",
        ".graph.html.x1y2.tmp",
        "out/graph.html",
        "log.txt",
    ],
)
def test_ignored(path: str) -> None:
    assert ignored(path, ("out/graph.html", "log.txt"))


# What a full lint reads as a note or an attachment, editor leftovers included.
READ_BY_LINT = [
    "note.md",
    "sub/note.md",
    "img.png",
    "sub/4913.md",
    "graph.md",
    "~$budget.md",
    "data.part",
    "note.md~",
    "note.md.swp",
    "note.md.tmp",
    "4913",
    "sub/4913",
    "~$report.docx",
    "#note.md#",
    "out/graph.html.md",
    "out/graph.htm",
    "out/graph.html~",
    "Models/a.md",
    "Modern.md",
    "Mod.md",
    "log.txt.md",
]


@pytest.mark.parametrize("path", READ_BY_LINT)
def test_not_ignored(path: str) -> None:
    assert not ignored(path, ("out/graph.html", "log.txt", "Mod"))


def test_watch_ignores_nothing_a_full_lint_reads(tmp_path: Path) -> None:
    write_files(tmp_path, dict.fromkeys(READ_BY_LINT, "x"))
    vault = load_vault(tmp_path, Config(), use_cache=False)
    read = {*vault.notes, *vault.attachments}
    assert read == set(READ_BY_LINT)
    assert [path for path in sorted(read) if ignored(path, ("Mod", "out/graph.html"))] == []


def test_a_rename_over_a_note_names_both_ends() -> None:
    # The temporary file is gone by the time the burst reads it: it costs a ``stat``.
    change = event_paths("moved", False, "/v/a.md.tmp", "/v/a.md", "/v")
    assert change == Change(("a.md.tmp", "a.md"), moves=(("a.md.tmp", "a.md"),))
    assert event_paths("moved", False, "/v/.a.md.x1.tmp", "/v/a.md", "/v") == Change(("a.md",))


def test_the_vault_folder_itself_going_asks_for_a_rescan() -> None:
    assert event_paths("deleted", True, "/v", "", "/v") == Change((), True)


def test_a_folder_move_names_both_ends() -> None:
    assert event_paths("moved", True, "/v/x", "/v/y/z", "/v") == Change(
        ("x", "y/z"), moves=(("x/", "y/z/"),)
    )


def test_a_move_out_of_the_vault_is_a_delete() -> None:
    assert event_paths("moved", False, "/v/a.md", "/elsewhere/a.md", "/v") == Change(("a.md",))


def test_a_folder_that_goes_is_a_move_to_nowhere() -> None:
    gone = Change(("x",), moves=(("x/", ""),))
    assert event_paths("deleted", True, "/v/x", "", "/v") == gone
    assert event_paths("moved", True, "/v/x", "/elsewhere/x", "/v") == gone
    assert event_paths("moved", True, "/v/x", "/v/.trash/x", "/v") == gone
    assert event_paths("moved", True, "/elsewhere/x", "/v/x", "/v") == Change(("x",))


@pytest.mark.parametrize(
    ("kind", "is_directory"),
    [("opened", False), ("closed_no_write", False), ("modified", True), ("attrib", True)],
)
def test_events_that_change_no_file_are_dropped(kind: str, is_directory: bool) -> None:
    assert event_paths(kind, is_directory, "/v/a", "", "/v") == Change()


@pytest.mark.parametrize("kind", ["created", "modified", "deleted", "closed", "attrib"])
def test_file_events_name_the_file(kind: str) -> None:
    assert event_paths(kind, False, "/v/sub/a.md", "", "/v") == Change(("sub/a.md",))


def test_a_config_change_asks_for_a_rescan() -> None:
    assert event_paths("modified", False, "/v/.vaultkit.toml", "", "/v") == Change((), True)
    assert event_paths("modified", False, "/v/pyproject.toml", "", "/v") == Change(
        ("pyproject.toml",), True
    )


def test_the_graph_page_is_not_an_event() -> None:
    assert event_paths("modified", False, "/v/out/g.html", "", "/v", ("out/g.html",)) == Change()


# --- coalescing, with a fake clock --------------------------------------------------------------


def test_a_burst_is_due_after_a_quiet_period() -> None:
    coalescer = Coalescer(quiet=0.15, max_wait=1.0)
    assert coalescer.deadline() is None
    coalescer.add(["a.md"], now=10.0)
    coalescer.add(["a.md.tmp", "a.md"], now=10.1)
    assert coalescer.take(10.2) is None
    assert coalescer.deadline() == pytest.approx(10.25)
    burst = coalescer.take(10.25)
    assert burst is not None
    assert burst.paths == {"a.md", "a.md.tmp"}
    assert not burst.rescan
    assert coalescer.deadline() is None
    assert coalescer.take(20.0) is None


def test_a_burst_waits_at_most_max_wait() -> None:
    coalescer = Coalescer(quiet=0.15, max_wait=1.0)
    for step in range(10):
        coalescer.add([f"n{step}.md"], now=step * 0.1)
    assert coalescer.deadline() == pytest.approx(1.0)
    burst = coalescer.take(1.0)
    assert burst is not None
    assert len(burst.paths) == 10
    coalescer.add(["late.md"], now=1.05)
    assert coalescer.deadline() == pytest.approx(1.2)


def test_no_paths_start_no_burst() -> None:
    coalescer = Coalescer()
    coalescer.add([], now=1.0)
    assert coalescer.deadline() is None


def test_a_storm_becomes_one_rescan_and_keeps_no_paths() -> None:
    coalescer = Coalescer(quiet=0.15, max_wait=1.0, storm=100, storm_wait=10.0)
    for step in range(5000):
        coalescer.add([f"n{step}.md"], now=step * 0.001)
        assert len(coalescer._paths) <= 100
    # A storm waits for calm rather than max_wait: one rescan, not one per second.
    assert coalescer.take(4.999 + 0.1) is None
    burst = coalescer.take(4.999 + 0.15)
    assert burst is not None
    assert burst.rescan
    assert burst.paths == frozenset()
    assert coalescer.deadline() is None


def test_a_storm_that_never_calms_still_ends() -> None:
    coalescer = Coalescer(quiet=0.15, storm_wait=10.0)
    coalescer.rescan(now=0.0)
    for step in range(200):
        coalescer.add(["log.md"], now=step * 0.1)
    assert coalescer.deadline() == pytest.approx(10.0)


# --- output ---------------------------------------------------------------------------------------

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)


def _finding(path: str, code: str = "VK101") -> Finding:
    item = Diagnostic(path, 1, 5, code, "broken-link", Severity.ERROR, "no note matches 'x'")
    return Finding(Identity(path, code, "[[x]]", 0), item)


def test_burst_json_is_one_line() -> None:
    report = Report((_finding("a.md"),), (_finding("b.md"),), causes=(Cause("deleted", "c.md"),))
    text = burst_json(report, notes=12, problems=3, when=WHEN)
    assert text.endswith("\n")
    assert text.count("\n") == 1
    record = json.loads(text)
    assert record["time"] == "2026-01-02T03:04:05.678+00:00"
    assert record["kind"] == "update"
    assert record["causes"] == [{"kind": "deleted", "path": "c.md"}]
    assert [item["path"] for item in record["new"]] == ["a.md"]
    assert [item["path"] for item in record["fixed"]] == ["b.md"]
    assert record["moved"] == []
    assert record["new"][0]["code"] == "VK101"
    assert record["new"][0]["id"] == finding_id(_finding("a.md").identity)
    assert (record["notes"], record["problems"]) == (12, 3)


def test_burst_text_has_a_timestamp_on_every_line(tmp_path: Path) -> None:
    report = Report((_finding("a.md"),), (_finding("b.md"),), causes=(Cause("deleted", "c.md"),))
    context = Context(tmp_path, tmp_path, 2)
    lines = burst_text(report, [_finding("a.md").item], context, WHEN).splitlines()
    assert lines == [
        "03:04:05 deleted c.md",
        "03:04:05 new   a.md:1:5: VK101 [broken-link] no note matches 'x'",
        "03:04:05 fixed b.md:1:5: VK101 [broken-link] no note matches 'x'",
        "03:04:05 1 new, 1 fixed; 1 problem (1 error) in 2 notes",
    ]


def test_burst_text_quiet_is_findings_only(tmp_path: Path) -> None:
    context = Context(tmp_path, tmp_path, 2)
    text = burst_text(Report((_finding("a.md"),)), [_finding("a.md").item], context, WHEN, True)
    assert text == "03:04:05 new   a.md:1:5: VK101 [broken-link] no note matches 'x'\n"


def _broken(path: str, line: int, target: str = "x") -> Diagnostic:
    return Diagnostic(
        path, line, 1, "VK101", "broken-link", Severity.ERROR, f"no note matches {target!r}"
    )


def test_shown_follows_a_swap_and_a_rename_over_another_note() -> None:
    state = {"a.md": [_broken("a.md", 1, "p")], "b.md": [_broken("b.md", 1, "q")]}
    shown = Shown()
    shown.diff(state, lambda path: state.get(path, []))
    state = {"b.md": [_broken("b.md", 2, "p")], "a.md": [_broken("a.md", 2, "q")]}
    new, fixed, moved = shown.diff(
        ["a.md", "b.md"],
        lambda path: state.get(path, []),
        {"a.md": "b.md", "b.md": "a.md"},
    )
    assert (new, fixed, len(moved), len(shown)) == ([], [], 2, 2)
    state = {"b.md": [_broken("b.md", 3, "q")]}  # a.md moved over b.md
    new, fixed, moved = shown.diff(
        ["a.md", "b.md"], lambda path: state.get(path, []), {"a.md": "b.md"}
    )
    assert [found.item.message for found in fixed] == ["no note matches 'p'"]
    assert (new, [found.item.line for found in moved], len(shown)) == ([], [3], 1)


def test_burst_text_of_moves_only_is_empty(tmp_path: Path) -> None:
    context = Context(tmp_path, tmp_path, 2)
    report = Report(moved=(_finding("a.md"),), causes=(Cause("renamed", "b.md", "a.md"),))
    assert burst_text(report, [_finding("a.md").item], context, WHEN) == ""


def test_a_cause_says_fixable_only_when_it_is() -> None:
    assert (
        Cause("renamed", "A.md", "B.md", broken=10).text()
        == "renamed A.md → B.md: 10 links now broken"
    )
    assert (
        Cause("renamed", "A.md", "B.md", 10, 10).text().endswith(" (fixable: vaultkit lint --fix)")
    )
    assert Cause("deleted", "X.md", broken=3, fixable=1).text() == (
        "deleted X.md: 3 links broken (1 fixable: vaultkit lint --fix)"
    )


def test_burst_text_lists_a_storm_in_part(tmp_path: Path) -> None:
    many = tuple(_finding(f"n{number:04}.md") for number in range(TEXT_LIMIT + 1234))
    context = Context(tmp_path, tmp_path, len(many))
    report = Report(many, causes=(Cause("rescan"),))
    lines = burst_text(report, [item.item for item in many], context, WHEN).splitlines()
    assert len(lines) == TEXT_LIMIT + 2
    assert lines[-2] == "03:04:05 new   ... and 1,234 more ('vaultkit lint' lists them all)"
    assert lines[-1].startswith(
        f"03:04:05 rescanned the vault: {TEXT_LIMIT + 1234:,} new, 0 fixed;"
    )


# --- the observer and its fallback ----------------------------------------------------------------


class FakeObserver:
    """An observer that delivers nothing; ``fail`` makes ``start`` raise."""

    def __init__(self, fail: OSError | None = None) -> None:
        self.fail = fail
        self.scheduled: list[str] = []
        self.started = self.stopped = False

    def schedule(self, handler: Any, path: str, /, *, recursive: bool) -> None:
        self.scheduled.append(path)

    def start(self) -> None:
        if self.fail is not None:
            raise self.fail
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def join(self, timeout: float | None = None) -> None:
        return None


def test_the_watch_limit_falls_back_to_polling(tmp_path: Path) -> None:
    limited = FakeObserver(OSError(errno.ENOSPC, "inotify watch limit reached"))
    polling = FakeObserver()
    err = io.StringIO()
    observer = start_observer(tmp_path, None, err, (lambda: limited, lambda: polling))
    assert observer is polling
    assert polling.started
    assert "sysctl fs.inotify.max_user_watches=" in err.getvalue()
    assert "polling" in err.getvalue()


def test_other_observer_errors_are_not_hidden(tmp_path: Path) -> None:
    broken = FakeObserver(OSError(errno.EACCES, "permission denied"))
    with pytest.raises(OSError, match="permission denied"):
        start_observer(tmp_path, None, io.StringIO(), (lambda: broken, FakeObserver))


# --- the loop, in process, with events pushed by hand ---------------------------------------------


class Lines(io.TextIOBase):
    """A text stream whose lines land in a queue, to wait on with a timeout."""

    def __init__(self, log: list[str] | None = None) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.log = log if log is not None else []
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *done, self._partial = self._partial.split("\n")
        for line in done:
            self.log.append("report")
            self.lines.put(line)
        return len(text)

    def next(self, match: Callable[[str], bool] = lambda line: True) -> str:
        while True:
            line = self.lines.get(timeout=TIMEOUT)
            if match(line):
                return line


class Running:
    """A ``Watcher`` on its own thread, fed by hand."""

    def __init__(self, root: Path, log: list[str] | None = None, **options: Any) -> None:
        self.out = Lines(log)
        self.err = Lines()
        coalescer = Coalescer(quiet=0.02, max_wait=0.2, storm=100, storm_wait=1.0)
        options.setdefault("observers", (FakeObserver,))
        options.setdefault("fmt", "json")
        options.setdefault("cwd", root)
        self.watcher = Watcher(
            root, Config(), self.out, err=self.err, coalescer=coalescer, **options
        )
        self.thread = threading.Thread(target=self.watcher.run)
        self.thread.start()

    def push(self, *paths: str, rescan: bool = False) -> None:
        self.watcher.events.put(Change(paths, rescan))

    def record(self, kind: str | None = None) -> dict[str, Any]:
        line = self.out.next(lambda line: kind is None or json.loads(line)["kind"] == kind)
        record: dict[str, Any] = json.loads(line)
        return record

    def stop(self) -> None:
        self.watcher.stop()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()


@pytest.fixture
def vault_root(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]]", "b.md": "[[a]]"})
    return root


def _paths(items: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(item["path"], item["code"]) for item in items]


def test_the_loop_reports_each_burst(vault_root: Path) -> None:
    running = Running(vault_root)
    try:
        assert running.record("start")["new"] == []
        write_files(vault_root, {"b.md": "[[a]] [[nowhere]]"})
        running.push("b.md", "b.md.tmp")
        assert _paths(running.record()["new"]) == [("b.md", "VK101")]
        running.push("ignored-because-unchanged.md")
        write_files(vault_root, {"b.md": "[[a]]"})
        running.push("b.md")
        record = running.record()
        assert _paths(record["fixed"]) == [("b.md", "VK101")]
        assert record["new"] == []
    finally:
        running.stop()


def test_a_storm_is_one_rescan(vault_root: Path) -> None:
    running = Running(vault_root)
    try:
        running.record("start")
        write_files(vault_root, {f"many/n{n}.md": "[[a]]" for n in range(300)})
        running.push(*(f"many/n{n}.md" for n in range(300)))
        record = running.record()
        assert record["causes"] == [{"kind": "rescan"}]
        assert record["notes"] == 302
        assert {path for path, code in _paths(record["new"])} == {
            f"many/n{n}.md" for n in range(300)
        }
        write_files(vault_root, {"a.md": "[[b]] [[nowhere]]"})
        running.push("a.md")
        record = running.record()
        assert record["causes"] == []
        assert _paths(record["new"]) == [("a.md", "VK101")]
    finally:
        running.stop()


def test_a_queue_overflow_is_one_rescan(vault_root: Path) -> None:
    running = Running(vault_root)
    try:
        running.record("start")
        write_files(vault_root, {"c.md": "[[nowhere]]"})
        # watchdog reports a kernel queue overflow only in its log.
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
        record = running.record()
        assert record["causes"] == [{"kind": "rescan"}]
        assert ("c.md", "VK101") in _paths(record["new"])
    finally:
        running.stop()


def test_the_graph_page_follows_the_report(vault_root: Path, tmp_path: Path) -> None:
    pages: queue.Queue[int] = queue.Queue()
    log: list[str] = []

    def write_graph(vault: Vault, diagnostics: Sequence[Diagnostic], path: Path) -> None:
        log.append("page")
        pages.put(len(vault.notes))

    page = tmp_path / "page.html"
    running = Running(vault_root, log, graph=page, write_graph=write_graph)
    try:
        running.record("start")
        assert pages.get(timeout=TIMEOUT) == 2
        write_files(vault_root, {"c.md": "[[a]]"})
        running.push("c.md")
        assert running.record()["notes"] == 3
        assert pages.get(timeout=TIMEOUT) == 3
    finally:
        running.stop()
    assert log == ["report", "page", "report", "page"]


def test_a_config_change_reloads_it(vault_root: Path) -> None:
    running = Running(vault_root)
    try:
        running.record("start")
        write_files(vault_root, {"c.md": "[[nowhere]]", ".vaultkit.toml": 'ignore = ["VK101"]'})
        running.push(rescan=True)
        record = running.record()
        assert record["causes"] == [{"kind": "rescan"}]
        assert [code for _, code in _paths(record["new"])] == ["VK201"]
    finally:
        running.stop()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "-1", "0", '"ten"'])
def test_a_bad_config_value_keeps_the_previous_config(vault_root: Path, value: str) -> None:
    running = Running(vault_root)
    try:
        running.record("start")
        config = f"parse-timeout = {value}\n"
        write_files(vault_root, {".vaultkit.toml": config, "c.md": "[[nowhere]]"})
        running.push(rescan=True)
        record = running.record()
        assert record["causes"] == [{"kind": "rescan"}]
        assert ("c.md", "VK101") in _paths(record["new"])
        assert "parse-timeout" in running.err.next(lambda line: "watching" not in line)
        write_files(vault_root, {".vaultkit.toml": 'ignore = ["VK101"]\n'})
        running.push(rescan=True)
        assert ("c.md", "VK101") in _paths(running.record()["fixed"])
    finally:
        running.stop()


class Observers:
    """An observer factory that keeps every observer it made."""

    def __init__(self) -> None:
        self.made: list[FakeObserver] = []

    def __call__(self) -> FakeObserver:
        self.made.append(FakeObserver())
        return self.made[-1]


def _move_in(tmp_path: Path, root: Path, files: dict[str, str]) -> None:
    """Make a vault elsewhere and move it to ``root`` at once, as a restore or a clone would."""
    made = tmp_path / "made elsewhere"
    write_files(made, files)
    os.rename(made, root)


NEW_VAULT = {"a.md": "[[b]] [[nowhere]]", "b.md": "[[a]]", "c.md": "[[a]]"}


def test_a_deleted_vault_is_waited_for_then_rescanned(vault_root: Path, tmp_path: Path) -> None:
    observers = Observers()
    running = Running(vault_root, observers=(observers,), poll=0.02)
    try:
        assert running.record("start")["new"] == []
        shutil.rmtree(vault_root)
        running.push("a.md", "b.md")  # what the observer reports as the files go
        assert str(vault_root) in running.err.next(lambda line: "watching" not in line)
        _move_in(tmp_path, vault_root, NEW_VAULT)
        record = running.record()
        assert (record["causes"], record["notes"], record["fixed"]) == ([{"kind": "rescan"}], 3, [])
        assert sorted(_paths(record["new"])) == _found(vault_root)
        assert len(observers.made) == 2
        assert observers.made[0].stopped
        assert observers.made[1].started and not observers.made[1].stopped
        write_files(vault_root, {"a.md": "[[b]]"})
        running.push("a.md")
        assert _paths(running.record()["fixed"]) == [("a.md", "VK101")]
    finally:
        running.stop()


def test_a_vault_replaced_between_two_bursts_is_rescanned(vault_root: Path, tmp_path: Path) -> None:
    observers = Observers()
    running = Running(vault_root, observers=(observers,))
    try:
        running.record("start")
        os.rename(vault_root, tmp_path / "old vault")
        _move_in(tmp_path, vault_root, NEW_VAULT)
        running.push("a.md")
        record = running.record()
        assert (record["causes"], record["notes"]) == ([{"kind": "rescan"}], 3)
        assert sorted(_paths(record["new"])) == _found(vault_root)
        assert len(observers.made) == 2
    finally:
        running.stop()


def test_a_vault_deleted_during_a_burst_is_reported_against_the_last_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[nowhere]]", "b.md": "[[a]]"})
    running = Running(root, poll=0.02)
    try:
        assert _paths(running.record("start")["new"]) == [("a.md", "VK101"), ("b.md", "VK201")]
        engine = running.watcher.engine
        assert engine is not None
        update = engine.update

        def vanishing(paths: Any) -> Delta:
            shutil.rmtree(root)
            return update(paths)

        with monkeypatch.context() as patch:
            patch.setattr(engine, "update", vanishing)
            running.push("b.md")
            running.err.next(lambda line: "watching" not in line)
        _move_in(tmp_path, root, {"a.md": "[[nowhere]]", "b.md": "[[a]]", "c.md": "[[a]]"})
        record = running.record()
        assert record["causes"] == [{"kind": "rescan"}]
        assert (_paths(record["new"]), record["fixed"]) == ([("c.md", "VK201")], [])
    finally:
        running.stop()


# --- for real: a subprocess, a real observer, SIGINT ----------------------------------------------


class Process:
    """``python -m vaultkit watch`` on a vault, its output read line by line on a thread."""

    def __init__(self, root: Path, *arguments: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vaultkit", "watch", "--vault", str(root), *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=root,
            # Ctrl-C must reach it even when the test runner was started with SIGINT ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: queue.Queue[str] = queue.Queue()
        self._err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.lines.put)),
            threading.Thread(target=self._read, args=(self.process.stderr, self._error)),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, put: Callable[[str], None]) -> None:
        for line in stream:
            put(line)

    def _error(self, line: str) -> None:
        self._err.append(line)
        self.errors.put(line)

    def error(self) -> str:
        """The next line on stderr."""
        return self.errors.get(timeout=TIMEOUT)

    def record(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                errors = "".join(self._err)
                raise AssertionError(f"no matching report; saw {seen}; stderr {errors}") from None
            record: dict[str, Any] = json.loads(line)
            seen.append(record)
            if match(record):
                return record

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=TIMEOUT)
        for reader in self._readers:
            reader.join(TIMEOUT)
        return code, "".join(self._err)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for reader in self._readers:
            reader.join(TIMEOUT)


def _atomic_save(path: Path, text: str) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_watch_end_to_end(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {".obsidian/app.json": "{}", "a.md": "[[b]]", "b.md": "[[a]]"})
    watch = Process(root, "--format", "json")
    try:
        start = watch.record(lambda record: record["kind"] == "start")
        assert (start["new"], start["notes"]) == ([], 2)

        _atomic_save(root / "b.md", "[[a]]\nsee [[Nowhere]]\n")
        added = watch.record(lambda record: bool(record["new"]))
        assert [(item["path"], item["line"], item["code"]) for item in added["new"]] == [
            ("b.md", 2, "VK101")
        ]

        (root / "b.md").write_text("[[a]]\nsee [[a]]\n", encoding="utf-8")
        fixed = watch.record(lambda record: bool(record["fixed"]))
        assert _paths(fixed["fixed"]) == [("b.md", "VK101")]
        assert fixed["new"] == []

        (root / "b.md").unlink()
        (root / "b.md").write_text("[[a]] [[gone]]\n", encoding="utf-8")
        recreated = watch.record(lambda record: ("b.md", "VK101") in _paths(record["new"]))
        assert recreated["notes"] == 2

        os.rename(root / "a.md", root / "c.md")
        renamed = watch.record(lambda record: ("b.md", "VK101") in _paths(record["new"]))
        assert [
            (item["path"], item["column"]) for item in renamed["new"] if item["code"] == "VK101"
        ] == [("b.md", 1)]
        code, err = watch.interrupt()
    finally:
        watch.kill()
    assert code == 0
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err


def test_watch_text_output_and_ctrl_c(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]]", "b.md": "[[a]]"})
    watch = Process(root)
    try:
        first = watch.lines.get(timeout=TIMEOUT)
        assert first == "no problems in 2 notes\n"
        (root / "a.md").write_text("[[b]] [[zzz]]", encoding="utf-8")
        line = watch.lines.get(timeout=TIMEOUT)
        assert " new   a.md:1:7: VK101 [broken-link] " in line
        assert "1 new, 0 fixed; 1 problem (1 error) in 2 notes" in watch.lines.get(timeout=TIMEOUT)
        code, err = watch.interrupt()
    finally:
        watch.kill()
    assert code == 0
    assert "Traceback" not in err


def _found(root: Path, config: Config | None = None) -> list[tuple[str, str]]:
    """What a full lint of the vault as it now stands finds, as ``(path, code)``."""
    found = check_vault(root, config, use_cache=False).diagnostics
    return sorted((item.path, item.code) for item in found)


def test_watch_sees_every_file_a_full_lint_reads(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]] ![[data.part]]", "b.md": "[[a]] [[Modern]] [[m]]"})
    watch = Process(root, "--format", "json", "--graph", str(root / "Mod"))
    try:
        start = watch.record(lambda record: record["kind"] == "start")
        assert ("a.md", "VK101") in _paths(start["new"])
        (root / "data.part").write_bytes(b"half a download")
        fixed = watch.record(lambda record: ("a.md", "VK101") in _paths(record["fixed"]))
        assert fixed["new"] == []
        write_files(root, {"Modern.md": "[[nowhere one]]", "Models/m.md": "[[a]]"})
        watch.record(lambda record: ("Modern.md", "VK101") in _paths(record["new"]))
        write_files(root, {"~$budget.md": "[[nowhere two]]"})
        last = watch.record(lambda record: ("~$budget.md", "VK101") in _paths(record["new"]))
        assert last["problems"] == len(_found(root))
        code, err = watch.interrupt()
    finally:
        watch.kill()
    assert code == 0
    assert "Traceback" not in err


def test_watch_waits_for_a_deleted_vault_and_resumes(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]]", "b.md": "[[a]]"})
    watch = Process(root, "--format", "json")
    try:
        watch.record(lambda record: record["kind"] == "start")
        assert str(root) in watch.error()  # "watching ..."
        shutil.rmtree(root)
        assert str(root) in watch.error()
        _move_in(tmp_path, root, NEW_VAULT)
        back = watch.record(lambda record: True)
        assert (back["causes"], back["notes"]) == ([{"kind": "rescan"}], 3)
        assert sorted(_paths(back["new"])) == _found(root)
        (root / "c.md").write_text("[[a]] [[nowhere else]]", encoding="utf-8")
        edited = watch.record(lambda record: True)
        assert (edited["kind"], _paths(edited["new"])) == ("update", [("c.md", "VK101")])
        code, err = watch.interrupt()
    finally:
        watch.kill()
    assert code == 0
    assert "Traceback" not in err


def test_watch_keeps_running_when_the_config_gets_a_bad_number(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]]", "b.md": "[[a]]"})
    watch = Process(root, "--format", "json")
    try:
        watch.record(lambda record: record["kind"] == "start")
        watch.error()  # "watching ..."
        write_files(root, {"c.md": "[[nowhere]]", ".vaultkit.toml": "parse-timeout = nan\n"})
        assert "parse-timeout" in watch.error()
        kept = watch.record(lambda record: ("c.md", "VK101") in _paths(record["new"]))
        assert kept["problems"] == len(_found(root, Config()))
        write_files(root, {".vaultkit.toml": 'ignore = ["VK101"]\n'})
        watch.record(lambda record: ("c.md", "VK101") in _paths(record["fixed"]))
        code, err = watch.interrupt()
    finally:
        watch.kill()
    assert code == 0
    assert "Traceback" not in err


# --- what a person sees: identities, causes, the start, storms ------------------------------------


def _ids(items: Sequence[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def test_the_start_lists_the_findings_then_the_summary(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]] [[x]]\n", "b.md": "[[a]] [[y]]\n"})
    running = Running(root, fmt="text")
    try:
        lines = [running.out.next() for _ in range(3)]
    finally:
        running.stop()
    assert [line.split(" ")[:2] for line in lines[:2]] == [
        ["a.md:1:7:", "VK101"],
        ["b.md:1:7:", "VK101"],
    ]
    assert lines[2].startswith("2 problems (2 errors) in 2 notes")


def test_the_start_summary_counts_the_fixable_as_lint_does(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"p/Index.md": "[[q/Index]]", "q/Index.md": "[[a]]", "a.md": "[[Index]]"})
    running = Running(root, fmt="text")
    try:
        summary = running.out.next(lambda line: "problem" in line)
    finally:
        running.stop()
    lint_summary = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lint", "--vault", str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"},
    ).stdout.splitlines()[-1]
    assert "fixable" in lint_summary
    assert summary == lint_summary


def test_the_start_lists_at_most_the_text_limit(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"hub.md": "".join(f"[[gone {n}]]\n" for n in range(TEXT_LIMIT + 5))})
    running = Running(root, fmt="text")
    try:
        lines = [running.out.next() for _ in range(TEXT_LIMIT + 2)]
    finally:
        running.stop()
    assert all(" VK101 " in line or " VK201 " in line for line in lines[:TEXT_LIMIT])
    assert "6" in lines[TEXT_LIMIT] and "VK" not in lines[TEXT_LIMIT]  # 5 links and the orphan
    assert lines[TEXT_LIMIT + 1].startswith(f"{TEXT_LIMIT + 6} problems")


def test_findings_in_json_carry_their_identity(vault_root: Path) -> None:
    write_files(vault_root, {"b.md": "[[a]] [[Gone]] [[Gone]]"})
    running = Running(vault_root)
    try:
        ids = _ids(running.record("start")["new"])
    finally:
        running.stop()
    assert len(ids) == len(set(ids)) == 2


def test_a_line_added_above_a_finding_only_moves_it(vault_root: Path) -> None:
    write_files(vault_root, {"b.md": "[[a]]\n[[Gone]]\n"})
    running = Running(vault_root)
    try:
        start = running.record("start")
        write_files(vault_root, {"b.md": "[[a]]\nnew line\n\n[[Gone]]\n"})
        running.push("b.md")
        record = running.record()
    finally:
        running.stop()
    assert (record["new"], record["fixed"]) == ([], [])
    assert [(item["id"], item["line"]) for item in record["moved"]] == [(start["new"][0]["id"], 4)]


def test_a_move_prints_nothing_in_text(vault_root: Path) -> None:
    write_files(vault_root, {"b.md": "[[a]]\n[[Gone]]\n"})
    running = Running(vault_root, fmt="text")
    try:
        running.out.next(lambda line: "problem" in line)
        write_files(vault_root, {"b.md": "[[a]]\nnew line\n\n[[Gone]]\n"})
        running.push("b.md")
        write_files(vault_root, {"z.md": "[[a]] [[Other]]"})
        running.push("z.md")
        line = running.out.next()
    finally:
        running.stop()
    assert line.split()[1:3] == ["new", "z.md:1:1:"]  # its orphan, then its broken link


def test_an_obsidian_rename_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[Old]] [[Gone]]\n", "Old.md": "[[a]] [[Missing]]\n"})
    running = Running(root)
    try:
        start = running.record("start")
        os.rename(root / "Old.md", root / "New.md")
        write_files(root, {"a.md": "[[New]] [[Gone]]\n"})
        running.watcher.events.put(Change(("Old.md", "New.md"), moves=(("Old.md", "New.md"),)))
        running.push("a.md")
        record = running.record()
    finally:
        running.stop()
    assert (record["new"], record["fixed"]) == ([], [])
    assert record["causes"] == [{"kind": "renamed", "from": "Old.md", "to": "New.md"}]
    moved = {item["path"]: item["id"] for item in record["moved"]}
    assert list(moved) == ["New.md"]
    assert moved["New.md"] not in _ids(start["new"])  # its note is part of what it is


def test_an_obsidian_rename_keeps_a_broken_heading_link_to_it(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(
        root, {"a.md": "[[Old#Nope]] [[b]]\n", "b.md": "[[a]]\n", "Old.md": "[[a]]\n# Yes\n"}
    )
    running = Running(root)
    try:
        start = running.record("start")
        os.rename(root / "Old.md", root / "New.md")
        write_files(root, {"a.md": "[[New#Nope]] [[b]]\n"})
        running.watcher.events.put(Change(("Old.md", "New.md"), moves=(("Old.md", "New.md"),)))
        running.push("a.md")
        record = running.record()
    finally:
        running.stop()
    assert _paths(start["new"]) == [("a.md", "VK102")]
    assert (record["new"], record["fixed"]) == ([], [])
    assert _paths(record["moved"]) == [("a.md", "VK102")]


def test_a_rename_without_updated_links_names_its_cause_first(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    files = {"a.md": "[[Old]]\n", "b.md": "[[Old]] [[a]]\n", "Old.md": "[[a]] [[b]] [[Old]]\n"}
    write_files(root, files)
    running = Running(root, fmt="text")
    try:
        running.out.next(lambda line: "problem" in line)
        os.rename(root / "Old.md", root / "New.md")
        running.watcher.events.put(Change(("Old.md", "New.md"), moves=(("Old.md", "New.md"),)))
        lines = [running.out.next() for _ in range(6)]
    finally:
        running.stop()
    cause, *found, summary = lines
    assert "Old.md" in cause and "New.md" in cause and ": 3 " in cause  # its own link too
    assert cause.endswith("(fixable: vaultkit lint --fix)")  # the rename is remembered
    assert "VK" not in cause
    assert sorted(line.split()[2:4] for line in found) == [
        ["New.md:1:13:", "VK101"],
        ["New.md:1:1:", "VK201"],
        ["a.md:1:1:", "VK101"],
        ["b.md:1:1:", "VK101"],
    ]
    assert "4 new, 0 fixed" in summary


def test_a_rename_in_json_lists_its_cause(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[Old]] [[Gone]]\n", "Old.md": "[[a]] [[Missing]]\n"})
    running = Running(root)
    try:
        running.record("start")
        os.rename(root / "Old.md", root / "New.md")
        running.watcher.events.put(Change(("Old.md", "New.md"), moves=(("Old.md", "New.md"),)))
        record = running.record()
    finally:
        running.stop()
    assert record["kind"] == "update"
    assert record["causes"] == [{"kind": "renamed", "from": "Old.md", "to": "New.md"}]
    assert sorted(_paths(record["new"])) == [("New.md", "VK201"), ("a.md", "VK101")]
    assert record["fixed"] == []
    assert [item["path"] for item in record["moved"]] == ["New.md"]


def test_a_rename_watch_sees_is_remembered_for_lint(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[Old]]\n", "Old.md": "[[a]]\n"})
    running = Running(root)
    try:
        running.record("start")
        os.rename(root / "Old.md", root / "New.md")
        running.watcher.events.put(Change(("Old.md", "New.md"), moves=(("Old.md", "New.md"),)))
        running.record()
    finally:
        running.stop()
    assert load_renames(root, Config()) == {"Old.md": "New.md"}


def test_a_delete_names_its_cause(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[X]] [[b]]\n", "b.md": "[[X]] [[a]]\n", "X.md": "[[a]]\n"})
    running = Running(root)
    try:
        running.record("start")
        (root / "X.md").unlink()
        running.push("X.md")
        record = running.record()
    finally:
        running.stop()
    assert record["causes"] == [{"kind": "deleted", "path": "X.md"}]
    assert sorted(_paths(record["new"])) == [("a.md", "VK101"), ("b.md", "VK101")]


def test_a_folder_moved_out_of_the_vault_is_one_cause(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(
        root, {"a.md": "[[x]] [[y]] [[b]]\n", "b.md": "[[a]]", "sub/x.md": "", "sub/y.md": ""}
    )
    running = Running(root)
    try:
        running.record("start")
        os.rename(root / "sub", tmp_path / "elsewhere")
        change = event_paths(
            "moved", True, str(root / "sub"), str(tmp_path / "elsewhere"), str(root)
        )
        running.watcher.events.put(change)
        record = running.record()
    finally:
        running.stop()
    assert record["causes"] == [{"kind": "deleted", "path": "sub/"}]
    assert _paths(record["new"]) == [("a.md", "VK101"), ("a.md", "VK101")]


def test_a_folder_renamed_is_one_cause(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(
        root,
        {"a.md": "[[sub/x]] [[b]]\n", "b.md": "[[a]]", "sub/x.md": "[[a]]", "sub/y.md": "[[a]]"},
    )
    running = Running(root)
    try:
        running.record("start")
        os.rename(root / "sub", root / "moved")
        for old, new in (("sub", "moved"), ("sub/x.md", "moved/x.md"), ("sub/y.md", "moved/y.md")):
            directory = "/" not in old
            running.watcher.events.put(
                event_paths("moved", directory, str(root / old), str(root / new), str(root))
            )
        record = running.record()
    finally:
        running.stop()
    assert record["causes"] == [{"kind": "renamed", "from": "sub/", "to": "moved/"}]
    assert _paths(record["new"]) == [("a.md", "VK101"), ("moved/x.md", "VK201")]
    assert _paths(record["moved"]) == [("moved/y.md", "VK201")]  # an orphan before and after
    assert record["fixed"] == []


def test_a_burst_during_a_git_operation_waits_for_it(vault_root: Path) -> None:
    lock = vault_root / ".git" / "index.lock"
    write_files(vault_root, {".git/HEAD": "ref: refs/heads/main\n", ".git/index.lock": ""})
    running = Running(vault_root)
    try:
        running.record("start")
        write_files(vault_root, {f"n{n}.md": "[[a]] [[gone]]" for n in range(20)})
        running.push(*(f"n{n}.md" for n in range(20)))
        with pytest.raises(queue.Empty):
            running.out.lines.get(timeout=0.6)  # many quiet periods, and the longest wait
        write_files(vault_root, {f"m{n}.md": "[[a]]" for n in range(20)})
        running.push(*(f"m{n}.md" for n in range(20)))
        lock.unlink()
        record = running.record()
        assert record["notes"] == 42
        assert len(record["new"]) == 20 + 20 + 20  # the links, and each new note an orphan
    finally:
        running.stop()


def test_a_settling_burst_is_due_after_quiet_once_nothing_is_busy() -> None:
    coalescer = Coalescer(quiet=0.15, max_wait=1.0, storm_wait=10.0)
    coalescer.add(["a.md"], now=0.0)
    for step in range(1, 40):
        coalescer.settle(now=step * 0.1)  # busy: keeps waiting past max_wait
        assert coalescer.take(step * 0.1) is None
    assert coalescer.deadline() == pytest.approx(3.9 + 0.15)
    assert coalescer.take(4.1) == Burst(frozenset({"a.md"}))


def test_a_baseline_hides_what_it_lists(vault_root: Path) -> None:
    write_files(vault_root, {"b.md": "[[a]] [[Gone]]"})
    known = frozenset({Identity("b.md", "VK101", "[[Gone]]", 0)})
    running = Running(vault_root, baseline=(".vaultkit-baseline.json", known))
    try:
        start = running.record("start")
        write_files(vault_root, {"b.md": "[[a]]\n[[Gone]] [[Other]]"})
        running.push("b.md")
        record = running.record()
    finally:
        running.stop()
    assert (start["new"], start["problems"]) == ([], 0)
    assert [(item["line"], item["column"]) for item in record["new"]] == [(2, 10)]
    assert record["problems"] == 1


def test_watch_reads_the_vaults_baseline(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]] [[Gone]]", "b.md": "[[a]]"})
    assert main(["baseline", "--vault", str(root), "-q"]) == 0
    watch = Process(root, "--format", "json")
    try:
        start = watch.record(lambda record: record["kind"] == "start")
        assert (start["new"], start["problems"]) == ([], 0)
        (root / "b.md").write_text("[[a]] [[Gone]]", encoding="utf-8")
        added = watch.record(lambda record: bool(record["new"]))
        assert _paths(added["new"]) == [("b.md", "VK101")]
        watch.interrupt()
    finally:
        watch.kill()


def test_watch_no_baseline_shows_what_it_lists(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]] [[Gone]]", "b.md": "[[a]]"})
    assert main(["baseline", "--vault", str(root), "-q"]) == 0
    watch = Process(root, "--format", "json", "--no-baseline")
    try:
        start = watch.record(lambda record: record["kind"] == "start")
        assert (_paths(start["new"]), start["problems"]) == ([("a.md", "VK101")], 1)
        watch.interrupt()
    finally:
        watch.kill()


def _git(root: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *arguments],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_a_checkout_is_one_report(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {f"n{n:03}.md": "[[hub]]" for n in range(600)} | {"hub.md": "[[n000]]"})
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "one")
    _git(root, "checkout", "-q", "-b", "other")
    write_files(root, {f"n{n:03}.md": "[[hub]] [[gone]]" for n in range(600)})
    for n in range(300):
        (root / f"n{n:03}.md").unlink()
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "two")
    _git(root, "checkout", "-q", "main")
    watch = Process(root, "--format", "json")
    try:
        watch.record(lambda record: record["kind"] == "start")
        _git(root, "checkout", "-q", "other")
        first = watch.record(lambda record: True)
        assert (first["notes"], first["problems"]) == (301, len(_found(root)))
        (root / "hub.md").write_text("[[n300]]", encoding="utf-8")
        second = watch.record(lambda record: True)  # the next report is this edit's
        assert _paths(second["fixed"]) == [("hub.md", "VK101"), ("n300.md", "VK201")]
        assert second["new"] == []
        watch.interrupt()
    finally:
        watch.kill()


# --- the graph page -------------------------------------------------------------------------------


GRAPH_VAULT = {
    ".obsidian/graph.json": '{"colorGroups": [{"query": "path:A", "color": {"a": 1, "rgb": 255}}]}',
    ".vaultkit.toml": '[graph]\ncolor-by = "tag"\n',
    "A/a.md": "---\ntags: [x]\n---\n[[b]] [[Gone]]\n",
    "b.md": "#y [[A/a]]\n",
    "Lone.md": "text\n",
    "Quiet.md": "---\nvaultkit-ignore: [orphan-note]\n---\ntext\n",
}


def test_watch_writes_the_graph_commands_page(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, GRAPH_VAULT)
    assert main(["graph", "--vault", str(root), "-o", str(tmp_path / "graph.html"), "-q"]) == 0
    page = tmp_path / "watch.html"
    watch = Process(root, "--format", "json", "--graph", str(page))
    try:
        watch.record(lambda record: record["kind"] == "start")
        said = watch.error() + watch.error()
        assert str(page) in said
        for _ in range(int(TIMEOUT / 0.05)):
            if page.exists():
                break
            threading.Event().wait(0.05)
        watch.interrupt()
    finally:
        watch.kill()
    assert page.read_bytes() == (tmp_path / "graph.html").read_bytes()
    data = json.loads(
        page.read_text(encoding="utf-8")
        .split('<script type="application/json" id="data">', 1)[1]
        .split("</script>", 1)[0]
    )
    assert data["colorBy"] == "tag"
    assert [group["query"] for group in data["settings"]["colorGroups"]] == ["path:A"]
    orphans = {row[0] for row in data["table"] if row[8]}
    found = check_vault(root, use_cache=False).diagnostics
    assert orphans == {item.path for item in found if item.code == "VK201"} == {"Lone.md"}
