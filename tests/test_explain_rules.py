"""``explain`` names the rule that lint reports for a link: it asks the link rules themselves."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import CORPORA, SAMPLE, write_files
from vaultkit.config import Config, load_config
from vaultkit.explain import explain, parse_link
from vaultkit.model import Vault
from vaultkit.rules import LINK_RULES, link_findings
from vaultkit.vault import load_vault

LINKS = (
    "[[Nowhere]]",
    "[[Index]]",
    "[[Nickname]]",
    "[[Target#No such heading]]",
    "[[Target#^nope]]",
    "![[missing.png]]",
    "[out](../../outside.md)",
    "[[Target]]",
)
TINY = {
    "Home.md": "up:: [[Nowhere]]\n" + "".join(f"{link}\n" for link in LINKS),
    "Projects/Index.md": "[[Home]]\n",
    "Areas/Index.md": "[[Home]]\n",
    "Target.md": "---\naliases: [Nickname]\n---\n# Heading\n[[Home]]\n",
}


def _positions(vault: Vault) -> tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]]]:
    """(where, code) of each link finding: the rules on the whole vault, and edge by edge."""
    whole = Counter(
        (item.path, item.line, item.column, item.code)
        for rule in LINK_RULES
        for item in rule.check(vault)
    )
    alone = Counter(
        (item.path, item.line, item.column, item.code)
        for edge in vault.edges
        for item in link_findings(vault, edge)
    )
    return whole, alone


@pytest.mark.parametrize("alias_links", ["warn", "obsidian", "allow"])
def test_each_edge_alone_gets_the_findings_the_whole_vault_gets(
    tmp_path: Path, alias_links: str
) -> None:
    write_files(tmp_path / "tiny", TINY)
    roots = [tmp_path / "tiny", SAMPLE, *sorted(p for p in CORPORA.iterdir() if p.is_dir())]
    for root in roots:
        config = replace(load_config(root), alias_links=alias_links)
        vault = load_vault(root, config, use_cache=False)
        whole, alone = _positions(vault)
        assert whole == alone, root
        assert whole, root


@pytest.mark.parametrize("alias_links", ["warn", "obsidian", "allow"])
def test_explain_names_the_rule_lint_reports(tmp_path: Path, alias_links: str) -> None:
    root = tmp_path / "tiny"
    write_files(root, TINY)
    vault = load_vault(root, Config(alias_links=alias_links), use_cache=False)  # type: ignore[arg-type]
    by_line = {
        item.line: f"{item.code} {item.name}"
        for rule in LINK_RULES
        for item in rule.check(vault)
        if item.path == "Home.md"
    }
    assert by_line[1].startswith("VK301")
    for line, text in enumerate(LINKS, start=2):
        assert explain(vault, parse_link(text), "Home.md").rule == by_line.get(line), text
