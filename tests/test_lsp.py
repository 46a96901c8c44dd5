"""The language server, driven over stdio by a JSON-RPC client as an editor drives it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import write_files
from tests.lspclient import CAPABILITIES, Client, ServerError, codes
from vaultkit.incremental import IncrementalVault

Json = Any


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    folder.mkdir()
    (folder / ".vaultkit.toml").write_text("", encoding="utf-8")
    return folder


@pytest.fixture
def client(root: Path) -> Iterator[Client]:
    with Client(root) as started:
        yield started


def started(client: Client, root: Path, files: dict[str, str]) -> Client:
    write_files(root, files)
    client.initialize(root)
    return client


def only(diagnostics: list[Json], code: str) -> list[tuple[int, int, int, int, str]]:
    return [item for item in codes(diagnostics) if item[4] == code]


def apply(root: Path, edit: Json) -> None:
    """Apply a WorkspaceEdit to the files, as the editor would (text edits, then renames)."""
    for change in edit.get("documentChanges", []):
        if change.get("kind") == "rename":
            os.rename(_path(change["oldUri"]), _path(change["newUri"]))
            continue
        path = _path(change["textDocument"]["uri"])
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        edits = sorted(change["edits"], key=lambda e: _key(e["range"]["start"]), reverse=True)
        for item in edits:
            start, end = item["range"]["start"], item["range"]["end"]
            assert start["line"] == end["line"]
            line = lines[start["line"]]
            first, last = _index(line, start["character"]), _index(line, end["character"])
            lines[start["line"]] = line[:first] + item["newText"] + line[last:]
        path.write_text("\n".join(lines), encoding="utf-8")
    for uri, edits in edit.get("changes", {}).items():
        apply(root, {"documentChanges": [{"textDocument": {"uri": uri}, "edits": edits}]})


def _path(uri: str) -> Path:
    assert uri.startswith("file://")
    return Path(uri[len("file://") :].replace("%20", " "))


def _key(position: Json) -> tuple[int, int]:
    return position["line"], position["character"]


def _index(line: str, units: int) -> int:
    """The character index of a UTF-16 offset in ``line``."""
    count = 0
    for number, char in enumerate(line):
        if count >= units:
            return number
        count += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def lint_json(root: Path) -> list[Json]:
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lint", "--format", "json", "--no-cache", "-q"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    found: list[Json] = json.loads(done.stdout)
    return found


def position(line: int, character: int) -> Json:
    return {"line": line, "character": character}


def at(uri: str, line: int, character: int) -> Json:
    return {"textDocument": {"uri": uri}, "position": position(line, character)}


# --- diagnostics -------------------------------------------------------------------------------


def test_a_broken_link_is_reported_at_its_utf16_range(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "x 😀 [[Nowhere]] and 中文 [[b]]\n", "b.md": "[[a]]"})
    uri = client.open(root / "a.md")
    client.sync()
    # "x 😀 " is 5 UTF-16 units (the emoji counts twice); the range is [[ through ]].
    assert only(client.diagnostics[uri], "VK101") == [(0, 5, 0, 16, "VK101")]
    (item,) = [d for d in client.diagnostics[uri] if d["code"] == "VK101"]
    assert item["source"] == "vaultkit"
    assert item["severity"] == 1
    assert item["codeDescription"]["href"].startswith("file://")
    assert Path(item["codeDescription"]["href"][len("file://") :]).read_text().startswith("# VK101")


def test_fixing_the_unsaved_buffer_clears_the_finding(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "see [[Nowhere]]\n", "b.md": "[[a]]"})
    uri = client.open(root / "a.md")
    client.sync()
    assert only(client.diagnostics[uri], "VK101") == [(0, 4, 0, 15, "VK101")]
    client.change(uri, "see [[b]]\n", 2)
    client.sync()
    assert client.diagnostics[uri] == []
    assert (root / "a.md").read_text(encoding="utf-8") == "see [[Nowhere]]\n"
    client.change(uri, "\n\nsee [[Gone]]\n", 3)
    client.sync()
    assert only(client.diagnostics[uri], "VK101") == [(2, 4, 2, 12, "VK101")]


def test_a_renamed_heading_breaks_links_in_notes_not_open(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "[[b#Top]]\n", "b.md": "# Top\n[[a]]\n"})
    a_uri, b_uri = (root / "a.md").as_uri(), client.open(root / "b.md")
    client.sync()
    assert client.diagnostics.get(a_uri, []) == []
    client.change(b_uri, "# Bottom\n[[a]]\n", 2)
    client.sync()
    assert only(client.diagnostics[a_uri], "VK102") == [(0, 0, 0, 9, "VK102")]
    client.change(b_uri, "# Top\n[[a]]\n", 3)
    client.sync()
    assert client.diagnostics[a_uri] == []


def test_closing_a_buffer_goes_back_to_the_file(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "[[b]]\n", "b.md": "[[a]]"})
    uri = client.open(root / "a.md", "[[Nowhere]]\n")
    client.sync()
    assert only(client.diagnostics[uri], "VK101") == [(0, 0, 0, 11, "VK101")]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.sync()
    assert client.diagnostics[uri] == []


def test_every_note_with_findings_is_published_at_start(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "[[x]]", "sub/b.md": "[[y]] [[a]]", "c.md": "[[a]] [[sub/b]]"})
    client.sync()
    published = {
        uri: only(items, "VK101")
        for uri, items in client.diagnostics.items()
        if only(items, "VK101")
    }
    assert published == {
        (root / "a.md").as_uri(): [(0, 0, 0, 5, "VK101")],
        (root / "sub" / "b.md").as_uri(): [(0, 0, 0, 5, "VK101")],
    }


def test_a_burst_of_edits_is_answered_with_the_last_text(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "[[b]]\n", "b.md": "[[a]]"})
    uri = client.open(root / "a.md")
    client.sync()
    before = len(client.notifications)
    for version in range(2, 30):
        client.change(uri, f"[[missing {version}]]\n", version)
    client.sync()
    lists = client.published(uri, before)
    assert lists[-1][0]["message"] == "no note matches 'missing 29'"
    assert len(lists) < 28


def test_files_outside_the_vault_get_no_diagnostics(
    client: Client, root: Path, tmp_path: Path
) -> None:
    started(client, root, {"a.md": "[[b]]", "b.md": "[[a]]"})
    outside = tmp_path / "elsewhere.md"
    outside.write_text("[[Nowhere]]\n", encoding="utf-8")
    uri = client.open(outside)
    hidden = root / ".obsidian" / "x.md"
    write_files(root, {".obsidian/x.md": "[[Nowhere]]"})
    hidden_uri = client.open(hidden)
    client.sync()
    assert uri not in client.diagnostics
    assert hidden_uri not in client.diagnostics
    completion = client.request("textDocument/completion", at(uri, 0, 2))
    assert completion is None


# --- files changed behind the editor's back -------------------------------------------------


def test_a_file_changed_on_disk_updates_the_diagnostics(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "[[Nowhere]]\n", "b.md": "[[a]]"})
    uri = client.open(root / "a.md")
    client.sync()
    assert only(client.diagnostics[uri], "VK101") == [(0, 0, 0, 11, "VK101")]
    registered = [params for method, params in client.server_requests]
    assert any(
        item["method"] == "workspace/didChangeWatchedFiles"
        for params in registered
        for item in params["registrations"]
    )
    write_files(root, {"Nowhere.md": "[[a]]"})
    changes = [{"uri": (root / "Nowhere.md").as_uri(), "type": 1}]
    client.notify("workspace/didChangeWatchedFiles", {"changes": changes})
    client.sync()
    assert client.diagnostics[uri] == []


def test_a_file_renamed_by_the_editor_is_followed(root: Path) -> None:
    write_files(root, {"a.md": "[[b]]\n", "old.md": "[[a]]"})
    capabilities = json.loads(json.dumps(CAPABILITIES))
    del capabilities["workspace"]["didChangeWatchedFiles"]
    capabilities["workspace"]["fileOperations"] = {"didRename": True}
    with Client(root) as client:
        answer = client.initialize(root, capabilities)
        assert "didRename" in answer["capabilities"]["workspace"]["fileOperations"]
        uri = (root / "a.md").as_uri()
        client.sync()
        assert only(client.diagnostics[uri], "VK101") == [(0, 0, 0, 5, "VK101")]
        os.rename(root / "old.md", root / "b.md")
        renamed = {"oldUri": (root / "old.md").as_uri(), "newUri": (root / "b.md").as_uri()}
        client.notify("workspace/didRenameFiles", {"files": [renamed]})
        client.sync()
        assert client.diagnostics[uri] == []


def test_a_changed_config_is_read_again(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "[[Nowhere]]\n", "b.md": "[[a]]"})
    uri = (root / "a.md").as_uri()
    client.sync()
    assert only(client.diagnostics[uri], "VK101") == [(0, 0, 0, 11, "VK101")]
    write_files(root, {".vaultkit.toml": 'ignore = ["VK101"]\n'})
    changes = [{"uri": (root / ".vaultkit.toml").as_uri(), "type": 2}]
    client.notify("workspace/didChangeWatchedFiles", {"changes": changes})
    client.sync()
    assert client.diagnostics[uri] == []


def test_a_new_note_changes_what_broken_links_elsewhere_suggest(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "[[Embedings]]\n", "b.md": "[[a]]"})
    uri = (root / "a.md").as_uri()
    client.sync()
    before = client.diagnostics[uri][0]["message"]
    write_files(root, {"Embeddings.md": "[[a]]"})
    changes = [{"uri": (root / "Embeddings.md").as_uri(), "type": 1}]
    client.notify("workspace/didChangeWatchedFiles", {"changes": changes})
    client.sync()
    (found,) = client.diagnostics[uri]
    (wanted,) = [item for item in lint_json(root) if item["path"] == "a.md"]
    assert (found["code"], found["message"]) == (wanted["code"], wanted["message"])
    assert found["message"] != before


def test_without_file_watching_a_save_checks_the_disk(root: Path) -> None:
    write_files(root, {"a.md": "[[Nowhere]]\n", "b.md": "[[a]]"})
    capabilities = json.loads(json.dumps(CAPABILITIES))
    del capabilities["workspace"]["didChangeWatchedFiles"]
    with Client(root) as client:
        client.initialize(root, capabilities)
        a_uri = (root / "a.md").as_uri()
        b_uri = client.open(root / "b.md")
        client.sync()
        assert only(client.diagnostics[a_uri], "VK101") == [(0, 0, 0, 11, "VK101")]
        assert client.server_requests == []
        write_files(root, {"Nowhere.md": "[[a]]"})
        client.notify("textDocument/didSave", {"textDocument": {"uri": b_uri}})
        client.sync()
        assert client.diagnostics[a_uri] == []


# --- completion ---------------------------------------------------------------------------------


FILES = {
    "Alpha.md": "---\naliases: [Al, First]\n---\n# Alpha\n## Types\ntext ^blk1\n\n## Q & A\n",
    "Alphabet.md": "[[Alpha]]",
    "sub/Beta.md": "# Beta\n[[Alpha#Types]] [[Alpha#^blk1]]\n",
    "img.png": "png",
}


def completions(client: Client, uri: str, line: int, character: int) -> list[Json]:
    found = client.request("textDocument/completion", at(uri, line, character))
    assert found is not None
    items: list[Json] = found["items"]
    return items


def test_completion_after_brackets_offers_names_and_aliases(client: Client, root: Path) -> None:
    started(client, root, FILES)
    uri = client.open(root / "sub" / "Beta.md", "# Beta\nsee 😀 [[Al\n")
    items = completions(client, uri, 1, 11)
    assert [item["label"] for item in items[:3]] == ["Al", "Alpha", "Alphabet"]
    edits = {item["label"]: item["textEdit"] for item in items}
    # An alias inserts Target|Alias, as Obsidian writes it; the range is what was typed.
    assert edits["Al"]["newText"] == "Alpha|Al]]"
    assert edits["Alpha"]["newText"] == "Alpha]]"
    assert edits["Alpha"]["range"] == {"start": position(1, 9), "end": position(1, 11)}
    assert "First" in {item["label"] for item in completions(client, uri, 1, 9)}


def test_completion_after_a_hash_offers_headings_and_block_ids(client: Client, root: Path) -> None:
    started(client, root, FILES)
    uri = client.open(root / "Alphabet.md", "[[Alpha#]] [[Alpha#^]] [[Alpha#Q]]")
    headings = completions(client, uri, 0, 8)
    assert [item["label"] for item in headings] == ["Alpha", "Types", "Q & A"]
    assert headings[0]["textEdit"]["range"] == {"start": position(0, 8), "end": position(0, 8)}
    assert headings[0]["textEdit"]["newText"] == "Alpha"
    blocks = completions(client, uri, 0, 20)
    assert [item["label"] for item in blocks] == ["blk1"]
    assert [item["label"] for item in completions(client, uri, 0, 32)] == ["Q & A"]


def test_completion_in_a_markdown_link_offers_encoded_paths(client: Client, root: Path) -> None:
    started(client, root, {**FILES, "Two words.md": "x"})
    uri = client.open(root / "Alphabet.md", "[t](Two")
    items = completions(client, uri, 0, 7)
    assert items[0]["label"] == "Two words"
    assert items[0]["textEdit"]["newText"] == "Two%20words.md)"


# --- navigation ---------------------------------------------------------------------------------


def test_definition_goes_to_the_heading_or_block(client: Client, root: Path) -> None:
    started(client, root, FILES)
    uri = client.open(root / "sub" / "Beta.md")
    alpha = (root / "Alpha.md").as_uri()
    heading = client.request("textDocument/definition", at(uri, 1, 3))
    assert heading == {"uri": alpha, "range": {"start": position(4, 0), "end": position(4, 0)}}
    block = client.request("textDocument/definition", at(uri, 1, 20))
    assert block["range"]["start"] == position(5, 0)
    assert client.request("textDocument/definition", at(uri, 0, 2)) is None


def test_references_are_the_backlinks(client: Client, root: Path) -> None:
    started(client, root, FILES)
    uri = client.open(root / "Alpha.md")
    found = client.request(
        "textDocument/references", {**at(uri, 3, 3), "context": {"includeDeclaration": False}}
    )
    where = sorted((item["uri"], _key(item["range"]["start"])) for item in found)
    assert where == [
        ((root / "Alphabet.md").as_uri(), (0, 0)),
        ((root / "sub" / "Beta.md").as_uri(), (1, 0)),
        ((root / "sub" / "Beta.md").as_uri(), (1, 16)),
    ]
    types = client.request(
        "textDocument/references", {**at(uri, 4, 4), "context": {"includeDeclaration": False}}
    )
    assert [(item["uri"], _key(item["range"]["start"])) for item in types] == [
        ((root / "sub" / "Beta.md").as_uri(), (1, 0))
    ]
    block = client.request(
        "textDocument/references", {**at(uri, 5, 6), "context": {"includeDeclaration": False}}
    )
    assert [_key(item["range"]["start"]) for item in block] == [(1, 16)]


def test_hover_says_where_a_link_resolves(client: Client, root: Path) -> None:
    started(client, root, {**FILES, "x/Alpha.md": "other", "y/Alpha.md": "other"})
    text = "[[Alpha#Types]] [[x]] [[x/Alpha]] [[First]]"
    uri = client.open(root / "sub" / "Beta.md", text)
    shown = client.request("textDocument/hover", at(uri, 0, 2))
    text = shown["contents"]["value"]
    assert "**Alpha.md** (ambiguous)" in text
    assert "Al, First" in text
    assert "## Types" in text
    assert shown["range"] == {"start": position(0, 0), "end": position(0, 15)}
    broken = client.request("textDocument/hover", at(uri, 0, 17))["contents"]["value"]
    assert "does not resolve" in broken
    assert client.request("textDocument/hover", at(uri, 0, 15)) is None
    alias = client.request("textDocument/hover", at(uri, 0, 36))["contents"]["value"]
    assert alias.startswith("**Alpha.md** (through one of its aliases)")


def test_document_and_workspace_symbols(client: Client, root: Path) -> None:
    started(client, root, FILES)
    uri = client.open(root / "Alpha.md")
    outline = client.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    assert [item["name"] for item in outline] == ["Alpha"]
    assert [item["name"] for item in outline[0]["children"]] == ["Types", "Q & A"]
    assert outline[0]["range"]["start"] == position(3, 0)
    symbols = client.request("workspace/symbol", {"query": "fir"})
    assert [(item["name"], item["location"]["uri"]) for item in symbols] == [
        ("First", (root / "Alpha.md").as_uri())
    ]
    names = [item["name"] for item in client.request("workspace/symbol", {"query": "alpha"})]
    assert names == ["Alpha", "Alphabet"]


# --- rename and code actions --------------------------------------------------------------------


def test_renaming_a_note_rewrites_every_link(client: Client, root: Path) -> None:
    files = {
        "Alpha.md": "# Alpha\n## Types\n[[#Types]]\n",
        "a.md": '---\nup: "[[Alpha]]"\n---\n[[Alpha#Types|the types]] ![[Alpha]] [t](Alpha.md)\n',
        "sub/b.md": "| x | [[Alpha\\|y]] |\n|---|---|\n\n[[a]] [[sub/b]]\n",
    }
    started(client, root, files)
    before = lint_json(root)
    uri = client.open(root / "a.md")
    ready = client.request("textDocument/prepareRename", at(uri, 3, 4))
    assert ready == {
        "range": {"start": position(3, 2), "end": position(3, 7)},
        "placeholder": "Alpha",
    }
    edit = client.request("textDocument/rename", {**at(uri, 3, 4), "newName": "Omega words"})
    assert edit["documentChanges"][-1] == {
        "kind": "rename",
        "oldUri": (root / "Alpha.md").as_uri(),
        "newUri": (root / "Omega words.md").as_uri(),
        "options": {"overwrite": False, "ignoreIfExists": False},
    }
    apply(root, edit)
    assert (root / "a.md").read_text(encoding="utf-8") == (
        '---\nup: "[[Omega words]]"\n---\n'
        "[[Omega words#Types|the types]] ![[Omega words]] [t](Omega%20words.md)\n"
    )
    assert (root / "sub/b.md").read_text(encoding="utf-8").startswith("| x | [[Omega words\\|y]]")
    assert (root / "Omega words.md").read_text(encoding="utf-8") == files["Alpha.md"]
    assert lint_json(root) == [
        {**item, "path": "Omega words.md"} if item["path"] == "Alpha.md" else item
        for item in before
    ]


def test_a_rename_is_refused_when_the_name_is_taken_or_bad(client: Client, root: Path) -> None:
    started(client, root, FILES)
    uri = client.open(root / "Alphabet.md")
    for name in ("Alphabet", "sub/Beta", "a|b", "../out", ""):
        with pytest.raises(ServerError):
            client.request("textDocument/rename", {**at(uri, 0, 3), "newName": name})
    assert sorted(path.name for path in root.iterdir()) == sorted(
        [".vaultkit.toml", "Alpha.md", "Alphabet.md", "img.png", "sub"]
    )


def test_renaming_a_heading_rewrites_the_links_to_it(client: Client, root: Path) -> None:
    started(client, root, FILES)
    uri = client.open(root / "Alpha.md")
    ready = client.request("textDocument/prepareRename", at(uri, 4, 5))
    assert ready["placeholder"] == "Types"
    edit = client.request("textDocument/rename", {**at(uri, 4, 5), "newName": "Kinds [of] it"})
    apply(root, edit)
    assert (root / "Alpha.md").read_text(encoding="utf-8").split("\n")[4] == "## Kinds [of] it"
    beta = (root / "sub" / "Beta.md").read_text(encoding="utf-8")
    assert beta == "# Beta\n[[Alpha#Kinds of it]] [[Alpha#^blk1]]\n"
    assert [item["code"] for item in lint_json(root) if item["code"].startswith("VK1")] == []


def test_a_heading_is_renamed_from_a_link_in_its_own_note(client: Client, root: Path) -> None:
    started(client, root, {"a.md": "# A\n## Types\nsee [[#Types|them]]\n", "b.md": "[[a#Types]]"})
    uri = client.open(root / "a.md")
    ready = client.request("textDocument/prepareRename", at(uri, 2, 8))
    assert ready == {
        "range": {"start": position(2, 7), "end": position(2, 12)},
        "placeholder": "Types",
    }
    assert client.request("textDocument/prepareRename", at(uri, 2, 5)) is None
    apply(root, client.request("textDocument/rename", {**at(uri, 2, 8), "newName": "Kinds"}))
    assert (root / "a.md").read_text(encoding="utf-8") == "# A\n## Kinds\nsee [[#Kinds|them]]\n"
    assert (root / "b.md").read_text(encoding="utf-8") == "[[a#Kinds]]"


def test_a_heading_over_two_lines_is_not_renamed(client: Client, root: Path) -> None:
    started(
        client, root, {"a.md": "# A\n\nTwo line\nsetext\n---\n", "b.md": "[[a#Two line setext]]"}
    )
    uri = client.open(root / "b.md")
    with pytest.raises(ServerError):
        client.request("textDocument/rename", {**at(uri, 0, 8), "newName": "One"})


def test_renaming_from_the_first_heading_renames_the_note(client: Client, root: Path) -> None:
    started(client, root, FILES)
    uri = client.open(root / "Alpha.md")
    ready = client.request("textDocument/prepareRename", at(uri, 3, 3))
    assert ready == {
        "range": {"start": position(3, 2), "end": position(3, 7)},
        "placeholder": "Alpha",
    }
    edit = client.request("textDocument/rename", {**at(uri, 3, 3), "newName": "Gamma"})
    apply(root, edit)
    assert (root / "Gamma.md").read_text(encoding="utf-8").split("\n")[3] == "# Alpha"
    assert (root / "Alphabet.md").read_text(encoding="utf-8") == "[[Gamma]]"


def test_renames_follow_what_the_editor_can_apply(root: Path) -> None:
    write_files(root, FILES)
    # Neovim 0.7 says resourceOperations but not documentChanges, and applies both.
    neovim = {"workspace": {"workspaceEdit": {"resourceOperations": ["rename"]}}}
    with Client(root) as client:
        client.initialize(root, neovim)
        uri = client.open(root / "Alphabet.md")
        edit = client.request("textDocument/rename", {**at(uri, 0, 3), "newName": "Omega"})
        assert edit["documentChanges"][-1]["kind"] == "rename"
    with Client(root) as client:
        client.initialize(root, {})
        uri = client.open(root / "Alpha.md")
        with pytest.raises(ServerError):
            client.request("textDocument/rename", {**at(uri, 3, 3), "newName": "Gamma"})
        edit = client.request("textDocument/rename", {**at(uri, 4, 5), "newName": "Kinds"})
        assert sorted(edit["changes"]) == [uri, (root / "sub" / "Beta.md").as_uri()]


def test_code_actions_offer_each_fix_and_fix_all(client: Client, root: Path) -> None:
    started(client, root, {"Target.md": "---\naliases: [Al]\n---\n", "a.md": "[[Al]] [[Al]]\n"})
    uri = client.open(root / "a.md")
    client.sync()
    context = {"diagnostics": client.diagnostics[uri]}
    span = {"start": position(0, 1), "end": position(0, 1)}
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": span, "context": context},
    )
    quick = [item for item in actions if item.get("isPreferred")]
    assert [(item["kind"], item["diagnostics"][0]["code"]) for item in quick] == [
        ("quickfix", "VK105")
    ]
    assert quick[0]["edit"]["changes"][uri] == [
        {"range": {"start": position(0, 0), "end": position(0, 6)}, "newText": "[[Target|Al]]"}
    ]
    every = [item for item in actions if "fix all" in item["title"]]
    assert len(every[0]["edit"]["changes"][uri]) == 2
    apply(root, every[0]["edit"])
    assert (root / "a.md").read_text(encoding="utf-8") == "[[Target|Al]] [[Target|Al]]\n"
    only_all = client.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": span,
            "context": {**context, "only": ["source.fixAll"]},
        },
    )
    assert [item["kind"] for item in only_all] == ["source.fixAll"]


# --- start-up -----------------------------------------------------------------------------------


def test_the_vault_is_found_above_the_workspace_folder(root: Path) -> None:
    write_files(root, {"sub/deep/a.md": "[[Nowhere]]", "b.md": "[[sub/deep/a]]"})
    with Client(root) as client:
        client.initialize(root / "sub", folders=True)
        client.sync()
        uri = (root / "sub" / "deep" / "a.md").as_uri()
        assert only(client.diagnostics[uri], "VK101") == [(0, 0, 0, 11, "VK101")]
        assert client.close() == 0


def test_nothing_is_sent_after_the_answer_to_shutdown(root: Path) -> None:
    write_files(root, {f"n{number}.md": f"[[missing {number}]]" for number in range(3000)})
    with Client(root) as client:
        client.initialize(root)
        # The start-up findings are still being sent, a batch at a time, when shutdown comes.
        client.request("shutdown", None)
        answered = client.before_last_answer
        client.notify("exit", None)
        assert client.process.wait(timeout=30) == 0
        assert answered < 3000
        assert len(client.notifications) == answered


def test_a_bad_config_is_shown_and_nothing_is_served(root: Path) -> None:
    write_files(root, {".vaultkit.toml": "nonsense = 1\n", "a.md": "[[Nowhere]]"})
    with Client(root) as client:
        client.initialize(root)
        client.wait_for(
            lambda: any(method == "window/showMessage" for _, method, _ in client.notifications)
        )
        (message,) = [p for _, m, p in client.notifications if m == "window/showMessage"]
        assert "nonsense" in message["message"]
        client.sync()
        assert client.diagnostics == {}


def test_a_missing_vault_option_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vaultkit", "lsp", "--vault", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "does not exist" in done.stderr


# --- the engine takes a buffer's text -----------------------------------------------------------


def test_the_engine_reads_a_buffer_as_it_would_read_the_file(root: Path) -> None:
    write_files(root, {"a.md": "[[b]]", "b.md": "[[a]]"})
    vault = IncrementalVault.load(root)
    delta = vault.edit("a.md", "x\r\n[[Nowhere]]\0")
    assert [(item.code, item.line) for item in delta.new if item.path == "a.md"] == [("VK003", 1)]
    vault.edit("a.md", "x\r\n[[Nowhere]]")
    assert [(item.code, item.line, item.column) for item in vault.findings("a.md")] == [
        ("VK101", 2, 1)
    ]
    vault.update({"a.md"})  # the file on disk changed: the buffer still wins
    assert [item.code for item in vault.findings("a.md")] == ["VK101"]
    vault.rescan()
    assert [item.code for item in vault.findings("a.md")] == ["VK101"]
    vault.edit("a.md", None)
    assert vault.findings("a.md") == ()
    assert vault.edit("new.md", "[[Nowhere]]").new == ()  # not on disk: not a note yet


# --- the property: the server's findings are lint's ---------------------------------------------

NOTES = ("a.md", "b.md", "sub/c.md", "ИИ.md")
TARGETS = ("a", "b", "c", "sub/c", "ии", "Nowhere", "a#Top", "b#Top", "c#^id1", "#Top", "Alias")


@st.composite
def note_text(draw: st.DrawFn) -> str:
    lines = []
    aliases = draw(st.lists(st.sampled_from(("Alias", "b", "Other")), max_size=2))
    if aliases:
        lines += ["---", "aliases: [" + ", ".join(aliases) + "]", "---"]
    for heading in draw(st.lists(st.sampled_from(("Top", "Sub")), max_size=2)):
        lines.append(f"# {heading}")
    prefix = draw(st.sampled_from(("", "😀 ", "中 ", "𠀋𠀌 ")))
    targets = draw(st.lists(st.sampled_from(TARGETS), max_size=3))
    lines.append(prefix + " ".join(f"[[{target}]]" for target in targets) + " ^id1")
    return "\n".join(lines) + "\n"


edits = st.lists(
    st.tuples(st.sampled_from(("buffer", "disk", "close")), st.sampled_from(NOTES), note_text()),
    min_size=1,
    max_size=6,
)


def expected(root: Path) -> dict[str, set[tuple[int, int, str, str]]]:
    """``lint --format json`` as LSP would show it: UTF-16 columns, 0-based lines."""
    found: dict[str, set[tuple[int, int, str, str]]] = {}
    for item in lint_json(root):
        lines = (root / item["path"]).read_text(encoding="utf-8").split("\n")
        before = lines[item["line"] - 1][: item["column"] - 1]
        units = len(before.encode("utf-16-le")) // 2
        record = (item["line"] - 1, units, item["code"], item["message"])
        found.setdefault((root / item["path"]).as_uri(), set()).add(record)
    return found


def published(client: Client) -> dict[str, set[tuple[int, int, str, str]]]:
    return {
        uri: {
            (d["range"]["start"]["line"], d["range"]["start"]["character"], d["code"], d["message"])
            for d in items
        }
        for uri, items in client.diagnostics.items()
        if items
    }


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.dictionaries(st.sampled_from(NOTES), note_text(), min_size=2), edits)
def test_the_findings_equal_lint_after_any_edits(
    files: dict[str, str], steps: list[tuple[str, str, str]]
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "vault"
        root.mkdir()
        write_files(root, {".vaultkit.toml": "", **files})
        buffers: dict[str, str] = {}
        with Client(root) as client:
            client.initialize(root)
            for version, (kind, path, text) in enumerate(steps, start=2):
                uri = (root / path).as_uri()
                if kind == "buffer" and (root / path).exists():
                    if path not in buffers:
                        client.open(root / path)
                    client.change(uri, text, version)
                    buffers[path] = text
                elif kind == "disk":
                    write_files(root, {path: text})
                    change = {"uri": uri, "type": 2}
                    client.notify("workspace/didChangeWatchedFiles", {"changes": [change]})
                elif kind == "close" and path in buffers:
                    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
                    del buffers[path]
            client.sync()
            shown = published(client)
        # The same contents on disk: the files, with the open buffers' texts in them.
        copy = Path(temp) / "copy"
        shutil.copytree(root, copy)
        write_files(copy, buffers)
        wanted = {
            uri.replace(copy.as_uri(), root.as_uri()): found
            for uri, found in expected(copy).items()
        }
        assert shown == wanted
