"""Restoring the single-machine database from the settings pane: the backup is verified, the
clerk confirms, the database is replaced (audit entries kept) and the application restarts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.infra.backup import backup_database
from models import AuditEntry, Case
from models.codes import Role
from tests.factories import make_case
from ui.app import create_application
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.panes.backup_box import BackupBox
from ui.restart import RESTART_PROPERTY, restart_command, restart_requested

pytestmark = pytest.mark.gui
ADMIN = Actor(None, "admin", Role.ADMIN)


@pytest.fixture
def app(qapp):
    create_application()
    QSettings().clear()
    qapp.setProperty(RESTART_PROPERTY, False)
    yield qapp
    qapp.setProperty(RESTART_PROPERTY, False)


def _cases(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _add_case(db) -> None:
    with db.session() as s:
        case = make_case(s)
        record(s, ADMIN, "create", "case", case.id)
        s.commit()


def _box(qtbot, parent, name: str) -> QMessageBox:
    qtbot.waitUntil(lambda: parent.findChild(QMessageBox, name) is not None, timeout=20_000)
    return parent.findChild(QMessageBox, name)


def test_restore_from_the_settings_pane_replaces_the_database_and_restarts(
    app, qtbot, sqlite_db, tmp_path
):
    _add_case(sqlite_db)
    backup = tmp_path / "备份.db"
    backup_database(sqlite_db, backup)
    _add_case(sqlite_db)
    assert _cases(sqlite_db) == 2
    box = BackupBox(AppContext(sqlite_db, ADMIN))
    qtbot.addWidget(box)
    box.load()
    assert box.restore_button.isEnabled()
    restarts = []
    box.ctx.events.restart_requested.connect(lambda: restarts.append(True))

    box.restore_from(backup)
    confirm = _box(qtbot, box, "confirmRestore")
    assert "其中企业：1 家" in confirm.text()
    assert "哈希链完整" in confirm.text()
    assert _cases(sqlite_db) == 2  # nothing replaced before the clerk confirms
    confirm.button(QMessageBox.StandardButton.Yes).click()

    done = _box(qtbot, box, "restoreDone")
    assert "已从备份恢复数据库" in done.text()
    assert "另存为" in done.text()
    assert _cases(sqlite_db) == 1
    with sqlite_db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-3:] == ["backup", "create", "restore"]  # later entries carried over
    assert restarts == []
    done.button(QMessageBox.StandardButton.Ok).click()
    assert restarts == [True]


def test_cancelling_or_a_bad_file_changes_nothing(app, qtbot, sqlite_db, tmp_path):
    _add_case(sqlite_db)
    backup = tmp_path / "copy.db"
    backup_database(sqlite_db, backup)
    _add_case(sqlite_db)
    box = BackupBox(AppContext(sqlite_db, ADMIN))
    qtbot.addWidget(box)
    box.load()
    box.restore_from(backup)
    confirm = _box(qtbot, box, "confirmRestore")
    confirm.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: not confirm.isVisible())  # 恢复 would have started from this click
    assert box.findChild(QMessageBox, "restoreDone") is None
    assert _cases(sqlite_db) == 2

    bad = tmp_path / "not-a-backup.db"
    bad.write_bytes(b"PK\x03\x04 a zip, not a database" * 50)
    box.restore_from(bad)
    qtbot.waitUntil(
        lambda: any(
            "不是 SQLite 数据库备份文件" in m.text() for m in box.findChildren(QMessageBox)
        ),
        timeout=20_000,
    )
    assert _cases(sqlite_db) == 2


def test_the_main_window_closes_to_restart(app, qtbot, sqlite_db):
    window = MainWindow(AppContext(sqlite_db, ADMIN))
    qtbot.addWidget(window)
    window.show()
    assert not restart_requested()
    window.ctx.events.restart_requested.emit()
    assert restart_requested()
    assert not window.isVisible()


def test_restart_runs_what_started_the_application(monkeypatch):
    program, args = restart_command(["main.py", "--db", "sqlite:///x.db"])
    assert program == sys.executable
    assert args == [str(Path("main.py").resolve()), "--db", "sqlite:///x.db"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert restart_command([sys.executable, "--demo-if-empty"]) == (
        sys.executable,
        ["--demo-if-empty"],
    )


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_server_database_is_not_restored_from_the_pane(app, qtbot, database):
    box = BackupBox(AppContext(database, ADMIN))
    qtbot.addWidget(box)
    box.load()
    assert not box.restore_button.isEnabled()
    assert "restore 备份文件" in box.restore_button.toolTip()
