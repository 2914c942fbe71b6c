"""Rebuild the bundled fallback font: a subset of WenQuanYi Micro Hei (文泉驿微米黑).

The source is Debian's ``fonts-wqy-microhei`` package (TrueType outlines, Apache-2.0)::

    apt-get install fonts-wqy-microhei
    python resources/fonts/build_fallback_font.py [/usr/share/fonts/truetype/wqy/wqy-microhei.ttc]

Kept: every character of GBK (all CJK Unified Ideographs U+4E00–U+9FA5 and GBK's symbols),
the rest of U+4E00–U+9FFF, CJK symbols and punctuation, full-width forms, ASCII and the
symbol blocks a clerk may type (㎡, ①, №, ℃…) — whatever the font has of them. Dropped:
hinting, OpenType layout tables and vertical metrics (reportlab uses none of them), the
Mono face of the collection, and the few Extension A ideographs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TARGET = Path(__file__).resolve().parent / "WenQuanYiMicroHei-subset.ttf"

#: (first, last) code points kept, besides the whole of GBK
RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (·, ×, ÷, °, §)
    (0x2000, 0x206F),  # general punctuation (— … “ ” ‘ ’ ‰)
    (0x2100, 0x218F),  # letterlike and number forms (℃ № Ⅰ Ⅱ)
    (0x2190, 0x22FF),  # arrows, mathematical operators (→ ≤ ≥ ±)
    (0x2460, 0x24FF),  # enclosed alphanumerics (① ⑴ ⒈)
    (0x2500, 0x26FF),  # box drawing, shapes, symbols (□ ○ ● ★ √)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、 。 《 》 〇)
    (0x3200, 0x33FF),  # enclosed CJK, CJK compatibility (㈠ ㎡ ㎏)
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms
)

NOTICE = (
    "Subset of WenQuanYi Micro Hei 0.2.0-beta made for Rectify Desk with fontTools: "
    "glyphs outside GBK, U+4E00-U+9FFF, CJK punctuation, full-width forms, ASCII and "
    "common symbol blocks removed; hinting, OpenType layout and vertical metrics removed. "
    "Licensed under the Apache License, Version 2.0 (see LICENSE-WenQuanYiMicroHei.txt)."
)


def gbk_code_points() -> set[int]:
    """Every character encodable in GBK (two-byte area)."""
    out: set[int] = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                out.add(ord(bytes((lead, trail)).decode("gbk")))
            except UnicodeDecodeError:
                continue
    return out


def wanted_code_points() -> set[int]:
    """The characters the subset keeps (where the source font has them)."""
    cps = gbk_code_points()
    for first, last in RANGES:
        cps.update(range(first, last + 1))
    return cps


def build(source: Path = SOURCE, target: Path = TARGET) -> tuple[int, int]:
    """Write the subset; returns (characters kept, bytes written)."""
    font = TTFont(source, fontNumber=0)
    if "glyf" not in font:
        raise SystemExit(f"{source} has no TrueType outlines (reportlab cannot embed CFF)")
    keep = sorted(c for c in wanted_code_points() if c in font.getBestCmap())
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "vhea", "vmtx", "EBDT", "EBLC", "EBSC"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    font["name"].setName(NOTICE, 10, 3, 1, 0x409)  # description: the notice of the change
    font.save(target)
    return len(keep), target.stat().st_size


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    kept, size = build(src)
    print(f"{TARGET.name}: {kept} characters, {size / 1048576:.2f} MB")
