"""Text normalisation shared by search, matching and import.

County sheets mix full-width digits and letters, stray spaces and ideographic spaces;
matching ignores all of that.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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


#: joins texts for :func:`search_keys` (no text of a workbook holds it: XML cannot)
_JOIN = "\x00"


def search_keys(values: Sequence[str | None]) -> list[str]:
    """:func:`search_key` of every text (None: ''), done on the texts joined into one string:
    NFKC, spaces and case never reach across the separator (a starter that no character
    decomposes to and that is neither a space nor cased)."""
    texts = [v if v.__class__ is str else ("" if v is None else str(v)) for v in values]
    joined = _JOIN.join(texts)
    if joined.count(_JOIN) != len(texts) - 1:  # a text holds the separator: one by one
        return [search_key(v) for v in values]
    if not joined.isascii():
        joined = unicodedata.normalize("NFKC", joined)
    return "".join(joined.split()).lower().split(_JOIN)


#: a space as str.split() sees one (regex \s is exactly those)
_SPACE = re.compile(r"\s")


def shared_keys(values: Sequence[str | None]) -> list[str]:
    """:func:`search_keys`, where a key equal to its text is that text's own object (most
    names and addresses are their own keys: no second copy is kept, and when every text is its
    own key none is even made)."""
    texts = [v if v.__class__ is str else ("" if v is None else str(v)) for v in values]
    joined = _JOIN.join(texts)
    if joined.count(_JOIN) == len(texts) - 1:
        folded = joined if joined.isascii() else unicodedata.normalize("NFKC", joined)
        if folded == joined and not _SPACE.search(joined) and joined.lower() == joined:
            return texts  # (no text changes: width, spaces and case as a key has them)
    keys = search_keys(values)
    return [v if k == v else k for k, v in zip(keys, values, strict=True)]  # type: ignore[misc]
