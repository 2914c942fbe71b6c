"""The interface font: a CJK family that is really installed, else the bundled one.

Windows always has Microsoft YaHei; a machine without any Chinese font (a bare Linux box, a
stripped-down terminal server) gets the TrueType font bundled for official documents,
registered as an application font, so Chinese never renders as boxes.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from controllers.documents.fonts import BUNDLED_FONT_FILE
from resources import resource_path

logger = logging.getLogger(__name__)

#: preferred families, Windows first
UI_FAMILIES = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "微软雅黑",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "SimSun",
)

_bundled_family: str | None = None


def pick_ui_family(available: list[str] | None = None) -> str | None:
    families = set(QFontDatabase.families() if available is None else available)
    return next((f for f in UI_FAMILIES if f in families), None)


def register_bundled_font() -> str | None:
    """Register the bundled CJK font with Qt (once); returns its family, None on failure."""
    global _bundled_family
    if _bundled_family is not None:
        return _bundled_family
    path = resource_path("fonts", BUNDLED_FONT_FILE)
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        logger.warning("could not register the bundled font %s", path)
        return None
    _bundled_family = families[0]
    return _bundled_family


def ensure_cjk_family() -> str | None:
    """An installed CJK family from ``UI_FAMILIES``, or the bundled font when there is none."""
    return pick_ui_family() or register_bundled_font()


def font_families(first: str | None) -> list[str]:
    """The families a Chinese font asks for: ``first`` (the one found), then the preferred."""
    return [first, *(f for f in UI_FAMILIES if f != first)] if first else list(UI_FAMILIES)


def apply_ui_font(app: QApplication, point_size: float = 10.0) -> str | None:
    family = ensure_cjk_family()
    font = QFont(app.font())
    if family:
        font.setFamilies(font_families(family))
    font.setPointSizeF(point_size)
    app.setFont(font)
    return family
