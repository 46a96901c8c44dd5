"""The incremental engine: after any edit, its findings are a full lint's of the vault as it is."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vaultkit.incremental
from tests.conftest import codes, corpus, write_files
from vaultkit.config import Config
from vaultkit.incremental import Delta, IncrementalVault
from vaultkit.model import Diagnostic, Note, finding_key
from vaultkit.rules import RULES, select_rules
from vaultkit.vault import lint, load_note_hashed, load_vault

# Off-by-default rules are selected too, so that every rule is compared.
SELECT = ("VK", "VK202", "VK303")
Record = tuple[object, ...]


def records(diagnostics: Iterable[Diagnostic]) -> list[Record]:
    """Everything a finding says, in order (``Diagnostic`` equality ignores the message)."""
    return [finding_key(item) for item in diagnostics]


def full_lint(root: Path) -> list[Record]:
    """The oracle: the plain pipeline, with no cache to share a mistake with the engine."""
    return records(lint(load_vault(root, use_cache=False), SELECT))


def engine(root: Path) -> IncrementalVault:
    return IncrementalVault.load(root, select=SELECT)


def assert_current(root: Path, vault: IncrementalVault) -> None:
    assert records(vault.diagnostics()) == full_lint(root)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    folder.mkdir()
    return folder


# --- the property ---------------------------------------------------------------------------

NOTE_PATHS = ("A.md", "a.md", "B.md", "C.md", "sub/A.md", "sub/D.md", "sub/deep/E.md", "ИИ.md")
OTHER_PATHS = ("img.png", "sub/img.PNG", "drafts/F.md", "notes.txt")
TARGETS = (
    "A",
    "a",
    "B",
    "C",
    "D",
    "E",
    "sub/A",
    "./D",
    "../A",
    "/sub/D",
    "Alias",
    "ии",
    "img.png",
    "gone.pdf",
    "Nowhere",
    "notes.txt",
    "F",
    "A#Head",
    "D#Head#Sub",
    "B#^b1",
    "C#Other",
    "#Head",
    "",
)
ALIASES = ("Alias", "B", "other", "ИИ", "alias")
CONFIG = """\
exclude = ["drafts/**"]
alias-links = "warn"
[per-file-ignores]
"sub/deep/**" = ["VK101"]
[orphans]
exclude = ["C.md"]
"""


@st.composite
def note_text(draw: st.DrawFn) -> str:
    """A small note: maybe frontmatter (aliases, up), headings, links, a block id, a pragma."""
    front = []
    aliases = draw(st.lists(st.sampled_from(ALIASES), max_size=2))
    if aliases:
        front.append("aliases: [" + ", ".join(aliases) + "]")
    parents = draw(st.lists(st.sampled_from(("A", "B", "C", "D", "sub/A", "Nowhere")), max_size=2))
    if parents:
        front.append("up: [" + ", ".join(f'"[[{parent}]]"' for parent in parents) + "]")
    if draw(st.booleans()):
        front.append("vaultkit-ignore: [VK105]")
    lines = ["---", *front, "---"] if front else []
    for heading in draw(st.lists(st.sampled_from(("Head", "Sub", "Other")), max_size=3)):
        lines.append(f"{'#' * draw(st.integers(1, 2))} {heading}")
        targets = draw(st.lists(st.sampled_from(TARGETS), max_size=3))
        lines.append(" ".join(f"[[{target}]]" for target in targets))
    if draw(st.booleans()):
        lines.append("%% vaultkit-disable-next-line VK101 %%")
    targets = draw(st.lists(st.sampled_from(TARGETS), max_size=3))
    lines.append(" ".join(f"![[{target}]]" for target in targets) + " text ^b1")
    return "\n".join(lines) + "\n"


def _write(root: Path, path: str, text: str, style: str) -> set[str]:
    """Save as an editor would; returns the paths a watcher would report."""
    target = root / path
    if target.is_dir() or any(parent.is_file() for parent in target.parents):
        return set()  # a folder took the note's name (or the other way round)
    target.parent.mkdir(parents=True, exist_ok=True)
    if style == "rename":
        temp = target.with_name(target.name + ".tmp")
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, target)
        return {path, path + ".tmp"}
    if style == "recreate" and target.exists():
        target.unlink()
    target.write_text(text, encoding="utf-8")
    return {path}


def _remove(root: Path, path: str) -> set[str]:
    target = root / path
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    return {path}


def _move(root: Path, source: str, destination: str) -> set[str]:
    if destination.startswith(source + "/"):
        return set()
    if not (root / source).exists() or (root / destination).exists():
        return set()
    (root / destination).parent.mkdir(parents=True, exist_ok=True)
    os.rename(root / source, root / destination)
    return {source, destination}


Step = Callable[[Path], set[str]]

writes = st.builds(
    lambda path, text, style: lambda root: _write(root, path, text, style),
    st.sampled_from((*NOTE_PATHS, "drafts/F.md")),
    note_text(),
    st.sampled_from(("place", "rename", "recreate")),
)
attachments = st.builds(
    lambda path: lambda root: _write(root, path, "data", "place"), st.sampled_from(OTHER_PATHS)
)
removals = st.builds(
    lambda path: lambda root: _remove(root, path),
    st.sampled_from(NOTE_PATHS + OTHER_PATHS + ("sub", "sub/deep")),
)
moves = st.builds(
    lambda source, destination: lambda root: _move(root, source, destination),
    st.sampled_from((*NOTE_PATHS, "sub", "sub/deep", "img.png")),
    st.sampled_from((*NOTE_PATHS, "moved", "sub/moved", "drafts/moved", "moved.md", "F.md")),
)
steps = st.lists(st.one_of(writes, writes, attachments, removals, moves), min_size=1, max_size=8)
initial = st.dictionaries(st.sampled_from(NOTE_PATHS), note_text(), min_size=2, max_size=6)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(initial, steps, st.booleans())
def test_incremental_equals_full_lint(
    files: dict[str, str], edits: list[Step], configured: bool
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "vault"
        root.mkdir()
        if configured:
            files = {**files, ".vaultkit.toml": CONFIG}
        write_files(root, {**files, "img.png": "png"})
        vault = engine(root)
        assert_current(root, vault)
        for edit in edits:
            before = set(records(vault.diagnostics()))
            delta = vault.update(edit(root))
            assert_current(root, vault)
            after = set(records(vault.diagnostics()))
            assert set(records(delta.new)) == after - before
            assert set(records(delta.fixed)) == before - after


# --- what the property covers, named ------------------------------------------------------


def test_every_rule_belongs_to_a_family() -> None:
    """The engine's families partition the rules' codes, and the property compares every rule.

    A rule the engine re-runs by two models of what its findings depend on, or a family that
    names no rule (a renamed code), would go unnoticed by the property test, which only sees
    the findings of the vaults it happens to generate.
    """
    engine = vaultkit.incremental
    wide = {
        "orphans": engine.ORPHAN_CODES,
        "collisions": engine.COLLISION_CODES,
        "cycles": engine.CYCLE_CODES,
        "suggestions": engine.NAME_CODES,
    }
    rules = [rule.code for rule in RULES]
    assert len(set(rules)) == len(rules)
    named = Counter(code for codes in wide.values() for code in codes)
    assert sorted(code for code, count in named.items() if count > 1) == []
    assert sorted(set(named) - set(rules)) == []
    # Every code the engine treats as wide is in one of these families; the rest are local.
    assert set(named) == engine._WIDE
    families = {"local": set(rules) - engine._WIDE} | wide
    family_of = {code: name for name, codes in families.items() for code in codes}
    # Deciding a new rule's family is part of adding it: this table must name every rule.
    local = {"VK001", "VK002", "VK003", "VK004", "VK005", "VK102", "VK103", "VK104", "VK105"}
    local |= {"VK106", "VK107", "VK108", "VK202", "VK210", "VK211", "VK212", "VK213", "VK214"}
    local |= {"VK215", "VK221", "VK303"}
    assert family_of == dict.fromkeys(local, "local") | {
        "VK201": "orphans",
        "VK220": "collisions",
        "VK302": "cycles",
        "VK101": "suggestions",
        "VK301": "suggestions",
    }
    assert [rule.code for rule in select_rules(SELECT, ())] == [rule.code for rule in RULES]


def test_renaming_a_note_breaks_its_backlinks(root: Path) -> None:
    write_files(root, {"a.md": "[[b]]\n\nsee [[b#Top]]", "b.md": "# Top\n[[a]]"})
    vault = engine(root)
    os.rename(root / "b.md", root / "c.md")
    delta = vault.update({"b.md", "c.md"})
    assert codes(delta.new, "VK1") == [("a.md", 1, 1, "VK101"), ("a.md", 3, 5, "VK101")]
    assert codes(delta.fixed) == []
    assert_current(root, vault)
    os.rename(root / "c.md", root / "b.md")
    delta = vault.update({"c.md", "b.md"})
    assert codes(delta.fixed, "VK1") == [("a.md", 1, 1, "VK101"), ("a.md", 3, 5, "VK101")]
    assert_current(root, vault)


def test_a_removed_heading_breaks_links_to_it(root: Path) -> None:
    write_files(root, {"a.md": "[[b#Top]]", "b.md": "# Top\n[[a]]"})
    vault = engine(root)
    (root / "b.md").write_text("# Bottom\n[[a]]", encoding="utf-8")
    delta = vault.update({"b.md"})
    assert codes(delta.new) == [("a.md", 1, 1, "VK102")]
    assert_current(root, vault)


def test_a_new_alias_turns_a_broken_link_into_an_alias_link(root: Path) -> None:
    write_files(root, {"a.md": "[[LLM]]", "b.md": "[[a]]"})
    vault = engine(root)
    (root / "b.md").write_text("---\naliases: [LLM]\n---\n[[a]]", encoding="utf-8")
    delta = vault.update({"b.md"})
    assert codes(delta.new) == [("a.md", 1, 1, "VK105")]
    assert codes(delta.fixed, "VK1") == [("a.md", 1, 1, "VK101")]
    assert_current(root, vault)


def test_a_parent_edit_that_closes_a_loop_reports_the_cycle(root: Path) -> None:
    write_files(root, {"a.md": '---\nup: "[[b]]"\n---\n', "b.md": '---\nup: "[[c]]"\n---\n'})
    write_files(root, {"c.md": "no parent"})
    vault = engine(root)
    (root / "c.md").write_text('---\nup: "[[a]]"\n---\n', encoding="utf-8")
    delta = vault.update({"c.md"})
    assert codes(delta.new) == [("a.md", 2, 6, "VK302")]
    assert_current(root, vault)


def test_a_folder_rename_reaches_every_note_in_it(root: Path) -> None:
    write_files(root, {"a.md": "[[sub/b]] [[sub/deep/c]]", "sub/b.md": "[[a]]"})
    write_files(root, {"sub/deep/c.md": "[[a]]"})
    vault = engine(root)
    os.rename(root / "sub", root / "other")
    delta = vault.update({"sub", "other"})
    assert codes(delta.new, "VK101") == [("a.md", 1, 1, "VK101"), ("a.md", 1, 11, "VK101")]
    assert_current(root, vault)


def test_a_case_clash_is_seen_from_both_sides(root: Path) -> None:
    write_files(root, {"Note.md": "[[x]]", "x.md": "[[Note]]"})
    vault = engine(root)
    write_files(root, {"note.md": "[[x]]"})
    delta = vault.update({"note.md"})
    assert codes(delta.new, "VK220") == [("Note.md", 1, 1, "VK220"), ("note.md", 1, 1, "VK220")]
    assert_current(root, vault)


def test_a_changed_message_is_new_and_its_old_wording_fixed(root: Path) -> None:
    write_files(root, {"a.md": "[[LLM]]", "x/b.md": "---\naliases: [LLM]\n---\n[[a]]"})
    vault = engine(root)
    write_files(root, {"y/b.md": "[[a]]"})
    delta = vault.update({"y/b.md"})
    assert [("[[x/b|LLM]]" in item.message) for item in delta.new if item.code == "VK105"] == [True]
    assert [(item.code, "[[b|LLM]]" in item.message) for item in delta.fixed] == [("VK105", True)]
    assert_current(root, vault)


def test_a_note_that_cannot_be_read_is_a_finding(root: Path) -> None:
    write_files(root, {"a.md": "[[b]]", "b.md": "[[a]]"})
    vault = engine(root)
    (root / "b.md").unlink()
    (root / "b.md").symlink_to("b.md")  # a loop: it exists, but reading it fails
    delta = vault.update({"b.md"})
    assert codes(delta.new, "VK001") == [("b.md", 1, 1, "VK001")]
    assert_current(root, vault)


def test_a_note_that_vanishes_while_read_is_dropped(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(root, {"a.md": "[[b]]", "b.md": "[[a]]"})
    vault = engine(root)

    def vanishing(
        folder: Path, path: str, config: Config, keys: frozenset[str]
    ) -> tuple[Note, bytes | None]:
        (folder / path).unlink(missing_ok=True)
        return load_note_hashed(folder, path, config, keys)

    monkeypatch.setattr(vaultkit.incremental, "load_note_hashed", vanishing)
    delta = vault.update({"b.md"})
    assert codes(delta.new, "VK0") == []
    assert codes(delta.new, "VK101") == [("a.md", 1, 1, "VK101")]
    assert not vault.knows("b.md")
    assert_current(root, vault)


def test_paths_it_never_reads_change_nothing(root: Path) -> None:
    write_files(root, {"a.md": "[[b]]", ".obsidian/app.json": "{}"})
    vault = engine(root)
    write_files(root, {".obsidian/b.md": "x", ".trash/b.md": "x"})
    delta = vault.update({".obsidian/b.md", ".trash/b.md", "missing.md", "./.git/HEAD"})
    assert delta == Delta()
    assert_current(root, vault)


def test_the_whole_vault_can_be_named_at_once(root: Path) -> None:
    write_files(root, {"a.md": "[[b]]"})
    vault = engine(root)
    write_files(root, {"b.md": "[[a]]", "sub/c.md": "[[a]]"})
    delta = vault.update({""})
    assert codes(delta.fixed) == [
        ("a.md", 1, 1, "VK101"),
        ("a.md", 1, 1, "VK201"),
        ("a.md", 1, 1, "VK202"),
    ]
    assert_current(root, vault)


def test_rescan_reports_the_difference(root: Path) -> None:
    write_files(root, {"a.md": "[[b]]"})
    vault = engine(root)
    write_files(root, {"b.md": "[[a]]", "c.md": "[[nowhere]]"})
    delta = vault.rescan()
    assert codes(delta.new, "VK1") == [("c.md", 1, 1, "VK101")]
    assert codes(delta.fixed, "VK1") == [("a.md", 1, 1, "VK101")]
    assert codes(delta.new, "VK201") == [("c.md", 1, 1, "VK201")]
    assert_current(root, vault)


def test_the_snapshot_is_what_load_vault_returns(root: Path) -> None:
    write_files(root, {"a.md": "[[b]]", "b.md": "[[a]] ![[x.png]]", "x.png": "p"})
    vault = engine(root)
    write_files(root, {"c.md": "[[b]]"})
    (root / "x.png").unlink()
    vault.update({"c.md", "x.png"})
    fresh, snapshot = load_vault(root), vault.vault()
    assert list(snapshot.notes.items()) == list(fresh.notes.items())
    assert snapshot.edges == fresh.edges
    assert snapshot.attachments == fresh.attachments
    assert dict(snapshot.index.names) == dict(fresh.index.names)
    assert vault.note_count == 3


def test_symlinks_are_judged_as_the_scan_judges_them(root: Path, tmp_path: Path) -> None:
    write_files(root, {"a.md": "[[out]] [[inside]] [[sub/b]]", "real/b.md": "[[a]]"})
    outside = tmp_path / "elsewhere"
    write_files(outside, {"out.md": "[[a]]", "sub/b.md": "[[a]]"})
    vault = engine(root)
    (root / "out.md").symlink_to(outside / "out.md")
    (root / "inside.md").symlink_to(root / "real" / "b.md")
    (root / "sub").symlink_to(outside / "sub", target_is_directory=True)
    delta = vault.update({"out.md", "inside.md", "sub"})
    assert codes(delta.new, "VK107") == [("a.md", 1, 1, "VK107")]
    assert codes(delta.fixed, "VK101") == [("a.md", 1, 1, "VK101"), ("a.md", 1, 9, "VK101")]
    assert vault.knows("inside.md")
    assert not vault.knows("sub/b.md")
    assert_current(root, vault)


@pytest.mark.parametrize("name", ["kepano-obsidian", "obsidian-tasks-docs"])
def test_real_vaults_stay_equal_through_renames_and_deletes(name: str, tmp_path: Path) -> None:
    root = tmp_path / name
    shutil.copytree(corpus(name), root, symlinks=True)
    vault = engine(root)
    assert_current(root, vault)
    backlinks = Counter(edge.resolved for edge in vault.vault().edges if edge.resolved)
    hubs = [path for path, _ in backlinks.most_common() if path.endswith(".md")][:3]
    for number, hub in enumerate(hubs):
        renamed = f"renamed {number}.md"
        os.rename(root / hub, root / renamed)
        vault.update({hub, renamed})
        assert_current(root, vault)
    (root / "renamed 0.md").unlink()
    vault.update({"renamed 0.md"})
    assert_current(root, vault)
    folder = next(path.rsplit("/", 1)[0] for path in sorted(vault.vault().notes) if "/" in path)
    os.rename(root / folder, root / "moved folder")
    vault.update({folder, "moved folder"})
    assert_current(root, vault)
    linked = next(e for e in vault.vault().edges if e.link.subpath and e.status.has_target)
    assert linked.resolved is not None
    target = root / linked.resolved
    target.write_text(target.read_text(encoding="utf-8").replace("#", "# x"), encoding="utf-8")
    vault.update({linked.resolved})
    assert_current(root, vault)
