"""The register pane with real widgets: loading, filters, search, sort, keyboard, layout memory,
saved views, bulk work and export."""

import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from controllers.actor import Actor
from controllers.cases.case_edit import save_case
from controllers.cases.filters import CaseFilter
from models import Case
from models.codes import CaseStatus, Role
from tests.factories import make_case, unit
from ui.app import local_actor
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.panes.register import RegisterPane
from ui.register.case_dialog import CaseDialog
from ui.register.table_model import COLUMN_INDEX

pytestmark = pytest.mark.gui


@pytest.fixture
def db(sqlite_db):
    with sqlite_db.session() as s:
        xinle = unit(s, "新乐市")
        make_case(s, name="东关蛭石厂", deadline=dt.date(2020, 6, 1), status=CaseStatus.IN_PROGRESS)
        make_case(s, name="西关蛭石厂", deadline=dt.date(2099, 8, 1))
        make_case(s, name="南关砖厂", deadline=dt.date(2030, 1, 1), phone="13912345678")
        make_case(s, unit=xinle, name="新乐油毡厂", is_relapsed=True, relapse_count=1,
                  status=CaseStatus.IN_PROGRESS, deadline=dt.date(2099, 9, 1))  # fmt: skip
        make_case(s, unit=xinle, name="新乐ＡＢＣ加工点", status=CaseStatus.COMPLETED,
                  completed_on=dt.date(2020, 5, 1), deadline=dt.date(2020, 5, 2))  # fmt: skip
        s.commit()
    return sqlite_db


def _open(qtbot, db, actor=None) -> RegisterPane:
    pane = RegisterPane(AppContext(db, actor or local_actor()))
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show()
    pane.activate()
    qtbot.waitUntil(lambda: not pane.is_loading and pane.model.is_complete, timeout=20_000)
    return pane


def _names(pane):
    col = COLUMN_INDEX["name"]
    return [pane.model.data(pane.model.index(r, col)) for r in range(pane.model.rowCount())]


def test_pane_loads_and_shows_count_and_filter(app, qtbot, db):
    pane = _open(qtbot, db)
    assert pane.model.rowCount() == 5
    assert pane.count_label.text() == "显示 5 家 / 共 5 家"
    assert pane.description_label.text() == "筛选：全部企业（未筛选）"
    assert _names(pane)[0] == "东关蛭石厂"


def test_ctrl_f_and_instant_search_ignoring_width_and_spaces(app, qtbot, db):
    pane = _open(qtbot, db)
    pane.table.setFocus()
    qtbot.keyClick(pane.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is pane.filter_bar.search
    for text in ("蛭", " ", "石"):  # as an input method commits them (QTest types ASCII only)
        pane.filter_bar.search.insert(text)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    assert sorted(_names(pane)) == ["东关蛭石厂", "西关蛭石厂"]
    assert pane.count_label.text() == "显示 2 家 / 共 5 家"
    assert pane.description_label.text() == "筛选：搜索“蛭 石”"
    pane.filter_bar.search.clear()
    qtbot.keyClicks(pane.filter_bar.search, "abc")  # half-width finds the full-width name
    qtbot.waitUntil(lambda: _names(pane) == ["新乐ＡＢＣ加工点"])
    pane.filter_bar.search.setText("139 1234")  # phone, spaces ignored
    qtbot.waitUntil(lambda: _names(pane) == ["南关砖厂"])


def test_combined_filters_and_clear(app, qtbot, db):
    pane = _open(qtbot, db)
    with db.session() as s:
        lingshou = unit(s, "灵寿县").id
    bar = pane.filter_bar
    bar.units.set_key_checked(lingshou)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 3)
    bar.overdue.setChecked(True)
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    assert _names(pane) == ["东关蛭石厂"]
    assert pane.description_label.text() == "筛选：灵寿县；逾期未完成"
    bar.units.clear()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)  # the 已完成 late case is not overdue
    bar.statuses.set_key_checked("in_progress")
    bar.relapsed.setChecked(False)
    bar.overdue.setChecked(False)
    bar.relapsed.setChecked(True)
    qtbot.waitUntil(lambda: _names(pane) == ["新乐油毡厂"])
    bar.clear_button.click()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 5)
    assert pane.description_label.text() == "筛选：全部企业（未筛选）"


