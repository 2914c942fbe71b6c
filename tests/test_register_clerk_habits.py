"""What a day of real use tripped over in the register: click-to-tick filters, empty states,
the export's file name and done message, and a read-only look for the leader."""

import datetime as dt

import pytest
from PySide6.QtCore import QObject, QPoint, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QPushButton

from controllers.actor import Actor
from models.codes import CaseStatus, Role
from tests.factories import make_case, unit
from ui.app import create_application, local_actor
from ui.context import AppContext
from ui.panes.register import RegisterPane
from ui.register.case_dialog import CaseDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def app(qapp):
    create_application()
    QSettings().clear()
    return qapp


@pytest.fixture
def db(sqlite_db):
    with sqlite_db.session() as s:
        xinle = unit(s, "新乐市")
        make_case(s, name="东关蛭石厂", deadline=dt.date(2020, 6, 1), status=CaseStatus.IN_PROGRESS)
        make_case(s, unit=xinle, name="新乐油毡厂", deadline=dt.date(2099, 9, 1))
        s.commit()
    return sqlite_db


def _open(qtbot, db, actor=None) -> RegisterPane:
    pane = RegisterPane(AppContext(db, actor or local_actor()))
    qtbot.addWidget(pane)
    pane.resize(1100, 600)
    pane.show()
    pane.activate()
    qtbot.waitUntil(lambda: not pane.is_loading and pane.model.is_complete, timeout=20_000)
    return pane


