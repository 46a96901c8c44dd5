"""Rules on tiny inline vaults: codes and positions, selection and suppression."""

from __future__ import annotations

import pytest

from tests.conftest import MakeVault, codes, lint_files
from vaultkit.model import Status, VaultkitError
from vaultkit.rules import RULES, select_rules
from vaultkit.vault import lint


def test_broken_link(make_vault: MakeVault) -> None:
    assert lint_files(make_vault, {"a.md": "See [[Nowhere]].", "b.md": "[[a]]"}) == [
        ("a.md", 1, 5, "VK101")
    ]


def test_broken_markdown_property_and_field_links(make_vault: MakeVault) -> None:
    files = {"a.md": '---\nrelated: "[[Gone]]"\n---\n[x](Missing.md)\nsee:: [[Away]]\n'}
    assert lint_files(make_vault, files) == [
        ("a.md", 2, 11, "VK101"),
        ("a.md", 4, 1, "VK101"),
        ("a.md", 5, 7, "VK101"),
    ]


def test_broken_heading_and_block(make_vault: MakeVault) -> None:
    files = {"a.md": "[[b#Nope]] [[b#^gone]] [[b#Yes]]", "b.md": "# Yes\n"}
    assert lint_files(make_vault, files) == [("a.md", 1, 1, "VK102"), ("a.md", 1, 12, "VK103")]


def test_ambiguous_link_with_fix(make_vault: MakeVault) -> None:
    vault = make_vault({"x/a.md": "[[N|shown]]", "p/N.md": "", "q/N.md": ""})
    (found,) = [d for d in lint(vault) if d.code == "VK104"]
    assert (found.path, found.line, found.column, found.subject) == ("x/a.md", 1, 1, "[[N|shown]]")
    # The tie-break's winner: the note the link opens, and the path its fix pins.
    assert [(edge.status, edge.resolved) for edge in vault.edges] == [(Status.AMBIGUOUS, "p/N.md")]
    assert found.fix is not None and found.fix.replacement == "[[p/N|shown]]"


def test_alias_link_warns_and_fixes(make_vault: MakeVault) -> None:
    vault = make_vault(
        {"a.md": "[[ИИ Модель#Types]]", "AI-Model.md": "---\naliases: [ИИ Модель]\n---\n# Types\n"}
    )
    (found,) = lint(vault, ignore=["VK201"])
    assert (found.code, found.line, found.column) == ("VK105", 1, 1)
    assert found.fix is not None and found.fix.replacement == "[[AI-Model#Types|ИИ Модель > Types]]"
    assert (found.fix.column, found.fix.end_column) == (1, 20)


def test_alias_links_allow_and_obsidian(make_vault: MakeVault) -> None:
    files = {"a.md": "[[Alias]]", "T.md": "---\naliases: [Alias]\n---\n"}
    assert lint_files(make_vault, files, alias_links="allow") == []
    assert lint_files(make_vault, files, alias_links="obsidian") == [("a.md", 1, 1, "VK101")]


def test_missing_attachment_not_broken_link(make_vault: MakeVault) -> None:
    files = {"a.md": "![[diagram.png]] [p](paper.pdf) [[Version 1.2]]"}
    assert lint_files(make_vault, files) == [
        ("a.md", 1, 1, "VK106"),
        ("a.md", 1, 18, "VK106"),
        ("a.md", 1, 33, "VK101"),
    ]


def test_link_outside_vault(make_vault: MakeVault) -> None:
    files = {"n/a.md": "[[../../etc/passwd]] [x](/etc/passwd)"}
    assert lint_files(make_vault, files) == [("n/a.md", 1, 1, "VK107"), ("n/a.md", 1, 22, "VK101")]


def test_empty_links(make_vault: MakeVault) -> None:
    files = {"a.md": "[[]] [[|x]] [[#]] [t]() [[#Top]]\n# Top"}
    assert lint_files(make_vault, files) == [
        ("a.md", 1, 1, "VK108"),
        ("a.md", 1, 6, "VK108"),
        ("a.md", 1, 13, "VK108"),
        ("a.md", 1, 19, "VK108"),
    ]


def test_orphans_and_hierarchy(make_vault: MakeVault) -> None:
    files = {
        "root.md": "",
        "child.md": '---\nup: "[[root]]"\n---\n',
        "linked.md": "",
        "self.md": "[[self]] [[linked]]",
        "Daily/2024-01-01.md": "",
    }
    vault = make_vault(files, orphans_exclude=("Daily/**",))
    assert codes(lint(vault), "VK2") == [("self.md", 1, 1, "VK201")]


def test_embed_and_property_links_count_against_orphans(make_vault: MakeVault) -> None:
    files = {"a.md": '---\nsee: "[[b]]"\n---\n![[c]]', "b.md": "[[a]]", "c.md": ""}
    assert codes(lint(make_vault(files)), "VK2") == []


def test_dead_end_is_off_by_default_and_on_when_named(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "[[b]]", "b.md": "[[gone]]"})
    assert codes(lint(vault), "VK202") == []
    assert codes(lint(vault, select=["VK2"]), "VK202") == []
    assert codes(lint(vault, select=["dead-end-note"])) == [("b.md", 1, 1, "VK202")]
    assert codes(lint(vault, select=["VK202"])) == [("b.md", 1, 1, "VK202")]


