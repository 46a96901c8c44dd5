"""Where vaultkit writes: only where it was asked, through links and pipes, always valid UTF-8."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import write_files
from vaultkit.cli import main

GRAPH_FORMATS = ("html", "json", "graphml", "gexf")
LINT_FORMATS = ("text", "json", "sarif", "github")
VAULTKIT = (sys.executable, "-m", "vaultkit")


def _vault(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "v"
    root.mkdir()
    write_files(root, {".obsidian/app.json": "{}", **files})
    return root


def _tree(folder: Path) -> dict[str, str]:
    """Every file and link under ``folder``: a hash of its bytes, or where the link points."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


# --- [graph] output from a vault's config ------------------------------------------------------


@pytest.mark.parametrize(
    "output",
    [
        "../outside.html",
        "{outside}",
        "a.md",
        "Notes/new.md",
        "escape.html",
        ".obsidian/app.json",
        "pipe.html",
        "folder",
    ],
)
def test_config_graph_output_stays_inside_the_vault(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    output: str,
) -> None:
    outside = tmp_path / "outside.html"
    outside.write_text("the user's own file\n")
    root = _vault(tmp_path, {"a.md": "[[b]]", "b.md": "[[a]]", "folder/c.md": "[[a]]"})
    (root / "escape.html").symlink_to(outside)
    os.mkfifo(root / "pipe.html")
    value = output.format(outside=outside)
    (root / ".vaultkit.toml").write_text(f"[graph]\noutput = {json.dumps(value)}\n")
    monkeypatch.chdir(root)
    before = _tree(tmp_path)
    assert main(["graph"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "graph.output" in err and str(root / ".vaultkit.toml") in err
    assert _tree(tmp_path) == before
    assert stat.S_ISFIFO((root / "pipe.html").lstat().st_mode)


def test_config_graph_output_is_relative_to_the_vault(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(tmp_path, {"a.md": "[[b]]", "b.md": "[[a]]", "Daily/d.md": "[[a]]"})
    (root / ".vaultkit.toml").write_text('[graph]\noutput = "site/graph.html"\n')
    monkeypatch.chdir(root / "Daily")
    assert main(["graph", "-q"]) == 0
    assert (root / "site" / "graph.html").read_text(encoding="utf-8").startswith("<!DOCTYPE")
    assert main(["graph", "-q"]) == 0  # the page it wrote is no reason to refuse it next time
    assert main(["graph", "--format", "json", "-q"]) == 0
    assert json.loads((root / "vaultkit-graph.json").read_text(encoding="utf-8"))["nodes"]


def test_command_line_output_may_point_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(tmp_path, {"a.md": "[[b]]", "b.md": "[[a]]"})
    (root / ".vaultkit.toml").write_text('[graph]\noutput = "/etc/passwd"\n')
    monkeypatch.chdir(root)
    for fmt in GRAPH_FORMATS:
        target = tmp_path / f"elsewhere.{fmt}"
        assert main(["graph", "--format", fmt, "-o", str(target), "-q"]) == 0
        assert target.stat().st_size > 0


# --- -o naming a symlink, a FIFO or a device ---------------------------------------------------


def _writers(root: Path, out: Path) -> list[list[str]]:
    lint = [["lint", "--vault", str(root), "--format", fmt, "-o", str(out)] for fmt in LINT_FORMATS]
    graph = [
        ["graph", "--vault", str(root), "--format", fmt, "-o", str(out), "-q"]
        for fmt in GRAPH_FORMATS
    ]
    return [*lint, *graph, ["links", "--vault", str(root), "-o", str(out)]]


def test_output_through_a_symlink_writes_its_target(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"a.md": "[[b]] [[Nowhere]]", "b.md": "[[a]]"})
    target = tmp_path / "reports" / "report.txt"
    target.parent.mkdir()
    link = tmp_path / "report-link"
    link.symlink_to(target)
    for argv in _writers(root, link):
        target.write_bytes(b"")
        assert main(argv) in (0, 1), argv
        assert link.is_symlink() and os.readlink(link) == str(target), argv
        assert target.stat().st_size > 0, argv
    assert sorted(path.name for path in target.parent.iterdir()) == ["report.txt"]


def _read_into(path: Path, received: list[bytes]) -> None:
    received.append(path.read_bytes())


def test_output_to_a_fifo_is_written_into_it(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"a.md": "[[b]] [[Nowhere]]", "b.md": "[[a]]"})
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for argv in _writers(root, fifo):
        received: list[bytes] = []
        reader = threading.Thread(target=_read_into, args=(fifo, received), daemon=True)
        reader.start()
        try:
            status = main(argv)
        finally:
            if reader.is_alive():  # nothing opened the FIFO: let the reader go
                with open(fifo, "wb"):
                    pass
            reader.join(timeout=10)
        assert status in (0, 1), argv
        assert stat.S_ISFIFO(fifo.lstat().st_mode), argv
        assert received and received[0], argv


def test_output_to_stdout_as_a_path_reaches_stdout(tmp_path: Path) -> None:
    # /dev/stdout is a symlink to /proc/self/fd/1; a copy of that link stands in for it, so a
    # failure replaces a file of this test, never the machine's /dev/stdout.
    root = _vault(tmp_path, {"a.md": "[[b]] [[Nowhere]]", "b.md": "[[a]]"})
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    for fmt in ("json", "html"):
        command = "lint" if fmt == "json" else "graph"
        done = subprocess.run(
            [*VAULTKIT, command, "--vault", str(root), "--format", fmt, "-o", str(stdout), "-q"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode in (0, 1), done.stderr
        assert stdout.is_symlink() and os.readlink(stdout) == "/proc/self/fd/1"
        assert done.stdout.lstrip().startswith(b"[" if fmt == "json" else b"<!DOCTYPE")


def test_output_to_a_regular_file_is_replaced_keeping_its_mode(tmp_path: Path) -> None:
    root = _vault(tmp_path, {"a.md": "[[b]] [[Nowhere]]", "b.md": "[[a]]"})
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    out.write_text("old\n")
    out.chmod(0o640)
    assert main(["lint", "--vault", str(root), "--format", "json", "-o", str(out)]) == 1
    assert json.loads(out.read_text(encoding="utf-8"))[0]["code"] == "VK101"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert [path.name for path in out.parent.iterdir()] == ["report.json"]


def test_output_to_a_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(tmp_path, {"a.md": "[[b]]", "b.md": "[[a]]"})
    folder = tmp_path / "folder"
    folder.mkdir()
    for argv in _writers(root, folder):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "internal error" not in err, argv
    assert list(folder.iterdir()) == []


# --- file names that are not UTF-8 -------------------------------------------------------------

CAFE = os.fsdecode(b"caf\xe9.md")


@pytest.fixture
def latin1_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A vault holding ``caf\\xe9.md``, a name in Latin-1; the current folder is the vault."""
    root = _vault(tmp_path, {"a.md": "[[b]] [[caf\u00e9]]", "b.md": "[[a]]"})
    (root / CAFE).write_bytes(b"[[a]] [[Nowhere]]\n")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("fmt", LINT_FORMATS)
def test_lint_names_an_undecodable_file_with_its_byte_escaped(
    latin1_vault: Path, capsys: pytest.CaptureFixture[str], fmt: str, tmp_path: Path
) -> None:
    argv = ["lint", "--vault", str(latin1_vault), "--format", fmt]
    assert main(argv) == 1
    out = capsys.readouterr().out
    written = tmp_path / f"report.{fmt}"
    assert main([*argv, "-o", str(written)]) == 1
    assert written.read_bytes().decode("utf-8") == out
    if fmt == "json":
        assert {item["path"] for item in json.loads(out)} >= {"caf\\xe9.md"}
    elif fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        uris = {
            item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for item in results
        }
        assert "caf%E9.md" in uris
    else:
        assert "caf\\xe9.md:1:7: VK101 [broken-link] no note matches 'Nowhere'" in out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_links_names_an_undecodable_file_with_its_byte_escaped(
    latin1_vault: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    assert main(["links", "--vault", str(latin1_vault), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert "caf\\xe9.md" in {item["source"] for item in json.loads(out)}
    else:
        assert "caf\\xe9.md:1:1: wikilink resolved [[a]] -> a.md" in out.splitlines()


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_graph_names_an_undecodable_file_with_its_byte_escaped(
    latin1_vault: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"graph.{fmt}"
    assert main(["graph", "--vault", str(latin1_vault), "--format", fmt, "-o", str(out), "-q"]) == 0
    text = out.read_bytes().decode("utf-8")
    if fmt == "json":
        assert "caf\\xe9.md" in {node["id"] for node in json.loads(text)["nodes"]}
    elif fmt == "html":
        assert '"caf\\\\xe9.md"' in text
    else:
        assert "caf\\xe9.md" in text and "&#56553;" not in text


def test_json_on_stdout_is_utf8_whatever_the_locale(latin1_vault: Path) -> None:
    for locale in ("C.UTF-8", "C"):
        done = subprocess.run(
            [*VAULTKIT, "lint", "--vault", str(latin1_vault), "--format", "json"],
            capture_output=True,
            timeout=120,
            check=False,
            env={**os.environ, "LC_ALL": locale, "PYTHONIOENCODING": ""},
        )
        assert done.returncode == 1, done.stderr
        paths = {item["path"] for item in json.loads(done.stdout.decode("utf-8"))}
        assert "caf\\xe9.md" in paths


# --- a symlinked note named on the command line --------------------------------------------------


def test_lint_reports_a_symlinked_note_under_the_name_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _vault(tmp_path, {"note.md": "[[Nowhere]]", "b.md": "[[note]] [[alias]]"})
    (root / "alias.md").symlink_to("note.md")
    monkeypatch.chdir(root)
    assert main(["lint", "alias.md", "--format", "json"]) == 1
    assert {item["path"] for item in json.loads(capsys.readouterr().out)} == {"alias.md"}


def test_a_reader_that_leaves_early_is_no_error(tmp_path: Path) -> None:
    # Far more than a pipe holds, so the writer meets the closed end.
    root = _vault(tmp_path, {f"note {number}.md": "[[note 0]]" for number in range(2000)})
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    command = [*VAULTKIT, "graph", "--vault", str(root), "--format", "json", "-o", str(stdout)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as running:
        assert running.stdout is not None and running.stderr is not None
        assert running.stdout.read(10)
        running.stdout.close()
        err = running.stderr.read()
        assert running.wait(timeout=120) == 0, err
    assert err == b""


def test_the_page_watch_keeps_fresh_is_written_through_a_symlink(tmp_path: Path) -> None:
    # `vaultkit watch --graph LINK` rewrites the page on every change with write_page.
    from vaultkit.graph import build_graph
    from vaultkit.html import write_page
    from vaultkit.vault import load_vault

    root = _vault(tmp_path, {"a.md": "[[b]]", "b.md": "[[a]]"})
    target = tmp_path / "site" / "graph.html"
    target.parent.mkdir()
    link = tmp_path / "graph-link.html"
    link.symlink_to(target)
    write_page(build_graph(load_vault(root)), link, vault_name="v", obsidian=True)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE")
