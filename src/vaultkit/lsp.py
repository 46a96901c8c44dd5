"""``vaultkit lsp``: the language server, a front end that drives the incremental engine.

The server (pygls 2, lsprotocol, stdio) keeps one ``IncrementalVault`` in memory. Open
buffers' texts stand in for their files (``IncrementalVault.edit``); files changed behind the
editor's back come from ``workspace/didChangeWatchedFiles`` when the client can watch them,
else from a check of every file's size and time each time a note is saved. After each change
the findings of the edited note and of every note whose findings changed are published.

Choices the spec leaves open:

- A burst is answered once: changes are queued and the engine runs as soon as no message is
  waiting on stdin (the server reads stdin on a thread of its own to know). A request is
  answered after the queued changes, so it always sees the latest text.
- At start-up the findings of every note are published, so the editor's problem list is the
  vault's, not only the open notes' (200 notes per turn of the event loop: an edit or a
  request that comes meanwhile is answered between two batches). A buffer of a file not yet
  saved is not a note until it is on disk, as for ``lint``.
- A finding that is about no link gets the range of the word at its position (a frontmatter
  key or value, the first characters of the note).
- ``codeDescription`` points at the rule's documentation (what ``vaultkit rule`` prints),
  written once as a markdown file into the vault's cache folder, never into the vault.
- Completion offers at most 100 items, best first (the name typed, then prefix, then word
  start, then substring, then the letters in order; shorter names first), and says the list
  is incomplete when more match, so the editor asks again as the user types. The closing
  ``]]`` or ``)`` is added when the text after the cursor does not already close the link.
- Rename takes a note's new name (same folder) or a vault-relative path (``/`` inside), ``.md``
  optional; it is refused when the file exists, leaves the vault, or holds characters
  Obsidian forbids in names. A heading's new text must be one non-empty line.
- Safe fixes (``isPreferred``, and the "fix all" action) are those ``lint --fix`` applies
  (``fix.FIXABLE`` codes whose fix is ``safe``).
"""

from __future__ import annotations

import asyncio
import heapq
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from vaultkit import cache
from vaultkit.config import Config, find_vault, glob_matcher, load_config
from vaultkit.fix import FIXABLE
from vaultkit.incremental import Delta, IncrementalVault
from vaultkit.model import (
    Diagnostic,
    Edge,
    Fix,
    Heading,
    Link,
    Note,
    Severity,
    Status,
    VaultkitError,
)
from vaultkit.move import plan_move
from vaultkit.read import decode, read_bytes
from vaultkit.relink import (
    encode_destination,
    heading_in_link,
    link_parts,
    name_form,
    relink_heading,
    rename_heading_line,
)
from vaultkit.resolve import resolve_target
from vaultkit.rules import find_rule
from vaultkit.scan import scan_vault
from vaultkit.text import fold, heading_key
from vaultkit.version import __version__

LIMIT = 100
BATCH = 200
# Seconds between two batches of start-up findings.
PAUSE = 0.002
TRIGGERS = ["[", "#", "^", "(", "/"]
CONFIG_FILES = frozenset({".vaultkit.toml", "pyproject.toml"})
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WORD = re.compile(r"[^\s:,\[\]{}\"']+")
_WORDS = re.compile(r"[\s\-_/.]+")
_Wanted = Callable[[Edge], bool]
# Characters Obsidian refuses in a file name (links could not name it), and path separators.
_FORBIDDEN = frozenset('\\:*?"<>|#^[]\0')


# --- stdin, read ahead ---------------------------------------------------------------------


