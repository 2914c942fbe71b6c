"""What a day of real use tripped over in the register: click-to-tick filters, empty states,
the export's file name and done message, and a read-only look for the leader."""

import datetime as dt

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QPushButton

from controllers.actor import Actor
from models.codes import CaseStatus, Role
from tests.factories import make_case, unit
from ui.app import local_actor
from ui.context import AppContext
from ui.panes.register import RegisterPane
from ui.register.case_dialog import CaseDialog

pytestmark = pytest.mark.gui


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


def _completed_cases(db, count: int) -> list[str]:
    """``count`` cases ready for 验收通过 (completed, with an acceptance date), and one still
    in progress; returns the ready ones' names."""
    names = []
    with db.session() as s:
        for n in range(count):
            case = make_case(s, name=f"待验收企业{n + 1:02d}", status=CaseStatus.COMPLETED,
                             completed_on=dt.date(2026, 5, 1), accepted_on=dt.date(2026, 5, 20))  # fmt: skip
            names.append(case.name)
        make_case(s, name="仍在整治企业", status=CaseStatus.IN_PROGRESS)
        s.commit()
    return names


def _statuses(db) -> dict[str, str]:
    from sqlalchemy import select

    from models import Case

    with db.session() as s:
        return dict(s.execute(select(Case.name, Case.status)).all())


def _ask_bulk(qtbot, pane, target: CaseStatus):
    pane.table.selectAll()
    dialog = pane.bulk_status()
    dialog.set_target(target)
    dialog.accept()
    qtbot.waitUntil(lambda: pane.last_bulk_run.confirm_box is not None, timeout=10_000)
    return pane.last_bulk_run.confirm_box


def test_a_bulk_move_that_cannot_be_taken_back_names_each_case_it_moves(app, qtbot, sqlite_db):
    ready = _completed_cases(sqlite_db, 3)
    pane = _open(qtbot, sqlite_db)
    box = _ask_bulk(qtbot, pane, CaseStatus.ACCEPTED)
    assert box.isVisible()
    assert box.objectName() == "bulkConfirm"
    assert "确定对以下 3 家企业执行“验收通过”？" in box.text()
    lines = box.text().splitlines()[1:]
    assert sorted(lines) == sorted(f"· {name}" for name in ready)  # each case, one a line
    assert "等" not in box.text()
    # the case that cannot move is not among them: it is counted with its reason below
    assert "仍在整治企业" not in box.text()
    assert "另有 1 家不符合条件" in box.informativeText()
    assert "仍在整治企业" in box.informativeText()
    box.defaultButton().click()  # 取消: the safe answer is the default
    assert set(_statuses(sqlite_db).values()) == {CaseStatus.COMPLETED, CaseStatus.IN_PROGRESS}
    box = _ask_bulk(qtbot, pane, CaseStatus.ACCEPTED)
    box.findChild(QPushButton, "confirmYes").click()
    qtbot.waitUntil(lambda: _statuses(sqlite_db)[ready[0]] == CaseStatus.ACCEPTED, timeout=10_000)
    statuses = _statuses(sqlite_db)
    assert {statuses[name] for name in ready} == {CaseStatus.ACCEPTED}
    assert statuses["仍在整治企业"] == CaseStatus.IN_PROGRESS


def test_a_long_bulk_confirmation_lists_ten_names_then_counts_the_rest(app, qtbot, sqlite_db):
    ready = _completed_cases(sqlite_db, 14)
    pane = _open(qtbot, sqlite_db)
    box = _ask_bulk(qtbot, pane, CaseStatus.ACCEPTED)
    lines = box.text().splitlines()
    assert lines[0] == "确定对以下 14 家企业执行“验收通过”？"
    assert len([line for line in lines if line.startswith("· ")]) == 10
    assert lines[-1] == "……等 14 家"
    assert sorted(box.detailedText().splitlines()) == sorted(ready)  # every one, on demand
    box.defaultButton().click()
    # a move that can be taken back goes straight to the usual check, without a confirmation
    pane.last_bulk_run = None
    pane.table.selectAll()
    dialog = pane.bulk_status()
    dialog.set_target(CaseStatus.IN_PROGRESS)
    dialog.accept()
    qtbot.waitUntil(lambda: pane.last_bulk_run is not None and pane.last_bulk_run.plan is not None,
                    timeout=10_000)  # fmt: skip
    assert pane.last_bulk_run.irreversible is None
