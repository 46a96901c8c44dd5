"""The cache: same answers warm and cold, changes picked up, bad caches rebuilt, never trusted."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import random
import resource
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import vaultkit.incremental
import vaultkit.load
import vaultkit.parallel
import vaultkit.read
from tests.conftest import ROOT, SAMPLE, corpus, refuse_to_read, write_files
from vaultkit import cache, renames
from vaultkit.config import Config, load_config
from vaultkit.model import Vault, finding_key
from vaultkit.vault import check_vault, lint, load_vault

# Everything each finding says (``model.finding_key``): two paths must agree on all of it.
Found = list[tuple[object, ...]]


@pytest.fixture
def vault_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "vault"
    write_files(
        root,
        {
            "a.md": "[[b]] [[gone]] [[b#Intro]]",
            "b.md": "---\naliases: [Bee]\n---\n# Intro\n[[a]]",
            "sub/c.md": "[[a]] [[Bee]]",
        },
    )
    return root


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notes each run reads (cache misses), in order, seen where every read happens."""
    seen: list[str] = []
    original = vaultkit.read.read_bytes

    def reading(root: Path, path: str) -> Any:
        seen.append(path)
        return original(root, path)

    monkeypatch.setattr(vaultkit.load, "read_bytes", reading)
    return seen


def _state(root: Path, config: Config | None = None) -> cache.State | None:
    return cache.Store(root, config or Config()).state()


def _reusable(root: Path, config: Config | None = None) -> dict[str, cache.Entry]:
    return cache.reusable_notes(root, config or Config())


def _answer(root: Path, **options: bool) -> Found:
    return [finding_key(d) for d in lint(load_vault(root, Config(), **options))]


def _checked(root: Path, **options: object) -> Found:
    found = check_vault(root, Config(), **options)  # type: ignore[arg-type]
    return [finding_key(d) for d in found.diagnostics]