class _Input:
    """stdin read by a thread of its own, so the server can tell whether a message waits."""

    def __init__(self, stream: BinaryIO) -> None:
        self._fd = stream.fileno()
        self._buffer = bytearray()
        self._ended = False
        self._ready = threading.Condition()
        threading.Thread(target=self._pump, name="vaultkit-lsp-stdin", daemon=True).start()

    def _pump(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except OSError:
                chunk = b""
            with self._ready:
                if chunk:
                    self._buffer += chunk
                else:
                    self._ended = True
                self._ready.notify_all()
            if not chunk:
                return

    def waiting(self) -> bool:
        """Whether bytes of a message are already here, not yet handled."""
        with self._ready:
            return bool(self._buffer)

    def readline(self) -> bytes:
        with self._ready:
            while True:
                end = self._buffer.find(b"\n")
                if end >= 0 or self._ended:
                    size = end + 1 if end >= 0 else len(self._buffer)
                    line = bytes(self._buffer[:size])
                    del self._buffer[:size]
                    return line
                self._ready.wait()

    def read(self, size: int) -> bytes:
        with self._ready:
            while len(self._buffer) < size and not self._ended:
                self._ready.wait()
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data


# --- the server ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A note, an attachment or an alias, as completion and workspace symbols offer it."""

    label: str
    key: str
    path: str
    wiki: str
    markdown: str | None
    alias: bool
    note: bool
    words: tuple[str, ...]
    path_key: str


@dataclass(frozen=True, slots=True)
class _Subject:
    """What a rename at the cursor renames: a note, or one of its headings."""

    path: str
    heading: Heading | None
    line: int
    start: int
    end: int
    placeholder: str


class VaultServer(LanguageServer):
    """The language server's state: the engine, the open buffers and the queued changes."""

    def __init__(
        self,
        vault: Path | None = None,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
        stdin: _Input | None = None,
    ) -> None:
        super().__init__("vaultkit", __version__)
        self.vault_option = vault
        self.select = select
        self.ignore = tuple(ignore)
        self.stdin = stdin
        self.engine: IncrementalVault | None = None
        self.failure: str | None = None
        self.root = Path()
        self.real_root = ""
        self.opened: dict[str, str] = {}
        self.buffers: dict[str, str | None] = {}
        self.disk: set[str] = set()
        self.rescan_due = False
        self.scheduled = False
        self.watched = False
        self.stamps: dict[str, tuple[int, int]] = {}
        self.candidates: list[_Candidate] | None = None
        self.pages: dict[str, str] = {}
        self.backlog: list[str] = []
        self.stopping = False

    # --- the vault ---------------------------------------------------------------------------

    def start(self, params: types.InitializeParams) -> None:
        """Find and load the vault of the workspace (cli.md's discovery)."""
        start = self.vault_option
        if start is None:
            uri = params.root_uri
            if uri is None and params.workspace_folders:
                uri = params.workspace_folders[0].uri
            folder = to_fs_path(uri) if uri is not None else None
            start = Path(folder) if folder else (Path(params.root_path or Path.cwd()))
            start = find_vault(start)
        try:
            if not start.is_dir():
                raise VaultkitError(f"{start}: the vault folder does not exist")
            self.root = start.resolve()
            self.real_root = os.path.realpath(self.root)
            config = load_config(self.root)
            self.engine = IncrementalVault.load(self.root, config, self.select, self.ignore)
        except VaultkitError as error:
            self.failure = f"vaultkit: {error}"
            self.engine = None
        workspace = params.capabilities.workspace
        watching = workspace.did_change_watched_files if workspace is not None else None
        self.watched = bool(watching is not None and watching.dynamic_registration)
        if self.engine is not None and not self.watched:
            self.stamps = self._stamps(self.engine.config)

    def relative(self, uri: str) -> str | None:
        """The vault-relative path of a file URI inside the vault, else None."""
        if self.engine is None:
            return None
        found = to_fs_path(uri)
        if not found:
            return None
        absolute = os.path.abspath(found)
        for base, candidate in (
            (str(self.root), absolute),
            (self.real_root, absolute),
            (self.real_root, os.path.realpath(absolute)),
        ):
            if candidate.startswith(base + os.sep):
                path = candidate[len(base) + 1 :].replace(os.sep, "/")
                hidden = any(part.startswith(".") for part in path.split("/"))
                return path if path in CONFIG_FILES or not hidden else None
        return None

    def note_path(self, uri: str) -> str | None:
        """The vault path of a note's URI (a ``.md`` file inside the vault), else None."""
        path = self.relative(uri)
        return path if path is not None and path.lower().endswith(".md") else None

    def uri(self, path: str) -> str:
        """The URI of a vault path: the one the editor opened it with, if it did."""
        opened = self.opened.get(path)
        if opened is not None:
            return opened
        return from_fs_path(str(self.root / path)) or (self.root / path).as_uri()

    def lines(self, path: str) -> list[str]:
        """The note's lines as the engine sees them: the buffer's, else the file's."""
        uri = self.opened.get(path)
        if uri is not None:
            return _LINE_BREAK.split(self.workspace.get_text_document(uri).source)
        data = read_bytes(self.root, path)
        if isinstance(data, bytes):
            text = decode(data)
            if isinstance(text, str):
                return text.split("\n")
        return []

    # --- changes -----------------------------------------------------------------------------

    def schedule(self) -> None:
        """Answer the queued changes as soon as no other message is waiting."""
        if self.scheduled:
            return
        self.scheduled = True
        asyncio.get_running_loop().call_soon(self._when_idle)

    def _when_idle(self) -> None:
        self.scheduled = False
        if self.stdin is not None and self.stdin.waiting():
            # Another message is on its way: it is handled first, so a burst is answered once.
            self.scheduled = True
            asyncio.get_running_loop().call_later(0.002, self._when_idle)
            return
        self.settle()

    def settle(self) -> None:
        """Run the engine on every queued change, then publish what changed."""
        engine = self.engine
        if engine is None or self.stopping or not (self.buffers or self.disk or self.rescan_due):
            return
        touched: set[str] = set()
        names_moved = False
        if self.rescan_due:
            self.rescan_due = False
            try:
                config = load_config(engine.root)
            except VaultkitError as error:
                self.show_error(f"vaultkit: {error}")
            else:
                touched |= _paths(engine.rescan(config))
                names_moved = True
        buffers, self.buffers = self.buffers, {}
        for path, uri in buffers.items():
            before = engine.notes.get(path)
            text = self.workspace.get_text_document(uri).source if uri is not None else None
            touched |= _paths(engine.edit(path, text))
            touched.add(path)
            after = engine.notes.get(path)
            if (before is None) != (after is None) or (
                before is not None and after is not None and before.aliases != after.aliases
            ):
                names_moved = True
        if self.disk:
            disk, self.disk = self.disk, set()
            delta = engine.update(disk)
            touched |= _paths(delta)
            names_moved = names_moved or bool(delta.files)
        if names_moved:
            self.candidates = None
        self.publish(touched)

    def check_disk(self) -> None:
        """For clients that do not watch files: queue every file whose stamp changed."""
        if self.engine is None or self.watched:
            return
        now = self._stamps(self.engine.config)
        changed = {path for path, found in now.items() if self.stamps.get(path) != found}
        changed |= self.stamps.keys() - now.keys()
        self.stamps = now
        if changed & CONFIG_FILES:
            self.rescan_due = True
        self.disk |= changed - CONFIG_FILES

    def _stamps(self, config: Config) -> dict[str, tuple[int, int]]:
        found = scan_vault(self.root, glob_matcher(config.exclude))
        stamps: dict[str, tuple[int, int]] = {}
        for path in (*found.notes, *found.attachments, *found.outside, *CONFIG_FILES):
            try:
                info = os.lstat(os.path.join(self.root, path))
            except OSError:
                continue
            stamps[path] = (info.st_mtime_ns, info.st_size)
        return stamps

    # --- diagnostics -------------------------------------------------------------------------

    def publish(self, paths: Iterable[str]) -> None:
        """Send the findings of each of ``paths`` (an empty list clears a note's)."""
        engine = self.engine
        if engine is None:
            return
        for path in sorted(paths):
            if not path.lower().endswith(".md"):
                continue
            found = engine.findings(path)
            note = engine.notes.get(path)
            lines = self.lines(path) if found else []
            items = [self.diagnostic(item, note, lines) for item in found]
            params = types.PublishDiagnosticsParams(uri=self.uri(path), diagnostics=items)
            self.text_document_publish_diagnostics(params)

    def publish_all(self) -> None:
        """Send every note's findings (at start-up), a batch per turn of the event loop, so
        that edits and requests are answered between batches."""
        if self.engine is not None:
            found = {item.path for item in self.engine.unsorted()}
            self.backlog = self.engine.in_read_order(found)[::-1]
            self._publish_batch()

    def _publish_batch(self) -> None:
        if self.stopping:
            return
        batch = [self.backlog.pop() for _ in range(min(BATCH, len(self.backlog)))]
        self.publish(batch)
        if self.backlog:
            # A moment between batches, so that a request read meanwhile is answered first.
            asyncio.get_running_loop().call_later(PAUSE, self._publish_batch)

    def diagnostic(self, item: Diagnostic, note: Note | None, lines: list[str]) -> types.Diagnostic:
        """One finding as LSP shows it: the whole link (or the word) it is about."""
        start, end = _finding_span(item, note, lines)
        page = self._rule_page(item.code)
        return types.Diagnostic(
            range=types.Range(self.position(lines, *start), self.position(lines, *end)),
            severity=_SEVERITY[item.severity],
            code=item.code,
            code_description=types.CodeDescription(href=page) if page else None,
            source="vaultkit",
            message=item.message,
        )

    def position(self, lines: Sequence[str], line: int, column: int) -> types.Position:
        """A 1-based line and character column as the client counts (UTF-16 by default)."""
        if not 1 <= line <= len(lines):
            return types.Position(line=max(line - 1, 0), character=max(column - 1, 0))
        text = lines[line - 1]
        units = _units(text[: max(column - 1, 0)], self.workspace.position_encoding)
        return types.Position(line=line - 1, character=units)

    def span_range(
        self, lines: Sequence[str], line: int, column: int, end_line: int, end_column: int
    ) -> types.Range:
        return types.Range(
            self.position(lines, line, column), self.position(lines, end_line, end_column)
        )

    def _rule_page(self, code: str) -> str | None:
        """A file URI of the rule's documentation (written once into the cache folder)."""
        if code in self.pages:
            return self.pages[code] or None
        rule = find_rule(code)
        uri = ""
        if rule is not None:
            page = cache.folder(self.root) / "rules" / f"{code}.md"
            try:
                page.parent.mkdir(parents=True, exist_ok=True)
                text = f"# {rule.code} {rule.name} ({rule.severity.label})\n\n{rule.doc}\n"
                if not page.is_file() or page.read_text(encoding="utf-8") != text:
                    page.write_text(text, encoding="utf-8")
                uri = page.as_uri()
            except OSError:
                uri = ""
        self.pages[code] = uri
        return uri or None

    def show_error(self, message: str) -> None:
        """Tell the user, in the editor, what stops vaultkit (a bad config, a missing vault)."""
        params = types.ShowMessageParams(type=types.MessageType.Error, message=message)
        self.window_show_message(params)

    # --- what is under the cursor ------------------------------------------------------------

    def at(self, uri: str, position: types.Position) -> tuple[str, Note, TextDocument, int, int]:
        """The note, its buffer and the 1-based line and character column of a position."""
        self.settle()
        engine = self.engine
        path = self.note_path(uri)
        if engine is None or path is None or path not in engine.notes:
            raise _NotHere
        document = self.workspace.get_text_document(uri)
        lines = list(document.lines) or [""]
        found = self.workspace.position_codec.position_from_client_units(lines, position)
        return path, engine.notes[path], document, found.line + 1, found.character + 1

    def edge_at(self, path: str, note: Note, line: int, column: int) -> Edge | None:
        assert self.engine is not None
        link = _link_at(note, line, column)
        if link is None:
            return None
        return next((edge for edge in self.engine.edges_of(path) if edge.link == link), None)

    def names(self) -> list[_Candidate]:
        """Every note, attachment and alias, as completion offers them (kept until one moves)."""
        if self.candidates is not None:
            return self.candidates
        assert self.engine is not None
        index = self.engine.index
        found: list[_Candidate] = []
        for path in sorted(index.paths.values()):
            if path in index.outside:
                continue
            note = path.lower().endswith(".md")
            name = path.rsplit("/", 1)[-1]
            label = name[:-3] if note else name
            wiki = name_form(index.names, path)
            if not note and "/" not in wiki:
                wiki = name
            markdown = (wiki if "/" in wiki else name) + (".md" if note and "/" in wiki else "")
            found.append(_candidate(label, path, wiki, markdown, alias=False, note=note))
        for path, aliases in sorted(index.aliased.items()):
            for alias in aliases:
                wiki = f"{name_form(index.names, path)}|{alias}"
                found.append(_candidate(alias, path, wiki, None, alias=True, note=True))
        self.candidates = found
        return found

    def resolve(self, source: str, target: str) -> str | None:
        """Where a link text written in ``source`` points (a note for ``#`` completion)."""
        assert self.engine is not None
        if not target.strip():
            return source
        folder = source.rsplit("/", 1)[0] if "/" in source else ""
        answer = resolve_target(
            self.engine.index,
            folder,
            target.strip(),
            True,
            self.engine.config.alias_links,
            trace=False,
        )
        return answer.path if answer.status.has_target else None

    def subject(self, path: str, note: Note, line: int, column: int) -> _Subject | None:
        """What a rename at the cursor would rename."""
        assert self.engine is not None
        notes = self.engine.notes
        edge = self.edge_at(path, note, line, column)
        if edge is not None:
            resolved = edge.resolved
            parts = link_parts(edge.link)
            if resolved is None or resolved not in notes or parts is None:
                return None
            link = edge.link
            if link.line != link.end_line:
                return None
            offset = column - link.column
            for start, end in parts.subpath:
                if start <= offset <= end:
                    written = link.text[start:end]
                    shown = unquote(written) if parts.markdown else written
                    heading = _heading(notes[resolved], heading_key(shown))
                    if heading is None:
                        return None
                    return _Subject(
                        resolved,
                        heading,
                        link.line,
                        link.column + start,
                        link.column + end,
                        heading.text,
                    )
            if not link.target:
                return None  # ``[[#Heading]]`` names no note: only its heading can be renamed
            start, end = parts.target
            stem = resolved.rsplit("/", 1)[-1][:-3]
            return _Subject(resolved, None, link.line, link.column + start, link.column + end, stem)
        heading = next((found for found in note.headings if found.line == line), None)
        if heading is None:
            return None
        lines = self.lines(path)
        text = lines[line - 1] if line <= len(lines) else ""
        start = text.find(heading.text)
        if start < 0:
            return None
        first = note.headings[0] is heading
        placeholder = note.name if first else heading.text
        return _Subject(
            path,
            None if first else heading,
            line,
            start + 1,
            start + 1 + len(heading.text),
            placeholder,
        )

    def edits(self, fixes: dict[str, list[Fix]]) -> list[types.TextDocumentEdit]:
        """``Fix`` replacements as LSP edits, one per note, in the client's units."""
        out = []
        for path in sorted(fixes):
            lines = self.lines(path)
            uri = self.uri(path)
            version = None
            if path in self.opened:
                version = self.workspace.get_text_document(uri).version
            edits: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit] = [
                types.TextEdit(
                    range=self.span_range(
                        lines, fix.line, fix.column, fix.end_line, fix.end_column
                    ),
                    new_text=fix.replacement,
                )
                for fix in sorted(fixes[path], key=lambda fix: (fix.line, fix.column))
            ]
            identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
            out.append(types.TextDocumentEdit(text_document=identifier, edits=edits))
        return out

    def new_path(self, old: str, name: str) -> str:
        """The vault path a rename to ``name`` gives, or a clear refusal."""
        assert self.engine is not None
        wanted = name.strip()
        if wanted.lower().endswith(".md"):
            wanted = wanted[:-3]
        parts = wanted.split("/")
        if not wanted or any(not part.strip() or part.startswith(".") for part in parts):
            raise JsonRpcInvalidParams(f"{name!r} is not a note name")
        bad = sorted({char for char in wanted if char in _FORBIDDEN or ord(char) < 32})
        if bad:
            raise JsonRpcInvalidParams(f"a note name cannot hold {''.join(bad)!r}")
        folder = old.rsplit("/", 1)[0] + "/" if "/" in old else ""
        path = (wanted if "/" in wanted else folder + wanted) + ".md"
        if fold(path) != fold(old) and (
            self.engine.knows(path) or os.path.lexists(self.root / path)
        ):
            raise JsonRpcInvalidParams(f"{path!r} exists already")
        return path

    def backlink_edges(self, path: str) -> list[Edge]:
        """The links of every note that links to ``path``, and of ``path`` itself."""
        assert self.engine is not None
        sources = sorted(self.engine.linking(path) | {path})
        return [edge for source in sources for edge in self.engine.edges_of(source)]


