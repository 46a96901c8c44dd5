"""``python -m vaultkit``."""

from __future__ import annotations

from vaultkit.cli import run

run()
