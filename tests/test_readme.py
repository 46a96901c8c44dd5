"""The README's rules table is the catalogue: every rule, with its name, severity and default."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from vaultkit.rules import RULES

ROW = re.compile(r"^\| (VK\d{3}) \| ([a-z-]+) \| (error|warning|info) \| (on|off) \|", re.M)


def test_rules_table_matches_catalogue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [match.groups() for match in ROW.finditer(readme)]
    expected = [
        (rule.code, rule.name, rule.severity.label, "on" if rule.default else "off")
        for rule in RULES
    ]
    assert rows == expected


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme
