"""Rebuild ``pinyin_order.txt``: every Chinese character pypinyin knows, in pinyin order.

    pip install pypinyin   # a test dependency of this project
    python resources/collation/build_pinyin_order.py

One line per syllable and tone (``zhang3<TAB>长涨掌…``), syllables in alphabetical order with
the tone digit after them (an1 < an2 < … < ang1), characters of a line in code point order.
A character with several readings is placed at the reading it has most often in pypinyin's
phrase dictionary (长 as in 长安 cháng, 行 as in 行唐 xíng), else at its first reading.
``controllers.text_order`` sorts text with this file; ``tests/test_text_order.py`` checks the
file is what this script makes.
"""

from __future__ import annotations

import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

TARGET = Path(__file__).resolve().parent / "pinyin_order.txt"
_TONE_MARKS = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}


def plain_syllable(reading: str) -> str:
    """'zhǎng' → 'zhang3', 'lǜ' → 'lv4', 'de' → 'de5'."""
    tone = "5"
    letters: list[str] = []
    for ch in unicodedata.normalize("NFD", reading):
        if ch in _TONE_MARKS:
            tone = _TONE_MARKS[ch]
        elif ch == "\u0308":  # ü
            letters[-1] = "v"
        elif ch.isascii():
            letters.append(ch)
    return "".join(letters) + tone


def main_readings() -> dict[str, str]:
    """Each character's most frequent reading in the phrase dictionary."""
    from pypinyin.phrases_dict import phrases_dict

    counts: defaultdict[str, Counter] = defaultdict(Counter)
    for phrase, readings in phrases_dict.items():
        if len(phrase) == len(readings):
            for ch, reading in zip(phrase, readings, strict=True):
                counts[ch][reading[0]] += 1
    return {ch: c.most_common(1)[0][0] for ch, c in counts.items()}


def pinyin_order_text() -> str:
    """The file's content."""
    from pypinyin.pinyin_dict import pinyin_dict

    main = main_readings()
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for code in sorted(pinyin_dict):
        ch = chr(code)
        groups[plain_syllable(main.get(ch) or pinyin_dict[code].split(",")[0])].append(ch)
    return "".join(f"{syllable}\t{''.join(groups[syllable])}\n" for syllable in sorted(groups))


def main() -> int:
    text = pinyin_order_text()
    TARGET.write_text(text, encoding="utf-8", newline="\n")
    print(f"{TARGET}: {text.count(chr(10))} syllables, {len(text.encode()):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
