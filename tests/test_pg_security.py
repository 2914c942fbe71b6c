"""PostgreSQL enforces the unit scope and the audit trail itself, outside the application.

Runs on a private PostgreSQL server (password authentication, like a real deployment; the
shared test cluster trusts everyone and must not be reconfigured).
"""

import uuid

import psycopg
import pytest
from sqlalchemy import func, select, text

from controllers.actor import SYSTEM
from controllers.audit.trail import record
from controllers.audit.verify import verify_chain
from controllers.auth import (
    AccountLocked,
    LoginFailed,
    change_own_password,
    check_password,
    set_disabled,
)
from controllers.auth.database_login import sign_in_database
from controllers.infra import db_roles as pg_security
from controllers.summary import summary
from controllers.unit_of_work import call
from models import AuditEntry, Case
from models.database import Database, make_engine
from models.migrate import upgrade
from tests.pg_instance import pg_bin, running_server
from tests.secured_accounts import (
    GATE_PASSWORD,
    PASSWORDS,
    matrix_rows,
    secure_database,
    sign_in_through,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries are not installed"),
]


@pytest.fixture(scope="module")
def server():
    with running_server() as srv:
        yield srv


def _secure_database(server):
    """A migrated database with cases in two units, security installed, one account per role."""
    name = f"sec_{uuid.uuid4().hex[:10]}"
    env = secure_database(server.create_database(name), pg_security.install)
    return {**env, "server": server, "name": name, "prefix": env["result"].prefix}


@pytest.fixture
def secured(server):
    env = _secure_database(server)
    yield env
    env["owner"].dispose()


def connect_as(env, username, password=None):
    """A plain SQL client (psycopg) with an account's own credentials."""
    role = pg_security.account_role(env["prefix"], username)
    return psycopg.connect(
        host="127.0.0.1",
        port=env["server"].port,
        dbname=env["name"],
        user=role,
        password=password or PASSWORDS[username],
        autocommit=True,
    )


def gate_db(env) -> Database:
    role = pg_security.group_role(env["prefix"], pg_security.GATE)
    return Database.from_engine(make_engine(env["server"].url(env["name"], role, GATE_PASSWORD)))


def test_county_clerk_in_a_plain_sql_client_sees_only_its_unit(secured):
    with connect_as(secured, "lingshou") as conn:
        rows = conn.execute("SELECT id, unit_id FROM cases").fetchall()
        assert rows == [(secured["cases"]["lingshou"], secured["units"]["lingshou"])]
        other = secured["cases"]["xinle"]
        assert conn.execute("SELECT * FROM cases WHERE id = %s", (other,)).fetchall() == []
        # changing another unit's case touches nothing; moving a case into it is refused
        cur = conn.execute("UPDATE cases SET owner = 'x' WHERE id = %s", (other,))
        assert cur.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "UPDATE cases SET unit_id = %s WHERE id = %s",
                (secured["units"]["xinle"], secured["cases"]["lingshou"]),
            )
        assert conn.execute("SELECT count(*) FROM case_changes").fetchone() is not None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'nothing happened'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "INSERT INTO audit_log (id, at, action, result) VALUES (999, now(), 'forged', 'ok')",
        "UPDATE audit_head SET last_id = 0",
    ],
)
def test_county_clerk_cannot_alter_the_audit_log(secured, statement):
    with (
        connect_as(secured, "lingshou") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)
    with secured["owner"].session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) >= 7
        assert verify_chain(s).intact


def test_roles_follow_the_separation_of_duties_in_the_database(secured):
    with connect_as(secured, "admin") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM cases")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_log")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT password_hash FROM users")
    with connect_as(secured, "auditor") as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] >= 7
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE cases SET owner = 'x'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("DELETE FROM audit_log")  # only entries already archived may leave
    with connect_as(secured, "leader") as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE cases SET owner = 'x'")
    with connect_as(secured, "city") as conn:
        assert conn.execute("UPDATE cases SET owner = 'y'").rowcount == 2
        # a clerk sees only their own audit entries, none of the others'
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0


