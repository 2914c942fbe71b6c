"""A restore verifies everything first and is all-or-nothing: a tampered, unsealed or
triggerless backup is refused (``--force`` overrides and is audited); a restore that fails
half-way leaves the live database exactly as it was."""

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.audit.seal import create_key, seal_head
from controllers.audit.trail import entry_digest, record
from controllers.audit.verify import verify_chain
from controllers.infra.backup import BackupError, backup_database, file_sha256
from controllers.infra.restore import restore_database
from models import AuditEntry, Case
from models.codes import Role
from tests.dbservers import drop_pg
from tests.factories import make_case

CLERK = Actor(None, "zhang", Role.CITY_CLERK)
AUDITOR = Actor(None, "auditor", Role.AUDITOR)


def _add_case(db, note):
    with db.session() as s:
        case = make_case(s, remark=note)
        record(s, CLERK, "create", "case", case.id)
        s.commit()


def _cases(db):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Case))


def _fingerprint(path: Path) -> str:
    """Everything a clerk or an auditor would see: rows, triggers, audit log."""
    with sqlite3.connect(path) as conn:
        parts = [
            conn.execute("SELECT id, remark FROM cases ORDER BY id").fetchall(),
            conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type='trigger' ORDER BY name"
            ).fetchall(),
            conn.execute("SELECT id, entry_hash FROM audit_log ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM audit_head").fetchall(),
        ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _live(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _edit_backup(out: Path, *statements: str, rehash_sidecar: bool = True) -> None:
    """Someone edits the backup file (triggers off) and writes a matching .sha256."""
    conn = sqlite3.connect(out)
    try:
        for name in [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        ]:
            conn.execute(f"DROP TRIGGER {name}")
        for st in statements:
            conn.execute(st)
        conn.commit()
    finally:
        conn.close()
    if rehash_sidecar:
        out.with_name(out.name + ".sha256").write_text(f"{file_sha256(out)}  {out.name}\n")


def _rechain_backup(out: Path) -> None:
    """Recompute every hash of the backup's trail and the head (no key needed for that)."""
    conn = sqlite3.connect(out)
    try:
        cols = ["id", "at", "user_id", "username", "action", "object_type", "object_id",
                "result", "detail"]  # fmt: skip
        rows = conn.execute(f"SELECT {', '.join(cols)} FROM audit_log ORDER BY id").fetchall()
        prev = None
        for r in rows:
            fields = dict(zip(cols, r, strict=True))
            fields["at"] = dt.datetime.fromisoformat(fields["at"])
            h = entry_digest(prev, fields)
            conn.execute("UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE id = ?",
                         (prev, h, r[0]))  # fmt: skip
            prev = h
        conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", (rows[-1][0], prev))
        conn.commit()
    finally:
        conn.close()
    out.with_name(out.name + ".sha256").write_text(f"{file_sha256(out)}  {out.name}\n")


def test_missing_checksum_file_is_a_refusal(sqlite_db, sqlite_url, tmp_path):
    _add_case(sqlite_db, "live")
    out = tmp_path / "b.db"
    backup_database(sqlite_db, out)
    out.with_name("b.db.sha256").unlink()
    before = _fingerprint(_live(sqlite_url))
    with pytest.raises(BackupError, match="缺少校验和文件"):
        restore_database(sqlite_db, out)
    assert _fingerprint(_live(sqlite_url)) == before


def test_a_backup_whose_chain_fails_is_refused_and_force_is_audited(
    sqlite_db, sqlite_url, tmp_path
):
    _add_case(sqlite_db, "one")
    _add_case(sqlite_db, "two")
    out = tmp_path / "b.db"
    backup_database(sqlite_db, out)
    _edit_backup(out, "UPDATE audit_log SET username = 'nobody' WHERE id = 1")
    before = _fingerprint(_live(sqlite_url))
    with pytest.raises(BackupError, match="审计日志未通过校验") as err:
        restore_database(sqlite_db, out)
    assert "第 1 条" in str(err.value)
    assert "--force" in str(err.value)
    assert _fingerprint(_live(sqlite_url)) == before
    assert not list(tmp_path.glob(".*restore*"))
    # the backup also lost its triggers: named as well
    assert "缺少或停用了保护审计日志的触发器" in str(err.value)

    result = restore_database(sqlite_db, out, force=True)
    assert result.forced
    with sqlite_db.session() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert last.action == "restore_forced"
        assert "审计日志未通过校验" in last.detail


def test_a_rechained_backup_is_caught_by_the_seal(sqlite_db, sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFY_AUDIT_KEY", str(tmp_path / "key" / "audit.key"))
    create_key()
    _add_case(sqlite_db, "one")
    _add_case(sqlite_db, "two")
    out = tmp_path / "b.db"
    backup_database(sqlite_db, out)  # seals the head first
    assert out.with_name("b.db.seal").is_file()
    _edit_backup(out, "UPDATE audit_log SET username = 'nobody' WHERE id = 2")
    _rechain_backup(out)
    with pytest.raises(BackupError, match="重新计算了哈希链"):
        restore_database(sqlite_db, out)
    # an untouched sealed backup restores, and says it was checked against the seal
    good = tmp_path / "good.db"
    backup_database(sqlite_db, good)
    result = restore_database(sqlite_db, good)
    assert "与最近一次封存" in result.check.seal_note


def test_a_restore_that_fails_half_way_leaves_the_live_database_as_it_was(
    sqlite_db, sqlite_url, tmp_path
):
    """The attack of the issue: the backup's head rewound, its entries left in place; carrying
    the newer entries over then collides. Forced, it must still change nothing."""
    _add_case(sqlite_db, "one")
    _add_case(sqlite_db, "two")
    out = tmp_path / "b.db"
    backup_database(sqlite_db, out)
    _add_case(sqlite_db, "after the backup")
    with sqlite3.connect(out) as conn:
        h = conn.execute("SELECT entry_hash FROM audit_log WHERE id = 1").fetchone()[0]
    _edit_backup(out, f"UPDATE audit_head SET last_id = 1, last_hash = '{h}'",
                 "UPDATE cases SET remark = 'tampered'")  # fmt: skip
    live = _live(sqlite_url)
    before = _fingerprint(live)
    with pytest.raises(BackupError, match="未做任何恢复"):
        restore_database(sqlite_db, out)
    with pytest.raises(DBAPIError, match="审计日志"):
        restore_database(sqlite_db, out, force=True)
    assert _fingerprint(live) == before
    assert not list(tmp_path.glob(".*restore*"))
    with sqlite_db.session() as s:
        assert verify_chain(s).intact
        assert "tampered" not in {c.remark for c in s.scalars(select(Case))}


def test_a_restore_while_another_process_holds_the_database_changes_nothing(
    sqlite_db, sqlite_url, tmp_path
):
    _add_case(sqlite_db, "one")
    out = tmp_path / "b.db"
    backup_database(sqlite_db, out)
    _add_case(sqlite_db, "two")
    live = _live(sqlite_url)
    other = sqlite3.connect(live)
    other.execute("BEGIN IMMEDIATE")  # someone else is writing
    try:
        before_cases = other.execute("SELECT count(*) FROM cases").fetchone()[0]
        with pytest.raises(BackupError, match="正被其他程序使用"):
            restore_database(sqlite_db, out)
    finally:
        other.rollback()
        other.close()
    assert _cases(sqlite_db) == before_cases == 2
    assert not list(tmp_path.glob(".*restore*"))


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_refuses_a_tampered_dump_and_keeps_the_database(database, tmp_path):
    _add_case(database, "one")
    out = tmp_path / "pg.dump"
    backup_database(database, out)
    # tamper in the live database, dump it again: a dump whose chain fails
    with database.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql("UPDATE audit_log SET username = 'nobody' WHERE id = 1")
    bad = tmp_path / "bad.dump"
    backup_database(database, bad)
    with database.engine.begin() as conn:  # put the live database right again
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql("UPDATE audit_log SET username = 'zhang' WHERE id = 1")
    _add_case(database, "two")
    with pytest.raises(BackupError, match="审计日志未通过校验"):
        restore_database(database, bad)
    assert _cases(database) == 2
    with database.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM pg_database WHERE datname LIKE :p"),
                            {"p": database.engine.url.database[:40] + "_restore%"}).scalar()  # fmt: skip
    assert left == 0
    out.with_name("pg.dump.sha256").unlink()
    with pytest.raises(BackupError, match="缺少校验和文件"):
        restore_database(database, out)
    result = restore_database(database, bad, force=True)
    drop_pg(result.safety_database)
    with database.session() as s:
        last = s.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1))
    assert last == "restore_forced"
    assert _cases(database) == 1


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_refuses_a_dump_without_the_bare_change_feed(database, tmp_path):
    """The change-notification functions are part of the schema a restore checks: a dump
    whose audit trigger notifies with content again, or lacks rectify_audit_changes_since(),
    is refused; --force puts them back."""
    _add_case(database, "one")
    with database.engine.begin() as conn:
        conn.exec_driver_sql("DROP FUNCTION rectify_audit_changes_since(integer)")
        conn.exec_driver_sql(_migration_module("0007_i14_bare_notify").PG_MOVED_0004)
    bad = tmp_path / "feed.dump"
    backup_database(database, bad)
    with pytest.raises(BackupError) as refused:
        restore_database(database, bad)
    assert "rectify_audit_changes_since(integer)" in str(refused.value)
    assert "空通知" in str(refused.value)
    result = restore_database(database, bad, force=True)
    drop_pg(result.safety_database)
    with database.engine.connect() as conn:
        from controllers.infra.restore import change_feed_problems
        from models.migrate import current_revision

        assert change_feed_problems(conn, current_revision(database.engine)) == []


def _migration_module(name):
    from controllers.infra.restore import _migration

    return _migration(name)


def test_seal_command_needs_the_auditor(sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFY_AUDIT_KEY", str(tmp_path / "k"))
    create_key()
    seal = unit_of_work.run(sqlite_db, AUDITOR, seal_head).value
    assert seal.last_id == 0
