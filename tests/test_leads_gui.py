"""The 线索 pane with real widgets: an empty state, the scan in the background, the comparison
with the evidence highlighted, the confirm and dismiss dialogs, a county clerk's view, the power
and permit imports."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox
from sqlalchemy import select

from controllers.actor import Actor
from controllers.demo.leads_story import permit_workbook, power_workbook, truth_of
from models import Case, Lead, Unit
from models.codes import CaseStatus, Role
from models.leads import LeadStatus
from ui.app import local_actor
from ui.context import AppContext
from ui.leads.comparison import MATCH_BG
from ui.leads.dialogs import ConfirmLeadDialog, DismissLeadDialog
from ui.leads.table_model import COL_KIND, COL_SCORE
from ui.panes.leads import LeadsPane

pytestmark = pytest.mark.gui


def make_pane(qtbot, db, actor=None) -> LeadsPane:
    pane = LeadsPane(AppContext(db, actor or local_actor()))
    qtbot.addWidget(pane)
    pane.resize(1100, 640)
    pane.show()
    pane.activate()
    return pane


def scan(qtbot, pane: LeadsPane) -> None:
    op = pane.scan()
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: pane.model.rowCount() > 0, timeout=10_000)


def select_case(pane: LeadsPane, case_id: int) -> None:
    for r in range(pane.proxy.rowCount()):
        row = pane.model.row_at(pane.proxy.mapToSource(pane.proxy.index(r, 0)).row())
        if row.case_id == case_id:
            pane.table.selectRow(r)
            return
    raise AssertionError(f"case {case_id} not listed")


def test_scan_compare_confirm_and_dismiss(app, qtbot, demo_db, qtmodeltester):
    pane = make_pane(qtbot, demo_db)
    assert pane.model.rowCount() == 0
    assert "暂无线索" in pane.detail.toPlainText()
    assert not pane.confirm_button.isEnabled()
    scan(qtbot, pane)
    qtmodeltester.check(pane.model)
    scores = [float(pane.proxy.index(r, COL_SCORE).data()) for r in range(pane.proxy.rowCount())]
    assert scores == sorted(scores, reverse=True)
    assert pane.count_label.text() == f"共 {pane.model.rowCount()} 条"
    with demo_db.session() as s:
        truth = truth_of(s)
    quasi = next((n, o) for n, o, k in truth.pairs if k == "similar")
    moved = next((n, o) for n, o, k in truth.pairs if k == "relocation")
    # the comparison: both sides, the evidence highlighted
    select_case(pane, quasi[0])
    html = pane.detail.toHtml()
    assert f"原企业 #{quasi[1]}" in pane.detail.toPlainText()
    assert MATCH_BG.lstrip("#") in html.lower()
    assert "类散乱污" in pane.proxy.index(pane.table.currentIndex().row(), COL_KIND).data()
    pane.grab().save("/tmp/i17_leads_pane.png")
    # confirm 类散乱污: the flag on the newer case
    pane.confirm_selected()
    dialog = pane.findChild(ConfirmLeadDialog)
    assert "类散乱污" in dialog.findChildren(type(pane.count_label))[0].text()
    dialog.note.setPlainText("现场核实：原址同行业生产")
    dialog.accept()
    qtbot.waitUntil(lambda: quasi[0] not in {pane.model.row_at(r).case_id
                                             for r in range(pane.model.rowCount())})  # fmt: skip
    with demo_db.session() as s:
        assert s.get(Case, quasi[0]).is_quasi is True
    # dismiss needs a reason
    select_case(pane, moved[0])
    pane.dismiss_selected()
    dismiss = pane.findChild(DismissLeadDialog)
    assert not dismiss.ok.isEnabled()
    dismiss.reason.setEditText("同名同姓，不是同一业主")
    assert dismiss.ok.isEnabled()
    dismiss.accept()
    with demo_db.session() as s:
        lead = s.scalars(select(Lead).where(Lead.case_id == moved[0])).one()
        assert lead.status == LeadStatus.DISMISSED
        assert s.get(Case, moved[1]).status == CaseStatus.CLOSED
    # the dismissed and confirmed ones are listed under their status
    pane.status_combo.setCurrentIndex(pane.status_combo.findData(LeadStatus.DISMISSED.value))
    assert [pane.model.row_at(r).case_id for r in range(pane.model.rowCount())] == [moved[0]]
    assert "同名同姓" in pane.detail.toPlainText()
    assert not pane.confirm_button.isEnabled()


def test_county_clerk_sees_only_its_units_leads_a_leader_only_reads(app, qtbot, demo_db):
    city = make_pane(qtbot, demo_db)
    scan(qtbot, city)
    with demo_db.session() as s:
        lingshou = s.scalars(select(Unit).where(Unit.name == "灵寿县")).one().id
    clerk = Actor(user_id=None, username="lingshou_t", role=Role.COUNTY_CLERK, unit_id=lingshou)
    pane = make_pane(qtbot, demo_db, clerk)
    rows = [pane.model.row_at(r) for r in range(pane.model.rowCount())]
    assert 0 < len(rows) < city.model.rowCount()
    assert all(lingshou in (r.unit_id, r.other_unit_id) for r in rows)
    leader = make_pane(qtbot, demo_db, Actor(user_id=None, username="leader_t", role=Role.LEADER))
    assert leader.model.rowCount() == city.model.rowCount()
    assert not leader.scan_button.isVisible()
    assert not leader.power_button.isVisible()
    assert not leader.permit_button.isVisible()
    assert not leader.confirm_button.isEnabled()


def test_power_import_in_the_background(app, qtbot, demo_db, tmp_path):
    with demo_db.session() as s:
        path = tmp_path / "用电.xlsx"
        path.write_bytes(power_workbook(s))
    pane = make_pane(qtbot, demo_db)
    op = pane.import_power_file(str(path))
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: pane.model.rowCount() == 4)
    assert pane.count_label.text() == "共 4 条"
    assert all(pane.model.row_at(r).power_record_id for r in range(4))


def test_permit_import_in_the_background_and_its_confirmation(app, qtbot, demo_db, tmp_path):
    with demo_db.session() as s:
        path = tmp_path / "排污许可名单.xlsx"
        path.write_bytes(permit_workbook(s))
        truth = truth_of(s)
    pane = make_pane(qtbot, demo_db)
    assert pane.permit_button.isVisible()
    assert pane.permit_button.text() == "导入排污许可…"
    op = pane.import_permit_file(str(path))
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: pane.model.rowCount() == 4)
    rows = [pane.model.row_at(r) for r in range(4)]
    assert all(r.permit_id and r.case_id is None for r in rows)
    assert {r.other_case_id for r in rows} == {old for _n, old in truth.permits}
    assert pane.model.index(0, COL_KIND).data() == "类散乱污（排污许可）"
    pane.table.selectRow(0)
    row = pane.selected()
    html = pane.detail.toHtml()
    assert "排污许可单位" in html
    assert row.this_side["name"] in html
    assert MATCH_BG.lstrip("#") in html.lower()
    pane.confirm_selected()
    dialog = pane.findChild(ConfirmLeadDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert "标记为“类散乱污”" in dialog.findChildren(QLabel)[0].text()
    dialog.accept()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 3)
    with demo_db.session() as s:
        assert s.get(Case, row.other_case_id).is_quasi
        assert s.get(Lead, row.id).status == LeadStatus.CONFIRMED


def test_the_administrator_sets_the_power_columns_and_threshold(app, qtbot, sqlite_db):
    from controllers.leads.power import power_settings
    from ui.panes.settings import SettingsPane

    admin = Actor(user_id=None, username="admin_t", role=Role.ADMIN)
    pane = SettingsPane(AppContext(sqlite_db, admin))
    qtbot.addWidget(pane)
    pane.show()
    pane.activate()
    box = pane.power_box
    assert box is not None
    assert box.threshold.value() == 100
    box.edits["holder"].setText("户名、客户称谓")
    box.threshold.setValue(250)
    box.save()
    assert box.status.text() == "已保存。"
    with sqlite_db.session() as s:
        columns, threshold = power_settings(s)
    assert columns["holder"] == ["户名", "客户称谓"]
    assert threshold == 250
    box.edits["address"].setText("")
    box.save()  # every field needs a header: refused, shown, nothing saved
    qtbot.waitUntil(lambda: pane.findChild(QMessageBox, "operationError") is not None)
    assert "用电地址" in pane.findChild(QMessageBox, "operationError").text()
    clerk = SettingsPane(AppContext(sqlite_db, local_actor()))
    qtbot.addWidget(clerk)
    assert clerk.power_box is None


def test_the_case_dialog_lists_linked_cases_and_opens_them(app, qtbot, sqlite_db):
    """A confirmed relocation links the newer case to the old one: both dialogs list the other
    case under 关联案件 with the kind, and activating the row opens it; a county clerk sees the
    other unit's case listed but cannot open it."""
    import datetime as dt

    from PySide6.QtWidgets import QApplication

    from controllers import unit_of_work
    from controllers.leads.decisions import confirm_lead
    from controllers.leads.scanning import scan_leads
    from controllers.leads.store import list_leads
    from tests.factories import make_case, unit
    from ui.register.case_dialog import CaseDialog
    from ui.register.links_panel import NO_ACCESS

    city = Actor(user_id=None, username="city_t", role=Role.CITY_CLERK, display_name="市级")
    with sqlite_db.session() as s:
        lingshou, xinle = unit(s, "灵寿县"), unit(s, "新乐市")
        old = make_case(s, unit=lingshou, name="东关蛭石加工厂", owner="欧阳明远",
                        phone="13911112222", village="东关村", address="灵寿镇东关村12号",
                        status=CaseStatus.CLOSED, discovered_on=dt.date(2025, 3, 1),
                        completed_on=dt.date(2025, 6, 1), accepted_on=dt.date(2025, 6, 20),
                        closed_on=dt.date(2025, 6, 30)).id  # fmt: skip
        moved = make_case(s, unit=xinle, name="南街蛭石加工点", owner="欧阳明远",
                          phone="13911112222", village="南街村", address="长寿街道南街村5号",
                          discovered_on=dt.date(2026, 3, 1), status=CaseStatus.IN_PROGRESS).id  # fmt: skip
        lingshou_id = lingshou.id
        s.commit()
    unit_of_work.run(sqlite_db, city, scan_leads)
    with sqlite_db.session() as s:
        lead = next(r for r in list_leads(s, city) if r.case_id == moved)
    today = dt.date(2026, 7, 1)
    unit_of_work.run(sqlite_db, city, confirm_lead, lead.id, today=today)

    dialog = CaseDialog(AppContext(sqlite_db, city), moved, today=today)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.tabs.tabText(dialog.links_tab) == "关联案件（1）"
    dialog.tabs.setCurrentIndex(dialog.links_tab)
    assert dialog.links.topLevelItemCount() == 1
    line = dialog.links.lines()[0]
    assert "异地转移 · 原企业（已关停）" in line
    assert f"#{old} 东关蛭石加工厂" in line
    assert "灵寿县" in line
    # activating the row opens the old case, whose own tab names the newer one
    item = dialog.links.topLevelItem(0)
    dialog.links.setCurrentItem(item)
    dialog.links.itemActivated.emit(item, 1)
    qtbot.waitUntil(lambda: dialog.linked_dialog is not None and dialog.linked_dialog.isVisible())
    other = dialog.linked_dialog
    assert other.case_id == old
    assert "东关蛭石加工厂" in other.windowTitle()
    assert other.links.lines()[0].startswith("异地转移 · 后发现的企业")
    assert f"#{moved} 南街蛭石加工点" in other.links.lines()[0]
    other.reject()
    qtbot.waitUntil(lambda: not other.isVisible())

    # 灵寿县's clerk: the old case is theirs, the newer one in 新乐市 is listed but not opened
    clerk = Actor(user_id=None, username="lingshou_t", role=Role.COUNTY_CLERK, unit_id=lingshou_id)
    own = CaseDialog(AppContext(sqlite_db, clerk), old, today=today)
    qtbot.addWidget(own)
    own.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is own)
    item = own.links.topLevelItem(0)
    assert item.toolTip(1) == NO_ACCESS
    own.links.itemActivated.emit(item, 1)
    assert own.linked_dialog is None
    # a case without links says so
    with sqlite_db.session() as s:
        plain = make_case(s, unit=unit(s, "灵寿县")).id
        s.commit()
    lone = CaseDialog(AppContext(sqlite_db, city), plain, today=today)
    qtbot.addWidget(lone)
    assert lone.tabs.tabText(lone.links_tab) == "关联案件"
    assert lone.links.lines() == ["暂无关联案件（线索确认后在此列出）"]
