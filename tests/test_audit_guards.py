"""The database refuses to replace audit entries or rewind the chain head (every backend)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from controllers.actor import Actor
from controllers.audit.trail import entry_digest, entry_fields, record
from controllers.audit.verify import verify_chain
from models import AuditEntry
from models.codes import Role

CLERK = Actor(None, "zhang", Role.CITY_CLERK)


def _fill(db, n=5):
    for i in range(n):
        with db.session() as s:
            record(s, CLERK, "update", "case", i, detail={"n": i})
            s.commit()


def _head(db):
    with db.engine.connect() as conn:
        return tuple(conn.execute(text("SELECT last_id, last_hash FROM audit_head")).one())


def _hash_of(db, entry_id):
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT entry_hash FROM audit_log WHERE id = :i"), {"i": entry_id}
        ).scalar()


def test_the_head_cannot_be_moved_back(database):
    _fill(database)
    before = _head(database)
    with pytest.raises(DBAPIError), database.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_head SET last_id = 4, last_hash = :h WHERE id = 1"),
            {"h": _hash_of(database, 4)},
        )
    assert _head(database) == before


def test_the_head_cannot_be_rewritten_in_place_or_doubled(database):
    _fill(database)
    before = _head(database)
    with pytest.raises(DBAPIError), database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_head SET last_hash = 'x' WHERE id = 1"))
    with pytest.raises(DBAPIError), database.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (2, 0, NULL)"))
    with pytest.raises(DBAPIError), database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_head"))
    assert _head(database) == before
    with database.session() as s:
        assert verify_chain(s).intact


def _forged(db, entry_id):
    with db.session() as s:
        e = s.get(AuditEntry, entry_id)
        s.expunge(e)
    e.detail = '{"n": "forged"}'
    e.entry_hash = entry_digest(e.prev_hash, entry_fields(e))
    row = {c: getattr(e, c) for c in ("id", "at", "user_id", "username", "action", "object_type",
                                       "object_id", "detail", "prev_hash", "entry_hash")}  # fmt: skip
    row["result"] = str(e.result)
    return row


COLS = "id, at, user_id, username, action, object_type, object_id, result, detail, prev_hash, entry_hash"
VALS = ":id, :at, :user_id, :username, :action, :object_type, :object_id, :result, :detail, :prev_hash, :entry_hash"


def test_insert_or_replace_is_refused_on_sqlite(sqlite_db):
    _fill(sqlite_db)
    row = _forged(sqlite_db, 5)
    for verb in ("INSERT OR REPLACE", "REPLACE"):
        with pytest.raises(DBAPIError, match="不能被替换"), sqlite_db.engine.begin() as conn:
            conn.execute(text(f"{verb} INTO audit_log ({COLS}) VALUES ({VALS})"), row)
    with pytest.raises(DBAPIError), sqlite_db.engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO audit_log ({COLS}) VALUES ({VALS}) "
                 "ON CONFLICT (id) DO UPDATE SET detail = excluded.detail"), row)  # fmt: skip

    # Even with the head moved back first (the REPLACE would then continue the chain)
    def rewind_then_replace(conn):
        conn.execute(
            text("UPDATE audit_head SET last_id = 4, last_hash = :h"),
            {"h": _hash_of(sqlite_db, 4)},
        )
        conn.execute(text(f"INSERT OR REPLACE INTO audit_log ({COLS}) VALUES ({VALS})"), row)

    with pytest.raises(DBAPIError), sqlite_db.engine.begin() as conn:
        rewind_then_replace(conn)
    assert _hash_of(sqlite_db, 5) != row["entry_hash"]
    with sqlite_db.session() as s:
        assert verify_chain(s).intact


@pytest.mark.parametrize("backend", ["mariadb"], indirect=True)
def test_replace_and_upsert_refused_mariadb(database):
    _fill(database)
    row = _forged(database, 5)
    with pytest.raises(DBAPIError), database.engine.begin() as conn:
        conn.execute(text(f"REPLACE INTO audit_log ({COLS}) VALUES ({VALS})"), row)
    with pytest.raises(DBAPIError), database.engine.begin() as conn:
        conn.execute(
            text(f"INSERT INTO audit_log ({COLS}) VALUES ({VALS}) "
                 "ON DUPLICATE KEY UPDATE detail = VALUES(detail)"), row)  # fmt: skip
    assert _hash_of(database, 5) != row["entry_hash"]
    with database.session() as s:
        assert verify_chain(s).intact
