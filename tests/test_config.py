"""Config: defaults, validation with the key named, discovery, globs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pathspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from tests.conftest import run_vaultkit
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


def _matches_quickly(patterns: list[str], path: str) -> bool:
    """Whether ``path`` matches, decided in a child process that must finish in 10 s."""
    code = (
        "import sys; from vaultkit.config import glob_matcher; "
        "print(glob_matcher(sys.argv[2:])(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, path, *patterns],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return done.stdout.strip() == "True"


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("*a*a*a*a*a*a*a*a*a*a*a*a*b", "a" * 60),
        ("*a*a*a*a*a*a*a*a*a*a*a*a*b", "x/" * 100 + "a" * 60 + ".md"),
        ("**/a/**/a/**/a/**/a/**/a/**/a/**/b", "a/" * 200 + "c.md"),
        ("a/**/a/**/a/**/a/**/a/**/a/**/b.md", "a/" * 200 + "c.md"),
    ],
)
def test_hostile_globs_finish_quickly(pattern: str, path: str) -> None:
    assert _matches_quickly([pattern], path) is False
    assert _matches_quickly([pattern], path[:-4] + "b") is pattern.startswith("*")


def test_globs_are_gitignore_style() -> None:
    daily = glob_matcher(["Daily/202[34]-*.md"])
    assert daily("Daily/2023-01-01.md")
    assert daily("Daily/2024-12-31.md")
    assert not daily("Daily/2022-01-01.md")
    assert not daily("Old/Daily/2023-01-01.md")
    rooted = glob_matcher(["/index.md"])
    assert rooted("index.md")
    assert not rooted("sub/index.md")
    folder = glob_matcher(["Templates"])
    assert folder("Templates/a.md")
    assert folder("Templates/")
    assert folder("Work/Templates/x/y.md")
    kept = glob_matcher(["Daily/*", "!Daily/keep.md"])
    assert kept("Daily/2024.md")
    assert not kept("Daily/keep.md")
    only_folders = glob_matcher(["build/"])
    assert only_folders("build/")
    assert only_folders("build/x.md")
    assert not only_folders("build")
    assert glob_matcher(["a?c.md"])("abc.md")
    assert not glob_matcher(["a?c.md"])("a/c.md")
    assert glob_matcher(["**/*.excalidraw.md"])("x.excalidraw.md")
    assert glob_matcher([r"\#notes.md"])("#notes.md")


def test_a_glob_that_means_nothing_is_an_error() -> None:
    with pytest.raises(VaultkitError, match="exclude"):
        parse_config({"exclude": ["a\\"]}, "x.toml")


@pytest.mark.filterwarnings("ignore::FutureWarning")
@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet="ab/*?[]!", min_size=1, max_size=10),
    st.text(alphabet="ab/", min_size=1, max_size=12),
)
def test_linear_globs_answer_as_pathspec_does(pattern: str, path: str) -> None:
    try:
        plain = pathspec.PathSpec([GitIgnoreSpecPattern(pattern)])
    except ValueError:
        return
    assert glob_matcher([pattern])(path) == plain.match_file(path)


@pytest.mark.parametrize("key", ["parse-timeout", "max-file-size"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "-1", "0", "0.0", "true"])
def test_config_numbers_must_be_finite_positive_and_bounded(
    tmp_path: Path, key: str, value: str
) -> None:
    (tmp_path / ".vaultkit.toml").write_text(f"{key} = {value}\n")
    with pytest.raises(VaultkitError, match=rf"\.vaultkit\.toml: {key} must be"):
        load_config(tmp_path)


@pytest.mark.parametrize("value", ["1e300GiB", "99999999999GiB", "0KiB", "nan", 10**30, 2.5])
def test_sizes_are_bounded_too(value: object) -> None:
    with pytest.raises(VaultkitError, match="max-file-size"):
        parse_config({"max-file-size": value}, "x.toml")


def test_a_bad_config_number_exits_2_naming_key_and_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("[[b]]\n")
    (tmp_path / ".vaultkit.toml").write_text("parse-timeout = nan\n")
    for command in ("lint", "graph"):
        done = run_vaultkit(command, "--vault", str(tmp_path), "--no-cache", "-o", "/dev/null")
        assert done.returncode == 2
        assert "parse-timeout" in done.stderr
        assert ".vaultkit.toml" in done.stderr
        assert "internal error" not in done.stderr
