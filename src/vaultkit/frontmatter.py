"""Reading a note's YAML frontmatter safely, as Obsidian reads it: aliases, tags, property links.

The split follows Obsidian: frontmatter exists only when ``---`` is the first line (a BOM is
removed before this is called) and a later line is ``---``; lines keep their numbers, so every
position is the file's own, counted in ``\\n`` line breaks only (YAML parsers also break lines
at U+0085, U+2028 and U+2029; editors and Obsidian do not). Scalars are resolved by YAML 1.2's
core schema, as Obsidian does: only ``true``/``false`` are booleans (any case, as the spec
asks), null is ``null``/``Null``/``NULL``/``~``/empty (the core schema's spellings), numbers
are decimal, ``0o`` octal, ``0x`` hex and floats; ``yes``, ``on``, ``1:20`` and dates are text.
Values are kept as the text the user wrote.

Events come from libyaml's C parser when PyYAML has it (``yaml.__with_libyaml__``; 17 µs a
note against 300 µs), else from PyYAML's pure-Python parser; this module composes the nodes
from those events either way, so anchors, aliases and non-standard tags are refused before
anything is built, with a nesting cap and a 64 KiB size cap. The libyaml that PyYAML's wheels
bundle stops deep nesting with an error instead of crashing (a test proves it on the installed
build, in a subprocess). Whatever the C parser refuses is read again by the pure-Python
parser, whose error and position are the ones reported, so both paths report the same; the
one difference is a tab between tokens (``title:<TAB>x``), which YAML 1.2, libyaml and
Obsidian accept and PyYAML's pure-Python scanner refuses (VK210 without libyaml).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from vaultkit.markdown import wikilink
from vaultkit.model import Fix, Link, LinkKind, Problem

MAX_SIZE = 64 * 1024
MAX_DEPTH = 64
_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# libyaml's C parser, when this PyYAML was built with it (its wheels are).
LIBYAML: bool = bool(getattr(yaml, "__with_libyaml__", False))
_LINK_VALUE = re.compile(r"\s*!?\[\[[^\[\]\n]*\]\]\s*")
_CLOSING = re.compile(r"^---[ \t]*$", re.MULTILINE)
_DEPRECATED = {"alias": "aliases", "tag": "tags", "cssclass": "cssclasses"}


@dataclass(frozen=True, slots=True)
class Frontmatter:
    """What the frontmatter of one note holds, and where the body starts."""

    body: str
    body_line: int
    links: tuple[Link, ...] = ()
    aliases: tuple[tuple[str, int, int], ...] = ()
    tags: tuple[str, ...] = ()
    ignore: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()


def read_frontmatter(text: str, parent_keys: frozenset[str] = frozenset({"up"})) -> Frontmatter:
    """Split ``text`` (``\\n`` line endings, no BOM) into frontmatter and body, and read it."""
    if not text.startswith("---"):
        return Frontmatter(text, 1)
    first_end = text.find("\n")
    if first_end < 0 or text[3:first_end].strip(" \t"):
        return Frontmatter(text, 1)
    closing = _CLOSING.search(text, first_end + 1)
    if closing is None:
        problem = Problem("VK210", 1, 1, "frontmatter is not closed by a '---' line")
        return Frontmatter(text, 1, problems=(problem,))
    source = text[first_end + 1 : closing.start()]
    body_start = closing.end() + 1
    body_line = text.count("\n", 0, closing.start()) + 2
    body = text[body_start:] if body_start <= len(text) else ""
    if len(source.encode("utf-8", "surrogatepass")) > MAX_SIZE:
        problem = Problem("VK210", 2, 1, "frontmatter is larger than 64 KiB")
        return Frontmatter(body, body_line, problems=(problem,))
    try:
        root = _compose(source)
    except Refused as error:
        return Frontmatter(body, body_line, problems=(error.problem(source),))
    except yaml.MarkedYAMLError as error:
        return Frontmatter(body, body_line, problems=(_yaml_problem(error, source),))
    except yaml.YAMLError as error:
        return Frontmatter(body, body_line, problems=(Problem("VK210", 2, 1, str(error)),))
    except RecursionError:
        problem = Problem("VK210", 2, 1, "frontmatter is nested too deep")
        return Frontmatter(body, body_line, problems=(problem,))
    if root is None:
        return Frontmatter(body, body_line)
    if not isinstance(root, MappingNode):
        line, column = _position(root)
        problem = Problem("VK210", line, column, "frontmatter must be a mapping of keys")
        return Frontmatter(body, body_line, problems=(problem,))
    return _read_mapping(root, source, body, body_line, parent_keys)


class Refused(Exception):
    """What the frontmatter may not hold (anchors, aliases, tags, deep nesting), and where."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark

    def problem(self, source: str) -> Problem:
        return Problem("VK210", *_line_column(source, self.mark), self.message)


