"""The question asked before a return is accepted into the register (it cannot be undone)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from controllers.returns.check import ReturnCheck
from controllers.returns.merge_record import accept_preview


def confirm_accept(parent: QWidget, check: ReturnCheck, decisions: dict[int, int | None],
                   on_yes: Callable[[], None]) -> QMessageBox:  # fmt: skip
    """Open (not exec) the confirmation: "新增 10 家、变更 2 家（12 个字段）…"; ``on_yes`` runs
    when the clerk confirms."""
    preview = accept_preview(check, decisions)
    box = QMessageBox(QMessageBox.Icon.Question, "确认审核通过",
                      preview.confirmation(check.unit_name), parent=parent)  # fmt: skip
    box.setObjectName("acceptConfirm")
    yes = box.addButton("审核通过(&Y)", QMessageBox.ButtonRole.YesRole)
    box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes)
    yes.setObjectName("confirmYes")
    box.buttonClicked.connect(lambda button: on_yes() if button is yes else None)
    box.open()
    return box
