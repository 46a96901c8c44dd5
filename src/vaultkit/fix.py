"""``lint --fix``: applying the fixes rules attach to findings, or showing them as a diff.

Four fixes exist. Three are safe (they keep what the note means in Obsidian and what the
reader sees) and ``--fix`` applies them: an alias link becomes ``[[Target|Alias]]`` (VK105), an
unquoted property link is quoted (VK214), and a single-string ``aliases`` becomes a one-item
list (VK211). One is unsafe (Obsidian opens the same note, which may not be the one the author
meant) and needs ``--unsafe-fixes``: an ambiguous link pins the tie-break's winner by its path,
its visible text kept (VK104). A link naming a renamed note is pointed at the note it became
(VK101, VK301: safe; ``renames.py``). Each rule's row in ``RULES`` names the kind of its fix,
and each ``Fix`` says which it is. Any other fix a finding may carry is never applied.

Planning reads each note's bytes once and first checks that they still parse to the note that
was linted; then every fix is checked before it is accepted: its range must hold the text the
finding is about, it must not overlap a fix already taken (link fixes win, since the quoted
``"[[Target|Alias]]"`` also fixes VK214), and the note with the fixes applied must mean the
same (the same aliases, tags, headings, blocks, problems, and every link resolving to the same
file) while the findings are gone and the rules report no other. That last check parses the
note once with all its fixes made, not once per fix (2,000 fixes in one note: 36 s before);
when it fails, the fixes on the lines that changed are skipped and the rest checked again. A
fix that fails a check is skipped, with its reason. A link fixed inside a table row gets
``\\|`` for its pipe, as Obsidian writes it there.

Writing replaces each file atomically (a temporary file in the real file's folder, then
``os.replace``), through a symlink to the file it points to, with the file's mode, its BOM and
its line endings (CRLF, CR-only or mixed: only the replaced characters change). Just before
the replace, the bytes on disk are compared with the bytes that were planned from; a file
that changed in between is refused and left as it is.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from vaultkit.model import Diagnostic, Link, Note, Problem, Vault
from vaultkit.parse import parse_note
from vaultkit.read import decode, patch_lines
from vaultkit.renames import renamed_to
from vaultkit.report import Context, display_path
from vaultkit.resolve import Resolver
from vaultkit.rules import RULES, edges_findings

_WINS_OVERLAP = ("VK101", "VK301", "VK104", "VK105", "VK211", "VK214")
"""Which fix is taken when two overlap: link fixes first (the quoted ``"[[Target|Alias]]"``
also fixes VK214), a renamed note's new name before any other link fix."""

FIXABLE = tuple(sorted((rule.code for rule in RULES if rule.fix), key=_WINS_OVERLAP.index))
"""The codes whose fixes ``--fix`` applies (the rules whose row names a fix kind), in the order
they win an overlap."""

# The fixable rules by what they are asked about. A fix is made inside one note, so no rule
# about several notes together has one.
_LINK_FIXABLE = frozenset(rule.code for rule in RULES if rule.fix and rule.scope == "link")
_NOTE_FIXABLE = tuple(rule for rule in RULES if rule.fix and rule.scope == "note")

_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(r"\r\n|\r|\n")
_TABLE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_LINK_CODES = frozenset({"VK104", "VK105"})
_CHANGED = "the note changed since it was read: lint again"
_FACTS = (
    "the note's aliases",
    "the note's tags",
    "a heading's text, and links to that heading",
    "the note's block ids",
    "the note's vaultkit-ignore",
    "the note's other problems",
    "where a link points",
)


@dataclass(frozen=True, slots=True)
class Change:
    """One fix that is (or would be) made: the finding, and the text before and after."""

    diagnostic: Diagnostic
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Skip:
    """A fix that was not made, and why."""

    diagnostic: Diagnostic
    reason: str


@dataclass(frozen=True, slots=True)
class FileFix:
    """The new content of one note: its original bytes and the bytes to write."""

    path: str
    real: Path
    original: bytes
    fixed: bytes
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A note left untouched as a whole."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Every change ``--fix`` would make, and what it would not do."""

    files: tuple[FileFix, ...]
    skipped: tuple[Skip, ...]
    refused: tuple[Refusal, ...]
    hidden: tuple[Diagnostic, ...] = ()
    """The findings whose fix is unsafe, left out because ``--unsafe-fixes`` was not given."""


