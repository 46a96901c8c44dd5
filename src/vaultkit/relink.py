"""Rewriting links in the form they were written: a renamed note's, a renamed heading's.

Pure functions of the links as parsed: where a link's target and ``#`` parts lie in its text
(``link_parts``), how a link names a file in the form it was written in (``written_target``,
which ``vaultkit mv`` and the language server's rename take), and the ``Fix`` replacements
that keep every link to a renamed heading pointing at it (``relink_heading``). What is kept
(choices where Obsidian's behaviour is the guide and the spec is silent):

- Display text, ``#heading`` and ``#^block`` parts, embeds' ``!`` and tables' ``\\|`` are kept;
  only the part of the link that names the note (or the heading) is replaced.
- A target is written in the form the link was written in: a bare name stays a bare name
  when it is unique (else the vault path, as Obsidian writes an ambiguous name), a vault
  path stays a vault path, ``/path`` stays rooted, ``./`` and ``../`` links stay relative to
  the linking note, and a written ``.md`` is kept. Markdown links keep ``<…>`` destinations
  or percent-encode what a destination cannot hold.
- A heading's links are those that reached it, through an alias too; a link whose heading was
  already broken is left alone. Heading text written into a link loses the characters
  Obsidian drops there (``# | ^ [ ]``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from vaultkit.model import Edge, Fix, Heading, Link, LinkKind, Status
from vaultkit.text import fold, heading_key

_WIKI_FORMS = (LinkKind.WIKILINK, LinkKind.EMBED, LinkKind.PROPERTY, LinkKind.FIELD)
_KEEPS_HEADING = frozenset({Status.RESOLVED, Status.AMBIGUOUS, Status.ALIAS})
_NOT_IN_LINKS = re.compile(r"[#|^\[\]]+")
_SPACES = re.compile(r"\s+")
# What a markdown destination cannot hold unescaped (CommonMark: spaces, parentheses, ``<>``).
_ENCODED = frozenset(' %()<>#^|[]"\\')


@dataclass(frozen=True, slots=True)
class Parts:
    """Where, inside ``Link.text``, the note's name and each ``#`` part are written.

    Offsets are into the link text, end exclusive, whitespace around each part excluded;
    ``angle`` is a markdown destination written inside ``<…>`` (kept as is, not encoded).
    """

    target: tuple[int, int]
    subpath: tuple[tuple[int, int], ...]
    markdown: bool
    angle: bool = False


def link_parts(link: Link) -> Parts | None:
    """The spans of a link's target and ``#`` parts, or None when its text has no such form."""
    text = link.text
    if link.kind in _WIKI_FORMS:
        start = text.find("[[")
        end = text.rfind("]]")
        if start < 0 or end < start + 2:
            return None
        inner_start = start + 2
        pipe = _first_pipe(text, inner_start, end)
        spans = _split(text, inner_start, pipe, "#")
        return Parts(spans[0], tuple(spans[1:]), markdown=False)
    if link.kind is LinkKind.MARKDOWN:
        opening = _label_end(text)
        if opening is None or not text.endswith(")"):
            return None
        start, end = opening + 2, len(text) - 1
        while start < end and text[start].isspace():
            start += 1
        angle = text.startswith("<", start)
        if angle:
            close = text.find(">", start)
            if close < 0:
                return None
            start, end = start + 1, close
        else:
            space = next((i for i in range(start, end) if text[i].isspace()), end)
            end = space  # a title after the destination is not part of it
        spans = _split(text, start, end, "#")
        return Parts(spans[0], tuple(spans[1:]), markdown=True, angle=angle)
    return None


def relink_heading(
    edges: Iterable[Edge], note: str, heading: Heading, new_text: str
) -> dict[str, list[Fix]]:
    """The replacements that keep every link to ``heading`` of ``note`` pointing at it once its
    text is ``new_text``; the heading line itself is ``rename_heading_line``'s."""
    written = heading_in_link(new_text)
    fixes: dict[str, list[Fix]] = {}
    for edge in edges:
        link = edge.link
        subpath = link.subpath
        if edge.resolved != note or edge.status not in _KEEPS_HEADING or not subpath:
            continue
        if subpath.startswith("^"):
            continue
        parts = link_parts(link)
        if parts is None:
            continue
        for span in parts.subpath:
            part = link.text[span[0] : span[1]]
            shown = _decode(part) if parts.markdown else part
            if heading_key(shown) != heading.key:
                continue
            value = encode_destination(written) if parts.markdown and not parts.angle else written
            fix = _replace(link, span, value)
            if fix is not None:
                fixes.setdefault(edge.source, []).append(fix)
    return fixes


