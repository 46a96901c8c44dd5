"""Suggestions on broken links: close names, headings and block ids, and where they show."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import MakeVault, codes, write_files
from vaultkit.cli import main
from vaultkit.config import Config
from vaultkit.explain import explain, explain_json, parse_link
from vaultkit.incremental import IncrementalVault
from vaultkit.model import Diagnostic, finding_key
from vaultkit.suggest import _one_edit, may_change
from vaultkit.vault import lint, load_vault


def _found(make_vault: MakeVault, files: dict[str, str], code: str) -> list[Diagnostic]:
    return [item for item in lint(make_vault(files), ignore=["VK201"]) if item.code == code]


def _only(make_vault: MakeVault, files: dict[str, str], code: str) -> Diagnostic:
    (item,) = _found(make_vault, files, code)
    return item


def test_a_typo_gets_the_note_first(make_vault: MakeVault) -> None:
    files = {"a.md": "See [[Embedings]].", "Embeddings.md": "", "Embedded systems.md": ""}
    item = _only(make_vault, files, "VK101")
    assert item.suggestions == ("Embeddings",)


def test_an_unrelated_name_gets_none(make_vault: MakeVault) -> None:
    files = {"a.md": "See [[Quantum gravity]].", "Embeddings.md": "", "Cooking.md": ""}
    assert _only(make_vault, files, "VK101").suggestions == ()


def test_suggestions_change_no_finding_code_or_position(make_vault: MakeVault) -> None:
    files = {
        "a.md": "[[Embedings]] [[Nothing at all]]\n[[b#Introductoin]] [[b#^sumary]]",
        "Embeddings.md": "",
        "b.md": "# Introduction\n\ntext ^summary\n",
    }
    found = lint(make_vault(files), ignore=["VK201"])
    assert codes(found) == [
        ("a.md", 1, 1, "VK101"),
        ("a.md", 1, 15, "VK101"),
        ("a.md", 2, 1, "VK102"),
        ("a.md", 2, 20, "VK103"),
    ]
    assert [item.suggestions for item in found] == [
        ("Embeddings",),
        (),
        ("Introduction",),
        ("^summary",),
    ]


def test_same_name_in_another_folder_is_written_as_the_link_wrote_it(
    make_vault: MakeVault,
) -> None:
    files = {"a.md": "[[Old/Embeddings]]", "New/Embeddings.md": ""}
    assert _only(make_vault, files, "VK101").suggestions == ("New/Embeddings",)


def test_shortest_unambiguous_form_for_a_bare_link(make_vault: MakeVault) -> None:
    files = {"a.md": "[[Embedings]]", "x/Embeddings.md": "", "y/Embeddings.md": ""}
    assert _only(make_vault, files, "VK101").suggestions == ("x/Embeddings", "y/Embeddings")


def test_another_extension_is_suggested(make_vault: MakeVault) -> None:
    files = {"a.md": "[[Board]]", "Board.canvas": "{}"}
    assert _only(make_vault, files, "VK101").suggestions == ("Board.canvas",)


def test_case_and_separators_are_the_same_name(make_vault: MakeVault) -> None:
    files = {"a.md": "[[ai model]]", "AI-Model.md": ""}
    assert _only(make_vault, files, "VK101").suggestions == ("AI-Model",)


def test_an_alias_suggests_the_note_it_opens(make_vault: MakeVault) -> None:
    files = {"a.md": "[[Vector embeddingz]]", "E.md": "---\naliases: [Vector embeddings]\n---\n"}
    assert _only(make_vault, files, "VK101").suggestions == ("E|Vector embeddings",)


def test_at_most_three_best_first(make_vault: MakeVault) -> None:
    files = {
        "a.md": "[[Planet]]",
        "Planet.pdf": "",
        "Planes.md": "",
        "Plane.md": "",
        "Plant.md": "",
        "Planets.md": "",
    }
    found = _only(make_vault, files, "VK101").suggestions
    assert len(found) == 3
    assert found[0] == "Planet.pdf"


def test_numbers_are_not_typos(make_vault: MakeVault) -> None:
    files = {"a.md": "[[2022-12-04]] [[Chapter 3]]", "2022-12-05.md": "", "Chapter 4.md": ""}
    assert [item.suggestions for item in _found(make_vault, files, "VK101")] == [(), ()]


def test_markdown_link_suggestion_is_a_destination(make_vault: MakeVault) -> None:
    files = {"a.md": "[e](Vector%20embedings.md)", "Vector embeddings.md": ""}
    assert _only(make_vault, files, "VK101").suggestions == ("Vector%20embeddings.md",)


def test_broken_up_link_gets_suggestions(make_vault: MakeVault) -> None:
    files = {"a.md": '---\nup: "[[AI-Concepts]]"\n---\n', "AI-Concept.md": ""}
    assert _only(make_vault, files, "VK301").suggestions == ("AI-Concept",)


def test_heading_by_containment(make_vault: MakeVault) -> None:
    files = {
        "a.md": "[[b#attention]]",
        "b.md": "# Self-attention in one paragraph\n# Other\n# Cooking\n",
    }
    assert _only(make_vault, files, "VK102").suggestions == ("Self-attention in one paragraph",)


def test_unrelated_heading_gets_none(make_vault: MakeVault) -> None:
    files = {"a.md": "[[b#Quantum]]", "b.md": "# Cooking\n# Gardening\n"}
    assert _only(make_vault, files, "VK102").suggestions == ()


def test_block_written_without_its_space_is_named(make_vault: MakeVault) -> None:
    files = {"a.md": "[[b#^key]]", "b.md": "See [[a]]^key\n"}
    item = _only(make_vault, files, "VK103")
    assert "]]^key" in item.message


def test_the_engine_sees_a_block_written_without_its_space(tmp_path: Path) -> None:
    """The remark comes from the parse, so the engine follows the target note's edits."""
    write_files(tmp_path, {"a.md": "[[b#^key]]", "b.md": "See [[a]]\n"})
    engine = IncrementalVault(load_vault(tmp_path, Config(), use_cache=False))
    assert "]]^key" not in engine.findings("a.md")[0].message
    (tmp_path / "b.md").write_text("See [[a]]^key\n", encoding="utf-8")
    engine.update({"b.md"})
    (found,) = [item for item in engine.findings("a.md") if item.code == "VK103"]
    assert "]]^key" in found.message


