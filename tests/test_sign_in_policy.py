"""Sign-in and password policy: no user-name probing, common passwords refused, the argon2
hash checked even when a PostgreSQL server trusts every client."""

import datetime as dt
import re

import pytest
from sqlalchemy import select, text

from controllers.actor import SYSTEM
from controllers.auth import create_user, set_disabled
from controllers.auth.accounts import change_own_password
from controllers.auth.database_login import sign_in_database
from controllers.auth.login import AccountLocked, LoginFailed, sign_in
from controllers.auth.passwords import check_password_rules
from controllers.errors import ValidationError
from controllers.infra import db_roles as pg_security
from controllers.infra.server_checks import TRUST_WARNING, enforcement_notes
from controllers.unit_of_work import call
from models import AuditEntry
from models.base import now
from models.database import Database, make_engine
from models.migrate import upgrade
from tests import dbservers

PW = "Yewu-Mima-22"


def _clerk(s, disabled=False):
    create_user(s, SYSTEM, "boss", "admin", password="Guanli-Mima-1", must_change_password=False)
    create_user(s, SYSTEM, "zhang", "city_clerk", password=PW, must_change_password=False)
    if disabled:
        set_disabled(s, SYSTEM, "zhang", True)
    s.commit()


@pytest.mark.parametrize(
    "weak",
    [
        "Password1",
        "P@ssw0rd!",
        "Admin@123",
        "Aa1     ",
        "Aa1 Aa1 ",
        "Qwerty123!",
        "Welcome2024!",
        "1qaz2WSX",
        "Woaini1314!",
        "12345678!",
    ],
)
def test_common_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        check_password_rules(weak, "zhang")


@pytest.mark.parametrize("fine", ["Demo-2026", "Guanli-Mima-1", "Chun-Feng-9", "Lv Shui 8 Qing"])
def test_ordinary_strong_passwords_pass(fine):
    check_password_rules(fine, "zhang")


def test_a_common_password_is_refused_when_changing_it(sqlite_db):
    with sqlite_db.session() as s:
        _clerk(s)
        result = sign_in(s, "zhang", PW)
        with pytest.raises(ValidationError, match="太常见"):
            change_own_password(s, result.actor, PW, "Password1!")


def _messages(database, username, password, moment, n):
    out = []
    for _ in range(n):
        try:  # each attempt is its own unit of work, as at the login dialog
            call(database, sign_in, username, password, moment=moment)
        except AccountLocked as exc:
            out.append(("locked", str(exc)))
        except LoginFailed as exc:
            out.append(("failed", str(exc)))
    return out


def test_unknown_names_get_the_same_countdown_and_lock(database):
    with database.session() as s:
        _clerk(s)
        s.commit()
    moment = now()
    real = _messages(database, "zhang", "Wrong-Pass-1", moment, 6)
    ghost = _messages(database, "wangwu", "Wrong-Pass-1", moment, 6)
    assert [k for k, _ in real] == [k for k, _ in ghost] == ["failed"] * 4 + ["locked"] * 2
    assert [m for _, m in real[:4]] == [m for _, m in ghost[:4]]
    # the lock's end differs only by the seconds the attempts took
    assert [re.sub(r"\d+", "N", m) for _, m in real[4:]] == [
        re.sub(r"\d+", "N", m) for _, m in ghost[4:]
    ]
    assert "再输错 4 次" in real[0][1]


def test_a_disabled_account_is_named_only_to_whoever_knows_its_password(sqlite_db):
    with sqlite_db.session() as s:
        _clerk(s, disabled=True)
        with pytest.raises(LoginFailed) as wrong:
            sign_in(s, "zhang", "Wrong-Pass-1")
        assert "停用" not in str(wrong.value)
        assert "用户名或密码不正确" in str(wrong.value)
        with pytest.raises(LoginFailed, match="已停用"):
            sign_in(s, "zhang", PW)


@pytest.mark.postgres
def test_a_trusting_server_does_not_let_a_wrong_password_in():
    """The shared test cluster trusts local clients: exactly the misconfiguration."""
    name = dbservers.unique_name("trust")
    url = dbservers.create_pg(name)
    owner = Database.from_engine(make_engine(url))
    try:
        upgrade(owner.engine, backup=False)
        with owner.engine.begin() as conn:
            result = pg_security.install(conn, gate_password="Gate-Pass-1")
        with owner.session() as s:
            _clerk(s)
        gate = Database.from_engine(make_engine(
            owner.engine.url.set(username=result.gate_role, password="Gate-Pass-1")
            .render_as_string(hide_password=False)))  # fmt: skip
        try:
            assert TRUST_WARNING in enforcement_notes(gate)
            with pytest.raises(LoginFailed, match="再输错 4 次"):
                sign_in_database(gate, "zhang", "Wrong-Pass-1")
            account_db, signed = sign_in_database(gate, "zhang", PW)
            account_db.dispose()
            assert signed.actor.username == "zhang"
        finally:
            gate.dispose()
        with owner.session() as s:
            details = list(s.scalars(select(AuditEntry.detail)
                                     .where(AuditEntry.action == "login_failed")))  # fmt: skip
            assert any("server_accepted_wrong_password" in (d or "") for d in details)
            assert s.scalar(text("SELECT failed_attempts FROM users WHERE username = 'zhang'")) == 0
    finally:
        with owner.engine.begin() as conn:
            pg_security.drop_roles(conn)
        owner.dispose()
        dbservers.drop_pg(name)


def test_sqlite_has_no_server_to_warn_about(sqlite_db):
    assert enforcement_notes(sqlite_db) == []
    assert dt is not None
