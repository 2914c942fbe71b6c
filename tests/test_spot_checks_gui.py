"""The 督导抽查 pane with real widgets: a day's check typed by keyboard only, "copy the
previous day's group", the running totals, and an edit over another clerk's change."""

import datetime as dt

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from sqlalchemy import func, select

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.spot_checks.daily import load_check
from controllers.spot_checks.entry import CheckInput, MemberInput, SiteInput, save_check
from models import Attachment, Case, CaseLookback, SpotCheck
from models.codes import CaseStatus, Role, Source
from tests.factories import make_case, unit
from ui.app import create_application
from ui.context import AppContext
from ui.dates import to_qdate
from ui.dialogs.conflict_dialog import ConflictDialog
from ui.main_window import MainWindow
from ui.spot_checks.check_dialog import CheckDialog

pytestmark = [
    pytest.mark.gui,
    # offscreen: the completer's popup and activating a window
    pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing).*"),
]


def type_text(widget, text: str) -> None:
    """Chinese typed through an input method arrives as a committed string."""
    widget.setFocus()
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


CITY = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")
DAY = dt.date(2026, 5, 8)


@pytest.fixture
def window(qapp, qtbot, sqlite_db):
    create_application()
    QSettings().clear()
    with sqlite_db.session() as s:
        make_case(s, name="灵寿县北关蛭石厂", status=CaseStatus.CLOSED,
                  completed_on=dt.date(2026, 5, 1), township_checked_on=dt.date(2026, 5, 1),
                  accepted_on=dt.date(2026, 5, 2), approved_by="刘局长",
                  closed_on=dt.date(2026, 5, 3), discovered_on=dt.date(2026, 4, 1))  # fmt: skip
        s.commit()
    w = MainWindow(AppContext(sqlite_db, CITY))
    qtbot.addWidget(w)
    w.show()
    pane = w.show_pane("spot_checks")
    pane.from_edit.setDate(to_qdate(dt.date(2026, 5, 7)))
    pane.to_edit.setDate(to_qdate(dt.date(2026, 5, 25)))
    pane.day_edit.setDate(to_qdate(DAY))
    return w


def test_daily_entry_by_keyboard(window, qtbot, sqlite_db, tmp_path):
    pane = window.panes["spot_checks"]
    assert pane.table.rowCount() == 0
    assert "Ctrl+N" in pane.empty_label.text()
    assert "执法组 0 个" in pane.totals_label.text()
    qtbot.keyClick(pane, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog: CheckDialog = pane.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.group_edit.text() == "第1执法检查组"
    dialog.unit_combo.setCurrentIndex(dialog.unit_combo.findText("灵寿县"))
    type_text(dialog.leader_edit, "王强")
    type_text(dialog.members_edit, "李明，赵刚（执法大队）")
    # a case of the register, found by part of its name, relapsed
    dialog.site_edit.setFocus()
    type_text(dialog.site_edit, "北关")
    qtbot.waitUntil(lambda: dialog.completer_model.rowCount() == 1)
    dialog.completer.activated.emit(dialog.completer_model.stringList()[0])  # ↓ Enter
    assert "灵寿县北关蛭石厂" in dialog.picked_label.text()
    dialog.result_combo.setCurrentIndex(dialog.result_combo.findText("死灰复燃"))
    type_text(dialog.note_edit, "原址恢复生产")
    qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    assert dialog.focusWidget() is dialog.site_edit
    assert dialog.site_edit.text() == ""
    # a new unlisted site, typed with its address
    type_text(dialog.site_edit, "无名加工点")
    type_text(dialog.address_edit, "灵寿镇南关村8号")
    dialog.result_combo.setCurrentIndex(dialog.result_combo.findText("新增散乱污企业"))
    qtbot.keyClick(dialog.address_edit, Qt.Key.Key_Return)
    # a normal one, with a photo
    photo = tmp_path / "现场.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"3" * 64)
    dialog.add_photos([str(photo)])
    type_text(dialog.site_edit, "加油站")
    qtbot.keyClick(dialog.site_edit, Qt.Key.Key_Return)
    assert dialog.table.rowCount() == 3
    assert "3 个点位，发现问题 2 处" in dialog.count_label.text()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog.site_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == QDialog.DialogCode.Accepted
    qtbot.waitUntil(lambda: pane.table.rowCount() == 1)
    assert pane.table.item(0, 3).text() == "3"  # 王强, 李明, 赵刚

    assert "死灰复燃1" in pane.table.item(0, 5).text()
    assert "执法组 1 个 · 执法人员 3 人次 · 检查企业（点位）3 个 · 新增“散乱污”企业 1 家" in (
        pane.totals_label.text())  # fmt: skip
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(CaseLookback)) == 1
        photos = s.scalars(select(Attachment).where(Attachment.spot_check_id.is_not(None))).all()
        assert [(p.filename, p.note) for p in photos] == [("现场.png", "加油站")]
        new = s.scalars(select(Case).where(Case.source == Source.SPOT_CHECK)).one()
        assert new.address == "灵寿镇南关村8号"
        assert new.status == CaseStatus.PENDING

    # the next day: copy the previous group, add one site, save
    pane.step_day(1)
    assert pane.table.rowCount() == 0
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(
        pane, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    copy: CheckDialog = pane.dialog
    qtbot.waitUntil(copy.isVisible)
    assert copy.leader_edit.text() == "王强"
    assert "赵刚（执法大队）" in copy.members_edit.text()
    assert copy.date_edit.date() == to_qdate(DAY + dt.timedelta(days=1))
    copy.site_edit.setFocus()
    type_text(copy.site_edit, "某砖厂")
    qtbot.keyClick(copy.site_edit, Qt.Key.Key_Return)
    copy.save()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 1)
    assert "执法组 2 个 · 执法人员 6 人次 · 检查企业（点位）4 个" in pane.totals_label.text()
    # deleting asks first
    pane.delete_selected()
    assert pane.table.rowCount() == 1
    pane.confirm_box.findChild(QPushButton, "confirmYes").click()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 0)
    assert "执法组 1 个" in pane.totals_label.text()


