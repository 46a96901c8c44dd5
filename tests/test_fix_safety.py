"""Each rule's row in ``RULES`` says the kind of its fix, and the fixes it attaches agree."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CORPORA, SAMPLE, write_files
from vaultkit.cli import main
from vaultkit.config import Config
from vaultkit.fix import FIXABLE
from vaultkit.model import Vault
from vaultkit.rules import RULES
from vaultkit.vault import load_vault

TINY = {
    "Home.md": "[[Index]] and [[Nickname]]\n",
    "Projects/Index.md": "[[Home]]\n",
    "Areas/Index.md": "[[Home]]\n",
    "Target.md": "---\naliases: Nickname\nup: [[Home]]\n---\n[[Home]]\n",
}


def _fix_kinds(vault: Vault) -> Counter[tuple[str, bool]]:
    """(code, safe) of each fix the rules yield on ``vault``, each checked against its row."""
    seen: Counter[tuple[str, bool]] = Counter()
    for rule in RULES:
        for item in rule.check(vault):
            if item.fix is not None:
                assert rule.fix is not None, f"{rule.code} attaches a fix but its row names none"
                assert item.fix.safe == (rule.fix == "safe"), (rule.code, item)
                seen[rule.code, item.fix.safe] += 1
    return seen


def _vaults(tmp_path: Path) -> list[Path]:
    tiny = tmp_path / "tiny"
    write_files(tiny, TINY)
    corpora = sorted(path for path in CORPORA.iterdir() if path.is_dir())
    if not corpora:
        pytest.fail(f"no corpora at {CORPORA}")
    return [SAMPLE, tiny, *corpora]


def test_every_fix_a_rule_yields_has_the_safety_of_its_row(tmp_path: Path) -> None:
    seen: Counter[tuple[str, bool]] = Counter()
    for root in _vaults(tmp_path):
        config = Config() if root.name == "tiny" else None
        seen += _fix_kinds(load_vault(root, config, use_cache=False))
    # The vaults hold fixes of both kinds, so the check above has something to check.
    assert seen["VK104", False] and seen["VK105", True]
    assert seen["VK211", True] and seen["VK214", True]


def test_the_fixable_codes_are_the_rules_whose_row_names_a_fix() -> None:
    assert sorted(FIXABLE) == sorted(rule.code for rule in RULES if rule.fix is not None)
    assert len(set(FIXABLE)) == len(FIXABLE)
    assert all(rule.fix in (None, "safe", "unsafe") for rule in RULES)


def test_rule_shows_the_kind_of_its_fix(capsys: pytest.CaptureFixture[str]) -> None:
    for code, kind in (("VK104", "unsafe"), ("VK105", "safe"), ("VK102", "none")):
        assert main(["rule", code]) == 0
        assert capsys.readouterr().out.splitlines()[1].split()[:2] == ["fix:", kind]
    assert main(["rule", "--all"]) == 0
    listed = {words[0]: words[3] for words in map(str.split, capsys.readouterr().out.splitlines())}
    for rule in RULES:
        assert (listed[rule.code] if listed[rule.code] in ("safe", "unsafe") else None) == rule.fix
