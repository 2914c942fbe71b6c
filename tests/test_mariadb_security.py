"""MariaDB enforces the unit scope and the audit trail itself: per-user accounts over definer
views (``user db-roles`` on MariaDB), attacked as raw SQL with a clerk's own MariaDB user."""

import uuid

import pymysql
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from controllers.actor import SYSTEM
from controllers.audit.trail import record
from controllers.audit.verify import verify_chain
from controllers.auth import AccountLocked, LoginFailed, change_own_password
from controllers.auth.database_login import sign_in_database
from controllers.infra import mariadb_roles
from controllers.unit_of_work import call
from models import AuditEntry, Case
from models.database import Database, make_engine
from tests.dbservers import MARIADB_ADMIN_URL, create_mariadb, drop_mariadb, url_for
from tests.secured_accounts import (
    GATE_PASSWORD,
    PASSWORDS,
    matrix_rows,
    secure_database,
    sign_in_through,
)

pytestmark = [pytest.mark.mariadb, pytest.mark.slow]


def _secure_database():
    name = f"rectify_mdbsec_{uuid.uuid4().hex[:8]}"
    return {**secure_database(create_mariadb(name), mariadb_roles.install), "name": name}


def _drop(env):
    env["owner"].dispose()
    with make_engine(env["url"]).begin() as conn:
        mariadb_roles.drop(conn)
    drop_mariadb(env["name"])


@pytest.fixture
def secured():
    env = _secure_database()
    try:
        yield env
    finally:
        _drop(env)


def connect_as(env, username, password=None):
    """A plain SQL client (PyMySQL) with an account's own MariaDB user."""
    return pymysql.connect(
        host="127.0.0.1",
        port=3306,
        user=mariadb_roles.account_user(env["result"].prefix, username),
        password=password or PASSWORDS[username],
        database=env["result"].scoped,
        autocommit=False,
    )


def gate_db(env) -> Database:
    url = url_for(MARIADB_ADMIN_URL, env["result"].scoped)
    from sqlalchemy.engine import make_url

    gate = make_url(url).set(username=env["result"].gate_user, password=GATE_PASSWORD)
    return Database.from_engine(make_engine(gate.render_as_string(hide_password=False)))


def _rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_county_clerk_in_a_plain_sql_client_sees_only_its_unit(secured):
    conn = connect_as(secured, "lingshou")
    try:
        cases = _rows(conn, "SELECT id, unit_id FROM cases")
        assert cases == ((secured["cases"]["lingshou"], secured["units"]["lingshou"]),)
        users = _rows(conn, "SELECT username, password_hash FROM users")
        assert [u[0] for u in users] == ["lingshou"]  # no other account's hash
        names = dict(_rows(conn, "SELECT id, display_name FROM rectify_user_names"))
        assert len(names) == 6  # display names only
        # the base database is out of reach
        with pytest.raises(pymysql.err.OperationalError):
            _rows(conn, f"SELECT * FROM `{secured['name']}`.users")
    finally:
        conn.close()


