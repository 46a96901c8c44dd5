"""Obsidian's own settings: templates folders and Excluded files are left out of the lint."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import codes, write_files
from vaultkit.config import load_config, parse_config
from vaultkit.vault import check_vault, lint, load_vault

TEMPLATE = "---\ncreated: {{date}}\n---\n[[<% tp.date.now() %>]] [[Nowhere]]\n"
FILES = {
    ".obsidian/templates.json": json.dumps({"folder": "Templates"}),
    ".obsidian/plugins/templater-obsidian/data.json": json.dumps({"templates_folder": "/Tp/"}),
    ".obsidian/app.json": json.dumps({"userIgnoreFilters": ["Archive/", "/\\.draft\\.md$/"]}),
    "Templates/Daily.md": TEMPLATE,
    "Tp/Meeting.md": TEMPLATE,
    "Archive/old.md": "[[gone]]\n",
    "idea.draft.md": "[[gone]]\n",
    "TemplatesX/kept.md": "[[gone]]\n",
    "a.md": "[[Daily]] [[Meeting]] [[b]]\n",
    "b.md": "[[a]]\n",
}
LEFT_OUT = {"Templates/Daily.md", "Tp/Meeting.md", "Archive/old.md", "idea.draft.md"}


def _vault(tmp_path: Path, files: Mapping[str, str | bytes] = FILES) -> Path:
    root = tmp_path / "vault"
    write_files(root, files)
    return root


def test_notes_obsidian_keeps_apart_are_not_linted_but_stay_link_targets(
    tmp_path: Path,
) -> None:
    root = _vault(tmp_path)
    found = codes(lint(load_vault(root, use_cache=False)))
    assert {path for path, *_ in found} == {"TemplatesX/kept.md"}
    checked = check_vault(root, use_cache=False)
    assert [item.path for item in checked.diagnostics] == [path for path, *_ in found]
    assert sorted(checked.left_out.values()) == [1, 1, 2]


def test_obsidian_settings_false_checks_every_note(tmp_path: Path) -> None:
    root = _vault(tmp_path, {**FILES, ".vaultkit.toml": "obsidian-settings = false\n"})
    found = {path for path, *_ in codes(lint(load_vault(root, use_cache=False)))}
    assert found >= LEFT_OUT
    assert check_vault(root, use_cache=False).left_out == {}


def test_without_obsidian_folder_nothing_is_left_out(tmp_path: Path) -> None:
    files = {path: text for path, text in FILES.items() if not path.startswith(".obsidian")}
    found = {path for path, *_ in codes(lint(load_vault(_vault(tmp_path, files))))}
    assert found >= LEFT_OUT


def test_a_changed_setting_is_seen_by_a_cached_run(tmp_path: Path) -> None:
    root = _vault(tmp_path)
    assert check_vault(root).left_out
    (root / ".obsidian/templates.json").write_text("{}")
    (root / ".obsidian/plugins/templater-obsidian/data.json").write_text("{}")
    (root / ".obsidian/app.json").write_text("{}")
    assert {item.path for item in check_vault(root).diagnostics} >= LEFT_OUT


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("templates.json", "{"),
        ("templates.json", '{"folder": 3}'),
        ("templates.json", "[]"),
        ("plugins/templater-obsidian/data.json", '{"templates_folder": ["x"]}'),
        ("app.json", '{"userIgnoreFilters": "Archive/"}'),
        ("app.json", '{"userIgnoreFilters": [1]}'),
        ("app.json", '{"userIgnoreFilters": ["/(unclosed/"]}'),
        ("app.json", b"\xff\xfe{}"),
        ("app.json", json.dumps({"userIgnoreFilters": ["x"] * 100_000})),
    ],
)
def test_a_malformed_settings_file_is_ignored_with_one_warning(
    tmp_path: Path, name: str, text: str | bytes
) -> None:
    root = _vault(tmp_path, {**FILES, f".obsidian/{name}": text})
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lint", "--vault", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    warnings = done.stderr.splitlines()
    assert len(warnings) == 1
    assert name.rsplit("/", 1)[-1] in warnings[0]
    json.loads(done.stdout)


def test_the_graph_leaves_them_out(tmp_path: Path) -> None:
    from vaultkit.graph import build_graph

    graph = build_graph(load_vault(_vault(tmp_path, {**FILES, "Templates/Bases/x.base": "{}"})))
    assert not {*LEFT_OUT, "Templates/Bases/x.base"} & set(graph.nodes)
    assert {"a.md", "b.md", "TemplatesX/kept.md"} <= set(graph.nodes)


def test_a_hostile_regex_in_app_json_does_not_hang(tmp_path: Path) -> None:
    files = {
        ".obsidian/app.json": json.dumps({"userIgnoreFilters": ["/^(a+)+$/"]}),
        "a" * 40 + "b.md": "x\n",
        "b.md": "x\n",
    }
    root = _vault(tmp_path, files)
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lint", "--vault", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 1)
    json.loads(done.stdout)


def test_the_key_is_validated() -> None:
    assert parse_config({"obsidian-settings": False}).obsidian_settings is False
    with pytest.raises(Exception, match="obsidian-settings"):
        parse_config({"obsidian-settings": "no"}, "x.toml")


def test_settings_are_read_only_when_asked(tmp_path: Path) -> None:
    root = _vault(tmp_path)
    assert load_config(root).obsidian_skip
    (root / ".vaultkit.toml").write_text("obsidian-settings = false\n")
    assert load_config(root).obsidian_skip == ()


def test_only_the_paths_asked_for_are_counted(tmp_path: Path) -> None:
    root = _vault(tmp_path)
    assert check_vault(root, paths=["a.md"], use_cache=False).left_out == {}
    assert sum(check_vault(root, paths=["Templates"]).left_out.values()) == 1


def test_the_text_summary_says_how_many_were_left_out(tmp_path: Path) -> None:
    root = _vault(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lint", "--vault", str(root), "--no-cache"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    summary = done.stdout.splitlines()[-1]
    assert "1 note in Obsidian's templates folder 'Templates'" in summary
    assert "2 notes in Obsidian's Excluded files" in summary
    assert done.stdout.count("not checked") == 1
