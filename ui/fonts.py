"""The interface font: a CJK family that is really installed."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

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


def pick_ui_family(available: list[str] | None = None) -> str | None:
    families = set(QFontDatabase.families() if available is None else available)
    return next((f for f in UI_FAMILIES if f in families), None)


def apply_ui_font(app: QApplication, point_size: float = 10.0) -> str | None:
    family = pick_ui_family()
    font = QFont(app.font())
    if family:
        font.setFamilies([family, *UI_FAMILIES])
    font.setPointSizeF(point_size)
    app.setFont(font)
    return family
