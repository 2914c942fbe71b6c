"""MariaDB with per-user accounts (``user db-roles``): the administrator, who reads no business
data, merges townships and units through the definer procedures in ``<db>_scoped``, and asks
whether a unit holds data through the definer function; a county clerk's own MariaDB user can
do none of it in plain SQL. The same story as under PostgreSQL roles (tests/unit_merge_story)."""

from __future__ import annotations

import datetime as dt
import uuid

import pymysql
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from controllers.actor import SYSTEM
from controllers.auth import create_user
from controllers.auth.database_login import sign_in_database
from controllers.infra import mariadb_roles
from controllers.unit_of_work import call, run
from controllers.units.merge import merge_townships, merge_units, plan_unit_merge
from controllers.units.records import UnitInput, create_unit, delete_unit_if_unused, list_units
from controllers.units.reference import load_reference_units
from models import CaseChange, CountyReturn, Township, Unit
from models.codes import ReturnStatus
from models.database import Database, make_engine
from models.migrate import upgrade
from tests import unit_merge_story as story
from tests.dbservers import MARIADB_ADMIN_URL, create_mariadb, drop_mariadb, url_for
from tests.factories import make_case, unit

pytestmark = [pytest.mark.mariadb, pytest.mark.slow]
PASSWORDS = {"admin": "Guanli-Mima-1", "city": "Shiji-Mima-1", "xinle": "Xianqu-Mima-2"}
GATE_PASSWORD = "Gate-Pass-1"


@pytest.fixture
def secured():
    name = f"rectify_a2merge_{uuid.uuid4().hex[:8]}"
    url = create_mariadb(name)
    owner = Database.from_engine(make_engine(url))
    try:
        upgrade(owner.engine, backup=False)
        with owner.engine.begin() as conn:
            result = mariadb_roles.install(conn, gate_password=GATE_PASSWORD)
        with owner.session() as s:
            load_reference_units(s)
            s.commit()
            ids = story.build(s)
            for username, role, unit_name in [("admin", "admin", None),
                                              ("city", "city_clerk", None),
                                              ("xinle", "county_clerk", "新乐市")]:  # fmt: skip
                create_user(s, SYSTEM, username, role, unit=unit_name,
                            password=PASSWORDS[username], must_change_password=False)  # fmt: skip
            s.commit()
        yield {"name": name, "owner": owner, "result": result, "ids": ids}
    finally:
        owner.dispose()
        with make_engine(url).begin() as conn:
            mariadb_roles.drop(conn)
        drop_mariadb(name)


def _sign_in(env, username: str):
    gate_url = make_url(url_for(MARIADB_ADMIN_URL, env["result"].scoped)).set(
        username=env["result"].gate_user, password=GATE_PASSWORD
    )
    gate = Database.from_engine(make_engine(gate_url.render_as_string(hide_password=False)))
    try:
        return sign_in_database(gate, username, PASSWORDS[username])
    finally:
        gate.dispose()


def _plain_sql(env, username: str) -> pymysql.Connection:
    return pymysql.connect(host="127.0.0.1", port=3306, password=PASSWORDS[username],
                           user=mariadb_roles.account_user(env["result"].prefix, username),
                           database=env["result"].scoped, autocommit=True)  # fmt: skip


def test_the_administrator_merges_units_and_townships_through_the_own_user(secured):
    ids = secured["ids"]
    with secured["owner"].session() as s:  # a reviewed return moves with its review kept
        reviewed = s.get(CountyReturn, ids["return"])
        reviewed.status, reviewed.reviewed_at = ReturnStatus.APPROVED, dt.datetime(2026, 5, 9)
        s.commit()
    db, signed = _sign_in(secured, "admin")
    admin = signed.actor
    try:
        with db.session() as s:
            assert mariadb_roles.connected_account(s) == "admin"
            rows = {u.name: u for u in list_units(s, admin)}  # counts, though no cases read
        assert (rows["灵寿县"].cases, rows["新乐市"].cases) == (4, 2)
        plan = call(db, plan_unit_merge, admin, ids["a"], ids["b"]).value
        assert plan.counts == story.EXPECTED_COUNTS
        run(db, admin, merge_units, rows["灵寿县"], rows["新乐市"])
        with secured["owner"].session() as s:
            story.check_merged(s, ids)
        # then a township merge in the merged unit: the case moves, its history in admin's name
        rows = {u.name: u for u in call(db, list_units, admin).value}
        towns = {t.name: t for t in rows["新乐市"].townships}
        assert run(db, admin, merge_townships, towns["承安镇"], towns["灵寿镇"]).value == 1
    finally:
        db.dispose()
    with secured["owner"].session() as s:
        assert s.get(Township, ids["b_town"]["承安镇"]) is None
        assert s.get(CountyReturn, ids["return"]).status == ReturnStatus.APPROVED
        assert set(s.scalars(select(CaseChange.username))) == {"admin"}
        moved = s.scalars(select(CaseChange).where(CaseChange.case_id == ids["cases"]["b1"])).one()
        assert (moved.field, moved.old_value, moved.note) == (
            "township_id", "承安镇", "乡镇合并：承安镇并入灵寿镇")  # fmt: skip


