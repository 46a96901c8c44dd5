"""The body scanner: every "not a link" case of links.md, positions, and mistune agreement."""

from __future__ import annotations

import time
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CORPORA, MakeVault, codes
from vaultkit.frontmatter import read_frontmatter
from vaultkit.markdown import reference_links, scan_body
from vaultkit.model import Link, LinkKind
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


def _bodies(root: Path) -> list[tuple[str, str, int, str]]:
    """Each note under ``root``: its path, its text, the line its body starts on, the body."""
    found = []
    for path in sorted(root.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        text = decode(path.read_bytes())
        if isinstance(text, str):
            front = read_frontmatter(text)
            found.append((str(path.relative_to(root)), text, front.body_line, front.body))
    return found


def _kind(link: Link) -> str:
    return "wikilink" if link.kind is LinkKind.FIELD else link.kind.value


# The first character of the Supplementary Private Use Area-A: it marks a note's first link.
_MARK = 0xF0000


def _target_span(link: Link) -> tuple[int, int]:
    """Where, in ``link.text``, the characters that make ``link.target`` are written.

    A wikilink's target is its text up to the first ``|`` (``\\|`` in tables) or ``#``; a
    markdown link's is its destination up to ``#``, as written (percent escapes and all).
    """
    text = link.text
    if link.kind is LinkKind.MARKDOWN:
        begin = (2 if link.embed else 1) + len(link.display or "") + 2
        while text[begin] in " \t\n":
            begin += 1
        if text[begin] == "<":
            begin += 1
            stops = "#>"
        else:
            stops = "# \t\n"
        end = begin
        while end < len(text) - 1 and text[end] not in stops:
            end += 1
        return begin, end
    begin = 3 if text.startswith("!") else 2
    inner = text[begin:-2]
    cut = min((inner.find(mark) % (len(inner) + 1) for mark in "|#"), default=len(inner))
    if inner[cut : cut + 1] == "|" and inner[cut - 1 : cut] == "\\":
        cut -= 1
    segment = inner[:cut]
    begin += len(segment) - len(segment.lstrip())
    return begin, begin + len(segment.strip())


def _opening(link: Link) -> int:
    """How many characters open the link: ``![`` for an image, else one (``[``, ``!``)."""
    return 2 if link.kind is LinkKind.MARKDOWN and link.embed else 1


def _disagreements(
    text: str, first_line: int, body: str, links: tuple[Link, ...] | None = None
) -> list[str]:
    """How the scanner and mistune's full parse read one note differently (none: the same).

    Both must find the same links (kind and target) in the same order, each at the same line
    and column. mistune's tokens carry no positions, so where it reads each link is found
    by marking the note:

    1. the scanner's line and column, and its end, must address exactly the link's own text
       in the note as read from disk; mistune must read that text alone as this link (an
       embed's text starts at its ``!``), and read it otherwise without its first character
       (``![`` for an image), so that no ``[`` further on opens the link (``[a [b](c)``);
    2. in each link's target, where the scanner says it is written, every letter and digit
       is replaced by a character of the Private Use Area that belongs to that link alone.
       Letters and digits take no part in the syntax around a target, and each is replaced
       by one character, so nothing else in the note changes or moves. mistune's parse of
       the marked note must give its n-th link a target marked by the n-th link alone: a
       copy of the link that mistune hides (in code, a comment, math or a destination)
       keeps its letters, and a link mistune reads elsewhere carries another mark or none.

    A wikilink starts right before its target (``[[``, ``![[``, after spaces), so where its
    target is fixes its line and column. A markdown link's ``[`` is the one mistune matches
    with the ``](`` before the marked destination, which step 1 shows is the scanner's when
    the link is read alone; what cannot be seen without positions from mistune is a ``[``
    that the note's text before the link would make mistune pass over for an earlier one
    (a code span that opens before the link and closes inside its text). A target without
    letters or digits (``[[#Heading]]``, ``[x](#h)``, ``[[...]]``) cannot be marked, and for
    it step 1 and the plain comparison are all there is.
    """
    if links is None:
        links = scan_body(body, first_line).links
    ours = [(_kind(link), link.target) for link in links]
    if ours != reference_links(body):
        return ["mistune finds other links"]
    line_starts = list(accumulate((len(line) + 1 for line in text.split("\n")), initial=0))
    body_start = line_starts[first_line - 1]
    assert text[body_start:] == body
    problems = []
    starts = []
    for number, link in enumerate(links):
        start = line_starts[link.line - 1] + link.column - 1
        end = line_starts[link.end_line - 1] + link.end_column - 1
        starts.append(start - body_start)
        if text[start:end] != link.text:
            problems.append(
                f"{link.line}:{link.column}-{link.end_line}:{link.end_column} "
                f"holds {text[start:end]!r}, not {link.text!r}"
            )
        elif reference_links(link.text)[:1] != [ours[number]]:
            problems.append(f"{link.line}:{link.column} {link.text!r} alone is another link")
        elif reference_links(link.text[_opening(link) :]) == reference_links(link.text):
            problems.append(f"{link.line}:{link.column} {link.text!r} is opened further on")
    if problems:
        return problems
    marked = list(body)
    for number, (link, start) in enumerate(zip(links, starts, strict=True)):
        begin, stop = _target_span(link)
        for index in range(start + begin, start + stop):
            if marked[index].isalnum():
                marked[index] = chr(_MARK + number)
    theirs = reference_links("".join(marked))
    if len(theirs) != len(links):
        return ["mistune reads the marked note's links differently"]
    for number, (link, (kind, target)) in enumerate(zip(links, theirs, strict=True)):
        marks = {char for char in target if _MARK <= ord(char) < _MARK + len(links)}
        begin, stop = _target_span(link)
        unmarked = not any(char.isalnum() for char in link.text[begin:stop])
        if kind != ours[number][0] or marks != (set() if unmarked else {chr(_MARK + number)}):
            problems.append(
                f"{link.line}:{link.column} {link.text!r} is not where mistune reads it"
            )
    return problems


@pytest.mark.parametrize("name", ["obsidian-tasks-docs", "kepano-obsidian", "knowledge-garden"])
def test_scanner_agrees_with_mistune_on_corpus(name: str) -> None:
    root = CORPORA / name
    if not root.is_dir():
        pytest.fail(f"corpus {name} missing at {root}")
    differ = {
        path: problems
        for path, text, first_line, body in _bodies(root)
        if (problems := _disagreements(text, first_line, body))
    }
    assert differ == {}


def test_scanner_agrees_with_mistune_on_generated_vault(generated_vault: Path) -> None:
    bodies = _bodies(generated_vault)
    assert len(bodies) >= 300
    differ = {
        path: problems
        for path, text, first_line, body in bodies
        if (problems := _disagreements(text, first_line, body))
    }
    assert differ == {}


def test_position_check_sees_a_link_put_where_mistune_reads_none() -> None:
    # Each claim below names the right link, in the right order, at a place that holds its
    # text: only where mistune reads the links tells the copies in a code span or in a
    # destination from the links themselves.
    body = "`[[a]]` [[a]]\n\n[t](`x`) `[t](x)` [t](x)\n\n[u]([v](y)) [v](y)"
    links = scan_body(body).links
    assert _disagreements(body, 1, body, links) == []
    wrong = (
        links[0]._replace(column=2, end_column=7),
        links[1],
        links[2]._replace(column=11, end_column=17),
        links[3],
        links[4]._replace(column=5, end_column=11),
    )
    assert _disagreements(body, 1, body, wrong) == [
        "1:2 '[[a]]' is not where mistune reads it",
        "3:11 '[t](x)' is not where mistune reads it",
        "5:5 '[v](y)' is not where mistune reads it",
    ]
    shifted = (links[0]._replace(column=8, end_column=13), *links[1:])
    assert _disagreements(body, 1, body, shifted)[0] == "1:8-1:13 holds ' [[a]', not '[[a]]'"
    embed = "![[a]]"
    (link,) = scan_body(embed).links
    short = link._replace(text="[[a]]", column=2)
    assert _disagreements(embed, 1, embed, (short,)) == ["1:2 '[[a]]' alone is another link"]
    early = "[a [b](c)"
    (link,) = scan_body(early).links
    wide = link._replace(text=early, column=1)
    assert _disagreements(early, 1, early, (wide,)) == ["1:1 '[a [b](c)' is opened further on"]


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
    scan_body(body)
    elapsed = time.process_time() - started
    assert _disagreements(body, 1, body) == []
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


CODE_BLOCK_SHAPES = {
    "indented code right after a heading": "# H\n    [[gone1]]\n\n[[kept]]\n",
    "a fence indented four spaces does not close": (
        "```\n[[a]]\n    ```\n[[gone2]]\n```\n[[kept]]\n"
    ),
    "a fence indented three spaces closes": "```\n[[a]]\n   ```\n[[kept]]\n",
    "indented code in a list item, after a blank line": "- item\n\n        [[a]]\n\n[[kept]]\n",
    "a list item's paragraph after a blank line": "- item\n\n  [[kept]]\n",
    "a list item's lazy line": "- item\n    [[kept]]\n",
    "a paragraph's lazy line is no code": "text\n    [[kept]]\n",
    "indented code after a paragraph and a blank line": "text\n\n    [[a]]\n",
    "indented code after a thematic break": "***\n    [[a]]\n",
    "a fence inside a list item": "- a\n  ```\n  [[a]]\n  ```\n  [[kept]]\n",
}


@pytest.mark.parametrize("name", CODE_BLOCK_SHAPES)
def test_code_blocks_hide_links_as_mistune_reads_them(name: str) -> None:
    """Indented and fenced code as CommonMark opens and closes them (links.md: no link in
    code). Each case has a link outside the code, so that a scanner reading none fails too."""
    body = CODE_BLOCK_SHAPES[name]
    assert _disagreements(body, 1, body) == []
    assert [link.target for link in scan_body(body).links] == (
        ["kept"] if "[[kept]]" in body else []
    )


NESTED_LINKS = {
    "a link in a link's text: the inner one": "[x [t](a.md)](b.md)",
    "three deep: the innermost": "[x [y [t](a.md)](b.md)](c.md)",
    "a link in an image's description: both": "![x [t](a.md)](b.md)",
    "an image in a link's text: both": "[![i](x.png)](b.md)",
    "side by side: both": "[a](b.md) [c](d.md)",
}


@pytest.mark.parametrize("name", NESTED_LINKS)
def test_links_do_not_nest_as_mistune_reads_them(name: str) -> None:
    body = NESTED_LINKS[name]
    assert _disagreements(body, 1, body) == []
