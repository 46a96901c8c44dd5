"""Reading a note's YAML frontmatter safely: aliases, tags, property links and their problems.

The split follows Obsidian: frontmatter exists only when ``---`` is the first line (a BOM is
removed before this is called) and a later line is ``---``; lines keep their numbers, so every
position is the file's own. The YAML is composed with PyYAML's pure-Python safe loader (its C
loader segfaults on deeply nested flow YAML), with anchors, aliases and non-standard tags
refused before anything is built, a 64 KiB size cap and a nesting cap. Values are kept as the
text the user wrote (YAML 1.1 reads ``no`` as False; vaultkit shows ``no``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.error import Mark
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

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
    except _Refused as error:
        return Frontmatter(body, body_line, problems=(error.problem(),))
    except yaml.MarkedYAMLError as error:
        return Frontmatter(body, body_line, problems=(_yaml_problem(error),))
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
    return _read_mapping(root, body, body_line, parent_keys)


class _Refused(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark

    def problem(self) -> Problem:
        line = self.mark.line + 2 if self.mark is not None else 2
        column = self.mark.column + 1 if self.mark is not None else 1
        return Problem("VK210", line, column, self.message)


class _Loader(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, composing nodes only, refusing what can explode."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("anchors and aliases are not allowed", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in _STANDARD_TAGS:
            raise _Refused(f"tag {tag!r} is not allowed", event.start_mark)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused("frontmatter is nested too deep", event.start_mark)
        try:
            node: Node = super().compose_node(parent, index)  # type: ignore[assignment]
            return node
        finally:
            self.depth -= 1


def _compose(source: str) -> Node | None:
    if not source.strip():
        return None
    fast = compose_simple(source)
    if fast is not None:
        return fast
    loader = _Loader(source)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _yaml_problem(error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 2 if mark is not None else 2
    column = mark.column + 1 if mark is not None else 1
    message = " ".join(part for part in (error.context, error.problem) if part)
    return Problem("VK210", line, column, f"frontmatter is not valid YAML: {message}")


def _position(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 2, node.start_mark.column + 1


def _end(node: Node) -> tuple[int, int]:
    return node.end_mark.line + 2, node.end_mark.column + 1


def _read_mapping(
    root: MappingNode, body: str, body_line: int, parent_keys: frozenset[str]
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
            aliases.extend(_aliases(value, problems))
        elif lowered == "alias":
            aliases.extend(_alias_values(value))
        elif lowered in ("tags", "tag"):
            tags.extend(_tags(value))
        elif lowered == "vaultkit-ignore":
            ignore.update(text for text, _ in _strings(value))
        links.extend(_property_links(key, value, key in parent_keys, problems))
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


def _aliases(node: Node, problems: list[Problem]) -> Iterator[tuple[str, int, int]]:
    line, column = _position(node)
    if isinstance(node, ScalarNode):
        if node.tag == _NULL:
            problems.append(Problem("VK211", line, column, "aliases is empty: write a list"))
        elif node.tag != _STR:
            problems.append(Problem("VK211", line, column, f"alias {node.value!r} is not text"))
        else:
            fix = _one_item_list(node)
            problems.append(
                Problem("VK211", line, column, "aliases should be a list, not a string", fix)
            )
            if node.value.strip():
                yield node.value.strip(), line, column
        return
    if not isinstance(node, SequenceNode):
        problems.append(Problem("VK211", line, column, "aliases must be a list of text"))
        return
    for item in node.value:
        item_line, item_column = _position(item)
        if isinstance(item, ScalarNode) and item.tag == _STR:
            if item.value.strip():
                yield item.value.strip(), item_line, item_column
        elif isinstance(item, ScalarNode):
            kind = "empty" if item.tag == _NULL else "not text"
            problems.append(
                Problem("VK211", item_line, item_column, f"alias {item.value!r} is {kind}")
            )
        else:
            problems.append(
                Problem("VK211", item_line, item_column, "an alias must be text, not a list")
            )


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


# --- the common case, composed without the YAML machinery ----------------------------------
#
# Most frontmatter is a flat mapping of plain or simply quoted scalars, flow lists of them and
# block lists of them. ``compose_simple`` builds exactly the node tree PyYAML's composer
# builds for that subset (same tags, values, styles and marks: the test suite compares both
# on every corpus and a generated vault), and returns None for anything else, which then
# goes through the safe loader. It is several times faster than PyYAML's pure-Python scanner.

_KEY_LINE = re.compile(r"([^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^:#\n]*[^:#\s])?):(?:( +)(.*?))? *")
_ITEM_LINE = re.compile(r"( *)- +(.*?) *")
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`](?:[^:#]|:(?! |$))*")
_FLOW_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#,\[\]{}]*")
_DOUBLE = re.compile(r'"[^"\\]*"')
_SINGLE = re.compile(r"'[^']*'")
_RESOLVER = Resolver()
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Lines:
    def __init__(self, source: str) -> None:
        self.lines = source.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def mark(self, line: int, column: int) -> Mark:
        return Mark("<frontmatter>", self.starts[line] + column, line, column, None, None)  # type: ignore[arg-type]


def compose_simple(source: str) -> Node | None:
    """The node tree of simple frontmatter, or None when it needs the full YAML loader."""
    if "\t" in source or "\r" in source or not source.strip():
        return None
    text = _Lines(source)
    pairs: list[tuple[Node, Node]] = []
    lines = text.lines
    count = len(lines)
    index = 0
    while index < count:
        line = lines[index]
        if not line or line.isspace() or line.startswith("#"):
            index += 1
            continue
        match = _KEY_LINE.fullmatch(line)
        if match is None:
            return None
        key = _scalar(text, index, 0, match.group(1), None)
        value_text = match.group(3)
        if value_text:
            value = _value(text, index, match.start(3), value_text)
            if value is None:
                return None
            index += 1
        else:
            items, index = _block_items(text, index + 1)
            if items is None:
                return None
            if items:
                value = SequenceNode(_SEQ, items, items[0].start_mark, items[-1].end_mark, False)
                value.start_mark = text.mark(
                    items[0].start_mark.line, items[0].start_mark.column - 2
                )
            else:
                end = len(match.group(1)) + 1
                null = text.mark(key.start_mark.line, end)
                value = ScalarNode("tag:yaml.org,2002:null", "", null, null, None)
        pairs.append((key, value))
    if not pairs:
        return None
    start = pairs[0][0].start_mark
    return MappingNode(_MAP, pairs, start, text.mark(count - 1, 0), False)


def _scalar(text: _Lines, line: int, column: int, value: str, style: str | None) -> ScalarNode:
    tag = _STR if style else _RESOLVER.resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    width = len(value) + (2 if style else 0)
    start, end = text.mark(line, column), text.mark(line, column + width)
    return ScalarNode(tag, value, start, end, style)


def _value(text: _Lines, line: int, column: int, value: str) -> Node | None:
    first = value[0]
    if first == "[":
        return _flow(text, line, column, value)
    if first == '"' and _DOUBLE.fullmatch(value):
        return _scalar(text, line, column, value[1:-1], '"')
    if first == "'" and _SINGLE.fullmatch(value):
        return _scalar(text, line, column, value[1:-1], "'")
    if _PLAIN.fullmatch(value) and not value.endswith(":"):
        return _scalar(text, line, column, value, None)
    return None


def _flow(text: _Lines, line: int, column: int, value: str) -> Node | None:
    if not value.endswith("]"):
        return None
    inner = value[1:-1]
    items: list[Node] = []
    if inner.strip():
        offset = 1
        for part in inner.split(","):
            stripped = part.strip(" ")
            start = column + offset + (len(part) - len(part.lstrip(" ")))
            offset += len(part) + 1
            if not stripped:
                return None
            if stripped[0] == '"' and _DOUBLE.fullmatch(stripped):
                items.append(_scalar(text, line, start, stripped[1:-1], '"'))
            elif stripped[0] == "'" and _SINGLE.fullmatch(stripped):
                items.append(_scalar(text, line, start, stripped[1:-1], "'"))
            elif _FLOW_PLAIN.fullmatch(stripped):
                items.append(_scalar(text, line, start, stripped, None))
            else:
                return None
    elif inner:
        return None
    opening, closing = text.mark(line, column), text.mark(line, column + len(value))
    return SequenceNode(_SEQ, items, opening, closing, True)


def _block_items(text: _Lines, index: int) -> tuple[list[Node] | None, int]:
    items: list[Node] = []
    lines = text.lines
    indent = -1
    while index < len(lines):
        line = lines[index]
        if not line or line.isspace():
            index += 1
            continue
        match = _ITEM_LINE.fullmatch(line)
        if match is None:
            if line[0] == " ":
                return None, index
            break
        if indent < 0:
            indent = len(match.group(1))
        if len(match.group(1)) != indent or not match.group(2):
            return None, index
        value = match.group(2)
        if value[0] in "[{" or ": " in value:
            return None, index
        node = _value(text, index, match.start(2), value)
        if node is None:
            return None, index
        items.append(node)
        index += 1
    return items, index
