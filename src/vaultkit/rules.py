"""The rule catalogue: each rule is a small generator over the resolved vault.

``RULES`` is the index of everything vaultkit checks. A rule's docstring is its user
documentation (``vaultkit rule VK101``): a summary line, then *Why*, *Example* and *Fix*.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from vaultkit.config import glob_matcher
from vaultkit.identity import about_its_note
from vaultkit.model import (
    Diagnostic,
    Edge,
    Fix,
    Link,
    LinkKind,
    Severity,
    Status,
    Vault,
    VaultkitError,
)
from vaultkit.renames import rename_fix, renamed_to
from vaultkit.resolve import attachment_extension
from vaultkit.suggest import Suggestion, block_suggestion, heading_suggestion, name_suggester
from vaultkit.text import fold

Check = Callable[[Vault], Iterator[Diagnostic]]
FixKind = Literal["safe", "unsafe"]
Scope = Literal["link", "note", "vault"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of the catalogue.

    ``fix`` is the kind of fix the rule attaches to its findings (cli.md "Fix safety"):
    ``"safe"`` (``--fix`` applies it), ``"unsafe"`` (only with ``--unsafe-fixes``), or None for
    a rule whose findings carry no fix ``--fix`` applies.

    ``scope`` is what one finding of the rule is about: ``"link"``, one resolved link alone
    (``explain`` asks these rules about the link it shows, through ``link_findings``);
    ``"note"``, one note's own text and links; ``"vault"``, several notes taken together.
    """

    code: str
    name: str
    severity: Severity
    check: Check
    default: bool = True
    fix: FixKind | None = None
    scope: Scope = "note"

    @property
    def doc(self) -> str:
        return _dedent(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""

    def diagnostic(
        self,
        path: str,
        line: int,
        column: int,
        message: str,
        fix: Fix | None = None,
        subject: str | None = None,
    ) -> Diagnostic:
        return Diagnostic(
            path, line, column, self.code, self.name, self.severity, message, fix, subject=subject
        )


def _dedent(text: str) -> str:
    lines = text.strip("\n").splitlines()
    if not lines:
        return ""
    rest = [line for line in lines[1:] if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in rest), default=0)
    return "\n".join([lines[0].strip(), *(line[indent:] for line in lines[1:])]).rstrip()


def _rule(code: str) -> Rule:
    return BY_CODE[code]


def _edge_diagnostic(code: str, edge: Edge, message: str, fix: Fix | None = None) -> Diagnostic:
    link = edge.link
    subject = "" if about_its_note(code) else link.text
    return _rule(code).diagnostic(edge.source, link.line, link.column, message, fix, subject)


def _problems(code: str, vault: Vault) -> Iterator[Diagnostic]:
    rule = _rule(code)
    for note in vault.notes.values():
        for problem in note.problems:
            if problem.code == code:
                yield rule.diagnostic(
                    note.path, problem.line, problem.column, problem.message, problem.fix
                )


# --- files ----------------------------------------------------------------------------------


def unreadable_file(vault: Vault) -> Iterator[Diagnostic]:
    """A note cannot be read (permission denied, vanished, I/O error).

    Why: a note vaultkit cannot read is a note nobody's links can be checked against.

    Example: `chmod 000 Draft.md`.

    Fix: make the file readable, or move it out of the vault.
    """
    return _problems("VK001", vault)


def invalid_encoding(vault: Vault) -> Iterator[Diagnostic]:
    """A note is not valid UTF-8; reported at the line of the first bad byte.

    Why: Obsidian reads notes as UTF-8 and shows broken characters for anything else.

    Example: a note saved as Windows-1251 by another editor.

    Fix: re-save the note as UTF-8.
    """
    return _problems("VK002", vault)


def binary_file(vault: Vault) -> Iterator[Diagnostic]:
    """A `.md` file holds NUL bytes in its first 8 KiB, so it is binary; it is skipped.

    Why: a binary file named `.md` is not a note, and its bytes would read as noise.

    Example: an image exported with the wrong extension.

    Fix: give the file its real extension.
    """
    return _problems("VK003", vault)


def file_too_large(vault: Vault) -> Iterator[Diagnostic]:
    """A note is over `max-file-size` (default 5 MiB); it is skipped.

    Why: notes that large are usually generated dumps, and parsing them costs the whole run.

    Example: a 40 MB log pasted into `Log.md`.

    Fix: split the note, or raise `max-file-size` in the config.
    """
    return _problems("VK004", vault)


