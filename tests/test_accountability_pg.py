"""PostgreSQL with clerks' own roles: a decided accountability record is refused to a city
clerk's plain SQL; county clerks read only their unit's checks and records and write none."""

import datetime as dt

import psycopg
import pytest

from controllers import unit_of_work
from controllers.accountability.records import (
    PersonInput,
    ProblemInput,
    amend,
    create_record,
    decide,
)
from controllers.actor import Actor
from controllers.spot_checks.entry import CheckInput, MemberInput, SiteInput, save_check
from models.codes import Measure, ProblemKind, Role
from tests.pg_instance import pg_bin
from tests.test_pg_security import connect_as, secured, server  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries are not installed"),
]

CITY = Actor(None, "city", Role.CITY_CLERK)


def _refused(conn, statement, params=()):
    with pytest.raises(psycopg.Error) as err:
        conn.execute(statement, params)
    conn.rollback()
    return err.value


def test_clerk_roles_cannot_change_decided_records(secured):  # noqa: F811
    db, units = secured["owner"], secured["units"]
    rid = unit_of_work.run(
        db, CITY, create_record, units["lingshou"], Measure.INTERVIEW,
        persons=[PersonInput("张某", "副镇长")],
        problems=[ProblemInput(ProblemKind.RELAPSE, "原址复产", case_id=secured["cases"]["lingshou"])],
        clause="第八条",
    ).value  # fmt: skip
    unit_of_work.run(db, CITY, decide, rid, "灵寿县〔2026〕3号", dt.date(2026, 6, 1))
    unit_of_work.run(db, CITY, amend, rid, "文号有误", {"doc_no": "灵寿县〔2026〕4号"})
    unit_of_work.run(db, CITY, save_check, CheckInput(
        dt.date(2026, 5, 8), "第1执法检查组", units["xinle"], (MemberInput("王强"),),
        sites=(SiteInput(case_id=secured["cases"]["xinle"]),), leader="王强"))  # fmt: skip

    with connect_as(secured, "city") as conn:
        assert conn.execute("SELECT count(*) FROM accountability_records").fetchone()[0] == 1
        for statement in (
            "UPDATE accountability_records SET doc_no = 'x' WHERE id = %s",
            "DELETE FROM accountability_records WHERE id = %s",
            "DELETE FROM accountability_persons WHERE record_id = %s",
            "UPDATE accountability_amendments SET reason = 'x' WHERE record_id = %s",
            "DELETE FROM accountability_amendments WHERE record_id = %s",
        ):
            err = _refused(conn, statement, (rid,))
            assert isinstance(err, psycopg.errors.InsufficientPrivilege), statement
        _refused(conn, "TRUNCATE accountability_records CASCADE")
        # a proposed record is still the city clerk's to write and delete
        new = conn.execute(
            "INSERT INTO accountability_records (unit_id, measure, status, version, created_at,"
            " updated_at) VALUES (%s, 'interview', 'proposed', 1, now(), now()) RETURNING id",
            (units["xinle"],),
        ).fetchone()[0]
        conn.execute("DELETE FROM accountability_records WHERE id = %s", (new,))
        conn.commit()

    with connect_as(secured, "lingshou") as conn:
        assert conn.execute("SELECT count(*) FROM accountability_records").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM spot_checks").fetchone()[0] == 0  # xinle's
        err = _refused(conn, "UPDATE accountability_records SET summary = 'x' WHERE id = %s",
                       (rid,))  # fmt: skip
        assert isinstance(err, psycopg.errors.InsufficientPrivilege)
        _refused(conn, "INSERT INTO spot_checks (checked_on, group_name, unit_id, version,"
                       " created_at, updated_at) VALUES ('2026-05-09', 'x', %s, 1, now(), now())",
                 (units["lingshou"],))  # fmt: skip
    with connect_as(secured, "xinle") as conn:
        seen = conn.execute("SELECT id, unit_id, status FROM accountability_records").fetchall()
        assert seen == [], (seen, units)
        assert conn.execute("SELECT count(*) FROM spot_checks").fetchone()[0] == 1
    with db.session() as s:
        from models import AccountabilityRecord

        assert s.get(AccountabilityRecord, rid).doc_no == "灵寿县〔2026〕3号"
