"""The parse cache: same answers warm and cold, changes picked up, bad caches rebuilt."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from tests.conftest import write_files
from vaultkit import cache
from vaultkit.config import Config
from vaultkit.vault import lint, load_vault


@pytest.fixture
def vault_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[b]] [[gone]]", "b.md": "---\naliases: [B]\n---\n[[a]]"})
    return root


def _answer(root: Path, **kw: bool) -> list[tuple[str, int, int, str]]:
    return [(d.path, d.line, d.column, d.code) for d in lint(load_vault(root, Config(), **kw))]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_warm_equals_cold_and_cache_lives_outside_the_vault(vault_root: Path) -> None:
    before = _files(vault_root)
    cold = _answer(vault_root)
    assert cache.cache_file(vault_root).is_file()
    assert not str(cache.cache_file(vault_root)).startswith(str(vault_root))
    assert _answer(vault_root) == cold == _answer(vault_root, use_cache=False)
    assert _files(vault_root) == before


def test_warm_run_reads_no_unchanged_note(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answer(vault_root)
    opened: list[str] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        opened.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    _answer(vault_root)
    assert opened == []


def test_edits_and_deletions_are_picked_up(vault_root: Path) -> None:
    _answer(vault_root)
    note = vault_root / "a.md"
    note.write_text("[[b]] [[also gone]] [[more]]", encoding="utf-8")
    os.utime(note, ns=(1, 1))
    assert [code for *_, code in _answer(vault_root)] == ["VK101", "VK101"]
    (vault_root / "b.md").unlink()
    found = sorted((path, code) for path, *_, code in _answer(vault_root))
    assert found == [("a.md", "VK101")] * 3 + [("a.md", "VK201")]


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01garbage",
        b"",
        pickle.dumps(("vaultkit-cache", 999, "0.0", ("up",), 1, 1.0), protocol=4)[:-3],
        pickle.dumps((("other", 0), {"a.md": ((1, 1), "not a note")})),
    ],
)
def test_corrupt_or_foreign_cache_is_rebuilt(vault_root: Path, content: bytes) -> None:
    cold = _answer(vault_root, use_cache=False)
    target = cache.cache_file(vault_root)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    assert _answer(vault_root) == cold
    assert cache.load(vault_root, Config())


def test_no_cache_neither_reads_nor_writes(vault_root: Path) -> None:
    _answer(vault_root, use_cache=False)
    assert not cache.cache_file(vault_root).exists()


def test_unwritable_cache_folder_is_skipped(vault_root: Path, tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be", encoding="utf-8")
    assert _answer(vault_root) == _answer(vault_root, use_cache=False)


def test_settings_that_shape_a_parse_invalidate_it(vault_root: Path) -> None:
    load_vault(vault_root, Config())
    assert cache.load(vault_root, Config(parent_keys=("parent",))) == {}
