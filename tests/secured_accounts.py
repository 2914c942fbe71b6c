"""What the database-security tests share on PostgreSQL (tests/test_pg_security.py) and MariaDB
(tests/test_mariadb_security.py): a migrated database with the per-account security installed,
a case in 灵寿县 and one in 新乐市, one account per role, and signing in through the gate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from controllers.actor import SYSTEM
from controllers.audit.trail import record
from controllers.auth import create_user
from controllers.auth.database_login import sign_in_database
from controllers.auth.login import SignIn
from controllers.units.reference import load_reference_units
from models import Attachment, AttachmentBlob, CaseChange, CountyReturn, Letter, LetterTemplate
from models.database import Database, make_engine
from models.migrate import upgrade
from tests.factories import make_case, unit

PASSWORDS = {
    "admin": "Guanli-Mima-1",
    "auditor": "Shenji-Mima-1",
    "city": "Shiji-Mima-1",
    "lingshou": "Xianqu-Mima-1",
    "xinle": "Xianqu-Mima-2",
    "leader": "Lingdao-Mima-1",
}
GATE_PASSWORD = "Gate-Pass-1"
#: (username, role, unit): one account per role, two county clerks
ACCOUNTS = [
    ("admin", "admin", None),
    ("auditor", "auditor", None),
    ("city", "city_clerk", None),
    ("lingshou", "county_clerk", "灵寿县"),
    ("xinle", "county_clerk", "新乐市"),
    ("leader", "leader", None),
]


def secure_database(url: str, install: Callable[..., Any]) -> dict[str, Any]:
    """The database at ``url`` migrated and secured by ``install(conn, gate_password=…)``; one
    case in 灵寿县 and one in 新乐市, the accounts of :data:`ACCOUNTS` (passwords
    :data:`PASSWORDS`) and an audit entry. Returns ``owner`` (its Database: the caller disposes
    it), ``result`` (what ``install`` returned), ``cases`` and ``units`` (ids by county clerk)
    and ``url``."""
    owner = Database.from_engine(make_engine(url))
    upgrade(owner.engine, backup=False)
    with owner.engine.begin() as conn:
        result = install(conn, gate_password=GATE_PASSWORD)
    with owner.session() as s:
        load_reference_units(s)
        lingshou, xinle = unit(s, "灵寿县"), unit(s, "新乐市")
        ids = {"lingshou": make_case(s, unit=lingshou).id, "xinle": make_case(s, unit=xinle).id}
        for username, role, unit_name in ACCOUNTS:
            create_user(s, SYSTEM, username, role, unit=unit_name,
                        password=PASSWORDS[username], must_change_password=False)  # fmt: skip
        record(s, SYSTEM, "create", "case", ids["lingshou"])
        s.commit()
        units = {"lingshou": lingshou.id, "xinle": xinle.id}
    return {"owner": owner, "result": result, "cases": ids, "units": units, "url": url}


def sign_in_through(gate: Database, username: str) -> tuple[Database, SignIn]:
    """Sign in with the account's password through ``gate`` (disposed afterwards, signed in or
    not); returns the account's own database and who signed in."""
    try:
        return sign_in_database(gate, username, PASSWORDS[username])
    finally:
        gate.dispose()


def matrix_rows(env: dict[str, Any]) -> dict[str, int]:
    """Rows for the matrix of refused statements, added to :func:`secure_database`'s: a letter
    in each unit, 灵寿县's return, its case closed (an attachment and a history row), and an
    open case of 灵寿县. Returns their ids: ``own`` (the closed case), ``other`` (新乐市's case),
    ``open``, ``return``, ``letter_lingshou`` and ``letter_xinle``."""
    own = env["cases"]["lingshou"]
    with env["owner"].session() as s:
        tpl = LetterTemplate(version_no=99, name="t", title="t", body="b", issuer_name="i")
        s.add(tpl)
        s.flush()
        letters = {k: Letter(unit_id=env["units"][k], template_id=tpl.id)
                   for k in ("lingshou", "xinle")}  # fmt: skip
        ret = CountyReturn(unit_id=env["units"]["lingshou"])
        s.add_all([*letters.values(), ret])
        s.add(AttachmentBlob(sha256="a" * 64, size=1, content=b"x"))
        s.flush()
        s.add(Attachment(sha256="a" * 64, filename="p.png", size=1, case_id=own))
        s.add(CaseChange(case_id=own, username="city", field="owner", old_value="a", new_value="b"))
        s.execute(text(
            "UPDATE cases SET status = 'closed', completed_on = CURRENT_DATE, "
            "accepted_on = CURRENT_DATE, approved_by = '市局' WHERE id = :i"), {"i": own})  # fmt: skip
        s.commit()
        ids = {"own": own, "other": env["cases"]["xinle"], "return": ret.id,
               **{f"letter_{k}": v.id for k, v in letters.items()}}  # fmt: skip
        ids["open"] = make_case(s, unit=unit(s, "灵寿县")).id
        s.commit()
    return ids