class _NotHere(Exception):
    """The request is about no note of the vault: it gets an empty answer."""


# --- the handlers ------------------------------------------------------------------------------


def make_server(
    vault: Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    stdin: _Input | None = None,
) -> VaultServer:
    """The server with every feature of lsp.md registered."""
    server = VaultServer(vault, select, ignore, stdin)

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        server.start(params)

    @server.feature(types.INITIALIZED)
    def initialized(params: types.InitializedParams) -> None:
        if server.failure is not None:
            server.show_error(server.failure)
            return
        if server.watched:
            watcher = types.FileSystemWatcher(glob_pattern="**/*")
            options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[watcher])
            registration = types.Registration(
                id="vaultkit-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
            server.client_register_capability(
                types.RegistrationParams(registrations=[registration])
            )
        server.publish_all()

    @server.feature(types.SHUTDOWN)
    def shutdown(params: None) -> None:
        # Nothing is sent after the answer to shutdown: the client may close the pipe.
        server.stopping = True

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        _buffer_changed(server, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        _buffer_changed(server, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        path = server.note_path(params.text_document.uri)
        if path is not None:
            server.opened.pop(path, None)
            server.buffers[path] = None
            server.schedule()

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        server.check_disk()
        server.schedule()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = server.relative(change.uri)
            if path in CONFIG_FILES:
                server.rescan_due = True
            elif path is not None:
                server.disk.add(path)
        server.schedule()

    @server.feature(
        types.WORKSPACE_DID_RENAME_FILES,
        types.FileOperationRegistrationOptions(
            filters=[types.FileOperationFilter(pattern=types.FileOperationPattern(glob="**/*"))]
        ),
    )
    def files_renamed(params: types.RenameFilesParams) -> None:
        for renamed in params.files:
            for uri in (renamed.old_uri, renamed.new_uri):
                path = server.relative(uri)
                if path is not None:
                    server.disk.add(path)
        server.schedule()

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS)
    )
    def completion(params: types.CompletionParams) -> types.CompletionList | None:
        try:
            path, _, document, line, column = server.at(params.text_document.uri, params.position)
        except _NotHere:
            return None
        lines = list(document.lines)
        text = lines[line - 1].rstrip("\r\n") if line <= len(lines) else ""
        return _complete(server, path, text, line, column)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(params: types.DefinitionParams) -> types.Location | None:
        try:
            path, note, _, line, column = server.at(params.text_document.uri, params.position)
        except _NotHere:
            return None
        edge = server.edge_at(path, note, line, column)
        if edge is None or edge.resolved is None or not edge.status.has_target:
            return None
        assert server.engine is not None
        target = server.engine.notes.get(edge.resolved)
        where = _anchor_line(target, edge.link.subpath) if target is not None else 1
        lines = server.lines(edge.resolved) if target is not None else []
        start = server.position(lines, where, 1)
        return types.Location(uri=server.uri(edge.resolved), range=types.Range(start, start))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(params: types.ReferenceParams) -> list[types.Location] | None:
        try:
            path, note, _, line, column = server.at(params.text_document.uri, params.position)
        except _NotHere:
            return None
        found = _referenced(server, path, note, line, column)
        if found is None:
            return None
        target, wanted = found
        locations = []
        lines_of: dict[str, list[str]] = {}
        for edge in server.backlink_edges(target):
            if edge.resolved != target or not edge.status.has_target or not wanted(edge):
                continue
            link = edge.link
            lines = lines_of.setdefault(edge.source, server.lines(edge.source))
            span = server.span_range(lines, link.line, link.column, link.end_line, link.end_column)
            locations.append(types.Location(uri=server.uri(edge.source), range=span))
        return locations

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        try:
            path, note, _, line, column = server.at(params.text_document.uri, params.position)
        except _NotHere:
            return None
        edge = server.edge_at(path, note, line, column)
        if edge is None:
            return None
        lines = server.lines(path)
        link = edge.link
        span = server.span_range(lines, link.line, link.column, link.end_line, link.end_column)
        content = types.MarkupContent(kind=types.MarkupKind.Markdown, value=_hover(server, edge))
        return types.Hover(contents=content, range=span)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(
        params: types.PrepareRenameParams,
    ) -> types.PrepareRenamePlaceholder | None:
        try:
            path, note, _, line, column = server.at(params.text_document.uri, params.position)
        except _NotHere:
            return None
        found = server.subject(path, note, line, column)
        if found is None:
            return None
        lines = server.lines(path)
        span = server.span_range(lines, found.line, found.start, found.line, found.end)
        return types.PrepareRenamePlaceholder(range=span, placeholder=found.placeholder)

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    def rename(params: types.RenameParams) -> types.WorkspaceEdit | None:
        try:
            path, note, _, line, column = server.at(params.text_document.uri, params.position)
        except _NotHere:
            return None
        found = server.subject(path, note, line, column)
        if found is None:
            return None
        return _rename(server, found, params.new_name)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
        ),
    )
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        try:
            path, _, document, _, _ = server.at(params.text_document.uri, params.range.start)
        except _NotHere:
            return None
        lines = list(document.lines) or [""]
        codec = server.workspace.position_codec
        chosen = codec.range_from_client_units(lines, params.range)
        first = (chosen.start.line + 1, chosen.start.character + 1)
        last = (chosen.end.line + 1, chosen.end.character + 1)
        return _actions(server, path, first, last, params.context.only)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
        try:
            path, note, _, _, _ = server.at(
                params.text_document.uri, types.Position(line=0, character=0)
            )
        except _NotHere:
            return None
        return _outline(server, path, note)

    @server.feature(types.WORKSPACE_SYMBOL)
    def workspace_symbol(params: types.WorkspaceSymbolParams) -> list[types.SymbolInformation]:
        server.settle()
        if server.engine is None:
            return []
        symbols = []
        for candidate in _ranked(server.names(), params.query, notes_only=True)[0]:
            folder = candidate.path.rsplit("/", 1)[0] if "/" in candidate.path else ""
            start = types.Position(line=0, character=0)
            symbols.append(
                types.SymbolInformation(
                    name=candidate.label,
                    kind=types.SymbolKind.Key if candidate.alias else types.SymbolKind.File,
                    location=types.Location(
                        uri=server.uri(candidate.path), range=types.Range(start, start)
                    ),
                    container_name=f"alias of {candidate.path}" if candidate.alias else folder,
                )
            )
        return symbols

    return server


