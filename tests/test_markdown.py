"""The body scanner: every "not a link" case of links.md, positions, and mistune agreement."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CORPORA, MakeVault, codes
from vaultkit.frontmatter import read_frontmatter
from vaultkit.markdown import reference_links, scan_body
from vaultkit.model import LinkKind
from vaultkit.read import decode
from vaultkit.vault import lint

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "scanner_cases.yaml").read_text(encoding="utf-8")
)


def _input(case: dict[str, Any]) -> str:
    if "generate" in case:
        return "[" * 100_000 + "[[yes]]"
    return str(case["input"])


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_scanner_case(case: dict[str, Any]) -> None:
    body = scan_body(_input(case))
    found = [[link.kind.value, link.text, link.line, link.column] for link in body.links]
    assert found == case["links"]


def test_link_parts() -> None:
    (link,) = scan_body("[[ Concepts/AI-Model #Types#LLM | the model ]]").links
    assert (link.target, link.subpath, link.display) == (
        "Concepts/AI-Model",
        "Types#LLM",
        "the model",
    )
    (block,) = scan_body("[[Log-2024#^mm-llm]]").links
    assert (block.target, block.subpath) == ("Log-2024", "^mm-llm")
    (same,) = scan_body("[[#Types]]").links
    assert (same.target, same.subpath) == ("", "Types")


def test_markdown_link_target_is_decoded() -> None:
    (link,) = scan_body("[u](../LLM.md#Base%20models)").links
    assert (link.kind, link.target, link.subpath) == (LinkKind.MARKDOWN, "../LLM.md", "Base models")


def test_first_line_offsets_positions() -> None:
    (link,) = scan_body("\n[[x]]", first_line=5).links
    assert (link.line, link.column) == (6, 1)


def test_headings_atx_setext_and_not_in_code() -> None:
    body = scan_body("# One #\n\nTwo\n===\n\n```\n# not\n```\nThree\n---\n#nospace\n### Q & A")
    assert [(h.level, h.text, h.line) for h in body.headings] == [
        (1, "One", 1),
        (1, "Two", 3),
        (2, "Three", 9),
        (3, "Q & A", 12),
    ]
    assert body.headings[-1].key == "q a"


def test_thematic_break_after_blank_line_is_no_heading() -> None:
    assert scan_body("para\n\n---\n").headings == ()


def test_block_ids() -> None:
    body = scan_body(
        "A paragraph ^para-1\n\n- item ^Item2\n- other\n\n> quote\n\n^after\n\nmid ^no\ncontinues"
    )
    assert [(b.id, b.line) for b in body.blocks] == [("para-1", 1), ("item2", 3), ("after", 8)]


def test_tags() -> None:
    body = scan_body("#tag and #nested/tag, not #123, not `#code`, not [[N#Heading]]\n# Heading")
    assert body.tags == ("tag", "nested/tag")


def test_suppression_comments() -> None:
    body = scan_body(
        "%% vaultkit-disable-next-line VK101 %%\n[[x]]\n[[y]] <!-- vaultkit-disable-line -->\n"
        "%% vaultkit-disable VK201 orphan-note %%\na\n%% vaultkit-enable VK201 orphan-note %%"
    )
    spans = sorted((s.first, s.last, tuple(sorted(s.codes))) for s in body.suppressions)
    assert spans == [(2, 2, ("VK101",)), (3, 3, ()), (4, 6, ("VK201", "orphan-note"))]


def test_inline_comment_hides_no_tag_and_still_carries_a_suppression() -> None:
    body = scan_body("- [ ] task %% #later [[x]] vaultkit-disable-line VK101 %%\n\n%% #hidden %%")
    assert body.tags == ("later",)
    assert [(s.first, s.last, tuple(s.codes)) for s in body.suppressions] == [(1, 1, ("VK101",))]


def _bodies(root: Path) -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(root.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        text = decode(path.read_bytes())
        if isinstance(text, str):
            front = read_frontmatter(text)
            found.append((str(path.relative_to(root)), front.body_line, front.body))
    return found


def _ours(body: str, first_line: int) -> list[tuple[str, str]]:
    kinds = {LinkKind.FIELD: "wikilink"}
    return [
        (kinds.get(link.kind, link.kind.value), link.target)
        for link in scan_body(body, first_line).links
    ]


@pytest.mark.parametrize("name", ["obsidian-tasks-docs", "kepano-obsidian", "knowledge-garden"])
def test_scanner_agrees_with_mistune_on_corpus(name: str) -> None:
    root = CORPORA / name
    if not root.is_dir():
        pytest.fail(f"corpus {name} missing at {root}")
    differ = [
        path
        for path, first_line, body in _bodies(root)
        if _ours(body, first_line) != reference_links(body)
    ]
    assert differ == []


def test_scanner_agrees_with_mistune_on_generated_vault(generated_vault: Path) -> None:
    bodies = _bodies(generated_vault)
    assert len(bodies) >= 300
    differ = [path for path, line, body in bodies if _ours(body, line) != reference_links(body)]
    assert differ == []


def test_reference_parser_sees_what_it_should() -> None:
    # The reference must itself hide code and comments, or the agreement above proves nothing;
    # an inline %% comment hides nothing (links.md), a block one does.
    body = "`[[a]]` %% [[b]] %% [[c]]\n\n%%\n[[x]]\n\n[[y]]\n%%\n\n```\n[[d]]\n```\n[e](f.md)"
    assert reference_links(body) == [("wikilink", "b"), ("wikilink", "c"), ("markdown", "f.md")]


def _budget_table(rows: int) -> str:
    lines = ["| date | item | amount | balance |", "|---|---|---|---|"]
    lines += [
        f"| 2024-03-{row % 28 + 1:02} | {row} | ${row % 90 + 10}.50 | ${row * 7 % 900}.25 |"
        for row in range(rows)
    ]
    return "\n".join(lines) + "\n\nSee [[Budget summary]] and [the plan](plan.md).\n"


# Ordinary text that costs a naive scanner quadratic time (bad-inputs.md): each must scan in
# well under a second and give the links mistune's full parse gives.
QUADRATIC_SHAPES = {
    "4,000-row table of dollar amounts": _budget_table(4000),
    "runs of $a": "$a " * 8000 + "[[yes]]",
    "runs of [x](": "[x](" * 8000 + " [[yes]] [t](b.md)",
    "runs of (a::": "(a:: " * 8000 + "\n[[yes]]",
    "runs of [a::": "[a:: " * 8000 + "\n[[yes]]",
    "nested destinations closed at the end": "[x](" * 4000 + "a" + ")" * 4000 + " [[yes]]",
    "runs of [x](b (": "[x](b (" * 6000 + " [[yes]]",
    "backtick runs of every width": "".join("`" * width + " a " for width in range(1, 300))
    + "[[yes]]",
    "escaped backticks before runs": "\\```" * 10000 + " [[yes]]",
    "unclosed inline comments": "x %% [[a]]" * 4000,
    "a heading line of tags": "# Budget " + "#t " * 100_000 + "[[yes]]",
    "indented line of spaces": " " * 20_000 + "x`` [[yes]]",
}


@pytest.mark.parametrize("name", QUADRATIC_SHAPES)
def test_quadratic_shapes_scan_fast_and_agree_with_mistune(name: str) -> None:
    body = QUADRATIC_SHAPES[name]
    started = time.process_time()
    ours = _ours(body, 1)
    elapsed = time.process_time() - started
    assert ours == reference_links(body)
    assert elapsed < 0.5, f"{len(body)} characters took {elapsed:.2f} s"


def test_budget_table_note_lints_fast_and_keeps_its_links(make_vault: MakeVault) -> None:
    # bad-inputs.md: a 160 KB table of prices was skipped (VK005), and the note it links to
    # became a false orphan.
    files = {
        "Budget 2024.md": _budget_table(4000),
        "Budget summary.md": "[[Budget 2024]]",
        "plan.md": "[[Budget 2024]]",
    }
    assert len(files["Budget 2024.md"].encode()) > 160_000
    started = time.process_time()
    found = codes(lint(make_vault(files, parse_timeout=2.0)))
    elapsed = time.process_time() - started
    assert found == []
    assert elapsed < 1.0, f"lint took {elapsed:.2f} s"
