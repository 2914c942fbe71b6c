"""The case dialog with real widgets: typing with messages beside fields, saving, conflicts,
close-out refused without evidence, look-back reopening, attachments, a new case."""

import datetime as dt
import io

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from sqlalchemy import select

from controllers.actor import Actor
from controllers.cases.case_edit import save_case
from controllers.cases.workflow import move_case
from controllers.editing import EditConflict, FieldConflict
from models import Attachment, Case, CaseChange
from models.codes import CaseStatus, CheckItem, LookbackResult, Role
from tests.factories import make_case, unit
from ui.app import local_actor
from ui.context import AppContext
from ui.dialogs.conflict_dialog import MINE, THEIRS, ConflictDialog
from ui.register.attachments_panel import PreviewDialog
from ui.register.case_dialog import CaseDialog

pytestmark = pytest.mark.gui
TODAY = dt.date(2026, 7, 1)
CLERK = Actor(None, "clerk", Role.CITY_CLERK, display_name="业务员")


@pytest.fixture
def ctx(sqlite_db):
    return AppContext(sqlite_db, local_actor())


@pytest.fixture
def case_id(sqlite_db):
    with sqlite_db.session() as s:
        cid = make_case(s).id
        s.commit()
    return cid


def _dialog(qtbot, ctx, case_id) -> CaseDialog:
    dialog = CaseDialog(ctx, case_id, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def _png(path, color="red"):
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    image.save(str(path))
    return path


def _pdf(path):
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 750, "Evidence page 1")
    c.showPage()
    c.drawString(100, 750, "Evidence page 2")
    c.save()
    path.write_bytes(buf.getvalue())
    return path


def test_fields_are_validated_as_you_type(app, qtbot, ctx, case_id):
    dialog = _dialog(qtbot, ctx, case_id)
    form = dialog.form
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    phone = form.widgets["phone"]
    phone.clear()
    qtbot.keyClicks(phone, "12345")
    assert form.errors["phone"].isVisible()
    assert "不是有效的电话号码" in form.errors["phone"].text()
    assert not dialog.save_button.isEnabled()
    assert "有 1 处需要修改" in dialog.error_count.text()
    deadline = form.widgets["deadline"]
    deadline.edit.setText("2026-13-40")
    assert "不是" in form.errors["deadline"].text()
    deadline.edit.setText("2026-01-01")  # before the discovery date
    assert form.errors["deadline"].text() == "完成时限不能早于发现日期"
    form.widgets["name"].clear()
    form.widgets["owner"].clear()
    assert "须填写地址和业主/法人" in form.errors["owner"].text()
    form.widgets["owner"].setText("王建国")
    deadline.edit.setText("2026年9月30日")
    phone.setText("13911112222")
    form.widgets["name"].setText("灵寿县东关村蛭石加工厂（改）")
    assert not any(e.isVisible() for e in form.errors.values())
    assert dialog.save_button.isEnabled()
    saved = []
    dialog.saved.connect(saved.append)
    phone.setFocus()
    assert QApplication.focusWidget() is phone
    qtbot.keyClick(phone, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert saved == [case_id]
    with ctx.database.session() as s:
        case = s.get(Case, case_id)
        assert (case.phone, case.deadline) == ("13911112222", dt.date(2026, 9, 30))
    assert any("联系电话" in line for line in dialog.history.lines())
    assert not dialog.save_button.isEnabled()


def test_conflict_shows_both_versions_and_the_clerk_chooses(app, qtbot, ctx, case_id):
    dialog = _dialog(qtbot, ctx, case_id)
    opened = dialog.record.version
    with ctx.database.session() as s:  # another clerk saves first
        save_case(
            s, CLERK, case_id, opened, {"owner": "他人改的", "remark": "他人的备注"}, today=TODAY
        )
        s.commit()
    dialog.form.widgets["owner"].setText("我改的")
    dialog.form.widgets["phone"].setText("13900001111")
    assert not dialog.save()
    conflict = dialog.conflict_dialog
    assert conflict is not None
    table = conflict.table
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 4)]
            for r in range(table.rowCount())}  # fmt: skip
    assert rows["业主/法人"] == ["王建国", "我改的", "他人改的"]  # opened with, mine, theirs
    assert rows["联系电话"] == ["13800000000", "13900001111", "13800000000"]
    assert conflict.choices() == {"owner": THEIRS, "phone": MINE}  # their work kept by default
    conflict.choose("owner", MINE)
    with qtbot.waitSignal(dialog.saved):
        conflict.save_button.click()
    with ctx.database.session() as s:
        case = s.get(Case, case_id)
        assert (case.owner, case.phone, case.remark) == ("我改的", "13900001111", "他人的备注")
    assert dialog.form.widgets["remark"].toPlainText() == "他人的备注"  # reloaded


