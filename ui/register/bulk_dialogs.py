"""Bulk work on the selected cases: status (where the workflow allows) and responsible person."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from controllers.cases.bulk import (
    RESPONSIBLE_FIELDS,
    BulkPlan,
    bulk_move,
    bulk_set_responsible,
    plan_bulk_move,
)
from controllers.cases.validation import FIELDS_BY_KEY
from controllers.cases.workflow import FORWARD_LABELS
from models.codes import CaseStatus
from ui.confirm import confirm
from ui.context import AppContext
from ui.operations import run_operation


class BulkStatusDialog(QDialog):
    """The status to move the selected cases to, and the reason (needed to step back)."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulkStatusDialog")
        self.setWindowTitle("批量变更状态")
        self.status = QComboBox()
        for code, label in CaseStatus.choices():
            self.status.addItem(label, code)
        self.status.setCurrentIndex(1)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("退回上一步时必填，将记入每家企业的变更记录")
        note = QLabel(
            f"已选择 {count:,} 家企业。状态只能按 待整治→整治中→已完成待验收→已验收→已销号 "
            "逐步推进（或在销号前退回一步）；不符合条件的企业会先列出，由您决定是否只处理其余企业。"
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("改为", self.status)
        form.addRow("原因", self.reason_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def target(self) -> CaseStatus:
        return CaseStatus(self.status.currentData())

    def set_target(self, status: CaseStatus) -> None:
        self.status.setCurrentIndex(self.status.findData(status.value))

    def reason(self) -> str:
        return self.reason_edit.text()


#: the names a confirmation lists one by one; the rest are counted ("……等 120 家")
NAMES_SHOWN = 10


class BulkMoveRun(QObject):
    """One bulk move: check every case, confirm the refusals, then move the rest. A move the
    clerk cannot take back (``irreversible``: what it means) is confirmed with the names of
    the cases it will move, after the check, so the list is exactly the cases that move."""

    finished = Signal(int)  # cases moved
    checked = Signal(object)  # the BulkPlan

    def __init__(self, parent: QWidget, ctx: AppContext, ids: list[int], target: CaseStatus,
                 reason: str, on_done: Callable[[list[int]], None],
                 irreversible: str | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.parent_widget = parent
        self.ctx, self.ids, self.target, self.reason = ctx, ids, target, reason
        self.irreversible = irreversible
        self.on_done = on_done
        self.plan: BulkPlan | None = None
        self.confirm_box: QMessageBox | None = None

    def start(self) -> BulkMoveRun:
        actor = self.ctx.actor
        run_operation(self.parent_widget, self.ctx, "检查所选企业",
                      lambda s, p: plan_bulk_move(s, actor, self.ids, self.target,
                                                  reason=self.reason, progress=p),
                      on_done=self._planned)  # fmt: skip
        return self

    def _planned(self, plan: BulkPlan) -> None:
        self.plan = plan
        self.checked.emit(plan)
        label = self.target.label
        if not plan.allowed:
            box = QMessageBox(QMessageBox.Icon.Warning, "批量变更状态",
                              f"所选 {len(plan.refused):,} 家企业都不能改为“{label}”：{plan.refusal_summary()}。",
                              QMessageBox.StandardButton.Ok, self.parent_widget)  # fmt: skip
            self.confirm_box = box
            box.open()
            return
        if self.irreversible is not None:
            self._confirm_irreversible(plan)
            return
        if plan.refused:
            box = QMessageBox(
                QMessageBox.Icon.Question, "批量变更状态",
                f"可改为“{label}”的有 {len(plan.allowed):,} 家；另有 {len(plan.refused):,} 家不符合条件：\n"
                f"{plan.refusal_summary()}。\n\n是否只处理可处理的 {len(plan.allowed):,} 家？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.parent_widget,
            )  # fmt: skip
            box.setObjectName("bulkConfirm")
            box.finished.connect(lambda _code: self._answered(box))
            self.confirm_box = box
            box.open()
            return
        self.apply(plan.allowed)

    def _confirm_irreversible(self, plan: BulkPlan) -> None:
        """Name the cases that will move (in the register's order), then the refused ones."""
        label = FORWARD_LABELS.get(self.target, self.target.label)
        order = {case_id: n for n, case_id in enumerate(self.ids)}
        moving = sorted(plan.allowed, key=lambda i: order.get(i, len(order)))
        names = [plan.names.get(i) or "（无名称）" for i in moving]
        shown = "\n".join(f"· {name}" for name in names[:NAMES_SHOWN])
        more = f"\n……等 {len(names):,} 家" if len(names) > NAMES_SHOWN else ""
        question = f"确定对以下 {len(names):,} 家企业执行“{label}”？\n{shown}{more}"
        detail = self.irreversible or ""
        if plan.refused:
            detail = (f"另有 {len(plan.refused):,} 家不符合条件，不会处理："
                      f"{plan.refusal_summary()}。\n\n{detail}")  # fmt: skip
        box = confirm(self.parent_widget, label, question, detail, label,
                      lambda: self.apply(moving))  # fmt: skip
        box.setObjectName("bulkConfirm")
        if len(names) > NAMES_SHOWN:
            box.setDetailedText("\n".join(names))  # every case, behind 显示详细信息
        self.confirm_box = box

    def _answered(self, box: QMessageBox) -> None:
        if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
            self.apply(self.plan.allowed)

    def apply(self, ids: list[int]) -> None:
        actor = self.ctx.actor

        def done(count: int) -> None:
            self.on_done(ids)
            self.finished.emit(count)

        run_operation(self.parent_widget, self.ctx, "批量变更状态",
                      lambda s, p: bulk_move(s, actor, ids, self.target, reason=self.reason,
                                             progress=p),
                      on_done=done)  # fmt: skip


def run_bulk_move(parent: QWidget, ctx: AppContext, ids: list[int], target: CaseStatus,
                  reason: str, on_done: Callable[[list[int]], None],
                  irreversible: str | None = None) -> BulkMoveRun:  # fmt: skip
    """Check, confirm and apply a bulk status move in the background."""
    run = BulkMoveRun(parent, ctx, ids, target, reason, on_done, irreversible)
    parent.last_bulk_run = run
    return run.start()


class BulkResponsibleDialog(QDialog):
    """设置责任人 on the selected cases."""

    done_with = Signal(list)  # the case ids changed

    def __init__(self, ctx: AppContext, ids: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bulkResponsibleDialog")
        self.setWindowTitle("设置责任人")
        self.ctx, self.ids = ctx, ids
        self.field = QComboBox()
        for key in RESPONSIBLE_FIELDS:
            self.field.addItem(FIELDS_BY_KEY[key].label, key)
        self.field.setCurrentIndex(len(RESPONSIBLE_FIELDS) - 1)
        self.person = QLineEdit()
        self.person.setPlaceholderText("姓名；留空则清除")
        form = QFormLayout()
        form.addRow("责任人", self.field)
        form.addRow("姓名", self.person)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.accepted.connect(self._apply)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"为所选 {len(ids):,} 家企业设置责任人："))
        lay.addLayout(form)
        lay.addWidget(buttons)

    def _apply(self) -> None:
        actor, ids = self.ctx.actor, self.ids
        field, person = self.field.currentData(), self.person.text()
        run_operation(self.parentWidget() or self, self.ctx, "设置责任人",
                      lambda s, p: bulk_set_responsible(s, actor, ids, field, person, progress=p),
                      on_done=lambda _n: self.done_with.emit(ids))  # fmt: skip
        self.accept()