FORBIDDEN_ALWAYS = [
    ("promote self to city clerk", "UPDATE users SET role = 'city_clerk'"),
    ("move self to another unit", "UPDATE users SET unit_id = {unit_xinle}"),
    ("overwrite the own password hash", "UPDATE users SET password_hash = 'x'"),
    ("clear must-change-password", "UPDATE users SET must_change_password = 0"),
    ("read the base database", "SELECT * FROM `{base}`.cases"),
    ("truncate the audit log", "TRUNCATE TABLE audit_log"),
    ("truncate the audit head", "TRUNCATE TABLE audit_head"),
    ("rewind the audit head", "UPDATE audit_head SET last_id = last_id - 1"),
    ("delete audit entries", "DELETE FROM audit_log"),
    ("rewrite an audit entry", "UPDATE audit_log SET detail = 'x'"),
    ("append an audit entry in another's name",
     "INSERT INTO audit_log (id, at, user_id, username, action, result, prev_hash, entry_hash) "
     "VALUES (9999, NOW(), NULL, 'city', 'login', 'ok', NULL, 'x')"),
    ("append an audit entry with an unknown action",
     "INSERT INTO audit_log (id, at, user_id, username, action, result, prev_hash, entry_hash) "
     "SELECT 9999, NOW(), id, username, 'forged', 'ok', NULL, 'x' FROM users"),
    ("drop a guard trigger", "DROP TRIGGER `{base}`.rectify_guard_cases_delete"),
    ("drop the audit trigger", "DROP TRIGGER `{base}`.audit_log_no_update"),
    ("read another unit's case", "UPDATE cases SET name = 'x' WHERE id = {other}"),
    ("write a case into another unit",
     "UPDATE cases SET unit_id = {unit_xinle} WHERE id = {open}"),
    ("delete a closed case", "DELETE FROM cases WHERE id = {own}"),
    ("delete case history", "DELETE FROM case_changes WHERE case_id = {own}"),
    ("edit case history", "UPDATE case_changes SET new_value = 'forged' WHERE case_id = {own}"),
    ("forge history in another's name",
     "INSERT INTO case_changes (case_id, changed_at, username, field, old_value, new_value) "
     "VALUES ({own}, NOW(), 'someone', 'owner', 'a', 'b')"),
    ("delete the attachments of a closed case", "DELETE FROM attachments WHERE case_id = {own}"),
    ("approve the own return",
     "UPDATE county_returns SET status = 'approved', reviewed_at = NOW() WHERE id = {return}"),
    ("accept a case",
     "UPDATE cases SET status = 'in_progress' WHERE id = {open}; "
     "UPDATE cases SET status = 'completed', completed_on = CURDATE() WHERE id = {open}; "
     "UPDATE cases SET status = 'accepted', accepted_on = CURDATE() WHERE id = {open}"),
    ("close straight away with a made-up approver",
     "UPDATE cases SET status = 'closed', approved_by = 'nobody', completed_on = CURDATE(), "
     "accepted_on = CURDATE() WHERE id = {open}"),
    ("archive the own letter", "UPDATE letters SET status = 'archived' WHERE id = {letter_lingshou}"),
    ("an own case carries an attachment onto another unit's letter",
     "INSERT INTO attachments (sha256, filename, mime, size, kind, created_at, case_id, letter_id) "
     "VALUES ('" + "a" * 64 + "', 'x.png', 'image/png', 1, 'other', NOW(), {open}, {letter_xinle})"),
    ("store content under another file's checksum",
     "INSERT INTO attachment_blobs (sha256, size, content) VALUES ('" + "b" * 64 + "', 1, 'x')"),
    ("record accountability",
     "INSERT INTO accountability_records (unit_id, measure, status, version) "
     "VALUES ({unit_lingshou}, 'interview', 'proposed', 1)"),
]  # fmt: skip
CITY_FORBIDDEN = [
    ("close without evidence",
     "UPDATE cases SET status = 'in_progress' WHERE id = {open}; "
     "UPDATE cases SET status = 'completed', completed_on = CURDATE() WHERE id = {open}; "
     "UPDATE cases SET status = 'accepted', accepted_on = CURDATE() WHERE id = {open}; "
     "UPDATE cases SET status = 'closed', approved_by = '市局' WHERE id = {open}"),
    ("close straight away with a made-up approver",
     "UPDATE cases SET status = 'closed', approved_by = 'nobody', completed_on = CURDATE(), "
     "accepted_on = CURDATE() WHERE id = {open}"),
    ("promote self to administrator", "UPDATE users SET role = 'admin'"),
    ("delete a closed case", "DELETE FROM cases WHERE id = {own}"),
    ("delete case history", "DELETE FROM case_changes WHERE case_id = {own}"),
    ("truncate the audit log", "TRUNCATE TABLE audit_log"),
]  # fmt: skip


@pytest.fixture(scope="module")
def matrix():
    env = _secure_database()
    ids = matrix_rows(env)
    ids.update(base=env["name"], unit_lingshou=env["units"]["lingshou"],
               unit_xinle=env["units"]["xinle"])  # fmt: skip
    try:
        yield {**env, "ids": ids}
    finally:
        _drop(env)