def test_close_out_refused_without_evidence_then_done(app, qtbot, ctx, case_id, tmp_path):
    with ctx.database.session() as s:
        v = s.get(Case, case_id).version
        v = move_case(s, CLERK, case_id, v, "in_progress", today=TODAY)
        s.commit()
        v = move_case(s, CLERK, case_id, v, "completed", today=TODAY,
                      changes={"completed_on": dt.date(2026, 6, 10)})  # fmt: skip
        s.commit()
        move_case(s, CLERK, case_id, v, "accepted", today=TODAY,
                  changes={"accepted_on": dt.date(2026, 6, 20)})  # fmt: skip
        s.commit()
    dialog = _dialog(qtbot, ctx, case_id)
    assert dialog.status_label.text() == "已验收"
    dialog.form.widgets["approved_by"].setText("刘局长")
    close = dialog.move_buttons[CaseStatus.CLOSED]
    assert close.text() == "销号"
    close.click()
    box = dialog.confirm_box  # 销号 cannot be taken back: confirmed with the case's name
    assert dialog.record.display_name in box.text()
    assert "不能退回" in box.informativeText()
    box.findChild(QPushButton, "confirmYes").click()
    text = dialog.message_label.text()
    assert "缺少佐证材料" in text
    assert "两断三清未全部完成" in text
    assert dialog.status_label.text() == "已验收"
    for box in dialog.findChildren(QMessageBox):
        box.close()
    with ctx.database.session() as s:
        assert s.get(Case, case_id).status == CaseStatus.ACCEPTED
        assert s.get(Case, case_id).approved_by is None  # the refused move saved nothing
    # the checklist with dates and evidence files, a photo among the attachments: close-out
    for item in CheckItem:
        dialog.checklist.rows[item].date.edit.setText("2026-06-05")
        assert dialog.checklist.set_evidence_file(item, _png(tmp_path / f"{item.value}.png"))
    assert (
        dialog.checklist.rows[CheckItem.WATER_CUT].evidence_label.text() == "待保存：water_cut.png"
    )
    assert dialog.attachments.add_file(_png(tmp_path / "现场.png", "blue")) is not None
    assert dialog.form.widgets["approved_by"].text() == "刘局长"  # pending edits kept on reload
    dialog.move_buttons[CaseStatus.CLOSED].click()
    with qtbot.waitSignal(dialog.saved):
        dialog.confirm_box.findChild(QPushButton, "confirmYes").click()
    assert dialog.status_label.text() == "已销号"
    with ctx.database.session() as s:
        case = s.get(Case, case_id)
        assert (case.status, case.approved_by, case.closed_on) == (
            CaseStatus.CLOSED,
            "刘局长",
            TODAY,
        )
        assert len(s.scalars(select(Attachment).where(Attachment.case_id == case_id)).all()) == 6
    assert dialog.checklist.rows[CheckItem.POWER_CUT].evidence_label.text() == "power_cut.png"
    assert not dialog.move_buttons  # no move out of 已销号 by hand


def test_step_back_asks_for_a_reason(app, qtbot, ctx, case_id):
    with ctx.database.session() as s:
        move_case(s, CLERK, case_id, s.get(Case, case_id).version, "in_progress", today=TODAY)
        s.commit()
    dialog = _dialog(qtbot, ctx, case_id)
    dialog.move_buttons[CaseStatus.PENDING].click()
    reason = dialog.reason_dialog
    reason.setTextValue("误点推进")
    with qtbot.waitSignal(dialog.saved):
        reason.accept()
    assert dialog.status_label.text() == "待整治"
    with ctx.database.session() as s:
        last = s.scalars(select(CaseChange).where(CaseChange.field == "status")
                         .order_by(CaseChange.id.desc())).first()  # fmt: skip
        assert (last.new_value, last.note) == ("pending", "误点推进")


