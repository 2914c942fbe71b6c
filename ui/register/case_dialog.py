"""One case: every field, the 两断三清 checklist, look-backs, attachments and history, with the
workflow's moves. Saving a case another clerk changed meanwhile shows both versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from controllers.cases.case_detail import CaseRecord, form_choices, load_case, value_text
from controllers.cases.case_edit import create_case, save_case
from controllers.cases.lookbacks import record_lookback
from controllers.cases.validation import FIELD_LABELS, FIELDS_BY_KEY
from controllers.cases.workflow import Move, move_case, moves_from
from controllers.editing import EditConflict
from controllers.errors import UserError, ValidationError
from controllers.permissions import Permission, can
from models.codes import CaseStatus, Classification
from ui.confirm import confirm
from ui.context import AppContext
from ui.dialogs.conflict_dialog import ConflictDialog
from ui.formatting import display
from ui.operations import error_text, show_error
from ui.register.attachments_panel import AttachmentsPanel
from ui.register.case_form import CaseForm
from ui.register.checklist_widget import ChecklistWidget
from ui.register.history_view import HistoryView
from ui.register.links_panel import LinksPanel
from ui.register.lookback_panel import LookbackDialog, LookbackPanel

#: forward moves the same clerk cannot simply take back: what the confirmation says
IRREVERSIBLE_MOVES = {
    CaseStatus.ACCEPTED: "验收通过后，退回须填写原因并记入变更记录；验收日期将作为验收结论上报。",
    CaseStatus.CLOSED: "销号后不能退回；只有回头看发现问题时才会重新打开。销号记录永久保存。",
}
READ_ONLY_MARK = "（只读）"
LINKS_TAB = "关联案件"
#: a field that cannot be changed looks like text on the dialog, not like an input box
READ_ONLY_STYLE = (
    'QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"], QTextEdit[readOnly="true"]'
    " { background: transparent; border: 1px solid transparent; }"
)

STATUS_COLORS = {
    CaseStatus.PENDING: "#7f8c8d",
    CaseStatus.IN_PROGRESS: "#2471a3",
    CaseStatus.COMPLETED: "#b9770e",
    CaseStatus.ACCEPTED: "#1e8449",
    CaseStatus.CLOSED: "#196f3d",
}


class CaseDialog(QDialog):
    """The detail dialog of a case (``case_id`` None: a new case). ``saved(case_id)`` after
    every write."""

    saved = Signal(int)

    def __init__(self, ctx: AppContext, case_id: int | None, parent: QWidget | None = None,
                 *, today: dt.date | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("caseDialog")
        self.ctx = ctx
        self.case_id = case_id
        self.today = today or dt.date.today()
        self.record: CaseRecord | None = None
        self.conflict_dialog: ConflictDialog | None = None
        self.lookback_dialog: LookbackDialog | None = None
        self.linked_dialog: CaseDialog | None = None
        self.choices = ctx.call(form_choices, ctx.actor)

        self.title_label = QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setObjectName("caseStatus")
        self.move_buttons: dict[CaseStatus, QPushButton] = {}
        self.moves_box = QHBoxLayout()
        self.message_label = QLabel()
        self.message_label.setObjectName("caseMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #c0392b;")
        self.message_label.hide()

        self.form = CaseForm(self.choices, today=self.today)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        self.checklist = ChecklistWidget(today=self.today)
        self.lookbacks = LookbackPanel()
        self.attachments = AttachmentsPanel(ctx)
        self.history = HistoryView()
        self.links = LinksPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(scroll, "基本信息")
        self.tabs.addTab(self.checklist, "两断三清")
        self.tabs.addTab(self.lookbacks, "回头看")
        self.tabs.addTab(self.attachments, "附件")
        self.tabs.addTab(self.history, "变更记录")
        self.links_tab = self.tabs.addTab(self.links, LINKS_TAB)

        self.error_count = QLabel()
        self.error_count.setStyleSheet("color: #c0392b;")
        self.save_button = QPushButton("保存")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("保存修改（Ctrl+S）")
        self.close_button = QPushButton("关闭")

        head = QHBoxLayout()
        head.addWidget(self.title_label, 1)
        head.addWidget(self.status_label)
        workflow = QHBoxLayout()
        workflow.addWidget(QLabel("状态流转："))
        workflow.addLayout(self.moves_box)
        workflow.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error_count, 1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addLayout(workflow)
        lay.addWidget(self.message_label)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(bottom)
        self.resize(780, 680)
        self._connect_callbacks()
        self.reload()

    def _connect_callbacks(self) -> None:
        self.form.changed.connect(self._on_form_changed)
        self.checklist.changed.connect(self._on_form_changed)
        self.checklist.view_requested.connect(lambda att: self.attachments.preview(att))
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.lookbacks.record_requested.connect(self.open_lookback)
        self.links.open_requested.connect(self.open_linked)
        self.attachments.changed.connect(self._refresh_lists)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

    # -- loading ------------------------------------------------------------------------
    def reload(self) -> None:
        """Show the stored case (pending edits dropped)."""
        actor = self.ctx.actor
        self._message(None)
        if self.case_id is None:
            units = self.choices.units
            values: dict[str, Any] = {"status": CaseStatus.PENDING.value,
                                      "unit_id": units[0][0] if len(units) == 1 else None,
                                      "discovered_on": self.today}  # fmt: skip
            self.record = None
            self.form.set_values(values)
            self.checklist.set_rows({})
            self.setWindowTitle("新建企业")
            self.title_label.setText("新建企业（点位）")
            self.links.set_rows([])
            for i in (2, 3, 4, self.links_tab):
                self.tabs.setTabEnabled(i, False)
            can_edit = can(actor, Permission.EDIT_CASES)
        else:
            self.record = self.ctx.call(load_case, actor, self.case_id)
            record = self.record
            self.form.set_values(record.values)
            self.checklist.set_rows(record.checks)
            unit_id = record.values.get("unit_id")
            can_edit = can(actor, Permission.EDIT_CASES, unit_id)
            self.lookbacks.set_rows(record.lookbacks, can_record=can_edit,
                                    closed=record.status == CaseStatus.CLOSED)  # fmt: skip
            self.attachments.set_case(record.id, record.attachments, can_edit=can_edit)
            self.history.set_entries(record.history)
            mark = "" if can_edit else READ_ONLY_MARK
            self.setWindowTitle(f"企业详情 · {record.display_name}{mark}")
            relapse = f"　反弹 {record.relapse_count} 次" if record.is_relapsed else ""
            self.title_label.setText(record.display_name + relapse)
            self.links.set_rows(record.links)
            count = f"（{len(record.links)}）" if record.links else ""
            self.tabs.setTabText(self.links_tab, LINKS_TAB + count)
            for i in (2, 3, 4, self.links_tab):
                self.tabs.setTabEnabled(i, True)
        self.can_edit = can_edit
        self.save_button.setVisible(can_edit)  # a read-only view offers nothing to save
        self.form.set_read_only(not can_edit)
        self.checklist.set_read_only(not can_edit)
        self.setStyleSheet("" if can_edit else READ_ONLY_STYLE)  # after the fields' state
        self._show_status()
        self._on_form_changed()

    def _show_status(self) -> None:
        status = self.record.status if self.record else CaseStatus.PENDING
        color = STATUS_COLORS.get(status, "#333")
        self.status_label.setText(status.label)
        self.status_label.setStyleSheet(
            f"color: white; background: {color}; padding: 3px 10px; border-radius: 8px;"
        )
        while self.moves_box.count():
            item = self.moves_box.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.move_buttons.clear()
        if self.record is None:
            self.moves_box.addWidget(QLabel("保存后为“待整治”"))
            return
        unit_id = self.record.values.get("unit_id")
        for move in moves_from(status):
            button = QPushButton(move.label + ("…" if move.back else ""))
            button.setObjectName(f"move_{move.target.value}")
            if not can(self.ctx.actor, move.permission, unit_id):
                continue  # a move the role may not make is not offered
            button.clicked.connect(lambda _=False, m=move: self.request_move(m))
            self.moves_box.addWidget(button)
            self.move_buttons[move.target] = button
        if not self.move_buttons:
            text = ("已销号（回头看发现问题时重新打开）" if status == CaseStatus.CLOSED
                    else "您的角色不能变更状态")  # fmt: skip
            self.moves_box.addWidget(QLabel(text))

    def _on_form_changed(self) -> None:
        errors = {**self.form.validate(), **self.checklist.validate()}
        classification = self.form.widgets["classification"].currentData()
        self.checklist.set_applicable(classification in (None, Classification.SHUTDOWN.value))
        if errors:
            self.error_count.setText(f"有 {len(errors)} 处需要修改（见字段旁的红色提示）")
        else:
            self.error_count.setText("")
        dirty = bool(self.form.changes() or self.checklist.pending_edits()) or self.case_id is None
        self.save_button.setEnabled(self.can_edit and dirty and not errors)

    def is_dirty(self) -> bool:
        return bool(self.form.changes() or self.checklist.pending_edits())

    def _message(self, text: str | None) -> None:
        self.message_label.setText(text or "")
        self.message_label.setVisible(bool(text))

    # -- saving -------------------------------------------------------------------------
    def save(self) -> bool:
        """Save the form and checklist; True when nothing is left unsaved."""
        errors = {**self.form.validate(), **self.checklist.validate()}
        if errors:
            self._message("未保存：" + "；".join(errors.values()))
            return False
        actor = self.ctx.actor
        changes, checks = self.form.changes(), self.checklist.pending_edits()
        try:
            if self.case_id is None:
                values, _ = self.form.values()
                values = {k: v for k, v in values.items() if v not in (None, "", False)}
                self.case_id = self.ctx.call(create_case, actor, values, checks, today=self.today)
            elif changes or checks:
                self.ctx.call(save_case, actor, self.case_id, self.record.version, changes, checks,
                              today=self.today)  # fmt: skip
            else:
                return True
        except EditConflict as conflict:
            self._resolve_conflict(conflict, changes)
            return False
        except UserError as exc:
            self._show_user_error(exc)
            return False
        self._after_write()
        return True

    def _show_user_error(self, exc: UserError) -> None:
        self._message(error_text(exc))
        if isinstance(exc, ValidationError) and exc.field:
            self.form.show_error(exc.field, str(exc))
        show_error(self, "未保存", exc)

    def _refresh_lists(self) -> None:
        """New attachments and history shown; the form's unsaved edits (and the version they
        were made on) stay as they are."""
        fresh = self.ctx.call(load_case, self.ctx.actor, self.case_id)
        self.attachments.set_case(fresh.id, fresh.attachments, can_edit=self.can_edit)
        self.history.set_entries(fresh.history)
        self.record.attachments = fresh.attachments
        self.record.history = fresh.history

    def _after_write(self) -> None:
        self._message(None)
        self.reload()
        self.saved.emit(self.case_id)

    # -- conflicts ----------------------------------------------------------------------
    def format_value(self, field: str, value: Any) -> str:
        """A stored value as the clerk reads it (names, labels, dates)."""
        if value is None or value == "":
            return "（空）"
        names = {"unit_id": self.choices.units, "industry_id": self.choices.industries,
                 "batch_id": self.choices.batches,
                 "township_id": [t for ts in self.choices.townships.values() for t in ts]}  # fmt: skip
        if field in names:
            return dict(names[field]).get(value, str(value))
        if hasattr(value, "value"):
            value = value.value
        if isinstance(value, str):
            return value_text(field, value)
        if field == "is_quasi":
            return "是" if value else "否"
        return display(value)

    def _resolve_conflict(self, conflict: EditConflict, changes: dict[str, Any]) -> None:
        if conflict.model != "Case":
            self._message(str(conflict) + " 两断三清已重新载入，请重新填写。")
            self.checklist.set_rows(self.ctx.call(load_case, self.ctx.actor, self.case_id).checks)
            return
        self._message("保存冲突：其他用户已修改了这家企业，请选择保留哪一份。")
        labels = {**FIELD_LABELS, **{k: s.label for k, s in FIELDS_BY_KEY.items()}}
        dialog = ConflictDialog(conflict, self, labels=labels, format_value=self.format_value,
                                base=self.record.values if self.record else None)  # fmt: skip
        self.conflict_dialog = dialog
        dialog.accepted.connect(lambda: self._save_resolution(dialog))
        dialog.open()

    def _save_resolution(self, dialog: ConflictDialog) -> None:
        mine = dialog.changes_to_save()
        checks = self.checklist.pending_edits()
        try:
            if mine or checks:
                self.ctx.call(save_case, self.ctx.actor, self.case_id, dialog.current_version,
                              mine, checks, today=self.today)  # fmt: skip
        except EditConflict as again:
            self._resolve_conflict(again, mine)
            return
        except UserError as exc:
            self._show_user_error(exc)
            return
        self._after_write()

    # -- workflow -----------------------------------------------------------------------
    def request_move(self, move: Move) -> None:
        """A move button: a step back asks for the reason first, a step that cannot be taken
        back asks for confirmation with the case's name."""
        if not move.back:
            detail = IRREVERSIBLE_MOVES.get(move.target)
            if detail is None or self.record is None:
                self.do_move(move.target)
                return
            name = self.record.display_name
            self.confirm_box = confirm(self, move.label, f"确定对“{name}”执行“{move.label}”？",
                                       detail, move.label, lambda: self.do_move(move.target))  # fmt: skip
            return
        dialog = QInputDialog(self)
        dialog.setObjectName("reasonDialog")
        dialog.setWindowTitle(move.label)
        dialog.setLabelText(f"{move.label}的原因（将记入变更记录）：")
        dialog.textValueSelected.connect(lambda reason: self.do_move(move.target, reason))
        self.reason_dialog = dialog
        dialog.open()

    def do_move(self, target: CaseStatus, reason: str | None = None) -> bool:
        """Move along the workflow, saving the form's pending edits in the same step."""
        if self.record is None:
            return False
        errors = {**self.form.validate(), **self.checklist.validate()}
        if errors:
            self._message("请先修改：" + "；".join(errors.values()))
            return False
        try:
            self.ctx.call(move_case, self.ctx.actor, self.case_id, self.record.version, target,
                          reason=reason, changes=self.form.changes(),
                          checks=self.checklist.pending_edits(), today=self.today)  # fmt: skip
        except EditConflict as conflict:
            self._resolve_conflict(conflict, self.form.changes())
            return False
        except UserError as exc:
            self._message(error_text(exc))
            show_error(self, f"不能改为“{CaseStatus(target).label}”", exc)
            return False
        self._after_write()
        return True

    def open_lookback(self) -> LookbackDialog | None:
        if self.record is None:
            return None
        dialog = LookbackDialog(today=self.today, parent=self)
        dialog.accepted.connect(lambda: self._record_lookback(dialog))
        self.lookback_dialog = dialog
        dialog.open()
        return dialog

    def _record_lookback(self, dialog: LookbackDialog) -> None:
        try:
            self.ctx.call(record_lookback, self.ctx.actor, self.case_id, today=self.today,
                          **dialog.values())  # fmt: skip
        except (UserError, ValueError) as exc:
            self._message(error_text(exc) if isinstance(exc, UserError) else str(exc))
            if isinstance(exc, UserError):
                show_error(self, "回头看未保存", exc)
            return
        self._after_write()

    # -- linked cases -------------------------------------------------------------------
    def open_linked(self, case_id: int) -> CaseDialog:
        """The detail dialog of a linked case, over this one (its saves are announced too)."""
        dialog = CaseDialog(self.ctx, case_id, self, today=self.today)
        dialog.saved.connect(self.saved)
        self.linked_dialog = dialog
        dialog.open()
        return dialog

    # -- closing ------------------------------------------------------------------------
    def reject(self) -> None:
        """Close; unsaved edits are confirmed first."""
        if self.can_edit and self.is_dirty():
            box = QMessageBox(QMessageBox.Icon.Question, "未保存的修改",
                              "有修改尚未保存。是否保存？", QMessageBox.StandardButton.Save
                              | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                              self)  # fmt: skip
            box.setObjectName("unsavedBox")
            box.finished.connect(lambda code: self._after_unsaved_answer(box, code))
            self.unsaved_box = box
            box.open()
            return
        super().reject()

    def _after_unsaved_answer(self, box: QMessageBox, _code: int) -> None:
        button = box.standardButton(box.clickedButton())
        if button == QMessageBox.StandardButton.Save:
            if self.save():
                super().reject()
        elif button == QMessageBox.StandardButton.Discard:
            super().reject()