def plan_fixes(vault: Vault, diagnostics: Sequence[Diagnostic], unsafe: bool = False) -> Plan:
    """What ``--fix`` would change for these findings; reads the notes, writes nothing.

    Safe fixes only, unless ``unsafe``: the unsafe ones are then left out, not skipped.
    """
    by_path: dict[str, list[Diagnostic]] = {}
    hidden: list[Diagnostic] = []
    for item in diagnostics:
        if item.fix is not None and item.code in FIXABLE:
            if item.fix.safe or unsafe:
                by_path.setdefault(item.path, []).append(item)
            else:
                hidden.append(item)
    files: list[FileFix] = []
    skipped: list[Skip] = []
    refused: list[Refusal] = []
    for path in sorted(by_path):
        outcome = _plan_file(vault, path, by_path[path])
        if isinstance(outcome, Refusal):
            refused.append(outcome)
            continue
        planned, skips = outcome
        skipped.extend(skips)
        if planned is not None:
            files.append(planned)
    return Plan(tuple(files), tuple(skipped), tuple(refused), tuple(hidden))


def write_fixes(plan: Plan) -> tuple[Refusal, ...]:
    """Write every planned file atomically; returns the files refused because they changed."""
    refused: list[Refusal] = []
    for item in plan.files:
        reason = _replace_atomically(item)
        if reason is not None:
            refused.append(Refusal(item.path, reason))
    return tuple(refused)


def fix_diff(plan: Plan, context: Context) -> str:
    """A unified diff of every planned change, paths relative to the current folder.

    Lines are shown with ``\\n`` endings whatever the file uses; the file itself keeps its own.
    """
    out: list[str] = []
    for item in plan.files:
        shown = display_path(context, item.path)
        before = patch_lines(item.original)
        after = patch_lines(item.fixed)
        for line in difflib.unified_diff(before, after, f"a/{shown}", f"b/{shown}"):
            if line.endswith("\n"):
                out.append(line)
            else:
                out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def fix_report(plan: Plan, refused: Sequence[Refusal], context: Context, dry_run: bool) -> str:
    """A line per change, skip and refusal, and a summary line."""
    lines = []
    verb = "would fix" if dry_run else "fixed"
    for item in plan.files:
        for change in item.changes:
            found = change.diagnostic
            where = f"{display_path(context, found.path)}:{found.line}:{found.column}:"
            lines.append(
                f"{where} {verb} {found.code} [{found.name}] {change.before} -> {change.after}"
            )
    for skip in plan.skipped:
        found = skip.diagnostic
        where = f"{display_path(context, found.path)}:{found.line}:{found.column}:"
        lines.append(f"{where} not fixed {found.code} [{found.name}]: {skip.reason}")
    for refusal in (*plan.refused, *refused):
        lines.append(f"{display_path(context, refusal.path)}: not fixed: {refusal.reason}")
    written = {refusal.path for refusal in refused}
    count = sum(len(item.changes) for item in plan.files if item.path not in written)
    notes = sum(1 for item in plan.files if item.path not in written)
    summary = f"{verb} {count:,} problem{'s' if count != 1 else ''}"
    summary += f" in {notes:,} note{'s' if notes != 1 else ''}"
    left = len(plan.skipped) + len(plan.refused) + len(refused)
    if left:
        summary += f"; {left:,} not fixed"
    if plan.hidden:
        summary += f"; {len(plan.hidden):,} more with --unsafe-fixes"
    lines.append(summary)
    return "\n".join(lines) + "\n"


# --- planning one note ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    diagnostic: Diagnostic
    start: int
    end: int
    replacement: str

    @property
    def line(self) -> int:
        assert self.diagnostic.fix is not None
        return self.diagnostic.fix.line

    @property
    def spans_lines(self) -> bool:
        assert self.diagnostic.fix is not None
        return self.diagnostic.fix.end_line != self.diagnostic.fix.line


