"""Rule behaviours that only a vault of a particular shape can tell apart (``make mutants``)."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import MakeVault, codes
from vaultkit.fix import plan_fixes
from vaultkit.vault import lint


def _up(*parents: str) -> str:
    listed = ", ".join(f'"[[{parent}]]"' for parent in parents)
    return f"---\nup: [{listed}]\n---\n"


def test_a_cycle_is_reported_at_the_parent_that_starts_the_shortest_loop(
    make_vault: MakeVault,
) -> None:
    # a -> b -> d -> a is the shortest loop; a -> c -> b -> d -> a is longer and goes
    # through b again. The finding sits on a's link to b, the shortest loop's first step.
    vault = make_vault(
        {"a.md": _up("c", "b"), "b.md": _up("d"), "c.md": _up("b"), "d.md": _up("a")}
    )
    found = [item for item in lint(vault) if item.code == "VK302"]
    assert codes(found) == [("a.md", 2, 16, "VK302")]


def test_an_alias_link_written_as_an_embed_in_a_field_keeps_no_display_text(
    make_vault: MakeVault,
) -> None:
    # A property or an inline field may hold `![[...]]`; the fix rewrites the target and,
    # as for any embed, adds no display text (an embed's display text is a size).
    vault = make_vault(
        {
            "B.md": "---\naliases: [Other]\n---\n",
            "A.md": '---\nrelated: "![[Other]]"\nnext: "[[Other]]"\n---\nsee:: ![[Other]]\n',
        }
    )
    fixes = [
        (item.line, item.fix.replacement)
        for item in lint(vault)
        if item.code == "VK105" and item.fix is not None
    ]
    assert fixes == [(2, "![[B]]"), (3, "[[B|Other]]"), (5, "![[B]]")]


def test_a_renamed_parent_does_not_stop_the_broken_parents_after_it(
    make_vault: MakeVault,
) -> None:
    files = {"New.md": "", "a.md": _up("Old"), "b.md": _up("Nowhere"), "c.md": _up("New")}
    vault = replace(make_vault(files), renames={"Old.md": "New.md"})
    found = [item for item in lint(vault) if item.code == "VK301"]
    assert codes(found) == [("a.md", 2, 7, "VK301"), ("b.md", 2, 7, "VK301")]
    assert [item.fix is not None for item in found] == [True, False]


def test_a_fix_beside_a_failing_one_is_judged_by_the_fixable_problems_only(
    make_vault: MakeVault,
) -> None:
    # Two fixes in one note; the first would write an alias link (a new VK105), so the
    # planner looks for the lines to blame. The second rewrites a renamed note's link and
    # keeps its heading, which the note no longer has: a broken heading is no problem --fix
    # can solve, so that line is not blamed and its fix is made.
    files = {
        "New.md": "# Other\n",
        "t.md": "---\naliases: [Al]\n---\n# H\n",
        "a.md": "---\nrelated: [[t]]\n---\n[[Old#Why]]\n",
    }
    vault = replace(make_vault(files), renames={"Old.md": "New.md"})
    found = lint(vault)
    [quoted] = [item for item in found if item.code == "VK214"]
    [renamed] = [item for item in found if item.code == "VK101"]
    assert quoted.fix is not None
    alias = replace(quoted, fix=replace(quoted.fix, replacement='"[[Al]]"'))
    plan = plan_fixes(vault, [alias, renamed])
    assert [(skip.diagnostic.code, skip.diagnostic.line) for skip in plan.skipped] == [("VK214", 2)]
    assert [
        (change.diagnostic.line, change.after) for item in plan.files for change in item.changes
    ] == [(4, "New")]