def _units(text: str, encoding: str | None) -> int:
    """The length of ``text`` in the client's code units (pygls counts them a character at a
    time: a tenth of a second for the findings of a few hundred long lines)."""
    if text.isascii() or encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _buffer_changed(server: VaultServer, uri: str) -> None:
    path = server.note_path(uri)
    if path is None:
        return
    server.opened[path] = uri
    server.buffers[path] = uri
    server.schedule()


def _paths(delta: Delta) -> set[str]:
    return {item.path for item in (*delta.new, *delta.fixed)}


# --- the features, as functions of the server's state ------------------------------------------


def _finding_span(
    item: Diagnostic, note: Note | None, lines: list[str]
) -> tuple[tuple[int, int], tuple[int, int]]:
    if note is not None:
        for link in note.links:
            if (link.line, link.column) == (item.line, item.column):
                return (link.line, link.column), (link.end_line, link.end_column)
    text = lines[item.line - 1] if 1 <= item.line <= len(lines) else ""
    word = _WORD.match(text, item.column - 1)
    end = word.end() if word is not None else item.column - 1
    return (item.line, item.column), (item.line, max(end, item.column - 1) + 1)


def _link_at(note: Note, line: int, column: int) -> Link | None:
    for link in note.links:
        if not link.line <= line <= link.end_line:
            continue
        if line == link.line and column < link.column:
            continue
        if line == link.end_line and column >= link.end_column:
            continue
        return link
    return None


