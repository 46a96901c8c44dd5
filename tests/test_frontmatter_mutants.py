"""The frontmatter reader on inputs that tell its branches apart (``make mutants`` found them
untested): the deprecated ``alias`` key's values, positions after a blank first line, and
what a message quotes of a value written over several lines."""

from __future__ import annotations

import pytest

from vaultkit import frontmatter
from vaultkit.frontmatter import read_frontmatter
from vaultkit.model import LinkKind


@pytest.fixture(autouse=True, params=["libyaml", "python"])
def _parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with libyaml's C parser and with the pure-Python fallback."""
    monkeypatch.setattr(frontmatter, "LIBYAML", request.param == "libyaml")


def test_the_deprecated_alias_key_keeps_each_text_item_of_a_list() -> None:
    front = read_frontmatter('---\nalias: [One, ~, "", " ", Two]\n---\n')
    assert front.aliases == (("One", 2, 9), ("Two", 2, 26))
    assert [problem.code for problem in front.problems] == ["VK215"]
    assert read_frontmatter("---\nalias: One\n---\n").aliases == (("One", 2, 8),)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("---\n\nkey: &a x\n---\n", (3, 6)),
        ("---\n\n\nkey: !local x\n---\n", (4, 6)),
        ("---\n\nkey: [unclosed\n---\n", (4, 1)),
    ],
)
def test_a_refused_or_broken_value_after_a_blank_line_is_placed_on_its_line(
    text: str, where: tuple[int, int]
) -> None:
    (problem,) = read_frontmatter(text).problems
    assert (problem.code, problem.line, problem.column) == ("VK210", *where)


def test_an_alias_written_over_several_lines_is_quoted_by_its_first_line() -> None:
    text = "---\naliases:\n  - a: 1\n    b: 2\n    c: 3\n  - ok\n---\n"
    front = read_frontmatter(text)
    assert front.aliases == (("ok", 6, 5),)
    (problem,) = front.problems
    assert (problem.code, problem.line, problem.column) == ("VK211", 3, 5)
    assert problem.message.startswith("alias 'a: 1' is a mapping")


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        ("plain", ("[plain]", 2, 10, 2, 15)),
        ("'It''s'", ("['It''s']", 2, 10, 2, 17)),
        ('"x"', ('["x"]', 2, 10, 2, 13)),
        ("x, y", ('["x, y"]', 2, 10, 2, 14)),
        ('"日本"', ('["日本"]', 2, 10, 2, 14)),
        ("'it''s\n  two'", ("['it''s two']", 2, 10, 3, 7)),
        ("|\n  block", None),
        (">\n  folded", None),
    ],
)
def test_a_single_alias_is_fixed_into_a_list_written_in_its_own_quoting(
    value: str, fix: tuple[str, int, int, int, int] | None
) -> None:
    # Kept as written where YAML reads it the same inside a list; a block scalar's line
    # breaks cannot be kept in a flow list, so it gets no fix.
    (problem,) = read_frontmatter(f"---\naliases: {value}\n---\n").problems
    assert (problem.code, problem.line, problem.column) == ("VK211", 2, 10)
    found = problem.fix
    written = None
    if found is not None:
        written = (found.replacement, found.line, found.column, found.end_line, found.end_column)
    assert written == fix


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        ("a, b", ("a", "b")),
        ("a,b", ("a", "b")),
        ("~", ()),
        ("[x, ~, {b: c}, '#Xy']", ("x", "Xy")),
    ],
)
def test_tags_are_split_at_commas_and_only_text_items_count(
    value: str, tags: tuple[str, ...]
) -> None:
    assert read_frontmatter(f"---\ntags: {value}\n---\n").tags == tags


def _links(text: str) -> list[tuple[object, ...]]:
    front = read_frontmatter(text, frozenset({"up", "parents", "prev", "next"}))
    return [
        (link.text, link.target, link.key, link.line, link.column, link.end_line, link.end_column)
        for link in front.links
    ]


def test_property_links_are_placed_on_their_brackets_or_on_the_bare_parent_name() -> None:
    text = (
        "---\nup: Parent\n"
        'related: "  [[A]] "\n'
        "see: '[[B]]'\n"
        'list: ["[[D]]", E]\n'
        'parents: [Bare, "[[F]]"]\n'
        'map:\n  inner: "[[G]]"\n  up: Name\n'
        'embed: "![[I]]"\n'
        'prev: "[[Half"\n'
        'next: "Half]]"\n---\n'
    )
    assert _links(text) == [
        ("Parent", "Parent", "up", 2, 5, 2, 11),
        ("[[A]]", "A", "related", 3, 13, 3, 18),
        ("[[B]]", "B", "see", 4, 7, 4, 12),
        ("[[D]]", "D", "list", 5, 9, 5, 14),
        ("Bare", "Bare", "parents", 6, 11, 6, 15),
        ("[[F]]", "F", "parents", 6, 18, 6, 23),
        ("[[G]]", "G", "map", 8, 11, 8, 16),
        ("![[I]]", "I", "embed", 10, 9, 10, 15),
    ]


