"""PostgreSQL with per-clerk roles (``user db-roles``): the administrator, who reads no
business data, merges townships and units through the database's merge functions; a county
clerk's own role can do neither in plain SQL.

Runs on a private PostgreSQL server with password authentication (tests/pg_instance.py)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import select, text

from controllers.actor import SYSTEM
from controllers.auth import create_user
from controllers.auth.database_login import sign_in_database
from controllers.infra import db_roles
from controllers.unit_of_work import call, run
from controllers.units.merge import merge_townships, merge_units, plan_unit_merge
from controllers.units.records import UnitInput, create_unit, delete_unit_if_unused, list_units
from controllers.units.reference import load_reference_units
from models import CaseChange, Township, Unit
from models.database import Database, make_engine
from models.migrate import upgrade
from tests import unit_merge_story as story
from tests.factories import make_case, unit
from tests.pg_instance import PrivateServer, pg_bin

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,  # a private server is started: over ~6 s
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries are not installed"),
]
PASSWORDS = {"admin": "Guanli-Mima-1", "city": "Shiji-Mima-1", "xinle": "Xianqu-Mima-2"}


@pytest.fixture(scope="module")
def server():
    srv = PrivateServer().init()
    srv.start()
    try:
        yield srv
    finally:
        srv.destroy()


@pytest.fixture
def secured(server):
    name = f"umerge_{uuid.uuid4().hex[:10]}"
    owner = Database.from_engine(make_engine(server.create_database(name)))
    upgrade(owner.engine, backup=False)
    with owner.engine.begin() as conn:
        prefix = db_roles.install(conn, gate_password="Gate-Pass-1").prefix
    with owner.session() as s:
        load_reference_units(s)
        s.commit()
        ids = story.build(s)
        for username, role, unit_name in [("admin", "admin", None), ("city", "city_clerk", None),
                                          ("xinle", "county_clerk", "新乐市")]:  # fmt: skip
            create_user(s, SYSTEM, username, role, unit=unit_name, password=PASSWORDS[username],
                        must_change_password=False)  # fmt: skip
        s.commit()
    env = {"server": server, "name": name, "owner": owner, "prefix": prefix, "ids": ids}
    try:
        yield env
    finally:
        owner.dispose()


def _sign_in(env, username: str):
    gate_role = db_roles.group_role(env["prefix"], db_roles.GATE)
    gate = Database.from_engine(make_engine(env["server"].url(env["name"], gate_role,
                                                              "Gate-Pass-1")))  # fmt: skip
    try:
        return sign_in_database(gate, username, PASSWORDS[username])
    finally:
        gate.dispose()


def _plain_sql(env, username: str) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=env["server"].port, dbname=env["name"],
                           user=db_roles.account_role(env["prefix"], username),
                           password=PASSWORDS[username], autocommit=True)  # fmt: skip


def test_the_administrator_merges_units_and_townships_under_roles(secured):
    ids = secured["ids"]
    db, signed = _sign_in(secured, "admin")
    admin = signed.actor
    try:
        with db.session() as s:
            assert s.scalar(text("SELECT session_user")).endswith("_admin")
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
        assert set(s.scalars(select(CaseChange.username))) == {"admin"}
        moved = s.scalars(select(CaseChange).where(CaseChange.case_id == ids["cases"]["b1"])).one()
        assert (moved.field, moved.old_value, moved.note) == (
            "township_id", "承安镇", "乡镇合并：承安镇并入灵寿镇")  # fmt: skip


def test_a_county_clerks_role_cannot_merge_in_sql(secured):
    ids = secured["ids"]
    with secured["owner"].session() as s:
        make_case(s, unit=unit(s, "新乐市"), township_id=ids["b_town"]["承安镇"])
        s.commit()
        before = story.snapshot(s)
    with _plain_sql(secured, "xinle") as conn:
        for statement, args in [
            ("SELECT rectify_merge_units(%s, %s, false, NULL, NULL)", (ids["a"], ids["b"])),
            ("SELECT rectify_merge_townships(%s, %s, NULL, NULL)",
             (ids["b_town"]["承安镇"], ids["b_town"]["灵寿镇"])),
            ("DELETE FROM townships WHERE id = %s", (ids["b_town"]["承安镇"],)),
            ("UPDATE townships SET name = 'x' WHERE id = %s", (ids["b_town"]["承安镇"],)),
            ("INSERT INTO townships (unit_id, name, sort_order, active, version) "
             "VALUES (%s, 'y', 9, true, 1)", (ids["b"],)),
            ("UPDATE units SET active = false WHERE id = %s", (ids["a"],)),
        ]:  # fmt: skip
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement, args)
    with secured["owner"].session() as s:
        assert story.snapshot(s) == before


def test_the_administrator_deletes_only_units_without_data(secured):
    """The administrator's role reads no business tables: the database function answers
    whether a unit holds data (yes or no)."""
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
    with _plain_sql(secured, "xinle") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT rectify_unit_holds_data(%s)", (ids["a"],))