def _heading(note: Note, key: str) -> Heading | None:
    return next((heading for heading in note.headings if heading.key == key), None)


def _anchor_line(note: Note, subpath: str | None) -> int:
    """The line a link's ``#heading`` or ``#^block`` names in its note (1 without one)."""
    if not subpath:
        return 1
    if subpath.startswith("^"):
        wanted = subpath[1:].lower()
        return next((block.line for block in note.blocks if block.id == wanted), 1)
    line = 1
    position = 0
    for part in subpath.split("#"):
        key = heading_key(part)
        if not key:
            continue
        for number in range(position, len(note.headings)):
            if note.headings[number].key == key:
                line, position = note.headings[number].line, number + 1
                break
    return line


def _candidate(
    label: str, path: str, wiki: str, markdown: str | None, *, alias: bool, note: bool
) -> _Candidate:
    key = fold(label)
    words = tuple(word for word in _WORDS.split(key) if word)
    return _Candidate(label, key, path, wiki, markdown, alias, note, words, fold(path))


def _ranked(
    candidates: Sequence[_Candidate], query: str, notes_only: bool = False, markdown: bool = False
) -> tuple[list[_Candidate], bool]:
    """The best ``LIMIT`` candidates for ``query``, best first, and whether more matched."""
    wanted = fold(query.strip())
    by_path = "/" in wanted
    pool = [
        candidate
        for candidate in candidates
        if not ((notes_only or markdown) and not candidate.note)
        and not (markdown and candidate.markdown is None)
    ]
    scored: list[tuple[int, bool, int, str, int]] = []
    loose: list[int] = []
    for number, candidate in enumerate(pool):
        key = candidate.path_key if by_path else candidate.key
        if key == wanted:
            tier = -1
        elif key.startswith(wanted):
            tier = 0
        elif wanted in key:
            tier = 1 if any(word.startswith(wanted) for word in candidate.words) else 2
        else:
            loose.append(number)
            continue
        scored.append((tier, candidate.alias, len(candidate.label), candidate.label, number))
    if len(scored) <= LIMIT:
        # The letters in order, only when the closer matches leave room: it is the slow test.
        for number in loose:
            candidate = pool[number]
            letters = iter(candidate.path_key if by_path else candidate.key)
            if all(char in letters for char in wanted):
                scored.append((3, candidate.alias, len(candidate.label), candidate.label, number))
    best = heapq.nsmallest(LIMIT, scored)
    return [pool[item[-1]] for item in best], len(scored) > LIMIT


