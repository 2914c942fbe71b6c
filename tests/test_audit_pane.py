"""The 审计日志 pane with real widgets: filters, export read back, the chain check."""

import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import QDate, QSettings
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from controllers.audit.trail import record
from controllers.auth import sign_in
from controllers.demo.accounts import DEMO_PASSWORD
from controllers.unit_of_work import call, run
from models import AuditEntry
from ui import file_dialogs
from ui.app import create_application
from ui.context import AppContext
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qapp, qtbot, demo_db):
    create_application()
    QSettings().clear()
    with demo_db.session() as s:
        city = sign_in(s, "city", DEMO_PASSWORD).actor
        auditor = sign_in(s, "auditor", DEMO_PASSWORD).actor
        for n in range(3):
            record(s, city, "update", "case", 100 + n, detail={"owner": ["甲", f"乙{n}"]})
        record(s, city, "export", "case", None, detail={"rows": 20427})
        s.commit()
    w = MainWindow(AppContext(demo_db, auditor))
    qtbot.addWidget(w)
    w.show()
    return w


def _rows(pane):
    return [pane.model.row_values(r) for r in range(pane.model.rowCount())]


def test_filters_narrow_the_trail(window):
    pane = window.show_pane("audit")
    everything = len(_rows(pane))
    assert everything >= 4 + 5 + 1  # the entries above, the demo accounts, the demo
    assert pane.count_label.text() == f"共 {everything:,} 条"
    assert _rows(pane)[0][0] > _rows(pane)[-1][0]  # newest first
    pane.user_box.setCurrentIndex(pane.user_box.findData("city"))
    pane.refresh()
    assert {r[2] for r in _rows(pane)} == {"city"}
    pane.action_box.setCurrentIndex(pane.action_box.findData("update"))
    pane.refresh()
    rows = _rows(pane)
    assert [r[3] for r in rows] == ["修改"] * 3
    assert rows[0][7] == "业主/法人：甲 → 乙2"
    pane.text_edit.setText("乙1")
    pane.refresh()
    assert [r[5] for r in _rows(pane)] == ["101"]
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    pane.since_edit.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
    pane.refresh()
    assert _rows(pane) == []
    pane.clear_filters()
    assert len(_rows(pane)) == everything


def test_export_writes_the_filtered_entries_and_is_audited(window, qtbot, tmp_path, monkeypatch):
    pane = window.show_pane("audit")
    pane.user_box.setCurrentIndex(pane.user_box.findData("city"))
    pane.refresh()
    target = tmp_path / "审计.xlsx"
    monkeypatch.setattr(file_dialogs, "get_save_file_name", lambda *a, **k: (str(target), ""))
    pane.export()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "auditDone") is not None, timeout=15_000)
    ws = openpyxl.load_workbook(target).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0] == ("编号", "时间", "用户", "操作", "对象", "对象编号", "结果", "详情")
    body = values[1:]
    assert {row[2] for row in body} == {"city"}
    assert len(body) == 5  # the login, three changes and the export
    assert isinstance(body[0][1], dt.datetime)
    with window.ctx.database.session() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert (last.action, last.username) == ("audit_export", "auditor")
        assert '"rows": 5' in last.detail


def test_the_chain_check_reports_in_chinese(window, qtbot):
    pane = window.show_pane("audit")
    pane.verify_button.click()
    qtbot.waitUntil(
        lambda: window.findChild(QMessageBox, "verifyResult") is not None, timeout=15_000
    )
    box = window.findChild(QMessageBox, "verifyResult")
    assert "审计日志完整" in box.text()
    assert box.icon() == QMessageBox.Icon.Information


def _accept_entry(session, actor) -> None:
    record(session, actor, "accept", "county_return", 7, detail={"unit": "灵寿县"})


def test_the_pane_and_the_export_show_the_catalog_labels(window, qtbot, tmp_path, monkeypatch):
    city = call(window.ctx.database, sign_in, "city", DEMO_PASSWORD).value.actor
    run(window.ctx.database, city, _accept_entry)
    pane = window.show_pane("audit")
    pane.refresh()
    index = pane.action_box.findData("accept")
    assert pane.action_box.itemText(index) == "审核通过（accept）"
    assert pane.object_box.itemText(pane.object_box.findData("county_return")) == (
        "县区上报（county_return）"
    )
    pane.action_box.setCurrentIndex(index)
    pane.refresh()
    (row,) = _rows(pane)
    assert (row[3], row[4], row[5]) == ("审核通过", "县区上报", "7")
    target = tmp_path / "审计.xlsx"
    monkeypatch.setattr(file_dialogs, "get_save_file_name", lambda *a, **k: (str(target), ""))
    pane.export()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "auditDone") is not None, timeout=15_000)
    body = list(openpyxl.load_workbook(target).active.iter_rows(values_only=True))[1:]
    assert [(r[3], r[4]) for r in body] == [("审核通过", "县区上报")]
