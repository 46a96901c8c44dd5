"""The scanner on inputs that tell its branches apart (``make mutants`` found them untested).

Where mistune's full parse is the reference, a body is also checked with ``_disagreements``,
the check the corpus tests use: the same links, in order, where mistune reads them.
"""

from __future__ import annotations

import pytest

from tests.test_markdown import _disagreements
from vaultkit.markdown import scan_body
from vaultkit.model import LinkKind

# body → the targets of the markdown links in it
DESTINATIONS = {
    "an empty title": ('[t](a "")', ["a"]),
    "an escaped quote inside a title": ('[t](a "x\\"y")', ["a"]),
    "a title in parentheses": ("[t](a (title))", ["a"]),
    "a title in parentheses holding an opening one": ("[t](a (x()", []),
    "a title that never closes": ('a) [t](u "unclosed', []),
    "a title in parentheses that never closes": ("a) [t](u (x(", []),
    "a title across a blank line": ('[t](a "x\n\n)', []),
    "a space, then a destination starting with X": ("[t]( Xa.md)", ["Xa.md"]),
    "a destination on the next line": ("[t](\na.md)", ["a.md"]),
    "a destination on the next line, starting with X": ("[t](\nXa.md)", ["Xa.md"]),
    "a destination on the next line, indented": ("[t](\n   a.md)", ["a.md"]),
    "spaces up to the end": ("[t](  ", []),
    "a destination in angle brackets holding a space": ("[t](<a b.md>)", ["a b.md"]),
    "a space, then a destination in angle brackets": ("[t]( <a>)", ["a"]),
    "a line break inside angle brackets": ("[t](<a\nb>)", []),
    "angle brackets never closed": ("[t](<a", []),
    "a backslash ending the note inside angle brackets": ("[t](<a\\", []),
    "a control character in a destination": ("[t](a\x01b)", []),
    "a delete character in a destination": ("[t](a\x7fb)", []),
    "parentheses nested 20 deep": (
        "[t](" + "(" * 20 + "a" + ")" * 20 + ")",
        ["(" * 20 + "a" + ")" * 20],
    ),
    "parentheses nested 21 deep": ("[t](" + "(" * 21 + "a" + ")" * 21 + ")", []),
    "balanced parentheses": ("[t](a(b)c)", ["a(b)c"]),
    "unbalanced parentheses": ("[t](a(b)", []),
    "a quote with no space before it": ('[t](a"t")', ['a"t"']),
    "a space before the closing parenthesis": ("[t](a )", ["a"]),
    "a title on the next line, then a space": ("[t](a\n  'x' )", ["a"]),
    "a backslash before a letter": ("[t](a\\b)", ["a\\b"]),
    "two words": ("[t](a b)", []),
    "a backslash ending the note": ("[t](a\\", []),
    "empty angle brackets": ("[t](<>)", [""]),
    "nothing": ("[t]()", [""]),
    "a title right after angle brackets": ('[t](<a>"t")', []),
    "a line break up to the end": ("[t](\n", []),
    "a line break and spaces up to the end": ("[t](\n  ", []),
}


@pytest.mark.parametrize("name", DESTINATIONS)
def test_link_destinations_and_titles_read_as_mistune_reads_them(name: str) -> None:
    body, targets = DESTINATIONS[name]
    links = scan_body(body).links
    assert [link.target for link in links if link.kind is LinkKind.MARKDOWN] == targets
    assert _disagreements(body, 1, body) == []


@pytest.mark.parametrize(
    ("body", "end"),
    [
        ("[t](a\\)b.md) x", 13),
        ("[t](a\\)) x", 9),
        ("[t](<a\\>b.md>) x", 15),
        ("[t](a\\(b) x", 10),
        ("[t](<a\\b>) x", 11),
    ],
)
def test_an_escaped_bracket_or_parenthesis_does_not_end_a_destination(body: str, end: int) -> None:
    (link,) = scan_body(body).links
    assert (link.kind, link.column, link.end_line, link.end_column) == (
        LinkKind.MARKDOWN,
        1,
        1,
        end,
    )


def test_inline_math_closes_only_at_an_unescaped_dollar() -> None:
    hidden = "$X [[a]]$ b"
    assert scan_body(hidden).links == ()
    assert _disagreements(hidden, 1, hidden) == []
    # `\$` is a dollar sign, not the end of the math: nothing is math, the link is read.
    # (mistune's math plugin closes at it, so it is no reference here.)
    (link,) = scan_body("$a [[x]] b\\$ c").links
    assert (link.target, link.column) == ("x", 4)