def _score(wanted: str, key: str) -> int | None:
    """How well a heading's key matches what was typed (lower is better), None: not at all."""
    if not wanted or key.startswith(wanted):
        return 0
    if wanted in key:
        return 1
    letters = iter(key)
    return 2 if all(char in letters for char in wanted) else None


def _complete(
    server: VaultServer, path: str, text: str, line: int, column: int
) -> types.CompletionList | None:
    before, after = text[: column - 1], text[column - 1 :]
    wiki = before.rfind("[[")
    markdown = before.rfind("](")
    if wiki >= 0 and "]]" not in before[wiki:] and wiki > markdown:
        inner = before[wiki + 2 :]
        if "|" in inner:
            return None
        close = "" if after.startswith(("]", "|", "#")) else "]]"
        return _complete_link(server, path, inner, wiki + 2, line, column, close, False)
    if markdown >= 0 and ")" not in before[markdown:]:
        inner = before[markdown + 2 :]
        start = markdown + 2
        if inner.startswith("<"):
            inner, start = inner[1:], start + 1
        close = "" if after.startswith((")", ">", "#")) else ")"
        return _complete_link(server, path, inner, start, line, column, close, True)
    return None


def _complete_link(
    server: VaultServer,
    path: str,
    inner: str,
    start: int,
    line: int,
    column: int,
    close: str,
    markdown: bool,
) -> types.CompletionList:
    assert server.engine is not None
    lines = server.lines(path)
    items: list[types.CompletionItem] = []
    more = False
    if "#" in inner:
        target, rest = inner.split("#", 1)
        note_path = server.resolve(path, unquote(target) if markdown else target)
        note = server.engine.notes.get(note_path) if note_path is not None else None
        offset = start + len(target) + 1
        if note is not None and rest.startswith("^"):
            offset += 1
            query = fold(rest[1:])
            for block in note.blocks:
                if block.id.startswith(query):
                    items.append(_item(block.id, block.id, types.CompletionItemKind.Reference))
        elif note is not None:
            head, _, query = rest.rpartition("#")
            offset += len(head) + (1 if head else 0)
            for heading in note.headings:
                written = heading_in_link(heading.text)
                if _score(fold(unquote(query) if markdown else query), heading.key) is None:
                    continue
                value = encode_destination(written) if markdown else written
                item = _item(written, value, types.CompletionItemKind.Reference)
                item.detail = f"{'#' * heading.level} {heading.text}"
                items.append(item)
        replace = server.span_range(lines, line, offset + 1, line, column)
    else:
        query = unquote(inner) if markdown else inner
        ranked, more = _ranked(server.names(), query, markdown=markdown)
        for candidate in ranked:
            value = encode_destination(candidate.markdown or "") if markdown else candidate.wiki
            kind = types.CompletionItemKind.File
            if candidate.alias:
                kind = types.CompletionItemKind.Reference
            item = _item(candidate.label, value, kind)
            item.detail = f"alias of {candidate.path}" if candidate.alias else candidate.path
            items.append(item)
        replace = server.span_range(lines, line, start + 1, line, column)
    for number, item in enumerate(items):
        item.sort_text = f"{number:05d}"
        item.text_edit = types.TextEdit(range=replace, new_text=(item.insert_text or "") + close)
        item.insert_text = None
    return types.CompletionList(is_incomplete=more, items=items)


