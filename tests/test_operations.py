"""Background operations: progress, result, change announcement, clear errors."""

import threading

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy import func, select

from controllers.audit.catalog import topics_for
from controllers.audit.trail import record
from controllers.errors import UserError
from models import AuditEntry, Unit
from ui.app import local_actor
from ui.context import AppContext
from ui.operations import run_operation

pytestmark = pytest.mark.gui


@pytest.fixture
def ctx(sqlite_db):
    return AppContext(sqlite_db, local_actor())


def _entries(ctx) -> int:
    with ctx.database.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_operation_runs_off_the_ui_thread_and_announces_changes(qtbot, ctx):
    parent = QWidget()
    qtbot.addWidget(parent)
    seen_progress, results, topics, threads = [], [], [], []
    ctx.events.changed.connect(topics.append)
    go = threading.Event()

    def work(session, progress):
        go.wait(10)  # until the test listens to the progress
        threads.append(threading.current_thread())
        progress(50, "半程")
        record(session, ctx.actor, "update", "unit", 1)  # what it changed, as the audit says
        return session.scalar(select(func.count()).select_from(Unit))

    op = run_operation(parent, ctx, "统计", work, on_done=results.append)
    op.progress.connect(lambda pct, msg: seen_progress.append((pct, msg)))
    go.set()
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert results == [25]
    assert threads[0] is not threading.main_thread()
    assert (50, "半程") in seen_progress
    # derived from the audit entry written: a unit's change concerns every pane that shows units
    assert topics == [topics_for("update", "unit")]
    assert {"units", "audit"} <= topics[0]


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


def _close_while_running(qtbot, ctx, work_result):
    """Start an operation, delete its window while it runs, let it end; returns what the
    window's callbacks received once every event the worker posted was delivered."""
    parent = QWidget()
    started, release, ended = threading.Event(), threading.Event(), threading.Event()
    results, errors = [], []

    def work(session, progress):
        started.set()
        release.wait(10)
        return work_result(session)

    op = run_operation(parent, ctx, "统计", work, on_done=results.append, show_progress=False,
                       on_error=lambda exc: errors.append(exc) or True)  # fmt: skip
    signals = op._runner.signals
    # Runs in the worker right after the queued deliveries to the window were posted.
    signals.done.connect(lambda _o: ended.set(), Qt.ConnectionType.DirectConnection)
    signals.failed.connect(lambda _e: ended.set(), Qt.ConnectionType.DirectConnection)
    assert started.wait(10)
    gone = []
    parent.destroyed.connect(lambda: gone.append(True))
    parent.deleteLater()
    qtbot.waitUntil(lambda: bool(gone), timeout=5_000)
    release.set()
    qtbot.waitUntil(ended.is_set, timeout=10_000)
    QCoreApplication.processEvents()  # deliver whatever the worker posted
    return results, errors


def test_closing_the_window_while_work_runs_is_harmless(qtbot, ctx):
    """The work finishes and commits; its window is gone, so nothing is shown, nothing fails."""
    before = _entries(ctx)

    def work(session):
        record(session, ctx.actor, "update", "unit", 1, detail={"name": ["甲", "乙"]})
        return session.scalar(select(func.count()).select_from(Unit))

    results, errors = _close_while_running(qtbot, ctx, work)
    assert _entries(ctx) == before + 1  # the work committed
    assert results == []  # the window that asked is gone: its callback is not run
    assert errors == []


def test_failure_after_the_window_closed_is_not_shown(qtbot, ctx):
    def work(session):
        raise UserError("太晚了")

    results, errors = _close_while_running(qtbot, ctx, work)
    assert results == []
    assert errors == []
    shown = [w for w in QCoreApplication.instance().topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]  # fmt: skip
    assert shown == []
