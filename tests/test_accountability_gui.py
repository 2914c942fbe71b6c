"""The 问责 pane with real widgets: start a record from a unit's tally, decide it, amend it,
and the refusals a decided record meets."""

import datetime as dt

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QMessageBox, QPushButton
from sqlalchemy import select

from controllers.actor import Actor
from models import AccountabilityAmendment, AccountabilityRecord
from models.codes import AccountabilityStatus, Role, Source
from tests.factories import make_case
from ui.app import create_application
from ui.context import AppContext
from ui.dates import to_qdate
from ui.main_window import MainWindow
from ui.panes.accountability import FormDialog

pytestmark = pytest.mark.gui
CITY = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")


@pytest.fixture
def pane(qapp, qtbot, sqlite_db):
    create_application()
    QSettings().clear()
    with sqlite_db.session() as s:
        for _ in range(2):  # two referred problems left unfixed: the first threshold
            make_case(s, source=Source.REFERRAL, discovered_on=dt.date(2026, 5, 9))
        s.commit()
    w = MainWindow(AppContext(sqlite_db, CITY))
    qtbot.addWidget(w)
    w.show()
    p = w.show_pane("accountability")
    p.from_edit.setDate(to_qdate(dt.date(2026, 5, 1)))
    p.to_edit.setDate(to_qdate(dt.date(2026, 5, 31)))
    return p


def _fill(monkeypatch, answers):
    """Fill each FormDialog's line edits in order with the next list of texts."""

    def fake_exec(dialog: FormDialog):
        texts = answers.pop(0)
        for edit, text in zip(dialog.findChildren(QLineEdit), texts, strict=False):
            if text is not None:
                edit.setText(text)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(FormDialog, "exec", fake_exec)


def test_tally_start_decide_amend(pane, sqlite_db, monkeypatch):
    row = next(i for i, t in enumerate(pane.tallies) if t.unit == "灵寿县")
    assert pane.tally_table.item(row, 1).text() == "2"
    assert pane.tally_table.item(row, 4).text() == "分管副县（市、区）长"
    assert "没有问责记录" in pane.detail.toPlainText()
    pane.tally_table.selectRow(row)
    _fill(monkeypatch, [["张某（副县长），李某"]])
    pane.start_record()
    assert pane.records_table.rowCount() == 1
    assert pane.records_table.item(0, 3).text() == "拟问责"
    assert "张某（副县长）" in pane.detail.toPlainText()
    assert "交办问题未整改" in pane.detail.toPlainText()

    _fill(monkeypatch, [["张某（副县长），李某（镇长）", "第八条", None]])
    pane.edit_selected()
    assert "李某（镇长）" in pane.detail.toPlainText()
    _fill(monkeypatch, [["灵寿县〔2026〕3号"]])
    pane.decide_selected()
    assert pane.records_table.item(0, 3).text() == "拟问责"  # not before the clerk confirms
    assert "不能再修改或删除" in pane.confirm_box.informativeText()
    pane.confirm_box.findChild(QPushButton, "confirmYes").click()
    assert pane.records_table.item(0, 3).text() == "已决定"
    assert pane.records_table.item(0, 4).text() == "灵寿县〔2026〕3号"

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    pane.delete_selected()
    assert "不能删除" in warnings[-1]

    _fill(monkeypatch, [["文号录入错误", "灵寿县〔2026〕4号"]])
    pane.amend_selected()
    assert pane.records_table.item(0, 4).text() == "灵寿县〔2026〕4号"
    assert pane.records_table.item(0, 7).text() == "1 次"
    text = pane.detail.toPlainText()
    assert "文号：灵寿县〔2026〕3号 → 灵寿县〔2026〕4号" in text
    assert "文号录入错误" in text
    with sqlite_db.session() as s:
        rec = s.scalars(select(AccountabilityRecord)).one()
        assert rec.status == AccountabilityStatus.DECIDED
        assert rec.doc_no == "灵寿县〔2026〕3号"
        assert len(s.scalars(select(AccountabilityAmendment)).all()) == 1
    pane.apply_named_filter("pending")
    assert pane.records_table.rowCount() == 1


