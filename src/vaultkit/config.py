"""Finding the vault and reading its configuration (``.vaultkit.toml`` or ``[tool.vaultkit]``).

Every key is validated; an unknown key or a bad value is a ``VaultkitError`` naming the key and
the file, which the CLI turns into exit 2.

Globs (``exclude``, ``per-file-ignores``, ``orphans.exclude``) match vault-relative paths with
``/``: ``*`` and ``?`` stay inside one folder, ``**`` spans folders, and a pattern without ``/``
matches the file name in any folder (as ``.gitignore`` does), so ``index.md`` and
``*.excalidraw.md`` work wherever the file is.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaultkit.model import Severity, VaultkitError

CONFIG_FILE = ".vaultkit.toml"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|KIB|MB|MIB|GB|GIB)?\s*$", re.IGNORECASE)
_UNITS = {
    "B": 1,
    "KB": 1000,
    "KIB": 1024,
    "MB": 1000**2,
    "MIB": 1024**2,
    "GB": 1000**3,
    "GIB": 1024**3,
}


@dataclass(frozen=True, slots=True)
class Config:
    """The settings of one run; defaults are those of ``cli.md``."""

    select: tuple[str, ...] = ("VK",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    alias_links: str = "warn"
    max_file_size: int = 5 * 1024**2
    parse_timeout: float = 10.0
    fail_on: Severity = Severity.WARNING
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    orphans_exclude: tuple[str, ...] = ()
    parent_keys: tuple[str, ...] = ("up",)
    graph_output: str = "vaultkit-graph.html"
    graph_color_by: str = "folder"
    source: str | None = field(default=None, compare=False)


def find_vault(start: Path) -> Path:
    """The nearest folder at or above ``start`` with ``.obsidian/`` or the config, else it."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".obsidian").is_dir() or (folder / CONFIG_FILE).is_file():
            return folder
    return start


def load_config(vault: Path) -> Config:
    """Read the vault's config: ``.vaultkit.toml`` at its root, else the nearest pyproject."""
    own = vault / CONFIG_FILE
    if own.is_file():
        return parse_config(_read_toml(own), str(own))
    for folder in (vault, *vault.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("vaultkit")
            if table is not None:
                return parse_config(table, f"{pyproject} [tool.vaultkit]")
            break
    return Config()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise VaultkitError(f"{path}: cannot read config: {error}") from None


def parse_config(table: Mapping[str, Any], source: str = "config") -> Config:
    """Validate a config table; raises ``VaultkitError`` naming the first bad key."""
    reader = _Reader(table, source)
    config = Config(
        select=reader.strings("select", ("VK",)),
        ignore=reader.strings("ignore", ()),
        exclude=reader.strings("exclude", ()),
        alias_links=reader.choice("alias-links", ("warn", "allow", "obsidian"), "warn"),
        max_file_size=reader.size("max-file-size", 5 * 1024**2),
        parse_timeout=reader.seconds("parse-timeout", 10.0),
        fail_on=Severity[reader.choice("fail-on", ("info", "warning", "error"), "warning").upper()],
        per_file_ignores=reader.per_file_ignores("per-file-ignores"),
        orphans_exclude=reader.table("orphans", {"exclude"}).strings("exclude", ()),
        parent_keys=reader.table("hierarchy", {"parent-keys"}).strings("parent-keys", ("up",)),
        graph_output=reader.table("graph", {"output", "color-by"}).string(
            "output", "vaultkit-graph.html"
        ),
        graph_color_by=reader.table("graph", {"output", "color-by"}).choice(
            "color-by", ("folder", "tag", "community", "none"), "folder"
        ),
        source=source,
    )
    reader.check_unknown(
        {
            "select",
            "ignore",
            "exclude",
            "alias-links",
            "max-file-size",
            "parse-timeout",
            "fail-on",
            "per-file-ignores",
            "orphans",
            "hierarchy",
            "graph",
        }
    )
    return config


class _Reader:
    """Typed access to one config table, with errors that name the key and the file."""

    def __init__(self, table: Mapping[str, Any], source: str, prefix: str = "") -> None:
        self._table = table
        self._source = source
        self._prefix = prefix

    def _fail(self, key: str, expected: str) -> VaultkitError:
        value = self._table[key]
        return VaultkitError(
            f"{self._source}: {self._prefix}{key} must be {expected}, not {value!r}"
        )

    def check_unknown(self, known: set[str]) -> None:
        for key in self._table:
            if key not in known:
                raise VaultkitError(f"{self._source}: unknown key '{self._prefix}{key}'")

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        if key not in self._table:
            return default
        value = self._table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._fail(key, "a list of strings")
        return tuple(value)

    def string(self, key: str, default: str) -> str:
        value = self._table.get(key, default)
        if not isinstance(value, str) or not value:
            raise self._fail(key, "a non-empty string")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self._table.get(key, default)
        if value not in choices:
            raise self._fail(key, "one of " + ", ".join(repr(c) for c in choices))
        return str(value)

    def size(self, key: str, default: int) -> int:
        value = self._table.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        match = _SIZE.match(value) if isinstance(value, str) else None
        if match is None or float(match.group(1)) <= 0:
            raise self._fail(key, 'a size such as "5MiB" or a number of bytes')
        return int(float(match.group(1)) * _UNITS[(match.group(2) or "B").upper()])

    def seconds(self, key: str, default: float) -> float:
        value = self._table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self._fail(key, "a positive number of seconds")
        return float(value)

    def table(self, key: str, known: set[str]) -> _Reader:
        value = self._table.get(key, {})
        if not isinstance(value, Mapping):
            raise self._fail(key, "a table")
        reader = _Reader(value, self._source, f"{self._prefix}{key}.")
        reader.check_unknown(known)
        return reader

    def per_file_ignores(self, key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        value = self._table.get(key, {})
        if not isinstance(value, Mapping):
            raise self._fail(key, "a table of glob = [codes]")
        reader = _Reader(value, self._source, f"{key}.")
        return tuple((glob, reader.strings(glob, ())) for glob in value)


def glob_matcher(patterns: tuple[str, ...] | list[str]) -> Callable[[str], bool]:
    """A predicate telling whether a vault-relative path matches any of the globs."""
    if not patterns:
        return _never
    regex = re.compile("|".join(f"(?:{glob_to_regex(p)})" for p in patterns))
    return lambda path: regex.fullmatch(path) is not None


def _never(path: str) -> bool:
    return False


def glob_to_regex(pattern: str) -> str:
    """Translate one glob to a regex over a vault-relative path."""
    pattern = pattern.strip().lstrip("/")
    prefix = "" if "/" in pattern.rstrip("/") else "(?:.*/)?"
    if pattern.endswith("/"):
        pattern += "**"
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return prefix + "".join(out)
