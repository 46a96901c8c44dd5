"""How names, link text and headings are compared (Obsidian's normalisation)."""

from __future__ import annotations

import re
import unicodedata

# Obsidian turns these characters into spaces before it compares a link's heading with the
# note's headings; letters of every script, digits, ``-``, ``_`` and ``'`` are kept.
_HEADING_PUNCTUATION = re.compile(r"""[!"#$%&()*+,./:;<=>?@\[\\\]^`{|}~\s]+""")


def fold(text: str) -> str:
    """The key two names are compared by: NFC, then casefold (``Straße`` = ``STRASSE``)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFC", text).casefold()


def heading_key(text: str) -> str:
    """A heading's text as Obsidian compares it: punctuation to spaces, runs folded, casefold."""
    return fold(_HEADING_PUNCTUATION.sub(" ", text).strip())
