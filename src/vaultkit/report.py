"""Reporters: pure functions from findings (or links) to text, one per output format."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from vaultkit import __version__
from vaultkit.model import Diagnostic, Edge, Fix, Severity
from vaultkit.rules import RULES, Rule


@dataclass(frozen=True, slots=True)
class Context:
    """What a reporter may need besides the findings."""

    root: Path
    cwd: Path
    note_count: int
    color: bool = False


_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


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
    return "\n".join(lines) + "\n"


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


def diagnostic_record(item: Diagnostic) -> dict[str, object]:
    """One finding as the JSON object of cli.md."""
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
    return {
        "code": item.code,
        "name": item.name,
        "severity": item.severity.label,
        "path": item.path,
        "line": item.line,
        "column": item.column,
        "message": item.message,
        "fix": fix,
    }


def json_report(diagnostics: Sequence[Diagnostic], context: Context) -> str:
    """One JSON array sorted by path, line, column, code."""
    records = [diagnostic_record(item) for item in sorted(diagnostics)]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_BASE = "VAULTROOT"
INFORMATION_URI = "https://pypi.org/project/vaultkit/"
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_uri(path: str) -> str:
    """A vault-relative path as a relative URI: spaces, ``#``, ``%`` and non-ASCII encoded."""
    return quote(path, safe="/")


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
        "results": [_sarif_result(item, rule_index) for item in sorted(diagnostics)],
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _sarif_rule(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity], "enabled": rule.default},
    }


def _sarif_result(item: Diagnostic, rule_index: dict[str, int]) -> dict[str, object]:
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
    if item.fix is not None:
        result["fixes"] = [_sarif_fix(item.fix, location)]
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
    return "".join(line + "\n" for line in lines)


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


def _link_order(edge: Edge) -> tuple[str, int, int]:
    return edge.source, edge.link.line, edge.link.column


def links_json(edges: Sequence[Edge], context: Context) -> str:
    """Every link, sorted by source, line, column."""
    records = [link_record(edge) for edge in sorted(edges, key=_link_order)]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def links_text(edges: Sequence[Edge], context: Context) -> str:
    """``path:line:col: kind status text -> resolved`` a line."""
    lines = []
    for edge in sorted(edges, key=_link_order):
        link = edge.link
        where = f"{display_path(context, edge.source)}:{link.line}:{link.column}:"
        arrow = f" -> {edge.resolved}" if edge.resolved else ""
        lines.append(f"{where} {link.kind.value} {edge.status.value} {link.text}{arrow}")
    return "\n".join(lines) + ("\n" if lines else "")


LINK_REPORTERS: dict[str, Callable[[Sequence[Edge], Context], str]] = {
    "text": links_text,
    "json": links_json,
}
