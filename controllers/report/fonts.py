"""Which font file draws the report's chart (interim: replaced by controllers.documents.fonts)."""

from __future__ import annotations

from pathlib import Path

from controllers.report.chart_image import FontSpec

_CANDIDATES = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("C:/Windows/Fonts/simhei.ttf", 0),
]


def chart_font() -> FontSpec:
    for path, index in _CANDIDATES:
        if Path(path).exists():
            return FontSpec(path, index)
    raise FileNotFoundError("no CJK font")