def test_a_wrong_password_or_the_gate_role_gets_nothing(secured):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect_as(secured, "lingshou", "wrong-Password-1")
    gate = pg_security.group_role(secured["prefix"], pg_security.GATE)
    with psycopg.connect(
        host="127.0.0.1",
        port=secured["server"].port,
        dbname=secured["name"],
        user=gate,
        password=GATE_PASSWORD,
        autocommit=True,
    ) as conn:
        for statement in ("SELECT * FROM cases", "SELECT * FROM users", "SELECT * FROM audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_entries_are_appended_in_the_accounts_own_name(secured):
    with connect_as(secured, "lingshou") as conn:
        conn.execute("BEGIN")
        conn.execute(
            "SELECT * FROM rectify_audit_append(1, 'admin', 'update', NULL, NULL, 'ok', NULL)"
        )
        conn.execute("COMMIT")
    with secured["owner"].session() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert (last.action, last.username) == ("update", "lingshou")
        assert verify_chain(s).intact


def test_the_application_signs_in_as_the_clerks_own_role(secured):
    account_db, result = sign_in_through(gate_db(secured), "lingshou")
    try:
        assert result.actor.username == "lingshou"
        assert result.actor.unit_id == secured["units"]["lingshou"]
        with account_db.session() as s:
            assert s.scalar(text("SELECT session_user")).endswith("_lingshou")
            # Even a controller run without the clerk's scope sees one unit: the database
            # itself narrows every query.
            data = summary(s)
            assert data["cases"]["total"] == 1
            case = s.get(Case, secured["cases"]["lingshou"])
            case.owner = "新业主"
            record(
                s, result.actor, "update", "case", case.id, detail={"owner": ["王建国", "新业主"]}
            )
            s.commit()
            assert s.get(Case, secured["cases"]["xinle"]) is None
        # unlocking the idle-locked window checks the password on the clerk's own connection
        call(account_db, check_password, result.actor, PASSWORDS["lingshou"])
        with pytest.raises(LoginFailed, match="再输错 4 次"):
            call(account_db, check_password, result.actor, "Wrong-Pass-1")
    finally:
        account_db.dispose()
    with secured["owner"].session() as s:
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert [e.action for e in entries[-4:]] == ["login", "update", "login", "login_failed"]
        assert {e.username for e in entries[-4:]} == {"lingshou"}
        assert verify_chain(s).intact


def test_five_wrong_passwords_through_the_gate_lock_the_account(secured):
    gate = gate_db(secured)
    try:
        for n in range(4):
            with pytest.raises(LoginFailed, match=f"再输错 {4 - n} 次"):
                sign_in_database(gate, "xinle", "Wrong-Pass-1")
        with pytest.raises(AccountLocked, match="锁定 5 分钟"):
            sign_in_database(gate, "xinle", "Wrong-Pass-1")
        with pytest.raises(AccountLocked):
            sign_in_database(gate, "xinle", PASSWORDS["xinle"])  # right password, still locked
    finally:
        gate.dispose()
    with secured["owner"].session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.username == "xinle")))
        assert actions.count("login_failed") == 6
        assert actions.count("account_locked") == 1
        assert verify_chain(s).intact


def test_disabling_and_password_changes_reach_the_database_role(secured):
    with secured["owner"].session() as s:
        set_disabled(s, SYSTEM, "leader", True)
        s.commit()
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        connect_as(secured, "leader")
    account_db, result = sign_in_through(gate_db(secured), "city")
    try:
        with account_db.session() as s:
            change_own_password(s, result.actor, PASSWORDS["city"], "Changed-Pass-2")
            s.commit()
        # the engine's new connections sign in with the new password
        account_db.engine.pool.dispose()
        with account_db.session() as s:
            assert s.scalar(text("SELECT session_user")).endswith("_city")
    finally:
        account_db.dispose()
    with pytest.raises(psycopg.OperationalError):
        connect_as(secured, "city")
    with connect_as(secured, "city", "Changed-Pass-2") as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 2


