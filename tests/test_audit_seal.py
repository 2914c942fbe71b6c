"""Seals with a key outside the database: a rewritten, truncated or re-chained trail is named."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from controllers import unit_of_work
from controllers.actor import SYSTEM, Actor
from controllers.audit.seal import create_key, seal_head, seal_if_due
from controllers.audit.trail import entry_digest, entry_fields, record
from controllers.audit.verify import verify_chain
from models import AuditEntry
from models.codes import Role

ROOT = Path(__file__).resolve().parent.parent
AUDITOR = Actor(None, "auditor", Role.AUDITOR)
CLERK = Actor(None, "zhang", Role.CITY_CLERK)
GUARDS = ("audit_log_no_update", "audit_log_delete_archived_only", "audit_log_continues_chain",
          "audit_log_moves_head", "audit_log_no_replace", "audit_head_forward_only")  # fmt: skip


@pytest.fixture
def audit_key(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "audit.key"
    monkeypatch.setenv("RECTIFY_AUDIT_KEY", str(path))
    create_key(path)
    return path


def _fill(db, n=4, start=0):
    for i in range(start, start + n):
        with db.session() as s:
            record(s, CLERK, "update", "case", i, detail={"owner": [f"旧{i}", f"新{i}"]})
            s.commit()


def _seal(db):
    return unit_of_work.run(db, AUDITOR, seal_head).value


def _verify(db):
    with db.session() as s:
        return verify_chain(s)


def _unguarded(conn):
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    else:
        for name in GUARDS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def rechain(db, *, edit_id=None, drop_from=None):
    """Full write access without the key: edit or cut entries, recompute every hash and the head."""
    with db.engine.begin() as conn:
        _unguarded(conn)
        if drop_from is not None:
            conn.execute(text("DELETE FROM audit_log WHERE id >= :i"), {"i": drop_from})
        if edit_id is not None:
            conn.execute(text("UPDATE audit_log SET detail = :d WHERE id = :i"),
                         {"d": '{"owner": ["旧", "改过"]}', "i": edit_id})  # fmt: skip
    with db.session() as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        prev = None
        fixes = []
        for e in rows:
            h = entry_digest(prev, entry_fields(e))
            fixes.append({"i": e.id, "p": prev, "h": h})
            prev = h
        last = rows[-1].id
    with db.engine.begin() as conn:
        _unguarded(conn)
        for f in fixes:
            conn.execute(
                text("UPDATE audit_log SET prev_hash = :p, entry_hash = :h WHERE id = :i"), f
            )
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_head DISABLE TRIGGER USER")
        conn.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h"),
                     {"i": last, "h": prev})  # fmt: skip
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_head ENABLE TRIGGER USER")


def test_a_sealed_chain_verifies_and_says_so(database, audit_key):
    _fill(database)
    seal = _seal(database)
    assert seal.last_id == 4
    _fill(database, 2, 10)
    report = _verify(database)
    assert report.intact, report.message()
    assert report.seal_status == "sealed"
    assert "至第 4 条" in report.message()
    assert "此后的 3 条尚未封存" in report.message()  # the seal entry and two more


def test_a_rewritten_and_rechained_trail_is_named(database, audit_key):
    _fill(database)
    _seal(database)
    _fill(database, 2, 10)
    rechain(database, edit_id=2)
    # Without the key the chain looks whole: exactly what the seal is for
    with database.session() as s:
        assert verify_chain(s, key=None).intact
    report = _verify(database)
    assert not report.intact
    assert report.broken.reason == "rewritten"
    assert report.broken.entry_id == 1
    assert "第 1–4 条" in report.message()


def test_cutting_the_tail_back_past_a_seal_is_named(database, audit_key):
    _fill(database)
    _seal(database)  # entry 5 records the seal of entry 4
    _fill(database, 3, 10)
    _seal(database)  # seals entry 8 (entry 9 records it)
    rechain(database, drop_from=6)  # the newest seal entry goes too
    report = _verify(database)
    assert not report.intact
    assert report.broken.reason == "tail_removed"
    assert "第 6–8 条被删除" in report.message()


def test_a_seal_made_without_the_key_is_named(database, audit_key):
    _fill(database)
    with database.session() as s:
        record(s, CLERK, "seal", "audit_log", 4,
               detail={"last_id": 4, "last_hash": "0" * 64, "mac": "f" * 64})  # fmt: skip
        s.commit()
    report = _verify(database)
    assert report.broken.reason == "forged_seal"
    assert report.broken.entry_id == 5
    assert "签名无效" in report.message()


def test_without_the_key_verify_says_what_it_cannot_prove(sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFY_AUDIT_KEY", str(tmp_path / "nowhere.key"))
    _fill(sqlite_db)
    report = _verify(sqlite_db)
    assert report.intact
    assert report.seal_status == "no_key"
    assert "没有审计密钥" in report.message()


def test_the_daily_seal(sqlite_db, audit_key):
    _fill(sqlite_db)
    first = unit_of_work.run(sqlite_db, SYSTEM, seal_if_due).value
    assert first is not None
    assert first.last_id == 4
    assert unit_of_work.run(sqlite_db, SYSTEM, seal_if_due).value is None
    later = dt.datetime.now() + dt.timedelta(days=1, minutes=1)
    again = unit_of_work.run(sqlite_db, SYSTEM, seal_if_due, moment=later).value
    assert again is not None
    assert again.last_id == 5
    log = audit_key.with_name("audit-seals.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["last_id"] for line in log] == [4, 5]


def _cli(*args, env):
    full = dict(os.environ)
    full.pop("RECTIFY_DB_URL", None)
    full.update(env)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, encoding="utf-8", env=full, timeout=120, cwd=ROOT)  # fmt: skip


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_seal_commands(sqlite_db, sqlite_url, tmp_path):
    _fill(sqlite_db)
    sqlite_db.dispose()
    env = {"RECTIFY_AUDIT_KEY": str(tmp_path / "k" / "audit.key")}
    made = _cli("audit", "seal-key", env=env)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "k" / "audit.key").is_file()
    again = _cli("audit", "seal-key", env=env)
    assert again.returncode != 0
    assert "不会覆盖" in again.stderr
    sealed = _cli("--db", sqlite_url, "audit", "seal", env=env)
    assert sealed.returncode == 0, sealed.stderr
    assert "第 4 条" in sealed.stdout
    ok = _cli("--db", sqlite_url, "audit", "verify", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "与最近一次封存" in ok.stdout
    rechain(sqlite_db, edit_id=3)
    sqlite_db.dispose()
    bad = _cli("--db", sqlite_url, "audit", "verify", env=env)
    assert bad.returncode == 1
    assert "第 1–4 条" in bad.stderr


@pytest.mark.parametrize("backend", ["mariadb"], indirect=True)
def test_truncate_on_mariadb_passes_the_triggers_but_not_the_seal(database, audit_key):
    """What the README and the settings pane say of MariaDB's shared account: TRUNCATE fires
    no trigger, so it empties the trail with every trigger in place; only the seal names it."""
    from controllers.infra.restore import expected_triggers, present_triggers
    from models.migrate import current_revision

    _fill(database)
    _seal(database)
    with database.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE TABLE audit_log")
        conn.exec_driver_sql("TRUNCATE TABLE audit_head")
        assert expected_triggers("mariadb", current_revision(database.engine)) <= present_triggers(
            conn
        )
    with database.session() as s:
        assert verify_chain(s, key=None).intact  # without the key nothing is amiss
    report = _verify(database)
    assert not report.intact
    assert report.broken.reason == "tail_removed"