class _Opened(QObject):
    """Receives the file URLs the application asks the system to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened():
    receiver = _Opened()
    QDesktopServices.setUrlHandler("file", receiver, "open")
    yield receiver
    QDesktopServices.unsetUrlHandler("file")


@pytest.mark.qt_log_ignore("This plugin does not support .*")  # a popup menu, offscreen
def test_clicking_a_units_name_ticks_it(app, qtbot, db):
    pane = _open(qtbot, db)
    units = pane.filter_bar.units
    menu = units.menu()
    menu.popup(units.mapToGlobal(units.rect().bottomLeft()))
    qtbot.waitUntil(lambda: units.list.isVisible())
    item = next(units.list.item(i) for i in range(units.list.count())
                if units.list.item(i).text() == "灵寿县")  # fmt: skip
    rect = units.list.visualItemRect(item)
    name_point = QPoint(rect.left() + rect.width() * 3 // 4, rect.center().y())  # on the name
    qtbot.mouseClick(units.list.viewport(), Qt.MouseButton.LeftButton, pos=name_point)
    assert item.checkState() == Qt.CheckState.Checked
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    qtbot.mouseClick(units.list.viewport(), Qt.MouseButton.LeftButton, pos=name_point)
    assert item.checkState() == Qt.CheckState.Unchecked  # a second click unticks
    units.list.setCurrentItem(item)
    qtbot.keyClick(units.list, Qt.Key.Key_Space)  # the keyboard ticks as well
    assert item.checkState() == Qt.CheckState.Checked
    menu.hide()


def test_a_filter_without_result_says_so_and_offers_to_clear_it(app, qtbot, db):
    pane = _open(qtbot, db)
    assert not pane.table_stack.is_empty_shown
    pane.filter_bar.search.setText("没有这家企业")
    qtbot.waitUntil(lambda: pane.table_stack.is_empty_shown)
    empty = pane.table_stack.empty
    assert empty.label.text() == "没有符合条件的企业"
    assert empty.button.text() == "清除筛选"
    empty.button.click()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    assert not pane.table_stack.is_empty_shown
    assert pane.filter_bar.search.text() == ""


def test_an_empty_register_says_how_to_add_the_first_case(app, qtbot, sqlite_db):
    pane = _open(qtbot, sqlite_db)
    assert pane.table_stack.is_empty_shown
    assert "还没有企业" in pane.table_stack.empty.label.text()
    assert pane.table_stack.empty.button.text() == "新建企业…"
    pane.table_stack.empty.button.click()
    dialog = pane.findChild(CaseDialog)
    assert dialog is not None
    assert dialog.windowTitle() == "新建企业"
    dialog.done(0)


def test_export_suggests_a_name_from_the_filter_and_offers_to_open_the_file(app, qtbot, db,
                                                                            tmp_path, opened):  # fmt: skip
    pane = _open(qtbot, db)
    today = dt.date.today().isoformat()
    assert pane.suggested_name() == f"企业清单_{today}.xlsx"
    units = pane.filter_bar.units.list
    lingshou = next(units.item(i).data(Qt.ItemDataRole.UserRole) for i in range(units.count())
                    if units.item(i).text() == "灵寿县")  # fmt: skip
    pane.filter_bar.units.set_key_checked(lingshou)
    pane.filter_bar.overdue.setChecked(True)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    assert pane.suggested_name() == f"灵寿县_逾期未完成_{today}.xlsx"
    out = tmp_path / pane.suggested_name()
    pane.export_view(out)
    qtbot.waitUntil(lambda: pane.last_export is not None, timeout=20_000)
    box = pane.export_done_box
    assert str(out) in box.text()
    buttons = {b.text(): b for b in box.findChildren(QPushButton)}
    assert {"打开文件", "打开所在文件夹"} <= set(buttons)
    buttons["打开所在文件夹"].click()
    assert [u.toLocalFile() for u in opened.urls] == [str(tmp_path)]
    QApplication.processEvents()
    pane.export_view(out)
    qtbot.waitUntil(lambda: pane.export_done_box is not box, timeout=20_000)
    qtbot.waitUntil(lambda: pane.export_done_box.isVisible())
    pane.export_done_box.findChild(QPushButton, "openFile").click()
    assert opened.urls[-1].toLocalFile() == str(out)


def test_the_leader_is_not_offered_what_the_role_cannot_do(app, qtbot, db):
    pane = _open(qtbot, db, Actor(None, "boss", Role.LEADER))
    assert pane.new_button.isHidden()
    assert not pane.bulk_status_action.isVisible()
    assert not pane.bulk_responsible_action.isVisible()
    assert pane.export_selection_action.isVisible()
    assert pane.export_button.isVisible()


def test_an_empty_attachments_tab_says_how_to_add_one(app, qtbot, db):
    pane = _open(qtbot, db)
    dialog = pane.open_case(pane.model.case_id(0))
    panel = dialog.attachments
    assert panel.stack.is_empty_shown
    assert "添加附件…" in panel.stack.empty.label.text()
    dialog.done(0)
    leader = _open(qtbot, db, Actor(None, "boss", Role.LEADER))
    dialog = leader.open_case(leader.model.case_id(0))
    assert dialog.attachments.stack.empty.label.text() == "还没有附件。"
    assert dialog.attachments.add_button.isHidden()
    dialog.done(0)


def test_a_bulk_move_that_cannot_be_taken_back_names_the_cases_first(app, qtbot, db):
    pane = _open(qtbot, db)
    pane.table.selectAll()
    dialog = pane.bulk_status()
    dialog.set_target(CaseStatus.ACCEPTED)
    dialog.accept()
    box = pane.confirm_box
    assert "东关蛭石厂" in box.text()
    assert "新乐油毡厂" in box.text()
    assert "验收通过" in box.text()
    box.defaultButton().click()  # 取消
    assert getattr(pane, "last_bulk_run", None) is None
    dialog = pane.bulk_status()
    dialog.set_target(CaseStatus.ACCEPTED)
    dialog.accept()
    pane.confirm_box.findChild(QPushButton, "confirmYes").click()
    qtbot.waitUntil(lambda: getattr(pane, "last_bulk_run", None) is not None, timeout=10_000)
    # a move that can be taken back goes straight to the usual check
    pane.last_bulk_run = None
    dialog = pane.bulk_status()
    dialog.set_target(CaseStatus.IN_PROGRESS)
    dialog.accept()
    qtbot.waitUntil(lambda: getattr(pane, "last_bulk_run", None) is not None, timeout=10_000)
