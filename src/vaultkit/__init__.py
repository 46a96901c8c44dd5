"""vaultkit: keeps an Obsidian-style markdown vault healthy."""

from __future__ import annotations

from vaultkit.model import Diagnostic
from vaultkit.vault import lint, load_vault
from vaultkit.version import __version__

__all__ = ("Diagnostic", "__version__", "lint", "load_vault")