def test_a_city_clerk_edits_the_rules_as_a_new_version(pane, sqlite_db, qtbot):
    from controllers.accountability.rules import current_rules
    from ui.accountability.rules_dialog import RulesDialog

    dialog = RulesDialog(pane.ctx, pane)
    qtbot.addWidget(dialog)
    assert dialog.ladder.rowCount() == 6
    dialog.ladder.cellWidget(0, 1).setValue(1)  # 交办问题未整改 1 → 分管副县长
    dialog.ladder.selectRow(5)
    dialog.ladder.setCurrentCell(5, 3)
    dialog.remove_button.click()
    dialog.note.setText("试行")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.saved_version == 2
    with sqlite_db.session() as s:
        rules = current_rules(s)
    assert rules.version_no == 2
    assert len(rules.ladder) == 5
    assert rules.ladder[0].threshold == 1
    qtbot.waitUntil(lambda: pane.tally_table.rowCount() == 25)


def test_the_rules_editor_edits_measures_and_counters_per_level(pane, sqlite_db, qtbot):
    """The measures each level calls for and the kinds each counter sums are edited in the
    dialog, saved as a new version and read back through the controller; the first measure
    of the level is what starting a record proposes."""
    from controllers import unit_of_work
    from controllers.accountability.rules import current_rules, save_rules
    from ui.accountability.rules_dialog import RulesDialog

    dialog = RulesDialog(pane.ctx, pane)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(2)
    assert "分管副县（市、区）长：约谈" in dialog.default_label.text()
    interview = dialog.measure_boxes[("deputy_head", "interview")]
    admonish = dialog.measure_boxes[("deputy_head", "admonish")]
    assert interview.isChecked()
    assert not admonish.isChecked()
    interview.setFocus()
    qtbot.keyClick(interview, Qt.Key.Key_Space)  # untick 约谈 by keyboard
    admonish.click()  # tick 诫勉谈话
    assert "分管副县（市、区）长：通报批评" in dialog.default_label.text()
    dialog.measure_boxes[("secretary", "circular")].click()
    dialog.tabs.setCurrentIndex(1)
    dialog.counter_boxes[("new_found", "dereliction")].click()  # 履职不到位 no longer counts
    dialog.note.setText("分管副县长不再约谈")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.saved_version == 2
    with sqlite_db.session() as s:
        rules = current_rules(s)
    assert rules.version_no == 2
    assert rules.measures == {
        "deputy_head": ["circular", "admonish"],
        "head": ["circular", "admonish"],
        "secretary": ["organisational", "discipline", "circular"],
    }
    assert "dereliction" not in rules.counters["new_found"]
    assert rules.counters["new_found"] == ["relapse", "not_in_place", "off_list", "concealment"]
    assert len(rules.ladder) == 6  # the ladder as it was

    # the next start proposes the level's first measure under the new rules
    row = next(i for i, t in enumerate(pane.tallies) if t.unit == "灵寿县")
    pane.tally_table.selectRow(row)
    QTimer.singleShot(0, lambda: pane.form_dialog.reject())
    pane.start_record()
    combo = pane.form_dialog.findChild(QComboBox)
    assert combo.currentData() == "circular"

    # an older version is loaded to start from; a version saved meanwhile is not overwritten
    again = RulesDialog(pane.ctx, pane)
    qtbot.addWidget(again)
    assert again.versions.count() == 2
    again.versions.setCurrentIndex(1)
    again.versions.activated.emit(1)
    assert again.measure_boxes[("deputy_head", "interview")].isChecked()
    assert again.counter_boxes[("new_found", "dereliction")].isChecked()
    rules.weights["relapse"] = 3
    unit_of_work.run(sqlite_db, CITY, save_rules, rules, "另一位业务员")
    warnings = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
        again.save()
    assert "第 3 版" in warnings[-1]
    with sqlite_db.session() as s:
        assert current_rules(s).version_no == 3
