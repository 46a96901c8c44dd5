"""``vaultkit mv``: moving a note or a folder and rewriting every link that pointed into it.

``plan_move(vault, old, new)`` is a pure function of the resolved vault (the language
server's rename can reuse it): the files that move and, per note, the ``Fix`` replacements
that keep each of its links pointing where it pointed. It simulates the vault after the move
(the same notes at their new paths, indexed and resolved again) and looks at every link that
reached a file: one that would then reach another file, or fail, gets its target rewritten
by ``relink.written_target`` in the form it was written in (a bare name stays bare while it
is unambiguous, a path stays a path, ``./`` and ``../`` stay relative to the linking note,
``.md`` is kept, markdown destinations stay encoded), display text, ``#heading``, ``#^block``
and ``!`` untouched. That covers wikilinks, embeds, markdown links, property links, ``up``
parents and inline fields, links *from* the moved notes (relative ones, and names whose
nearest match changes with the note's folder) and links to other notes whose names the move
makes ambiguous. Each new form is resolved in the simulated vault before it is taken; when
it would not reach the file, the vault path is tried, then the rooted ``/path``. A link that
reached its note only through an alias is left as it is (the alias moves with the note), as
is a link that was already broken; but a relative link of a moved note that led nowhere, or
out of the vault, is rewritten to lead to the same place from the note's new folder.

``apply_move`` does the I/O: every note to be edited is read and must still parse to the
note that was planned from (else nothing is done: "changed since it was read"); each is then
written whole through ``files.write_atomically`` (its mode, BOM and line endings kept; its
bytes compared once more just before), and finally the file or folder is renamed.
``move_diff`` shows the same as a git-style patch (``rename from``/``rename to`` and the
hunks), paths relative to the current folder.

Choices where the spec is silent: a note keeps its ``.md`` (moving it to another extension
takes it out of the vault's notes: refused); ``NEW`` naming an existing folder moves ``OLD``
into it, as ``mv`` does; missing folders on the way to ``NEW`` are created; a target that
exists, differs from the source only by case on a case-insensitive look-up of the vault, lies
outside the vault or in a folder vaultkit does not read (``.obsidian``, ``exclude``), or
whose name is an alias of another note (links by that alias would move to it) is refused,
exit 2.
"""

from __future__ import annotations

import argparse
import difflib
import os
import posixpath
import re
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from vaultkit.config import glob_matcher, load_config
from vaultkit.discover import vaults_of
from vaultkit.files import write_atomically, write_output
from vaultkit.index import build_index
from vaultkit.model import Edge, Fix, Link, Problem, Status, Vault, VaultkitError
from vaultkit.parse import parse_note
from vaultkit.read import decode, patch_lines
from vaultkit.relink import replace_target, written_target
from vaultkit.report import Context, display_path
from vaultkit.resolve import Resolver
from vaultkit.text import fold
from vaultkit.vault import load_vault

_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(r"\r\n|\r|\n")
_REACHED = frozenset(
    {Status.RESOLVED, Status.AMBIGUOUS, Status.BROKEN_HEADING, Status.BROKEN_BLOCK}
)


_NOWHERE = frozenset({Status.BROKEN, Status.OUTSIDE_VAULT})


@dataclass(frozen=True, slots=True)
class MovePlan:
    """What a move does: ``old`` becomes ``new`` (a note or a folder, vault paths), each file
    of the vault under it moves (``renames``, old → new), and each note listed in ``edits``
    (by its path before the move) gets those replacements (positions in it before the move)."""

    old: str
    new: str
    renames: tuple[tuple[str, str], ...]
    edits: Mapping[str, tuple[Fix, ...]]

    @property
    def link_count(self) -> int:
        return sum(len(fixes) for fixes in self.edits.values())