def parse_timeout(vault: Vault) -> Iterator[Diagnostic]:
    """Parsing one note took longer than `parse-timeout` (default 10 s); it is skipped.

    Why: some markdown makes parsers work hard; one such note must not stall the vault.

    Example: a 48 KB paragraph of nested emphasis.

    Fix: simplify the note, or raise `parse-timeout`.
    """
    return _problems("VK005", vault)


# --- links ----------------------------------------------------------------------------------


def broken_link(vault: Vault) -> Iterator[Diagnostic]:
    """No note matches the link's target.

    Why: a link to a note that does not exist leads nowhere; usually the note was renamed
    or deleted, or the link has a typo.

    Example: `[[AI-Model-Sizes]]` when no `AI-Model-Sizes.md` exists.

    Fix: point the link at an existing note, or create the note. The message names the notes
    the link probably meant (`did you mean 'Embeddings'?`): close names and aliases, the same
    name in another folder, a file of another extension. A link naming a note that was
    renamed (the cache saw it move, git did, or `watch`) says so (`'Embeddings' was renamed
    to 'Vector embeddings.md'`), and `--fix` rewrites it as Obsidian would have: a safe fix.
    """
    for edge in vault.with_status(Status.BROKEN):
        if not edge.is_parent and attachment_extension(edge.link.target) is None:
            renamed = _renamed("VK101", vault, edge)
            if renamed is not None:
                yield renamed
                continue
            reason = f" ({edge.reason})" if "alias" in edge.reason else ""
            found = _names(vault, edge)
            message = f"no note matches {edge.link.target!r}{reason}"
            yield _suggesting(_edge_diagnostic("VK101", edge, message), found)


def _renamed(code: str, vault: Vault, edge: Edge) -> Diagnostic | None:
    """A link still naming a renamed note: said so, with the safe fix (``renames.py``)."""
    new = renamed_to(vault, edge)
    if new is None:
        return None
    message = f"{edge.link.target!r} was renamed to {new!r}"
    return _edge_diagnostic(code, edge, message, rename_fix(vault, edge, new))


def _names(vault: Vault, edge: Edge) -> Suggestion:
    """The notes a broken link probably meant, unless the findings are asked for without."""
    if not vault.naming:
        return Suggestion()
    return name_suggester(vault.index, vault.notes).suggest(edge)


def _suggesting(item: Diagnostic, found: Suggestion) -> Diagnostic:
    """The finding with what the link probably meant: in its message and as data."""
    if not found.names and not found.remark:
        return item
    message = item.message + found.sentence()
    return replace(item, message=message, suggestions=found.names, suggested=found.fix)


def broken_heading(vault: Vault) -> Iterator[Diagnostic]:
    """The linked note exists, but the `#heading` path does not.

    Why: Obsidian opens the note at its top and the reader never finds the section. Headings
    are compared as Obsidian does: punctuation becomes spaces, case is ignored; slugs such as
    `my-heading` do not match `# My Heading`.

    Example: `[[Transformer#Attention is all you need]]` when Transformer has no such heading.

    Fix: use the heading's current text, or link to the note itself. The message names the
    note's closest headings.
    """
    for edge in vault.with_status(Status.BROKEN_HEADING):
        message = f"{edge.resolved!r} has no heading {edge.link.subpath!r}"
        note = vault.notes.get(edge.resolved or "")
        found = heading_suggestion(edge, note) if note is not None else Suggestion()
        yield _suggesting(_edge_diagnostic("VK102", edge, message), found)


def broken_block(vault: Vault) -> Iterator[Diagnostic]:
    """The linked note exists, but the `#^block` id does not.

    Why: a block reference whose id was removed embeds or opens nothing.

    Example: `[[Log-2024#^mm-llm]]` when no line of Log-2024 ends with `^mm-llm`.

    Fix: restore the `^id` at the end of the block, or update the link. The message names the
    note's closest block ids, or says when the id follows a link with no space (`]]^id`),
    which Obsidian does not read as a block id.
    """
    for edge in vault.with_status(Status.BROKEN_BLOCK):
        message = f"{edge.resolved!r} has no block {edge.link.subpath!r}"
        note = vault.notes.get(edge.resolved or "")
        found = block_suggestion(edge, note) if note is not None else Suggestion()
        yield _suggesting(_edge_diagnostic("VK103", edge, message), found)


