"""Reading notes: only regular files are opened; a FIFO, socket or device is VK001."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_files

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def _vaultkit(*args: str) -> subprocess.CompletedProcess[str]:
    """Run vaultkit; a run that blocks on a FIFO fails the test instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-m", "vaultkit", *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


def _special_vault(root: Path) -> Path:
    write_files(root, {"a.md": "[[pipe]] [[b]]\n", "b.md": "[[a]]\n"})
    os.mkfifo(root / "pipe.md")
    os.mkfifo(root / "data.png")
    return root


@pytest.mark.parametrize("cache", [["--no-cache"], []])
def test_a_fifo_named_like_a_note_is_vk001_and_never_blocks(
    tmp_path: Path, cache: list[str]
) -> None:
    root = _special_vault(tmp_path / "vault")
    done = _vaultkit("lint", "--vault", str(root), "--format", "json", *cache)
    found = [(item["path"], item["code"]) for item in json.loads(done.stdout)]
    assert ("pipe.md", "VK001") in found
    assert [code for path, code in found if path != "pipe.md"] == []


def test_graph_does_not_block_on_a_fifo(tmp_path: Path) -> None:
    root = _special_vault(tmp_path / "vault")
    out = tmp_path / "graph.json"
    done = _vaultkit("graph", "--vault", str(root), "--format", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "pipe.md" in {node["id"] for node in json.loads(out.read_text())["nodes"]}


def test_a_note_replaced_by_a_fifo_after_a_cached_run(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[pipe]]\n", "pipe.md": "[[a]]\n"})
    assert _vaultkit("lint", "--vault", str(root)).returncode == 0
    (root / "pipe.md").unlink()
    os.mkfifo(root / "pipe.md")
    done = _vaultkit("lint", "--vault", str(root), "--format", "json")
    assert ("pipe.md", "VK001") in [
        (item["path"], item["code"]) for item in json.loads(done.stdout)
    ]


def test_a_socket_and_a_device_are_not_read(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    write_files(root, {"a.md": "[[sock]] [[zero]]\n"})
    expected = {("sock.md", "VK001")}
    try:
        # /dev/zero's own device number: read, it would never end.
        os.mknod(root / "zero.md", stat.S_IFCHR | 0o600, os.makedev(1, 5))
        expected.add(("zero.md", "VK001"))
    except PermissionError:
        pass  # only root makes device nodes; the socket is tested all the same
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "sock.md"))
    try:
        done = _vaultkit("lint", "--vault", str(root), "--format", "json", "--no-cache")
    finally:
        server.close()
    found = {(item["path"], item["code"]) for item in json.loads(done.stdout)}
    assert expected <= found
