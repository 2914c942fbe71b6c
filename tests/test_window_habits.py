"""Roles look like what they may do, the window fits the screen and remembers its place per
screen, and Esc closes a dialog only when nothing typed would be lost."""

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from controllers.actor import Actor
from models.codes import Role
from tests.factories import make_case, unit
from tests.returns_fixtures import make_stage
from ui.about_dialog import AboutDialog
from ui.app import local_actor
from ui.context import AppContext
from ui.main_window import MainWindow, screen_key
from ui.panes.overview import OverviewPane
from ui.panes.returns import ReturnsPane
from ui.register.lookback_panel import LookbackDialog
from ui.returns.overview_view import COL_OPEN

pytestmark = pytest.mark.gui


@pytest.fixture
def db(sqlite_db):
    with sqlite_db.session() as s:
        make_case(s)
        make_stage(s)
        s.commit()
    return sqlite_db


def _show(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_county_clerks_overview_names_the_unit(app, qtbot, db):
    with db.session() as s:
        lingshou = unit(s).id
    clerk = Actor(None, "ls", Role.COUNTY_CLERK, unit_id=lingshou)
    pane = _show(qtbot, OverviewPane(AppContext(db, clerk)))
    pane.activate()
    subtitle = pane.header.findChild(type(pane.stamp_label), "paneSubtitle").text()
    assert subtitle.startswith("灵寿县“散乱污”企业整治工作现状")
    city = _show(qtbot, OverviewPane(AppContext(db, local_actor())))
    city.activate()
    assert city.header.findChild(type(pane.stamp_label), "paneSubtitle").text().startswith("全市")


def test_the_leader_gets_no_import_links_or_button(app, qtbot, db):
    pane = _show(qtbot, ReturnsPane(AppContext(db, Actor(None, "boss", Role.LEADER))))
    pane.activate()
    model = pane.overview_model
    qtbot.waitUntil(lambda: model.rowCount() == 25)
    assert pane.import_button.isHidden()
    for row in range(model.rowCount()):
        index = model.index(row, COL_OPEN)
        assert model.data(index) == ""  # nothing returned yet, nothing the leader may do
        assert model.data(index, Qt.ItemDataRole.ToolTipRole) is None
    clerk = _show(qtbot, ReturnsPane(AppContext(db, local_actor())))
    clerk.activate()
    qtbot.waitUntil(lambda: clerk.overview_model.rowCount() == 25)
    assert clerk.overview_model.data(clerk.overview_model.index(0, COL_OPEN)) == "导入上报 ›"
    assert clerk.import_button.isVisibleTo(clerk)


def test_read_only_roles_are_marked_in_the_window_title(app, qtbot, db):
    leader = MainWindow(AppContext(db, Actor(None, "boss", Role.LEADER, display_name="王领导")))
    qtbot.addWidget(leader)
    assert leader.windowTitle() == "散乱污整治管理台（只读）"
    assert "只读" in leader.user_label.text()
    clerk = MainWindow(AppContext(db, local_actor()))
    qtbot.addWidget(clerk)
    assert clerk.windowTitle() == "散乱污整治管理台"


def test_first_start_fits_the_screen_and_geometry_is_kept_per_screen(app, qtbot, db):
    screen = QGuiApplication.primaryScreen()
    area = screen.availableGeometry()
    ctx = AppContext(db, local_actor())
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    assert first.width() <= area.width()
    assert first.height() <= area.height()
    assert area.adjusted(-2, -2, 2, 2).contains(first.geometry())
    first.show()
    first.setGeometry(QRect(area.left() + 10, area.top() + 20, 700, 500))
    first.close()
    settings = QSettings()
    assert settings.value("MainWindow/screen") == screen_key(screen)
    assert settings.value(f"MainWindow/geometry/{screen_key(screen)}") is not None
    # a layout saved on a screen that is not connected now is not applied here
    other = MainWindow(ctx)
    qtbot.addWidget(other)
    other.setGeometry(QRect(0, 0, 3000, 2000))
    settings.setValue("MainWindow/geometry/Dock_3840x2160", other.saveGeometry())
    settings.setValue("MainWindow/screen", "Dock_3840x2160")
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == (700, 500)  # this screen's own layout


def test_esc_closes_an_unchanged_dialog(app, qtbot, db):
    about = AboutDialog(AppContext(db, local_actor()))
    _show(qtbot, about)
    qtbot.keyClick(about, Qt.Key.Key_Escape)
    assert not about.isVisible()
    dialog = _show(qtbot, LookbackDialog())
    dialog.inspector.setFocus()
    qtbot.keyClick(dialog.inspector, Qt.Key.Key_Escape)  # looked, typed nothing
    assert not dialog.isVisible()


def test_esc_on_a_changed_dialog_asks_first(app, qtbot, db):
    dialog = _show(qtbot, LookbackDialog())
    dialog.inspector.setFocus()
    qtbot.keyClicks(dialog.inspector, "Zhang")
    qtbot.keyClick(dialog.inspector, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    box = next(b for b in dialog.findChildren(QMessageBox) if b.objectName() == "escGuardBox")
    assert "尚未保存" in box.text()
    box.escapeButton().click()  # 继续填写
    assert dialog.isVisible()
    assert dialog.inspector.text() == "Zhang"
    qtbot.keyClick(dialog.inspector, Qt.Key.Key_Escape)
    QApplication.processEvents()
    box = next(b for b in dialog.findChildren(QMessageBox)
               if b.objectName() == "escGuardBox" and b.isVisible())  # fmt: skip
    next(b for b in box.buttons() if b.text() == "放弃并关闭").click()
    assert not dialog.isVisible()


def test_ids_are_shown_without_thousands_separators(app):
    from controllers.listings import Listing
    from ui.listing_model import ListingModel

    model = ListingModel(Listing(["台账编号", "行号", "清单行数"], [(19629, 10023, 19629)]))
    assert [model.index(0, c).data() for c in range(3)] == ["19629", "10023", "19,629"]


def test_the_login_dialog_grows_when_a_message_appears(app, qtbot):
    from ui.login_dialog import LoginDialog

    hint = "演示数据库：可用 admin（系统管理员）、auditor（审计管理员）、city（市级业务员）登录，密码均为 Demo-2026。"
    dialog = LoginDialog(lambda *a: None, database_label="SQLite", allow_remember=True, hint=hint)
    qtbot.addWidget(dialog)
    dialog.show()  # at the size Qt gives it, before any message
    qtbot.waitExposed(dialog)
    dialog.show_message("用户名或密码不正确（还可尝试 4 次，之后账户将锁定 15 分钟）。")
    assert dialog.hint.heightForWidth(dialog.hint.width()) <= dialog.hint.height() + 1
    assert dialog.message.heightForWidth(dialog.message.width()) <= dialog.message.height() + 1
