"""The progress bar of a long cold run: drawn on a terminal, never under CI, pre-commit or -q."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import write_files
from vaultkit import progress
from vaultkit.config import Config
from vaultkit.parallel import parse_groups, parse_paths


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _vault(tmp_path: Path, count: int) -> list[str]:
    names = [f"n{i}.md" for i in range(count)]
    write_files(tmp_path, {name: f"[[n{(i + 1) % count}]]\n" for i, name in enumerate(names)})
    return names


def test_a_long_parse_draws_a_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = _vault(tmp_path, 40)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    screen = Terminal()
    groups = [(names[i : i + 10], _count) for i in range(0, 40, 10)]
    with progress.shown(True, screen):
        packs = list(parse_groups(tmp_path, groups, Config(), workers=1))
    assert packs == [b"10"] * 4
    assert "parsing notes" in screen.getvalue()


def test_a_short_run_draws_nothing(tmp_path: Path) -> None:
    names = _vault(tmp_path, 40)
    screen = Terminal()
    with progress.shown(True, screen):
        notes = parse_paths(tmp_path, names, Config(), workers=1)
    assert len(notes) == 40
    assert screen.getvalue() == ""


def test_no_bar_without_a_shown_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = _vault(tmp_path, 20)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    assert list(parse_groups(tmp_path, [(names, _count)], Config(), workers=1)) == [b"20"]


@pytest.mark.parametrize(
    ("env", "quiet", "tty", "expected"),
    [
        ({}, False, True, True),
        ({}, True, True, False),
        ({}, False, False, False),
        ({"CI": "true"}, False, True, False),
        ({"PRE_COMMIT": "1"}, False, True, False),
        ({"TERM": "dumb"}, False, True, False),
    ],
)
def test_when_a_bar_is_allowed(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], quiet: bool, tty: bool, expected: bool
) -> None:
    for name in ("CI", "PRE_COMMIT", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = Terminal() if tty else io.StringIO()
    assert progress.allowed(quiet, stream) is expected


def _count(loaded: list[tuple[str, object, bytes | None]]) -> bytes:
    return str(len(loaded)).encode()


def test_an_in_process_parse_draws_a_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = _vault(tmp_path, 600)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    screen = Terminal()
    with progress.shown(True, screen):
        notes = parse_paths(tmp_path, names, Config(), workers=1)
    assert len(notes) == 600
    assert "parsing notes" in screen.getvalue()
