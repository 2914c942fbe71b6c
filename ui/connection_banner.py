"""A lost connection to the database server: a clear banner, retries, nothing typed is lost.

:class:`ConnectionMonitor` is told about a lost connection (by an operation that failed, or by
the change listener), shows the banner, tries the server again every few seconds in the
background and, when it answers, re-runs the saves that were waiting and refreshes the panes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from controllers.infra.connectivity import ping
from controllers.infra.database_setup import Database

logger = logging.getLogger(__name__)

RETRY_SECONDS = 3.0
LOST_STYLE = "QFrame#connectionBanner { background: #fdecea; border: 1px solid #e0a39b; }"
BACK_STYLE = "QFrame#connectionBanner { background: #e7f4e8; border: 1px solid #9cc9a0; }"


class ConnectionBanner(QFrame):
    """The strip at the top of the main window that says what is going on."""

    retry_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionBanner")
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setObjectName("connectionBannerText")
        self.text.setWordWrap(True)
        self.retry_button = QPushButton("立即重试")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.retry_button)
        self.retry_button.clicked.connect(self.retry_clicked)
        self.hide()

    def show_lost(self, attempts: int, waiting: int) -> None:
        self.setStyleSheet(LOST_STYLE)
        self.icon.setPixmap(
            self.style().standardIcon(self.style().StandardPixmap.SP_MessageBoxWarning).pixmap(20)
        )
        pending = f"有 {waiting} 项保存正在等待，连接恢复后自动完成。" if waiting else ""
        self.text.setText(
            f"与数据库服务器的连接已断开，正在重新连接（已尝试 {attempts} 次）……"
            f"{pending}您已输入的内容不会丢失；在连接恢复前请不要关闭程序。"
        )
        self.retry_button.show()
        self.show()

    def show_restored(self, saved: int) -> None:
        self.setStyleSheet(BACK_STYLE)
        self.icon.setPixmap(
            self.style().standardIcon(self.style().StandardPixmap.SP_DialogApplyButton).pixmap(20)
        )
        done = f"等待中的 {saved} 项保存已重新提交。" if saved else ""
        self.text.setText(f"已重新连接到数据库服务器。{done}")
        self.retry_button.hide()
        self.show()


class _PingSignals(QObject):
    done = Signal(bool)


class _Ping(QRunnable):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.signals = _PingSignals()

    def run(self) -> None:
        self.signals.done.emit(ping(self.db))


class ConnectionMonitor(QObject):
    """Knows whether the server answers; keeps the saves that must wait for it."""

    lost = Signal()
    restored = Signal()

    def __init__(self, database: Database, banner: ConnectionBanner | None = None,
                 parent: QObject | None = None, *, retry_seconds: float = RETRY_SECONDS,
                 on_restored: Callable[[], None] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.database = database
        self.banner = banner
        self.is_lost = False
        self.attempts = 0
        self.lost_since: float | None = None
        self._waiting: list[Callable[[], None]] = []
        self._pinging = False
        self._on_restored = on_restored
        self._timer = QTimer(self)
        self._timer.setInterval(int(retry_seconds * 1000))
        self._timer.timeout.connect(self.retry_now)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(4000)
        if banner is not None:
            banner.retry_clicked.connect(self.retry_now)
            self._hide_timer.timeout.connect(banner.hide)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def report_lost(self, reason: str = "") -> None:
        """Something failed because the server is unreachable."""
        if not self.is_lost:
            logger.warning("database connection lost: %s", reason)
            self.is_lost = True
            self.attempts = 0
            self.lost_since = time.monotonic()
            self._hide_timer.stop()
            self._timer.start()
            self.lost.emit()
        self._show()

    def defer(self, rerun: Callable[[], None]) -> None:
        """Run ``rerun`` (a save that failed for the lost connection) once the server is back."""
        self._waiting.append(rerun)
        self.report_lost("a save is waiting")

    def retry_now(self) -> None:
        if self._pinging:
            return
        self._pinging = True
        self.attempts += 1
        job = _Ping(self.database)
        job.signals.done.connect(self._pinged, Qt.ConnectionType.QueuedConnection)
        self._job = job  # keep the signals object alive until it reports
        QThreadPool.globalInstance().start(job)

    def _pinged(self, ok: bool) -> None:
        self._pinging = False
        if not self.is_lost:
            return
        if not ok:
            self._show()
            return
        logger.info("database connection restored after %d attempts", self.attempts)
        self.is_lost = False
        self._timer.stop()
        waiting, self._waiting = self._waiting, []
        if self.banner is not None:
            self.banner.show_restored(len(waiting))
            self._hide_timer.start()
        for rerun in waiting:
            rerun()
        if self._on_restored is not None:
            self._on_restored()
        self.restored.emit()

    def _show(self) -> None:
        if self.banner is not None:
            self.banner.show_lost(max(self.attempts, 1), len(self._waiting))