def test_unquoted_up_is_still_the_parent(make_vault: MakeVault) -> None:
    files = {"c.md": "---\nup:\n  - [[p]]\n---\n", "p.md": ""}
    assert lint_files(make_vault, files) == [("c.md", 3, 5, "VK214")]


def test_bare_name_parent_and_inline_up(make_vault: MakeVault) -> None:
    files = {"c.md": "---\nup: p\n---\n", "d.md": "up:: [[p]]", "p.md": ""}
    assert codes(lint(make_vault(files))) == []


def test_broken_up_link_is_vk301_not_vk101(make_vault: MakeVault) -> None:
    files = {"c.md": '---\nup: "[[Gone]]"\n---\nup:: [[Away]]\n'}
    assert lint_files(make_vault, files) == [("c.md", 2, 6, "VK301"), ("c.md", 4, 6, "VK301")]


def test_hierarchy_cycle_reported_once_on_smallest_path(make_vault: MakeVault) -> None:
    files = {
        "b.md": '---\nup: "[[c]]"\n---\n',
        "c.md": '---\nup: "[[a]]"\n---\n',
        "a.md": '---\nup: "[[b]]"\n---\n',
        "self.md": '---\nup: "[[self]]"\n---\n',
    }
    found = [d for d in lint(make_vault(files)) if d.code == "VK302"]
    # Each at the parent link that leaves the smallest path: a.md's [[b]] starts a -> b -> c -> a.
    assert [(d.path, d.line, d.column, d.subject) for d in found] == [
        ("a.md", 2, 6, "[[b]]"),
        ("self.md", 2, 6, "[[self]]"),
    ]


def test_multiple_parents_when_selected(make_vault: MakeVault) -> None:
    files = {"c.md": '---\nup: ["[[p]]", "[[q]]"]\n---\n', "p.md": "", "q.md": ""}
    vault = make_vault(files)
    assert codes(lint(vault), "VK303") == []
    assert codes(lint(vault, select=["VK303"])) == [("c.md", 2, 16, "VK303")]


def test_alias_rules(make_vault: MakeVault) -> None:
    files = {
        "a.md": "---\naliases: [Shared, b]\n---\n[[b]] [[c]]",
        "b.md": "---\naliases:\n  - shared\n---\n[[a]]",
        "c.md": "---\naliases: one string\n---\n[[a]]",
    }
    assert lint_files(make_vault, files) == [
        ("a.md", 2, 11, "VK212"),
        ("a.md", 2, 19, "VK213"),
        ("b.md", 3, 5, "VK212"),
        ("c.md", 2, 10, "VK211"),
    ]


def test_an_alias_equal_to_the_note_s_own_name_is_never_shadowed(make_vault: MakeVault) -> None:
    files = {
        "p/Note.md": "---\naliases: [note, Other]\n---\n[[q/Note]] [[Other]]",
        "q/Note.md": "---\naliases:\n- Note\n---\n[[p/Note]]",
        "Other.md": "[[p/Note]]",
    }
    assert codes(lint(make_vault(files)), "VK213") == [("p/Note.md", 2, 17, "VK213")]


def test_empty_and_yaml_1_2_aliases_are_not_findings(make_vault: MakeVault) -> None:
    files = {
        "a.md": "---\naliases:\n- \ntags:\n- \n---\n[[b]]",
        "b.md": "---\naliases:\n- Yes\n- No\n---\n[[a]] [[Yes]]",
    }
    assert lint_files(make_vault, files) == [("b.md", 6, 7, "VK105")]


def test_case_collision(make_vault: MakeVault) -> None:
    files = {"LLM.md": "[[llm]]", "llm.md": "[[LLM]]"}
    assert codes(lint(make_vault(files)), "VK220") == [
        ("LLM.md", 1, 1, "VK220"),
        ("llm.md", 1, 1, "VK220"),
    ]


def test_selection_by_code_name_and_prefix() -> None:
    enabled = {rule.code for rule in select_rules(["VK1", "orphan-note"], ["VK104"])}
    assert enabled == {"VK101", "VK102", "VK103", "VK105", "VK106", "VK107", "VK108", "VK201"}
    defaults = {rule.code for rule in select_rules(["VK"], [])}
    assert defaults == {rule.code for rule in RULES if rule.default}
    with pytest.raises(VaultkitError, match="unknown rule 'VK999'"):
        select_rules(["VK999"], [])


def test_per_file_ignores_and_note_ignore(make_vault: MakeVault) -> None:
    files = {
        "Templates/t.md": "[[x]]",
        "n.md": "---\nvaultkit-ignore: [broken-link]\n---\n[[y]]",
        "m.md": "%% vaultkit-disable-next-line VK101 %%\n[[z]]\n[[w]]",
    }
    found = lint_files(make_vault, files, per_file_ignores=(("Templates/**", ("VK101",)),))
    assert found == [("m.md", 3, 1, "VK101")]


def test_every_rule_is_documented() -> None:
    for rule in RULES:
        assert rule.summary, rule.code
        assert "Why:" in rule.doc and "Fix:" in rule.doc, rule.code
