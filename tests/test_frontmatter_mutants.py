"""The frontmatter reader on inputs that tell its branches apart (``make mutants`` found them
untested): the deprecated ``alias`` key's values, positions after a blank first line, and
what a message quotes of a value written over several lines."""

from __future__ import annotations

import pytest

from vaultkit import frontmatter
from vaultkit.frontmatter import read_frontmatter


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
