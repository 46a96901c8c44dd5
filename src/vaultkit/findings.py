"""From a resolved vault to its findings: the rules run, suppressions dropped, a selection kept.

``lint`` is the whole step: the rules the selection enables (``rules.select_rules``) run over
the vault, each finding is given its subject (``identity.subject_of``), the suppressed ones are
dropped (``Suppressed``), and only the findings in the paths asked are kept. ``check`` is the
same for rules already chosen, without the paths: the engine (``incremental.py``) runs every
rule through it and applies a selection only to what it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from vaultkit import obsidian
from vaultkit.config import Config, glob_matcher
from vaultkit.identity import subject_of
from vaultkit.model import Diagnostic, Vault, diagnostic_order
from vaultkit.rules import Rule, select_rules


def lint(
    vault: Vault,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    paths: Iterable[str] | None = None,
) -> list[Diagnostic]:
    """Run the enabled rules; drop suppressed findings; keep only ``paths`` when given.

    ``select`` replaces the config's selection; ``ignore`` adds to the config's. ``paths``
    are vault-relative notes or folders (a folder keeps the findings of every note under it,
    ``""`` or ``"."`` the whole vault); a path that is not a note of the vault keeps nothing.
    """
    wanted = within(paths)
    return [
        item for item in check(vault, selected(vault.config, select, ignore)) if wanted(item.path)
    ]


def selected(
    config: Config, select: Sequence[str] | None, ignore: Sequence[str]
) -> tuple[Rule, ...]:
    """The rules a run enables: ``select`` (else the config's) less the config's and ``ignore``."""
    return select_rules(select or config.select, (*config.ignore, *ignore))


def check(vault: Vault, rules: Iterable[Rule]) -> list[Diagnostic]:
    """The findings of ``rules`` over the vault, each with its subject, suppressions dropped,
    sorted as reports list them."""
    found = [
        diagnostic
        if diagnostic.subject is not None
        else replace(diagnostic, subject=subject_of(diagnostic, vault.notes.get(diagnostic.path)))
        for rule in rules
        for diagnostic in rule.check(vault)
    ]
    suppressed = Suppressed(vault)
    kept = [diagnostic for diagnostic in found if not suppressed(diagnostic)]
    return sorted(kept, key=diagnostic_order)


def within(paths: Iterable[str] | None) -> Callable[[str], bool]:
    """Whether a finding's path is one of ``paths`` or under one of them (None: every path)."""
    if paths is None:
        return _everything
    exact: set[str] = set()
    for path in paths:
        path = path.strip("/")
        if path in ("", "."):
            return _everything
        exact.add(path.removeprefix("./"))
    folders = tuple(path + "/" for path in exact)
    return lambda path: path in exact or path.startswith(folders)


def _everything(path: str) -> bool:
    return True


def left_out_counts(config: Config, notes: Iterable[str]) -> dict[str, int]:
    """How many of ``notes`` Obsidian's settings keep apart, by reason, in the settings' order."""
    why = obsidian.left_out(config.obsidian_skip)
    counts = dict.fromkeys(map(obsidian.reason, config.obsidian_skip), 0)
    for path in notes:
        reason = why(path)
        if reason is not None:
            counts[reason] += 1
    return {reason: count for reason, count in counts.items() if count}


def left_out_summary(counts: Mapping[str, int]) -> str:
    """``28 notes in Obsidian's templates folder 'Templates' not checked``; empty for none."""
    if not counts:
        return ""
    parts = [f"{count:,} note{'s' if count != 1 else ''} {why}" for why, count in counts.items()]
    return ", ".join(parts) + " not checked"


def _names(selectors: Iterable[str], code: str, name: str) -> bool:
    return any(
        code.startswith(selector.upper()) or selector.lower() == name for selector in selectors
    )


class Suppressed:
    """Whether a finding is silenced: its note is left out, a comment, the note or the config."""

    def __init__(self, vault: Vault) -> None:
        self._notes = vault.notes
        self._left_out = obsidian.left_out(vault.config.obsidian_skip)
        self._per_file = [
            (glob_matcher([glob]), codes) for glob, codes in vault.config.per_file_ignores
        ]

    def __call__(self, diagnostic: Diagnostic) -> bool:
        code, name = diagnostic.code, diagnostic.name
        if self._left_out(diagnostic.path) is not None:
            return True
        for matches, codes in self._per_file:
            if matches(diagnostic.path) and _names(codes, code, name):
                return True
        note = self._notes.get(diagnostic.path)
        if note is None:
            return False
        if note.ignore and _names(note.ignore, code, name):
            return True
        return any(
            suppression.first <= diagnostic.line <= suppression.last
            and (not suppression.codes or _names(suppression.codes, code, name))
            for suppression in note.suppressions
        )
