"""Finding identity and the baseline: stable under moves, distinct for equal findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MakeVault, corpus, write_files
from vaultkit.config import Config, load_config
from vaultkit.identity import (
    Identity,
    apply_baseline,
    baseline_text,
    finding_id,
    identities,
    parse_baseline,
    subject_of,
)
from vaultkit.model import Vault, VaultkitError
from vaultkit.vault import lint, load_vault


def ids_of(vault: Vault) -> list[Identity]:
    found = lint(vault)
    return sorted(identities(found))


def test_a_moved_link_keeps_its_identity(make_vault: MakeVault) -> None:
    before = ids_of(make_vault({"a.md": "intro\n[[Nowhere]]\n", "b.md": "[[a]]"}))
    after = ids_of(make_vault({"a.md": "intro\nmore\n\n\nstill [[Nowhere]]\n", "b.md": "[[a]]"}))
    assert before == after
    assert before[0] == Identity("a.md", "VK101", "[[Nowhere]]", 0)


def test_two_equal_broken_links_are_two_findings(make_vault: MakeVault) -> None:
    found = [
        i for i in ids_of(make_vault({"a.md": "[[Gone]] and [[Gone]]\n"})) if i.code == "VK101"
    ]
    assert found == [
        Identity("a.md", "VK101", "[[Gone]]", 0),
        Identity("a.md", "VK101", "[[Gone]]", 1),
    ]
    assert len({finding_id(item) for item in found}) == 2


def test_rank_follows_position_not_input_order(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "[[Gone]]\n[[Gone]]\n", "b.md": "[[a]]"})
    found = lint(vault)
    forward = identities(found)
    backward = identities(list(reversed(found)))
    assert list(reversed(backward)) == forward


def test_a_renamed_target_with_updated_links_changes_nothing(tmp_path: Path) -> None:
    """Obsidian's rename moves the note and rewrites its links: the other findings stay."""
    root = tmp_path / "v"
    write_files(root, {"a.md": "[[Old]] [[Gone]]\n", "Old.md": "[[a]] [[Missing#x]]\n"})
    before = ids_of(load_vault(root, Config(), use_cache=False))
    (root / "Old.md").rename(root / "New.md")
    (root / "a.md").write_text("[[New]] [[Gone]]\n", encoding="utf-8")
    after = ids_of(load_vault(root, Config(), use_cache=False))
    assert [i for i in before if i.path != "Old.md"] == [i for i in after if i.path != "New.md"]
    assert [i[1:] for i in before if i.path == "Old.md"] == [
        i[1:] for i in after if i.path == "New.md"
    ]


def test_note_level_findings_have_no_subject(make_vault: MakeVault) -> None:
    found = ids_of(make_vault({"lonely.md": "text [[x.png]]"}))
    assert Identity("lonely.md", "VK201", "", 0) in found


def test_alias_findings_name_the_alias(make_vault: MakeVault) -> None:
    files = {"a.md": "---\naliases: [Same]\n---\n", "b.md": "---\naliases: [Same]\n---\n[[a]]"}
    found = ids_of(make_vault(files))
    assert Identity("a.md", "VK212", "Same", 0) in found


def test_finding_id_is_stable_and_distinct() -> None:
    one = Identity("a.md", "VK101", "[[x]]", 0)
    assert finding_id(one) == finding_id(Identity("a.md", "VK101", "[[x]]", 0))
    assert finding_id(one) != finding_id(one._replace(n=1))
    assert finding_id(one) != finding_id(one._replace(path="b.md"))


def test_baseline_round_trip_sorted_one_a_line() -> None:
    rows = [Identity("b.md", "VK101", "[[x]]", 0), Identity("a.md", "VK201", "", 0)]
    text = baseline_text(rows + rows)
    assert parse_baseline(text, "b.json") == frozenset(rows)
    lines = text.splitlines()
    assert lines[1].startswith('  ["a.md"') and lines[2].startswith('  ["b.md"')
    assert len(lines) == 4


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"version": 2, "findings": []}',
        '{"version": 1, "findings": {}}',
        '{"version": 1, "findings": [["a.md", "VK101", "x"]]}',
        '{"version": 1, "findings": [["a.md", "VK101", "x", -1]]}',
        '{"version": 1, "findings": [["a.md", "VK101", 3, 0]]}',
    ],
)
def test_a_bad_baseline_is_a_clear_error(text: str) -> None:
    with pytest.raises(VaultkitError, match=r"b\.json"):
        parse_baseline(text, "b.json")


def test_a_stale_entry_never_hides_a_new_finding_elsewhere(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "[[Gone]] [[Other]]\n", "b.md": "[[a]] [[Gone]]\n"})
    found = lint(vault, ignore=["VK201"])
    ids = identities(found)
    baseline = frozenset(
        {Identity("a.md", "VK101", "[[Gone]]", 0), Identity("z.md", "VK101", "[[q]]", 0)}
    )
    split = apply_baseline(found, ids, baseline)
    assert sorted((d.path, d.column) for d in split.shown) == [("a.md", 10), ("b.md", 7)]
    assert (split.hidden, split.fixed) == (1, 1)
    scoped = apply_baseline(found, ids, baseline, in_scope=lambda entry: entry.path == "a.md")
    assert scoped.fixed == 0


@pytest.mark.parametrize("name", ["knowledge-garden", "kepano-obsidian"])
def test_the_subject_the_rules_attach_is_the_parse_s_answer(name: str) -> None:
    """Findings carry their subject from the rule that found them: over every finding of the
    real vaults, that answer is the one read off the parsed note."""
    root = corpus(name)
    vault = load_vault(root, load_config(root), use_cache=False)
    found = lint(vault)
    carried = [item.subject for item in found]
    assert any(subject for subject in carried)
    assert carried == [subject_of(item, vault.notes.get(item.path)) for item in found]


def test_a_wikilink_ends_at_its_first_closing_brackets(make_vault: MakeVault) -> None:
    files = {
        "a.md": "x [[Gone]]] and ![[Lost|a]b]] [[]] `[[code]]` [[t#h|d]]\n",
        "b.md": '---\nup: [[Gone]]\nrel: "[[Far]]"\n---\n[[a]] [x](Nowhere.md)\n',
    }
    vault = make_vault(files)
    found = lint(vault)
    assert [item.subject for item in found] == [
        subject_of(item, vault.notes.get(item.path)) for item in found
    ]
    carried = [item.subject for item in found if item.path == "a.md"]
    assert carried[0] == "[[Gone]]"