def _item(label: str, value: str, kind: types.CompletionItemKind) -> types.CompletionItem:
    return types.CompletionItem(label=label, kind=kind, filter_text=label, insert_text=value)


def _referenced(
    server: VaultServer, path: str, note: Note, line: int, column: int
) -> tuple[str, _Wanted] | None:
    """What the cursor asks the references of: a note, a heading or a block id."""
    edge = server.edge_at(path, note, line, column)
    if edge is not None:
        if edge.resolved is None or not edge.status.has_target:
            return None
        return edge.resolved, _not_from(edge.resolved)
    heading = next((found for found in note.headings if found.line == line), None)
    if heading is not None:
        if note.headings[0] is heading:
            return path, _not_from(path)
        return path, _to_heading(heading.key)
    block = next((found for found in note.blocks if found.line == line), None)
    if block is not None and column >= block.column:
        return path, _to_block(block.id)
    return None


def _not_from(path: str) -> _Wanted:
    return lambda edge: edge.source != path


def _to_heading(key: str) -> _Wanted:
    def wanted(edge: Edge) -> bool:
        subpath = edge.link.subpath
        if not subpath or subpath.startswith("^") or edge.status is Status.BROKEN_HEADING:
            return False
        return heading_key(subpath.rsplit("#", 1)[-1]) == key

    return wanted


def _to_block(block: str) -> _Wanted:
    return lambda edge: fold(edge.link.subpath or "") == "^" + block


def _hover(server: VaultServer, edge: Edge) -> str:
    assert server.engine is not None
    engine = server.engine
    link = edge.link
    if edge.resolved is None or not edge.status.has_target:
        found = next(
            (
                item
                for item in engine.findings(edge.source)
                if (item.line, item.column) == (link.line, link.column)
            ),
            None,
        )
        reason = found.message if found is not None else edge.reason or edge.status.value
        return f"**{link.text}** does not resolve: {reason}"
    parts = [f"**{edge.resolved}**"]
    if edge.status is Status.ALIAS:
        parts[0] += " (through one of its aliases)"
    else:
        if edge.status is not Status.RESOLVED:
            parts[0] += f" ({edge.status.value})"
        if edge.reason:
            parts.append(edge.reason)  # why a tie-break or the folder chose it
    target = engine.notes.get(edge.resolved)
    if target is not None:
        if target.aliases:
            parts.append("aliases: " + ", ".join(target.aliases))
        shown = _first_lines(server.lines(edge.resolved), _anchor_line(target, link.subpath))
        if shown:
            parts.append("---\n" + "\n".join(shown))
    return "\n\n".join(parts)


def _first_lines(lines: list[str], start: int, count: int = 8) -> list[str]:
    """The target's first lines: after the frontmatter, from the heading or block named."""
    position = start - 1
    if position == 0 and lines and lines[0].strip() == "---":
        end = next((n for n in range(1, len(lines)) if lines[n].strip() in ("---", "...")), None)
        position = end + 1 if end is not None else 0
    while position < len(lines) and not lines[position].strip():
        position += 1
    return lines[position : position + count]


def _rename(server: VaultServer, found: _Subject, new_name: str) -> types.WorkspaceEdit:
    assert server.engine is not None
    edges = server.backlink_edges(found.path)
    if found.heading is not None:
        text = new_name.strip()
        if not text or "\n" in text or "\r" in text:
            raise JsonRpcInvalidParams("a heading's new text must be one non-empty line")
        fixes = relink_heading(edges, found.path, found.heading, text)
        lines = server.lines(found.path)
        line = found.heading.line
        own = rename_heading_line(
            lines[line - 1] if line <= len(lines) else "", line, found.heading, text
        )
        if own is None:
            # Links rewritten without their heading would break: change nothing.
            raise JsonRpcInvalidParams("the heading's text is not found on its line")
        fixes.setdefault(found.path, []).append(own)
        edits = server.edits(fixes)
        if _can_edit(server, rename=False):
            return types.WorkspaceEdit(document_changes=list(edits))
        return types.WorkspaceEdit(
            changes={
                item.text_document.uri: [e for e in item.edits if isinstance(e, types.TextEdit)]
                for item in edits
            }
        )
    if not _can_edit(server, rename=True):
        raise JsonRpcInvalidParams("this editor cannot rename files through a language server")
    new = server.new_path(found.path, new_name)
    # The same plan as ``vaultkit mv``, made on the notes as the engine holds them (the open
    # buffers' texts), so its positions are the buffers'.
    try:
        plan = plan_move(server.engine.vault(), found.path, new)
    except VaultkitError as error:
        raise JsonRpcInvalidParams(str(error)) from None
    fixes = {path: list(items) for path, items in plan.edits.items()}
    changes: list[
        types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile
    ] = list(server.edits(fixes))
    changes.append(
        types.RenameFile(
            old_uri=server.uri(found.path),
            new_uri=from_fs_path(str(server.root / new)) or (server.root / new).as_uri(),
            options=types.RenameFileOptions(overwrite=False, ignore_if_exists=False),
        )
    )
    return types.WorkspaceEdit(document_changes=changes)


