"""The pipeline as the spec defines it, with nothing kept between runs: scan, read and parse
every note, index, resolve. ``plain_vault`` is what every faster path must agree with."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vaultkit import renames
from vaultkit.config import Config, glob_matcher
from vaultkit.index import build_index
from vaultkit.model import Vault
from vaultkit.parallel import parse_paths
from vaultkit.resolve import resolve_vault
from vaultkit.scan import Scan, scan_vault


def plain_vault(root: Path, config: Config, scan: Scan | None = None) -> Vault:
    """Read, parse and resolve every note of the vault at ``root`` (an absolute folder).

    No cache is read or written; renames come from git alone (``renames.py``).
    """
    if scan is None:
        scan = scan_vault(root, glob_matcher(config.exclude))
    notes = parse_paths(root, scan.notes, config)
    index = build_index(notes.values(), scan.attachments, scan.outside)
    vault = resolve_vault(root, config, notes, scan.attachments, index)
    return replace(vault, renames=renames.KnownRenames(root, config, notes, {}, store=False))
