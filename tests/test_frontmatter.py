"""The frontmatter reader: Obsidian's split, safe YAML, aliases, property links, problems."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tests.conftest import CORPORA
from vaultkit.frontmatter import compose_simple, read_frontmatter
from vaultkit.model import LinkKind
from vaultkit.read import decode


def _codes(text: str) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.column) for p in read_frontmatter(text).problems]


def test_split_keeps_line_numbers() -> None:
    front = read_frontmatter("---\na: 1\nb: 2\n---\nbody\n")
    assert (front.body, front.body_line) == ("body\n", 5)


def test_not_frontmatter_unless_first_line() -> None:
    for text in ("\n---\na: 1\n---\n", "----\na: 1\n----\n", "--- x\na: 1\n---\n"):
        front = read_frontmatter(text)
        assert (front.body, front.body_line, front.problems) == (text, 1, ())


def test_unclosed_is_vk210_and_body_is_everything() -> None:
    front = read_frontmatter("---\na: 1\n")
    assert [(p.code, p.line) for p in front.problems] == [("VK210", 1)]
    assert front.body_line == 1


def test_yaml_error_at_its_own_line() -> None:
    assert _codes("---\na: 1\nb: [unclosed\nc: 3\n---\n") == [("VK210", 4, 2)]


def test_template_placeholder_is_invalid() -> None:
    assert _codes("---\ntitle: x\ncreated: {{date}}\n---\n") == [("VK210", 3, 11)]


def test_not_a_mapping() -> None:
    assert _codes("---\n- a\n- b\n---\n") == [("VK210", 2, 1)]
    assert _codes("---\njust text\n---\n") == [("VK210", 2, 1)]


def test_duplicate_key_named() -> None:
    front = read_frontmatter("---\na: 1\na: 2\n---\n")
    assert [(p.code, p.line, "'a'" in p.message) for p in front.problems] == [("VK210", 3, True)]


def test_anchors_aliases_and_tags_are_refused() -> None:
    bomb = "---\na: &a [x, x]\nb: &b [*a, *a]\n---\n"
    assert [p.code for p in read_frontmatter(bomb).problems] == ["VK210"]
    code = "---\nx: !!python/object/apply:os.system ['echo hi']\n---\n"
    assert [p.code for p in read_frontmatter(code).problems] == ["VK210"]


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


def test_invalid_aliases_values_shown_as_written() -> None:
    front = read_frontmatter("---\naliases: [no, 1984, ~, [x]]\n---\n")
    assert [p.code for p in front.problems] == ["VK211"] * 4
    assert "'no'" in front.problems[0].message
    assert [alias for alias, _, _ in front.aliases] == []


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


def _signature(node: Node | None) -> object:
    if node is None:
        return None
    base = (type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column)
    if isinstance(node, ScalarNode):
        return (*base, node.value, node.style, node.end_mark.line, node.end_mark.column)
    if isinstance(node, SequenceNode):
        return (*base, tuple(_signature(child) for child in node.value))
    assert isinstance(node, MappingNode)
    return (*base, tuple((_signature(k), _signature(v)) for k, v in node.value))


def _frontmatter_sources(root: Path) -> list[str]:
    sources = []
    for path in sorted(root.rglob("*.md")):
        text = decode(path.read_bytes())
        if isinstance(text, str) and text.startswith("---\n"):
            end = text.find("\n---\n", 3)
            if end > 0:
                sources.append(text[4 : end + 1])
    return sources


def test_fast_composer_builds_pyyaml_s_tree(generated_vault: Path) -> None:
    sources = _frontmatter_sources(generated_vault)
    for name in ("kepano-obsidian", "knowledge-garden", "obsidian-tasks-docs"):
        sources += _frontmatter_sources(CORPORA / name)
    fast = 0
    for source in sources:
        node = compose_simple(source)
        if node is not None:
            fast += 1
            assert _signature(node) == _signature(yaml.compose(source, Loader=yaml.SafeLoader))
    assert fast > len(sources) // 4


@pytest.mark.parametrize(
    "source",
    [
        "a: x # comment\n",
        "a: |\n  block\n",
        "a:\n  b: c\n",
        "a: [x, [y]]\n",
        "a: 'it''s'\n",
        "a: b: c\n",
    ],
)
def test_fast_composer_leaves_the_rest_to_yaml(source: str) -> None:
    assert compose_simple(source) is None