def _can_edit(server: VaultServer, rename: bool) -> bool:
    """Whether the client takes ``documentChanges`` (with file renames, if ``rename``).

    Neovim 0.7 applies them but says only ``resourceOperations``: that is taken as a yes.
    """
    capabilities = server.client_capabilities.workspace
    edit = capabilities.workspace_edit if capabilities is not None else None
    if edit is None:
        return False
    renames = types.ResourceOperationKind.Rename in (edit.resource_operations or [])
    return renames if rename else bool(edit.document_changes) or renames


def _actions(
    server: VaultServer,
    path: str,
    first: tuple[int, int],
    last: tuple[int, int],
    only: Sequence[str] | None,
) -> list[types.CodeAction]:
    assert server.engine is not None
    engine = server.engine
    note = engine.notes.get(path)
    lines = server.lines(path)
    uri = server.uri(path)
    wanted = list(only) if only else None
    actions: list[types.CodeAction] = []
    fixable = [item for item in engine.findings(path) if item.fix is not None]
    if _asked(wanted, types.CodeActionKind.QuickFix):
        for item in fixable:
            start, end = _finding_span(item, note, lines)
            if end < first or start > last:
                continue
            fix = item.fix
            assert fix is not None
            actions.append(
                types.CodeAction(
                    title=f"{item.code}: write {fix.replacement}",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[server.diagnostic(item, note, lines)],
                    is_preferred=item.code in FIXABLE and fix.safe,
                    edit=types.WorkspaceEdit(changes={uri: [_text_edit(server, lines, fix)]}),
                )
            )
    safe = _safe_fixes(fixable)
    kind = types.CodeActionKind.QuickFix
    if wanted is not None and not _asked(wanted, kind):
        kind = types.CodeActionKind.SourceFixAll
    if safe and _asked(wanted, kind):
        actions.append(
            types.CodeAction(
                title=f"vaultkit: fix all safe fixes in this note ({len(safe)})",
                kind=kind,
                edit=types.WorkspaceEdit(
                    changes={uri: [_text_edit(server, lines, fix) for fix in safe]}
                ),
            )
        )
    return actions


def _asked(wanted: list[str] | None, kind: str) -> bool:
    return wanted is None or any(kind == asked or kind.startswith(asked + ".") for asked in wanted)


def _safe_fixes(found: Iterable[Diagnostic]) -> list[Fix]:
    """The fixes ``--fix`` would take, none overlapping another (earlier codes win)."""
    taken: list[Fix] = []
    ordered = sorted(
        (item for item in found if item.code in FIXABLE and item.fix and item.fix.safe),
        key=lambda item: (FIXABLE.index(item.code), item.line, item.column),
    )
    for item in ordered:
        fix = item.fix
        assert fix is not None
        span = ((fix.line, fix.column), (fix.end_line, fix.end_column))
        if any(
            span[0] < (other.end_line, other.end_column) and (other.line, other.column) < span[1]
            for other in taken
        ):
            continue
        taken.append(fix)
    return sorted(taken, key=lambda fix: (fix.line, fix.column))


def _text_edit(server: VaultServer, lines: Sequence[str], fix: Fix) -> types.TextEdit:
    return types.TextEdit(
        range=server.span_range(lines, fix.line, fix.column, fix.end_line, fix.end_column),
        new_text=fix.replacement,
    )


def _outline(server: VaultServer, path: str, note: Note) -> list[types.DocumentSymbol]:
    lines = server.lines(path)
    headings = note.headings
    roots: list[types.DocumentSymbol] = []
    stack: list[tuple[int, list[types.DocumentSymbol]]] = []
    for number, heading in enumerate(headings):
        end = next(
            (later.line - 1 for later in headings[number + 1 :] if later.level <= heading.level),
            len(lines),
        )
        end = max(end, heading.line)
        last = lines[end - 1] if 1 <= end <= len(lines) else ""
        own = lines[heading.line - 1] if heading.line <= len(lines) else ""
        children: list[types.DocumentSymbol] = []
        symbol = types.DocumentSymbol(
            name=heading.text or "(empty heading)",
            detail="#" * heading.level,
            kind=types.SymbolKind.String,
            range=server.span_range(lines, heading.line, 1, end, len(last) + 1),
            selection_range=server.span_range(lines, heading.line, 1, heading.line, len(own) + 1),
            children=children,
        )
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        (stack[-1][1] if stack else roots).append(symbol)
        stack.append((heading.level, children))
    return roots


# --- the command -------------------------------------------------------------------------------


def serve(
    vault: Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
) -> int:
    """Serve on stdin and stdout until the client says ``exit``; returns the exit code."""
    reader = _Input(stdin or sys.stdin.buffer)
    server = make_server(vault, select, ignore, reader)
    server.start_io(cast(BinaryIO, reader), stdout or sys.stdout.buffer)
    return 0
