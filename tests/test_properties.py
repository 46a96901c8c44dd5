"""Property tests: random bytes, frontmatter and markdown never raise; positions stay inside."""

from __future__ import annotations

import time
import urllib.parse

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.frontmatter import read_frontmatter
from vaultkit.markdown import reference_links, scan_body
from vaultkit.markdown import unquote as markdown_unquote
from vaultkit.model import LinkKind, Note
from vaultkit.parse import parse_note
from vaultkit.read import decode

SETTINGS = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
MARKDOWN_ALPHABET = st.sampled_from(
    [
        *"[]()!#^|\\`%$<>-*_:~= \t\nab",
        "[[",
        "]]",
        "```",
        "%%",
        "<!--",
        "-->",
        "$$",
        "::",
        "ИИ",
        "🙂",
        "\r\n",
    ]
)
markdown = st.lists(MARKDOWN_ALPHABET, max_size=200).map("".join)
yaml_alphabet = st.sampled_from(
    [*"abc:- []{}\"'&*!|>#,?\n\t", "[[X]]", "aliases", "up", "tags", "alias", "---", "!!str"]
)
frontmatter = st.lists(yaml_alphabet, max_size=80).map(
    lambda parts: "---\n" + "".join(parts) + "\n---\n[[x]]"
)


def _check_positions(text: str, note: Note) -> None:
    lines = text.split("\n")
    for link in note.links:
        assert 1 <= link.line <= len(lines)
        assert 1 <= link.column <= len(lines[link.line - 1])
        assert link.end_line >= link.line
    for heading in note.headings:
        assert 1 <= heading.line <= len(lines)
    for problem in note.problems:
        assert 1 <= problem.line <= len(lines) + 1


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    text = decode(data)
    if isinstance(text, str):
        _check_positions(text, parse_note("a.md", text, timeout=5))


@SETTINGS
@given(markdown)
def test_random_markdown(text: str) -> None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    note = parse_note("a.md", text, timeout=5)
    _check_positions(text, note)
    for link in note.links:
        line = text.split("\n")[link.line - 1]
        start = link.column - 1
        assert line[start : start + len(link.text)] == link.text or link.kind.value == "markdown"


@SETTINGS
@given(frontmatter)
def test_random_frontmatter(text: str) -> None:
    front = read_frontmatter(text)
    assert front.body_line >= 1
    _check_positions(text, parse_note("a.md", text, timeout=5))


# Ordinary text that costs a naive scanner quadratic time (bad-inputs.md), repeated up to a
# few hundred KB, two shapes after each other, then links: each example must scan in well
# under a second of CPU (not wall time: other processes share the machine) and find what
# mistune's full parse finds.
QUADRATIC_UNITS = [
    "| 2024-03-01 | rent | $12.50 | $1,204.25 |\n",
    "$a ",
    "$12.50 ",
    "[x](",
    "[x](b (",
    "[x](<a",
    "(a:: ",
    "[a:: ",
    "x %% ",
    "`` ` ",
    "\\```",
    "a)",
]
TAILS = ["", " [[yes]]", "\n[[yes]] [t](b.md)", "\n\n[t](b.md) $x$ [[yes]]", " %% [[yes]] %%"]
quadratic = st.tuples(
    st.sampled_from(QUADRATIC_UNITS),
    st.integers(1, 8000),
    st.sampled_from(QUADRATIC_UNITS),
    st.integers(0, 8000),
    st.sampled_from(TAILS),
).map(lambda parts: parts[0] * parts[1] + parts[2] * parts[3] + parts[4])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(quadratic)
def test_quadratic_shapes_scan_fast_and_agree_with_mistune(text: str) -> None:
    started = time.process_time()
    body = scan_body(text)
    elapsed = time.process_time() - started
    assert elapsed < 0.5, f"{len(text)} characters took {elapsed:.2f} s"
    kinds = {LinkKind.FIELD: "wikilink"}
    ours = [(kinds.get(link.kind, link.kind.value), link.target) for link in body.links]
    assert ours == reference_links(text)


percent_text = st.lists(
    st.sampled_from(["%", "%2", "%20", "%C3", "%A9", "%c3%a9", "%FF", "%zz", "a", "é", " ", "%%"]),
    max_size=30,
).map("".join)


@SETTINGS
@given(percent_text)
def test_unquote_is_the_standard_one(text: str) -> None:
    assert markdown_unquote(text) == urllib.parse.unquote(text)
