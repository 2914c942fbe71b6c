"""Background operations: progress, result, change announcement, clear errors."""

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy import func, select

from controllers.audit.trail import record
from controllers.errors import UserError
from models import Unit
from ui.app import local_actor
from ui.context import AppContext
from ui.operations import run_operation

pytestmark = pytest.mark.gui


@pytest.fixture
def ctx(sqlite_db):
    return AppContext(sqlite_db, local_actor())


def test_operation_runs_off_the_ui_thread_and_announces_changes(qtbot, ctx):
    parent = QWidget()
    qtbot.addWidget(parent)
    seen_progress, results, topics = [], [], []
    ctx.events.changed.connect(topics.append)

    def work(session, progress):
        progress(50, "半程")
        record(session, ctx.actor, "update", "unit", 1)  # what it changed, as the audit says
        return session.scalar(select(func.count()).select_from(Unit))

    op = run_operation(parent, ctx, "统计", work, on_done=results.append)
    op.progress.connect(lambda pct, msg: seen_progress.append((pct, msg)))
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert results == [25]
    assert topics == [frozenset({"units", "audit"})]  # derived from the audit entry written


def test_operation_failure_shows_the_chinese_message(qtbot, ctx):
    parent = QWidget()
    qtbot.addWidget(parent)

    def work(session, progress):
        raise UserError("第 3 行：日期格式不正确")

    run_operation(parent, ctx, "导入", work, show_progress=False)
    qtbot.waitUntil(
        lambda: parent.findChild(QMessageBox, "operationError") is not None, timeout=10_000
    )
    box = parent.findChild(QMessageBox, "operationError")
    assert box.text() == "第 3 行：日期格式不正确"
    box.close()


def test_closing_the_window_while_work_runs_is_harmless(qtbot, ctx):
    """The work finishes and commits; its window is gone, so nothing is shown, nothing fails."""
    import threading

    parent = QWidget()
    started, release, results = threading.Event(), threading.Event(), []

    def work(session, progress):
        started.set()
        release.wait(10)
        progress(100, "完成")
        return session.scalar(select(func.count()).select_from(Unit))

    run_operation(parent, ctx, "统计", work, on_done=results.append)
    assert started.wait(10)
    parent.deleteLater()
    qtbot.wait(50)
    release.set()
    qtbot.wait(300)
    assert results == []  # the window that asked is gone: its callback is not run


def test_failure_after_the_window_closed_is_not_shown(qtbot, ctx):
    import threading

    parent = QWidget()
    release = threading.Event()

    def work(session, progress):
        release.wait(10)
        raise UserError("太晚了")

    run_operation(parent, ctx, "导入", work, show_progress=False)
    parent.deleteLater()
    qtbot.wait(50)
    release.set()
    qtbot.wait(300)