def test_json_and_sarif_carry_suggestions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(
        tmp_path,
        {"a.md": "[[Embedings]] [[Plane]]", "Embeddings.md": "", "Planes.md": "", "Plans.md": ""},
    )
    main(["lint", "--vault", str(tmp_path), "--format", "json", "--no-cache", "-q"])
    records = {
        r["line"] * 100 + r["column"]: r
        for r in json.loads(capsys.readouterr().out)
        if r["code"] == "VK101"
    }
    assert records[101]["suggestions"] == ["Embeddings"]
    assert set(records[115]["suggestions"]) == {"Planes", "Plans"}
    main(["lint", "--vault", str(tmp_path), "--format", "sarif", "--no-cache", "-q"])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    by_column = {
        r["locations"][0]["physicalLocation"]["region"]["startColumn"]: r
        for r in results
        if r["ruleId"] == "VK101"
    }
    (fix,) = by_column[1]["fixes"]
    (change,) = fix["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement["insertedContent"]["text"] == "Embeddings"
    assert replacement["deletedRegion"] == {
        "startLine": 1,
        "startColumn": 3,
        "endLine": 1,
        "endColumn": 12,
    }
    assert "fixes" not in by_column[15]


def test_fix_never_applies_a_suggestion(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.md": "[[Embedings]]", "Embeddings.md": "[[a]]"})
    main(["lint", "--vault", str(tmp_path), "--fix", "--unsafe-fixes", "--no-cache", "-q"])
    assert (tmp_path / "a.md").read_text() == "[[Embedings]]"


def test_explain_shows_suggestions(make_vault: MakeVault) -> None:
    vault = make_vault({"Embeddings.md": ""})
    item = explain(vault, parse_link("[[Embedings]]"), None)
    assert json.loads(explain_json(item))["suggestions"] == ["Embeddings"]


def test_fast_on_many_names_and_broken_links(make_vault: MakeVault) -> None:
    names = [
        f"Topic {chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{i // 676} notes" for i in range(3000)
    ]
    files = {f"n/{name}.md": "" for name in names}
    files["a.md"] = " ".join(f"[[Gone {i} thing]] [[{names[i][:-1]}]]" for i in range(2000))
    vault = make_vault(files)
    started = time.perf_counter()
    found = lint(vault, select=["VK101"])
    elapsed = time.perf_counter() - started
    assert len(found) == 4000
    assert sum(1 for item in found if item.suggestions) == 2000
    assert elapsed < 2.0


@pytest.mark.parametrize(
    ("first", "second", "near"),
    [
        ("embeddings", "embedings", True),
        ("embeddings", "embeddnigs", True),
        ("embeddings", "embeddingz", True),
        ("embeddings", "xembeddings", True),
        ("abc", "bac", True),
        ("abc", "cab", False),
        ("embeddings", "embeddings", True),
        ("embeddings", "embxddinxs", False),
        ("embeddings", "embedingz", False),
        ("ab", "abcd", False),
    ],
)
def test_one_edit(first: str, second: str, near: bool) -> None:
    assert _one_edit(first, second) is near
    assert _one_edit(second, first) is near


def test_heading_sharing_a_word(make_vault: MakeVault) -> None:
    files = {
        "a.md": "[[b#Attention is all you need]]",
        "b.md": "# Self-attention in one paragraph\n# Encoder and decoder\n# Beyond text\n",
    }
    assert _only(make_vault, files, "VK102").suggestions == ("Self-attention in one paragraph",)


def test_short_names_one_letter_apart_are_not_suggested(make_vault: MakeVault) -> None:
    files = {"a.md": "[[vite]] [[sudo]]", "Kite.md": "", "Scudo.md": ""}
    assert [item.suggestions for item in _found(make_vault, files, "VK101")] == [(), ()]


def test_a_focused_view_still_suggests_every_note(make_vault: MakeVault) -> None:
    from vaultkit.incremental import _Focus
    from vaultkit.model import Status
    from vaultkit.suggest import name_suggester

    vault = make_vault({"a.md": "[[Embedings]]", "Embeddings.md": ""})
    view = _Focus(vault.notes, ["a.md"])
    (edge,) = vault.with_status(Status.BROKEN)
    assert name_suggester(vault.index, view).suggest(edge).names == ("Embeddings",)


def test_an_incremental_update_suggests_for_a_note_saved_with_a_typo(tmp_path: Path) -> None:
    from vaultkit.incremental import IncrementalVault

    write_files(tmp_path, {"a.md": "[[Embeddings]]", "Embeddings.md": "[[a]]"})
    engine = IncrementalVault.load(tmp_path)
    (tmp_path / "a.md").write_text("[[Embedings]]")
    engine.update({"a.md"})
    (item,) = [found for found in engine.findings("a.md") if found.code == "VK101"]
    assert item.suggestions == ("Embeddings",)


@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        ("embeddings.md", "Embedings", True),
        ("embeddings.md", "Concepts/Embeddings", True),
        ("slides.pdf", "Slides", True),
        ("vector embeddings", "Vector-embedding", True),
        ("chapter 4.md", "Chapter 3", True),
        ("zebra.md", "Embedings", False),
        ("embeddings and more.md", "Embedings", False),
    ],
)
def test_which_names_may_change_a_suggestion(name: str, target: str, expected: bool) -> None:
    assert may_change(name, target) is expected