def test_install_is_idempotent_and_roles_can_be_dropped(secured):
    with secured["owner"].engine.begin() as conn:
        again = pg_security.install(conn)
        assert again.gate_password is None  # the gate keeps its password
        assert len(again.accounts) == 6
    with connect_as(secured, "lingshou") as conn:
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    with secured["owner"].engine.begin() as conn:
        dropped = pg_security.drop_roles(conn)
    assert len(dropped) == 6 + 6  # five groups, the gate and six accounts
    with pytest.raises(psycopg.OperationalError):
        connect_as(secured, "lingshou")


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_the_command_line_signs_in_through_the_gate(secured):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    gate = pg_security.group_role(secured["prefix"], pg_security.GATE)
    url = secured["server"].url(secured["name"], gate, GATE_PASSWORD)
    env = {k: v for k, v in os.environ.items() if k != "RECTIFY_DB_URL"}

    def run(*args, password):
        return subprocess.run(
            [sys.executable, str(root / "main.py"), "--db", url, *args],
            capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=root,
            env={**env, "RECTIFY_PASSWORD": password},
        )  # fmt: skip

    county = run("--user", "lingshou", "summary", "--json", password=PASSWORDS["lingshou"])
    assert county.returncode == 0, county.stderr
    assert json.loads(county.stdout)["cases"]["total"] == 1
    wrong = run("--user", "lingshou", "summary", password="Wrong-Pass-1")
    assert wrong.returncode == 1
    assert "再输错 4 次" in wrong.stderr
    owner = subprocess.run(
        [sys.executable, str(root / "main.py"), "--db", secured["url"], "user", "db-roles"],
        capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=root, env=env,
    )  # fmt: skip
    assert owner.returncode == 0, owner.stderr
    assert "行级安全" in owner.stdout


def test_county_clerk_attaches_a_file_another_unit_already_stored(secured):
    """The same bytes attached in two units: stored once, no error for the clerk who cannot
    see the other unit's copy."""
    from controllers.attachments import add_attachment, attachment_content

    photo = b"\x89PNG same photo sent to two units" * 100
    with secured["owner"].session() as s:
        add_attachment(s, SYSTEM, photo, "照片.png", case_id=secured["cases"]["xinle"])
        s.commit()
    account_db, result = sign_in_through(gate_db(secured), "lingshou")
    try:
        with account_db.session() as s:
            att = add_attachment(
                s, result.actor, photo, "同一张.png", case_id=secured["cases"]["lingshou"]
            )
            s.commit()
            assert attachment_content(s, att.id)[1] == photo
    finally:
        account_db.dispose()


def test_a_city_clerk_accepts_a_return_in_its_own_role_where_copy_is_refused(secured, tmp_path):
    """Row-level security binds the clerks' roles and PostgreSQL refuses COPY FROM there: the
    accept writes by INSERT instead, and its history rows pass the per-row guard (own name)."""
    from controllers.bulk import copy_allowed
    from controllers.returns.check import check_return
    from controllers.returns.records import submit_return
    from controllers.returns.review import accept_return
    from models import CaseChange, CountyReturn
    from models.codes import ReturnStatus
    from tests.returns_fixtures import make_stage, standard_row, write_xlsx

    with secured["owner"].session() as s:
        stage = make_stage(s).id
        s.commit()
    rows = [
        standard_row(n, 企业名称=f"安全测试加工厂{n}", 地址=f"灵寿镇北关村{n}号") for n in (1, 2, 3)
    ]
    path = write_xlsx(tmp_path / "灵寿县上报.xlsx", rows)
    account_db, result = sign_in_through(gate_db(secured), "city")
    actor, lingshou = result.actor, secured["units"]["lingshou"]
    try:
        with account_db.session() as s:
            assert not copy_allowed(s.connection(), Case.__table__)
            check = check_return(s, actor, path, lingshou, stage)
            assert check.diff.counts()["new"] == 3
            ret = submit_return(s, actor, check, path)
            s.commit()
            ret_id, version = ret.id, ret.version
        accepted = call(account_db, accept_return, actor, ret_id, version, check).value
        assert accepted.created == 3
    finally:
        account_db.dispose()
    with secured["owner"].session() as s:
        names = set(s.scalars(select(Case.name).where(Case.id.in_(accepted.new_case_ids))))
        assert names == {f"安全测试加工厂{n}" for n in (1, 2, 3)}
        history = list(s.scalars(select(CaseChange).where(
            CaseChange.case_id.in_(accepted.new_case_ids))))  # fmt: skip
        assert {(h.username, h.field, h.new_value) for h in history} == {
            ("city", "status", "pending")
        }
        assert len(history) == 3
        assert s.get(CountyReturn, ret_id).status == ReturnStatus.APPROVED
        assert verify_chain(s).intact


# ------------------------------------------------------------------------------------------
# The matrix: every action the controllers refuse, as raw SQL with each role's own account,
# is refused by the database itself.
@pytest.fixture(scope="module")
def matrix(server):
    """One database for the whole matrix: every forbidden statement is rolled back."""
    secured = _secure_database(server)
    ids = matrix_rows(secured)
    yield {**secured, "ids": ids}
    secured["owner"].dispose()


