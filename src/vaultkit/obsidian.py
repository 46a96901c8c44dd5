"""What Obsidian's own settings keep apart from the vault's notes: templates and Excluded files.

When the vault has ``.obsidian/``, three of its settings name notes that are not notes of the
vault as its owner sees them:

- the core Templates plugin's folder (``.obsidian/templates.json``, ``folder``);
- Templater's folder (``.obsidian/plugins/templater-obsidian/data.json``, ``templates_folder``);
- *Excluded files* (``.obsidian/app.json``, ``userIgnoreFilters``).

Their notes are not linted and not drawn (nor the attachments kept there, a template's
``.base`` files), but they stay notes: a link to a template still resolves, and links from
them still count (Obsidian's backlinks list them too), so a note only a template links to is
no orphan finding, though the graph, which leaves the template out, shows it alone. A folder is
taken as written, ``/`` or ``\\`` at either end dropped; an empty one (the plugin's default) or
the vault root names nothing. A folder is used whether or not its plugin is enabled: the notes
in it were written as templates either way. Excluded files follow Obsidian's own reading of the
setting: an entry written ``/…/`` is a regular expression searched anywhere in the path, case
ignored (Python's ``re``: the JavaScript-only syntax Python lacks is refused); any other entry
is a path prefix, case ignored (``Archive/`` takes the folder, ``Archive`` also ``Archived.md``).
A regular expression that runs away on a path (``/(a+)+$/``) is dropped with a warning after
a fifth of a second, where signals allow (the main thread).

A settings file that is not valid (not JSON, not UTF-8, a value of the wrong type, over
256 KiB, not a regular file) is ignored with one warning on stderr, never a crash.
``obsidian-settings = false`` in the config turns all of this off.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from vaultkit.parse import Timeout, deadline
from vaultkit.read import read_regular

TEMPLATES, TEMPLATER, EXCLUDED = "templates", "templater", "excluded"
Setting = tuple[str, str]  # (kind, folder or filter)

_FOLDERS = (
    (TEMPLATES, Path("templates.json"), "folder"),
    (TEMPLATER, Path("plugins", "templater-obsidian", "data.json"), "templates_folder"),
)
_MAX_BYTES = 256 * 1024
_MAX_FILTERS = 1000
_REGEX_SECONDS = 0.2
_warned: set[str] = set()


def read_settings(vault: Path) -> tuple[Setting, ...]:
    """The vault's templates folders and Excluded files, from ``.obsidian/`` if it has one."""
    folder = vault / ".obsidian"
    if not folder.is_dir():
        return ()
    found: list[Setting] = []
    for kind, name, key in _FOLDERS:
        value = _value(folder / name, key)
        if value is None:
            continue
        if not isinstance(value, str):
            _warn(folder / name, f"{key!r} is not text")
            continue
        templates = value.strip().replace("\\", "/").strip("/")
        if templates not in ("", "."):
            found.append((kind, templates))
    filters = _value(folder / "app.json", "userIgnoreFilters")
    if filters is None:
        return tuple(found)
    if not isinstance(filters, list) or not all(isinstance(item, str) for item in filters):
        _warn(folder / "app.json", "'userIgnoreFilters' is not a list of text")
    elif len(filters) > _MAX_FILTERS:
        _warn(folder / "app.json", f"'userIgnoreFilters' holds over {_MAX_FILTERS:,} entries")
    else:
        for item in filters:
            if _looks_like_regex(item) and _regex_of(item) is None:
                _warn(folder / "app.json", f"{item!r} is not a regular expression Python reads")
            else:
                found.append((EXCLUDED, item))
    return tuple(item for item in found if item[1])


def reason(setting: Setting) -> str:
    """Why a note under ``setting`` is left out, as the summary says it."""
    kind, value = setting
    if kind == TEMPLATES:
        return f"in Obsidian's templates folder {value!r}"
    if kind == TEMPLATER:
        return f"in Templater's templates folder {value!r}"
    return "in Obsidian's Excluded files"


def left_out(settings: tuple[Setting, ...]) -> Callable[[str], str | None]:
    """A function giving the reason a vault-relative path is left out, or None."""
    if not settings:
        return _kept
    tests = [(reason(setting), _test(setting)) for setting in settings]
    known: dict[str, str | None] = {}

    def why(path: str) -> str | None:
        if path not in known:
            known[path] = next((text for text, test in tests if test(path)), None)
        return known[path]

    return why


def _kept(path: str) -> None:
    return None


def _test(setting: Setting) -> Callable[[str], bool]:
    kind, value = setting
    if kind != EXCLUDED:
        prefix = value + "/"
        return lambda path: path.startswith(prefix)
    regex = _regex_of(value)
    if regex is None:
        folded = value.casefold()
        return lambda path: path.casefold().startswith(folded)
    return _BoundedSearch(regex, value)


def _looks_like_regex(item: str) -> bool:
    return len(item) >= 3 and item.startswith("/") and item.endswith("/")


def _regex_of(item: str) -> re.Pattern[str] | None:
    if not _looks_like_regex(item):
        return None
    try:
        return re.compile(item[1:-1], re.IGNORECASE)
    except (re.error, RecursionError, OverflowError):
        return None


class _BoundedSearch:
    """A regex search that gives up (and warns, once) when one path takes too long."""

    def __init__(self, regex: re.Pattern[str], source: str) -> None:
        self._regex: re.Pattern[str] | None = regex
        self._source = source

    def __call__(self, path: str) -> bool:
        if self._regex is None:
            return False
        try:
            with deadline(_REGEX_SECONDS):
                return self._regex.search(path) is not None
        except Timeout:
            self._regex = None
            _warn(Path(".obsidian", "app.json"), f"{self._source!r} runs too long on {path!r}")
            return False


def _value(path: Path, key: str) -> object:
    """``key`` of the JSON object in ``path``; None when absent (a warning when malformed)."""
    try:
        if not path.exists():
            return None
        if os.stat(path).st_size > _MAX_BYTES:
            _warn(path, f"larger than {_MAX_BYTES // 1024} KiB")
            return None
        data = read_regular(os.fspath(path))
    except OSError as error:
        _warn(path, (error.strerror or type(error).__name__).lower())
        return None
    if data is None:
        _warn(path, "not a regular file")
        return None
    try:
        settings = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        _warn(path, "not valid JSON")
        return None
    if not isinstance(settings, dict):
        _warn(path, "not a JSON object")
        return None
    return settings.get(key)


def _warn(path: Path, problem: str) -> None:
    message = f"vaultkit: warning: {path}: {problem}; ignored"
    if message not in _warned:
        _warned.add(message)
        print(message, file=sys.stderr)