def rename_heading_line(line: str, number: int, heading: Heading, new_text: str) -> Fix | None:
    """The replacement of a heading's text on its own line (``number``, 1-based)."""
    start = line.find(heading.text)
    if start < 0 or not new_text.strip():
        return None
    end = start + len(heading.text)
    return Fix(new_text.strip(), number, start + 1, number, end + 1)


def heading_in_link(text: str) -> str:
    """A heading's text as a link writes it: ``# | ^ [ ]`` dropped, spaces folded."""
    return _SPACES.sub(" ", _NOT_IN_LINKS.sub(" ", text)).strip()


def name_form(names: Mapping[str, tuple[str, ...]], path: str) -> str:
    """How a link names the file at ``path``: its name when no other file has it, else its
    path (a note without ``.md``), as Obsidian writes links."""
    name = path.rsplit("/", 1)[-1]
    stem = name[:-3] if name.lower().endswith(".md") else name
    others = [other for other in names.get(fold(name), ()) if other != path]
    if stem != name:
        others += list(names.get(fold(stem), ()))
    return stem if not others else (path[:-3] if path.lower().endswith(".md") else path)


def written_target(
    written: str, source: str, after: Mapping[str, tuple[str, ...]], new: str, markdown: bool
) -> str:
    """How a link written as ``written`` in the note ``source`` names the file ``new``, in the
    same form (bare name, vault path, ``/`` rooted, ``./`` relative, ``.md`` kept), where
    ``after`` is the index's folded file name → paths once the rename is done (``new`` may be
    missing from it). Not encoded: a markdown destination is ``encode_destination``'s."""
    keep_md = markdown or fold(written).endswith(".md")
    form = new if keep_md or not new.lower().endswith(".md") else new[:-3]
    if written.startswith("/"):
        return "/" + form
    if written.startswith(("./", "../")):
        folder = source.rsplit("/", 1)[0] if "/" in source else ""
        relative = posixpath.relpath(form, folder or ".")
        if written.startswith("./") and not relative.startswith("../"):
            relative = "./" + relative
        return relative
    if "/" in written:
        return form
    short = name_form(after, new)
    if "/" in short:
        return form
    return new.rsplit("/", 1)[-1] if keep_md else short


def replace_target(link: Link, value: str) -> Fix | None:
    """The replacement that writes ``value`` as the part of the link naming its file
    (percent-encoded in a markdown destination outside ``<…>``); None when the link has no
    such part or already reads so."""
    parts = link_parts(link)
    if parts is None:
        return None
    if parts.markdown and not parts.angle:
        value = encode_destination(value)
    return _replace(link, parts.target, value)


def _replace(link: Link, span: tuple[int, int], value: str) -> Fix | None:
    """A ``Fix`` for the characters ``span`` of the link's text (which may span lines)."""
    if link.text[span[0] : span[1]] == value:
        return None
    start = position_in(link, span[0])
    end = position_in(link, span[1])
    return Fix(value, start[0], start[1], end[0], end[1])


def position_in(link: Link, offset: int) -> tuple[int, int]:
    """The line and column of ``offset`` characters into the link's text."""
    before = link.text[:offset]
    newlines = before.count("\n")
    if not newlines:
        return link.line, link.column + offset
    return link.line + newlines, offset - before.rfind("\n")


def _first_pipe(text: str, start: int, end: int) -> int:
    position = text.find("|", start, end)
    if position < 0:
        return end
    # ``\|`` inside a table is the pipe of the link: the backslash belongs to it.
    return position - 1 if position > start and text[position - 1] == "\\" else position


def _split(text: str, start: int, end: int, separator: str) -> list[tuple[int, int]]:
    spans = []
    position = start
    while True:
        found = text.find(separator, position, end)
        stop = end if found < 0 else found
        spans.append(_trimmed(text, position, stop))
        if found < 0:
            return spans
        position = found + 1


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _label_end(text: str) -> int | None:
    """The offset of the ``]`` that closes a markdown link's label, followed by ``(``."""
    depth = 0
    position = 1 if text.startswith("[") else text.find("[") + 1
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            if depth == 0:
                return position if text.startswith("(", position + 1) else None
            depth -= 1
        position += 1
    return None


def encode_destination(text: str) -> str:
    """A markdown link destination with what it cannot hold percent-encoded (``%20``)."""
    return "".join(
        "".join(f"%{byte:02X}" for byte in char.encode("utf-8")) if char in _ENCODED else char
        for char in text
    )


def _decode(text: str) -> str:
    return unquote(text)
