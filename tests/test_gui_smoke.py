"""The main window with real widgets: every pane, the status bar, remembered layout."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QTableView
from sqlalchemy import func, select

from models import Case, SpotCheck
from ui.app import has_display, local_actor
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.panes import PANES
from ui.panes.base import ListPane

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.gui


@pytest.fixture
def window(app, qtbot, demo_db):
    w = MainWindow(AppContext(demo_db, local_actor()))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_every_pane_opens_and_shows_its_data(window, qtbot, demo_db):
    assert [s.title for s in PANES] == [
        "概览", "企业清单", "县区上报", "承诺书", "督导抽查", "问责", "线索", "统计图表", "审计日志",
        "用户管理", "系统设置",
    ]  # fmt: skip
    # a city clerk sees neither the auditor's nor the administrator's pane
    assert [s.key for s in window.specs] == [
        "overview", "register", "returns", "letters", "spot_checks", "accountability", "leads",
        "charts", "settings",
    ]  # fmt: skip
    with demo_db.session() as s:  # the living demo: the report's world and what came after
        cases = s.scalar(select(func.count()).select_from(Case))
        checks = s.scalar(select(func.count()).select_from(SpotCheck))
    expected_rows = {"register": cases, "returns": 25, "letters": 25, "spot_checks": checks,
                     "accountability": 3, "charts": 25}  # fmt: skip
    for spec in window.specs:
        pane = window.show_pane(spec.key)
        assert window.stack.currentWidget() is pane
        assert window.nav.currentItem().text() == spec.title
        if isinstance(pane, ListPane):
            assert pane.model.rowCount() == expected_rows[spec.key], spec.key
            assert pane.count_label.text() == f"共 {expected_rows[spec.key]:,} 条"
    overview = window.pane("overview")
    assert overview.tiles["cases_total"].value_label.text() == f"{cases:,}"
    settings = window.pane("settings")
    assert settings.units_model.rowCount() == 25


def test_navigation_by_keyboard_shortcuts(window, qtbot):
    window.pane_actions[3].trigger()
    assert window.current_key() == "letters"
    table = window.pane("letters").findChild(QTableView)
    assert table.model().rowCount() == 25


def test_status_bar_shows_database_and_user(window):
    texts = [w.text() for w in window.statusBar().findChildren(QLabel)]
    assert any(t.startswith("数据库：SQLite：") for t in texts)
    assert any(t.startswith("用户：") for t in texts)


def test_layout_is_remembered(app, qtbot, demo_db):
    ctx = AppContext(demo_db, local_actor())
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    first.show()
    first.resize(first.minimumSizeHint().width(), 541)  # the offscreen screen is 800 px wide
    qtbot.waitUntil(lambda: first.height() == 541)
    first.show_pane("spot_checks")
    size = (first.width(), first.height())
    assert size[1] == 541
    first.close()
    second = MainWindow(ctx)
    qtbot.addWidget(second)
    assert second.current_key() == "spot_checks"
    second.show()
    assert (second.width(), second.height()) == size


def test_about_dialog_and_chinese_standard_buttons(window, qtbot):
    window.about_action.trigger()
    dialogs = [d for d in window.findChildren(QDialogButtonBox)]
    assert dialogs, "the About dialog did not open"
    ok = dialogs[0].button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text().replace("&", "").startswith("确定")


def test_refresh_reloads_the_current_pane(window, qtbot):
    from controllers.listings import Listing

    pane = window.show_pane("returns")
    pane.list_model.set_listing(Listing(["x"], []))
    assert pane.list_model.rowCount() == 0
    window.refresh_action.trigger()
    assert pane.list_model.rowCount() == 25


def test_no_display_is_explained_not_a_stack_trace():
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert has_display({}, "win32")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    proc = subprocess.run([sys.executable, str(ROOT / "main.py")], capture_output=True, text=True,
                          env=env, timeout=60, cwd=ROOT)  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "xvfb-run" in proc.stderr
    assert "QT_QPA_PLATFORM=offscreen" in proc.stderr