def ambiguous_link(vault: Vault) -> Iterator[Diagnostic]:
    """Several notes match the link and the choice fell to a tie-break.

    Why: Obsidian opens one of them by its own order; add a note with the same name in
    another folder and the link may quietly change target.

    Example: `[[Index]]` with `Projects/Index.md` and `Areas/Index.md`.

    Fix: write the winner's path, as Obsidian itself does when a name is not unique, keeping
    the text the reader sees: `[[Index]]` becomes `[[Projects/Index|Index]]`. The fix is
    unsafe: Obsidian opens the same note, but the tie-break's winner may not be the note the
    author meant, so only `--fix --unsafe-fixes` applies it.
    """
    for edge in vault.with_status(Status.AMBIGUOUS):
        if edge.resolved is not None:
            path = _path_form(edge.resolved)
            # A winner at the vault root is already written in its path form: nothing to fix.
            if fold(path) == fold(edge.link.target):
                fix = None
            else:
                fix = _relink(edge, path, _visible(edge.link), safe=_rule("VK104").fix == "safe")
            yield _edge_diagnostic("VK104", edge, edge.reason, fix)


def alias_link(vault: Vault) -> Iterator[Diagnostic]:
    """A bare `[[Alias]]` resolves only through another note's alias.

    Why: Obsidian does not follow aliases: the link opens an empty new note there. Picking
    an alias in Obsidian's editor writes `[[Target|Alias]]` instead. The config key
    `alias-links` can allow such links, or treat them as broken.

    Example: `[[ИИ Модель]]` where `AI-Model.md` has the alias `ИИ Модель`.

    Fix: `[[AI-Model|ИИ Модель]]` (`--fix` rewrites it; an embed gets no display text:
    `![[AI-Model]]`). The fix is safe: the note it opens and the text the reader sees stay.
    """
    if vault.config.alias_links != "warn":
        return
    for edge in vault.with_status(Status.ALIAS):
        if edge.resolved is not None:
            fix = alias_fix(vault, edge, edge.resolved)
            hint = f": write {fix.replacement}" if fix is not None else ""
            yield _edge_diagnostic(
                "VK105", edge, f"{edge.link.target!r} is an alias of {edge.resolved!r}{hint}", fix
            )


def missing_attachment(vault: Vault) -> Iterator[Diagnostic]:
    """An embed or link names a file (not a note) that is not in the vault.

    Why: the image, PDF or other file was moved, renamed or never added.

    Example: `![[diagram.png]]` with no `diagram.png` anywhere in the vault.

    Fix: add the file to the vault, or correct the name (extension included).
    """
    for edge in vault.with_status(Status.BROKEN):
        if not edge.is_parent and attachment_extension(edge.link.target) is not None:
            yield _edge_diagnostic("VK106", edge, f"no file matches {edge.link.target!r}")


def link_outside_vault(vault: Vault) -> Iterator[Diagnostic]:
    """A link's path leaves the vault.

    Why: Obsidian cannot open what is outside the vault, and a vault that points outside
    itself breaks when it is moved or shared. vaultkit never opens such a file.

    Example: `[[../../outside]]`, or a link to a symlink whose file lies outside the vault.

    Fix: move the file into the vault and link to it there.
    """
    for edge in vault.with_status(Status.OUTSIDE_VAULT):
        message = f"{edge.link.target!r} leads outside the vault ({edge.reason})"
        yield _edge_diagnostic("VK107", edge, message)


def empty_link(vault: Vault) -> Iterator[Diagnostic]:
    """A link names nothing: `[[]]`, `[[|x]]`, `[[#]]`, `[t]()`.

    Why: an empty link is a leftover of editing and leads nowhere.

    Example: `See [[]] for details.`

    Fix: fill in the target or remove the brackets.
    """
    for edge in vault.with_status(Status.EMPTY):
        yield _edge_diagnostic("VK108", edge, f"{edge.link.text!r} names no note")


# --- notes ----------------------------------------------------------------------------------


