"""The pipeline end to end: loading, path filters, ``check_vault`` and finding each path's vault."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, MakeVault, codes, write_files
from vaultkit.config import Config
from vaultkit.discover import vaults_of
from vaultkit.model import Diagnostic, Severity, VaultkitError, diagnostic_order
from vaultkit.vault import check_vault, lint, load_vault

FILES = {
    "a.md": "[[Nowhere]]",
    "sub/b.md": "[[a]] [[gone]]",
    "sub/deep/c.md": "[[a]] [[b]] [[lost]]",
    "subway.md": "[[a]] [[missing]]",
}


def test_paths_keep_the_findings_of_notes_and_folders(make_vault: MakeVault) -> None:
    vault = make_vault(FILES)
    everything = codes(lint(vault, ignore=["VK201"]))

    def only(*paths: str) -> list[str]:
        return [item[0] for item in codes(lint(vault, ignore=["VK201"], paths=paths))]

    assert only("a.md") == ["a.md"]
    assert only("sub") == only("sub/") == ["sub/b.md", "sub/deep/c.md"]
    assert only("sub/deep", "a.md") == ["a.md", "sub/deep/c.md"]
    assert only(".") == only("") == [item[0] for item in everything]


def test_a_path_that_is_no_note_of_the_vault_reports_nothing(make_vault: MakeVault) -> None:
    vault = make_vault(FILES)
    assert lint(vault, paths=["deleted.md", "picture.png", "no/such/folder", "sub/b"]) == []
    assert lint(vault, paths=[]) == []


def test_links_still_resolve_against_the_whole_vault(make_vault: MakeVault) -> None:
    vault = make_vault({"a.md": "[[b]] [[c]]", "b.md": "[[a]]", "c.md": "[[gone]]"})
    assert codes(lint(vault, paths=["a.md"])) == []
    assert codes(lint(vault, paths=["c.md"]), "VK1") == [("c.md", 1, 1, "VK101")]


@pytest.mark.parametrize("use_cache", [True, False])
def test_check_vault_answers_as_lint_of_load_vault(use_cache: bool) -> None:
    vault = load_vault(SAMPLE, use_cache=False)
    for options in ({}, {"select": ["VK1"]}, {"ignore": ["VK201"]}, {"paths": ["Models"]}):
        expected = lint(vault, **options)  # type: ignore[arg-type]
        for _ in range(2):
            found = check_vault(SAMPLE, use_cache=use_cache, **options)  # type: ignore[arg-type]
            assert found.diagnostics == expected
            assert found.notes == len(vault.notes)


def test_load_vault_takes_a_root_as_text_or_path_and_honours_its_config(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.md": "[[b]] [[]]", "b.md": "[[a]]", "drafts/c.md": "[[nowhere]]"})
    plain = load_vault(tmp_path, use_cache=False)
    assert sorted(plain.notes) == ["a.md", "b.md", "drafts/c.md"]
    # The cached answer, when it is stored and when it is read back, is the plain one.
    for vault in (load_vault(str(tmp_path)), load_vault(tmp_path, use_cache=True)):
        assert vault.notes.keys() == plain.notes.keys()
        assert vault.edges == plain.edges
    excluded = load_vault(str(tmp_path), Config(exclude=("drafts/",)), use_cache=False)
    assert sorted(excluded.notes) == ["a.md", "b.md"]
    # lint's positional order is select, ignore, paths.
    assert codes(lint(plain, ["VK1"], ["VK108"], ["drafts"])) == [("drafts/c.md", 1, 1, "VK101")]
    assert codes(lint(plain, ["VK1"], ["VK101"])) == [("a.md", 1, 7, "VK108")]
    with pytest.raises(VaultkitError):
        load_vault(tmp_path / "missing")
    with pytest.raises(TypeError):
        load_vault(tmp_path, None, False)  # type: ignore[misc]


def test_each_path_belongs_to_the_vault_found_from_where_it_lies(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "repo/README.md": "# a repository",
            "repo/notes/.obsidian/app.json": "{}",
            "repo/notes/a.md": "x",
            "repo/notes/sub/b.md": "x",
            "repo/other/.vaultkit.toml": "",
            "repo/other/c.md": "x",
        },
    )
    repo = tmp_path / "repo"
    paths = [
        repo / "notes/a.md",
        repo / "notes/sub/b.md",
        repo / "notes/deleted.md",
        repo / "other/c.md",
        repo / "README.md",
    ]
    # README.md has no vault: never one of its own, it goes with the first, outside it.
    assert vaults_of(paths, repo) == {
        (repo / "notes").resolve(): [*paths[:3], paths[4]],
        (repo / "other").resolve(): [paths[3]],
    }
    assert vaults_of([paths[4]], repo) == {(repo / "notes").resolve(): [paths[4]]}


def test_a_vault_without_markers_is_the_one_checked_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(tmp_path, {"v/a.md": "x", "v/sub/b.md": "x"})
    root = tmp_path / "v"
    assert vaults_of([root / "sub/b.md"], root) == {root.resolve(): [root / "sub/b.md"]}
    assert str(root.resolve()) in capsys.readouterr().err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Never a vault of its own: the folder checked from is the vault, and the path outside it.
    assert vaults_of([root / "sub/b.md"], elsewhere, quiet=True) == {
        elsewhere.resolve(): [root / "sub/b.md"]
    }
    assert capsys.readouterr().err == ""


def test_the_sort_key_orders_findings_as_the_records_do() -> None:
    items = [
        Diagnostic(path, line, column, code, "n", Severity.ERROR, "m")
        for path in ("b.md", "a.md", "a/b.md")
        for line in (10, 2)
        for column in (3, 1)
        for code in ("VK201", "VK101")
    ]
    random.Random(3).shuffle(items)
    assert sorted(items, key=diagnostic_order) == sorted(items)
