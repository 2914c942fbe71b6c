"""The audit trail: one hash chain, appended at commit, append-only, never forked."""

import datetime as dt
import itertools
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from controllers.actor import SYSTEM, Actor
from controllers.audit.trail import entry_digest, entry_fields, flush_audit, record
from controllers.audit.verify import verify_chain
from models import AuditEntry, AuditHead
from models.codes import AuditResult, Role

CLERK = Actor(None, "zhangsan", Role.CITY_CLERK, display_name="张三")


def _entries(db):
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_entries_are_chained_at_commit_and_verify(database):
    with database.session() as s:
        first = record(s, CLERK, "update", "case", 7, detail={"owner": ["甲", "乙"]})
        assert first.id is None  # queued until the commit
        record(s, CLERK, "export", "case", None, detail={"rows": 3})
        s.commit()
        assert first.id is not None
    with database.session() as s:
        record(s, SYSTEM, "backup", "database", None, result=AuditResult.OK)
        s.commit()
    rows = _entries(database)
    assert [r.action for r in rows] == ["update", "export", "backup"]
    assert [r.id for r in rows] == [rows[0].id, rows[0].id + 1, rows[0].id + 2]
    assert rows[0].prev_hash is None or rows[0].id > 1
    for prev, cur in itertools.pairwise(rows):
        assert cur.prev_hash == prev.entry_hash
    for r in rows:
        assert r.entry_hash == entry_digest(r.prev_hash, entry_fields(r))
    assert rows[0].username == "zhangsan"
    assert '"owner": ["甲", "乙"]' in rows[0].detail
    with database.session() as s:
        head = s.get(AuditHead, 1)
        assert (head.last_id, head.last_hash) == (rows[-1].id, rows[-1].entry_hash)
        assert verify_chain(s).intact


def test_a_rolled_back_change_leaves_no_entry(database):
    with database.session() as s:
        record(s, CLERK, "update", "case", 1)
        s.rollback()
        s.commit()
    assert _entries(database) == []


def test_a_session_closed_without_commit_leaves_no_entry(database):
    with database.session() as s:
        record(s, CLERK, "update", "case", 1)
    with database.session() as s:
        record(s, CLERK, "export", "case", None)
        s.commit()
    assert [e.action for e in _entries(database)] == ["export"]


def test_flush_audit_assigns_ids_inside_the_transaction(database):
    with database.session() as s:
        entry = record(s, CLERK, "import", "county_return", 3)
        flush_audit(s)
        assert entry.id == 1
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 1
        s.commit()
    assert [e.id for e in _entries(database)] == [1]


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"]
)
def test_the_log_is_append_only_in_the_database(database, statement):
    with database.session() as s:
        record(s, CLERK, "update", "case", 1)
        s.commit()
    with database.session() as s, pytest.raises(DBAPIError) as err:
        s.execute(text(statement))
    assert "append-only" in str(err.value)
    assert len(_entries(database)) == 1


def test_an_entry_that_does_not_continue_the_chain_is_refused(database):
    with database.session() as s:
        record(s, CLERK, "update", "case", 1)
        s.commit()
    with database.session() as s, pytest.raises(DBAPIError, match="hash chain"):
        s.execute(
            text(
                "INSERT INTO audit_log (id, at, action, result, prev_hash, entry_hash)"
                " VALUES (2, :at, 'forged', 'ok', 'beef', 'cafe')"
            ),
            {"at": dt.datetime(2026, 1, 1)},
        )
    with database.session() as s:
        assert verify_chain(s).intact


@pytest.mark.slow
def test_concurrent_writers_never_fork_the_chain(database):
    """Eight clerks commit 15 changes each at the same moment: one unbroken chain of 120."""
    n_threads, n_each = 8, 15
    barrier = threading.Barrier(n_threads)
    errors: list[BaseException] = []

    def clerk(i: int) -> None:
        actor = Actor(None, f"clerk{i}", Role.CITY_CLERK)
        try:
            barrier.wait()
            for j in range(n_each):
                with database.session() as s:
                    record(s, actor, "update", "case", j, detail={"n": j})
                    s.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = _entries(database)
    assert len(rows) == n_threads * n_each
    assert [r.id for r in rows] == list(range(1, len(rows) + 1))
    with database.session() as s:
        report = verify_chain(s)
    assert report.intact, report.message()
    assert report.checked == n_threads * n_each


TRICKY = [
    "plain",
    '引号"和反斜杠\\',
    "换行\n回车\r制表\t退格\b换页\f",
    "控制\x01\x1f字符\x7f",
    "全角　空格、emoji 😀、生僻字 𠀀",
    "",
]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgresql_digest_is_the_same_as_python(database):
    """The database hashes on PostgreSQL; verify hashes in Python: they must agree exactly."""
    at = dt.datetime(2026, 5, 25, 9, 30, 1)
    with database.session() as s:
        for value in TRICKY:
            e = AuditEntry(
                id=42,
                at=at,
                user_id=7,
                username=value,
                action="update",
                object_type=None,
                object_id=value,
                result=AuditResult.OK,
                detail=value or None,
            )
            got = s.scalar(
                text("SELECT rectify_audit_digest(:p, :id, :at, :uid, :un, :ac, :ot, :oi, :r, :d)"),
                dict(
                    p="ab" * 32,
                    id=42,
                    at=at,
                    uid=7,
                    un=value,
                    ac="update",
                    ot=None,
                    oi=value,
                    r="ok",
                    d=value or None,
                ),
            )
            assert got == entry_digest("ab" * 32, entry_fields(e)), repr(value)