@pytest.mark.parametrize(
    ("body", "targets"),
    [
        ("$a [[x]] b$", []),
        ("$a [[x]] 5$ b", []),
        ("$a [[x]] b$ 1", []),
        ("$a [[x]] b$1", ["x"]),
    ],
)
def test_inline_math_closes_at_a_dollar_not_followed_by_a_digit(
    body: str, targets: list[str]
) -> None:
    # `$5 and $6`: a dollar before a digit is a price, and cannot close math.
    assert [link.target for link in scan_body(body).links] == targets
    assert _disagreements(body, 1, body) == []


@pytest.mark.parametrize(
    ("body", "kinds"),
    [
        ("a:: [[y]]\n[[x]]", [(LinkKind.FIELD, "a"), (LinkKind.WIKILINK, None)]),
        ("a:: b\n[[x]]", [(LinkKind.WIKILINK, None)]),
        ("[a:: [[y]]] [[x]]", [(LinkKind.FIELD, "a"), (LinkKind.WIKILINK, None)]),
        ("[[x]] (a:: [[y]])", [(LinkKind.WIKILINK, None), (LinkKind.FIELD, "a")]),
    ],
)
def test_a_field_s_key_goes_only_to_the_links_in_its_value(
    body: str, kinds: list[tuple[LinkKind, str | None]]
) -> None:
    assert [(link.kind, link.key) for link in scan_body(body).links] == kinds


@pytest.mark.parametrize("body", ["- item\n---\n", "  > quote\n===\n", "> quote\n===\n"])
def test_an_underline_after_a_list_item_or_a_quote_makes_no_heading(body: str) -> None:
    assert scan_body(body).headings == ()


@pytest.mark.parametrize(
    ("body", "targets"),
    [
        ("   [[x]]", ["x"]),
        ("  [[x]]", ["x"]),
        ("\t[[x]]", []),
        (" \t[[x]]", []),
        ("  \t[[x]]", []),
    ],
)
def test_four_columns_of_indent_make_code_a_tab_counting_to_the_next_stop(
    body: str, targets: list[str]
) -> None:
    assert [link.target for link in scan_body(body).links] == targets
    assert _disagreements(body, 1, body) == []


def test_percent_escaped_bytes_that_are_not_utf8_decode_to_the_replacement_character() -> None:
    body = "[t](a%FFb.md) [u](a%C3%A9.md)"
    assert [link.target for link in scan_body(body).links] == ["a\ufffdb.md", "a\u00e9.md"]
    assert _disagreements(body, 1, body) == []


@pytest.mark.parametrize(
    ("body", "targets"),
    [
        ("\\[[x]] \\", []),
        ("\\[[x]] [[y]]", ["y"]),
        ("\\\\[[x]]", ["x"]),
        ("x `[[a]]`", []),
    ],
)
def test_backslashes_are_counted_back_to_the_start_and_a_code_span_may_end_the_note(
    body: str, targets: list[str]
) -> None:
    # One backslash escapes the link even when the note also ends in one; two escape each
    # other. A code span whose closing backticks are the note's last characters hides.
    assert [link.target for link in scan_body(body).links] == targets
    assert _disagreements(body, 1, body) == []


def test_spaces_around_the_hashes_of_a_heading_path_are_dropped() -> None:
    (link,) = scan_body("[[N#A # B]]").links
    assert (link.target, link.subpath) == ("N", "A#B")


def test_the_parts_of_a_wikilink_embed_display_heading_and_an_escaped_table_pipe() -> None:
    body = "![[img.png|300]] [[a#b|c]] [[a]]\n\n| [[a\\|b]] |"
    parts = [
        (link.kind, link.target, link.subpath, link.display, link.embed, link.unquoted)
        for link in scan_body(body).links
    ]
    assert parts == [
        (LinkKind.EMBED, "img.png", None, "300", True, False),
        (LinkKind.WIKILINK, "a", "b", "c", False, False),
        (LinkKind.WIKILINK, "a", None, None, False, False),
        (LinkKind.WIKILINK, "a", None, "b", False, False),
    ]


