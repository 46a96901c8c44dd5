"""Reporters: pure functions from findings (or links) to text, one per output format.

Every output is valid UTF-8, whatever the vault's file names are. A name that is not UTF-8
reaches Python with each undecodable byte as a lone surrogate (``surrogateescape``); the
reports show that byte as ``\\xe9`` (in JSON, the string holds those four characters), and
SARIF URIs percent-encode the byte itself (``caf%E9.md``), so a URI still names the file.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from vaultkit.model import Diagnostic, Edge, Fix, Severity, Status, diagnostic_order
from vaultkit.rules import RULES, Rule
from vaultkit.version import __version__


@dataclass(frozen=True, slots=True)
class Context:
    """What a reporter may need besides the findings."""

    root: Path
    cwd: Path
    note_count: int
    color: bool = False
    ids: Sequence[str] | None = None
    """Each finding's identity (``identity.finding_id``), in the order the findings are given;
    the JSON and SARIF reports carry it when known."""


_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


_SURROGATES = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with each byte a file name could not decode shown as ``\\xNN``.

    A lone surrogate from elsewhere (a YAML ``"\\udc00"`` escape) is shown as ``\\uNNNN``.
    """
    if text.isascii():
        return text
    return _SURROGATES.sub(_escape_surrogate, text)


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def _json_text(data: object) -> str:
    """``data`` as indented JSON, its strings :func:`printable` (surrogates occur only in them)."""
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if text.isascii():
        return text
    return _SURROGATES.sub(lambda match: _escape_surrogate(match).replace("\\", "\\\\"), text)


def printable_graph(graph: Any) -> Any:
    """A networkx graph with every name and string attribute :func:`printable`.

    The graph itself when nothing in it needs escaping (the common case costs one pass).
    """
    nodes = graph.nodes(data=True)
    if not _unprintable(graph.graph) and not any(
        _unprintable(node) or _unprintable(data) for node, data in nodes
    ):
        return graph
    clean = graph.__class__()
    clean.graph.update(_printable_value(graph.graph))
    clean.add_nodes_from((printable(node), _printable_value(data)) for node, data in nodes)
    clean.add_edges_from(
        (printable(source), printable(target), _printable_value(data))
        for source, target, data in graph.edges(data=True)
    )
    return clean