ALL = ("admin", "auditor", "city", "lingshou", "leader")
FORBIDDEN = [
    # (what, roles refused, SQL)
    ("jump a case straight to closed with a made-up approver", ALL,
     "UPDATE cases SET status = 'closed', approved_by = 'nobody', completed_on = current_date, "
     "accepted_on = current_date WHERE id = {open}"),
    ("county clerk accepts a case", ("lingshou",),
     "UPDATE cases SET status = 'in_progress' WHERE id = {open}; "
     "UPDATE cases SET status = 'completed', completed_on = current_date WHERE id = {open}; "
     "UPDATE cases SET status = 'accepted', accepted_on = current_date WHERE id = {open}"),
    ("close without evidence", ALL,
     "UPDATE cases SET status = 'in_progress' WHERE id = {open}; "
     "UPDATE cases SET status = 'completed', completed_on = current_date WHERE id = {open}; "
     "UPDATE cases SET status = 'accepted', accepted_on = current_date WHERE id = {open}; "
     "UPDATE cases SET status = 'closed', approved_by = '市局' WHERE id = {open}"),
    ("delete a closed case", ALL, "DELETE FROM cases WHERE id = {own}"),
    ("delete the attachments of a closed case", ALL, "DELETE FROM attachments WHERE case_id = {own}"),
    ("delete case history", ALL, "DELETE FROM case_changes WHERE case_id = {own}"),
    ("edit case history", ALL, "UPDATE case_changes SET new_value = 'forged' WHERE case_id = {own}"),
    ("forge history in another's name", ALL,
     "INSERT INTO case_changes (case_id, changed_at, username, field, old_value, new_value) "
     "VALUES ({own}, now(), 'someone', 'owner', 'a', 'b')"),
    ("county clerk approves its own return", ("lingshou",),
     "UPDATE county_returns SET status = 'approved', reviewed_at = now() WHERE id = {return}"),
    ("county clerk archives its own letter", ("lingshou",),
     "UPDATE letters SET status = 'archived' WHERE id = {letter_lingshou}"),
    ("county clerk records accountability", ("lingshou",),
     "INSERT INTO accountability_records (unit_id, measure, status, version) "
     "SELECT unit_id, 'interview', 'proposed', 1 FROM cases WHERE id = {own}"),
    ("an own case carries an attachment onto another unit's letter", ("lingshou",),
     "INSERT INTO attachments (sha256, filename, mime, size, kind, created_at, case_id, letter_id) "
     "VALUES ('{sha}', 'x.png', 'image/png', 1, 'other', now(), {open}, {letter_xinle})"),
    ("append an audit entry with an unknown action", ALL,
     "SELECT * FROM rectify_audit_append(NULL, 'x', 'forged', NULL, NULL, 'ok', NULL)"),
    ("overwrite the own password hash", ("auditor", "city", "lingshou", "leader"),
     "UPDATE users SET password_hash = 'x' WHERE username = rectify_account_name()"),
    ("clear the own must-change-password flag", ("auditor", "city", "lingshou", "leader"),
     "UPDATE users SET must_change_password = false WHERE username = rectify_account_name()"),
]  # fmt: skip


def _run_all(conn, statement):
    for part in statement.split("; "):
        cur = conn.execute(part)
        if cur.rowcount == 0 and part.lstrip().upper().startswith(("UPDATE", "DELETE")):
            # a row the role may not see is a refusal too (nothing changed)
            raise psycopg.errors.InsufficientPrivilege("row not visible: nothing changed")


@pytest.mark.parametrize(
    ("what", "role", "sql"),
    [pytest.param(w, r, q, id=f"{r}: {w}") for w, roles, q in FORBIDDEN for r in roles],
)
def test_the_database_refuses_what_the_controllers_refuse(matrix, what, role, sql):
    statement = sql.format(sha="a" * 64, **matrix["ids"])
    with connect_as(matrix, role) as conn:
        conn.execute("BEGIN")
        # permission denied, a row-level security policy or a guard trigger: all 42501
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
            _run_all(conn, statement)
        conn.execute("ROLLBACK")
    assert refused.value is not None, what
    with matrix["owner"].session() as s:
        assert verify_chain(s).intact


