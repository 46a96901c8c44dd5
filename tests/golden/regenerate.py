"""Rewrite the sample vault's golden outputs (``make golden``); review the diff, then commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent

COMMANDS = {
    "lint.txt": ["lint", "--vault", "vault"],
    "lint.json": ["lint", "--vault", "vault", "--format", "json"],
    "links.json": ["links", "--vault", "vault", "--format", "json"],
}


def render(args: list[str]) -> str:
    """The output of ``vaultkit ARGS`` run from the repository root, without colour or cache."""
    result = subprocess.run(
        [sys.executable, "-m", "vaultkit", *args, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"NO_COLOR": "1", "PATH": "", "PYTHONPATH": str(ROOT / "src")},
    )
    if result.returncode not in (0, 1) or result.stderr:
        raise SystemExit(f"vaultkit {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def main() -> None:
    for name, args in COMMANDS.items():
        (GOLDEN / name).write_text(render(args), encoding="utf-8")
        print(f"wrote tests/golden/{name}")


if __name__ == "__main__":
    main()
