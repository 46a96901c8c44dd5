"""The process-pool parse gives exactly the notes, in the same order, as the serial path."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import vaultkit.load
from tests.conftest import GENVAULT, corpus, write_files
from vaultkit import cache, parallel
from vaultkit.config import Config, glob_matcher, load_config
from vaultkit.model import Note
from vaultkit.scan import scan_vault
from vaultkit.vault import load_note


def _serial(root: Path, config: Config) -> dict[str, Note]:
    parent_keys = frozenset(config.parent_keys)
    paths = scan_vault(root, glob_matcher(config.exclude)).notes
    return {path: load_note(root, path, config, parent_keys) for path in paths}


def _paths(root: Path, config: Config) -> tuple[str, ...]:
    return scan_vault(root, glob_matcher(config.exclude)).notes


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], int]:
    """How many notes other processes read (a silent fallback would hide a broken pool).

    Each read of a note is logged with the reading process, in a file every process can
    append to. The pool is allowed even if an earlier test left a thread running here.
    """
    monkeypatch.setattr(parallel, "_can_fork", lambda: True)
    log = tmp_path / "reads.log"
    log.touch()
    original = vaultkit.load.read_bytes

    def reading(root: Path, path: str) -> Any:
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        return original(root, path)

    monkeypatch.setattr(vaultkit.load, "read_bytes", reading)
    here = str(os.getpid())
    return lambda: sum(1 for line in log.read_text(encoding="utf-8").split() if line != here)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 600-note generated vault, plus notes that cannot be read or parsed."""
    if not GENVAULT.is_file():
        pytest.skip(f"the vault generator is not present at {GENVAULT}")
    root = tmp_path_factory.mktemp("generated") / "vault"
    command = [sys.executable, str(GENVAULT), "--notes", "600", "--out", str(root)]
    subprocess.run([*command, "--seed", "7"], check=True, stdout=subprocess.DEVNULL)
    write_files(
        root,
        {
            "bad/latin1.md": b"caf\xe9 [[x]]",
            "bad/binary.md": b"\x00\x01[[x]]",
            "bad/unclosed.md": "---\naliases: [a\n",
            "bad/anchors.md": "---\na: &x 1\nb: *x\n---\n[[y]]",
            "bad/bare-parent.md": "---\nparent: Some note\n---\nbody",
            "bad/crlf.md": "---\r\nup: '[[z]]'\r\n---\r\n# T\r\n[[w#T]] ^b1\r\n",
        },
    )
    return root


def test_pool_equals_serial_on_a_corpus(pooled: Callable[[], int]) -> None:
    root = corpus("knowledge-garden")
    config = load_config(root)
    expected = _serial(root, config)
    assert len(expected) >= parallel.MIN_NOTES
    found = parallel.parse_paths(root, _paths(root, config), config, workers=2)
    assert pooled() == len(expected)
    assert list(found) == list(expected)
    assert found == expected


def test_pool_equals_serial_on_a_generated_vault(
    generated: Path, pooled: Callable[[], int]
) -> None:
    config = Config()
    expected = _serial(generated, config)
    found = parallel.parse_paths(generated, _paths(generated, config), config, workers=3)
    assert pooled() == len(expected)
    assert list(found) == list(expected)
    assert found == expected
    assert {found[f"bad/{name}.md"].readable for name in ("latin1", "binary")} == {False}
    assert [problem.code for problem in found["bad/unclosed.md"].problems] == ["VK210"]


def test_parent_keys_and_limits_reach_the_workers(
    generated: Path, pooled: Callable[[], int]
) -> None:
    config = Config(parent_keys=("up", "parent"), max_file_size=3000)
    expected = _serial(generated, config)
    found = parallel.parse_paths(generated, _paths(generated, config), config, workers=2)
    assert pooled() == len(expected)
    assert found == expected
    assert [link.target for link in found["bad/bare-parent.md"].links] == ["Some note"]
    assert any(note.problems and note.problems[0].code == "VK004" for note in found.values())