def test_the_city_clerk_still_does_the_allowed_steps_in_sql(matrix):
    """The guards refuse the forbidden, not the work: a city clerk closes a case properly
    (rolled back, so the matrix database stays as it was)."""
    ids = matrix["ids"]
    with connect_as(matrix, "city") as conn:
        conn.execute("BEGIN")
        for step in ("UPDATE cases SET status = 'in_progress' WHERE id = {open}",
                     "UPDATE cases SET status = 'completed', completed_on = current_date WHERE id = {open}",
                     "UPDATE cases SET status = 'accepted', accepted_on = current_date WHERE id = {open}",
                     "INSERT INTO attachments (sha256, filename, mime, size, kind, created_at, case_id) "
                     "VALUES ('" + "a" * 64 + "', 'p.png', 'image/png', 1, 'other', now(), {open})",
                     "UPDATE cases SET status = 'closed', approved_by = '市局' WHERE id = {open}",
                     "UPDATE county_returns SET status = 'approved', reviewed_at = now() WHERE id = {return}",
                     "INSERT INTO case_changes (case_id, changed_at, username, field, old_value, new_value) "
                     "VALUES ({open}, now(), 'city', 'status', 'accepted', 'closed')"):  # fmt: skip
            assert conn.execute(step.format(**ids)).rowcount == 1
        conn.execute("ROLLBACK")


# ------------------------------------------------------------------------------------------
# 变更记录 names the people who changed a case, though a clerk's role reads only its own
# users row (issue 18).
def _city_changes_lingshous_case(env) -> int:
    """The city clerk (张市级) changed the lingshou case; returns the city clerk's id."""
    from models import CaseChange, User

    with env["owner"].session() as s:
        city = s.scalar(select(User).where(User.username == "city"))
        city.display_name = "张市级"
        s.add(CaseChange(case_id=env["cases"]["lingshou"], user_id=city.id, username="city",
                         field="owner", old_value="王建国", new_value="新业主"))  # fmt: skip
        s.commit()
        return city.id


def _history_as(env, username):
    """The case's 变更记录 as the clerk's window loads it, and how many accounts it can read."""
    from controllers.cases.case_detail import load_case
    from controllers.unit_of_work import run
    from models import User

    account_db, result = sign_in_through(gate_db(env), username)
    try:
        record = run(account_db, result.actor, load_case, env["cases"]["lingshou"]).value
        with account_db.session() as s:
            readable = s.scalar(select(func.count()).select_from(User))
        return record.history, readable
    finally:
        account_db.dispose()


def test_a_county_clerk_sees_who_changed_its_case_by_display_name(secured):
    _city_changes_lingshous_case(secured)
    history, users_readable = _history_as(secured, "lingshou")
    assert users_readable == 1  # row-level security: the clerk reads only its own account
    change = next(h for h in history if h.field == "owner")
    assert (change.person, change.username) == ("张市级", "city")


def test_the_names_function_gives_only_names_and_not_to_the_gate(secured):
    city_id = _city_changes_lingshous_case(secured)
    with connect_as(secured, "lingshou") as conn:
        rows = conn.execute("SELECT * FROM rectify_display_names(%s)", ([city_id],)).fetchall()
        assert rows == [(city_id, "张市级")]  # the id and the name: no login name, no role
    gate_role = pg_security.group_role(secured["prefix"], pg_security.GATE)
    with (
        psycopg.connect(host="127.0.0.1", port=secured["server"].port, dbname=secured["name"],
                        user=gate_role, password=GATE_PASSWORD, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):  # fmt: skip
        conn.execute("SELECT * FROM rectify_display_names(%s)", ([city_id],))


def test_a_secured_database_upgraded_to_0008_grants_the_names_function(secured):
    """Security installed before the migration: upgrading grants the function to the groups."""
    from alembic import command

    from models.migrate import alembic_config

    engine = secured["owner"].engine
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007_i14")
    with engine.connect() as conn:
        assert (
            conn.scalar(text("SELECT to_regprocedure('rectify_display_names(integer[])')")) is None
        )
    upgrade(engine, backup=False)
    _city_changes_lingshous_case(secured)
    history, _ = _history_as(secured, "lingshou")
    assert next(h for h in history if h.field == "owner").person == "张市级"


def test_the_sign_in_window_asks_the_gate_nothing_it_may_not_read(secured):
    """has_accounts() through the gate role (which may not read users) is yes."""
    from controllers.auth import has_accounts

    gate = gate_db(secured)
    try:
        with gate.session() as s:
            assert has_accounts(s)
    finally:
        gate.dispose()