def _refused(env, username, statement):
    """Run the statement's parts in one transaction; True when the database refused (an
    error, or an UPDATE/DELETE that found no row it may touch). Always rolled back."""
    conn = connect_as(env, username)
    try:
        with conn.cursor() as cur:
            for part in statement.format(**env["ids"]).split("; "):
                try:
                    changed = cur.execute(part)
                except (pymysql.err.OperationalError, pymysql.err.ProgrammingError,
                        pymysql.err.IntegrityError, pymysql.err.InternalError) as exc:  # fmt: skip
                    return exc.args[0] in (1044, 1142, 1143, 1369, 1644, 1370, 1227)
                if changed == 0 and part.lstrip().upper().startswith(("UPDATE", "DELETE")):
                    return True
        return False
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.parametrize(("what", "sql"), FORBIDDEN_ALWAYS, ids=[w for w, _ in FORBIDDEN_ALWAYS])
def test_a_county_clerks_account_is_refused(matrix, what, sql):
    assert _refused(matrix, "lingshou", sql), what
    with matrix["owner"].session() as s:
        assert verify_chain(s).intact


@pytest.mark.parametrize(("what", "sql"), CITY_FORBIDDEN, ids=[w for w, _ in CITY_FORBIDDEN])
def test_a_city_clerks_account_is_refused(matrix, what, sql):
    assert _refused(matrix, "city", sql), what


def test_the_city_clerk_still_does_the_allowed_steps_in_sql(matrix):
    ids = matrix["ids"]
    conn = connect_as(matrix, "city")
    try:
        with conn.cursor() as cur:
            for step in (
                "UPDATE cases SET status = 'in_progress' WHERE id = {open}",
                "UPDATE cases SET status = 'completed', completed_on = CURDATE() WHERE id = {open}",
                "UPDATE cases SET status = 'accepted', accepted_on = CURDATE() WHERE id = {open}",
                "INSERT INTO attachments (sha256, filename, mime, size, kind, created_at, case_id)"
                " VALUES ('" + "a" * 64 + "', 'p.png', 'image/png', 1, 'other', NOW(), {open})",
                "UPDATE cases SET status = 'closed', approved_by = '市局' WHERE id = {open}",
                "UPDATE county_returns SET status = 'approved', reviewed_at = NOW()"
                " WHERE id = {return}",
                "INSERT INTO case_changes (case_id, changed_at, username, field, old_value,"
                " new_value) VALUES ({open}, NOW(), 'city', 'status', 'accepted', 'closed')",
            ):
                assert cur.execute(step.format(**ids)) == 1, step
    finally:
        conn.rollback()
        conn.close()


def test_a_wrong_password_or_the_gate_gets_nothing(secured):
    with pytest.raises(pymysql.err.OperationalError):
        connect_as(secured, "lingshou", "Wrong-Mima-9")
    gate = pymysql.connect(host="127.0.0.1", port=3306, user=secured["result"].gate_user,
                           password=GATE_PASSWORD, database=secured["result"].scoped)  # fmt: skip
    try:
        for sql in ("SELECT * FROM cases", "SELECT * FROM users", "SELECT * FROM audit_log"):
            with pytest.raises(pymysql.err.OperationalError) as refused:
                _rows(gate, sql)
            assert refused.value.args[0] == 1142
    finally:
        gate.close()


def test_the_application_signs_in_as_the_clerks_own_user_and_saves(secured):
    account_db, result = sign_in_through(gate_db(secured), "lingshou")
    try:
        with account_db.session() as s:
            assert mariadb_roles.connected_account(s) == "lingshou"
            assert [c.id for c in s.scalars(select(Case))] == [secured["cases"]["lingshou"]]
            case = s.get(Case, secured["cases"]["lingshou"])
            case.owner = "王五"
            record(s, result.actor, "update", "case", case.id)
            s.commit()
        # a change of the own password reaches the MariaDB user, after the commit
        call(account_db, change_own_password, result.actor, PASSWORDS["lingshou"], "Xinmima-Ling-7")
        account_db.engine.pool.dispose()  # new connections sign in with the new password
        with account_db.session() as s:
            assert mariadb_roles.connected_account(s) == "lingshou"
    finally:
        account_db.dispose()
    conn = connect_as(secured, "lingshou", "Xinmima-Ling-7")
    conn.close()
    with pytest.raises(pymysql.err.OperationalError):
        connect_as(secured, "lingshou")
    with secured["owner"].session() as s:
        assert s.get(Case, secured["cases"]["lingshou"]).owner == "王五"
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.username == "lingshou")))
        assert {"login", "update", "password_change"} <= {e.action for e in entries}
        assert verify_chain(s).intact