def test_overview_tile_opens_the_register_filtered(app, qtbot, demo_db):
    window = MainWindow(AppContext(demo_db, local_actor()))
    qtbot.addWidget(window)
    window.show()
    with demo_db.session() as s:
        lingshou = unit(s, "灵寿县").id
        expected = len(s.scalars(select(Case.id).where(Case.unit_id == lingshou,
                                                       Case.status == "closed")).all())  # fmt: skip
        total = len(s.scalars(select(Case.id)).all())
    window.ctx.events.open_register.emit(
        CaseFilter(unit_ids=frozenset({lingshou}), statuses=frozenset({"closed"}))
    )
    pane = window.pane("register")
    assert window.current_key() == "register"
    qtbot.waitUntil(lambda: pane.model.is_complete, timeout=30_000)
    qtbot.waitUntil(lambda: pane.model.rowCount() == expected)
    assert pane.count_label.text() == f"显示 {expected:,} 家 / 共 {total:,} 家"
    assert pane.description_label.text() == "筛选：灵寿县；状态：已销号"
    assert pane.filter_bar.units.selected() == {lingshou}


def test_sort_by_date_and_enter_opens_and_ctrl_c_copies(app, qtbot, db):
    pane = _open(qtbot, db)
    pane.table.sortByColumn(COLUMN_INDEX["deadline"], Qt.SortOrder.AscendingOrder)
    col = COLUMN_INDEX["deadline"]
    dates = [pane.model.data(pane.model.index(r, col)) for r in range(5)]
    assert dates == sorted(dates)
    pane.table.setFocus()
    pane.table.selectRow(0)
    qtbot.keyClick(pane.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(pane.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    lines = text.split("\r\n")
    assert len(lines) == 3
    assert lines[2] == ""
    cells = lines[0].split("\t")
    assert len(cells) == len(pane.table.visible_columns())
    assert "2020-05-02" in cells
    assert "新乐ＡＢＣ加工点" in cells
    html = QGuiApplication.clipboard().mimeData().html()  # Excel/WPS paste this flavour
    assert html.count("<tr>") == 2
    assert "<td style=\"mso-number-format:'\\@'\">新乐ＡＢＣ加工点</td>" in html  # text stays text
    assert "<td>2020-05-02</td>" in html  # a date pastes as a date
    opened = []
    pane.table.open_requested.connect(opened.append)
    pane.table.selectRow(1)
    qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    assert opened == [pane.model.case_id(1)]
    dialogs = pane.findChildren(CaseDialog)
    assert dialogs
    assert dialogs[-1].record.id == opened[0]
    dialogs[-1].close()


def test_columns_chosen_and_layout_remembered(app, qtbot, db):
    pane = _open(qtbot, db)
    header = pane.table.horizontalHeader()
    menu = pane.table.column_menu()
    phone = next(a for a in menu.actions() if a.data() == "phone")
    phone.setChecked(False)
    assert header.isSectionHidden(COLUMN_INDEX["phone"])
    header.moveSection(header.visualIndex(COLUMN_INDEX["address"]), 0)
    header.resizeSection(COLUMN_INDEX["name"], 333)
    pane.table.sortByColumn(COLUMN_INDEX["deadline"], Qt.SortOrder.DescendingOrder)
    pane.table.save_layout()
    again = _open(qtbot, db)
    h2 = again.table.horizontalHeader()
    assert h2.isSectionHidden(COLUMN_INDEX["phone"])
    assert h2.logicalIndex(0) == COLUMN_INDEX["address"]
    assert h2.sectionSize(COLUMN_INDEX["name"]) == 333
    assert again.model.sort_key == "deadline"
    assert again.model.sort_descending
    assert again.table.visible_columns()[0] == "address"


def test_saved_views_restore_filter_sort_and_columns(app, qtbot, db):
    pane = _open(qtbot, db)
    with db.session() as s:
        lingshou = unit(s, "灵寿县").id
    pane.apply_filter(CaseFilter(unit_ids=frozenset({lingshou}), overdue=True))
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    pane.table.sortByColumn(COLUMN_INDEX["deadline"], Qt.SortOrder.AscendingOrder)
    pane.save_current_view("灵寿县 逾期未完成")
    assert pane.filter_bar.views.currentText() == "灵寿县 逾期未完成"
    pane.filter_bar.clear()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 5)
    pane.apply_view("灵寿县 逾期未完成")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 1)
    assert pane.model.case_filter.overdue
    assert pane.model.sort_key == "deadline"
    other = _open(qtbot, db)  # a second window of the same clerk sees the view
    assert other.filter_bar.views.findText("灵寿县 逾期未完成") > 0
    other.filter_bar.views.setCurrentIndex(1)
    pane.delete_current_view()
    assert pane.filter_bar.views.findText("灵寿县 逾期未完成") == -1


