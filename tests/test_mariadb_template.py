"""The MariaDB databases the tests get are copies of one migrated template
(``dbservers.clone_mariadb``): the copy must be the template to the letter — tables, keys,
counters, rows, procedures and triggers — or every MariaDB test would test something else."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from models.database import make_engine
from tests import dbservers

pytestmark = pytest.mark.mariadb


def _snapshot(url: str) -> dict:
    engine = make_engine(url)
    out: dict = {}
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT table_name, table_type, auto_increment FROM information_schema.tables"
                " WHERE table_schema = DATABASE() ORDER BY table_name")).all()  # fmt: skip
            out["tables"] = [tuple(t) for t in tables]
            for name, *_ in tables:
                ddl = conn.execute(text(f"SHOW CREATE TABLE `{name}`")).one()[1]
                rows = conn.execute(text(f"SELECT * FROM `{name}`")).all()
                # the counter is compared above; the DDL states it only where it is set
                out[name] = (re.sub(r" AUTO_INCREMENT=\d+", "", ddl), sorted(map(repr, rows)))
            out["triggers"] = sorted(tuple(t) for t in conn.execute(text(
                "SELECT trigger_name, event_object_table, action_timing, event_manipulation,"
                " action_order, action_statement, sql_mode FROM information_schema.triggers"
                " WHERE trigger_schema = DATABASE()")))  # fmt: skip
            out["routines"] = sorted(tuple(r) for r in conn.execute(text(
                "SELECT routine_type, routine_name, routine_definition, sql_mode, security_type"
                " FROM information_schema.routines WHERE routine_schema = DATABASE()")))  # fmt: skip
    finally:
        engine.dispose()
    return out


def test_a_copy_is_the_migrated_template(mariadb_template):
    template = _snapshot(dbservers.url_for(dbservers.MARIADB_ADMIN_URL, mariadb_template))
    assert len(template["triggers"]) > 10  # the audit and accountability guards
    assert template["units"][1]  # the reference units are in it
    with dbservers.server_database("mariadb", mariadb_template) as url:
        copy = _snapshot(url)
        assert copy.keys() == template.keys()
        for key in template:
            assert copy[key] == template[key], key
        engine = make_engine(url)
        try:
            with (
                engine.connect() as conn,
                pytest.raises(DBAPIError, match="audit_head is kept by triggers only"),
            ):
                conn.execute(text("DELETE FROM audit_head"))  # the copied guard refuses
        finally:
            engine.dispose()
