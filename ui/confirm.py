"""One confirmation for steps that cannot be taken back: names the object and the step,
and runs the step only on the clerk's yes (never blocks: the box is opened, not exec'd)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget, title: str, question: str, detail: str, yes_label: str,
            on_yes: Callable[[], object]) -> QMessageBox:  # fmt: skip
    """Ask ``question`` (with ``detail`` below it); the safe answer 取消 is the default."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, question, QMessageBox.StandardButton.NoButton,
                      parent)  # fmt: skip
    box.setObjectName("confirmBox")
    box.setInformativeText(detail)
    yes = box.addButton(yes_label, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName("confirmYes")
    cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: on_yes() if button is yes else None)
    box.open()
    return box