def test_lookback_other_than_normal_reopens(app, qtbot, ctx, sqlite_db, tmp_path):
    with sqlite_db.session() as s:
        cid = make_case(s, status=CaseStatus.CLOSED, completed_on=dt.date(2026, 5, 1),
                        accepted_on=dt.date(2026, 5, 10), approved_by="刘",
                        closed_on=dt.date(2026, 5, 20)).id  # fmt: skip
        s.commit()
    dialog = _dialog(qtbot, ctx, cid)
    dialog.tabs.setCurrentWidget(dialog.lookbacks)
    assert dialog.lookbacks.record_button.isEnabled()
    lookback = dialog.open_lookback()
    lookback.set_result(LookbackResult.RELOCATED)
    assert lookback.warning.isVisible()
    lookback.inspector.setText("张检查")
    lookback.note.setPlainText("设备已转移到邻村")
    lookback.new_deadline.edit.setText("2026-09-30")
    lookback.set_file(_png(tmp_path / "转移.png"))
    with qtbot.waitSignal(dialog.saved):
        lookback.buttons.button(lookback.buttons.StandardButton.Ok).click()
    assert dialog.status_label.text() == "整治中"
    assert "反弹 1 次" in dialog.title_label.text()
    assert dialog.lookbacks.table.item(0, 1).text() == "异地转移"
    assert not dialog.lookbacks.record_button.isEnabled()
    assert dialog.form.widgets["deadline"].text() == "2026-09-30"
    assert dialog.form.widgets["closed_on"].text() == ""
    assert any("回头看：异地转移" in line for line in dialog.history.lines())
    with sqlite_db.session() as s:
        case = s.get(Case, cid)
        assert case.is_relapsed
        assert case.relapse_count == 1


def test_attachments_preview_and_save_a_copy(app, qtbot, ctx, case_id, tmp_path):
    dialog = _dialog(qtbot, ctx, case_id)
    panel = dialog.attachments
    png = panel.add_file(_png(tmp_path / "照片.png"))
    pdf = panel.add_file(_pdf(tmp_path / "扫描件.pdf"))
    assert panel.table.rowCount() == 2
    assert panel.table.item(0, 0).text() == "照片.png"
    preview = panel.preview(png)
    assert isinstance(preview, PreviewDialog)
    assert preview.kind == "image"
    assert not preview.image_label.pixmap().isNull()
    pages = panel.preview(pdf)
    assert pages.kind == "pdf"
    assert pages.page_count == 2
    pages.next_button.click()
    assert pages.page_label.text() == "第 2 / 2 页"
    copy = panel.save_copy(pdf, tmp_path / "副本.pdf")
    assert copy.read_bytes() == (tmp_path / "扫描件.pdf").read_bytes()
    big = tmp_path / "big.pdf"
    with big.open("wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    assert panel.add_file(big) is None  # refused with a message, nothing stored
    box = next(b for b in dialog.findChildren(QMessageBox) if b.objectName() == "operationError")
    assert "超过附件上限" in box.text()


def test_new_case_is_created_pending(app, qtbot, ctx, sqlite_db):
    dialog = _dialog(qtbot, ctx, None)
    form = dialog.form
    assert form.errors["unit_id"].text() == "请选择县（市、区）"
    assert not dialog.save_button.isEnabled()
    with sqlite_db.session() as s:
        lingshou = unit(s, "灵寿县").id
    form.widgets["unit_id"].setCurrentIndex(form.widgets["unit_id"].findData(lingshou))
    assert form.widgets["township_id"].count() > 1  # the unit's townships are offered
    form.widgets["classification"].setCurrentIndex(1)
    form.widgets["source"].setCurrentIndex(form.widgets["source"].findData("grid_patrol"))
    form.widgets["address"].setText("城关镇北街 8 号")
    assert "须填写地址和业主/法人" in form.errors["owner"].text()
    form.widgets["owner"].setText("李四")
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.saved) as blocker:
        dialog.save_button.click()
    new_id = blocker.args[0]
    with sqlite_db.session() as s:
        case = s.get(Case, new_id)
        assert case.status == CaseStatus.PENDING
        assert case.name is None
        assert case.discovered_on == TODAY
    assert dialog.title_label.text() == "（无名称）城关镇北街 8 号 李四"
    assert dialog.move_buttons[CaseStatus.IN_PROGRESS].isEnabled()


def test_unsaved_changes_are_confirmed_on_close(app, qtbot, ctx, case_id):
    dialog = _dialog(qtbot, ctx, case_id)
    dialog.form.widgets["village"].setText("西关村")
    dialog.close_button.click()
    box = dialog.unsaved_box
    assert dialog.isVisible()
    box.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    with ctx.database.session() as s:
        assert s.get(Case, case_id).village == "西关村"


