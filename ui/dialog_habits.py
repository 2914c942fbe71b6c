"""What every dialog does without code of its own: it fits the screen it opens on (a
1366×768 laptop at 150 % has 911×485 logical pixels), and Esc closes it when the clerk has
not changed it, a changed one asks first.

One application-wide event filter, so every dialog behaves alike.
The dialog's inputs are noted just before the clerk's first key or click in it (after the
dialog filled itself); Esc compares them with what is there now. Dialogs that already
confirm on closing (they override ``reject``) and standard dialogs are left alone.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QTextEdit,
    QWidget,
)

logger = logging.getLogger(__name__)

_SKIPPED = (QMessageBox, QFileDialog, QProgressDialog)
_INPUT_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Show)
_SNAPSHOT = "_esc_guard_snapshot"


def input_state(dialog: QDialog) -> tuple:
    """What the clerk can change in a dialog: texts, choices, ticks, numbers and dates."""
    state = []
    for w in dialog.findChildren(QWidget):
        if isinstance(w, QLineEdit):
            if not w.isReadOnly():
                state.append(w.text())
        elif isinstance(w, (QPlainTextEdit, QTextEdit)):
            if not w.isReadOnly():
                state.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            state.append((w.currentIndex(), w.currentText()))
        elif isinstance(w, QAbstractSpinBox):
            state.append(w.text())
        elif isinstance(w, QAbstractButton) and w.isCheckable():
            state.append(w.isChecked())
    return tuple(state)


def _guarded(dialog: QWidget | None) -> bool:
    return (isinstance(dialog, QDialog) and not isinstance(dialog, _SKIPPED)
            and type(dialog).reject is QDialog.reject)  # fmt: skip


def fit_to_screen(dialog: QWidget) -> None:
    """Shrink a window larger than its screen's free area to fit, and move it inside."""
    screen = dialog.screen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame = dialog.frameGeometry().size() - dialog.geometry().size()
    room = area.size() - frame
    if dialog.width() > room.width() or dialog.height() > room.height():
        dialog.resize(min(dialog.width(), room.width()), min(dialog.height(), room.height()))
    geometry = dialog.frameGeometry()
    if not area.contains(geometry):
        x = min(max(geometry.x(), area.left()), area.right() - geometry.width() + 1)
        y = min(max(geometry.y(), area.top()), area.bottom() - geometry.height() + 1)
        dialog.move(x, y)


class EscGuard(QObject):
    """The event filter (installed on the application by :func:`install`)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in _INPUT_EVENTS or not isinstance(watched, QWidget):
            return False
        if kind == QEvent.Type.Show:
            if isinstance(watched, QDialog) and watched.isWindow():
                fit_to_screen(watched)
            return False
        dialog = watched.window()
        if not _guarded(dialog):
            return False
        if kind == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            before = getattr(dialog, _SNAPSHOT, None)
            if before is not None and before != input_state(dialog):
                self.ask(dialog)
                return True
            return False
        if getattr(dialog, _SNAPSHOT, None) is None:
            setattr(dialog, _SNAPSHOT, input_state(dialog))  # before this key or click acts
        return False

    @staticmethod
    def ask(dialog: QDialog) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, dialog.windowTitle() or "关闭",
                          "已填写的内容尚未保存，关闭后将丢失。", QMessageBox.StandardButton.NoButton,
                          dialog)  # fmt: skip
        box.setObjectName("escGuardBox")
        discard = box.addButton("放弃并关闭", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("继续填写", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.buttonClicked.connect(lambda button: dialog.reject() if button is discard else None)
        box.open()
        return box


def install(app: QApplication) -> EscGuard:
    """Once per application."""
    guard = app.findChild(EscGuard)
    if guard is None:
        guard = EscGuard(app)
        guard.setObjectName("escGuard")
        app.installEventFilter(guard)
    return guard