def test_a_city_clerk_merges_townships_through_the_own_user(secured):
    ids = secured["ids"]
    db, signed = _sign_in(secured, "city")
    try:
        rows = {u.name: u for u in call(db, list_units, signed.actor).value}
        towns = {t.name: t for t in rows["新乐市"].townships}
        assert run(db, signed.actor, merge_townships, towns["承安镇"], towns["灵寿镇"]).value == 1
    finally:
        db.dispose()
    with secured["owner"].session() as s:
        assert s.get(Township, ids["b_town"]["承安镇"]) is None
        assert set(s.scalars(select(CaseChange.username))) == {"city"}


def test_a_county_clerks_user_cannot_merge_in_sql(secured):
    ids = secured["ids"]
    with secured["owner"].session() as s:
        make_case(s, unit=unit(s, "新乐市"), township_id=ids["b_town"]["承安镇"])
        s.commit()
        before = story.snapshot(s)
    conn = _plain_sql(secured, "xinle")
    try:
        for statement, args in [
            ("CALL rectify_merge_units(%s, %s, FALSE, @c)", (ids["a"], ids["b"])),
            ("CALL rectify_merge_units(%s, %s, TRUE, @c)", (ids["a"], ids["b"])),
            ("CALL rectify_merge_townships(%s, %s, @m)",
             (ids["b_town"]["承安镇"], ids["b_town"]["灵寿镇"])),
            ("SELECT rectify_unit_holds_data(%s)", (ids["a"],)),
            ("DELETE FROM townships WHERE id = %s", (ids["b_town"]["承安镇"],)),
            ("UPDATE units SET active = false WHERE id = %s", (ids["a"],)),
        ]:  # fmt: skip
            with pytest.raises(pymysql.err.OperationalError) as refused, conn.cursor() as cur:
                cur.execute(statement, args)
            assert refused.value.args[0] in (1142, 1370), refused.value.args  # denied
    finally:
        conn.close()
    with secured["owner"].session() as s:
        assert story.snapshot(s) == before


def test_the_procedures_check_the_account_not_only_the_grant(secured):
    """A disabled administrator's user (its MariaDB role still granted) is refused inside."""
    ids = secured["ids"]
    with secured["owner"].session() as s:
        before = story.snapshot(s)
        s.execute(text("UPDATE users SET disabled = TRUE WHERE username = 'admin'"))
        s.commit()
    conn = _plain_sql(secured, "admin")
    try:
        with pytest.raises(pymysql.err.OperationalError) as refused, conn.cursor() as cur:
            cur.execute("CALL rectify_merge_units(%s, %s, FALSE, @c)", (ids["a"], ids["b"]))
        assert refused.value.args[0] == 1644
        assert "只有系统管理员和市级业务员能合并" in refused.value.args[1]
    finally:
        conn.close()
    with secured["owner"].session() as s:
        assert story.snapshot(s) == before


def test_the_administrator_deletes_only_units_without_data(secured):
    ids = secured["ids"]
    db, signed = _sign_in(secured, "admin")
    admin = signed.actor
    try:
        empty = run(db, admin, create_unit, UnitInput(name="新建测试区")).value
        with secured["owner"].session() as s:
            accounts_only = unit(s, "行唐县").id  # no cases; an account points at it
            create_user(s, SYSTEM, "xingtang", "county_clerk", unit="行唐县",
                        password="Xianqu-Mima-3", must_change_password=False)  # fmt: skip
            s.commit()
        assert run(db, admin, delete_unit_if_unused, ids["a"]).value is False  # cases
        assert run(db, admin, delete_unit_if_unused, accounts_only).value is False
        assert run(db, admin, delete_unit_if_unused, empty).value is True
    finally:
        db.dispose()
    with secured["owner"].session() as s:
        assert s.get(Unit, empty) is None
        assert s.get(Unit, ids["a"]) is not None
        assert s.get(Unit, accounts_only) is not None