def _unprintable(value: object) -> bool:
    if isinstance(value, str):
        return not value.isascii() and _SURROGATES.search(value) is not None
    if isinstance(value, dict):
        return any(_unprintable(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_unprintable(item) for item in value)
    return False


def _printable_value(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: _printable_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_printable_value(item) for item in value)
    return value


def display_path(context: Context, path: str) -> str:
    """A vault-relative path as the user sees it: relative to the current folder."""
    prefix = _prefix(context.root, context.cwd)
    if prefix is not None:
        return prefix + path
    return os.path.relpath(context.root / path, context.cwd).replace(os.sep, "/")


@functools.lru_cache(maxsize=8)
def _prefix(root: Path, cwd: Path) -> str | None:
    """What joins the current folder to a vault path, when the vault is at or under it.

    One string join a finding instead of a ``relpath`` (a tenth of a second at 12k findings);
    a current folder inside the vault or beside it takes the general way.
    """
    if root == cwd:
        return ""
    if root.is_relative_to(cwd):
        return root.relative_to(cwd).as_posix() + "/"
    return None


def text_report(diagnostics: Sequence[Diagnostic], context: Context) -> str:
    """``path:line:col: CODE [name] message`` lines and one summary line."""
    lines = []
    for item in diagnostics:
        where = f"{display_path(context, item.path)}:{item.line}:{item.column}:"
        if context.color:
            code = f"{_COLORS[item.severity]}{_BOLD}{item.code}{_RESET}"
            lines.append(
                f"{_BOLD}{where}{_RESET} {code} {_DIM}[{item.name}]{_RESET} {item.message}"
            )
        else:
            lines.append(f"{where} {item.code} [{item.name}] {item.message}")
    lines.append(summary(diagnostics, context.note_count) + _fixable(diagnostics))
    return printable("\n".join(lines) + "\n")


def _fixable(diagnostics: Sequence[Diagnostic]) -> str:
    """``; 7 fixable with --fix (3 more with --unsafe-fixes)``, or nothing."""
    safe = sum(1 for item in diagnostics if item.fix is not None and item.fix.safe)
    unsafe = sum(1 for item in diagnostics if item.fix is not None and not item.fix.safe)
    if not safe:
        return f"; {unsafe:,} fixable with --unsafe-fixes" if unsafe else ""
    more = f" ({unsafe:,} more with --unsafe-fixes)" if unsafe else ""
    return f"; {safe:,} fixable with --fix{more}"


def summary(diagnostics: Sequence[Diagnostic], note_count: int) -> str:
    """``12 problems (9 errors, 3 warnings) in 2,314 notes``."""
    notes = f"{note_count:,} note{'s' if note_count != 1 else ''}"
    if not diagnostics:
        return f"no problems in {notes}"
    counts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        count = sum(1 for item in diagnostics if item.severity is severity)
        if count:
            label = severity.label + ("s" if count != 1 and severity is not Severity.INFO else "")
            counts.append(f"{count:,} {label}")
    total = len(diagnostics)
    return f"{total:,} problem{'s' if total != 1 else ''} ({', '.join(counts)}) in {notes}"


def diagnostic_record(item: Diagnostic, finding_id: str | None = None) -> dict[str, object]:
    """One finding as the JSON object of cli.md, with its ``"id"`` when known."""
    fix = None
    if item.fix is not None:
        fix = {
            "replacement": item.fix.replacement,
            "line": item.fix.line,
            "column": item.fix.column,
            "end_line": item.fix.end_line,
            "end_column": item.fix.end_column,
            "safe": item.fix.safe,
        }
    record: dict[str, object] = {} if finding_id is None else {"id": finding_id}
    record |= {
        "code": item.code,
        "name": item.name,
        "severity": item.severity.label,
        "path": item.path,
        "line": item.line,
        "column": item.column,
        "message": item.message,
        "fix": fix,
        "suggestions": list(item.suggestions),
    }
    return record


def _with_ids(
    diagnostics: Sequence[Diagnostic], context: Context
) -> list[tuple[Diagnostic, str | None]]:
    """The findings sorted by path, line, column, code, each with its id (None: unknown)."""
    ids: Sequence[str | None] = (
        context.ids if context.ids is not None else [None] * len(diagnostics)
    )
    return sorted(zip(diagnostics, ids, strict=True), key=lambda pair: diagnostic_order(pair[0]))


def json_report(diagnostics: Sequence[Diagnostic], context: Context) -> str:
    """One JSON array sorted by path, line, column, code."""
    return _json_text([diagnostic_record(*pair) for pair in _with_ids(diagnostics, context)])


SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_BASE = "VAULTROOT"
INFORMATION_URI = "https://pypi.org/project/vaultkit/"
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_uri(path: str) -> str:
    """A vault-relative path as a relative URI: spaces, ``#``, ``%`` and non-ASCII encoded.

    The URI encodes the name's bytes, so a byte that is not UTF-8 is itself: ``caf%E9.md``.
    """
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def sarif_report(diagnostics: Sequence[Diagnostic], context: Context) -> str:
    """SARIF 2.1.0: one run, every rule of the catalogue, results with vault-relative URIs.

    URIs are relative to the base id ``VAULTROOT``, which ``originalUriBaseIds`` maps to the
    vault folder. Columns count Unicode code points (``columnKind``), as everywhere in
    vaultkit. A finding with a fix carries it as a SARIF ``fix``.
    """
    rule_index = {rule.code: index for index, rule in enumerate(RULES)}
    run = {
        "tool": {
            "driver": {
                "name": "vaultkit",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_sarif_rule(rule) for rule in RULES],
            }
        },
        "originalUriBaseIds": {SARIF_BASE: {"uri": context.root.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [
            _sarif_result(item, rule_index, finding_id)
            for item, finding_id in _with_ids(diagnostics, context)
        ],
    }
    return _json_text({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})


def _sarif_rule(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity], "enabled": rule.default},
    }


