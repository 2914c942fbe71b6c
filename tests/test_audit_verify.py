"""`audit verify` catches an edited, a deleted and a reordered entry; archiving loses nothing."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from controllers.actor import SYSTEM, Actor
from controllers.audit.archive import archive_old_entries, set_retention_months
from controllers.audit.trail import entry_digest, entry_fields, record
from controllers.audit.verify import verify_chain
from controllers.errors import ValidationError
from models import AuditArchive, AuditEntry, AuditHead
from models.codes import AuditResult, Role

ROOT = Path(__file__).resolve().parent.parent
AUDITOR = Actor(None, "auditor", Role.AUDITOR)
CLERK = Actor(None, "zhang", Role.CITY_CLERK)

TRIGGERS = ("audit_log_no_update", "audit_log_delete_archived_only", "audit_log_continues_chain",
            "audit_log_no_replace", "audit_head_forward_only")  # fmt: skip


def _fill(db, n=6):
    for i in range(n):
        with db.session() as s:
            record(s, CLERK, "update", "case", i, detail={"owner": [f"旧{i}", f"新{i}"]})
            s.commit()


def tamper(db, *statements):
    """What someone with the database's keys could do: switch the guards off and edit."""
    with db.engine.begin() as conn:
        backend = conn.dialect.name
        if backend == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            for trigger in TRIGGERS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            conn.exec_driver_sql(statement)


def _append_old(session, at: dt.datetime, action="update") -> None:
    """An entry written long ago (continuing the chain, as the application would have)."""
    last_id, last_hash = session.execute(select(AuditHead.last_id, AuditHead.last_hash)).one()
    e = AuditEntry(id=last_id + 1, at=at, user_id=None, username="old", action=action,
                   object_type="case", object_id="1", result=AuditResult.OK, detail=None,
                   prev_hash=last_hash)  # fmt: skip
    e.entry_hash = entry_digest(last_hash, entry_fields(e))
    session.add(e)
    session.flush()


def test_an_intact_chain_verifies(database):
    _fill(database)
    with database.session() as s:
        report = verify_chain(s)
    assert report.intact
    assert report.checked == 6
    assert "哈希链校验通过" in report.message()


def test_an_edited_entry_is_named(database):
    _fill(database)
    tamper(database, 'UPDATE audit_log SET detail = \'{"owner": ["旧2", "改过"]}\' WHERE id = 3')
    with database.session() as s:
        report = verify_chain(s)
    assert not report.intact
    assert report.broken.entry_id == 3
    assert report.broken.reason == "edited"
    assert "第 3 条" in report.message()
    assert "被修改" in report.message()
    assert "zhang" in report.message()


def test_a_deleted_entry_is_named(database):
    _fill(database)
    tamper(database, "DELETE FROM audit_log WHERE id = 4")
    with database.session() as s:
        report = verify_chain(s)
    assert (report.broken.entry_id, report.broken.reason) == (4, "missing")
    assert "第 4 条缺失" in report.message()


def test_reordered_entries_are_named(database):
    _fill(database)
    tamper(
        database,
        "UPDATE audit_log SET id = 100 WHERE id = 2",
        "UPDATE audit_log SET id = 2 WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 100",
    )
    with database.session() as s:
        report = verify_chain(s)
    assert (report.broken.entry_id, report.broken.reason) == (2, "out_of_order")
    assert "调换了顺序" in report.message()


def test_removing_the_newest_entries_is_noticed(database):
    _fill(database)
    tamper(database, "DELETE FROM audit_log WHERE id >= 5")
    with database.session() as s:
        report = verify_chain(s)
    assert (report.broken.entry_id, report.broken.reason) == (5, "tail_removed")
    assert "第 5–6 条缺失" in report.message()


def test_archiving_moves_only_old_entries_and_the_chain_still_verifies(database):
    long_ago = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=400)
    with database.session() as s:
        for days in range(3):
            _append_old(s, long_ago + dt.timedelta(days=days))
        s.commit()
    _fill(database, 3)
    with database.session() as s:
        with pytest.raises(ValidationError, match="至少保存 6 个月"):
            set_retention_months(s, AUDITOR, 3)
        result = archive_old_entries(s, AUDITOR)
        s.commit()
        assert (result.moved, result.up_to_id) == (3, 3)
        assert s.scalar(select(func.count()).select_from(AuditArchive)) == 3
        assert s.scalar(select(func.min(AuditEntry.id))) == 4
        report = verify_chain(s)
        assert report.intact, report.message()
        assert (report.checked, report.archived) == (7, 3)  # the archiving itself is entry 7
        again = archive_old_entries(s, AUDITOR)
        s.commit()
        assert again.moved == 0


def test_the_database_refuses_to_archive_or_drop_young_entries(database):
    _fill(database, 2)
    with database.session() as s, pytest.raises(DBAPIError):
        s.execute(text("INSERT INTO audit_archive SELECT *, :now FROM audit_log WHERE id = 1"),
                  {"now": dt.datetime.now()})  # fmt: skip
    with database.session() as s, pytest.raises(DBAPIError, match="append-only"):
        s.execute(text("DELETE FROM audit_log WHERE id = 1"))
    with database.session() as s:
        assert verify_chain(s).intact


def test_only_the_auditor_archives(sqlite_db):
    from controllers.permissions import PermissionDenied

    with sqlite_db.session() as s, pytest.raises(PermissionDenied):
        archive_old_entries(s, Actor(None, "admin", Role.ADMIN))
    with sqlite_db.session() as s:
        archive_old_entries(s, SYSTEM)
        s.commit()


def _cli(*args, env=None):
    full = dict(os.environ)
    full.pop("RECTIFY_DB_URL", None)
    full.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, encoding="utf-8", env=full, timeout=120, cwd=ROOT)  # fmt: skip


def test_audit_verify_command_exit_codes(sqlite_db, sqlite_url):
    _fill(sqlite_db)
    ok = _cli("--db", sqlite_url, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "哈希链校验通过" in ok.stdout
    sqlite_db.dispose()
    tamper(sqlite_db, "UPDATE audit_log SET username = 'someone_else' WHERE id = 2")
    sqlite_db.dispose()
    bad = _cli("--db", sqlite_url, "audit", "verify")
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "第 2 条" in bad.stderr
    assert "被修改" in bad.stderr


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_retention_command(sqlite_url):
    shown = _cli("--db", sqlite_url, "audit", "retention")
    assert shown.returncode == 0, shown.stderr
    assert "6 个月" in shown.stdout
    too_short = _cli("--db", sqlite_url, "audit", "retention", "3")
    assert too_short.returncode == 1
    assert "至少保存 6 个月" in too_short.stderr
    longer = _cli("--db", sqlite_url, "audit", "retention", "12")
    assert longer.returncode == 0, longer.stderr
    assert "12 个月" in _cli("--db", sqlite_url, "audit", "retention").stdout