def orphan_note(vault: Vault) -> Iterator[Diagnostic]:
    """No other note links to this note, and it is in no `up` hierarchy.

    Why: a note nothing leads to is a note nobody finds again. Every kind of link counts
    (embeds and property links too), and a note with a parent or a child is not an orphan.

    Example: `Untitled idea.md` that no note links to and that has no `up:`.

    Fix: link to it from a related note, give it a parent, or exclude it with
    `orphans.exclude` (index pages, daily notes, templates).
    """
    excluded = glob_matcher(vault.config.orphans_exclude)
    reached = set()
    for edge in vault.edges:
        if edge.status.has_target and edge.resolved != edge.source:
            reached.add(edge.resolved)
        if edge.is_parent and edge.status.has_target:
            reached.add(edge.source)
    for path in vault.notes:
        if path not in reached and not excluded(path):
            yield _rule("VK201").diagnostic(path, 1, 1, "no other note links to this note")


def dead_end_note(vault: Vault) -> Iterator[Diagnostic]:
    """The note has no outgoing link that resolves.

    Why: a note that leads nowhere ends the reader's path; linking it to related notes makes
    it part of the web.

    Example: a note with prose only, or whose only links are broken.

    Fix: link to a related note or give it a parent.
    """
    leads = {edge.source for edge in vault.edges if edge.status.has_target}
    for path, note in vault.notes.items():
        if path not in leads and note.readable:
            yield _rule("VK202").diagnostic(path, 1, 1, "no link from this note resolves")


# --- frontmatter ----------------------------------------------------------------------------


def invalid_frontmatter(vault: Vault) -> Iterator[Diagnostic]:
    """The frontmatter is not valid: bad YAML, not a mapping, unclosed, too large or too deep.

    Why: Obsidian ignores frontmatter it cannot read, so aliases, tags and `up` are lost.
    Duplicate keys, anchors and aliases (`&a`, `*a`) and custom tags are refused too: they
    are how YAML bombs and code execution get into a file.

    Example: `title: {{date}}` in a template, or `up: [[[[[[...` nested a thousand deep.

    Fix: correct the YAML at the reported line; quote values that hold `{`, `[` or `:`.
    """
    return _problems("VK210", vault)


def invalid_aliases(vault: Vault) -> Iterator[Diagnostic]:
    """`aliases` is not a list of text.

    Why: Obsidian expects a list; a single string still works as one alias but is easily
    broken by the next edit, and numbers, `true`/`false`, mappings and nested lists are not
    aliases at all. An empty `aliases:` or `- ` item (the template skeleton) is no alias and
    no finding; `yes`, `no` and dates are text (YAML 1.2, as Obsidian reads it).

    Example: `aliases: AI model`, `aliases: [1984]`, `- Copy: Files & Folders` (a mapping).

    Fix: `aliases: [AI model]` (`--fix` turns a single string into a one-item list: a safe fix).
    """
    return _problems("VK211", vault)


def duplicate_alias(vault: Vault) -> Iterator[Diagnostic]:
    """Two or more notes claim the same alias.

    Why: a link by that alias cannot say which note it means.

    Example: `aliases: [LLM]` on both `LLM.md` and `Large language model.md`.

    Fix: keep the alias on one note.
    """
    rule = _rule("VK212")
    for key, owners in vault.index.aliases.items():
        if len(owners) < 2:
            continue
        for path in owners:
            note = vault.notes[path]
            others = ", ".join(repr(other) for other in owners if other != path)
            for alias, (line, column) in zip(note.aliases, note.alias_positions, strict=True):
                if fold(alias) == key:
                    yield rule.diagnostic(
                        path, line, column, f"alias {alias!r} is claimed by {others} too"
                    )
                    break


def alias_shadowed(vault: Vault) -> Iterator[Diagnostic]:
    """An alias equals another note's name, so `[[alias]]` opens that other note.

    Why: a note name always wins over an alias; the alias can never be used as a link.

    Example: `aliases: [Transformer]` on `Attention.md` when `Transformer.md` exists.

    Fix: remove or rename the alias.

    An alias equal to the note's own name is harmless, even when another note shares that
    name: which of the two a link opens is `ambiguous-link`'s business.
    """
    rule = _rule("VK213")
    for path, note in vault.notes.items():
        own = fold(path.rsplit("/", 1)[-1])
        for alias, (line, column) in zip(note.aliases, note.alias_positions, strict=True):
            key = fold(alias) + ".md"
            if key == own:
                continue
            owners = vault.index.names.get(key, ())
            others = [other for other in owners if other != path]
            if others:
                yield rule.diagnostic(
                    path, line, column, f"alias {alias!r} is the name of {others[0]!r}"
                )


