"""vaultkit: keeps an Obsidian-style markdown vault healthy."""

from __future__ import annotations

__version__ = "0.1.0"

from vaultkit.model import Diagnostic
from vaultkit.vault import lint, load_vault

__all__ = ("Diagnostic", "__version__", "lint", "load_vault")
