"""``vaultkit explain``: one link's resolution, step by step."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, MakeVault, write_files
from vaultkit.cli import main
from vaultkit.explain import explain, find_note, parse_link
from vaultkit.model import LinkKind, Status, VaultkitError
from vaultkit.vault import load_vault

FILES: dict[str, str | bytes] = {
    "Concepts/LLM.md": "# LLM\n## Types\n### Chat\ntext ^sum\n## Q & A\n",
    "Concepts/Index.md": "",
    "Areas/Index.md": "",
    "Zones/Index.md": "",
    "Projects/Index.md": "",
    "Projects/Sub/Note.md": "",
    "AI-Model.md": "---\naliases: [ИИ Модель]\n---\n",
    "Files/paper.pdf": "",
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "v"
    write_files(folder, FILES)
    return folder


def _run(root: Path, *args: str) -> int:
    return main(["explain", "--vault", str(root), *args])


def test_text_output(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(root, "[[LLM#Types#Chat|chat]]", "--from", "Projects/Sub/Note.md") == 0
    assert capsys.readouterr().out == (
        "[[LLM#Types#Chat|chat]]  (wikilink, from Projects/Sub/Note.md)\n"
        "  target   'LLM'\n"
        "  heading  'Types#Chat'\n"
        "  display  'chat'\n"
        "\n"
        "Steps, in Obsidian's order:\n"
        "  1. candidates: 1 file named 'LLM.md'\n"
        "  2. no folder in the link and one candidate: 'Concepts/LLM.md'\n"
        "\n"
        "Candidates:\n"
        "  -> Concepts/LLM.md  (winner)\n"
        "\n"
        "Heading: compared as 'types' > 'chat': found ## Types (line 2) > ### Chat (line 3)\n"
        "\n"
        "Result: resolved -> Concepts/LLM.md\n"
    )


def test_ambiguous_ranks_the_candidates(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(root, "[[Index]]", "--from", "LLM") == 0
    out = capsys.readouterr().out
    assert (
        "Candidates (ranked: under the note's folder first, then shortest, then a-z):\n"
        "  -> Concepts/Index.md  (winner, under Concepts/)\n"
        "     Areas/Index.md\n"
        "     Zones/Index.md\n"
        "     Projects/Index.md\n"
    ) in out
    assert "Result: resolved -> Concepts/Index.md" in out
    assert _run(root, "[[Index]]") == 0
    out = capsys.readouterr().out
    assert (
        "3. 4 files match 'Index' in the vault; 'Areas/Index.md' won as the alphabetically first"
        in out
    )
    assert "lint reports: VK104 ambiguous-link" in out


def test_status_and_exit_code(root: Path, make_vault: MakeVault) -> None:
    vault = load_vault(root)
    cases = {
        "[[ИИ Модель]]": (Status.ALIAS, "AI-Model.md", "VK105 alias-link"),
        "[[Nowhere]]": (Status.BROKEN, None, "VK101 broken-link"),
        "![[gone.png]]": (Status.BROKEN, None, "VK106 missing-attachment"),
        "up:: [[Nowhere]]": (Status.BROKEN, None, "VK301 broken-up-link"),
        "[[LLM#Nope]]": (Status.BROKEN_HEADING, "Concepts/LLM.md", "VK102 broken-heading"),
        "[[LLM#^gone]]": (Status.BROKEN_BLOCK, "Concepts/LLM.md", "VK103 broken-block"),
        "[[../../etc/passwd]]": (Status.OUTSIDE_VAULT, None, "VK107 link-outside-vault"),
        "[[|x]]": (Status.EMPTY, None, "VK108 empty-link"),
        "[t](../Concepts/LLM.md#Q%20%26%20A)": (Status.RESOLVED, "Concepts/LLM.md", None),
        "![[paper.pdf#page=3]]": (Status.RESOLVED, "Files/paper.pdf", None),
    }
    for text, expected in cases.items():
        item = explain(vault, parse_link(text), "Projects/Index.md")
        assert (item.edge.status, item.edge.resolved, item.rule) == expected, text
        assert item.resolves is (expected[0] is Status.RESOLVED), text
    strict = make_vault(dict(FILES), alias_links="obsidian")
    item = explain(strict, parse_link("[[ИИ Модель]]"), None)
    assert (item.edge.status, item.rule, item.resolves) == (
        Status.BROKEN,
        "VK101 broken-link",
        False,
    )


def test_subpath_details(root: Path) -> None:
    vault = load_vault(root)

    def detail(text: str) -> str:
        check = explain(vault, parse_link(text), "Concepts/LLM.md").subpath
        assert check is not None
        return check.detail

    assert detail("[[#^SUM]]") == "^sum found at line 4"
    assert detail("[[#^nope]]") == "^nope not found (the note's blocks: ^sum)"
    assert detail("[[#Q&A]]") == "compared as 'q a': found ## Q & A (line 5)"
    assert detail("[[LLM#Typs]]") == (
        "compared as 'typs': not found; the note's headings, closest first: "
        "'Types', 'Chat', 'LLM', 'Q & A'"
    )
    assert detail("[[paper.pdf#page=3]]") == "not checked: 'Files/paper.pdf' is not a note"
    assert detail("[[AI-Model#x]]") == "compared as 'x': not found; the note has no headings"


def test_same_note_link_needs_from(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(root, "[[#Types]]", "--from", "Concepts/LLM") == 0
    assert "1. no note named, only a heading or block" in capsys.readouterr().out
    assert _run(root, "[[#Types]]") == 2
    assert "give --from NOTE" in capsys.readouterr().err


def test_parse_link() -> None:
    assert parse_link("AI-Model#Types").text == "[[AI-Model#Types]]"
    assert parse_link(" ![[a|300]] ").kind is LinkKind.EMBED
    field = parse_link("up:: [[a]]")
    assert (field.kind, field.key) == (LinkKind.FIELD, "up")
    markdown = parse_link("[t](<My Note.md>)")
    assert (markdown.kind, markdown.target) == (LinkKind.MARKDOWN, "My Note.md")
    for text, message in (
        ("[site](https://example.com)", "external link"),
        ("[[a]] [[b]]", "holds 2 links"),
        ("[[a", "is not a link"),
        ("`[[a]]`", "is not a link"),
    ):
        with pytest.raises(VaultkitError, match=message):
            parse_link(text)


def test_find_note(root: Path, tmp_path: Path) -> None:
    vault = load_vault(root)
    assert find_note(vault, "Concepts/LLM.md", tmp_path) == "Concepts/LLM.md"
    assert find_note(vault, "concepts/llm", tmp_path) == "Concepts/LLM.md"
    assert find_note(vault, "LLM", tmp_path) == "Concepts/LLM.md"
    assert find_note(vault, "v/Projects/Sub/Note.md", tmp_path) == "Projects/Sub/Note.md"
    with pytest.raises(VaultkitError, match="names several notes"):
        find_note(vault, "Index", tmp_path)
    with pytest.raises(VaultkitError, match="no note 'Nowhere'"):
        find_note(vault, "Nowhere", tmp_path)


def test_json_output(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(root, "[[Nowhere]]", "--format", "json") == 1
    record = json.loads(capsys.readouterr().out)
    assert record == {
        "text": "[[Nowhere]]",
        "kind": "wikilink",
        "from": None,
        "target": "Nowhere",
        "subpath": None,
        "steps": [
            "1. candidates: no file is named 'Nowhere' or 'Nowhere.md'",
            "2. no candidate: broken",
        ],
        "candidates": [],
        "reason": "no file matches",
        "subpath_check": None,
        "status": "broken",
        "resolved": None,
        "opens": False,
        "obsidian_writes": None,
        "rule": "VK101 broken-link",
        "suggestions": [],
    }


def test_explain_agrees_with_the_vault_for_every_sample_link() -> None:
    vault = load_vault(SAMPLE)
    assert vault.edges
    for edge in vault.edges:
        item = explain(vault, edge.link, edge.source)
        assert (item.edge.status, item.edge.resolved) == (edge.status, edge.resolved), edge


def test_steps_are_numbered_from_one_and_name_no_spec(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for text in ("[[Index]]", "[[Nowhere]]", "[[../../x]]", "[[ИИ Модель]]", "[[Sub/Note]]"):
        _run(root, text, "--from", "Projects/Index.md")
        out = capsys.readouterr().out
        assert re.search(r"\b(links|rules|cli|spec)\.md\b|\bspec\b", out) is None, out
        steps = out.split("\n\n")[1].splitlines()[1:]
        assert [step.split(".")[0].strip() for step in steps] == [
            str(number) for number in range(1, len(steps) + 1)
        ], out


def test_an_alias_link_shows_what_obsidian_writes_and_fails(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(root, "[[ИИ Модель]]") == 1
    out = capsys.readouterr().out
    assert "[[AI-Model|ИИ Модель]]" in out
    assert "lint reports: VK105 alias-link" in out
    assert _run(root, "[[ИИ Модель|the model]]", "--format", "json") == 1
    record = json.loads(capsys.readouterr().out)
    assert (record["status"], record["opens"]) == ("alias", False)
    assert record["obsidian_writes"] == "[[AI-Model|the model]]"
    assert _run(root, "![[ИИ Модель]]", "--format", "json") == 1
    assert json.loads(capsys.readouterr().out)["obsidian_writes"] == "![[AI-Model]]"


def test_an_alias_link_fails_whatever_alias_links_says(tmp_path: Path) -> None:
    for setting in ("allow", "obsidian"):
        folder = tmp_path / setting
        write_files(folder, {**FILES, ".vaultkit.toml": f'alias-links = "{setting}"\n'})
        assert _run(folder, "[[ИИ Модель]]") == 1, setting


def test_a_broken_heading_lists_the_closest_headings_first(root: Path, tmp_path: Path) -> None:
    headings = "# Transformer\n## Self-attention in one paragraph\n## Building blocks\n"
    headings += "## Encoder and decoder\n## Beyond text\n"
    folder = tmp_path / "w"
    write_files(folder, {"Transformer.md": headings})
    vault = load_vault(folder)
    check = explain(vault, parse_link("[[Transformer#Attention is all you need]]"), None).subpath
    assert check is not None and check.found is False
    listed = check.detail.split(": ", 2)[2]
    assert listed.startswith("'Self-attention in one paragraph', ")
    check = explain(vault, parse_link("[[Transformer#decoders]]"), None).subpath
    assert check is not None
    assert check.detail.split(": ", 2)[2].startswith("'Encoder and decoder', ")
