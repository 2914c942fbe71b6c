"""Background operations: progress, result, change announcement, clear errors."""

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy import func, select

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
        return session.scalar(select(func.count()).select_from(Unit))

    op = run_operation(parent, ctx, "统计", work, on_done=results.append, topics=("units",))
    op.progress.connect(lambda pct, msg: seen_progress.append((pct, msg)))
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    assert results == [25]
    assert topics == [frozenset({"units"})]


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