def unquoted_property_link(vault: Vault) -> Iterator[Diagnostic]:
    """A property holds an unquoted `[[X]]`, which YAML reads as a nested list.

    Why: Obsidian shows such a property as broken; vaultkit still reads it as the link, so
    the hierarchy works, but other tools will not.

    Example: `up: [[AI-concept]]`.

    Fix: `up: "[[AI-concept]]"` (`--fix` adds the quotes: a safe fix).
    """
    return _problems("VK214", vault)


def deprecated_property(vault: Vault) -> Iterator[Diagnostic]:
    """`alias:`, `tag:` or `cssclass:`: keys Obsidian no longer reads.

    Why: Obsidian 1.4 dropped the singular keys in favour of `aliases`, `tags`, `cssclasses`.

    Example: `alias: AI model`.

    Fix: `aliases: [AI model]`.
    """
    return _problems("VK215", vault)


def case_collision(vault: Vault) -> Iterator[Diagnostic]:
    """Two paths differ only by case or Unicode normalisation.

    Why: they clash on macOS and Windows, where only one of them can exist, and a link
    cannot tell them apart.

    Example: `Notes/LLM.md` and `Notes/llm.md`.

    Fix: rename or merge one of them.
    """
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for path in (*vault.notes, *vault.attachments):
        groups[fold(path)].append(path)
    rule = _rule("VK220")
    for paths in groups.values():
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(repr(other) for other in paths if other != path)
                yield rule.diagnostic(path, 1, 1, f"the path clashes with {others}")


def duplicate_block_id(vault: Vault) -> Iterator[Diagnostic]:
    """One note defines the same `^id` twice; reported at each definition after the first.

    Why: a block reference opens only the first; the others cannot be linked.

    Example: two paragraphs ending in `^summary`.

    Fix: give each block its own id.
    """
    return _problems("VK221", vault)


# --- hierarchy ------------------------------------------------------------------------------


def broken_up_link(vault: Vault) -> Iterator[Diagnostic]:
    """A parent field (`up:` by default) names a note that does not resolve.

    Why: the hierarchy breaks at that point, and the note drops out of the tree.

    Example: `up: "[[AI-Concepts]]"` when the root note is `AI-concept.md`.

    Fix: name an existing parent note; the message names the close ones. A parent that was
    renamed is said to be, and `--fix` rewrites it (a safe fix), as for VK101.
    """
    for edge in vault.edges:
        if edge.is_parent and edge.status is Status.BROKEN:
            renamed = _renamed("VK301", vault, edge)
            if renamed is not None:
                yield renamed
                continue
            message = f"parent {edge.link.target!r} matches no note"
            yield _suggesting(_edge_diagnostic("VK301", edge, message), _names(vault, edge))


def hierarchy_cycle(vault: Vault) -> Iterator[Diagnostic]:
    """The `up` edges form a cycle: a note is its own ancestor.

    Why: a hierarchy with a loop has no top; tools that walk it up never stop. Each cycle is
    reported once, at the parent field of the note with the smallest path in it.

    Example: `A.md` has `up: "[[B]]"` and `B.md` has `up: "[[A]]"`.

    Fix: remove one of the parent links.
    """
    parents = _parents(vault)
    rule = _rule("VK302")
    for component in _cycles(parents):
        start = min(component)
        cycle = _cycle_through(start, parents, component)
        edge = next(e for e in parents[start] if e.resolved == cycle[1 % len(cycle)])
        loop = " -> ".join([*cycle, start])
        yield rule.diagnostic(
            start, edge.link.line, edge.link.column, f"the up hierarchy loops: {loop}"
        )


def multiple_parents(vault: Vault) -> Iterator[Diagnostic]:
    """A note has more than one parent.

    Why: some hierarchies are meant to be trees; a second parent makes the note appear in two
    places.

    Example: `up: ["[[LLM]]", "[[Foundation models]]"]`.

    Fix: keep one parent and link to the other in the body.
    """
    rule = _rule("VK303")
    for path, edges in _parents(vault).items():
        distinct = list(dict.fromkeys(edge.resolved for edge in edges))
        if len(distinct) > 1:
            second = next(edge for edge in edges if edge.resolved == distinct[1])
            names = ", ".join(repr(parent) for parent in distinct)
            yield rule.diagnostic(
                path, second.link.line, second.link.column, f"the note has parents {names}"
            )


