"""The interface has a CJK font even on a machine with no Chinese font installed."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

from ui.app import create_application
from ui.fonts import UI_FAMILIES, ensure_cjk_family, pick_ui_family, register_bundled_font

pytestmark = pytest.mark.gui


def test_bundled_font_registers_and_covers_chinese(qapp):
    family = register_bundled_font()
    assert family in QFontDatabase.families()
    assert register_bundled_font() == family  # registered once
    metrics = QFontMetrics(QFont(family))
    for ch in "散乱污整治管理台销号（）“”":
        assert metrics.inFontUcs4(ord(ch)), ch


def test_application_font_renders_chinese(qapp):
    app = create_application()
    family = ensure_cjk_family()
    assert family
    assert app.font().families()[0] == family
    assert QFontMetrics(app.font()).inFontUcs4(ord("月"))


def test_installed_families_are_preferred_in_order():
    assert pick_ui_family(["SimSun", "Microsoft YaHei"]) == "Microsoft YaHei"
    assert pick_ui_family(["Arial"]) is None
    assert UI_FAMILIES[0] == "Microsoft YaHei UI"