def _plan_file(
    vault: Vault, path: str, found: list[Diagnostic]
) -> Refusal | tuple[FileFix | None, list[Skip]]:
    note = vault.notes.get(path)
    if note is None or not note.readable:
        return Refusal(path, "the note could not be read")
    root = vault.root
    real = Path(os.path.realpath(root / path))
    if not real.is_relative_to(root):
        return Refusal(path, "the note is a symlink that leads outside the vault")
    try:
        data = real.read_bytes()
    except OSError as error:
        return Refusal(path, f"cannot read the note: {(error.strerror or str(error)).lower()}")
    text = decode(data)
    if isinstance(text, Problem) or _parse(vault, path, text) != note:
        return Refusal(path, _CHANGED)
    bom = data.startswith(_BOM)
    raw = data[len(_BOM) :].decode("utf-8") if bom else data.decode("utf-8")

    skipped: list[Skip] = []
    candidates: list[_Candidate] = []
    where = _Where(note, _split_lines(raw), text.split("\n"))
    for item in found:
        candidate = _candidate(item, where)
        if isinstance(candidate, str):
            skipped.append(Skip(item, candidate))
        else:
            candidates.append(candidate)
    taken = _without_overlaps(candidates, skipped)
    if not taken:
        return None, skipped

    check = _Check(vault, path, raw, note)
    accepted = sorted(check.settle(taken, skipped), key=lambda c: c.start)
    if not accepted:
        return None, skipped
    fixed = _apply(raw, accepted)
    if len(accepted) < len(taken):
        # The fixes that passed in parts are checked once more as the whole that is written.
        problem = check.why_not(accepted, check.after(accepted))
        if problem is not None:
            return Refusal(path, f"the fixes together would not keep its meaning ({problem})")
    changes = tuple(
        Change(c.diagnostic, _shown(raw[c.start : c.end]), _shown(c.replacement)) for c in accepted
    )
    encoded = (_BOM if bom else b"") + fixed.encode("utf-8")
    return FileFix(path, real, data, encoded, changes), skipped


def _shown(text: str) -> str:
    return _LINE_END.sub("\\\\n", text)


def _parse(vault: Vault, path: str, text: str) -> Note:
    config = vault.config
    return parse_note(path, text, frozenset(config.parent_keys), config.parse_timeout)


def _split_lines(raw: str) -> list[tuple[int, int, str]]:
    """``(start, end of content, line ending)`` of each line of the text as it is on disk."""
    lines = []
    start = 0
    for match in _LINE_END.finditer(raw):
        lines.append((start, match.start(), match.group(0)))
        start = match.end()
    lines.append((start, len(raw), ""))
    return lines


class _Where:
    """Positions in one note: lines on disk and normalised, its links, its table rows."""

    def __init__(self, note: Note, lines: list[tuple[int, int, str]], normal: list[str]) -> None:
        self.lines = lines
        self.normal = normal
        self.links: dict[tuple[int, int], Link] = {}
        for link in note.links:
            self.links.setdefault((link.line, link.column), link)
        self._table_rows: frozenset[int] | None = None

    def offset(self, line: int, column: int) -> int | None:
        if not 1 <= line <= len(self.lines):
            return None
        start, end, _ = self.lines[line - 1]
        offset = start + column - 1
        return offset if start <= offset <= end else None

    def text(self, line: int, start: int, end: int) -> str:
        first = self.lines[line - 1][0]
        return self.normal[line - 1][start - first : end - first]

    def in_table(self, index: int) -> bool:
        if self._table_rows is None:
            self._table_rows = _table_rows(self.normal)
        return index in self._table_rows


def _table_rows(lines: list[str]) -> frozenset[int]:
    """The GFM table rows: lines of a block of non-blank lines whose second line is a delimiter.

    Read as before: a line is a row when a delimiter row (other than itself) lies between the
    block's second line and the line after it. One pass over the note.
    """
    rows: set[int] = set()
    top = 0
    for index, line in enumerate([*lines, ""]):
        if line.strip():
            continue
        delimiters = [
            row
            for row in range(top + 1, index)
            if "|" in lines[row] and _TABLE_DELIMITER.match(lines[row]) is not None
        ]
        if delimiters:
            first = delimiters[0]
            second = delimiters[1] if len(delimiters) > 1 else index + 1
            for row in range(max(top, first - 1), index):
                if row != first or second <= row + 1:
                    rows.add(row)
        top = index + 1
    return frozenset(rows)