def _parents(vault: Vault) -> dict[str, list[Edge]]:
    parents: defaultdict[str, list[Edge]] = defaultdict(list)
    for edge in vault.edges:
        if edge.is_parent and edge.status.has_target and edge.resolved in vault.notes:
            parents[edge.source].append(edge)
    return parents


def _cycles(parents: dict[str, list[Edge]]) -> Iterator[frozenset[str]]:
    """Strongly connected components with a cycle (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in sorted(parents):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, iter([edge.resolved or "" for edge in parents.get(root, [])])))
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter([edge.resolved or "" for edge in parents.get(child, [])]))
                    )
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                looped = any(edge.resolved == node for edge in parents.get(node, []))
                if len(component) > 1 or looped:
                    yield frozenset(component)


def _cycle_through(start: str, parents: dict[str, list[Edge]], within: frozenset[str]) -> list[str]:
    """The shortest cycle from ``start`` back to itself inside one component (BFS)."""
    previous: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for edge in sorted(parents.get(node, []), key=lambda e: e.resolved or ""):
            child = edge.resolved or ""
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return list(reversed(path))
            if child in within and child not in previous and child != start:
                previous[child] = node
                queue.append(child)
    return [start]


# --- fixes ----------------------------------------------------------------------------------


def _path_form(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path


def _name_form(vault: Vault, path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if len(vault.index.names.get(fold(name), ())) > 1:
        return _path_form(path)
    return _path_form(name)


def alias_fix(vault: Vault, edge: Edge, path: str) -> Fix | None:
    """The link Obsidian writes when an alias of ``path`` is picked: ``[[Target|Alias]]``."""
    return _relink(edge, _name_form(vault, path), _visible(edge.link))


def _visible(link: Link) -> str | None:
    """The text Obsidian shows for a link: its display text, else the target and ``> `` parts.

    None (keep the display text as it is) for an embed: a fix never adds display text to one,
    since an embed shows the note, and its display text is a size or a caption.
    """
    if link.display or link.kind is LinkKind.EMBED or link.text.startswith("!"):
        return None
    parts = [part for part in (link.subpath or "").split("#") if part]
    return " > ".join([link.target, *parts])


def _relink(edge: Edge, target: str, display: str | None = None, safe: bool = True) -> Fix | None:
    link = edge.link
    if link.kind not in (LinkKind.WIKILINK, LinkKind.EMBED, LinkKind.FIELD, LinkKind.PROPERTY):
        return None
    shown = display if display is not None else link.display
    pipe = "\\|" if "\\|" in link.text else "|"
    subpath = f"#{link.subpath}" if link.subpath else ""
    text = ("!" if link.text.startswith("!") else "") + f"[[{target}{subpath}"
    text += f"{pipe}{shown}]]" if shown else "]]"
    if link.unquoted:
        # YAML double-quoted text: JSON escapes are valid there, backslashes included.
        text = json.dumps(text, ensure_ascii=False)
    return Fix(text, link.line, link.column, link.end_line, link.end_column, safe)


# --- the catalogue --------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule("VK001", "unreadable-file", Severity.ERROR, unreadable_file),
    Rule("VK002", "invalid-encoding", Severity.ERROR, invalid_encoding),
    Rule("VK003", "binary-file", Severity.WARNING, binary_file),
    Rule("VK004", "file-too-large", Severity.WARNING, file_too_large),
    Rule("VK005", "parse-timeout", Severity.ERROR, parse_timeout),
    Rule("VK101", "broken-link", Severity.ERROR, broken_link, fix="safe", scope="link"),
    Rule("VK102", "broken-heading", Severity.ERROR, broken_heading, scope="link"),
    Rule("VK103", "broken-block", Severity.ERROR, broken_block, scope="link"),
    Rule("VK104", "ambiguous-link", Severity.WARNING, ambiguous_link, fix="unsafe", scope="link"),
    Rule("VK105", "alias-link", Severity.WARNING, alias_link, fix="safe", scope="link"),
    Rule("VK106", "missing-attachment", Severity.ERROR, missing_attachment, scope="link"),
    Rule("VK107", "link-outside-vault", Severity.ERROR, link_outside_vault, scope="link"),
    Rule("VK108", "empty-link", Severity.WARNING, empty_link, scope="link"),
    Rule("VK201", "orphan-note", Severity.WARNING, orphan_note, scope="vault"),
    Rule("VK202", "dead-end-note", Severity.INFO, dead_end_note, default=False),
    Rule("VK210", "invalid-frontmatter", Severity.ERROR, invalid_frontmatter),
    Rule("VK211", "invalid-aliases", Severity.WARNING, invalid_aliases, fix="safe"),
    Rule("VK212", "duplicate-alias", Severity.WARNING, duplicate_alias, scope="vault"),
    Rule("VK213", "alias-shadowed", Severity.WARNING, alias_shadowed, scope="vault"),
    Rule("VK214", "unquoted-property-link", Severity.WARNING, unquoted_property_link, fix="safe"),
    Rule("VK215", "deprecated-property", Severity.INFO, deprecated_property),
    Rule("VK220", "case-collision", Severity.WARNING, case_collision, scope="vault"),
    Rule("VK221", "duplicate-block-id", Severity.WARNING, duplicate_block_id),
    Rule("VK301", "broken-up-link", Severity.ERROR, broken_up_link, fix="safe", scope="link"),
    Rule("VK302", "hierarchy-cycle", Severity.ERROR, hierarchy_cycle, scope="vault"),
    Rule("VK303", "multiple-parents", Severity.INFO, multiple_parents, default=False),
)
BY_CODE = {rule.code: rule for rule in RULES}
BY_NAME = {rule.name: rule for rule in RULES}
LINK_RULES = tuple(rule for rule in RULES if rule.scope == "link")


def link_findings(vault: Vault, edge: Edge) -> list[Diagnostic]:
    """What the link rules report about ``edge`` alone: they lint a view holding only it.

    Every link rule is asked, on or off by default and whatever the selection, and no
    suppression applies: the answer is what the rules say about this link's resolution.
    """
    return edges_findings(vault, (edge,))


def edges_findings(
    vault: Vault,
    edges: Iterable[Edge],
    codes: Collection[str] | None = None,
    names: bool = True,
) -> list[Diagnostic]:
    """What the link rules report about each of ``edges``, as ``link_findings`` says of one.

    A link rule's finding is about one edge alone, so one view holding all of them answers for
    each: the fix planner asks about every link of a note at once. With ``codes``, only the
    link rules of those codes are asked. With ``names`` false, a broken link's or parent's
    finding does not name the notes it probably meant (no search of the vault's names, the
    costly part of VK101 and VK301): the same findings, with shorter messages.
    """
    view = replace(vault, edges=tuple(edges), naming=names)
    rules = LINK_RULES if codes is None else [rule for rule in LINK_RULES if rule.code in codes]
    return [item for rule in rules for item in rule.check(view)]


def find_rule(key: str) -> Rule | None:
    """A rule by code (any case) or name."""
    return BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())


def _matches(selector: str, rule: Rule) -> bool:
    return rule.code.startswith(selector.upper()) or rule.name == selector.lower()


def codes_matching(selectors: Iterable[str]) -> frozenset[str]:
    """Codes that a list of codes, names or prefixes names (an unknown one is an error)."""
    codes: set[str] = set()
    for selector in selectors:
        found = {rule.code for rule in RULES if _matches(selector, rule)}
        if not found:
            raise VaultkitError(f"unknown rule {selector!r} (see 'vaultkit rule --all')")
        codes |= found
    return frozenset(codes)


def select_rules(select: Iterable[str], ignore: Iterable[str]) -> tuple[Rule, ...]:
    """The enabled rules: selected and not ignored; off-by-default rules only when named."""
    return _select_rules(tuple(select), tuple(ignore))


@functools.lru_cache(maxsize=64)
def _select_rules(select: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[Rule, ...]:
    # Remembered: the watch engine asks for the same selection on every save.
    selected = codes_matching(select)
    named = {rule.code for rule in RULES for key in select if find_rule(key) is rule}
    ignored = codes_matching(ignore)
    return tuple(
        rule
        for rule in RULES
        if rule.code in selected
        and rule.code not in ignored
        and (rule.default or rule.code in named)
    )