_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_SEPARATORS = ("\x85", "\u2028", "\u2029")


def resolve(value: str) -> str:
    """The YAML 1.2 core-schema tag of a plain (unquoted, untagged) scalar."""
    if value in _NULLS:
        return _NULL
    first = value[0]
    if first in "tTfF" and value.lower() in ("true", "false"):
        return _BOOL_TAG
    if first in "0123456789+-.":
        if _INT.fullmatch(value):
            return _INT_TAG
        if _FLOAT.fullmatch(value):
            return _FLOAT_TAG
    return _STR


class _PythonEvents(Reader, Scanner, Parser):
    """PyYAML's pure-Python reader, scanner and parser: events only, nothing constructed."""

    def __init__(self, source: str) -> None:
        Reader.__init__(self, source)
        Scanner.__init__(self)
        Parser.__init__(self)


def _events(source: str, libyaml: bool) -> Any:
    if libyaml:
        from yaml._yaml import CParser  # imported once LIBYAML says it is there

        return CParser(source)
    return _PythonEvents(source)


def compose(source: str, libyaml: bool | None = None) -> Node | None:
    """The node tree of ``source`` (the YAML between the ``---`` lines), or None when empty.

    ``libyaml`` picks the event source (default: the C parser when PyYAML has it). Raises
    ``yaml.YAMLError`` for YAML that does not parse, ``Refused`` for what is not allowed.
    U+0085, U+2028 and U+2029 are ordinary characters, as in YAML 1.2 and Obsidian (YAML 1.1
    parsers break lines there): they are parsed as private-use stand-ins the source does not
    hold, put back in every value, so marks count lines in ``\\n`` only.
    """
    use_c = LIBYAML if libyaml is None else libyaml
    back: dict[int, int] = {}
    if any(separator in source for separator in _SEPARATORS):
        forward = _stand_ins(source)
        back = {value: key for key, value in forward.items()}
        source = source.translate(forward)
    try:
        root = _parse(source, use_c)
    except yaml.MarkedYAMLError as error:
        if back:
            error.context = error.context and error.context.translate(back)
            error.problem = error.problem and error.problem.translate(back)
        raise
    if root is not None and back:
        _put_back(root, back)
    return root


def _parse(source: str, use_c: bool) -> Node | None:
    try:
        events = _events(source, use_c)
    except UnicodeEncodeError:  # a lone surrogate: libyaml takes UTF-8 only
        events, use_c = _events(source, False), False
    try:
        return _document(events.get_event)
    except yaml.YAMLError:
        if not use_c:
            raise
        # The pure-Python parser's word on anything libyaml refuses: the same message and
        # position whichever parser this PyYAML has.
        return _parse(source, False)
    finally:
        events.dispose()


def _stand_ins(source: str) -> dict[int, int]:
    free = (code for code in range(0xE000, 0xF900) if chr(code) not in source)
    return {ord(separator): next(free) for separator in _SEPARATORS}


def _put_back(root: Node, back: dict[int, int]) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            node.value = node.value.translate(back)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            stack.extend(part for pair in node.value for part in pair)


def _document(next_event: Callable[[], Any]) -> Node | None:
    next_event()  # StreamStartEvent
    event = next_event()
    if isinstance(event, StreamEndEvent):
        return None
    document = event  # DocumentStartEvent
    root = _node(next_event, next_event(), 1)
    next_event()  # DocumentEndEvent
    event = next_event()
    if not isinstance(event, StreamEndEvent):
        raise ComposerError(
            "expected a single document in the stream",
            document.start_mark,
            "but found another document",
            event.start_mark,
        )
    return root


def _node(next_event: Callable[[], Any], event: Any, depth: int) -> Node:
    """One node and its children, composed as PyYAML's composer does, refusing what explodes."""
    kind = type(event)
    if kind is AliasEvent or event.anchor is not None:
        raise Refused("anchors and aliases are not allowed", event.start_mark)
    tag = event.tag
    if tag is not None and tag != "!" and tag not in _STANDARD_TAGS:
        raise Refused(f"tag {tag!r} is not allowed", event.start_mark)
    if depth > MAX_DEPTH:
        raise Refused("frontmatter is nested too deep", event.start_mark)
    if kind is ScalarEvent:
        value = event.value
        if tag is None:
            tag = resolve(value) if event.implicit[0] else _STR
        elif tag == "!":
            tag = _STR
        style = event.style or None  # libyaml gives "" for plain
        return ScalarNode(tag, value, event.start_mark, event.end_mark, style)
    if kind is SequenceStartEvent:
        items: list[Node] = []
        flow = event.flow_style
        sequence = SequenceNode(
            _SEQ if tag in (None, "!") else tag, items, event.start_mark, None, flow
        )
        event = next_event()
        while type(event) is not SequenceEndEvent:
            items.append(_node(next_event, event, depth + 1))
            event = next_event()
        sequence.end_mark = event.end_mark
        return sequence
    assert kind is MappingStartEvent, event
    pairs: list[tuple[Node, Node]] = []
    flow = event.flow_style
    mapping = MappingNode(_MAP if tag in (None, "!") else tag, pairs, event.start_mark, None, flow)
    event = next_event()
    while type(event) is not MappingEndEvent:
        key = _node(next_event, event, depth + 1)
        pairs.append((key, _node(next_event, next_event(), depth + 1)))
        event = next_event()
    mapping.end_mark = event.end_mark
    return mapping