def _candidate(item: Diagnostic, where: _Where) -> _Candidate | str:
    fix = item.fix
    assert fix is not None
    start = where.offset(fix.line, fix.column)
    end = where.offset(fix.end_line, fix.end_column)
    if start is None or end is None or end < start:
        return "its position is not in the note"
    replacement = fix.replacement
    if "\n" in replacement or "\r" in replacement:
        return "its replacement spans lines"
    if item.code in _LINK_CODES:
        link = where.links.get((fix.line, fix.column))
        if link is None:
            return "no link starts at its position"
        if not link.unquoted and where.text(fix.line, start, end) != link.text:
            return "its range does not hold the link"
        if link.kind.value != "property" and where.in_table(fix.line - 1):
            # Inside a table a bare pipe ends the cell: Obsidian writes ``\|`` there.
            replacement = re.sub(r"(?<!\\)\|", r"\\|", replacement, count=1)
    return _Candidate(item, start, end, replacement)


def _without_overlaps(candidates: list[_Candidate], skipped: list[Skip]) -> list[_Candidate]:
    """The candidates that overlap none taken before them, link fixes first; by position."""
    starts: list[int] = []
    taken: list[_Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (FIXABLE.index(c.diagnostic.code), c.start)):
        at = bisect.bisect_left(starts, candidate.start)
        near = taken[max(at - 1, 0) : at + 1]
        clash = next((other for other in near if _overlap(other, candidate)), None)
        if clash is not None:
            same = (clash.start, clash.end) == (candidate.start, candidate.end)
            where = "at the same place" if same else "next to it"
            message = f"it overlaps the {clash.diagnostic.code} fix {where}"
            skipped.append(Skip(candidate.diagnostic, message))
            continue
        starts.insert(at, candidate.start)
        taken.insert(at, candidate)
    return taken


def _overlap(first: _Candidate, second: _Candidate) -> bool:
    return first.start < second.end and second.start < first.end


def _apply(raw: str, fixes: list[_Candidate]) -> str:
    """The text with the fixes (sorted by position, none overlapping) made, in one pass."""
    pieces = []
    done = 0
    for candidate in fixes:
        pieces.append(raw[done : candidate.start])
        pieces.append(candidate.replacement)
        done = candidate.end
    pieces.append(raw[done:])
    return "".join(pieces)


# --- what a note means, before and after ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Meaning:
    facts: tuple[object, ...]
    counts: Counter[str]
    placed: tuple[Counter[tuple[object, ...]], ...]
    flagged: Counter[tuple[str, int]]


# The facts that have a line, in the order of ``_FACTS``, and the index in it of each.
_PLACED = (2, 3, 5, 6)


class _Check:
    """Whether fixes keep one note's meaning, each check one parse of the fixed text."""

    def __init__(self, vault: Vault, path: str, raw: str, note: Note) -> None:
        self.vault = vault
        self.path = path
        self.raw = raw
        self.resolver = Resolver(vault.index, vault.notes, vault.config)
        self.before = _meaning(self.resolver, note, vault)

    def settle(self, fixes: list[_Candidate], skipped: list[Skip]) -> list[_Candidate]:
        """The fixes that keep the meaning, by position; the others go to ``skipped``.

        All of them are checked at once, so a note whose fixes all pass costs one parse. When
        the check fails, a fix alone on a line whose headings, blocks, problems or links
        changed is skipped with that line's reason, fixes sharing such a line are checked
        apart, and the others are checked again; a failure no line explains (an alias or a
        tag changed) halves the group instead. What is kept is checked as a whole at the end.
        """
        after = self.after(fixes)
        problem = self.why_not(fixes, after)
        if problem is None:
            return fixes
        if len(fixes) == 1:
            skipped.append(Skip(fixes[0].diagnostic, problem))
            return []
        lines = self.changed_lines(fixes, after)
        per_line = Counter(c.line for c in fixes if c.line in lines)
        shared = [c for c in fixes if per_line[c.line] > 1]
        if per_line and len(shared) < len(fixes):
            alone = [c for c in fixes if per_line[c.line] == 1]
            skipped.extend(Skip(c.diagnostic, lines[c.line]) for c in alone)
            rest = [c for c in fixes if c.line not in lines]
            kept = self.settle(rest, skipped) if rest else []
            return kept + (self.settle(shared, skipped) if shared else [])
        middle = len(fixes) // 2
        return self.settle(fixes[:middle], skipped) + self.settle(fixes[middle:], skipped)

    def after(self, fixes: list[_Candidate]) -> _Meaning | None:
        text = decode(_apply(self.raw, fixes).encode("utf-8"))
        if isinstance(text, Problem):
            return None
        return _meaning(self.resolver, _parse(self.vault, self.path, text), self.vault)

    def why_not(self, fixes: list[_Candidate], after: _Meaning | None) -> str | None:
        if after is None:
            return "the note would not be valid text"
        for name, old, new in zip(_FACTS, self.before.facts, after.facts, strict=True):
            if old != new:
                return f"the fix would change {name}"
        fixed = Counter(c.diagnostic.code for c in fixes)
        for code in FIXABLE:
            if after.counts[code] > self.before.counts[code] - fixed[code]:
                if fixed[code]:
                    return "the fix would not remove the problem"
                return f"the fix would cause a {code} problem"
        return None

    def changed_lines(self, fixes: list[_Candidate], after: _Meaning | None) -> dict[int, str]:
        """The lines where the fixed note differs, each with the reason; none if unknown.

        Lines keep their numbers only while no fix spans a line break (a folded ``aliases``
        value does): then no line is named, and the group is halved.
        """
        if after is None or any(c.spans_lines for c in fixes):
            return {}
        before = self.before
        lines: dict[int, str] = {}
        for position, old, new in zip(_PLACED, before.placed, after.placed, strict=True):
            for key in (old - new) + (new - old):
                line = key[0]
                assert isinstance(line, int)
                lines.setdefault(line, f"the fix would change {_FACTS[position]}")
        fixed = Counter((c.diagnostic.code, c.line) for c in fixes)
        for (code, line), count in after.flagged.items():
            if count > before.flagged[code, line] - fixed[code, line]:
                if fixed[code, line]:
                    lines.setdefault(line, "the fix would not remove the problem")
                else:
                    lines.setdefault(line, f"the fix would cause a {code} problem")
        return lines


