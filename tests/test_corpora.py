"""The real vaults in shared/corpora lint without a traceback, with known answers.

obsidian-tasks-docs is a clean vault maintained with Obsidian: vaultkit reports no VK101-VK103
there. What it does report is each a genuine problem of that vault, named here:

- 25 VK107: `Advanced/Styling.md` and others embed images as `../../images/x.png`, a path that
  leaves the vault from a folder one level deep (the images live in the vault's own `images/`;
  the links were written for the repository's layout on GitHub, not for Obsidian);
- 1 VK106: `_meta/templates/image embed.md` is a template whose embed names the placeholder
  `../images/insert-filename-here.png`.
"""

from __future__ import annotations

import collections
import json

from tests.conftest import corpus, run_vaultkit


def _lint(name: str) -> tuple[int, list[dict[str, object]], str]:
    result = run_vaultkit("lint", "--format", "json", "--vault", str(corpus(name)))
    return result.returncode, json.loads(result.stdout), result.stderr


def test_tasks_docs_has_only_its_genuine_problems() -> None:
    status, found, stderr = _lint("obsidian-tasks-docs")
    assert (status, stderr) == (1, "")
    counts = collections.Counter(str(item["code"]) for item in found)
    assert counts["VK101"] == counts["VK102"] == counts["VK103"] == 0
    outside = [item for item in found if item["code"] == "VK107"]
    assert len(outside) == 25
    assert all("../../images/" in str(item["message"]) for item in outside)
    (missing,) = [item for item in found if item["code"] == "VK106"]
    assert missing["path"] == "_meta/templates/image embed.md"


def test_kepano_templates_report_vk210_at_the_yaml_line() -> None:
    status, found, stderr = _lint("kepano-obsidian")
    assert (status, stderr) == (1, "")
    invalid = [item for item in found if item["code"] == "VK210"]
    assert invalid and all(str(item["path"]).startswith("Templates/") for item in invalid)
    book = [item for item in invalid if item["path"] == "Templates/Book Template.md"]
    assert [(item["line"], item["column"]) for item in book] == [(13, 11)]


def test_knowledge_garden_lints_without_traceback() -> None:
    status, found, stderr = _lint("knowledge-garden")
    assert (status, stderr) == (1, "")
    assert len(found) > 1000