def _compose(source: str) -> Node | None:
    if not source.strip():
        return None
    return compose(source)


def _line_column(source: str, mark: Any) -> tuple[int, int]:
    """The file line and column of a mark, counting ``\\n`` line breaks only."""
    if mark is None:
        return 2, 1
    index = min(mark.index, len(source))
    start = source.rfind("\n", 0, index) + 1
    return source.count("\n", 0, index) + 2, index - start + 1


def _yaml_problem(error: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = _line_column(source, mark)
    message = " ".join(part for part in (error.context, error.problem) if part)
    return Problem("VK210", line, column, f"frontmatter is not valid YAML: {message}")


def _position(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 2, node.start_mark.column + 1


def _end(node: Node) -> tuple[int, int]:
    return node.end_mark.line + 2, node.end_mark.column + 1


def _read_mapping(
    root: MappingNode, source: str, body: str, body_line: int, parent_keys: frozenset[str]
) -> Frontmatter:
    problems: list[Problem] = []
    links: list[Link] = []
    aliases: list[tuple[str, int, int]] = []
    tags: list[str] = []
    ignore: set[str] = set()
    invalid = _invalid_mapping(root)
    if invalid is not None:
        return Frontmatter(body, body_line, problems=(invalid,))
    for key_node, value in root.value:
        key = key_node.value
        lowered = key.lower()
        if lowered in _DEPRECATED:
            line, column = _position(key_node)
            problems.append(
                Problem(
                    "VK215", line, column, f"{key!r} is deprecated: use {_DEPRECATED[lowered]!r}"
                )
            )
        if lowered == "aliases":
            aliases.extend(_aliases(value, source, problems))
        elif lowered == "alias":
            aliases.extend(_alias_values(value))
        elif lowered in ("tags", "tag"):
            tags.extend(_tags(value))
        elif lowered == "vaultkit-ignore":
            ignore.update(text for text, _ in _strings(value))
        is_parent = key in parent_keys
        if is_parent or not isinstance(value, ScalarNode) or "[[" in value.value:
            links.extend(_property_links(key, value, is_parent, problems))
    return Frontmatter(
        body,
        body_line,
        links=tuple(links),
        aliases=tuple(aliases),
        tags=tuple(dict.fromkeys(tags)),
        ignore=frozenset(ignore),
        problems=tuple(problems),
    )


def _invalid_mapping(node: Node) -> Problem | None:
    """What a YAML constructor would refuse: keys that are not text, and duplicate keys."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, MappingNode):
            seen: set[str] = set()
            for key_node, value in current.value:
                if not isinstance(key_node, ScalarNode):
                    line, column = _position(key_node)
                    message = "a key must be text (a '{' or '[' that should be quoted?)"
                    return Problem("VK210", line, column, message)
                if key_node.value in seen:
                    line, column = _position(key_node)
                    return Problem("VK210", line, column, f"duplicate key {key_node.value!r}")
                seen.add(key_node.value)
                stack.append(value)
    return None


def _strings(node: Node) -> Iterator[tuple[str, Node]]:
    if isinstance(node, ScalarNode):
        if node.tag != _NULL:
            yield from ((part, node) for part in node.value.replace(",", " ").split())
    elif isinstance(node, SequenceNode):
        for item in node.value:
            if isinstance(item, ScalarNode) and item.tag != _NULL:
                yield item.value.strip(), item


def _tags(node: Node) -> Iterator[str]:
    for text, _ in _strings(node):
        tag = text.lstrip("#")
        if tag:
            yield tag


def _alias_values(node: Node) -> Iterator[tuple[str, int, int]]:
    items = node.value if isinstance(node, SequenceNode) else [node]
    for item in items:
        if isinstance(item, ScalarNode) and item.tag != _NULL and item.value.strip():
            yield (item.value.strip(), *_position(item))


def _aliases(node: Node, source: str, problems: list[Problem]) -> Iterator[tuple[str, int, int]]:
    line, column = _position(node)
    if isinstance(node, ScalarNode):
        if _no_value(node):
            return
        if node.tag != _STR:
            problems.append(Problem("VK211", line, column, f"alias {node.value!r} is not text"))
            return
        fix = _one_item_list(node)
        problems.append(
            Problem("VK211", line, column, "aliases should be a list, not a string", fix)
        )
        yield node.value.strip(), line, column
        return
    if not isinstance(node, SequenceNode):
        message = "aliases must be a list of text, not a mapping"
        problems.append(Problem("VK211", line, column, message))
        return
    for item in node.value:
        item_line, item_column = _position(item)
        if isinstance(item, ScalarNode):
            if _no_value(item):
                continue
            if item.tag == _STR:
                yield item.value.strip(), item_line, item_column
            else:
                message = f"alias {item.value!r} is not text"
                problems.append(Problem("VK211", item_line, item_column, message))
        else:
            kind = "a mapping" if isinstance(item, MappingNode) else "a list"
            written = _written(item, source)
            message = f"alias {written!r} is {kind}, not text (write it in quotes)"
            problems.append(Problem("VK211", item_line, item_column, message))


def _no_value(node: ScalarNode) -> bool:
    """Null or empty text: no value at all (the template skeleton ``aliases:`` / ``- ``)."""
    return node.tag == _NULL or (node.tag == _STR and not node.value.strip())


def _written(node: Node, source: str) -> str:
    """A node as the user wrote it: its source text, first line only."""
    text = source[node.start_mark.index : node.end_mark.index]
    return text.split("\n", 1)[0].strip()


def _one_item_list(node: ScalarNode) -> Fix | None:
    if node.style in ("|", ">"):
        return None  # a block scalar's line breaks cannot be kept inside a flow list
    line, column = _position(node)
    end_line, end_column = _end(node)
    value = node.value
    if node.style == "'" and value.isprintable():
        text = "'" + value.replace("'", "''") + "'"
    elif node.style is not None or _needs_quotes(value):
        text = _quote(value)
    else:
        text = value
    return Fix(f"[{text}]", line, column, end_line, end_column)


def _needs_quotes(value: str) -> bool:
    return bool(re.search(r"[,\[\]{}#&*!|>'\"%@`:]", value)) or value != value.strip()


def _quote(value: str) -> str:
    # JSON's escapes are all YAML double-quoted escapes: a tab or line break the user wrote
    # as an escape stays one (written raw, YAML would fold it into a space).
    return json.dumps(value, ensure_ascii=False)


def _property_links(
    key: str, node: Node, is_parent: bool, problems: list[Problem]
) -> Iterator[Link]:
    if isinstance(node, ScalarNode):
        if node.tag != _STR:
            return
        value = node.value
        line, column = _position(node)
        quote = 1 if node.style in ("'", '"') else 0
        if _LINK_VALUE.fullmatch(value):
            offset = len(value) - len(value.lstrip())
            yield wikilink(value.strip(), LinkKind.PROPERTY, line, column + quote + offset, key)
        elif is_parent and value.strip() and "[[" not in value and "]]" not in value:
            # A bare name in a parent field is read as a link to that name.
            link = wikilink(f"[[{value.strip()}]]", LinkKind.PROPERTY, line, column, key)
            # Reported as written: the bare name, up to the end of its scalar.
            end_line, end_column = _end(node)
            yield link._replace(text=value.strip(), end_line=end_line, end_column=end_column)
        return
    if isinstance(node, SequenceNode):
        recovered = _unquoted_link(node)
        if recovered is not None:
            line, column = _position(node)
            link = wikilink(f"[[{recovered}]]", LinkKind.PROPERTY, line, column, key)
            end_line, end_column = _end(node)
            fixed = _quote(link.text)
            problems.append(
                Problem(
                    "VK214",
                    line,
                    column,
                    f"{key!r} holds an unquoted link: write {fixed}",
                    Fix(fixed, line, column, end_line, end_column),
                )
            )
            yield link._replace(end_line=end_line, end_column=end_column, unquoted=True)
            return
        for item in node.value:
            yield from _property_links(key, item, is_parent, problems)
    elif isinstance(node, MappingNode):
        for _, value in node.value:
            yield from _property_links(key, value, False, problems)


def _unquoted_link(node: SequenceNode) -> str | None:
    """``[[X]]`` written without quotes is YAML for ``[["X"]]``: recover ``X``."""
    if not node.flow_style or len(node.value) != 1:
        return None
    inner = node.value[0]
    if not isinstance(inner, SequenceNode) or not inner.flow_style or len(inner.value) != 1:
        return None
    if inner.start_mark.index != node.start_mark.index + 1:
        return None
    scalar = inner.value[0]
    if not isinstance(scalar, ScalarNode) or scalar.tag == _NULL:
        return None
    return str(scalar.value)