def plan_move(vault: Vault, old: str, new: str) -> MovePlan:
    """The move of the note, attachment or folder ``old`` to ``new`` (vault-relative paths,
    ``/``-separated); a move that cannot be made is a ``VaultkitError``. Reads nothing."""
    old, new = old.strip("/"), new.strip("/")
    files = (*vault.notes, *vault.attachments)
    renames: tuple[tuple[str, str], ...]
    if old in files:
        renames = ((old, new),)
    else:
        prefix = old + "/"
        renames = tuple((path, new + path[len(old) :]) for path in files if path.startswith(prefix))
        if not old or not renames:
            raise VaultkitError(f"{old!r} is no note, file or folder of the vault")
    _check_target(vault, old, new, renames)
    moved = dict(renames)
    notes = {
        moved.get(path, path): replace(note, path=moved.get(path, path))
        for path, note in vault.notes.items()
    }
    attachments = [moved.get(path, path) for path in vault.attachments]
    index = build_index(notes.values(), attachments, vault.index.outside)
    resolver = Resolver(index, notes, vault.config)
    edits: dict[str, list[Fix]] = {}
    for edge in vault.edges:
        if edge.source in moved and edge.status in _NOWHERE and _relative(edge.link.target):
            fix = _same_place(edge.link, edge.source, moved[edge.source], (old, new))
            if fix is not None:
                edits.setdefault(edge.source, []).append(fix)
            continue
        if edge.status not in _REACHED or edge.resolved is None:
            continue
        wanted = moved.get(edge.resolved, edge.resolved)
        source = moved.get(edge.source, edge.source)
        if _reaches(resolver, source, edge.link, wanted, edge.status):
            continue
        fix = _rewrite(resolver, index.names, edge, source, wanted)
        if fix is None:
            raise VaultkitError(
                f"{edge.source}:{edge.link.line}:{edge.link.column}: cannot rewrite "
                f"{edge.link.text!r} to reach {wanted!r}; nothing was moved"
            )
        edits.setdefault(edge.source, []).append(fix)
    return MovePlan(old, new, renames, {path: tuple(fixes) for path, fixes in edits.items()})


def _check_target(vault: Vault, old: str, new: str, renames: tuple[tuple[str, str], ...]) -> None:
    if not new or new == "." or new.startswith("../") or "/../" in f"/{new}/":
        raise VaultkitError(f"{new!r} is outside the vault")
    if new == old:
        raise VaultkitError(f"{old!r} is already there")
    if (new + "/").startswith(old + "/"):
        raise VaultkitError(f"cannot move {old!r} into itself")
    excluded = glob_matcher(vault.config.exclude)
    taken = {fold(path): path for path in (*vault.notes, *vault.attachments)}
    moving = {fold(path) for path, _ in renames}
    for before, after in renames:
        if any(part.startswith(".") for part in after.split("/")) or excluded(after):
            raise VaultkitError(
                f"{after!r} is in a folder vaultkit does not read (hidden or excluded)"
            )
        if before in vault.notes and not after.lower().endswith(".md"):
            raise VaultkitError(f"{after!r}: a note keeps its .md extension")
        if before in vault.notes:
            # A note's name wins over an alias: the other note's alias links would move here.
            owners = vault.index.aliases.get(fold(after.rsplit("/", 1)[-1][:-3]), ())
            others = [owner for owner in owners if fold(owner) not in moving]
            if others:
                raise VaultkitError(f"{after!r}: its name is an alias of {others[0]!r}")
        clash = taken.get(fold(after))
        if clash is not None and fold(clash) not in moving:
            also = "" if clash == after else f" (as {clash!r})"
            raise VaultkitError(f"{after!r} exists{also}")


def _relative(target: str) -> bool:
    return target.startswith(("./", "../"))


def _same_place(link: Link, before: str, after: str, move: tuple[str, str]) -> Fix | None:
    """A relative link that led nowhere (or out of the vault), rewritten from the moved note's
    new folder to lead to the same place (a place inside a moved folder moves with it): it
    must not start to reach a file it did not."""
    destination = posixpath.normpath(posixpath.join(posixpath.dirname(before), link.target))
    if destination == move[0] or destination.startswith(move[0] + "/"):
        destination = move[1] + destination[len(move[0]) :]
    relative = posixpath.relpath(destination, posixpath.dirname(after) or ".")
    if link.target.startswith("./") and not relative.startswith("../"):
        relative = "./" + relative
    return replace_target(link, relative)


