"""libyaml's C events and the pure-Python parser's give the same frontmatter, everywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from yaml._yaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tests.conftest import CORPORA
from vaultkit import frontmatter
from vaultkit.frontmatter import Refused, compose, read_frontmatter
from vaultkit.read import decode


def _signature(node: Node | None) -> object:
    if node is None:
        return None
    start, end = node.start_mark, node.end_mark
    base = (type(node).__name__, node.tag, start.line, start.column, start.index)
    if isinstance(node, ScalarNode):
        return (*base, node.value, node.style, end.line, end.column, end.index)
    flow = node.flow_style
    if isinstance(node, SequenceNode):
        return (*base, flow, tuple(_signature(child) for child in node.value))
    assert isinstance(node, MappingNode)
    return (*base, flow, tuple((_signature(k), _signature(v)) for k, v in node.value))


def _frontmatter_sources(root: Path) -> list[str]:
    sources = []
    for path in sorted(root.rglob("*.md")):
        text = decode(path.read_bytes())
        if isinstance(text, str) and text.startswith("---\n"):
            end = text.find("\n---\n", 3)
            if end > 0:
                sources.append(text[4 : end + 1])
    return sources


def _all_sources(generated_vault: Path) -> list[str]:
    sources = _frontmatter_sources(generated_vault)
    for name in ("kepano-obsidian", "knowledge-garden", "obsidian-tasks-docs"):
        sources += _frontmatter_sources(CORPORA / name)
    return sources


def _outcome(source: str, libyaml: bool) -> object:
    try:
        return _signature(compose(source, libyaml=libyaml))
    except (yaml.YAMLError, Refused) as error:
        return type(error).__name__, str(error)


def test_libyaml_and_python_parsers_compose_the_same_tree(generated_vault: Path) -> None:
    sources = _all_sources(generated_vault)
    parsed_by_libyaml = 0
    for source in sources:
        assert _outcome(source, True) == _outcome(source, False), source
        try:
            frontmatter._document(CParser(source).get_event)
            parsed_by_libyaml += 1
        except (yaml.YAMLError, Refused):
            pass
    assert parsed_by_libyaml > len(sources) * 0.95


def _notes(root: Path) -> list[str]:
    texts = (decode(path.read_bytes()) for path in sorted(root.rglob("*.md")))
    return [text for text in texts if isinstance(text, str)]


def test_both_parsers_read_every_corpus_note_the_same(
    generated_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _notes(generated_vault)
    for name in ("kepano-obsidian", "knowledge-garden", "obsidian-tasks-docs"):
        texts += _notes(CORPORA / name)
    for text in texts:
        monkeypatch.setattr(frontmatter, "LIBYAML", True)
        with_libyaml = read_frontmatter(text)
        monkeypatch.setattr(frontmatter, "LIBYAML", False)
        assert read_frontmatter(text) == with_libyaml


def test_libyaml_is_used_when_pyyaml_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []

    class Spy(CParser):  # type: ignore[misc]
        def __init__(self, source: str) -> None:
            made.append(source)
            super().__init__(source)

    monkeypatch.setattr(yaml._yaml, "CParser", Spy)
    monkeypatch.setattr(frontmatter, "LIBYAML", True)
    source = "a: x # a comment\nb: |\n  text\n"
    assert read_frontmatter(f"---\n{source}---\n").problems == ()
    assert made == [source]
    monkeypatch.setattr(frontmatter, "LIBYAML", False)
    assert read_frontmatter(f"---\n{source}---\n").problems == ()
    assert made == [source]


def test_without_libyaml_the_python_parser_is_used() -> None:
    code = (
        "import yaml; yaml.__with_libyaml__ = False\n"
        "from vaultkit import frontmatter\n"
        "assert not frontmatter.LIBYAML\n"
        "front = frontmatter.read_frontmatter('---\\naliases: # c\\n- Yes\\n---\\n')\n"
        "print(front.aliases)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "(('Yes', 3, 3),)\n", "")