def _sarif_result(
    item: Diagnostic, rule_index: dict[str, int], finding_id: str | None
) -> dict[str, object]:
    location = {"uri": sarif_uri(item.path), "uriBaseId": SARIF_BASE}
    result: dict[str, object] = {
        "ruleId": item.code,
        "level": _SARIF_LEVELS[item.severity],
        "message": {"text": item.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": {"startLine": item.line, "startColumn": item.column},
                }
            }
        ],
    }
    if item.code in rule_index:
        result["ruleIndex"] = rule_index[item.code]
    if finding_id is not None:
        # The finding's identity: code scanning matches results across runs by it.
        result["partialFingerprints"] = {"vaultkitId/v1": finding_id}
    if item.fix is not None:
        result["fixes"] = [_sarif_fix(item.fix, location)]
    elif item.suggested is not None:
        # A near-certain suggestion is a fix a reviewer may take; ``--fix`` never applies it.
        result["fixes"] = [_sarif_fix(item.suggested, location)]
    return result


def _sarif_fix(fix: Fix, location: dict[str, str]) -> dict[str, object]:
    region = {
        "startLine": fix.line,
        "startColumn": fix.column,
        "endLine": fix.end_line,
        "endColumn": fix.end_column,
    }
    return {
        "description": {"text": f"replace with {fix.replacement}"},
        "artifactChanges": [
            {
                "artifactLocation": location,
                "replacements": [
                    {"deletedRegion": region, "insertedContent": {"text": fix.replacement}}
                ],
            }
        ],
    }


_GITHUB_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def github_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub requires."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,`` escaped."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def github_report(diagnostics: Sequence[Diagnostic], context: Context) -> str:
    """GitHub Actions workflow commands, one a finding: ``::error file=…,line=…::message``.

    Info findings are notices. The message repeats the text format's line, so the job log
    reads the same as a local run; paths are relative to the current folder.
    """
    lines = []
    for item in sorted(diagnostics):
        path = display_path(context, item.path)
        properties = ",".join(
            f"{key}={github_property(value)}"
            for key, value in (
                ("file", path),
                ("line", str(item.line)),
                ("col", str(item.column)),
                ("title", f"{item.code} {item.name}"),
            )
        )
        message = f"{path}:{item.line}:{item.column}: {item.code} [{item.name}] {item.message}"
        lines.append(f"::{_GITHUB_COMMANDS[item.severity]} {properties}::{github_data(message)}")
    return printable("".join(line + "\n" for line in lines))


Reporter = Callable[[Sequence[Diagnostic], Context], str]

REPORTERS: dict[str, Reporter] = {
    "text": text_report,
    "json": json_report,
    "sarif": sarif_report,
    "github": github_report,
}


def link_record(edge: Edge) -> dict[str, object]:
    """One link as the JSON object of ``vaultkit links``."""
    link = edge.link
    return {
        "source": edge.source,
        "line": link.line,
        "column": link.column,
        "kind": link.kind.value,
        "text": link.text,
        "target": link.target,
        "subpath": link.subpath,
        "status": edge.status.value,
        "resolved": edge.resolved,
    }


def _listed(edges: Sequence[Edge]) -> list[Edge]:
    """The links Obsidian's link tables list, by source, line, column.

    An empty link (``[[]]``, ``[]()``, ``[text]()``) is no link to Obsidian (links.md, "Not
    links"): VK108 reports it, but it is not listed, and so never counted as unresolved.
    """
    listed = [edge for edge in edges if edge.status is not Status.EMPTY]
    return sorted(listed, key=lambda edge: (edge.source, edge.link.line, edge.link.column))


def links_json(edges: Sequence[Edge], context: Context) -> str:
    """Every link Obsidian lists, sorted by source, line, column."""
    return _json_text([link_record(edge) for edge in _listed(edges)])


def links_text(edges: Sequence[Edge], context: Context) -> str:
    """``path:line:col: kind status text -> resolved`` a line."""
    lines = []
    for edge in _listed(edges):
        link = edge.link
        where = f"{display_path(context, edge.source)}:{link.line}:{link.column}:"
        arrow = f" -> {edge.resolved}" if edge.resolved else ""
        lines.append(f"{where} {link.kind.value} {edge.status.value} {link.text}{arrow}")
    return printable("\n".join(lines) + ("\n" if lines else ""))


LINK_REPORTERS: dict[str, Callable[[Sequence[Edge], Context], str]] = {
    "text": links_text,
    "json": links_json,
}