def _reaches(resolver: Resolver, source: str, link: Link, wanted: str, status: Status) -> bool:
    edge = resolver.edge(source, link)
    if edge.resolved != wanted:
        return False
    return edge.status is status or (status is Status.AMBIGUOUS and edge.status is Status.RESOLVED)


def _rewrite(
    resolver: Resolver,
    names: Mapping[str, tuple[str, ...]],
    edge: Edge,
    source: str,
    wanted: str,
) -> Fix | None:
    link = edge.link
    markdown = link.kind.value == "markdown"
    first = written_target(link.target, source, names, wanted, markdown)
    keep_md = markdown or fold(link.target).endswith(".md")
    path = wanted if keep_md or not wanted.lower().endswith(".md") else wanted[:-3]
    for form in dict.fromkeys((first, path, "/" + path)):
        if _reaches(resolver, source, link._replace(target=form), wanted, edge.status):
            return replace_target(link, form)
    return None


# --- doing it -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Planned:
    path: str
    real: Path
    original: bytes
    edited: bytes


def apply_move(vault: Vault, plan: MovePlan) -> None:
    """Make the move: edit the notes, then rename. Refused as a whole (``VaultkitError``,
    nothing changed) when the target exists on disk or a note changed since it was read.

    Every note is read and checked before the first is written; each is compared with what
    was read once more just before it is replaced, so only an edit in those microseconds can
    stop the move half-way, and the error then says which notes were already rewritten.
    """
    planned = _read_all(vault, plan)
    source, target = vault.root / plan.old, vault.root / plan.new
    written: list[str] = []
    try:
        for item in planned:
            mode = stat.S_IMODE(item.real.stat().st_mode)
            if item.real.read_bytes() != item.original:
                done = f" ({', '.join(written)} already rewritten)" if written else ""
                raise VaultkitError(f"{item.path}: the note changed since it was read{done}")
            write_atomically(item.real, item.edited, mode=mode)
            written.append(item.path)
        if os.path.lexists(target):
            raise VaultkitError(f"{plan.new!r} exists")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(source, target)
    except OSError as error:
        done = f" ({', '.join(written)} already rewritten)" if written else ""
        raise VaultkitError(f"cannot move {plan.old!r}: {error.strerror or error}{done}") from None


def move_diff(vault: Vault, plan: MovePlan, context: Context) -> str:
    """The move as a git-style patch: each renamed file, and each edited note's hunks."""
    planned = {item.path: item for item in _read_all(vault, plan)}
    moved = dict(plan.renames)
    out: list[str] = []
    for path in sorted({*moved, *planned}):
        before = display_path(context, path)
        after = display_path(context, moved.get(path, path))
        out.append(f"diff --git a/{before} b/{after}\n")
        if path in moved:
            out.append(f"rename from {before}\nrename to {after}\n")
        item = planned.get(path)
        if item is None:
            continue
        lines = difflib.unified_diff(
            patch_lines(item.original), patch_lines(item.edited), f"a/{before}", f"b/{after}"
        )
        out.extend(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )
    return "".join(out)


def _read_all(vault: Vault, plan: MovePlan) -> list[_Planned]:
    source, target = vault.root / plan.old, vault.root / plan.new
    if not os.path.lexists(source):
        raise VaultkitError(f"{plan.old!r} is not there any more")
    if os.path.lexists(target) and os.path.normcase(os.path.realpath(source)) != os.path.normcase(
        os.path.realpath(target)
    ):
        raise VaultkitError(f"{plan.new!r} exists")
    folder = target.parent
    while not os.path.lexists(folder):
        folder = folder.parent
    if not folder.is_dir():
        raise VaultkitError(
            f"{plan.new!r}: {folder.relative_to(vault.root).as_posix()!r} is a file"
        )
    planned = []
    for path, fixes in sorted(plan.edits.items()):
        planned.append(_edited(vault, path, fixes))
    return planned