def test_five_wrong_passwords_through_the_gate_lock_the_account(secured):
    gate = gate_db(secured)
    try:
        for n in range(4):
            with pytest.raises(LoginFailed) as refused:
                sign_in_database(gate, "xinle", "Wrong-Mima-9")
            assert f"再输错 {4 - n} 次" in str(refused.value)
        with pytest.raises(AccountLocked):
            sign_in_database(gate, "xinle", "Wrong-Mima-9")
        with pytest.raises(AccountLocked):  # even the right password, while locked
            sign_in_database(gate, "xinle", PASSWORDS["xinle"])
        with pytest.raises(LoginFailed) as unknown:  # an unknown name: the same words
            sign_in_database(gate, "nobody", "Wrong-Mima-9")
        assert "再输错 4 次" in str(unknown.value)
    finally:
        gate.dispose()
    with secured["owner"].session() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(
            AuditEntry.username.in_(["xinle", "nobody"])).order_by(AuditEntry.id))]  # fmt: skip
        assert actions.count("account_locked") == 1
        assert actions.count("login_failed") == 7
        assert verify_chain(s).intact  # the gate's entries are hashed like the application's


def test_a_city_clerk_accepts_a_return_through_the_own_user(secured, tmp_path):
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
        standard_row(n, 企业名称=f"安全测试加工厂{n}", 地址=f"灵寿镇北关村{n}号") for n in (1, 2)
    ]
    path = write_xlsx(tmp_path / "灵寿县上报.xlsx", rows)
    account_db, result = sign_in_through(gate_db(secured), "city")
    try:
        with account_db.session() as s:
            check = check_return(s, result.actor, path, secured["units"]["lingshou"], stage)
            ret = submit_return(s, result.actor, check, path)
            s.commit()
            ret_id, version = ret.id, ret.version
        accepted = call(account_db, accept_return, result.actor, ret_id, version, check).value
        assert accepted.created == 2
    finally:
        account_db.dispose()
    with secured["owner"].session() as s:
        assert s.get(CountyReturn, ret_id).status == ReturnStatus.APPROVED
        history = list(s.scalars(select(CaseChange).where(
            CaseChange.case_id.in_(accepted.new_case_ids))))  # fmt: skip
        assert {h.username for h in history} == {"city"}
        assert verify_chain(s).intact


def test_a_county_clerk_attaches_a_file_another_unit_already_stored(secured, tmp_path):
    from controllers.attachments import add_attachment_file
    from models import Attachment

    photo = tmp_path / "现场照片.png"
    photo.write_bytes(b"\x89PNG same bytes in two units")
    with secured["owner"].session() as s:
        add_attachment_file(s, SYSTEM, photo, case_id=secured["cases"]["xinle"])
        s.commit()
    account_db, result = sign_in_through(gate_db(secured), "lingshou")
    try:
        with account_db.session() as s:
            add_attachment_file(s, result.actor, photo, case_id=secured["cases"]["lingshou"])
            s.commit()
    finally:
        account_db.dispose()
    with secured["owner"].session() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 2


def test_install_is_idempotent_and_disabling_locks_the_user(secured):
    from controllers.auth import set_disabled

    with secured["owner"].engine.begin() as conn:
        again = mariadb_roles.install(conn)
    assert again.gate_password is None  # the gate user kept its password
    assert len(again.accounts) == 6
    with secured["owner"].session() as s:
        set_disabled(s, SYSTEM, "leader", True)
        s.commit()
    with pytest.raises(pymysql.err.OperationalError) as locked:
        connect_as(secured, "leader")
    assert locked.value.args[0] == 4151