def _meaning(resolver: Resolver, note: Note, vault: Vault) -> _Meaning:
    """What the note means, and which fixable problems it has: the rules decide.

    The problems are the findings the rules of ``FIXABLE`` codes report, counted per code and
    line: the link rules asked about the note's links (``edges_findings``; the notes a broken
    link probably meant are not looked for, since only the count matters), the other rules
    about a view holding only this note.
    """
    edges = resolver.edges(note.path, note.links)
    # A link naming a renamed note means the note it became (VK101 and VK301's fix).
    renamed = [renamed_to(vault, edge) for edge in edges]
    links = tuple(
        (edge.resolved or new, edge.link.subpath, edge.link.key, edge.link.embed)
        for edge, new in zip(edges, renamed, strict=True)
    )
    problems = sorted((p.code, p.message) for p in note.problems if p.code not in FIXABLE)
    facts = (
        note.aliases,
        note.tags,
        tuple(heading.key for heading in note.headings),
        tuple(block.id for block in note.blocks),
        note.ignore,
        tuple(problems),
        links,
    )
    placed: tuple[Counter[tuple[object, ...]], ...] = (
        Counter((heading.line, heading.key) for heading in note.headings),
        Counter((block.line, block.id) for block in note.blocks),
        Counter((p.line, p.code, p.message) for p in note.problems if p.code not in FIXABLE),
        Counter((edge.link.line, *link) for edge, link in zip(edges, links, strict=True)),
    )
    alone = replace(vault, notes={note.path: note}, edges=edges)
    found = [
        *edges_findings(vault, edges, _LINK_FIXABLE, names=False),
        *(item for rule in _NOTE_FIXABLE for item in rule.check(alone)),
    ]
    flagged = Counter((item.code, item.line) for item in found)
    counts: Counter[str] = Counter()
    for (code, _), count in flagged.items():
        counts[code] += count
    return _Meaning(facts, counts, placed, flagged)


# --- writing --------------------------------------------------------------------------------


def _replace_atomically(item: FileFix) -> str | None:
    real = item.real
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
        if real.read_bytes() != item.original:
            return _CHANGED
        handle, temporary = tempfile.mkstemp(
            dir=real.parent, prefix=f".{real.name}.", suffix=".vaultkit"
        )
    except OSError as error:
        return _cannot_write(error)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(item.fixed)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        # The last look before the replace: an editor may have saved the note meanwhile.
        if real.read_bytes() != item.original:
            return _CHANGED
        os.replace(temporary, real)
    except OSError as error:
        return _cannot_write(error)
    finally:
        # Whatever stopped the write (an error, Ctrl-C), no temporary file stays behind.
        if os.path.exists(temporary):
            os.unlink(temporary)
    return None


def _cannot_write(error: OSError) -> str:
    return f"cannot write the note: {(error.strerror or str(error)).lower()}"
