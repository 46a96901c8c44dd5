"""Rules at their edges: what each reports and where; selecting by several keys at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import MakeVault, codes, refuse_to_read
from vaultkit.model import Diagnostic, Severity, VaultkitError
from vaultkit.rules import BY_CODE, RULES, Rule, codes_matching, find_rule, select_rules
from vaultkit.vault import lint


def _enabled(select: list[str], ignore: list[str] | None = None) -> set[str]:
    return {rule.code for rule in select_rules(select, ignore or [])}


def test_several_selectors_add_up() -> None:
    assert codes_matching(["VK101", "VK102"]) == {"VK101", "VK102"}
    assert codes_matching(["broken-link", "VK3", "vk22"]) == {
        "VK101",
        "VK220",
        "VK221",
        "VK301",
        "VK302",
        "VK303",
    }
    assert codes_matching([]) == frozenset()
    assert _enabled(["VK101", "VK102", "orphan-note"]) == {"VK101", "VK102", "VK201"}
    assert _enabled(["VK1", "VK2"], ["VK104", "orphan-note", "VK21"]) == {
        "VK101",
        "VK102",
        "VK103",
        "VK105",
        "VK106",
        "VK107",
        "VK108",
        "VK220",
        "VK221",
    }


def test_off_by_default_rules_need_their_own_code_or_name() -> None:
    assert "VK202" not in _enabled(["VK", "VK20"])
    assert "VK303" not in _enabled(["VK3"])
    assert _enabled(["VK202", "multiple-parents"]) == {"VK202", "VK303"}
    assert _enabled(["vk202", "VK303"], ["VK303"]) == {"VK202"}
    # A selection of only a prefix and one named rule keeps the defaults of the prefix.
    assert _enabled(["VK3", "VK303"]) == {"VK301", "VK302", "VK303"}


@pytest.mark.parametrize("bad", ["VK999", "broken", "VK1x", ""])
def test_an_unknown_selector_is_an_error_wherever_it_is(bad: str) -> None:
    if bad == "":
        # The empty prefix is every code: not unknown.
        assert codes_matching([bad]) == {rule.code for rule in RULES}
        return
    for selectors in ([bad], ["VK101", bad], [bad, "VK101"]):
        with pytest.raises(VaultkitError):
            codes_matching(selectors)
    with pytest.raises(VaultkitError):
        select_rules(["VK1"], [bad])


def test_find_rule_by_code_in_any_case_or_by_name() -> None:
    broken_link = BY_CODE["VK101"]
    assert find_rule("vk101") is find_rule("VK101") is find_rule("broken-link") is broken_link
    assert find_rule("Broken-Link") is broken_link
    assert find_rule("VK10") is None
    assert find_rule("broken") is None


def test_one_parent_is_no_finding_with_multiple_parents_on(make_vault: MakeVault) -> None:
    files = {
        "one.md": '---\nup: "[[p]]"\n---\n',
        "twice.md": '---\nup: ["[[p]]", "[[p]]"]\n---\n',
        "two.md": '---\nup: ["[[p]]", "[[q]]", "[[p]]", "[[r]]"]\n---\n',
        "broken.md": '---\nup: ["[[p]]", "[[gone]]"]\n---\n',
        "p.md": "",
        "q.md": "",
        "r.md": "",
    }
    vault = make_vault(files)
    assert codes(lint(vault, select=["VK303"])) == [("two.md", 2, 16, "VK303")]


def test_duplicate_alias_is_reported_at_the_alias_shared(make_vault: MakeVault) -> None:
    files = {
        "a.md": "---\naliases: [Unique, Dup, Other]\n---\n[[b]]",
        "b.md": "---\naliases:\n  - solo\n  - dup\n---\n[[c]]",
        "c.md": "---\naliases: [DUP, dup]\n---\n[[a]]",
    }
    assert codes(lint(make_vault(files)), "VK212") == [
        ("a.md", 2, 19, "VK212"),
        ("b.md", 4, 5, "VK212"),
        ("c.md", 2, 11, "VK212"),
    ]


# Every rule but VK005 (a parse that overruns its time) fires at least once in this vault.
EVERY_RULE: dict[str, str | bytes] = {
    "a.md": "[[Nowhere]] [[b#Gone]] [[b#^gone]] [[N]] [[Alias]] ![[pic.png]] [[../../x]] [[]]",
    "b.md": "---\naliases: [Alias, dup, c]\nalias: old\n---\n[[a]] [[lone]]\n\nx ^b1\n\ny ^b1\n",
    "c.md": "---\ntitle: {{x}\n---\n[[b]]",
    "d.md": "---\naliases: [dup]\nup:\n  - [[e]]\n---\n[[a]]",
    "e.md": '---\nup: ["[[d]]", "[[gone]]", "[[a]]"]\n---\n',
    "f.md": "---\naliases: one string\n---\n[[b]]",
    "big.md": "[[a]] " + "x" * 400,
    "locked.md": "[[a]]",
    "p/N.md": "",
    "q/N.md": "",
    "LLM.md": "",
    "llm.md": "",
    "lone.md": "",
    "bad.md": b"\xff\xfe text",
    "bin.md": b"\x00\x01",
}


def test_every_finding_carries_its_rule_s_name_severity_and_a_message(
    make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_to_read(monkeypatch, "locked.md")
    vault = make_vault(EVERY_RULE, max_file_size=300)
    found = lint(vault, select=["VK", "VK202", "VK303"])
    assert {item.code for item in found} == {rule.code for rule in RULES} - {"VK005"}
    for item in found:
        rule = BY_CODE[item.code]
        assert (item.name, item.severity) == (rule.name, rule.severity)
        assert isinstance(item.message, str) and item.message.strip(), item


def _fixes(vault: object, code: str) -> list[tuple[object, ...]]:
    return [
        (item.line, item.column)
        + (
            (None,)
            if item.fix is None
            else (
                item.fix.replacement,
                item.fix.line,
                item.fix.column,
                item.fix.end_line,
                item.fix.end_column,
                item.fix.safe,
            )
        )
        for item in lint(vault, select=[code])  # type: ignore[arg-type]
    ]


FIXES = {
    "s.md": (
        "[[Alias]] ![[Alias]] [[Alias#Top|shown]] [[Samey]] [[N]] [[pic.png]] [[Root]]\n"
        "| [[Alias\\|cell]] | [[ИИ]] |\n"
    ),
    "u.md": "---\nup:\n  - [[ИИ]]\n---\n",
    "deep/er/T.md": "---\naliases: [Alias, ИИ]\n---\n# Top\n",
    "x/Same.md": "---\naliases: [Samey]\n---\n",
    "y/Same.md": "",
    "p/N.md": "",
    "q/N.md": "",
    "a/pic.png": "",
    "b/pic.png": "",
    "Root.md": "",
    "sub/Root.md": "",
}


def test_an_alias_link_is_fixed_safely_to_what_obsidian_writes(make_vault: MakeVault) -> None:
    assert _fixes(make_vault(FIXES), "VK105") == [
        (1, 1, "[[T|Alias]]", 1, 1, 1, 10, True),
        (1, 11, "![[T]]", 1, 11, 1, 21, True),  # an embed gets no display text
        (1, 22, "[[T#Top|shown]]", 1, 22, 1, 41, True),
        (1, 42, "[[x/Same|Samey]]", 1, 42, 1, 51, True),  # the name is not unique: the path
        (2, 3, "[[T\\|cell]]", 2, 3, 2, 18, True),  # in a table the pipe stays escaped
        (2, 21, "[[T|ИИ]]", 2, 21, 2, 27, True),
        (3, 5, '"[[T|ИИ]]"', 3, 5, 3, 11, True),  # an unquoted property link gets quoted
    ]


def test_an_ambiguous_link_is_fixed_unsafely_to_the_winner_s_path(make_vault: MakeVault) -> None:
    assert _fixes(make_vault(FIXES), "VK104") == [
        (1, 52, "[[p/N|N]]", 1, 52, 1, 57, False),
        (1, 58, "[[a/pic.png|pic.png]]", 1, 58, 1, 69, False),
        (1, 70, None),  # the winner is at the root: the link already names its path
    ]


def test_problems_keep_their_fix_and_broken_links_their_suggestions(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "a.md": "[[Nowher]] [[b#Heree]] [[b#^blockk]] [[Far away]]\n",
            "b.md": '---\naliases: one string\nup: "[[Nowhre]]"\n---\n# Here\npara ^block\n',
            "Nowhere.md": "[[a]]",
            "c.md": "---\nup:\n  - [[b]]\n---\n",
        }
    )
    found = [
        (item.path, item.line, item.column, item.code, item.suggestions, item.fix)
        for item in lint(vault, ignore=["VK201"])
    ]
    assert [row[:5] for row in found] == [
        ("a.md", 1, 1, "VK101", ("Nowhere",)),
        ("a.md", 1, 12, "VK102", ("Here",)),
        ("a.md", 1, 24, "VK103", ("^block",)),
        ("a.md", 1, 38, "VK101", ()),
        ("b.md", 2, 10, "VK211", ()),
        ("b.md", 3, 6, "VK301", ("Nowhere",)),
        ("c.md", 3, 5, "VK214", ()),
    ]
    assert all(isinstance(item.message, str) for item in lint(vault))
    fixes = {row[3]: row[5] for row in found if row[5] is not None}
    assert {code: (fix.replacement, fix.safe) for code, fix in fixes.items()} == {
        "VK211": ("[one string]", True),
        "VK214": ('"[[b]]"', True),
    }
    assert [item.suggested is not None for item in lint(vault, select=["VK101", "VK102"])] == [
        True,
        True,
        False,
    ]


def test_findings_about_several_notes_name_the_others(make_vault: MakeVault) -> None:
    vault = make_vault(
        {
            "A.md": "---\naliases: [shared]\n---\n",
            "a.md": '---\naliases: [Shared, B]\nup: ["[[B]]", "[[C]]"]\n---\n',
            "sub/a.md": "---\naliases: [SHARED]\n---\n",
            "B.md": "",
            "C.md": "",
        }
    )
    found = {
        (item.path, item.code): item.message
        for item in lint(vault, select=["VK212", "VK213", "VK220", "VK303"])
    }
    named = {
        ("A.md", "VK212"): ["'a.md'", "'sub/a.md'"],
        ("a.md", "VK212"): ["'A.md'", "'sub/a.md'"],
        ("sub/a.md", "VK212"): ["'A.md'", "'a.md'"],
        ("a.md", "VK213"): ["'B.md'"],
        ("A.md", "VK220"): ["'a.md'"],
        ("a.md", "VK220"): ["'A.md'"],
        ("a.md", "VK303"): ["'B.md'", "'C.md'"],
    }
    assert found.keys() == named.keys()
    for key, others in named.items():
        assert all(other in found[key] for other in others), (key, found[key])
        assert f"{key[0]!r}," not in found[key] and not found[key].endswith(f"{key[0]!r}")


def test_an_alias_equal_to_its_own_name_in_a_deep_folder_is_no_shadow(
    make_vault: MakeVault,
) -> None:
    files = {"a/b/Note.md": "---\naliases: [note]\n---\n[[c/Note]]", "c/Note.md": "[[a/b/Note]]"}
    assert codes(lint(make_vault(files)), "VK213") == []


def test_each_cycle_is_reported_once_at_the_parent_field_that_closes_it(
    make_vault: MakeVault,
) -> None:
    up = "---\nup: [{}]\n---\n"

    def parents(*names: str) -> str:
        return up.format(", ".join(f'"[[{name}]]"' for name in names))

    files = {
        # Two cycles of the same length through a: the one through the path that sorts first
        # is named, at its link (the second of a's parents).
        "a.md": parents("Al", "beta", "h"),
        "zed.md": '---\naliases: [Al]\nup: "[[a]]"\n---\n',
        "beta.md": parents("a"),
        "d.md": parents("a"),  # a tail into the cycle: no cycle of its own
        "e.md": parents("f"),
        "f.md": parents("e"),
        "g.md": parents("g", "h"),
        "h.md": parents("i"),
        "i.md": "",
        # A cycle that the search enters from outside it, and closes away from its entry.
        "j.md": parents("k"),
        "k.md": parents("l"),
        "l.md": parents("k"),
    }
    found = [
        (item.path, item.line, item.column, item.subject)
        for item in lint(make_vault(files), select=["VK302"])
    ]
    # The subject is the parent link the cycle leaves its smallest path by: a -> beta -> a.
    assert found == [
        ("a.md", 2, 17, "[[beta]]"),
        ("e.md", 2, 7, "[[f]]"),
        ("g.md", 2, 7, "[[g]]"),
        ("k.md", 2, 7, "[[l]]"),
    ]


def _documented(vault: object) -> Iterator[Diagnostic]:
    """Summary line.

    Why: because
        it is indented further.

    Fix: do it.
    """
    return iter(())


def _undocumented(vault: object) -> Iterator[Diagnostic]:
    return iter(())


def _one_line(vault: object) -> Iterator[Diagnostic]:
    """Only a summary."""
    return iter(())


def test_a_rule_s_documentation_is_its_docstring_dedented() -> None:
    rule = Rule("VK999", "documented", Severity.INFO, _documented)
    assert rule.doc == "Summary line.\n\nWhy: because\n    it is indented further.\n\nFix: do it."
    assert rule.summary == "Summary line."
    assert Rule("VK998", "bare", Severity.INFO, _undocumented).doc == ""
    assert Rule("VK998", "bare", Severity.INFO, _undocumented).summary == ""
    assert Rule("VK997", "short", Severity.INFO, _one_line).doc == "Only a summary."


def test_an_alias_fix_shows_the_heading_path_as_obsidian_does(make_vault: MakeVault) -> None:
    files = {"s.md": "[[Alias#A#B]]", "T.md": "---\naliases: [Alias]\n---\n# A\n## B\n[[s]]"}
    assert _fixes(make_vault(files), "VK105") == [
        (1, 1, "[[T#A#B|Alias > A > B]]", 1, 1, 1, 14, True)
    ]
