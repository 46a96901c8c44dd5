"""The frontmatter reader: Obsidian's split, safe YAML, aliases, property links, problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultkit import frontmatter
from vaultkit.frontmatter import read_frontmatter
from vaultkit.model import LinkKind


@pytest.fixture(autouse=True, params=["libyaml", "python"])
def _parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with libyaml's C parser and with the pure-Python fallback."""
    monkeypatch.setattr(frontmatter, "LIBYAML", request.param == "libyaml")


def _codes(text: str) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.column) for p in read_frontmatter(text).problems]


def test_split_keeps_line_numbers() -> None:
    front = read_frontmatter("---\na: 1\nb: 2\n---\nbody\n")
    assert (front.body, front.body_line) == ("body\n", 5)


def test_not_frontmatter_unless_first_line() -> None:
    texts = ("\n---\na: 1\n---\n", "----\na: 1\n----\n", "--- x\na: 1\n---\n")
    # Not read at all: YAML that would not parse is no finding there.
    texts += ("\n---\naliases: [x\n---\n", "----\naliases: [x\n----\n")
    for text in texts:
        front = read_frontmatter(text)
        assert (front.body, front.body_line, front.problems) == (text, 1, ())


def test_unclosed_is_vk210_and_body_is_everything() -> None:
    front = read_frontmatter("---\na: 1\n")
    assert [(p.code, p.line, p.column) for p in front.problems] == [("VK210", 1, 1)]
    assert (front.body, front.body_line) == ("---\na: 1\n", 1)


def test_yaml_error_at_its_own_line() -> None:
    assert _codes("---\na: 1\nb: [unclosed\nc: 3\n---\n") == [("VK210", 4, 2)]


def test_template_placeholder_is_invalid_and_the_body_is_still_read() -> None:
    front = read_frontmatter("---\ntitle: x\ncreated: {{date}}\n---\n[[Nowhere]]")
    assert [(p.code, p.line, p.column) for p in front.problems] == [("VK210", 3, 11)]
    assert (front.body, front.body_line) == ("[[Nowhere]]", 5)


def test_not_a_mapping() -> None:
    for text in ("---\n- a\n- b\n---\n", "---\njust text\n---\n"):
        (problem,) = read_frontmatter(text).problems
        assert (problem.code, problem.line, problem.column) == ("VK210", 2, 1)
        assert "mapping" in problem.message  # bad-inputs.md: VK210 "must be a mapping"


def test_duplicate_key_named() -> None:
    front = read_frontmatter("---\na: 1\na: 2\n---\n")
    assert [(p.code, p.line, p.column) for p in front.problems] == [("VK210", 3, 1)]
    assert "'a'" in front.problems[0].message  # bad-inputs.md: VK210 naming the key


def _billion_laughs() -> str:
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join([*lines, "---", ""])


def test_anchors_and_aliases_are_refused_before_expanding() -> None:
    assert _codes("---\na: &a [x, x]\nb: &b [*a, *a]\n---\n") == [("VK210", 2, 4)]
    assert _codes(_billion_laughs()) == [("VK210", 2, 4)]


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"---\nx: !!python/object/apply:os.system ['touch {marker}']\n---\n"
    assert _codes(text) == [("VK210", 2, 4)]
    assert not marker.exists()


def test_deep_nesting_is_too_deep_not_a_crash() -> None:
    text = "---\na: " + "[" * 5000 + "]" * 5000 + "\n---\n"
    (problem,) = read_frontmatter(text).problems
    assert problem.code == "VK210" and "deep" in problem.message


def test_size_cap() -> None:
    text = "---\na: '" + "x" * 70_000 + "'\n---\n"
    (problem,) = read_frontmatter(text).problems
    assert problem.code == "VK210" and "64 KiB" in problem.message


def test_aliases_and_tags() -> None:
    front = read_frontmatter("---\naliases: [A, 'Б']\ntags: [x, '#y']\n---\n")
    assert [alias for alias, _, _ in front.aliases] == ["A", "Б"]
    assert front.tags == ("x", "y")


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("aliases: 12\n", [("VK211", 2, 10)]),
        ("aliases: [[x]]\n", [("VK211", 2, 11), ("VK214", 2, 10)]),
        ("aliases: [true, 1.5]\n", [("VK211", 2, 11), ("VK211", 2, 17)]),
    ],
)
def test_aliases_of_a_wrong_shape_give_no_alias(
    source: str, found: list[tuple[str, int, int]]
) -> None:
    front = read_frontmatter(f"---\n{source}---\n")
    assert [(p.code, p.line, p.column) for p in front.problems] == found
    assert front.aliases == ()


def test_invalid_aliases_values_shown_as_written() -> None:
    front = read_frontmatter("---\naliases: [no, 1984, 1.0e3, ~, [x]]\n---\n")
    assert [(p.code, p.column) for p in front.problems] == [
        ("VK211", 15),
        ("VK211", 21),
        ("VK211", 31),
    ]
    assert "'1984'" in front.problems[0].message and "'1.0e3'" in front.problems[1].message
    assert [alias for alias, _, _ in front.aliases] == ["no"]


def _aliases(text: str) -> list[str]:
    return [alias for alias, _, _ in read_frontmatter(text).aliases]


def test_yaml_1_2_words_are_text_not_booleans() -> None:
    text = "---\naliases: [Yes, No, no, on, OFF, y, n, yes please]\n---\n"
    assert _aliases(text) == ["Yes", "No", "no", "on", "OFF", "y", "n", "yes please"]
    assert read_frontmatter(text).problems == ()
    assert _aliases("---\naliases:\n- Yes\n---\n") == ["Yes"]


