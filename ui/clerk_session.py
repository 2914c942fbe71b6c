"""What runs beside the main window while a clerk is signed in.

The lost-connection banner and its monitor, the feed of other clerks' changes, the idle lock,
the daily SQLite backup, and the 文件 menu's 锁定 / 修改密码 / 注销 entries.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, QThreadPool
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from controllers.audit.seal import seal_if_due
from controllers.audit.trail import record_now
from controllers.infra.backup import auto_backup
from controllers.infra.database_setup import Database, sqlite_path
from ui import file_dialogs
from ui.change_listener import ChangeListener
from ui.connection_banner import ConnectionBanner, ConnectionMonitor
from ui.context import AppContext
from ui.lock_screen import IdleLock
from ui.main_window import MainWindow
from ui.operations import run_operation
from ui.sign_in import change_password_dialog

logger = logging.getLogger(__name__)


class ClerkSession(QObject):
    """Starts and stops the services of one signed-in clerk's main window."""

    def __init__(self, window: MainWindow, ctx: AppContext, *, idle_timeout: float | None = None,
                 poll_seconds: float | None = None, retry_seconds: float | None = None) -> None:  # fmt: skip
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.banner = ConnectionBanner()
        window.add_banner(self.banner)
        retry = {} if retry_seconds is None else {"retry_seconds": retry_seconds}
        self.monitor = ConnectionMonitor(ctx.database, self.banner, self,
                                         on_restored=self._refresh_everything, **retry)  # fmt: skip
        ctx.connection = self.monitor
        kwargs = {} if poll_seconds is None else {"interval": poll_seconds}
        self.listener = ChangeListener(ctx, self, **kwargs)
        lock_kwargs = {} if idle_timeout is None else {"timeout": idle_timeout}
        self.idle_lock = IdleLock(window, ctx, **lock_kwargs)
        self.password_action = QAction("修改密码(&P)…", window)
        self.password_action.triggered.connect(
            lambda: change_password_dialog(ctx.database, ctx.actor, window)
        )
        #: 注销 / 切换用户: the window closes and the sign-in dialog comes back
        self.sign_out_action = QAction("注销 / 切换用户(&U)…", window,
                                       shortcut=QKeySequence("Ctrl+Shift+L"))  # fmt: skip
        self.sign_out_action.setObjectName("signOut")
        self.sign_out_action.triggered.connect(self.sign_out)
        self.signed_out = False
        first = window.file_menu.actions()[0] if window.file_menu.actions() else None
        window.file_menu.insertAction(first, self.idle_lock.lock_action)
        window.file_menu.insertAction(first, self.password_action)
        window.file_menu.insertAction(first, self.sign_out_action)
        window.file_menu.insertSeparator(first)
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        """Closing while saves wait for the server: ask first, those saves would be lost."""
        if obj is self.window and event.type() == QEvent.Type.Close and self.monitor.waiting:
            answer = QMessageBox.question(
                self.window,
                "还有保存未完成",
                f"与数据库服务器的连接尚未恢复，有 {self.monitor.waiting} 项保存正在等待。"
                "现在退出，这些修改将不会保存。仍要退出吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return True
        return False

    def sign_out(self) -> None:
        """Close the window so that another clerk (or the same one) signs in."""
        self.signed_out = True
        if not self.window.close():  # e.g. saves still waiting for the server
            self.signed_out = False

    def start(self) -> ClerkSession:
        self.listener.start()
        file_dialogs.avoid_folder(database_folder(self.ctx.database))
        # The daily seal of the audit chain, where this machine holds the audit key.
        run_operation(self.window, self.ctx, "封存审计日志",
                      lambda session, _progress: seal_if_due(session, self.ctx.actor),
                      show_progress=False)  # fmt: skip
        if self.ctx.database.info.backend == "sqlite":
            run_operation(self.window, self.ctx, "每日自动备份",
                          lambda _session, _progress: auto_backup(self.ctx.database),
                          show_progress=False)  # fmt: skip
        return self

    def _refresh_everything(self) -> None:
        from ui.events import ALL_TOPICS

        self.ctx.events.announce(*sorted(ALL_TOPICS))

    def stop(self) -> None:
        """Stop the watchers and note the sign-out in the audit trail."""
        self.idle_lock.stop()
        self.listener.stop()
        QThreadPool.globalInstance().waitForDone(60_000)  # e.g. the daily backup finishes
        record_now(self.ctx.database, self.ctx.actor, "logout", "session", self.ctx.actor.user_id)


def database_folder(db: Database):
    """The SQLite database's folder (None for a server database)."""
    path = sqlite_path(db.engine.url)
    return None if path is None else path.parent
