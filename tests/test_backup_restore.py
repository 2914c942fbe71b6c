"""Backups and restores: consistent copies, verified before anything is replaced, no audit
entry lost; the daily automatic SQLite backup keeps the newest N."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from controllers.actor import SYSTEM, Actor
from controllers.audit.trail import record
from controllers.audit.verify import verify_chain
from controllers.infra.backup import (
    BackupError,
    auto_backup,
    auto_backups,
    backup_database,
    file_sha256,
    sqlite_integrity,
)
from controllers.infra.restore import restore_database
from controllers.permissions import PermissionDenied
from models import AuditEntry, Case
from models.codes import Role
from tests.dbservers import drop_pg
from tests.factories import make_case

ROOT = Path(__file__).resolve().parent.parent
CLERK = Actor(None, "zhang", Role.CITY_CLERK)


def _cases(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _add_case(db, note: str) -> None:
    with db.session() as s:
        case = make_case(s, remark=note)
        record(s, CLERK, "create", "case", case.id)
        s.commit()


def test_sqlite_backup_is_a_checked_copy_and_is_audited(sqlite_db, tmp_path):
    _add_case(sqlite_db, "one")
    out = tmp_path / "backups" / "copy.db"
    result = backup_database(sqlite_db, out)
    assert result.path == out.resolve()
    assert sqlite_integrity(out) == "ok"
    assert (tmp_path / "backups" / "copy.db.sha256").read_text().split()[0] == file_sha256(out)
    with sqlite3.connect(out) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (1,)
    with sqlite_db.session() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert last.action == "backup"
        assert '"sha256"' in last.detail
    with pytest.raises(PermissionDenied):
        backup_database(sqlite_db, tmp_path / "x.db", CLERK)


def test_restore_brings_the_backup_back_and_keeps_every_audit_entry(sqlite_db, tmp_path):
    _add_case(sqlite_db, "before")
    out = tmp_path / "b.db"
    backup_database(sqlite_db, out)
    _add_case(sqlite_db, "after the backup")
    with sqlite_db.session() as s:
        entries_before = s.scalar(select(func.count()).select_from(AuditEntry))
    assert _cases(sqlite_db) == 2
    result = restore_database(sqlite_db, out)
    assert _cases(sqlite_db) == 1
    assert result.safety_copy is not None
    assert result.safety_copy.exists()
    with sqlite3.connect(result.safety_copy) as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (2,)
    # the backup's own entry and the "create" were written after the copy was taken
    assert result.carried_entries == 2
    with sqlite_db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert len(actions) == entries_before + 1
        assert actions[-3:] == ["backup", "create", "restore"]
        assert verify_chain(s).intact


def _snapshot(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return repr(conn.execute("SELECT id, remark FROM cases ORDER BY id").fetchall())


@pytest.mark.parametrize("damage", ["flipped", "not_a_database", "truncated", "checksum"])
def test_a_bad_backup_is_refused_and_nothing_is_replaced(sqlite_db, sqlite_url, tmp_path, damage):
    _add_case(sqlite_db, "live")
    out = tmp_path / "b.db"
    backup_database(sqlite_db, out)
    data = bytearray(out.read_bytes())
    if damage == "flipped":
        for i in range(4096, len(data), 97):  # scribble over every page after the header
            data[i] ^= 0x5A
    elif damage == "not_a_database":
        data = bytearray(b"PK\x03\x04 this is a zip, not a backup" * 100)
    elif damage == "truncated":
        data = data[: len(data) // 3]
    if damage == "checksum":
        data[-1] ^= 0x01  # one byte: the .sha256 beside it no longer matches
    out.write_bytes(bytes(data))
    if damage != "checksum":
        out.with_name("b.db.sha256").unlink()
    live = Path(sqlite_url.removeprefix("sqlite:///"))
    before = _snapshot(live)
    with pytest.raises(BackupError, match="未做任何恢复"):
        restore_database(sqlite_db, out)
    assert _snapshot(live) == before
    assert not list(tmp_path.glob("*before-restore*"))


def test_daily_automatic_backup_keeps_the_newest(sqlite_db, tmp_path):
    folder = tmp_path / "auto"
    day = dt.datetime(2026, 6, 1, 8, 30)
    first = auto_backup(sqlite_db, folder=folder, keep=2, moment=day)
    assert first is not None
    assert first.exists()
    assert auto_backup(sqlite_db, folder=folder, keep=2, moment=day + dt.timedelta(hours=5)) is None
    for n in (1, 2, 3):
        assert auto_backup(sqlite_db, folder=folder, keep=2, moment=day + dt.timedelta(days=n))
    kept = auto_backups(folder)
    assert [p.name for p in kept] == ["rectify-auto-20260604-083000.db",
                                      "rectify-auto-20260603-083000.db"]  # fmt: skip
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in kept] + [p.name + ".sha256" for p in kept]
    )


def _cli(*args, env=None):
    full = dict(os.environ)
    full.pop("RECTIFY_DB_URL", None)
    full.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, encoding="utf-8", env=full, timeout=180, cwd=ROOT)  # fmt: skip


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_backup_and_restore_commands_need_the_administrator(sqlite_db, sqlite_url, tmp_path):
    from controllers.auth import create_user

    with sqlite_db.session() as s:
        create_user(s, SYSTEM, "boss", Role.ADMIN, password="Guanli-Mima-1",
                    must_change_password=False)  # fmt: skip
        admin = Actor(1, "boss", Role.ADMIN)
        create_user(s, admin, "zhang", Role.CITY_CLERK, password="Yewu-Mima-22",
                    must_change_password=False)  # fmt: skip
        s.commit()
    _add_case(sqlite_db, "x")
    sqlite_db.dispose()
    out = tmp_path / "cli.db"
    anonymous = _cli("--db", sqlite_url, "backup", str(out))
    assert anonymous.returncode == 1
    assert "--user" in anonymous.stderr
    clerk = _cli("--db", sqlite_url, "--user", "zhang", "backup", str(out),
                 env={"RECTIFY_PASSWORD": "Yewu-Mima-22"})  # fmt: skip
    assert clerk.returncode == 1
    assert "无权备份和恢复数据库" in clerk.stderr
    ok = _cli("--db", sqlite_url, "--user", "boss", "backup", str(out),
              env={"RECTIFY_PASSWORD": "Guanli-Mima-1"})  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert out.exists()
    restored = _cli("--db", sqlite_url, "--user", "boss", "restore", str(out),
                    env={"RECTIFY_PASSWORD": "Guanli-Mima-1"})  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert "恢复前的数据库已另存为" in restored.stdout
    verify = _cli("--db", sqlite_url, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    with sqlite_db.session() as s:
        refused = s.scalar(select(func.count()).select_from(AuditEntry)
                           .where(AuditEntry.action == "permission_refused"))  # fmt: skip
        assert refused == 1


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_dump_and_restore(database, tmp_path):
    _add_case(database, "before")
    out = tmp_path / "pg.dump"
    backup_database(database, out)
    assert out.read_bytes()[:5] == b"PGDMP"
    _add_case(database, "after")
    result = restore_database(database, out)
    drop_pg(result.safety_database)  # the previous database, kept under another name
    assert _cases(database) == 1
    assert result.carried_entries == 2  # "backup" and the "create" after it
    with database.session() as s:
        assert verify_chain(s).intact
        assert s.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == (
            "restore"
        )


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_missing_pg_dump_is_explained(database, tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFY_PG_BIN", str(tmp_path))  # a folder without the client tools
    with pytest.raises(BackupError, match="未找到 PostgreSQL 客户端工具 pg_dump") as err:
        backup_database(database, tmp_path / "pg.dump")
    assert "SQLite 数据库的备份不需要任何客户端工具" in str(err.value)
    assert not (tmp_path / "pg.dump").exists()