def test_an_unquoted_link_is_recovered_only_from_one_item_holding_one_text() -> None:
    text = "---\nplain: [[C]]\nmap:\n  inner: [[G]]\nnull: [[~]]\ntwo: [[a, b]]\n"
    text += "spaced: [[ S ]]\n---\n"
    front = read_frontmatter(text)
    assert _links(text) == [
        ("[[C]]", "C", "plain", 2, 8, 2, 13),
        ("[[G]]", "G", "map", 4, 10, 4, 15),
        ("[[S]]", "S", "spaced", 7, 9, 7, 16),
    ]
    assert [link.unquoted for link in front.links] == [True, True, True]
    assert [
        (p.code, p.line, p.column, p.fix and (p.fix.replacement, p.fix.end_line, p.fix.end_column))
        for p in front.problems
    ] == [
        ("VK214", 2, 8, ('"[[C]]"', 2, 13)),
        ("VK214", 4, 10, ('"[[G]]"', 4, 15)),
        ("VK214", 7, 9, ('"[[S]]"', 7, 16)),
    ]


def test_the_singular_tag_key_is_read_and_deprecated_and_vaultkit_ignore_lists_codes() -> None:
    front = read_frontmatter("---\ntitle: x\ntag: a\nvaultkit-ignore: [VK101, VK201]\n---\n")
    assert front.tags == ("a",)
    assert front.ignore == frozenset({"VK101", "VK201"})
    assert [(p.code, p.line, p.column) for p in front.problems] == [("VK215", 3, 1)]


def test_aliases_that_are_a_mapping_are_placed_on_it() -> None:
    (problem,) = read_frontmatter("---\naliases: {a: b}\n---\n").problems
    assert (problem.code, problem.line, problem.column) == ("VK211", 2, 10)


@pytest.mark.parametrize(
    "source",
    [
        "key: [x",
        "key: &a x",
        "key: \x01",
        "- a",
        "k: " + "[" * 64 + "]" * 64,
        "a: " + "x" * 70_000,
    ],
)
def test_a_frontmatter_problem_keeps_the_body_and_where_it_starts(source: str) -> None:
    front = read_frontmatter(f"---\n{source}\n---\nbody\n")
    assert (front.body, front.body_line) == ("body\n", 4)
    assert [problem.code for problem in front.problems] == ["VK210"]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("[" * 63 + "]" * 63, None),
        ("[" * 64 + "]" * 64, (2, 67)),
        ("{a: " * 62 + "1" + "}" * 62, None),
        ("{a: " * 63 + "1" + "}" * 63, (2, 253)),
    ],
)
def test_nesting_deeper_than_64_levels_is_refused_where_it_goes_too_deep(
    value: str, problem: tuple[int, int] | None
) -> None:
    found = [(p.line, p.column) for p in read_frontmatter(f"---\nk: {value}\n---\n").problems]
    assert found == ([] if problem is None else [problem])


def test_a_link_written_over_two_lines_ends_where_its_value_ends() -> None:
    text = "---\nmulti: [[M\n  ]]\nnext: >\n  Folded\nz: 1\n---\n"
    front = read_frontmatter(text, frozenset({"next"}))
    assert [
        (link.kind, link.text, link.line, link.column, link.end_line, link.end_column)
        for link in front.links
    ] == [
        (LinkKind.PROPERTY, "[[M]]", 2, 8, 3, 5),
        (LinkKind.PROPERTY, "Folded", 4, 7, 6, 1),
    ]
    (problem,) = front.problems
    assert problem.fix is not None
    fix = problem.fix
    assert (problem.code, fix.line, fix.column, fix.end_line, fix.end_column) == (
        "VK214",
        2,
        8,
        3,
        5,
    )


def test_yaml_1_1_line_separators_are_text_and_lines_count_line_feeds_only() -> None:
    front = read_frontmatter('---\naliases: [a\u2028b, x]\nnext: "[[N\u2029]]"\n---\n')
    assert front.aliases == (("a\u2028b", 2, 11), ("x", 2, 16))
    assert [(link.target, link.line, link.column) for link in front.links] == [("N", 3, 8)]
    (problem,) = read_frontmatter("---\na: [x\u2028\n---\n").problems
    assert (problem.code, problem.line, problem.column) == ("VK210", 3, 1)


def test_a_second_document_is_no_frontmatter_and_is_placed_where_it_starts() -> None:
    (problem,) = read_frontmatter("---\na: 1\n...\n--- b: 2\n---\n").problems
    assert (problem.code, problem.line, problem.column) == ("VK210", 4, 1)


def test_frontmatter_of_exactly_64_kib_is_read_and_one_byte_more_is_refused() -> None:
    # The frontmatter is the text between the `---` lines, its last line break included.
    fits = "---\na: " + "x" * 65_532 + "\n---\n"
    assert read_frontmatter(fits).problems == ()
    (problem,) = read_frontmatter(fits.replace("a: ", "a: x")).problems
    assert (problem.code, problem.line, problem.column) == ("VK210", 2, 1)


def test_where_frontmatter_starts_ends_and_is_placed_when_it_cannot_be_read() -> None:
    empty = read_frontmatter("---\n---\nbody")
    assert (empty.body, empty.body_line, empty.problems) == ("body", 3, ())
    last = read_frontmatter("---\na: 1\n---")
    assert (last.body, last.body_line, last.problems) == ("", 4, ())
    assert read_frontmatter("---X\na: 1\n---\n").body_line == 1
    (problem,) = read_frontmatter("---\nkey: \x01\n---\n").problems
    assert (problem.code, problem.line, problem.column) == ("VK210", 2, 1)


def test_a_quoted_number_is_text_and_an_explicit_tag_decides_what_a_value_is() -> None:
    front = read_frontmatter('---\naliases: ["1984", !!int 5, ! x, !!str y]\n---\n')
    assert front.aliases == (("1984", 2, 11), ("x", 2, 28), ("y", 2, 33))
    assert [(p.code, p.line, p.column) for p in front.problems] == [("VK211", 2, 19)]
