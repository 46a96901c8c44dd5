r"""Finding the vault and reading its configuration (``.vaultkit.toml`` or ``[tool.vaultkit]``).

Every key is validated; an unknown key or a bad value is a ``VaultkitError`` naming the key and
the file, which the CLI turns into exit 2.

Globs (``exclude``, ``per-file-ignores``, ``orphans.exclude``) are ``.gitignore`` patterns
(pathspec's gitignore flavour) over vault-relative paths with ``/``: ``*`` and ``?`` stay inside
one folder, ``[…]`` is a character class (``Daily/202[34]-*.md``, ``[!x]`` negates), ``**``
spans folders (``Templates/**``, ``**/drafts``), ``\`` escapes the next character. A pattern
without a ``/`` (other than a trailing one) matches a file or folder of that name in any
folder, so ``index.md`` and ``*.excalidraw.md`` work wherever the file is; a leading ``/`` or a
``/`` inside anchors it to the vault root (``/index.md``, ``Daily/*.md``); a trailing ``/``
matches folders only; a folder that matches takes everything under it; ``!`` before a pattern
takes back what an earlier one matched. Matching is bounded (see ``_LinearPattern``): a
hostile glob such as ``*a*a*a*a*a*a*b`` costs about the path's length times its own.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, AnyStr, Literal

import pathspec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from vaultkit.model import Severity, VaultkitError
from vaultkit.obsidian import read_settings

CONFIG_FILE = ".vaultkit.toml"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|KIB|MB|MIB|GB|GIB)?\s*$", re.IGNORECASE)
# Bounds on the numbers: past them a value is a slip (or a vault's config set to hurt), and
# ``inf``/``1e300`` would reach ``setitimer`` and the size check as values they cannot take.
_MAX_SIZE = 1024**3
_MAX_SECONDS = 3600
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
    obsidian_settings: bool = True
    # The baseline file, vault-relative (``identity.py``); None: ``baseline = false``.
    baseline: str | None = ".vaultkit-baseline.json"
    # Whether the config itself sets ``fail-on``: under pre-commit it then wins over the
    # hook's ``--fail-on`` (users configure the hooks here, never with hook ``args``).
    fail_on_given: bool = field(default=False, compare=False)
    # What ``.obsidian/`` keeps apart (``obsidian.read_settings``), read by ``load_config``.
    obsidian_skip: tuple[tuple[str, str], ...] = ()
    source: str | None = field(default=None, compare=False)


def find_vault(start: Path) -> Path:
    """The nearest folder at or above ``start`` with ``.obsidian/`` or the config, else it."""
    found = marked_vault(start)
    return start.resolve() if found is None else found


def marked_vault(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` with ``.obsidian/`` or the config, if any."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".obsidian").is_dir() or (folder / CONFIG_FILE).is_file():
            return folder
    return None


def unmarked_notice(start: Path, root: Path) -> str:
    """The line saying which folder was taken as the vault when no marker was found."""
    return (
        f"vaultkit: no .obsidian/ or {CONFIG_FILE} at or above {start.resolve()}; treating "
        f"{root} as the vault; add {CONFIG_FILE} at the vault's root"
    )


def load_config(vault: Path) -> Config:
    """Read the vault's config, and what Obsidian's own settings keep apart (``obsidian.py``).

    The config is ``.vaultkit.toml`` at the vault's root, else the nearest pyproject.
    """
    config = _own_config(vault)
    if not config.obsidian_settings:
        return config
    return replace(config, obsidian_skip=read_settings(vault))


def _own_config(vault: Path) -> Config:
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
        exclude=reader.globs("exclude"),
        alias_links=reader.choice("alias-links", ("warn", "allow", "obsidian"), "warn"),
        max_file_size=reader.size("max-file-size", 5 * 1024**2),
        parse_timeout=reader.seconds("parse-timeout", 10.0),
        fail_on=Severity[reader.choice("fail-on", ("info", "warning", "error"), "warning").upper()],
        per_file_ignores=reader.per_file_ignores("per-file-ignores"),
        orphans_exclude=reader.table("orphans", {"exclude"}).globs("exclude"),
        parent_keys=reader.table("hierarchy", {"parent-keys"}).strings("parent-keys", ("up",)),
        graph_output=reader.table("graph", {"output", "color-by"}).string(
            "output", "vaultkit-graph.html"
        ),
        graph_color_by=reader.table("graph", {"output", "color-by"}).choice(
            "color-by", ("folder", "tag", "community", "none"), "folder"
        ),
        obsidian_settings=reader.boolean("obsidian-settings", True),
        baseline=reader.file_or_false("baseline", ".vaultkit-baseline.json"),
        fail_on_given="fail-on" in table,
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
            "obsidian-settings",
            "baseline",
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

    def boolean(self, key: str, default: bool) -> bool:
        value = self._table.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def globs(self, key: str) -> tuple[str, ...]:
        patterns = self.strings(key, ())
        try:
            _glob_spec(patterns)
        except ValueError:
            raise self._fail(key, "a list of gitignore-style globs") from None
        return patterns

    def string(self, key: str, default: str) -> str:
        value = self._table.get(key, default)
        if not isinstance(value, str) or not value:
            raise self._fail(key, "a non-empty string")
        return value

    def file_or_false(self, key: str, default: str) -> str | None:
        value = self._table.get(key, default)
        if value is False:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, "a file name or false")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self._table.get(key, default)
        if value not in choices:
            raise self._fail(key, "one of " + ", ".join(repr(c) for c in choices))
        return str(value)

    def size(self, key: str, default: int) -> int:
        value = self._table.get(key, default)
        expected = 'a size from 1 byte to 1GiB such as "5MiB" (or a number of bytes)'
        if isinstance(value, int) and not isinstance(value, bool):
            size = value
        else:
            match = _SIZE.match(value) if isinstance(value, str) else None
            if match is None:
                raise self._fail(key, expected)
            size = int(float(match.group(1)) * _UNITS[(match.group(2) or "B").upper()])
        if not 0 < size <= _MAX_SIZE:
            raise self._fail(key, expected)
        return size

    def seconds(self, key: str, default: float) -> float:
        value = self._table.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value <= _MAX_SECONDS  # also false for nan
        ):
            raise self._fail(key, f"a number of seconds above 0 and at most {_MAX_SECONDS:,}")
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
        for glob in value:
            try:
                _glob_spec([glob])
            except ValueError:
                raise VaultkitError(
                    f"{self._source}: {key} has {glob!r}, which is no gitignore-style glob"
                ) from None
        return tuple((glob, reader.strings(glob, ())) for glob in value)


def glob_matcher(patterns: tuple[str, ...] | list[str]) -> Callable[[str], bool]:
    """A predicate telling whether a vault-relative path matches the globs (see the module doc)."""
    if not patterns:
        return _never
    spec = _glob_spec(patterns)
    return spec.match_file


def _never(path: str) -> bool:
    return False


def _glob_spec(patterns: tuple[str, ...] | list[str]) -> pathspec.PathSpec[_LinearPattern]:
    return pathspec.PathSpec([_LinearPattern(pattern) for pattern in patterns])


class _LinearPattern(GitIgnoreSpecPattern):
    """A gitignore pattern whose regex cannot backtrack without bound.

    pathspec turns ``*`` into ``[^/]*`` and ``**`` into ``(?:/.+)?``: ``*a*a*…*b`` against a long
    name tries every way to split it, which never ends. Each run of fixed-width atoms after a
    ``*`` (and each run of segments after a ``**``) is matched at its leftmost place and kept
    there (an atomic group): a later place can only leave less room for what follows, so the
    answer is the same, and matching costs about path length times pattern length.
    """

    __slots__ = ()

    @staticmethod
    def _translate_segment_glob(pattern: str, range_error: Literal["literal", "raise"]) -> str:
        regex = GitIgnoreSpecPattern._translate_segment_glob(pattern, range_error)
        first, *rest = regex.split(_STAR)
        if not rest:
            return regex + _SEGMENT_END
        middle = "".join(f"(?>{_STAR}?{chunk})" for chunk in rest[:-1])
        return f"{first}{middle}{_STAR}{rest[-1]}{_SEGMENT_END}"

    @classmethod
    def pattern_to_regex(cls, pattern: AnyStr) -> tuple[AnyStr | None, bool | None]:
        regex, include = super().pattern_to_regex(pattern)
        if not isinstance(regex, str):
            return regex, include
        leading = regex.startswith(_LEADING)
        first, *rest = regex.removeprefix(_LEADING).split(_INNER)
        out = f"^(?>(?:.+?/)?{first.removeprefix('^')})" if leading else first
        out += "".join(f"(?>(?:/.+?)?{chunk})" for chunk in rest)
        rewritten: Any = out  # a str, as ``pattern`` was
        return rewritten, include


# The pieces of pathspec's regexes that ``_LinearPattern`` rewrites; a pathspec that writes
# other ones keeps its own regexes (correct, only not bounded).
_STAR = "[^/]*"
_LEADING = "^(?:.+/)?"
_INNER = "(?:/.+)?"
_SEGMENT_END = "(?![^/])"