def _edited(vault: Vault, path: str, fixes: tuple[Fix, ...]) -> _Planned:
    real = Path(os.path.realpath(vault.root / path))
    if not real.is_relative_to(os.path.realpath(vault.root)):
        raise VaultkitError(f"{path}: a symlink that leads outside the vault; nothing was moved")
    try:
        data = real.read_bytes()
    except OSError as error:
        raise VaultkitError(f"{path}: cannot read the note: {error.strerror}") from None
    text = decode(data)
    config = vault.config
    if isinstance(text, Problem) or parse_note(
        path, text, frozenset(config.parent_keys), config.parse_timeout
    ) != vault.notes.get(path):
        raise VaultkitError(f"{path}: the note changed since it was read; run mv again")
    bom = data.startswith(_BOM)
    raw = (data[len(_BOM) :] if bom else data).decode("utf-8")
    starts = [0] + [match.end() for match in _LINE_END.finditer(raw)]
    pieces = []
    done = 0
    for fix in sorted(fixes, key=lambda fix: (fix.line, fix.column)):
        start = starts[fix.line - 1] + fix.column - 1
        end = starts[fix.end_line - 1] + fix.end_column - 1
        pieces += [raw[done:start], fix.replacement]
        done = end
    pieces.append(raw[done:])
    edited = (_BOM if bom else b"") + "".join(pieces).encode("utf-8")
    return _Planned(path, real, data, edited)


# --- the command ----------------------------------------------------------------------------


def move_command(args: argparse.Namespace) -> int:
    """Move a note or a folder and rewrite every link to it, as Obsidian does on a move.

    OLD and NEW are paths as ``mv`` takes them (relative to the current folder); NEW may be an
    existing folder to move OLD into. ``--dry-run`` prints the change as a patch and writes
    nothing. Refused, with nothing changed, when the target exists, a path is outside the
    vault, or a note changed on disk since it was read.
    """
    cwd = Path.cwd()
    old_path = _absolute(Path(args.old), cwd)
    if args.vault is not None:
        if not args.vault.is_dir():
            raise VaultkitError(f"{args.vault}: the vault folder does not exist")
        root = args.vault.resolve()
    else:
        root = next(iter(vaults_of([old_path.parent], cwd, quiet=args.quiet)))
    new_path = _absolute(Path(args.new), cwd)
    if new_path.is_dir() and not new_path.is_symlink() and new_path != old_path:
        new_path = new_path / old_path.name
    old, new = _inside(root, old_path, args.old), _inside(root, new_path, args.new)
    vault = load_vault(root, load_config(root), use_cache=not args.no_cache)
    plan = plan_move(vault, old, new)
    context = Context(root, cwd, len(vault.notes))
    if args.dry_run:
        diff = move_diff(vault, plan, context)
        if args.output is not None:
            write_output(args.output, diff.encode("utf-8", "backslashreplace"))
        else:
            sys.stdout.write(diff)
        return 0
    apply_move(vault, plan)
    if not args.quiet:
        count = plan.link_count
        notes = len(plan.edits)
        print(
            f"moved {display_path(context, old)} to {display_path(context, new)}; "
            f"rewrote {count:,} link{'s' if count != 1 else ''} "
            f"in {notes:,} note{'s' if notes != 1 else ''}"
        )
    return 0


def _absolute(path: Path, cwd: Path) -> Path:
    """The path made absolute with ``..`` folded and its folders' symlinks followed (not its
    own last step: a symlinked note is moved as the link it is)."""
    full = Path(os.path.normpath(cwd / path))
    return Path(os.path.realpath(full.parent)) / full.name


def _inside(root: Path, path: Path, given: str) -> str:
    try:
        inside = path.relative_to(root).as_posix()
    except ValueError:
        raise VaultkitError(f"{given}: outside the vault {root}") from None
    if inside in ("", "."):
        raise VaultkitError(f"{given}: the vault itself cannot be moved")
    return inside