def test_read_only_for_a_leader(app, qtbot, sqlite_db, case_id):
    dialog = _dialog(qtbot, AppContext(sqlite_db, Actor(None, "boss", Role.LEADER)), case_id)
    assert dialog.form.widgets["name"].isReadOnly()
    assert dialog.save_button.isHidden()  # nothing to save in a read-only view
    assert not dialog.move_buttons  # moves the role cannot make are not offered
    assert dialog.windowTitle().endswith("（只读）")
    assert "readOnly" in dialog.styleSheet()  # fields look like text, not input boxes


def test_conflict_dialog_is_generic(app, qtbot):
    conflict = EditConflict("Letter", 7, 5, [FieldConflict("signer_name", "张三", "李四"),
                                             FieldConflict("signed_on", dt.date(2026, 5, 20), None)],
                            {"signer_name": "李四", "signed_on": None})  # fmt: skip
    dialog = ConflictDialog(conflict, labels={"signer_name": "签署人"})
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.columnCount() == 4  # no "opened with" column without a base
    assert dialog.table.item(0, 0).text() == "签署人"
    assert dialog.table.item(1, 1).text() == "2026-05-20"
    assert dialog.table.item(1, 2).text() == "（空）"
    assert dialog.choices() == {"signer_name": THEIRS, "signed_on": THEIRS}
    dialog.all_mine_button.click()
    assert dialog.changes_to_save() == {"signer_name": "张三", "signed_on": dt.date(2026, 5, 20)}
    dialog.choose("signed_on", THEIRS)
    assert dialog.resolution() == {"signer_name": "张三", "signed_on": None}
    assert dialog.current_version == 5


def test_accepting_asks_for_confirmation_with_the_name_and_cancel_does_nothing(app, qtbot, ctx,
                                                                               case_id):  # fmt: skip
    with ctx.database.session() as s:
        v = s.get(Case, case_id).version
        v = move_case(s, CLERK, case_id, v, "in_progress", today=TODAY)
        s.commit()
        move_case(s, CLERK, case_id, v, "completed", today=TODAY,
                  changes={"completed_on": dt.date(2026, 6, 10)})  # fmt: skip
        s.commit()
    dialog = _dialog(qtbot, ctx, case_id)
    dialog.form.widgets["accepted_on"].edit.setText("2026-06-20")
    dialog.move_buttons[CaseStatus.ACCEPTED].click()
    box = dialog.confirm_box
    assert f"“{dialog.record.display_name}”" in box.text()
    assert "验收通过" in box.text()
    assert box.defaultButton().text() == "取消"  # the safe answer is the default
    box.defaultButton().click()
    with ctx.database.session() as s:
        assert s.get(Case, case_id).status == CaseStatus.COMPLETED
    dialog.move_buttons[CaseStatus.ACCEPTED].click()
    with qtbot.waitSignal(dialog.saved):
        dialog.confirm_box.findChild(QPushButton, "confirmYes").click()
    with ctx.database.session() as s:
        assert s.get(Case, case_id).status == CaseStatus.ACCEPTED
    # a step forward that can be taken back is not asked about
    dialog.move_buttons[CaseStatus.COMPLETED].click()  # back: asks for the reason instead
    assert dialog.reason_dialog.isVisible()


def test_typed_date_is_normalised_when_the_field_loses_focus(app, qtbot, ctx, case_id):
    dialog = _dialog(qtbot, ctx, case_id)
    field = dialog.form.widgets["deadline"]
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2026.5.25")
    assert field.edit.text() == "2026.5.25"  # not rewritten while typing
    dialog.form.widgets["village"].setFocus()
    qtbot.waitUntil(lambda: field.edit.text() == "2026-05-25")
    field.edit.setText("2026.13.45")  # not a date: left as typed, the message beside it
    field.normalise()
    assert field.edit.text() == "2026.13.45"


def test_history_shows_display_names(app, qtbot, sqlite_db, case_id):
    from models import User

    with sqlite_db.session() as s:
        user = User(username="city", display_name="张市级", role=Role.CITY_CLERK,
                    must_change_password=False)  # fmt: skip
        s.add(user)
        s.flush()
        clerk = Actor(user.id, "city", Role.CITY_CLERK, display_name="张市级")
        save_case(s, clerk, case_id, s.get(Case, case_id).version, {"village": "东村"}, [],
                  today=TODAY)  # fmt: skip
        s.commit()
    dialog = _dialog(qtbot, AppContext(sqlite_db, local_actor()), case_id)
    lines = dialog.history.lines()
    assert any("张市级" in line for line in lines)
    assert not any("　city" in line for line in lines)
