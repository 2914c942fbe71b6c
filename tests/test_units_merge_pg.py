"""PostgreSQL with per-clerk roles (``user db-roles``): the administrator, who reads no
business data, merges townships and units through the database's merge functions; a county
clerk's own role can do neither in plain SQL.

Runs on a private PostgreSQL server with password authentication (tests/pg_instance.py)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import text

from controllers.infra import db_roles
from models.database import Database, make_engine
from models.migrate import upgrade
from tests import unit_merge_story as story
from tests.pg_instance import pg_bin, running_server
from tests.secured_accounts import GATE_PASSWORD, PASSWORDS, sign_in_through

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,  # a private server is started: over ~6 s
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries are not installed"),
]


@pytest.fixture(scope="module")
def server():
    with running_server() as srv:
        yield srv


@pytest.fixture
def secured(server):
    name = f"umerge_{uuid.uuid4().hex[:10]}"
    owner = Database.from_engine(make_engine(server.create_database(name)))
    upgrade(owner.engine, backup=False)
    with owner.engine.begin() as conn:
        prefix = db_roles.install(conn, gate_password=GATE_PASSWORD).prefix
    with owner.session() as s:
        ids = story.build_with_accounts(s)
    env = {"server": server, "name": name, "owner": owner, "prefix": prefix, "ids": ids}
    try:
        yield env
    finally:
        owner.dispose()


def _sign_in(env, username: str):
    gate_role = db_roles.group_role(env["prefix"], db_roles.GATE)
    gate_url = env["server"].url(env["name"], gate_role, GATE_PASSWORD)
    return sign_in_through(Database.from_engine(make_engine(gate_url)), username)


def _plain_sql(env, username: str) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=env["server"].port, dbname=env["name"],
                           user=db_roles.account_role(env["prefix"], username),
                           password=PASSWORDS[username], autocommit=True)  # fmt: skip


def test_the_administrator_merges_units_and_townships_under_roles(secured):
    story.admin_merges_units_then_townships(
        lambda username: _sign_in(secured, username), secured["owner"], secured["ids"],
        lambda s: s.scalar(text("SELECT session_user")).endswith("_admin"),
    )  # fmt: skip


def test_a_county_clerks_role_cannot_merge_in_sql(secured):
    ids = secured["ids"]
    before = story.snapshot_with_a_case_in_b(secured["owner"], ids)
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
    story.admin_deletes_only_units_without_data(
        lambda username: _sign_in(secured, username), secured["owner"], ids
    )
    with _plain_sql(secured, "xinle") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT rectify_unit_holds_data(%s)", (ids["a"],))
