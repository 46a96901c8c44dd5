"""The README's rules table is the catalogue: every rule, with its name, severity and default."""

from __future__ import annotations

import re
import subprocess
import sys

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


def _block_after(readme: str, marker: str) -> list[str]:
    """The lines of the ```console block that follows ``marker``."""
    start = readme.index("```console\n", readme.index(marker)) + len("```console\n")
    return readme[start : readme.index("```", start)].splitlines()


def test_the_quick_start_commands_are_targets_of_the_makefile() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.split("#")[0].split() for line in _block_after(readme, "## Quick start")]
    assert commands == [["make", "run"], ["make", "test"]]
    for _, target in commands:
        # ``make -n`` prints the commands a target would run, and runs none of them.
        dry = subprocess.run(
            ["make", "-n", "--no-print-directory", "-C", str(ROOT), target],
            capture_output=True,
            text=True,
            check=False,
        )
        assert dry.returncode == 0, dry.stderr
        ran = [line for line in dry.stdout.splitlines() if not line.startswith("make")]
        assert any("vaultkit" in line or "pytest" in line for line in ran), dry.stdout


FINDING = re.compile(r"^(vault/.+?):(\d+):(\d+): (VK\d{3}) ")
SUMMARY = re.compile(r"^(\d+) problems? \((.*?)\) in (\d+) notes")


def test_the_readme_shows_what_linting_the_sample_vault_finds() -> None:
    """The opening example: the same findings (where and which rule) and the same totals."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = _block_after(readme, "# vaultkit")
    assert shown[0] == "$ vaultkit lint --vault vault"
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lint", "--vault", "vault", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    printed = done.stdout.splitlines()

    def findings(lines: list[str]) -> list[tuple[str, ...]]:
        return [match.groups() for line in lines if (match := FINDING.match(line))]

    def totals(lines: list[str]) -> list[tuple[str, ...]]:
        return [match.groups() for line in lines if (match := SUMMARY.match(line))]

    assert findings(shown[1:]) == findings(printed)
    assert len(findings(printed)) == 5
    assert totals(shown[1:]) == totals(printed) == [("5", "2 errors, 3 warnings", "43")]


def test_the_development_section_names_every_module_and_no_other() -> None:
    """The architecture paragraph is the module list: a module added, renamed or gone shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Development\n")
    section = readme[start : readme.find("\n## ", start + 1)]
    named = set(re.findall(r"`([a-z_]+)\.py`", section))
    package = ROOT / "src" / "vaultkit"
    modules = {path.stem for path in package.glob("*.py")} - {"__init__"}
    assert named == modules
