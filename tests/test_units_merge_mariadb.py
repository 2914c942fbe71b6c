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

from controllers.infra import mariadb_roles
from controllers.unit_of_work import call, run
from controllers.units.merge import merge_townships
from controllers.units.records import list_units
from models import CaseChange, CountyReturn, Township
from models.codes import ReturnStatus
from models.database import Database, make_engine
from models.migrate import upgrade
from tests import unit_merge_story as story
from tests.dbservers import MARIADB_ADMIN_URL, create_mariadb, drop_mariadb, url_for
from tests.secured_accounts import GATE_PASSWORD, PASSWORDS, sign_in_through

pytestmark = [pytest.mark.mariadb, pytest.mark.slow]


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
            ids = story.build_with_accounts(s)
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
    return sign_in_through(gate, username)


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
    story.admin_merges_units_then_townships(
        lambda username: _sign_in(secured, username), secured["owner"], ids,
        lambda s: mariadb_roles.connected_account(s) == "admin",
    )  # fmt: skip
    with secured["owner"].session() as s:
        assert s.get(CountyReturn, ids["return"]).status == ReturnStatus.APPROVED


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
    before = story.snapshot_with_a_case_in_b(secured["owner"], ids)
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
    story.admin_deletes_only_units_without_data(
        lambda username: _sign_in(secured, username), secured["owner"], secured["ids"]
    )
