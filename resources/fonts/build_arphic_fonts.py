"""Rebuild the bundled serif (宋) and kai (楷) fallback fonts: GB2312 subsets of AR PL
SungtiL GB (文鼎ＰＬ简报宋) and AR PL KaitiM GB (文鼎ＰＬ简中楷).

The sources are Debian's ``fonts-arphic-gbsn00lp`` and ``fonts-arphic-gkai00mp`` packages
(TrueType outlines, Arphic Public License)::

    apt-get install fonts-arphic-gbsn00lp fonts-arphic-gkai00mp
    python resources/fonts/build_arphic_fonts.py

Kept: GB2312's symbols and its 3,755 level-1 (most common) characters plus ASCII, the general punctuation (“ ” ‘ ’ — …), CJK
symbols and punctuation and the full-width forms, whatever the fonts have of them. Dropped:
hinting and embedded bitmaps (reportlab uses none of them). A rarer character is drawn in
the bundled WenQuanYi Micro Hei (controllers/documents/official.py falls back per character).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
FONTS = (
    (
        Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"),
        HERE / "ARPLSungtiLGB-subset.ttf",
    ),
    (
        Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"),
        HERE / "ARPLKaitiMGB-subset.ttf",
    ),
)
RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00B7, 0x00B7),  # ·
    (0x2010, 0x2027),  # — … “ ” ‘ ’
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)
NOTICE = (
    "Subset of {name} made for Rectify Desk with fontTools: glyphs outside GB2312 level 1, "
    "ASCII and "
    "Chinese punctuation removed; hinting and embedded bitmaps removed. "
    "Distributed under the Arphic Public License (see LICENSE-Arphic.txt)."
)


def gb2312_code_points() -> set[int]:
    """GB2312's symbols (rows 0xA1-0xA9) and level-1 characters (rows 0xB0-0xD7)."""
    out: set[int] = set()
    for lead in [*range(0xA1, 0xAA), *range(0xB0, 0xD8)]:
        for trail in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes((lead, trail)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return out


def build(source: Path, target: Path) -> None:
    font = TTFont(str(source))
    wanted = gb2312_code_points()
    for first, last in RANGES:
        wanted.update(range(first, last + 1))
    have = set(font.getBestCmap())
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["EBDT", "EBLC", "EBSC", "vhea", "vmtx", "DSIG"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(wanted & have))
    sub.subset(font)
    name = font["name"].getDebugName(4) or source.stem
    font["name"].setName(NOTICE.format(name=name), 10, 3, 1, 0x409)
    font.save(str(target))
    print(f"{target.name}: {len(wanted & have)} characters, {target.stat().st_size:,} bytes")


if __name__ == "__main__":
    for src, dst in FONTS:
        build(Path(sys.argv[1]) / src.name if len(sys.argv) > 1 else src, dst)