def test_the_suggester_kept_by_the_engine_answers_as_one_built_anew(tmp_path: Path) -> None:
    """Names and aliases come and go; every broken link's suggestions stay as a full lint's."""
    write_files(
        tmp_path,
        {
            "a.md": "[[Embedings]] [[Plane]] [[Modle]] [[graph]] [[pic]] [[Rosa]]",
            "Embeddings.md": "",
            "Planes.md": "",
            "sub/Model.md": "---\naliases: [Rose]\n---\n",
        },
    )
    engine = IncrementalVault(load_vault(tmp_path, Config(), use_cache=False))
    steps = [
        ("Plans.md", ""),
        ("Embeddings.md", None),
        ("Graphs.md", "---\naliases: [Modl]\n---\n"),
        ("sub/Model.md", "---\naliases: [ROSE, Grapf]\n---\n"),
        ("pic.png", "png"),
        ("Planes.md", None),
        ("Graphs.md", None),
        ("sub/Model.md", "no aliases\n"),
        ("Embedding.md", "---\naliases: [Plane s]\n---\n"),
    ]
    seen = 0
    for path, text in steps:
        if text is None:
            (tmp_path / path).unlink()
        else:
            (tmp_path / path).write_text(text, encoding="utf-8")
        engine.update({path})
        fresh = lint(load_vault(tmp_path, Config(), use_cache=False))
        found = [finding_key(item) for item in engine.diagnostics()]
        assert found == [finding_key(item) for item in fresh], path
        seen += sum(bool(item.suggestions) for item in fresh)
    assert seen >= len(steps)  # the steps did move what is suggested
