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
