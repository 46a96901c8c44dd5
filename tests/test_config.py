"""Config: defaults, validation with the key named, discovery, globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultkit.config import Config, find_vault, glob_matcher, load_config, parse_config
from vaultkit.model import Severity, VaultkitError


def test_defaults() -> None:
    config = parse_config({})
    assert config == Config(source="config")
    assert (config.alias_links, config.max_file_size, config.fail_on) == (
        "warn",
        5 * 1024**2,
        Severity.WARNING,
    )


def test_full_config() -> None:
    config = parse_config(
        {
            "select": ["VK1"],
            "ignore": ["VK104"],
            "exclude": ["Templates/**"],
            "alias-links": "obsidian",
            "max-file-size": "1.5MiB",
            "parse-timeout": 2,
            "fail-on": "error",
            "per-file-ignores": {"Daily/**": ["orphan-note"]},
            "orphans": {"exclude": ["index.md"]},
            "hierarchy": {"parent-keys": ["up", "parent"]},
            "graph": {"output": "g.html", "color-by": "tag"},
        }
    )
    assert config.max_file_size == int(1.5 * 1024**2)
    assert config.per_file_ignores == (("Daily/**", ("orphan-note",)),)
    assert config.parent_keys == ("up", "parent")
    assert config.fail_on is Severity.ERROR


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"colour": 1}, "'colour'"),
        ({"alias-links": "sometimes"}, "alias-links"),
        ({"max-file-size": "lots"}, "max-file-size"),
        ({"parse-timeout": -1}, "parse-timeout"),
        ({"select": "VK1"}, "select"),
        ({"orphans": {"exclud": []}}, "orphans.exclud"),
        ({"per-file-ignores": {"x": "VK101"}}, "per-file-ignores.x"),
        ({"graph": {"color-by": "mood"}}, "graph.color-by"),
    ],
)
def test_bad_values_name_the_key(table: dict[str, object], named: str) -> None:
    with pytest.raises(VaultkitError, match=named.replace(".", r"\.")):
        parse_config(table, "x.toml")


def test_vaultkit_toml_then_pyproject(tmp_path: Path) -> None:
    vault = tmp_path / "repo" / "notes"
    vault.mkdir(parents=True)
    (tmp_path / "repo" / "pyproject.toml").write_text('[tool.vaultkit]\nfail-on = "error"\n')
    assert load_config(vault).fail_on is Severity.ERROR
    (vault / ".vaultkit.toml").write_text('fail-on = "info"\n')
    assert load_config(vault).fail_on is Severity.INFO


def test_find_vault(tmp_path: Path) -> None:
    (tmp_path / "v" / ".obsidian").mkdir(parents=True)
    (tmp_path / "v" / "a" / "b").mkdir(parents=True)
    assert find_vault(tmp_path / "v" / "a" / "b") == (tmp_path / "v").resolve()
    assert find_vault(tmp_path) == tmp_path.resolve()


def test_globs() -> None:
    matches = glob_matcher(["Templates/**", "*.excalidraw.md", "index.md", "Daily/*.md"])
    assert matches("Templates/a/b.md")
    assert matches("x/y/drawing.excalidraw.md")
    assert matches("sub/index.md")
    assert matches("Daily/2024.md")
    assert not matches("Daily/old/2024.md")
    assert not matches("TemplatesX/a.md")
