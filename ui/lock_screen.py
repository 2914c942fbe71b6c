"""The window locks after 10 idle minutes and asks for the password again.

Any key, click, wheel or mouse movement in the application counts as activity. Locked, the
main window hides its panes and only the unlock dialog takes input; wrong passwords count
towards the account lock like at sign-in. Ctrl+L locks at once.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMainWindow

from controllers.auth import check_password
from ui.context import AppContext
from ui.login_dialog import _FormDialog, _password_field

logger = logging.getLogger(__name__)

IDLE_MINUTES = 10
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TabletPress,
}


class LockDialog(_FormDialog):
    """窗口已锁定: the signed-in clerk's password, or leave the application."""

    def __init__(self, ctx: AppContext, parent: QMainWindow) -> None:
        super().__init__(
            "窗口已锁定",
            "窗口已锁定",
            f"为保护数据，闲置 {IDLE_MINUTES} 分钟后窗口自动锁定。"
            f"请输入 {ctx.actor.label}（{ctx.actor.username}）的密码继续工作。",
            parent,
        )
        self.ctx = ctx
        self.password = _password_field()
        self.password.setObjectName("password")
        self.form.addRow("密码：", self.password)
        self.ok_button().setText("解锁")
        self.quit_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.quit_button.setText("退出程序")

    def submit(self) -> None:
        password = self.password.text()
        self.password.clear()
        if not password:
            self.show_message("请输入密码。")
            return
        if self._run(lambda: self.ctx.call(check_password, self.ctx.actor, password) or True):
            self.accept()

    def keyPressEvent(self, event) -> None:  # Esc must not unlock
        if event.key() == Qt.Key.Key_Escape:
            return
        super().keyPressEvent(event)


class IdleLock(QObject):
    """Watches the application's input; locks the main window after ``timeout`` seconds."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, window: QMainWindow, ctx: AppContext, *,
                 timeout: float = IDLE_MINUTES * 60, check_ms: int = 5000) -> None:  # fmt: skip
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.timeout = timeout
        self.dialog: LockDialog | None = None
        self._last = time.monotonic()
        QApplication.instance().installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self._check)
        self._timer.start()
        self.lock_action = QAction("锁定窗口(&L)", window, shortcut=QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        window.addAction(self.lock_action)

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.dialog is None:
            self._last = time.monotonic()
        return False

    def idle_seconds(self) -> float:
        return time.monotonic() - self._last

    def _check(self) -> None:
        if self.dialog is None and self.idle_seconds() >= self.timeout:
            self.lock()

    def lock(self) -> None:
        """Hide the panes and ask for the password."""
        if self.dialog is not None:
            return
        logger.info("window locked for %s", self.ctx.actor.username)
        self.window.centralWidget().hide()
        self.window.menuBar().setEnabled(False)
        self.dialog = LockDialog(self.ctx, self.window)
        self.dialog.accepted.connect(self._unlocked)
        self.dialog.rejected.connect(self._leave)
        self.dialog.open()
        self.locked.emit()

    def _unlocked(self) -> None:
        self.dialog = None
        self.window.centralWidget().show()
        self.window.menuBar().setEnabled(True)
        self._last = time.monotonic()
        self.unlocked.emit()

    def _leave(self) -> None:
        self.dialog = None
        self.window.close()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