@pytest.mark.parametrize(
    ("body", "targets"),
    [("`a`[[x]]", ["x"]), ("](a) [t](b.md)", ["b.md"])],
)
def test_a_link_just_after_a_code_span_or_after_a_stray_bracket_is_read(
    body: str, targets: list[str]
) -> None:
    assert [link.target for link in scan_body(body).links] == targets
    assert _disagreements(body, 1, body) == []


def test_a_tag_follows_a_space_or_an_opening_mark_and_is_never_inside_a_link() -> None:
    assert scan_body("[[a #b]] (#c) [#d] x,#e ;#f g#h #i").tags == ("c", "d", "e", "f", "i")


def test_block_ids_are_placed_on_their_caret_and_one_glued_to_a_link_is_told_apart() -> None:
    body = scan_body("text ^b1\n\n[[Model]]^blk\n")
    assert [(block.id, block.line, block.column) for block in body.blocks] == [("b1", 1, 6)]
    assert body.unspaced_blocks == ("blk",)


# Block structure: fences (indented, in lists and quotes, with info strings, unclosed), indented
# code (after a blank line, in lists, continuing a paragraph), setext underlines, block comments,
# code spans and math across lines. Each body's links are the ones mistune reads.
BLOCKS = [
    "para\n    ```\n[[a]]\n```\n[[b]]",
    "a\n# H\n[[x]]\n",
    "para\n# H\n\n    [[x]]",
    "   ```\n[[a]]\n```\n[[b]]",
    "    ```\n[[a]]\n```\n[[b]]",
    "- x\n\n    ```\n    [[a]]\n    ```\n[[b]]",
    "- x\n  ```\n  [[a]]\n  ```\n[[b]]",
    "```js`x\n[[a]]\n```\n[[b]]",
    "~~~js`x\n[[a]]\n~~~\n[[b]]",
    "````\n```\n[[a]]\n````\n[[b]]",
    "> ```\n> [[a]]\n> ```\n[[b]]",
    "```\n[[a]]",
    "~~~\n[[a]]\n```\n[[b]]\n~~~\n[[c]]",
    "para\n```\n[[a]]\n```\n[[b]]",
    "para\n    [[a]]",
    "\n    [[a]]\n[[b]]",
    "    [[a]]\n    [[b]]\n\n[[c]]",
    "- item\n\n    [[a]]",
    "1. item\n\n   [[a]]",
    "> quote\n    [[a]]",
    "para\n\n\t[[a]]",
    "    code\n[[a]]",
    "    code\n\n    [[a]]",
    "    code\n  \n    [[a]]",
    "- a\n\n[[x]]\n\n    [[y]]",
    "- a\n\n  b\n\n    [[y]]",
    "- a\n- b\n\n    [[y]]",
    "* a\n\n  [[x]]",
    "+ a\n\n [[x]]",
    "1) a\n\n    [[x]]",
    "a\n---\n[[x]]",
    "a\nb\n===\n[[x]]",
    "- a\n---\n[[x]]",
    "> a\n---\n[[x]]",
    "a\n\n---\n[[x]]",
    "%%\n[[a]]\n%%\n[[b]]",
    "para\n%%\n[[a]]\n%%\n[[b]]",
    "- x\n  %%\n  [[a]]\n  %%\n[[b]]",
    "> %%\n> [[a]]\n> %%\n[[b]]",
    "<!--\n[[a]]\n-->\n[[b]]",
    "# H `[[a]]` [[b]]",
    "## [[a]] ##",
    "#[[a]]",
    "a `b\nc [[x]]` d",
    "a `b\n\nc [[x]]` d",
    "$a\n\n[[x]] b$",
    "$$\n[[x]]\n$$\n[[y]]",
    "para $$ [[x]]",
    "- $a\n- [[x]] b$",
    "> a `b\n> [[x]]` c",
    "| a | `[[x]]` |\n|---|---|\n| [[y]] | b |",
    "text\n\n\n[[x]]",
    " [[x]]\n  [[y]]\n   [[z]]",
    "- a\n\n\n    [[x]]",
    "- a\n    [[x]]",
    "  - a\n\n      [[x]]",
    "-\n  [[x]]",
    "```\n[[a]]\n   ```\n[[b]]",
    "```\n[[a]]\n``` x\n[[b]]\n```",
    "~~~~\n[[a]]\n~~~\n[[b]]\n~~~~\n[[c]]",
    "> - a\n>\n>     [[x]]",
    ">\tx\n[[y]]",
]


