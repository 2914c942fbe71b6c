"""Chinese text in the order a clerk expects: by pinyin, as Excel and WPS sort it.

Each Chinese character sorts by its pinyin and tone (阿 ā < 爱 ài < 安 ān < 北 běi …), then by
code point; digits come before Latin letters and letters before Chinese; full-width forms and
letter case are folded. The order of the characters is ``resources/collation/pinyin_order.txt``
(made from pypinyin by the script beside it; a polyphonic character sits at its most frequent
reading: 长 as in 长安 cháng, 行 as in 行唐 xíng).

A text's key is built by ``str.translate`` over a table that maps each Chinese character to one
private-use character numbered by its rank, so keying 200,000 names runs in C. The table is a
list indexed by code point (characters past its end, an ``IndexError``, stay as they are): a
list index is several times faster than the dict lookup ``translate`` does otherwise.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import repeat

from resources import resource_path

#: Chinese characters become code points from here on (plane 15, private use): above every
#: character a name holds otherwise, so digits and letters sort first
_RANK_BASE = 0xF0000
ORDER_FILE = ("collation", "pinyin_order.txt")

_nfkc = partial(unicodedata.normalize, "NFKC")
_table: list[int | str] | None = None
_lock = threading.Lock()


def _load_table() -> list[int | str]:
    text = resource_path(*ORDER_FILE).read_text(encoding="utf-8")
    chars = "".join(line.partition("\t")[2] for line in text.splitlines())
    table: list[int | str] = list(range(max(map(ord, chars), default=-1) + 1))  # as they are
    for rank, ch in enumerate(chars):
        table[ord(ch)] = chr(_RANK_BASE + rank)
    return table


def translation_table() -> list[int | str]:
    """The character → key table (read once, thread-safe)."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = _load_table()
    return _table


def _pinyin_keys(texts: Iterable[str]) -> Iterator[str]:
    """Width and case folded, Chinese characters replaced by their ranks (all of it in C)."""
    folded = map(str.casefold, map(_nfkc, texts))
    return map(str.translate, folded, repeat(translation_table()))


def sort_key(text: str) -> str:
    """The key that orders ``text`` by pinyin (compare keys with ``<``)."""
    # the text itself after NUL (below every character) breaks ties such as "ABC" / "abc"
    return f"{next(_pinyin_keys([text]))}\0{text}"


def sort_keys(texts: Iterable[str]) -> list[str]:
    """:func:`sort_key` of each text, keyed in one pass (compare keys with ``<``)."""
    texts = list(texts)
    # the text after NUL breaks ties in code point order ("ABC" / "abc")
    return [f"{k}\0{t}" for k, t in zip(_pinyin_keys(texts), texts, strict=True)]


def sorted_texts(texts: Iterable[str]) -> list[str]:
    """``texts`` in pinyin order."""
    texts = list(texts)
    keys = sort_keys(texts)
    order = sorted(range(len(texts)), key=keys.__getitem__)
    return [texts[i] for i in order]
