"""Shared fixtures: tiny vaults built inline, and the paths of the sample vault and corpora."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

import vaultkit.read
from tests.shared import find_shared
from vaultkit.config import Config
from vaultkit.model import Diagnostic, Vault
from vaultkit.vault import lint, load_vault

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "vault"
SHARED = find_shared(ROOT)
CORPORA = SHARED / "corpora"

MakeVault = Callable[..., Vault]


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` (vault-relative path → text or bytes) under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


def obsidian_vault(tmp_path: Path, files: Mapping[str, str | bytes]) -> Path:
    """A vault folder ``tmp_path/v`` marked by ``.obsidian/``, holding ``files``."""
    root = tmp_path / "v"
    root.mkdir()
    (root / ".obsidian").mkdir()
    write_files(root, files)
    return root


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never write into the user's own cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
def make_vault(tmp_path: Path) -> MakeVault:
    """Build a vault from ``{path: text}`` and load it; keyword arguments go to ``Config``."""

    def build(files: Mapping[str, str | bytes], **settings: object) -> Vault:
        root = tmp_path / "vault"
        root.mkdir(exist_ok=True)
        write_files(root, files)
        return load_vault(root, Config(**settings))  # type: ignore[arg-type]

    return build


def codes(
    diagnostics: Iterable[Diagnostic], only: str | None = None
) -> list[tuple[str, int, int, str]]:
    """``(path, line, column, code)`` of each finding, optionally of one code prefix only."""
    return [
        (item.path, item.line, item.column, item.code)
        for item in diagnostics
        if only is None or item.code.startswith(only)
    ]


def lint_files(
    make_vault: MakeVault, files: Mapping[str, str | bytes], **settings: object
) -> list[tuple[str, int, int, str]]:
    """Lint an inline vault with every rule except orphans (noise in tiny vaults)."""
    vault = make_vault(files, **settings)
    return codes(lint(vault, ignore=["VK201"]))


def corpus(name: str) -> Path:
    """A real vault from ``shared/corpora``; the test skips only if the folder is absent."""
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(f"corpus {name} is not present at {path}")
    return path


GENVAULT = SHARED / "tools" / "genvault.py"


@pytest.fixture(scope="session")
def generated_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded synthetic vault of 300 notes from ``shared/tools/genvault.py``."""
    if not GENVAULT.is_file():
        pytest.fail(f"the vault generator is missing at {GENVAULT}")
    out = tmp_path_factory.mktemp("generated") / "vault"
    subprocess.run(
        [sys.executable, str(GENVAULT), "--notes", "300", "--out", str(out), "--seed", "42"],
        check=True,
        capture_output=True,
    )
    return out


def run_vaultkit(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m vaultkit ARGS`` as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "vaultkit", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def refuse_to_read(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make vaultkit's reader meet "permission denied" on files called ``name``.

    The suite runs as root here, and root reads whatever a file's mode says.
    """
    original = open

    def refuse(file: str, *args: Any, **kwargs: Any) -> Any:
        if os.path.basename(file) == name:
            raise PermissionError(13, "Permission denied")
        return original(file, *args, **kwargs)

    monkeypatch.setattr(vaultkit.read, "open", refuse, raising=False)