@pytest.mark.parametrize("body", BLOCKS)
def test_block_structure_hides_and_shows_links_where_mistune_does(body: str) -> None:
    assert _disagreements(body, 1, body) == []


# Inline regions and destinations at their edges: escaped code spans and math, runs of dollars,
# comments that close or never do, spans across a blank line, a destination ending the note.
INLINE = [
    "\\`[[x]]`",
    "\\\\`[[x]]`",
    "$$a$$ [[x]]",
    "$$[[x]]$$ [[y]]",
    "$$\n[[x]]",
    "a $$ b [[x]]",
    "%% [[a]] %% [[b]]",
    "x %%[[a]]%% y",
    "<!-- [[a]]",
    "`a` `` [[x]] `` [[y]]",
    "``[[x]]`",
    "\\$a [[x]] b$",
    "$a$[[x]]",
    "`[[a]]` `[[b]]` [[c]]",
    "x `` ` [[a]] ` `` [[b]]",
    "$$ [[a]] $ [[b]] $$ [[c]]",
    "%%x%%[[a]]",
    "```x``` [[a]]",
    "a\\%% [[x]] %%",
    "$$$ [[a]] $$$",
    "$$a$$$[[b]]",
    "`` [[a]] ``` [[b]] ``",
    "%%%% [[a]]",
    "$$ [[a]]",
    "\\\\\\[[x]]",
    "[t](a  ",
    "[t](a",
    "[t](a Xb)",
    "[t](a\\)",
    "x $a$ [[y]] $b$",
    "`a\n\n[[x]]`",
    "$a\n\n[[x]] b$",
    "<!-- a\n\n[[x]] -->",
    "%% a\n\n[[x]] %%",
]


@pytest.mark.parametrize("body", INLINE)
def test_code_math_and_comments_hide_links_up_to_their_edges_as_mistune_reads_them(
    body: str,
) -> None:
    assert _disagreements(body, 1, body) == []


@pytest.mark.parametrize(
    ("body", "spans"),
    [
        (
            "%% vaultkit-disable VK101,VK102 %%\na\n%% vaultkit-enable VK101,VK102 %%\n"
            "%% vaultkit-disable %%\nb\n%% vaultkit-enable %%\n"
            "%% vaultkit-disable VK301 %%\nc\nd\n",
            [(1, 3, ("VK101", "VK102")), (4, 6, ()), (7, 10, ("VK301",))],
        ),
        (
            "%% vaultkit-enable VK1 %%\n%% vaultkit-disable VK2 %%\nx\n"
            "%% vaultkit-disable VK3 %%\n%% vaultkit-enable %%\ny",
            [(2, 5, ("VK2",)), (4, 5, ("VK3",))],
        ),
    ],
)
def test_a_disabled_range_runs_to_its_enable_or_to_the_end_and_enable_alone_ends_them_all(
    body: str, spans: list[tuple[int, int, tuple[str, ...]]]
) -> None:
    found = sorted((s.first, s.last, tuple(sorted(s.codes))) for s in scan_body(body).suppressions)
    assert found == spans


def test_markdown_links_escaped_embedded_and_with_a_heading() -> None:
    body = "\\[t](a.md) [u](b.md) ![i](a.png) x![j](b.png) \\![k](c.png) [^1](x) [v](a.md#H%20x)"
    parts = [(link.target, link.embed, link.subpath) for link in scan_body(body).links]
    assert parts == [
        ("b.md", False, None),
        ("a.png", True, None),
        ("b.png", True, None),
        ("c.png", False, None),
        ("a.md", False, "H x"),
    ]
    assert _disagreements(body, 1, body) == []
    (first,) = scan_body("![i](a.png)").links
    assert (first.embed, first.column) == (True, 1)


@pytest.mark.parametrize(
    ("body", "links"),
    [
        ("[i](a.png) !", [("a.png", False, 1)]),
        ("[t](a b) [u](c.md)", [("c.md", False, 10)]),
        ("[t](<[u](x)>) [v](y.md)", [("[u](x)", False, 1), ("y.md", False, 15)]),
        ('[t](a.md "[u](b.md)") [v](c.md)', [("a.md", False, 1), ("c.md", False, 23)]),
    ],
)
def test_no_link_is_read_inside_a_destination_and_the_links_after_it_are(
    body: str, links: list[tuple[str, bool, int]]
) -> None:
    assert [(link.target, link.embed, link.column) for link in scan_body(body).links] == links
    assert _disagreements(body, 1, body) == []