def test_bulk_status_change_asks_about_refused_cases(app, qtbot, db):
    pane = _open(qtbot, db)
    pane.table.selectAll()
    dialog = pane.bulk_status()
    dialog.set_target(CaseStatus.IN_PROGRESS)
    dialog.accept()
    qtbot.waitUntil(lambda: getattr(pane, "last_bulk_run", None) is not None
                    and pane.last_bulk_run.confirm_box is not None, timeout=10_000)  # fmt: skip
    run = pane.last_bulk_run
    assert len(run.plan.allowed) == 2
    assert len(run.plan.refused) == 3
    assert "可改为“整治中”的有 2 家" in run.confirm_box.text()
    with qtbot.waitSignal(run.finished, timeout=10_000):
        run.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    with db.session() as s:
        statuses = s.scalars(select(Case.status)).all()
    assert statuses.count(CaseStatus.IN_PROGRESS) == 4
    col = COLUMN_INDEX["status"]
    shown = [pane.model.data(pane.model.index(r, col)) for r in range(5)]
    assert shown.count("整治中") == 4  # the table shows the new statuses at once


def test_bulk_responsible_person(app, qtbot, db):
    pane = _open(qtbot, db)
    pane.table.selectRow(0)
    dialog = pane.bulk_responsible()
    dialog.person.setText("孙七")
    with qtbot.waitSignal(dialog.done_with, timeout=10_000):
        dialog._apply()
    qtbot.waitUntil(
        lambda: pane.model.data(pane.model.index(0, COLUMN_INDEX["resp_specific"])) == "孙七"
    )


def test_export_current_view_and_selection(app, qtbot, db, tmp_path):
    pane = _open(qtbot, db)
    pane.filter_bar.search.setText("蛭石")
    qtbot.waitUntil(lambda: pane.model.rowCount() == 2)
    pane.table.sortByColumn(COLUMN_INDEX["name"], Qt.SortOrder.DescendingOrder)
    out = tmp_path / "视图.xlsx"
    pane.export_view(out)
    qtbot.waitUntil(lambda: pane.last_export is not None, timeout=20_000)
    ws = openpyxl.load_workbook(out)["动态整治清单"]
    assert [r[4].value for r in ws.iter_rows(min_row=4)] == _names(pane)  # the order shown
    assert "搜索“蛭石”" in ws["A2"].value
    for box in pane.findChildren(QMessageBox):
        box.close()
    pane.last_export = None
    pane.table.selectRow(1)
    pane.export_selection(tmp_path / "所选.xlsx")
    qtbot.waitUntil(lambda: pane.last_export is not None, timeout=20_000)
    ws = openpyxl.load_workbook(tmp_path / "所选.xlsx")["动态整治清单"]
    assert [r[4].value for r in ws.iter_rows(min_row=4)] == [_names(pane)[1]]


def test_county_clerk_sees_only_their_unit(app, qtbot, db):
    with db.session() as s:
        xinle = unit(s, "新乐市").id
    pane = _open(qtbot, db, Actor(None, "xl", Role.COUNTY_CLERK, unit_id=xinle))
    assert sorted(_names(pane)) == sorted(["新乐ＡＢＣ加工点", "新乐油毡厂"])
    assert pane.count_label.text() == "显示 2 家 / 共 2 家"
    assert not pane.filter_bar.units.isVisible()
    leader = _open(qtbot, db, Actor(None, "boss", Role.LEADER))
    assert not leader.new_button.isEnabled()
    assert leader.export_button.isEnabled()


def test_an_edit_in_this_window_refreshes_just_that_row(app, qtbot, db):
    """The unit of work's audit entries name the case: the register reloads that row only."""
    pane = _open(qtbot, db)
    pane.ctx.events.changed.connect(pane.on_data_changed)
    case_id = pane.model.case_id(_names(pane).index("南关砖厂"))
    with db.session() as s:
        version = s.get(Case, case_id).version
    loads = []
    pane.ctx.events.changed.connect(lambda _t: loads.append(pane.is_loading))
    pane.ctx.run(save_case, case_id, version, {"name": "南关砖厂（已改名）"})
    assert loads == [False]  # announced once, and no reload of the whole register started
    assert "南关砖厂（已改名）" in _names(pane)
    assert pane.model.rowCount() == 5
