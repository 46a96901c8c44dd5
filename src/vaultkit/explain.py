"""``vaultkit explain``: how one link resolves, step by step, with the candidates and the winner.

The link text is read by the note scanner itself (``scan_body``), so ``[[T#h|x]]``, ``![[T]]``,
``[t](T.md#h)`` and ``up:: [[T]]`` mean exactly what they mean in a note; a bare ``T#h`` is read
as ``[[T#h]]``. The answer is the resolver's own (``resolve_target`` for the steps, the
``Resolver`` for the final status), so ``explain`` cannot disagree with ``lint``.

What a user reads, where the spec is silent: the steps are numbered from 1 in the order they
were taken (the resolver's own numbers follow the algorithm, which skips steps); an alias link
is one Obsidian does not open (it does not follow aliases, whatever ``alias-links`` says), so
it exits 1 and shows the ``[[Target|Alias]]`` that Obsidian writes when the alias is picked
(the rule's own fix); a heading that is not found lists the note's headings, the closest to
the asked text first (``difflib``'s ratio on the compared forms; ties in the note's order).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from vaultkit.markdown import scan_body
from vaultkit.model import Edge, Heading, Link, LinkKind, Status, Vault, VaultkitError
from vaultkit.resolve import Answer, Resolver, resolve_target
from vaultkit.rules import alias_fix, link_findings
from vaultkit.suggest import NOTHING, Suggestion, suggestion_for
from vaultkit.text import fold, heading_key

_OPENS = frozenset({Status.RESOLVED, Status.AMBIGUOUS})
_STEP_NUMBER = re.compile(r"^\d+\.\s+")
_LISTED = 8


@dataclass(frozen=True, slots=True)
class Candidate:
    """One file the link could point to, in the order step 7 ranks them."""

    path: str
    near: bool
    winner: bool


@dataclass(frozen=True, slots=True)
class SubpathCheck:
    """Whether the ``#heading`` or ``#^block`` part was found in the target note."""

    kind: str
    found: bool | None
    detail: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything ``vaultkit explain`` shows about one link."""

    link: Link
    source: str | None
    answer: Answer
    edge: Edge
    steps: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    subpath: SubpathCheck | None
    rule: str | None
    obsidian_writes: str | None = None
    """For a link that names a note by an alias: the link Obsidian writes for that alias."""
    suggestion: Suggestion = NOTHING
    """What a broken link probably meant, as ``lint`` says it (``suggest.py``)."""

    @property
    def resolves(self) -> bool:
        """Obsidian opens a file for this link (the exit code of ``explain``)."""
        return self.edge.status in _OPENS


def parse_link(text: str) -> Link:
    """The one link written in ``text``, read as a note's body would be.

    A text without brackets or parentheses is a wikilink target: ``AI-Model#Types`` is read as
    ``[[AI-Model#Types]]``.
    """
    raw = text.strip()
    if raw and not any(char in raw for char in "[]()"):
        raw = f"[[{raw}]]"
    links = scan_body(raw).links
    if len(links) == 1:
        return links[0]
    if links:
        raise VaultkitError(f"{text!r} holds {len(links)} links: explain one at a time")
    if "](" in raw:
        raise VaultkitError(f"{text!r} is an external link (it has a URL scheme): never checked")
    raise VaultkitError(f"{text!r} is not a link: write it as [[Target#heading]] or [t](path.md)")


def find_note(vault: Vault, name: str, cwd: Path) -> str:
    """The vault-relative path of a note given as a file path, a vault path or a note name."""
    on_disk = (cwd / name).resolve()
    if on_disk.is_file() and on_disk.is_relative_to(vault.root):
        inside = on_disk.relative_to(vault.root).as_posix()
        if inside in vault.notes:
            return inside
    for attempt in (name.strip("/"), name.strip("/") + ".md"):
        found = vault.index.paths.get(fold(attempt))
        if found is not None and found in vault.notes:
            return found
    answer = resolve_target(vault.index, "", name.strip(), alias=False)
    if answer.status is Status.AMBIGUOUS:
        choices = ", ".join(repr(path) for path in sorted(answer.candidates))
        raise VaultkitError(f"{name!r} names several notes ({choices}): give the path")
    if answer.path is not None and answer.path in vault.notes:
        return answer.path
    raise VaultkitError(f"no note {name!r} in the vault {vault.root}")


def explain(vault: Vault, link: Link, source: str | None) -> Explanation:
    """Resolve ``link`` as if written in the note ``source`` (None: a note at the vault root)."""
    if source is None and not link.target and link.subpath:
        raise VaultkitError(f"{link.text!r} points into the note that holds it: give --from NOTE")
    origin = source or ""
    folder = origin.rsplit("/", 1)[0] if "/" in origin else ""
    config = vault.config
    answer = resolve_target(
        vault.index, folder, link.target, link.kind is not LinkKind.MARKDOWN, config.alias_links
    )
    edge = Resolver(vault.index, vault.notes, config).edge(origin, link)
    steps = answer.steps
    if not link.target and link.subpath:
        steps = ("no note named, only a heading or block: the note that holds the link",)
        answer = replace(answer, reason="the link points into the note that holds it")
    prefix = folder + "/" if folder else ""
    ranked = sorted(
        answer.candidates,
        key=lambda path: (not (prefix and path.startswith(prefix)), len(path), path),
    )
    candidates = tuple(
        Candidate(path, bool(prefix) and path.startswith(prefix), path == edge.resolved)
        for path in ranked
    )
    return Explanation(
        link=link,
        source=source,
        answer=answer,
        edge=edge,
        steps=steps,
        candidates=candidates,
        subpath=_check_subpath(vault, edge),
        rule=_rule(vault, edge),
        obsidian_writes=_alias_form(vault, edge),
        suggestion=suggestion_for(vault.index, vault.notes, edge),
    )


def _numbered(steps: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        f"{number}. {_STEP_NUMBER.sub('', step)}" for number, step in enumerate(steps, start=1)
    )


def _alias_form(vault: Vault, edge: Edge) -> str | None:
    """What Obsidian writes for an alias link: the target note's name, the alias as text."""
    link = edge.link
    path = edge.resolved if edge.status is Status.ALIAS else None
    if edge.status is Status.BROKEN and link.kind is not LinkKind.MARKDOWN:
        # With ``alias-links = "obsidian"`` the resolver calls it broken, as Obsidian does.
        owners = () if "/" in link.target else vault.index.aliases.get(fold(link.target), ())
        path = owners[0] if owners else None
    fix = alias_fix(vault, edge, path) if path is not None else None
    return fix.replacement if fix is not None else None


def _rule(vault: Vault, edge: Edge) -> str | None:
    """The rule that reports this link, as the link rules themselves say (``link_findings``)."""
    found = link_findings(vault, edge)
    return f"{found[0].code} {found[0].name}" if found else None


def _check_subpath(vault: Vault, edge: Edge) -> SubpathCheck | None:
    subpath = edge.link.subpath
    if not subpath or edge.resolved is None:
        return None
    note = vault.notes.get(edge.resolved)
    if note is None:
        return SubpathCheck("none", None, f"not checked: {edge.resolved!r} is not a note")
    if not note.readable:
        return SubpathCheck("none", None, f"not checked: {edge.resolved!r} could not be read")
    if subpath.startswith("^"):
        wanted = subpath[1:].lower()
        block = next((block for block in note.blocks if block.id == wanted), None)
        if block is not None:
            return SubpathCheck("block", True, f"^{wanted} found at line {block.line}")
        known = ", ".join(f"^{block.id}" for block in note.blocks[:12]) or "none"
        return SubpathCheck("block", False, f"^{wanted} not found (the note's blocks: {known})")
    parts = [part for part in subpath.split("#") if part.strip()]
    keys = [heading_key(part) for part in parts]
    shown = " > ".join(repr(key) for key in keys)
    chain = _heading_chain(note.headings, keys)
    if chain:
        found = " > ".join(f"{'#' * h.level} {h.text} (line {h.line})" for h in chain)
        return SubpathCheck("heading", True, f"compared as {shown}: found {found}")
    detail = f"compared as {shown}: not found"
    if note.headings:
        ranked = sorted(note.headings, key=lambda h: -_likeness(keys[-1], h.key))
        names = ", ".join(repr(h.text) for h in ranked[:_LISTED])
        more = ", ..." if len(ranked) > _LISTED else ""
        detail += f"; the note's headings, closest first: {names}{more}"
    else:
        detail += "; the note has no headings"
    return SubpathCheck("heading", False, detail)


def _likeness(asked: str, key: str) -> float:
    return difflib.SequenceMatcher(None, asked, key).ratio()


def _heading_chain(headings: tuple[Heading, ...], keys: list[str]) -> list[Heading]:
    """The headings that match ``A#B#…`` (each inside the section of the one before)."""

    def search(start: int, end: int, depth: int) -> list[Heading]:
        for position in range(start, end):
            heading = headings[position]
            if heading.key != keys[depth]:
                continue
            if depth == len(keys) - 1:
                return [heading]
            stop = position + 1
            while stop < end and headings[stop].level > heading.level:
                stop += 1
            rest = search(position + 1, stop, depth + 1)
            if rest:
                return [heading, *rest]
        return []

    return search(0, len(headings), 0) if keys else []


# --- output ---------------------------------------------------------------------------------


def explain_text(item: Explanation) -> str:
    """The explanation for a person to read."""
    link, edge = item.link, item.edge
    where = f"from {item.source}" if item.source else "from a note at the vault root"
    folder = item.source.rsplit("/", 1)[0] if item.source and "/" in item.source else ""
    lines = [
        f"{link.text}  ({link.kind.value}{', parent field' if edge.is_parent else ''}, {where})"
    ]
    lines.append(f"  target   {link.target!r}" if link.target else "  target   (none)")
    if link.subpath:
        kind = "block" if link.subpath.startswith("^") else "heading"
        lines.append(f"  {kind:<8} {link.subpath!r}")
    if link.display:
        lines.append(f"  display  {link.display!r}")
    lines.append("")
    lines.append("Steps, in Obsidian's order:")
    lines.extend(f"  {step}" for step in _numbered(item.steps))
    if item.candidates:
        lines.append("")
        heading = "Notes with this alias" if edge.status is Status.ALIAS else "Candidates"
        if len(item.candidates) > 1:
            heading += " (ranked: under the note's folder first, then shortest, then a-z)"
        lines.append(f"{heading}:")
        for candidate in item.candidates:
            marks = ["winner"] if candidate.winner else []
            if candidate.near:
                marks.append(f"under {folder}/")
            shown = f"  ({', '.join(marks)})" if marks else ""
            lines.append(f"  {'->' if candidate.winner else '  '} {candidate.path}{shown}")
    reason = item.answer.reason
    if reason and not any(reason in step for step in item.steps):
        lines.append("")
        lines.append(f"Why: {reason}")
    if item.subpath is not None:
        lines.append("")
        label = {"heading": "Heading", "block": "Block"}.get(item.subpath.kind, "Subpath")
        lines.append(f"{label}: {item.subpath.detail}")
    lines.append("")
    arrow = f" -> {edge.resolved}" if edge.resolved else ""
    lines.append(f"Result: {edge.status.value}{arrow}")
    if item.obsidian_writes is not None:
        lines.append(
            "Obsidian does not open a link by an alias; picking the alias there writes "
            + item.obsidian_writes
        )
    if item.suggestion.names or item.suggestion.remark:
        said = item.suggestion.sentence().removeprefix("; ")
        lines.append(said[:1].upper() + said[1:])
    if item.rule:
        lines.append(f"lint reports: {item.rule}")
    return "\n".join(lines) + "\n"


def explain_json(item: Explanation) -> str:
    """The explanation as one JSON object, for scripts."""
    link, edge = item.link, item.edge
    record = {
        "text": link.text,
        "kind": link.kind.value,
        "from": item.source,
        "target": link.target,
        "subpath": link.subpath,
        "steps": list(_numbered(item.steps)),
        "candidates": [
            {"path": c.path, "winner": c.winner, "near": c.near} for c in item.candidates
        ],
        "reason": item.answer.reason or None,
        "subpath_check": None
        if item.subpath is None
        else {
            "kind": item.subpath.kind,
            "found": item.subpath.found,
            "detail": item.subpath.detail,
        },
        "status": edge.status.value,
        "resolved": edge.resolved,
        "opens": item.resolves,
        "obsidian_writes": item.obsidian_writes,
        "rule": item.rule,
        "suggestions": list(item.suggestion.names),
    }
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"