def test_edit_over_another_clerks_change(window, qtbot, sqlite_db, monkeypatch):
    pane = window.panes["spot_checks"]
    with sqlite_db.session() as s:
        uid = unit(s).id
    data = CheckInput(DAY, "第1执法检查组", uid, (MemberInput("王强"),), leader="王强",
                      sites=(SiteInput("加油站", "东街"),))  # fmt: skip
    unit_of_work.run(sqlite_db, CITY, save_check, data)
    pane.load()
    dialog = pane.edit_check()
    qtbot.waitUntil(dialog.isVisible)
    # another clerk renames the leader meanwhile
    with sqlite_db.session() as s:
        cid = s.scalar(select(SpotCheck.id))
        theirs, version = load_check(s, CITY, cid)
    other = CheckInput(DAY, "第1执法检查组", uid, (MemberInput("王强强"),), leader="王强强",
                       sites=theirs.sites)  # fmt: skip
    unit_of_work.run(sqlite_db, CITY, save_check, other, check_id=cid, expected_version=version)
    seen = []

    def choose(d: ConflictDialog):
        seen.append([c.field for c in d.conflict.conflicts])
        return QDialog.DialogCode.Accepted  # keeps the other clerk's leader

    monkeypatch.setattr(ConflictDialog, "exec", choose)
    dialog.site_edit.setText("砖厂")
    dialog.add_site()
    dialog.save()
    assert seen == [["leader"]]
    assert not dialog.isVisible()
    with sqlite_db.session() as s:
        check = s.get(SpotCheck, cid)
        assert check.leader == "王强强"
        assert len(check.sites) == 2


def test_totals_follow_the_current_campaign_and_copy_brings_the_days_groups(qapp, qtbot, sqlite_db):
    """The pane opens on the newest campaign (as the overview and the stage report count),
    from the day it started; 全部 counts every check. Copying the previous day twice brings
    its two groups, then says there is nothing left."""
    from models import Campaign

    today = dt.date.today()
    start = today - dt.timedelta(days=30)
    with sqlite_db.session() as s:
        old = Campaign(name="上年专项行动", year=today.year - 1,
                       started_on=today - dt.timedelta(days=400))  # fmt: skip
        new = Campaign(name="本年专项行动", year=today.year, started_on=start)
        s.add_all([old, new])
        s.commit()
        uid = unit(s).id
    yesterday = today - dt.timedelta(days=1)
    for day, group, people in ((today - dt.timedelta(days=200), "第1执法检查组", ("甲", "乙")),
                               (yesterday, "第1执法检查组", ("王强", "李明")),
                               (yesterday, "第2执法检查组", ("赵刚",))):  # fmt: skip
        data = CheckInput(day, group, uid, tuple(MemberInput(p) for p in people),
                          leader=people[0], sites=(SiteInput("加油站", "东街"),))  # fmt: skip
        unit_of_work.run(sqlite_db, CITY, save_check, data)
    create_application()
    QSettings().clear()
    w = MainWindow(AppContext(sqlite_db, CITY))
    qtbot.addWidget(w)
    w.show()
    pane = w.show_pane("spot_checks")
    assert pane.campaign_combo.currentText() == "本年专项行动"
    assert pane.from_edit.date() == to_qdate(start)
    assert "执法组 2 个 · 执法人员 3 人次" in pane.totals_label.text()
    pane.from_edit.setDate(to_qdate(today - dt.timedelta(days=365)))
    assert "执法组 2 个 · 执法人员 3 人次" in pane.totals_label.text()  # not the older one's
    pane.campaign_combo.setCurrentIndex(pane.campaign_combo.findText("全部（不分专项行动）"))
    assert "执法组 3 个 · 执法人员 5 人次" in pane.totals_label.text()
    pane.campaign_combo.setCurrentIndex(pane.campaign_combo.findText("上年专项行动"))
    assert "执法组 1 个 · 执法人员 2 人次" in pane.totals_label.text()
    pane.load()  # a refresh keeps the clerk's choice
    assert pane.campaign_combo.currentText() == "上年专项行动"
    # and for any unit
    pane.unit_combo.setCurrentIndex(pane.unit_combo.findText("井陉县"))
    assert "井陉县 " in pane.totals_label.text()
    assert "执法组 0 个" in pane.totals_label.text()
    pane.unit_combo.setCurrentIndex(pane.unit_combo.findText("灵寿县"))
    assert "执法组 1 个 · 执法人员 2 人次" in pane.totals_label.text()

    # copy the previous day's groups, one after the other
    pane.day_edit.setDate(to_qdate(today))
    first = pane.copy_previous()
    qtbot.waitUntil(first.isVisible)
    assert first.group_edit.text() == "第1执法检查组"
    first.save()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 1)
    second = pane.copy_previous()
    qtbot.waitUntil(second.isVisible)
    assert second.group_edit.text() == "第2执法检查组"
    assert second.leader_edit.text() == "赵刚"
    second.save()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 2)
    from controllers.spot_checks.daily import previous_group

    with sqlite_db.session() as s:
        assert previous_group(s, CITY, today) is None  # both copied
        new_id = s.scalar(select(Campaign.id).where(Campaign.name == "本年专项行动"))
        assert {c.campaign_id for c in s.scalars(select(SpotCheck).where(
            SpotCheck.checked_on == today))} == {new_id}  # fmt: skip
