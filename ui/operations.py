"""Long work off the UI thread: a use case runs in a worker as one unit of work
(``controllers.unit_of_work``), reports progress and commits; back on the UI thread the
topics derived from its audit entries are announced (after Anki's operations)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from controllers.errors import UserError
from controllers.infra.connectivity import is_disconnect
from controllers.permissions import PermissionDenied
from controllers.unit_of_work import Outcome, execute
from ui.context import AppContext

logger = logging.getLogger(__name__)

#: fn(session, progress) -> result; progress(percent, message)
Work = Callable[[Any, Callable[[int, str], None]], Any]


class _Signals(QObject):
    progress = Signal(int, str)
    done = Signal(object)
    failed = Signal(object)


class _Runner(QRunnable):
    def __init__(self, ctx: AppContext, work: Work) -> None:
        super().__init__()
        self.ctx = ctx
        self.work = work
        self.signals = _Signals()
        self.setAutoDelete(False)

    def run(self) -> None:
        def progress(pct: int, msg: str) -> None:
            self.signals.progress.emit(pct, msg)

        try:
            outcome = execute(
                self.ctx.database,
                lambda session: self.work(session, progress),
                claim=self.ctx.claim,
            )
        except Exception as exc:
            if not isinstance(exc, UserError | PermissionDenied):
                logger.exception("operation failed")
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(outcome)


class Operation(QObject):
    """One run of ``work``; ``finished`` carries the :class:`Outcome`, ``failed`` the exception."""

    progress = Signal(int, str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, ctx: AppContext, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._runner = _Runner(ctx, work)
        sig = self._runner.signals
        sig.progress.connect(self.progress, Qt.ConnectionType.QueuedConnection)
        sig.done.connect(self.finished, Qt.ConnectionType.QueuedConnection)
        sig.failed.connect(self.failed, Qt.ConnectionType.QueuedConnection)

    def start(self) -> Operation:
        QThreadPool.globalInstance().start(self._runner)
        return self


def run_operation(
    parent: QWidget,
    ctx: AppContext,
    title: str,
    work: Work,
    *,
    on_done: Callable[[Any], None] | None = None,
    show_progress: bool = True,
    on_error: Callable[[Exception], bool] | None = None,
) -> Operation:
    """Run ``work(session, progress)`` in the background as one unit of work, with a progress
    dialog; on success announce what its audit entries say changed and call
    ``on_done(result)``; on failure ``on_error(exc)`` may handle it (returns True), otherwise
    the error (Chinese) is shown in a message box."""
    op = Operation(ctx, work, parent)
    dialog: QProgressDialog | None = None
    if show_progress:
        dialog = QProgressDialog(title, None, 0, 100, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        op.progress.connect(
            lambda pct, msg: (dialog.setValue(pct), dialog.setLabelText(msg or title))
        )

    def finished(outcome: Outcome[Any]) -> None:
        if dialog is not None:
            dialog.close()
        result = ctx.publish(outcome)
        if on_done is not None:
            on_done(result)

    def failed(exc: Exception) -> None:
        if dialog is not None:
            dialog.close()
        monitor = ctx.connection
        if monitor is not None and is_disconnect(exc):
            # The server went away: the save waits (what was typed is kept in ``work``) and
            # runs again once the connection is back; a failure then is shown as usual.
            monitor.defer(lambda: run_operation(parent, ctx, title, work, on_done=on_done,
                                                show_progress=show_progress,
                                                on_error=on_error))  # fmt: skip
            return
        if on_error is not None and on_error(exc):
            return
        show_error(parent, title, exc)

    op.finished.connect(finished)
    op.failed.connect(failed)
    return op.start()


def error_text(exc: BaseException) -> str:
    """The clerk's message for an exception: UserError as is, anything else generic."""
    if isinstance(exc, UserError):
        return str(exc)
    return f"操作失败：{type(exc).__name__}。详细信息已写入日志文件。"


def show_error(parent: QWidget | None, title: str, exc: BaseException) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, error_text(exc), QMessageBox.StandardButton.Ok, parent
    )
    box.setObjectName("operationError")
    box.open()
