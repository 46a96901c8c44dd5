"""Finding links, headings, block ids and tags in a note's markdown body.

The body is read in three linear passes, each over the text once:

1. **blocks**, line by line: fenced and indented code (their lines are blanked, so nothing in
   them is ever a link), ATX and setext headings, list context (an indented line under a list
   item is a nested item, not code), and where each paragraph ends;
2. **regions** that hide links inside prose, left to right: inline code spans (closed within
   their paragraph), block ``%% comments %%`` and ``<!-- comments -->`` (which may span
   paragraphs, as in Obsidian; an unclosed one hides the rest of the note), ``$$ math $$`` and
   ``$math$`` (Obsidian's rule: no space inside the dollars, no digit after the closing one),
   and backslash escapes. A ``%%`` comment is a block one when its ``%%`` starts a paragraph
   outside lists and quotes (at most three spaces in, like any block); a ``%%`` inside a
   paragraph, list item or quote is an inline comment, which hides nothing from Obsidian's
   index (its link tables list ``- [ ] task %% [[x]] %%``) and only carries suppressions. A
   ``%%`` line does not interrupt a paragraph, as no line of text does;
3. **links**: ``[[wikilinks]]`` and ``![[embeds]]`` with a pattern built from negated classes
   only (no backtracking, so 100k ``[`` on a line stay linear), markdown links and images,
   Dataview inline fields, block ids and ``#tags``, each dropped when it starts in a region.

This is the linear scanner that ``performance.md`` asks for: a full mistune parse costs several
times more. Linear also on ordinary text that costs a naive scanner quadratic time (a budget
table's ``$12.50``, runs of ``[x](`` or ``(a:: ``): the closing dollars and backtick runs are
found once and looked up, a markdown-link destination nests parentheses at most 20 deep (as
in mistune; deeper is no link) and ends the search for links inside it, and a field's closing
bracket is looked up once for every field that shares it.

``reference_links`` gives the same links from mistune's own full parse (with plugins for
wikilinks, comments and math); the test suite runs both over the corpora, generated vaults
and those quadratic shapes and requires the same answer, so the scanner cannot drift from
CommonMark.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, count
from operator import add
from typing import Any

from vaultkit.model import Block, Heading, Link, LinkKind, Suppression
from vaultkit.text import heading_key

# Possessive ``[ \t]*+``: a long run of spaces must not be split two ways (quadratic).
_FENCE = re.compile(r"^([ \t]*+(?:>[ \t]?)*[ \t]*+)(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)*[ \t]*(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^[ \t]{0,3}(=+|-+)[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*+(?:>[ \t]?)*[ \t]*+(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
# The ``>`` markers that open a line of a block quote, each with its one optional space.
_QUOTED = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+")
_THEMATIC = re.compile(r"^[ \t]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
# Patterns start with a literal so the regex engine can skip ahead; a leading ``!`` or the
# character before a tag or block id is checked by hand, which is several times faster.
_WIKILINK = re.compile(r"\[\[([^\[\]\n]*)\]\]")
_MD_LINK = re.compile(r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(")
# A dollar that can close ``$math$``: not after a space (nor escaped, nor before a digit:
# both checked by hand, ``str.isdigit`` being the rule).
_DOLLAR_CLOSE = re.compile(r"(?<=[^ \t\n])\$")
_BACKTICKS = re.compile(r"`+")
_NOT_QUOTE_PREFIX = re.compile(r"[^ \t>]")
# Where a hiding region may start: a backslash, a backtick, a dollar, ``%%`` or ``<!--``. The
# leading class lets the regex engine skip ahead; the look-behind then drops a lone ``%`` or
# ``<`` (URL escapes, HTML), which are common and start nothing (an alternation is 2x slower).
_REGION = re.compile(r"[\\`$%<](?<=[\\`$]|%(?=%)|<(?=!--))")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_FIELD_LINE = re.compile(
    r"^[ \t]*(?:>[ \t]?)*(?:[-+*][ \t]+(?:\[.\][ \t]+)?)?"
    r"([\w][\w \-]*?)::[ \t]*([^\n]*)$",
    re.MULTILINE,
)
# ``[key:: value]``: the opening here, the closing bracket looked up apart (see _field_spans).
_FIELD_INLINE = re.compile(r"[\[(]([\w][\w \-]*?)::[ \t]*")
_FIELD_CLOSE = re.compile(r"[\]\)\n]")
_BLOCK_ID = re.compile(r"\^([A-Za-z0-9-]+)[ \t]*$", re.MULTILINE)
_TAG = re.compile(r"#([^\s!-,./:-@\[-^`{-~][^\s!-,.:-@\[-^`{-~]*)")
_PLAIN_DESTINATION = re.compile(r"[^\x00-\x20\x7f()\\]+")
_MAX_PARENS = 20
_SPACE = " \t\n\r\f"
_TITLE_STOP = {
    '"': re.compile(r'["\\]|\n[ \t]*\n'),
    "'": re.compile(r"['\\]|\n[ \t]*\n"),
    "(": re.compile(r"[()\\]|\n[ \t]*\n"),
}
_ANGLE_STOP = re.compile(r"[<>\\\n\r\x00]")
_SCHEME = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]+:|//)")
_SUPPRESS = re.compile(
    r"vaultkit-(disable-next-line|disable-line|disable|enable)\b([^%>\n]*?)(?:%%|-->)"
)
_NO_OFFSETS: frozenset[int] = frozenset()
_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@dataclass(frozen=True, slots=True)
class Body:
    """What the body of one note holds."""

    links: tuple[Link, ...]
    headings: tuple[Heading, ...]
    blocks: tuple[Block, ...]
    tags: tuple[str, ...]
    suppressions: tuple[Suppression, ...]
    unspaced_blocks: tuple[str, ...] = ()


def scan_body(body: str, first_line: int = 1) -> Body:
    """Scan a body (``\\n`` line endings) whose first line is ``first_line`` of its file."""
    layout = _layout(body)
    regions = _Regions(layout.text, layout.para_ends, layout.comment_starts)
    line_starts = layout.line_starts

    def position(offset: int) -> tuple[int, int]:
        index = bisect_right(line_starts, offset) - 1
        return first_line + index, offset - line_starts[index] + 1

    fields = _field_spans(layout.text, regions)
    links: list[tuple[int, Link]] = []
    taken: list[tuple[int, int]] = []
    text = layout.text
    hides = regions.hides
    # Lines are counted forward as the matches come in order: cheaper than a search a link.
    line_index = 0
    line_count = len(line_starts)
    for match in _WIKILINK.finditer(text):
        start, end = match.span()
        embed = False
        if start:
            before = text[start - 1]
            if before == "\\" and _escaped(text, start):
                continue
            if before == "!" and not _escaped(text, start - 1):
                embed = True
                start -= 1
        if hides(start):
            continue
        taken.append((start, end))
        field = _field_at(fields, start) if fields else None
        kind = LinkKind.FIELD if field else LinkKind.EMBED if embed else LinkKind.WIKILINK
        while line_index + 1 < line_count and line_starts[line_index + 1] <= start:
            line_index += 1
        column = start - line_starts[line_index] + 1
        link = wikilink(text[start:end], kind, first_line + line_index, column, field)
        links.append((start, link))
    links.extend(_markdown_links(layout.text, regions, taken, position))
    links.sort(key=lambda item: item[0])

    headings = tuple(
        Heading(level, text, heading_key(text), first_line + index)
        for index, level, text in layout.headings
    )
    blocks = []
    unspaced: list[str] = []
    if "^" in layout.text:
        block_lines = set(layout.block_lines)
        for found in _BLOCK_ID.finditer(text):
            ahead = found.start() - 1
            if ahead >= 0 and text[ahead] not in " \t\n":
                # ``[[x]]^id``: no block to Obsidian, which needs a space before the id.
                if text.startswith("]]", ahead - 1):
                    unspaced.append(found.group(1).lower())
                continue
            line, column = position(found.start(1))
            if line - first_line in block_lines and not regions.hides(found.start(1)):
                blocks.append(Block(found.group(1).lower(), line, column - 1))
    tags = []
    for found in _TAG.finditer(text):
        start = found.start()
        if start and not (text[start - 1].isspace() or text[start - 1] in "([,;"):
            continue
        if (
            not regions.hides(start)
            and not _inside(taken, start)
            and not found.group(1).isdigit()
            and not layout.is_heading_marker(start)
        ):
            tags.append(found.group(1))
    suppressions = _suppressions(regions.comments, layout.text, position)
    return Body(
        links=tuple(link for _, link in links),
        headings=headings,
        blocks=tuple(blocks),
        tags=tuple(dict.fromkeys(tags)),
        suppressions=suppressions,
        unspaced_blocks=tuple(dict.fromkeys(unspaced)),
    )


def wikilink(raw: str, kind: LinkKind, line: int, column: int, key: str | None = None) -> Link:
    """Split ``[[target#sub|display]]`` (``\\|`` is a pipe too, as in tables) into a Link."""
    inner = raw[3:-2] if raw[0] == "!" else raw[2:-2]
    if "\\|" in inner:
        inner = inner.replace("\\|", "|")
    target, _, display = inner.partition("|")
    target, hashed, subpath = target.partition("#")
    # Built as a tuple of Link's fields in their order: a keyword call costs several times more,
    # and a vault has hundreds of thousands of links.
    return _new_link(
        Link,
        (
            kind,
            raw,
            target.strip(),
            _subpath(subpath) if hashed else None,
            display.strip() if display else None,
            line,
            column,
            line,
            column + len(raw),
            key,
            kind is LinkKind.EMBED,
            False,
        ),
    )


_new_link = tuple.__new__


def _subpath(text: str) -> str:
    text = text.strip()
    if text.startswith("^"):
        return text
    return "#".join(part.strip() for part in text.split("#") if part.strip())


def _escaped(text: str, index: int) -> bool:
    count = 0
    while index > count and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    index = bisect_right(spans, (offset, 1 << 62)) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


# --- pass 1: blocks -------------------------------------------------------------------------


@dataclass(slots=True)
class _Layout:
    text: str
    line_starts: list[int]
    para_ends: list[tuple[int, int]]
    headings: list[tuple[int, int, str]]
    block_lines: list[int]
    heading_lines: set[int]
    comment_starts: frozenset[int]  # offsets of the ``%%`` that open block comments

    def is_heading_marker(self, offset: int) -> bool:
        index = bisect_right(self.line_starts, offset) - 1
        if index not in self.heading_lines:
            return False
        # Only spaces and quote markers before it: searched from the line start, not sliced
        # up to ``offset``, so a heading line of thousands of tags stays linear.
        first = _NOT_QUOTE_PREFIX.search(self.text, self.line_starts[index], offset + 1)
        return first is not None and first.start() == offset


def _indent(line: str) -> int:
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _layout(body: str) -> _Layout:
    lines = body.split("\n")
    out: list[str] = []
    headings: list[tuple[int, int, str]] = []
    block_lines: list[int] = []
    heading_lines: set[int] = set()
    paragraphs: list[tuple[int, int]] = []  # (first line, last line) of prose blocks
    comments: list[tuple[int, int]] = []  # (line, column) of each block comment's ``%%``
    # The open fence: its character, its length, and the indent a closing fence must stay
    # below (three spaces past where it may open: the line's, or a list item's content).
    fence: tuple[str, int, int] | None = None
    in_list = False
    # The column a list item's content starts at (indented code in it starts 4 past it).
    list_content = 0
    prev_blank = True
    prev_code = False
    para_start = -1
    for index, line in enumerate(lines):
        if fence is not None:
            out.append("")
            inner = _QUOTED.sub("", line)
            stripped = inner.strip()
            if (
                stripped.startswith(fence[0] * fence[1])
                and not stripped.strip(fence[0])
                and _indent(inner) < fence[2]
            ):
                fence = None
            continue
        blank = not line.strip()
        if blank:
            out.append(line)
            if para_start >= 0:
                paragraphs.append((para_start, index - 1))
                para_start = -1
            prev_blank = True
            prev_code = False
            continue
        indent = _indent(line) if line[0] in " \t" else 0
        is_item = _LIST_ITEM.match(line) is not None
        if prev_blank and indent < 2 and not is_item:
            in_list = False
        # Indented code: never inside a paragraph (it cannot interrupt one), in a list item
        # four columns past the item's content and after a blank line.
        code_from = list_content + 4 if in_list else 4
        if (
            indent >= code_from
            and para_start < 0
            and (not in_list or prev_blank or prev_code)
            and not is_item
        ):
            out.append("")
            prev_code = True
            prev_blank = False
            continue
        opening = _FENCE.match(line) if ("`" in line or "~" in line) else None
        if (
            opening
            and (in_list or _indent(opening.group(1)) < 4)
            and not (opening.group(2)[0] == "`" and "`" in opening.group(3))
        ):
            lead = _QUOTED.sub("", opening.group(1))
            limit = (_indent(lead) if in_list else 0) + 4
            fence = (opening.group(2)[0], len(opening.group(2)), limit)
            out.append("")
            if para_start >= 0:
                paragraphs.append((para_start, index - 1))
                para_start = -1
            prev_blank = prev_code = False
            continue
        out.append(line)
        prev_code = False
        if is_item:
            in_list = True
            marker = _LIST_ITEM.match(line)
            assert marker is not None
            head = _QUOTED.sub("", marker.group(0)).expandtabs(4)
            list_content = len(head) + (0 if head.endswith(" ") else 1)
            block_lines.append(index)
            if para_start >= 0:
                paragraphs.append((para_start, index - 1))
            para_start = index
        atx = _ATX.match(line) if "#" in line else None
        if atx:
            headings.append((index, len(atx.group(1)), (atx.group(2) or "").strip()))
            heading_lines.add(index)
            if para_start >= 0 and para_start != index:
                paragraphs.append((para_start, index - 1))
            paragraphs.append((index, index))
            para_start = -1
        elif para_start >= 0 and _SETEXT.match(line) and _plain_paragraph(lines, para_start):
            level = 1 if line.strip()[0] == "=" else 2
            text = " ".join(part.strip() for part in lines[para_start:index])
            headings.append((para_start, level, text))
            heading_lines.add(para_start)
            paragraphs.append((para_start, index))
            para_start = -1
        elif _THEMATIC.match(line):
            if para_start >= 0:
                paragraphs.append((para_start, index - 1))
                para_start = -1
        elif para_start < 0:
            para_start = index
            if not in_list and "%%" in line:
                stripped = line.lstrip(" ")
                if stripped.startswith("%%") and len(line) - len(stripped) < 4:
                    comments.append((index, len(line) - len(stripped)))
        prev_blank = False
    if para_start >= 0:
        paragraphs.append((para_start, len(lines) - 1))
    text = "\n".join(out)
    # Each line's start: the lengths before it, plus one newline each.
    line_starts = list(map(add, accumulate(map(len, out), initial=0), count()))
    para_ends = sorted(
        (line_starts[first], line_starts[last + 1] - 1) for first, last in paragraphs
    )
    block_lines.extend(last for _, last in paragraphs if last not in heading_lines)
    comment_starts = (
        frozenset(line_starts[index] + column for index, column in comments)
        if comments
        else _NO_OFFSETS
    )
    return _Layout(
        text,
        line_starts,
        para_ends,
        headings,
        sorted(set(block_lines)),
        heading_lines,
        comment_starts,
    )


def _plain_paragraph(lines: list[str], start: int) -> bool:
    first = lines[start]
    return not _LIST_ITEM.match(first) and not first.lstrip().startswith(">")


# --- pass 2: regions that hide links --------------------------------------------------------


class _Regions:
    """Half-open offset ranges in which nothing is a link (code spans, comments, math).

    ``comments`` holds every comment, inline ``%%`` ones too (they hide nothing, but a
    suppression may be written in one).
    """

    def __init__(
        self, text: str, para_ends: list[tuple[int, int]], comment_starts: frozenset[int]
    ) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.comments: list[tuple[int, int]] = []
        self._text = text
        self._dollars: list[int] | None = None
        position = 0
        inline_close = -1  # the closing ``%%`` of the inline comment last opened
        # Backtick widths with no closing run left, by the paragraph end they were sought to.
        unclosed: dict[int, int] = {}
        find = text.find
        search = _REGION.search
        size = len(text)
        while True:
            match = search(text, position)
            if match is None:
                break
            start = match.start()
            first = text[start]
            end = start + 1
            if first == "\\":
                position = start + 2
                continue
            if first == "`":
                while end < size and text[end] == "`":
                    end += 1
                width, limit = end - start, _para_end(para_ends, start)
                close = -1 if unclosed.get(width) == limit else -2
                if close == -2:
                    close = _closing_backticks(text, end, width, limit)
                if close < 0:
                    # Openings come in order: none later in the paragraph finds a closing run.
                    unclosed[width] = limit
                    position = end
                    continue
                end = close
            elif first == "%" and start not in comment_starts:
                # An inline comment: closed within its paragraph, hiding nothing.
                if start != inline_close:
                    close = find("%%", start + 2, _para_end(para_ends, start))
                    if close >= 0:
                        self.comments.append((start, close + 2))
                        inline_close = close
                position = start + 2
                continue
            elif first in "%<":
                # A block ``%%`` or ``<!--`` (``_REGION`` finds no lone ``%`` or ``<``): a
                # comment, which an unclosed opening makes run to the end of the note.
                opening, closing = ("%%", "%%") if first == "%" else ("<!--", "-->")
                close = find(closing, start + len(opening))
                end = size if close < 0 else close + len(closing)
                self.comments.append((start, end))
            elif text.startswith("$$", start):
                end = start + 2
                close = find("$$", end)
                if close < 0:
                    position = end
                    continue
                end = close + 2
            else:
                close = self._closing_dollar(end, _para_end(para_ends, start))
                if close < 0:
                    position = end
                    continue
                end = close + 1
            self.starts.append(start)
            self.ends.append(end)
            position = end

    def hides(self, offset: int) -> bool:
        index = bisect_right(self.starts, offset) - 1
        return index >= 0 and offset < self.ends[index]

    def _closing_dollar(self, start: int, limit: int) -> int:
        """The dollar in ``start:limit`` that closes ``$math$`` opened before ``start``, or -1.

        The dollars that can close are found once: searching from every ``$`` to the end of
        its paragraph made a table of prices quadratic.
        """
        text = self._text
        if start >= limit or text[start] in " \t\n$":
            return -1
        if self._dollars is None:
            self._dollars = [
                found.start()
                for found in _DOLLAR_CLOSE.finditer(text)
                if not _escaped(text, found.start())
                and not (found.start() + 1 < len(text) and text[found.start() + 1].isdigit())
            ]
        index = bisect_left(self._dollars, start)
        if index < len(self._dollars) and self._dollars[index] < limit:
            return self._dollars[index]
        return -1


def _para_end(para_ends: list[tuple[int, int]], offset: int) -> int:
    index = bisect_right(para_ends, (offset, 1 << 62)) - 1
    if index >= 0 and para_ends[index][0] <= offset <= para_ends[index][1]:
        return para_ends[index][1]
    return offset


def _closing_backticks(text: str, start: int, width: int, limit: int) -> int:
    """The end of the first run of exactly ``width`` backticks in ``start:limit``, or -1."""
    run = "`" * width
    position = start
    run_end = _BACKTICKS.match
    while True:
        found = text.find(run, position, limit)
        if found < 0:
            return -1
        end = found + width
        if end < limit and text[end] == "`":
            whole = run_end(text, end, limit)
            assert whole is not None  # a backtick starts at ``end``
            end = whole.end()
        if end - found == width:
            return end
        position = end


# --- pass 3: markdown links and fields ------------------------------------------------------


def _markdown_links(
    text: str,
    regions: _Regions,
    taken: list[tuple[int, int]],
    position: Any,
) -> list[tuple[int, Link]]:
    found: list[tuple[int, Link]] = []
    if "](" not in text:
        return found
    # Where the last link's destination starts and ends: nothing in a destination is a link
    # (an image inside a link's text is).
    inside = (0, 0)
    # Where each link's text starts and ends, and whether it is an image (``_innermost``).
    texts: list[tuple[int, int, bool]] = []
    for match in _markdown_link_texts(text):
        start = match.start()
        if inside[0] <= start < inside[1]:
            continue
        if start and text[start - 1] == "\\" and _escaped(text, start):
            continue
        embed = start > 0 and text[start - 1] == "!" and not _escaped(text, start - 1)
        if embed:
            start -= 1
        if regions.hides(start) or _inside(taken, start):
            continue
        if match.group(1).startswith("^"):
            continue  # a footnote reference ``[^1]`` followed by text in parentheses
        parsed = _destination(text, match.end())
        if parsed is None:
            continue
        destination, begin, end = parsed
        inside = (begin, end)
        if _SCHEME.match(destination):
            continue
        raw = text[start:end]
        path, hashed, fragment = destination.partition("#")
        line, column = position(start)
        end_line, end_column = position(end)
        target = unquote(path).strip()
        subpath = _subpath(unquote(fragment)) if hashed else None
        texts.append((match.start(), match.end() - 2, embed))
        found.append(
            (
                start,
                Link(
                    kind=LinkKind.MARKDOWN,
                    text=raw,
                    target=target,
                    subpath=subpath or None,
                    display=match.group(1) or None,
                    line=line,
                    column=column,
                    end_line=end_line,
                    end_column=end_column,
                    embed=embed,
                ),
            )
        )
    return _innermost(found, texts) if len(found) > 1 else found


def _innermost(
    found: list[tuple[int, Link]], texts: list[tuple[int, int, bool]]
) -> list[tuple[int, Link]]:
    """The links without those whose text holds another link (CommonMark: links do not
    nest, the innermost is the link; an image in a link's text is no link of its own)."""
    links = [start for start, _, embed in texts if not embed]
    return [
        item
        for item, (start, stop, embed) in zip(found, texts, strict=True)
        if embed or not any(start < other < stop for other in links)
    ]


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def unquote(text: str) -> str:
    """``urllib.parse.unquote``: runs of ``%XX`` decoded as UTF-8, bad bytes as U+FFFD.

    The same answer (a test compares them) at a fraction of the cost: the standard one splits
    and rejoins the whole string in Python, for every markdown link of every note.
    """
    if "%" not in text:
        return text
    return _ESCAPES.sub(_unescape, text)


def _unescape(match: re.Match[str]) -> str:
    return bytes.fromhex(match.group().replace("%", "")).decode("utf-8", "replace")


def _markdown_link_texts(text: str) -> Iterator[re.Match[str]]:
    """``[text](`` openings, overlapping (an image inside a link), on lines holding ``](``."""
    search = _MD_LINK.search
    marker = text.find("](")
    while marker >= 0:
        line_start = text.rfind("\n", 0, marker) + 1
        line_end = text.find("\n", marker)
        if line_end < 0:
            line_end = len(text)
        offset = line_start
        while True:
            match = search(text, offset, line_end)
            if match is None:
                break
            yield match
            offset = match.start() + 1
        marker = text.find("](", line_end)


def _destination(text: str, start: int) -> tuple[str, int, int] | None:
    """Parse ``dest "title")`` after ``](``: the destination, where it starts, the end offset.

    As CommonMark (and mistune) read it: one line break may come before the destination and
    before the closing parenthesis, a title needs a space before it and may not span a blank
    line, and parentheses must balance, at most ``_MAX_PARENS`` deep.
    """
    limit = len(text)
    index = _skip_space(text, start) if text[start : start + 1] in _SPACE else start
    begin = index
    if index < limit and text[index] == "<":
        index += 1
        begin = index
        while True:
            stop = _ANGLE_STOP.search(text, index)
            if stop is None:
                return None
            char = stop.group()
            if char == "\\":
                index = _past_escape(text, stop.end())
                continue
            if char != ">":
                return None
            destination = text[begin : stop.start()]
            index = stop.end()
            break
    else:
        depth = 0
        plain = _PLAIN_DESTINATION.match
        while index < limit:
            # Most of a destination is neither a parenthesis nor a backslash: one regex step
            # skips each such stretch.
            found = plain(text, index)
            if found is not None:
                index = found.end()
                if index >= limit:
                    break
            char = text[index]
            if char == "\\" and index + 1 < limit and text[index + 1] in _ESCAPABLE:
                index += 2
                continue
            if char in _SPACE:
                break
            if char < " " or char == "\x7f":
                return None
            if char == "(":
                depth += 1
                if depth > _MAX_PARENS:
                    return None
            elif char == ")":
                if depth == 0:
                    break
                depth -= 1
            index += 1
        if depth:
            return None
        destination = text[begin:index]
    after = index
    if text[index : index + 1] in _SPACE:
        index = _skip_space(text, index)
    if index > after and index < limit and text[index] in "\"'(":
        end = _title_end(text, index)
        if end < 0:
            return None
        index = _skip_space(text, end)
    if index >= limit or text[index] != ")":
        return None
    return destination, begin, index + 1


def _skip_space(text: str, index: int) -> int:
    """Past spaces and tabs, and at most one line break (a blank line ends the paragraph)."""
    limit = len(text)
    while index < limit and text[index] in " \t\r\f":
        index += 1
    if index < limit and text[index] == "\n":
        index += 1
        while index < limit and text[index] in " \t\r\f":
            index += 1
    return index


def _past_escape(text: str, index: int) -> int:
    """After a backslash ending at ``index``: past the character it escapes, if any."""
    return index + 1 if index < len(text) and text[index] in _ESCAPABLE else index


def _title_end(text: str, index: int) -> int:
    """The offset after the title opened at ``index``, or -1 if it never closes."""
    opener = text[index]
    closer = ")" if opener == "(" else opener
    stops = _TITLE_STOP[opener].search
    position = index + 1
    while True:
        stop = stops(text, position)
        if stop is None:
            return -1
        char = stop.group()
        if char == "\\":
            position = _past_escape(text, stop.end())
            continue
        # The closer, or what ends a title unclosed: a ``(`` inside ``( )``, a blank line.
        return stop.end() if char == closer else -1


def _field_spans(text: str, regions: _Regions) -> list[list[tuple[int, int, str]]]:
    """Dataview inline field values, by start: ``key:: value`` lines, then ``[key:: value]``.

    Each list is sorted and its spans are disjoint (an inline field may sit inside a line's).
    """
    if "::" not in text:
        return []
    lines = [
        (match.start(2), match.end(2), match.group(1).strip())
        for match in _FIELD_LINE.finditer(text)
        if not regions.hides(match.start())
    ]
    inline: list[tuple[int, int, str]] = []
    search = _FIELD_INLINE.search
    position = 0
    # The closing bracket is the first ``]``, ``)`` or line end after the value's start; the
    # one found last serves every later opening before it (runs of ``(a:: `` share one).
    looked_from, close = 0, -1
    while True:
        match = search(text, position)
        if match is None:
            break
        value = match.end()
        if not looked_from <= value <= close:
            found = _FIELD_CLOSE.search(text, value)
            looked_from, close = value, found.start() if found else len(text)
        if close < len(text) and text[close] != "\n":
            if not regions.hides(match.start()):
                inline.append((value, close, match.group(1).strip()))
            position = close + 1
        else:
            position = match.start() + 1
    return [spans for spans in (lines, inline) if spans]


def _field_at(fields: list[list[tuple[int, int, str]]], offset: int) -> str | None:
    """The key of the field whose value holds ``offset``: the one that starts first."""
    best: tuple[int, int, str] | None = None
    for spans in fields:
        index = bisect_right(spans, (offset, 1 << 62, "")) - 1
        if (
            index >= 0
            and spans[index][0] <= offset < spans[index][1]
            and (best is None or spans[index] < best)
        ):
            best = spans[index]
    return best[2] if best else None


def _suppressions(
    comments: list[tuple[int, int]], text: str, position: Any
) -> tuple[Suppression, ...]:
    found: list[Suppression] = []
    open_ranges: dict[frozenset[str], int] = {}
    last_line = position(len(text))[0]
    for start, end in comments:
        for match in _SUPPRESS.finditer(text, start, min(end + 3, len(text))):
            verb = match.group(1)
            codes = frozenset(match.group(2).replace(",", " ").split())
            line = position(match.start())[0]
            if verb == "disable-next-line":
                found.append(Suppression(codes, line + 1, line + 1))
            elif verb == "disable-line":
                found.append(Suppression(codes, line, line))
            elif verb == "disable":
                open_ranges.setdefault(codes, line)
            elif verb == "enable":
                begin = open_ranges.pop(codes, None)
                if begin is None and not codes:
                    for key, begin_line in list(open_ranges.items()):
                        found.append(Suppression(key, begin_line, line))
                    open_ranges.clear()
                elif begin is not None:
                    found.append(Suppression(codes, begin, line))
    for codes, begin in open_ranges.items():
        found.append(Suppression(codes, begin, last_line))
    return tuple(found)


# --- the reference: mistune's full parse ----------------------------------------------------


def reference_links(body: str) -> list[tuple[str, str]]:
    """Links as mistune's full CommonMark parse sees them: ``(kind, target)`` in order.

    Used by the test suite to check ``scan_body`` against a real parser. Wikilinks, HTML
    comments and math are added as inline plugins, so the parser hides them exactly where it
    hides other inline syntax (code spans, escapes, code blocks); a block ``%%`` comment is a
    block plugin of the top level, which, like a fenced block, cannot interrupt a paragraph
    and is not read inside lists or quotes. An inline ``%%`` is plain text to it.
    """
    import mistune

    markdown = mistune.create_markdown(renderer=None, plugins=["footnotes", _mistune_plugin])
    tokens = markdown(body)
    assert isinstance(tokens, list)
    found: list[tuple[str, str]] = []
    _collect(tokens, found)
    return found


def _mistune_plugin(md: Any) -> None:
    def parse_wikilink(inline: Any, m: re.Match[str], state: Any) -> int:
        raw = m.group(0)
        state.append_token({"type": "wikilink", "raw": raw})
        return m.end()

    def parse_hidden(inline: Any, m: re.Match[str], state: Any) -> int:
        return m.end()

    def parse_block_comment(block: Any, m: re.Match[str], state: Any) -> int:
        continued = state.append_paragraph()
        if continued:
            return int(continued)
        close = state.src.find("%%", m.end())
        return int(state.cursor_max if close < 0 else close + 2)

    md.block.register("vk_block_comment", r"^ {0,3}%%", parse_block_comment, before="list")
    md.inline.register(
        "vk_comment", r"<!--[\s\S]*?(?:-->|$(?![\s\S]))", parse_hidden, before="link"
    )
    md.inline.register(
        "vk_math", r"\$\$[\s\S]+?\$\$|\$(?=\S)[^$\n]*?\S\$(?!\d)", parse_hidden, before="link"
    )
    md.inline.register("vk_wikilink", r"!?\[\[[^\[\]\n]*\]\]", parse_wikilink, before="link")


def _collect(tokens: list[dict[str, Any]], found: list[tuple[str, str]]) -> None:
    for token in tokens:
        kind = token.get("type")
        if kind == "wikilink":
            link = wikilink(token["raw"], LinkKind.WIKILINK, 0, 0)
            found.append(("embed" if token["raw"].startswith("!") else "wikilink", link.target))
        elif kind in ("link", "image"):
            url = token.get("attrs", {}).get("url", "")
            if not _SCHEME.match(url):
                found.append(("markdown", unquote(url.partition("#")[0]).strip()))
        if "children" in token:
            _collect(token["children"], found)