def _at(found: Found) -> list[tuple[object, ...]]:
    """Where each finding is, and its code."""
    return [item[:4] for item in found]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _edit(path: Path, text: str) -> None:
    """Rewrite a note keeping its size and modification time, as a same-tick save would."""
    before = path.stat()
    path.write_text(text.ljust(before.st_size), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_warm_equals_cold_and_the_cache_lives_outside_the_vault(vault_root: Path) -> None:
    before = _files(vault_root)
    cold = _answer(vault_root, use_cache=False)
    assert _answer(vault_root) == cold
    assert _answer(vault_root) == cold
    assert _checked(vault_root) == _checked(vault_root) == cold
    where = cache.folder(vault_root)
    names = sorted(path.name for path in where.iterdir())
    assert names[-3:] == ["state.pickle", "tables.pickle", "vault.txt"]
    assert (where / "vault.txt").read_text(encoding="utf-8") == f"{vault_root.resolve()}\n"
    assert not where.is_relative_to(vault_root)
    assert where.is_relative_to(vault_root.parent / "cache" / "vaultkit")
    assert _files(vault_root) == before


def test_an_unchanged_note_is_not_read_again(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    # Stamps taken long after the files' last change prove them unchanged.
    monkeypatch.setattr(cache, "RACY_NS", 0)
    _answer(vault_root)
    assert sorted(parsed) == ["a.md", "b.md", "sub/c.md"]
    hashed: list[str] = []
    monkeypatch.setattr(cache, "file_digest", lambda path: hashed.append(path))
    parsed.clear()
    _answer(vault_root)
    assert parsed == []
    assert hashed == []


def test_a_touched_note_with_the_same_bytes_is_reused(vault_root: Path, parsed: list[str]) -> None:
    _answer(vault_root)
    parsed.clear()
    note = vault_root / "a.md"
    os.utime(note, ns=(10**18, 10**18))
    warm = _answer(vault_root)
    assert parsed == []
    assert warm == _answer(vault_root, use_cache=False)


def test_edits_and_deletions_are_picked_up(vault_root: Path, parsed: list[str]) -> None:
    _answer(vault_root)
    parsed.clear()
    (vault_root / "a.md").write_text("[[b]] [[also gone]] [[more]]", encoding="utf-8")
    found = _answer(vault_root)
    assert parsed == ["a.md"]
    assert [item for item in _at(found) if item[0] == "a.md"] == [
        ("a.md", 1, 7, "VK101"),
        ("a.md", 1, 21, "VK101"),
    ]
    (vault_root / "b.md").unlink()
    assert _answer(vault_root) == _answer(vault_root, use_cache=False)
    assert ("a.md", 1, 1, "VK101") in _at(_answer(vault_root))


def test_a_changed_heading_re_resolves_the_links_of_unchanged_notes(vault_root: Path) -> None:
    assert ("a.md", 1, 16, "VK102") not in _at(_answer(vault_root))
    (vault_root / "b.md").write_text("---\naliases: [Bee]\n---\n# Outro\n[[a]]", encoding="utf-8")
    assert ("a.md", 1, 16, "VK102") in _at(_answer(vault_root))
    assert _checked(vault_root) == _answer(vault_root, use_cache=False)


def test_a_new_alias_re_resolves_every_link(vault_root: Path) -> None:
    assert ("a.md", 1, 7, "VK101") in _at(_checked(vault_root))
    (vault_root / "b.md").write_text("---\naliases: [Bee, gone]\n---\n# Intro\n[[a]]")
    found = _checked(vault_root)
    assert ("a.md", 1, 7, "VK105") in _at(found)
    assert found == _answer(vault_root, use_cache=False)


def test_a_same_size_same_time_edit_is_caught_while_the_stamp_is_racy(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file system whose change time says nothing: only size and mtime are left to compare.
    original = cache.stamp
    monkeypatch.setattr(cache, "stamp", lambda path: (*original(path)[:2], 0))  # type: ignore[misc]
    assert ("a.md", 1, 7, "VK101") in _at(_checked(vault_root))
    assert all(entry.racy for entry in _reusable(vault_root).values())
    _edit(vault_root / "a.md", "[[b]] [[b]]")
    assert _checked(vault_root) == _answer(vault_root, use_cache=False)
    assert ("a.md", 1, 7, "VK101") not in _at(_answer(vault_root))


def test_an_unchanged_vault_is_answered_from_the_stored_findings(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stamps taken long after the files' last change prove them unchanged: nothing is hashed.
    monkeypatch.setattr(cache, "RACY_NS", 0)
    cold = _checked(vault_root)

    def unused(*args: object) -> None:
        raise AssertionError("a shard was read")

    monkeypatch.setattr(cache.Store, "shard", unused)
    for name in ("a.md", "b.md", "c.md"):
        refuse_to_read(monkeypatch, name)
    assert _checked(vault_root) == cold
    assert _checked(vault_root, paths=["a.md"]) == [item for item in cold if item[0] == "a.md"]
    assert _checked(vault_root, paths=["sub"]) == [item for item in cold if item[0] == "sub/c.md"]


def test_stored_findings_follow_the_rule_selection_and_the_config(vault_root: Path) -> None:
    everything = _checked(vault_root)
    assert {item[3] for item in _checked(vault_root, select=["VK105"])} == {"VK105"}
    assert _checked(vault_root, ignore=["VK101"]) == [i for i in everything if i[3] != "VK101"]
    assert _checked(vault_root) == everything
    quiet = check_vault(vault_root, Config(ignore=("VK1",))).diagnostics
    assert not [item for item in quiet if item.code.startswith("VK1")]


def test_a_new_attachment_changes_the_answer(vault_root: Path) -> None:
    (vault_root / "a.md").write_text("![[pic.png]] [[b]]", encoding="utf-8")
    assert ("a.md", 1, 1, "VK106") in _at(_checked(vault_root))
    (vault_root / "pic.png").write_bytes(b"png")
    assert ("a.md", 1, 1, "VK106") not in _at(_checked(vault_root))


def _frame(payload: bytes) -> bytes:
    return b"vaultkit-cache\n" + struct.pack("<QI", len(payload), zlib.crc32(payload)) + payload


def _header_of(good: bytes) -> object:
    return pickle.loads(good[len(b"vaultkit-cache\n") + 12 :])[0]


class _Hostile:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (os.mkdir, (str(self.marker),))


def _bad_caches(marker: Path) -> dict[str, Callable[[bytes], bytes]]:
    return {
        "garbage": lambda good: b"\x00\x01garbage",
        "empty": lambda good: b"",
        "truncated": lambda good: good[: len(good) // 2],
        "one byte flipped": lambda good: good[:-40] + bytes([good[-40] ^ 1]) + good[-39:],
        "another format": lambda good: _frame(pickle.dumps(((99, "0.0"), {}))),
        "other records": lambda good: _frame(pickle.dumps((None, {"a.md": "not a note"}))),
        "code to run": lambda good: _frame(pickle.dumps(_Hostile(marker))),
        "records of another shape": lambda good: _frame(
            pickle.dumps((_header_of(good), {"a.md": ("not", "an", "entry")}))
        ),
    }


@pytest.mark.parametrize("kind", list(_bad_caches(Path())))
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(
    vault_root: Path, tmp_path: Path, kind: str
) -> None:
    marker = tmp_path / "ran"
    cold = _checked(vault_root, use_cache=False)
    _checked(vault_root)
    spoil = _bad_caches(marker)[kind]
    for path in cache.folder(vault_root).glob("*.pickle"):
        path.write_bytes(spoil(path.read_bytes()))
    assert _checked(vault_root) == cold
    assert _answer(vault_root) == cold
    assert not marker.exists()
    assert len(_reusable(vault_root)) == 3
    assert _state(vault_root) is not None


def test_no_cache_neither_reads_nor_writes(vault_root: Path) -> None:
    _checked(vault_root, use_cache=False)
    _answer(vault_root, use_cache=False)
    assert not cache.folder(vault_root).exists()
    _checked(vault_root)
    before = _files(cache.folder(vault_root))
    (vault_root / "a.md").write_text("[[b]]", encoding="utf-8")
    assert _checked(vault_root, use_cache=False) == _answer(vault_root, use_cache=False)
    assert _files(cache.folder(vault_root)) == before


def test_a_warm_run_writes_nothing(vault_root: Path) -> None:
    _checked(vault_root)
    times = {path: path.stat().st_mtime_ns for path in cache.folder(vault_root).iterdir()}
    _checked(vault_root, paths=["a.md"])
    _answer(vault_root)
    assert {path: path.stat().st_mtime_ns for path in times} == times


def test_editing_one_note_rewrites_its_shard_and_the_state_only(vault_root: Path) -> None:
    _answer(vault_root)
    files = sorted(cache.folder(vault_root).iterdir())
    times = {path: path.stat().st_mtime_ns for path in files}
    (vault_root / "a.md").write_text("[[b]] [[b]] [[gone]] [[b#Intro]]", encoding="utf-8")
    _answer(vault_root)
    changed = [path.name for path in files if path.stat().st_mtime_ns != times[path]]
    number = cache.shard_of("a.md")
    assert changed == [f"edges-{number:02d}.pickle", f"notes-{number:02d}.pickle", "state.pickle"]
    assert _answer(vault_root) == _answer(vault_root, use_cache=False)


def test_an_unwritable_cache_folder_is_skipped(vault_root: Path, tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be", encoding="utf-8")
    assert _checked(vault_root) == _answer(vault_root) == _answer(vault_root, use_cache=False)


def test_an_interrupted_write_keeps_the_old_cache_and_leaves_no_temporary_file(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _checked(vault_root)
    before = _files(cache.folder(vault_root))

    def interrupted(source: str, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    (vault_root / "a.md").write_text("[[b]]", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        _checked(vault_root)
    assert _files(cache.folder(vault_root)) == before
    monkeypatch.undo()
    assert _checked(vault_root) == _answer(vault_root, use_cache=False)


def test_settings_that_shape_a_parse_invalidate_it(vault_root: Path) -> None:
    load_vault(vault_root, Config())
    assert len(_reusable(vault_root)) == 3
    assert _reusable(vault_root, Config(parent_keys=("parent",))) == {}
    assert _reusable(vault_root, Config(max_file_size=10)) == {}


def test_the_caches_of_vaults_that_are_gone_are_removed(vault_root: Path, tmp_path: Path) -> None:
    _checked(vault_root)
    old = cache.folder(vault_root)
    other = tmp_path / "other"
    write_files(other, {"x.md": "[[y]]"})
    _checked(other)
    assert old.is_dir()
    write_files(tmp_path / "gone", {"g.md": "x"})
    _checked(tmp_path / "gone")
    gone = cache.folder(tmp_path / "gone")
    for path in sorted((tmp_path / "gone").iterdir()):
        path.unlink()
    (tmp_path / "gone").rmdir()
    write_files(tmp_path / "third", {"z.md": "x"})
    _checked(tmp_path / "third")
    assert not gone.exists()
    assert old.is_dir()
    assert cache.folder(other).is_dir()


def test_a_relative_xdg_cache_home_is_ignored(
    vault_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.folder(vault_root).is_relative_to(tmp_path / "home" / ".cache" / "vaultkit")


def test_unreadable_notes_are_not_cached(vault_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() == 0:
        refuse_to_read(monkeypatch, "a.md")
    else:
        (vault_root / "a.md").chmod(0)
    assert ("a.md", 1, 1, "VK001") in _at(_checked(vault_root))
    assert "a.md" not in _reusable(vault_root)
    state = _state(vault_root)
    assert state is not None and state.stamps["a.md"] is None and not state.complete
    monkeypatch.undo()
    assert ("a.md", 1, 1, "VK001") not in _at(_checked(vault_root))
    assert _checked(vault_root) == _checked(vault_root, use_cache=False)


def test_random_edits_answer_as_a_cold_run(
    generated_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "copy"
    originals = [
        p for p in generated_vault.rglob("*") if p.is_file() and ".genvault" not in p.parts
    ]
    write_files(root, {str(p.relative_to(generated_vault)): p.read_bytes() for p in originals})
    chance = random.Random(7)
    for step in range(12):
        _random_edit(chance, root, step)
        warm = [finding_key(item) for item in lint(load_vault(root))]
        cold = [finding_key(item) for item in lint(_plain_with_renames(root))]
        assert warm == cold, step
        assert [finding_key(item) for item in check_vault(root).diagnostics] == cold, step
        assert [finding_key(item) for item in check_vault(root).diagnostics] == cold, step
        assert load_vault(root).edges == load_vault(root, use_cache=False).edges, step


def _plain_with_renames(root: Path) -> Vault:
    """The plain pipeline, told the renames the cache remembers (``--no-cache`` asks git
    only): a note renamed between two cached runs is known by name to those runs."""
    config = Config()
    plain = load_vault(root, config, use_cache=False)
    remembered = cache.load_renames(root.resolve(), config)
    known = renames.KnownRenames(root.resolve(), config, plain.notes, remembered, store=False)
    return dataclasses.replace(plain, renames=known)


def _random_edit(chance: random.Random, root: Path, step: int) -> None:
    notes = sorted(_notes(root))
    note = chance.choice(notes)
    other = chance.choice(notes).stem
    text = note.read_text(encoding="utf-8")
    kind = chance.choice(["link", "heading", "alias", "delete", "rename", "create"])
    if kind == "link":
        note.write_text(text + f"\n[[{other}]] [[{other}#Nope]]\n", encoding="utf-8")
    elif kind == "heading":
        note.write_text(text.replace("\n## ", "\n## Renamed ", 1), encoding="utf-8")
    elif kind == "alias":
        note.write_text(f"---\naliases: [{other} {step}]\n---\n{text}", encoding="utf-8")
    elif kind == "delete":
        note.unlink()
    elif kind == "rename":
        note.rename(note.with_name(f"moved {step}.md"))
    else:
        (root / f"new {step}.md").write_text(f"[[{other}]]", encoding="utf-8")


def _notes(root: Path) -> list[Path]:
    return [path for path in root.rglob("*.md") if ".genvault" not in path.parts]


def test_shards_packed_by_the_pool_are_read_back(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vaultkit.parallel, "MIN_NOTES", 1)
    monkeypatch.setattr(vaultkit.parallel, "_can_fork", lambda: True)
    monkeypatch.setattr(vaultkit.parallel, "default_workers", lambda: 2)
    cold = _checked(vault_root, use_cache=False)
    assert _checked(vault_root) == cold
    assert sorted(_reusable(vault_root)) == ["a.md", "b.md", "sub/c.md"]
    (vault_root / "sub/c.md").write_text("[[a]] [[Bee]] [[gone]]", encoding="utf-8")
    assert _answer(vault_root) == _answer(vault_root, use_cache=False)


def test_a_run_interrupted_before_its_state_is_saved_leaves_no_stale_answer(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a.md links to b.md#Intro; b.md's shard is written anew, the state that names it is not.
    assert _checked(vault_root) == _checked(vault_root, use_cache=False)
    (vault_root / "b.md").write_text("---\naliases: [Bee]\n---\n# Other\n[[a]]", encoding="utf-8")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(cache.Store, "save_state", interrupted)
        with pytest.raises(KeyboardInterrupt):
            check_vault(vault_root, Config())
    cold = _checked(vault_root, use_cache=False)
    assert ("a.md", 1, 16, "VK102") in _at(cold)
    assert _checked(vault_root) == cold
    assert _answer(vault_root) == cold


def test_shards_another_run_wrote_are_not_taken_for_this_state(vault_root: Path) -> None:
    _checked(vault_root)
    where = cache.folder(vault_root)
    old_shards = {path: path.read_bytes() for path in where.glob("*-*.pickle")}
    (vault_root / "a.md").write_text("[[b]] [[gone]] [[elsewhere]]", encoding="utf-8")
    _checked(vault_root)
    for path, data in old_shards.items():
        path.write_bytes(data)  # as if another vaultkit wrote the older shards last
    (vault_root / "sub/c.md").write_text("[[a]] [[Bee]] [[a#Nope]]", encoding="utf-8")
    cold = _checked(vault_root, use_cache=False)
    assert ("a.md", 1, 16, "VK101") in _at(cold)
    assert _checked(vault_root) == cold
    assert _answer(vault_root) == cold


def test_a_vault_whose_name_ends_in_a_space_keeps_its_cache(tmp_path: Path) -> None:
    spaced = tmp_path / "notes "
    other = tmp_path / "other"
    write_files(spaced, {"a.md": "[[b]]", "b.md": "[[a]]"})
    write_files(other, {"c.md": "x"})
    check_vault(spaced, Config())
    check_vault(other, Config())
    assert (cache.folder(spaced) / "vault.txt").is_file()
    assert cache.folder(spaced).exists()


# --- forged and special cache files -------------------------------------------------------------


@pytest.fixture
def steady_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's header as if vaultkit's own files did not change during the test."""
    stamp = cache._code_stamp()
    monkeypatch.setattr(cache, "_code_stamp", lambda: stamp)


def _body_of(data: bytes, kind: str = "") -> tuple[object, object]:
    """The header and body of a cache file vaultkit wrote (a shard's notes unpacked)."""
    header, body = pickle.loads(data[len(b"vaultkit-cache\n") + 12 :])
    if kind == "notes":
        token, packed = body
        body = (token, pickle.loads(packed))
    return header, body


def _forged(header: object, body: object, kind: str = "") -> bytes:
    if kind == "notes" and isinstance(body, tuple) and len(body) == 2:
        token, notes = body
        body = (token, pickle.dumps(notes, protocol=5))
    return _frame(pickle.dumps((header, body), protocol=5))


Where = tuple[object, ...]


def _places(value: object, where: Where = ()) -> list[Where]:
    """Every place in a body that holds a value, containers included."""
    found = [where]
    if isinstance(value, tuple | list):
        for number, item in enumerate(value):
            found += _places(item, (*where, number))
    elif isinstance(value, dict):
        for key, item in value.items():
            found += [(*where, ("key", key))]
            found += _places(item, (*where, ("value", key)))
    elif isinstance(value, frozenset):
        found += [(*where, ("member", item)) for item in sorted(value)]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            found += _places(getattr(value, item.name), (*where, ("field", item.name)))
    return found


def _hashable_place(where: Where) -> bool:
    """Whether the place may hold an unhashable value (not a key or a set member)."""
    return not where or not isinstance(where[-1], tuple) or where[-1][0] not in ("key", "member")


def _swapped(value: Any, where: Where, new: object) -> Any:
    """``value`` with what is at ``where`` replaced by ``new``."""
    if not where:
        return new
    step, rest = where[0], where[1:]
    if isinstance(step, int):
        items = list(value)
        items[step] = _swapped(items[step], rest, new)
        return type(value)(items) if not hasattr(value, "_fields") else type(value)(*items)
    kind, name = step  # type: ignore[misc]
    if kind == "key":
        return {(new if key == name else key): item for key, item in value.items()}
    if kind == "value":
        return {
            key: _swapped(item, rest, new) if key == name else item for key, item in value.items()
        }
    if kind == "member":
        return frozenset(new if item == name else item for item in value)
    swapped = object.__new__(type(value))
    for item in dataclasses.fields(value):
        found = getattr(value, item.name)
        object.__setattr__(
            swapped, item.name, _swapped(found, rest, new) if item.name == name else found
        )
    return swapped


@pytest.mark.parametrize("kind", ["state", "tables", "notes", "edges"])
@pytest.mark.usefixtures("steady_code")
def test_a_cache_file_with_the_right_header_and_wrong_types_is_rebuilt(
    vault_root: Path, kind: str
) -> None:
    text = "[[b]] [[gone]] [[b#Intro]] [[b#Nope]] [[sub/c|see]]"
    (vault_root / "a.md").write_text(text)
    cold = _checked(vault_root, use_cache=False)
    _checked(vault_root)
    where = cache.folder(vault_root)
    number = cache.shard_of("a.md")
    shard = kind in ("notes", "edges")
    target = where / (f"{kind}-{number:02d}.pickle" if shard else f"{kind}.pickle")
    good = target.read_bytes()
    header, body = _body_of(good, kind)
    for place in _places(body):
        # Types found nowhere in a cache body (a list only at the top of a shard's notes).
        for wrong in (1.5, []) if _hashable_place(place) else (1.5,):
            target.write_bytes(_forged(header, _swapped(body, place, wrong), kind))
            # An edit of a.md (a space more or less at its end): its shard is asked for.
            text = text + " " if not text.endswith(" ") else text.rstrip()
            (vault_root / "a.md").write_text(text)
            answers = (_answer(vault_root), _checked(vault_root), _answer(vault_root))
            assert answers == (cold, cold, cold), (place, wrong)
            assert len(_reusable(vault_root)) == 3
            assert _state(vault_root) is not None
            target.write_bytes(good)


@pytest.mark.usefixtures("steady_code")
def test_a_finding_with_a_field_missing_is_not_trusted(vault_root: Path) -> None:
    cold = _checked(vault_root, use_cache=False)
    assert _checked(vault_root) == cold
    stored = cache.folder(vault_root) / "state.pickle"
    header, body = _body_of(stored.read_bytes())
    assert isinstance(body, tuple)
    found = body[cache.State._fields.index("found")]
    short = {path: tuple(item[:-1] for item in items) for path, items in found.items()}
    forged = tuple(short if value is found else value for value in body)
    stored.write_bytes(_forged(header, forged))
    assert _state(vault_root) is None
    assert _checked(vault_root) == cold
    assert _state(vault_root) is not None


@pytest.mark.usefixtures("steady_code")
def test_stored_hashes_name_only_notes_of_the_vault(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _checked(vault_root, use_cache=False)
    _checked(vault_root)
    stored = cache.folder(vault_root) / "state.pickle"
    header, body = _body_of(stored.read_bytes())
    assert isinstance(body, tuple)
    position = cache.State._fields.index("stamps")
    hashed: list[str] = []
    original = cache.file_digest
    monkeypatch.setattr(cache, "file_digest", lambda path: hashed.append(path) or original(path))
    for path in ("/etc/passwd", "../outside.md", "a\0.md", "sub/../../x.md", "./a.md", "a//b.md"):
        stamps = {**body[position], path: ((1, 1, 1), True, b"0" * 16)}
        forged = tuple(stamps if number == position else value for number, value in enumerate(body))
        stored.write_bytes(_forged(header, forged))
        assert _state(vault_root) is None, path
        assert _checked(vault_root) == cold
        assert all(Path(path).is_relative_to(vault_root) for path in hashed), hashed


def _lint_process(root: Path, cache_home: Path) -> subprocess.CompletedProcess[str]:
    """``vaultkit lint`` in its own process, with a memory and a time limit."""

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "vaultkit", "lint", "--vault", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONPATH": str(ROOT / "src")},
        preexec_fn=limited,
    )


def _special(kind: str, path: Path) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "/dev/zero":
        path.symlink_to("/dev/zero")
    else:
        path.symlink_to(path.with_name("elsewhere"))
        path.with_name("elsewhere").write_bytes(b"vaultkit-cache\n")


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "symlink"])
@pytest.mark.parametrize(
    "name", ["state.pickle", "tables.pickle", "notes-00.pickle", "edges-00.pickle"]
)
def test_a_cache_file_that_is_not_a_regular_file_is_never_read(
    vault_root: Path, tmp_path: Path, kind: str, name: str
) -> None:
    cold = _checked(vault_root, use_cache=False)
    _answer(vault_root)
    _checked(vault_root)
    where = cache.folder(vault_root)
    # An edit of a.md that changes no finding: the tables and a.md's shard are asked for.
    (vault_root / "a.md").write_text("[[b]] [[gone]] [[b#Intro]] ", encoding="utf-8")
    names = (
        [name]
        if not name.endswith("-00.pickle")
        else [name.replace("00", f"{n:02d}") for n in range(cache.SHARDS)]
    )
    for each in names:
        _special(kind, where / each)
    ran = _lint_process(vault_root, tmp_path / "cache")
    assert ran.returncode == 1, ran.stderr
    assert sorted(
        (item["path"], item["line"], item["column"], item["code"])
        for item in json.loads(ran.stdout)
    ) == sorted(_at(cold))
    assert [path.name for path in where.iterdir() if not path.is_file() or path.is_symlink()] == []


def test_a_fifo_beside_another_vaults_cache_does_not_hang_a_new_vault(
    vault_root: Path, tmp_path: Path
) -> None:
    _checked(vault_root)
    os.mkfifo(tmp_path / "cache" / "vaultkit" / "0123456789abcdef")
    fifo_folder = tmp_path / "cache" / "vaultkit" / "fedcba9876543210"
    fifo_folder.mkdir()
    os.mkfifo(fifo_folder / "vault.txt")
    other = tmp_path / "other"
    write_files(other, {"x.md": "[[y]]"})
    ran = _lint_process(other, tmp_path / "cache")
    assert ran.returncode == 1, ran.stderr
    assert (cache.folder(other) / "vault.txt").is_file()


def test_a_note_that_became_a_fifo_is_not_hashed(tmp_path: Path) -> None:
    fifo = tmp_path / "note.md"
    os.mkfifo(fifo)
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from vaultkit import cache; print(cache.file_digest(sys.argv[1]))",
            str(fifo),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert ran.stdout == "None\n", ran.stderr


@pytest.mark.usefixtures("steady_code")
def test_a_cache_file_over_the_size_cap_is_neither_read_nor_written(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _checked(vault_root, use_cache=False)
    assert _checked(vault_root) == cold
    assert _state(vault_root) is not None
    monkeypatch.setattr(cache, "MAX_FILE", 200)
    assert _state(vault_root) is None
    assert _reusable(vault_root) == {}
    for path in cache.folder(vault_root).glob("*.pickle"):
        path.unlink()
    assert _checked(vault_root) == _answer(vault_root) == cold
    assert sorted(path.name for path in cache.folder(vault_root).iterdir()) == ["vault.txt"]


ODD_NAMES = ["back\\slash.md", "~$budget.md", "-old.md", "#x#.md", "sub/ a .md", "caf\udce9.md"]


@pytest.mark.parametrize("which", ["sample", "generated", "odd names"])
@pytest.mark.usefixtures("steady_code")
def test_what_vaultkit_writes_passes_its_own_checks(
    which: str, generated_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = SAMPLE if which == "sample" else generated_vault
    if which == "odd names":
        # Written just now: their stamps are racy, so the findings keep their hashes by path.
        root = tmp_path / "odd"
        for name in ODD_NAMES:
            path = os.fsencode(root / name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as note:
                note.write(b"[[-old]] [[nowhere]]")
    config = load_config(root)
    check_vault(root, config)
    vault = load_vault(root, config)
    stored = _reusable(root, config)
    notes = vault.notes
    assert sorted(stored) == sorted(path for path, note in notes.items() if cache.cacheable(note))
    store = cache.Store(root, config)
    state = store.state()
    assert state is not None and store.tables(state.tokens[-1]) is not None
    shards = [store.shard(number) for number in range(cache.SHARDS)]
    held = {path for shard in shards if shard is not None for path in shard.notes}
    assert held == set(notes)
    answers = {
        path: edges for shard in shards if shard is not None for path, edges in shard.edges.items()
    }
    assert [edge for path in notes for edge in answers[path]] == list(vault.edges)


# --- every path agrees with the plain pipeline run in a fresh process ------------------------


def _report(root: Path, cache_home: Path, *args: str) -> list[dict[str, Any]]:
    """Every finding ``vaultkit lint --format json`` prints, all fields, in a fresh process."""
    ran = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lint", "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
        env={**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONPATH": str(ROOT / "src")},
    )
    assert ran.returncode in (0, 1), ran.stderr
    found: list[dict[str, Any]] = json.loads(ran.stdout)
    return found


@pytest.mark.parametrize("name", ["kepano-obsidian", "knowledge-garden", "obsidian-tasks-docs"])
def test_cold_warm_and_after_an_edit_answer_as_a_fresh_plain_run(name: str, tmp_path: Path) -> None:
    root = tmp_path / name
    shutil.copytree(corpus(name), root)
    home = tmp_path / "cache"
    notes = sorted(root.rglob("*.md"))
    edited, other = notes[len(notes) // 2], notes[len(notes) // 3]
    # An unchanged note whose heading link the edit below mends.
    (root / "Linker.md").write_text(f"[[{edited.stem}#Added heading]]\n", encoding="utf-8")
    plain = _report(root, home, "--no-cache")
    assert not home.exists()
    assert _report(root, home) == plain  # cold
    assert _report(root, home) == plain  # warm: the stored findings
    with edited.open("a", encoding="utf-8") as text:
        text.write(
            f"\n\n## Added heading\n\n[[{other.stem}]] [[{other.stem}#Nope]] [[Nowhere at all]]\n"
        )
    (root / "Added note.md").write_text(f"[[{edited.stem}#Added heading]]\n", encoding="utf-8")
    other.unlink()
    plain = _report(root, home, "--no-cache")
    one = str(edited.relative_to(root))
    assert _report(root, home, one) == [item for item in plain if item["path"] == one]
    assert _report(root, home) == plain


def test_a_run_that_finds_most_notes_changed_loads_afresh_and_answers_the_same(
    vault_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Below the pool's size: as if a checkout had rewritten most of a big vault.
    monkeypatch.setattr(vaultkit.incremental, "MIN_NOTES", 1)
    assert _checked(vault_root) == _checked(vault_root, use_cache=False)
    (vault_root / "a.md").write_text("[[b]] [[sub/c]] [[nope]]", encoding="utf-8")
    (vault_root / "b.md").write_text("---\naliases: [nope]\n---\n# Intro\n", encoding="utf-8")
    assert _checked(vault_root) == _checked(vault_root, use_cache=False)
    assert ("a.md", 1, 17, "VK105") in _at(_checked(vault_root))