def test_small_batches_stay_in_process(tmp_path: Path, pooled: Callable[[], int]) -> None:
    write_files(tmp_path, {"a.md": "[[b]]", "b.md": "# B\n[[a#B]]"})
    found = parallel.parse_paths(tmp_path, ["a.md", "b.md"], Config(), workers=2)
    assert pooled() == 0
    assert found == _serial(tmp_path, Config())


def test_one_worker_stays_in_process(generated: Path, pooled: Callable[[], int]) -> None:
    config = Config()
    found = parallel.parse_paths(generated, _paths(generated, config), config, workers=1)
    assert pooled() == 0
    assert found == _serial(generated, config)


def test_no_fork_while_other_threads_run(generated: Path) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not parallel._can_fork()
        config = Config()
        found = parallel.parse_paths(generated, _paths(generated, config), config, workers=2)
    finally:
        stop.set()
        thread.join()
    assert found == _serial(generated, config)


def test_a_pool_that_cannot_start_falls_back(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused: list[int] = []

    def refuse(*args: object, **kwargs: object) -> None:
        refused.append(1)
        raise OSError("no semaphores here")

    monkeypatch.setattr(parallel, "_can_fork", lambda: True)
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", refuse)
    config = Config()
    found = parallel.parse_paths(generated, _paths(generated, config), config, workers=2)
    assert refused == [1]
    assert found == _serial(generated, config)


def test_a_vanished_note_is_a_problem_not_a_crash(generated: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(generated, root)
    config = Config()
    paths = _paths(root, config)
    (root / paths[-1]).unlink()
    found = parallel.parse_paths(root, paths, config, workers=2)
    assert list(found) == list(paths)
    assert [problem.code for problem in found[paths[-1]].problems] == ["VK001"]


def test_the_collector_is_left_as_it_was(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.md": "[[b]]"})
    assert gc.isenabled()
    parallel.parse_paths(tmp_path, ["a.md"], Config())
    assert gc.isenabled()
    gc.disable()
    try:
        parallel.parse_paths(tmp_path, ["a.md"], Config())
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("running", "expected"), [("1/80", 4), ("2/80", 3), ("3/90", 2), ("4/90", 1), ("9/99", 1)]
)
def test_default_workers_leave_cores_busy_now_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, running: str, expected: int
) -> None:
    real_open = open

    def fake_open(file: str, *args: Any, **kwargs: Any) -> Any:
        if file == "/proc/loadavg":
            (tmp_path / "loadavg").write_text(f"3.50 3.10 2.00 {running} 12345\n")
            return real_open(tmp_path / "loadavg", *args, **kwargs)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    monkeypatch.setattr(parallel, "open", fake_open, raising=False)
    # The running count wins over a 1-minute load average that says every core is busy.
    assert parallel.default_workers() == expected


@pytest.mark.parametrize(
    ("load", "expected"), [(0.0, 4), (0.3, 4), (1.4, 3), (2.9, 1), (7.5, 1), (None, 4)]
)
def test_without_proc_the_load_average_counts(
    monkeypatch: pytest.MonkeyPatch, load: float | None, expected: int
) -> None:
    def getloadavg() -> tuple[float, float, float]:
        if load is None:
            raise OSError("no load average here")
        return (load, load, load)

    def no_proc(file: str, *args: Any, **kwargs: Any) -> Any:
        raise FileNotFoundError(file)

    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    monkeypatch.setattr(parallel, "open", no_proc, raising=False)
    monkeypatch.setattr(parallel.os, "getloadavg", getloadavg)
    assert parallel.default_workers() == expected


def test_packed_groups_from_the_pool_equal_the_serial_parse(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "_can_fork", lambda: True)
    submitted: list[int] = []

    class Counting(parallel.ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            submitted.append(1)
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counting)
    config = Config()
    expected = _serial(generated, config)
    paths = list(expected)
    pack = partial(cache.pack_notes, stamps={}, started=0)
    groups = [(paths[start::5], pack) for start in range(5)]
    found: dict[str, Note] = {}
    for packed in parallel.parse_groups(generated, groups, config, workers=2):
        for path, entry, note in cache.unpack_notes(packed):
            assert entry is None  # no stamps were given: nothing may be cached
            found[path] = note
    assert len(submitted) == 5
    assert found == expected
    assert list(found) == [path for paths, _ in groups for path in paths]