OTHER_ROLES_FORBIDDEN = [
    ("admin", "read the cases", "SELECT * FROM cases"),
    ("admin", "truncate the audit log", "TRUNCATE TABLE audit_log"),
    ("leader", "change a case", "UPDATE cases SET name = 'x' WHERE id = {open}"),
    ("leader", "promote self", "UPDATE users SET role = 'admin'"),
    ("auditor", "delete unarchived audit entries", "DELETE FROM audit_log"),
    ("auditor", "change a case", "UPDATE cases SET name = 'x' WHERE id = {open}"),
    ("auditor", "change a non-audit setting",
     "INSERT INTO app_settings (`key`, value) VALUES ('backup.keep', '1')"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("role", "what", "sql"),
    OTHER_ROLES_FORBIDDEN,
    ids=[f"{r}: {w}" for r, w, _ in OTHER_ROLES_FORBIDDEN],
)
def test_the_other_roles_accounts_are_refused(matrix, role, what, sql):
    assert _refused(matrix, role, sql), what


def test_a_county_clerk_sees_that_others_changed_something_and_who(secured):
    """The change feed and the display names work through the views: a county clerk learns
    the kind of every new entry (not its object or author) and the names of the people in
    its unit's history."""
    from controllers.audit.change_feed import changes_since, head_id, topics_for
    from controllers.auth.display_names import display_names

    account_db, _result = sign_in_through(gate_db(secured), "lingshou")
    try:
        with account_db.session() as s:
            since = head_id(s)
        with secured["owner"].session() as s:
            record(s, SYSTEM, "update", "case", secured["cases"]["xinle"])
            s.commit()
            city_id = s.scalar(text("SELECT id FROM users WHERE username = 'city'"))
        with account_db.session() as s:
            changes = changes_since(s, since)
            assert changes.last_id == since + 1
            assert changes.topics == topics_for("update", "case")  # refreshes the register
            assert s.scalars(select(AuditEntry.id).where(AuditEntry.id > since)).all() == []
            assert display_names(s, [city_id]) == {city_id: "city"}
    finally:
        account_db.dispose()


def test_the_settings_pane_text_says_what_mariadb_enforces(secured):
    from controllers.infra.server_checks import (
        MARIADB_NOT_ENFORCED,
        MARIADB_OWNER,
        MARIADB_SCOPED,
        enforcement_notes,
    )

    gate = gate_db(secured)
    try:
        assert enforcement_notes(gate, probe=False) == [MARIADB_SCOPED]
    finally:
        gate.dispose()
    owner_notes = enforcement_notes(secured["owner"], probe=False)
    assert owner_notes == [MARIADB_OWNER + MARIADB_SCOPED]
    assert MARIADB_NOT_ENFORCED not in owner_notes
    # a schema upgrade after user db-roles leaves a view behind: the owner is told
    with secured["owner"].engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE cases ADD COLUMN extra_note VARCHAR(10) NULL")
    stale = enforcement_notes(secured["owner"], probe=False)[-1]
    assert "尚未再运行 user db-roles" in stale
    assert "cases" in stale
    with secured["owner"].engine.begin() as conn:
        mariadb_roles.install(conn)
    assert enforcement_notes(secured["owner"], probe=False) == [MARIADB_OWNER + MARIADB_SCOPED]


def test_the_command_line_installs_and_signs_in_through_the_gate(secured):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k != "RECTIFY_DB_URL"}
    env["PYTHONPATH"] = str(root)

    def run(url, *args, password=None):
        extra = {"RECTIFY_PASSWORD": password} if password else {}
        return subprocess.run(
            [sys.executable, str(root / "main.py"), "--db", url, *args],
            capture_output=True, text=True, encoding="utf-8", timeout=180, cwd=root,
            env={**env, **extra},
        )  # fmt: skip

    owner = run(secured["url"], "user", "db-roles", "--gate-password", "Gate-Pass-2")
    assert owner.returncode == 0, owner.stderr
    assert secured["result"].scoped in owner.stdout
    gate_url = next(line.strip() for line in owner.stdout.splitlines() if "Gate-Pass-2" in line)
    county = run(gate_url, "--user", "lingshou", "summary", "--json",
                 password=PASSWORDS["lingshou"])  # fmt: skip
    assert county.returncode == 0, county.stderr
    assert json.loads(county.stdout)["cases"]["total"] == 1
    wrong = run(gate_url, "--user", "lingshou", "summary", password="Wrong-Pass-1")
    assert wrong.returncode == 1
    assert "再输错 4 次" in wrong.stderr