def test_yaml_1_2_dates_sexagesimal_and_old_octal() -> None:
    text = "---\naliases: [2024-01-05, 1:20, 1_000, 2001-12-14t21:59:43.10-05:00]\n---\n"
    assert _aliases(text) == ["2024-01-05", "1:20", "1_000", "2001-12-14t21:59:43.10-05:00"]
    assert read_frontmatter(text).problems == ()


@pytest.mark.parametrize(
    "value",
    ["true", "False", "TRUE", "tRuE", "12", "-3", "0777", "0o17", "0x1F", "1.5", ".inf", ".NaN"],
)
def test_numbers_and_booleans_are_still_not_aliases(value: str) -> None:
    front = read_frontmatter(f"---\naliases:\n- {value}\n---\n")
    assert [(p.code, p.line, p.column) for p in front.problems] == [("VK211", 3, 3)]
    assert repr(value) in front.problems[0].message
    assert front.aliases == ()


@pytest.mark.parametrize(
    "source",
    [
        "aliases:\n",
        "aliases:\ntitle: x\n",
        "aliases: []\n",
        "aliases: ~\n",
        "aliases: null\n",
        "aliases: Null\n",
        "aliases: ''\n",
        "aliases:\n- \n",
        "aliases:\n-\n",
        "aliases:\n  - \ntags:\n  - \n",
        "aliases:\n- \ntags:\n- \n",
        "aliases:\n- \n- null\n- ~\n- ''\n",
        "tags:\n- \n",
        "tags:\n",
    ],
)
def test_empty_entries_are_no_value_and_no_finding(source: str) -> None:
    front = read_frontmatter(f"---\n{source}---\n")
    assert (front.aliases, front.tags, front.problems) == ((), (), ())


def test_empty_items_beside_real_ones_are_skipped() -> None:
    front = read_frontmatter("---\naliases:\n- \n- Real\ntags:\n- \n- x\n---\n")
    assert [(alias, line, column) for alias, line, column in front.aliases] == [("Real", 4, 3)]
    assert (front.tags, front.problems) == (("x",), ())


def test_unindented_items_under_a_key_are_a_list() -> None:
    front = read_frontmatter("---\naliases:\n- A\n- B\ntags:\n- t\npublish: true\n---\n")
    assert [(alias, line, column) for alias, line, column in front.aliases] == [
        ("A", 3, 3),
        ("B", 4, 3),
    ]
    assert (front.tags, front.problems) == (("t",), ())


def test_an_alias_that_is_a_mapping_or_a_list_says_which() -> None:
    front = read_frontmatter("---\naliases:\n- Copy: Files & Folders\n- [x, y]\n---\n")
    first, second = front.problems
    assert (first.code, first.line, first.column) == ("VK211", 3, 3)
    assert "mapping" in first.message and "Copy: Files & Folders" in first.message
    assert (second.code, second.line, second.column) == ("VK211", 4, 3)
    assert "list" in second.message and "mapping" not in second.message
    whole = read_frontmatter("---\naliases:\n  main: x\n---\n").problems
    assert [(p.code, "mapping" in p.message) for p in whole] == [("VK211", True)]


def test_a_tab_between_tokens_is_yaml_1_2_under_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(frontmatter, "LIBYAML", True)
    front = read_frontmatter("---\ntitle:\tx\naliases:\t[A, B]\n---\n")
    assert front.problems == ()
    assert [(alias, line, column) for alias, line, column in front.aliases] == [
        ("A", 3, 11),
        ("B", 3, 14),
    ]


def test_every_property_reads_yaml_1_2() -> None:
    front = read_frontmatter("---\nup: yes\nrelated: no\n---\n")
    assert [(link.target, link.key) for link in front.links] == [("yes", "up")]
    dated = read_frontmatter("---\nup: 2024-01-05\n---\n")
    assert [link.target for link in dated.links] == ["2024-01-05"]


def test_single_string_alias_is_used_and_reported_with_fix() -> None:
    front = read_frontmatter("---\naliases: AI model\n---\n")
    (problem,) = front.problems
    assert [alias for alias, _, _ in front.aliases] == ["AI model"]
    assert problem.fix is not None and problem.fix.replacement == "[AI model]"


def test_deprecated_keys() -> None:
    front = read_frontmatter("---\nalias: X\ntag: t\ncssclass: c\n---\n")
    assert [p.code for p in front.problems] == ["VK215"] * 3
    assert [alias for alias, _, _ in front.aliases] == ["X"]


def test_property_links_point_at_the_brackets() -> None:
    front = read_frontmatter('---\nrelated: "[[LLM]]"\nlist:\n  - "[[A|a]]"\n  - plain\n---\n')
    assert [(link.kind, link.target, link.line, link.column, link.key) for link in front.links] == [
        (LinkKind.PROPERTY, "LLM", 2, 11, "related"),
        (LinkKind.PROPERTY, "A", 4, 6, "list"),
    ]


def test_unquoted_link_recovered_with_vk214() -> None:
    front = read_frontmatter("---\nup:\n  - [[AI-concept]]\n---\n")
    (link,) = front.links
    assert (link.target, link.line, link.column, link.unquoted) == ("AI-concept", 3, 5, True)
    (problem,) = front.problems
    assert (problem.code, problem.line, problem.column) == ("VK214", 3, 5)
    assert problem.fix is not None and problem.fix.replacement == '"[[AI-concept]]"'


def test_bare_parent_name_is_a_link_only_for_parent_keys() -> None:
    front = read_frontmatter("---\nup: Root\nother: Root\n---\n")
    assert [(link.target, link.key) for link in front.links] == [("Root", "up")]
    custom = read_frontmatter("---\nparent: Root\n---\n", frozenset({"parent"}))
    assert [(link.target, link.key) for link in custom.links] == [("Root", "parent")]
