"""Text normalisation shared by search, matching and import.

County sheets mix full-width digits and letters, stray spaces and ideographic spaces;
matching ignores all of that.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold_width(text: str) -> str:
    """Full-width digits, letters and ASCII punctuation to half-width (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def clean_text(value: object) -> str | None:
    """Trim, fold width and collapse inner runs of spaces to one; None for blank."""
    if value is None:
        return None
    text = _SPACES.sub(" ", fold_width(str(value))).strip()
    return text or None


def search_key(value: object) -> str:
    """A key for matching: width folded, every space removed, letters lower-cased."""
    if value is None:
        return ""
    text = value if value.__class__ is str else str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()).lower()  # (str.split's spaces are exactly regex \s)