def test_the_administrator_counts_cases_per_unit_without_reading_them(secured):
    from controllers.units.records import unit_case_counts

    account_db, result = sign_in_through(gate_db(secured), "admin")
    try:
        with account_db.session() as s:
            counts = unit_case_counts(s, result.actor)
            assert counts == {secured["units"]["lingshou"]: 1, secured["units"]["xinle"]: 1}
            with pytest.raises(DBAPIError):  # the cases themselves stay out of reach
                s.execute(text("SELECT name FROM cases")).all()
    finally:
        account_db.dispose()


def test_the_sign_in_window_asks_the_gate_nothing_it_may_not_read(secured):
    """The desktop sign-in first asks whether any account exists: through the gate user,
    which reads no table, the answer is yes without a query on users."""
    from controllers.auth import has_accounts

    gate = gate_db(secured)
    try:
        with gate.session() as s:
            assert has_accounts(s)
            with pytest.raises(DBAPIError):
                s.execute(text("SELECT COUNT(*) FROM users")).all()
    finally:
        gate.dispose()


def test_a_county_clerk_works_through_the_own_user(secured, tmp_path):
    """The county clerk's daily work passes the views and guards: a case moved on a step
    (with its history in the clerk's name) and a return submitted for the own unit."""
    from controllers.cases.workflow import move_case
    from controllers.returns.check import check_return
    from controllers.returns.records import submit_return
    from controllers.unit_of_work import run
    from models import CaseChange, CountyReturn
    from tests.returns_fixtures import make_stage, standard_row, write_xlsx

    with secured["owner"].session() as s:
        stage = make_stage(s).id
        s.commit()
    path = write_xlsx(tmp_path / "灵寿县上报.xlsx", [standard_row(1, 企业名称="县区上报加工厂")])
    account_db, result = sign_in_through(gate_db(secured), "lingshou")
    own = secured["cases"]["lingshou"]
    try:
        with account_db.session() as s:
            version = s.get(Case, own).version
        run(account_db, result.actor, move_case, own, version, "in_progress")
        with account_db.session() as s:
            check = check_return(s, result.actor, path, secured["units"]["lingshou"], stage)
            ret_id = submit_return(s, result.actor, check, path).id
            s.commit()
    finally:
        account_db.dispose()
    with secured["owner"].session() as s:
        assert s.get(Case, own).status == "in_progress"
        names = {c.username for c in s.scalars(select(CaseChange).where(CaseChange.case_id == own))}
        assert names == {"lingshou"}
        assert s.get(CountyReturn, ret_id).unit_id == secured["units"]["lingshou"]
        assert verify_chain(s).intact


def test_the_administrator_changes_a_role_through_the_own_user(secured):
    """The administrator, signed in through the gate, makes a county clerk a leader: the
    account's MariaDB role follows after the commit, and with it what the views show."""
    from controllers.auth import update_user
    from controllers.unit_of_work import run
    from models import User

    admin_db, result = sign_in_through(gate_db(secured), "admin")
    try:
        with admin_db.session() as s:  # the administrator's view shows every account
            version = s.scalar(select(User.version).where(User.username == "lingshou"))
            assert s.scalar(select(func.count()).select_from(User)) == 6
        run(admin_db, result.actor, update_user, "lingshou", version, role="leader", unit=None)
    finally:
        admin_db.dispose()
    conn = connect_as(secured, "lingshou")
    try:
        assert len(_rows(conn, "SELECT id FROM cases")) == 2  # a leader reads every unit
        assert _rows(conn, "SELECT CURRENT_ROLE()")[0][0].endswith("__leader")
        with pytest.raises(pymysql.err.OperationalError):  # and writes none
            _rows(conn, "UPDATE cases SET name = 'x'")
    finally:
        conn.close()
