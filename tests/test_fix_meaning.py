"""``--fix`` judges a fix by what the rules report: a note's problems are the rules' findings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import MakeVault
from vaultkit.fix import FIXABLE, plan_fixes
from vaultkit.model import Diagnostic, Vault
from vaultkit.rules import edges_findings, link_findings
from vaultkit.vault import lint

TARGET = "---\naliases: [Al]\n---\n# H\n"


def _quoted_as(vault: Vault, replacement: str) -> Diagnostic:
    """The note's VK214 finding, its fix writing ``replacement`` over the unquoted link."""
    [found] = [item for item in lint(vault) if item.code == "VK214"]
    assert found.fix is not None
    return replace(found, fix=replace(found.fix, replacement=replacement))


@pytest.mark.parametrize(
    ("alias_links", "ignore", "skipped"),
    [
        ("warn", (), ["the fix would cause a VK105 problem"]),
        ("warn", ("VK105",), ["the fix would cause a VK105 problem"]),
        ("allow", (), []),
    ],
)
def test_a_fix_writing_an_alias_link_causes_a_problem_only_if_the_rule_reports_one(
    make_vault: MakeVault, alias_links: str, ignore: tuple[str, ...], skipped: list[str]
) -> None:
    # `[[Al]]` opens t.md like `[[t]]` does; whether it is a problem is alias-link's to say,
    # by the config, whatever the lint's selection.
    files = {"t.md": TARGET, "a.md": "---\nrelated: [[t]]\n---\n"}
    vault = make_vault(files, alias_links=alias_links, ignore=ignore)
    plan = plan_fixes(vault, [_quoted_as(vault, '"[[Al]]"')])
    assert [skip.reason for skip in plan.skipped] == skipped
    changes = [change.after for item in plan.files for change in item.changes]
    assert changes == ([] if skipped else ['"[[Al]]"'])


def test_a_fix_turning_a_missing_attachment_into_a_broken_link_is_skipped(
    make_vault: MakeVault,
) -> None:
    # Both lead nowhere, but broken-link reports the second: a new VK101 problem.
    vault = make_vault({"a.md": "---\nrelated: [[x.png]]\n---\n"})
    plan = plan_fixes(vault, [_quoted_as(vault, '"[[x]]"')])
    assert [skip.reason for skip in plan.skipped] == ["the fix would cause a VK101 problem"]
    assert plan.files == ()


@pytest.mark.parametrize("alias_links", ["warn", "obsidian", "allow"])
def test_the_findings_counted_are_the_link_rules_findings_edge_by_edge(
    make_vault: MakeVault, alias_links: str
) -> None:
    files = {
        "t.md": TARGET,
        "New.md": "",
        "Projects/Index.md": "",
        "Areas/Index.md": "",
        "Names/Gone things.md": "",
        "a.md": "---\nup: [[Old]]\nrelated: [[Al]]\n---\n"
        "[[Old]] [[Al]] [[Index]] [[Gone thing]] [[t#Nope]] ![[x.png]] [[]]\n",
    }
    vault = replace(make_vault(files, alias_links=alias_links), renames={"Old.md": "New.md"})
    edges = [edge for edge in vault.edges if edge.source == "a.md"]
    one_by_one = [item for edge in edges for item in link_findings(vault, edge)]
    together = edges_findings(vault, edges, FIXABLE, names=False)

    def where(items: list[Diagnostic]) -> list[tuple[int, int, str]]:
        return sorted((item.line, item.column, item.code) for item in items if item.code in FIXABLE)

    assert where(together) == where(one_by_one)
    assert {item.code for item in together} >= {"VK101", "VK301"}
    assert not any(item.suggestions for item in together)
    assert any(item.suggestions for item in one_by_one)
