"""Faults: a process killed in the middle of an import-like batch write, and the PostgreSQL
server restarted while a clerk is working (a private throwaway server, never the shared one)."""

import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import func, select

from controllers.actor import SYSTEM
from controllers.audit.trail import record
from controllers.audit.verify import verify_chain
from controllers.auth import create_user, sign_in
from controllers.editing import apply_edit
from controllers.units.reference import load_reference_units
from models import AuditEntry, Case
from models.database import Database, make_engine
from models.migrate import upgrade
from tests.factories import make_case
from tests.pg_instance import pg_bin, running_server

ROOT = Path(__file__).resolve().parent.parent
ROWS = 1500


def _kill_during_batch(url: str, kill_at: str) -> str:
    """Run the batch writer and SIGKILL it when it prints ``kill_at``; returns its last line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fault_batch_writer", url, str(ROWS)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    last = ""
    try:
        for line in proc.stdout:
            last = line.strip()
            if last == kill_at:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=120)
        proc.stdout.close()
        proc.stderr.close()
    return last


def _state(db: Database) -> tuple[int, int]:
    with db.session() as s:
        cases = s.scalar(select(func.count()).select_from(Case))
        imports = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")
        )
        assert verify_chain(s).intact
    return cases, imports


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", ["flushed 200", "flushed 1000", "committing", None])
def test_a_killed_batch_write_is_all_there_or_absent_sqlite(sqlite_url, kill_at):
    _kill_during_batch(sqlite_url, kill_at or "never")
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db = Database.from_engine(make_engine(sqlite_url))
    try:
        cases, imports = _state(db)
    finally:
        db.dispose()
    if kill_at is None:
        assert (cases, imports) == (ROWS, 1)
    elif kill_at == "committing":
        assert (cases, imports) in {(0, 0), (ROWS, 1)}  # the commit itself is atomic
    else:
        assert (cases, imports) == (0, 0)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_killed_batch_write_is_all_there_or_absent_postgresql(db_url):
    _kill_during_batch(db_url, "flushed 1000")
    db = Database.from_engine(make_engine(db_url))
    try:
        assert _state(db) == (0, 0)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def private_pg():
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with running_server() as server:
        yield server


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.gui
def test_postgresql_restarted_during_a_session(qapp, qtbot, private_pg):
    from ui.app import create_application
    from ui.clerk_session import ClerkSession
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.operations import run_operation

    create_application()
    QSettings().clear()
    url = private_pg.create_database(f"restart_{uuid.uuid4().hex[:8]}")
    db = Database.from_engine(make_engine(url))
    upgrade(db.engine, backup=False)
    with db.session() as s:
        load_reference_units(s)
        create_user(s, SYSTEM, "chief", "admin", password="Guanli-Mima-1")
        for name in ("zhang", "li"):
            create_user(s, SYSTEM, name, "city_clerk", password="Yewu-Mima-22",
                        must_change_password=False)  # fmt: skip
        case_id = make_case(s).id
        s.commit()
        me = sign_in(s, "zhang", "Yewu-Mima-22").actor
        other = sign_in(s, "li", "Yewu-Mima-22").actor
    ctx = AppContext(db, me)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    session = ClerkSession(window, ctx, poll_seconds=0.2, retry_seconds=0.3)
    with qtbot.waitSignal(session.listener.ready, timeout=20_000):  # listening to the server
        session.start()
    window.show()
    try:
        private_pg.stop()  # the server goes away (restart, network drop…)
        typed = "断线时输入的业主"

        def save(s, _progress):
            case = s.get(Case, case_id)
            diffs = apply_edit(s, case, case.version, {"owner": typed})
            record(s, me, "update", "case", case_id, detail={"owner": [diffs["owner"][0], typed]})
            s.commit()

        run_operation(window, ctx, "保存企业信息", save, show_progress=False)
        qtbot.waitUntil(lambda: session.monitor.waiting == 1, timeout=20_000)
        assert session.banner.isVisible()
        text = session.banner.text.text()
        assert "连接已断开" in text
        assert "1 项保存正在等待" in text
        assert "您已输入的内容不会丢失" in text
        private_pg.start()
        qtbot.waitUntil(lambda: not session.monitor.is_lost, timeout=60_000)
        assert "已重新连接" in session.banner.text.text()

        def saved() -> bool:
            with db.session() as s:
                return s.get(Case, case_id).owner == typed

        qtbot.waitUntil(saved, timeout=20_000)
        # the change feed listens again: another clerk's commit still reaches the panes
        with qtbot.waitSignal(ctx.events.changed, timeout=20_000) as blocker, db.session() as s:
            record(s, other, "update", "case", case_id)
            s.commit()
        assert "cases" in blocker.args[0]
        with db.session() as s:
            assert verify_chain(s).intact
            updates = list(s.scalars(select(AuditEntry.username)
                                     .where(AuditEntry.action == "update")))  # fmt: skip
            assert updates == ["zhang", "li"]  # the waiting save ran exactly once
    finally:
        session.stop()
        db.dispose()


@pytest.mark.gui
def test_closing_while_saves_wait_asks_first(qapp, qtbot, sqlite_db, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from ui.app import create_application, local_actor
    from ui.clerk_session import ClerkSession
    from ui.context import AppContext
    from ui.main_window import MainWindow

    create_application()
    QSettings().clear()
    ctx = AppContext(sqlite_db, local_actor())
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    session = ClerkSession(window, ctx, retry_seconds=600)
    window.show()
    ran = []
    session.monitor.defer(lambda: ran.append("saved"))
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2])
        return next(answers)

    monkeypatch.setattr(QMessageBox, "question", question)
    window.close()
    assert window.isVisible()  # "No": the clerk stays, the save still waits
    assert "有 1 项保存正在等待" in asked[0]
    window.close()
    assert not window.isVisible()
    session.idle_lock.stop()
    assert ran == []
