"""Accounts, passwords, sign-in and lockout, "stay signed in" — on every backend."""

import datetime as dt
import os

import pytest
from sqlalchemy import select

from controllers.actor import SYSTEM, Actor
from controllers.auth import (
    AccountLocked,
    LoginFailed,
    change_own_password,
    check_password_rules,
    create_user,
    list_users,
    reset_password,
    set_disabled,
    sign_in,
    update_user,
)
from controllers.auth.remember import TokenStore, issue_token, sign_in_with_token
from controllers.editing import EditConflict
from controllers.errors import NotFoundError, ValidationError
from controllers.permissions import PermissionDenied
from controllers.unit_of_work import call
from models import AuditEntry, User
from models.base import now
from models.codes import AuditResult, Role

ADMIN_PW = "Guanli-Mima-1"
CLERK_PW = "Yewu-Mima-22"


def _admin(session) -> Actor:
    _user, _ = create_user(session, SYSTEM, "boss", Role.ADMIN, password=ADMIN_PW,
                          must_change_password=False)  # fmt: skip
    session.commit()
    return sign_in(session, "boss", ADMIN_PW).actor


def _audit(session, username=None):
    stmt = select(AuditEntry.action, AuditEntry.result).order_by(AuditEntry.id)
    if username:
        stmt = stmt.where(AuditEntry.username == username)
    return [(a, str(r)) for a, r in session.execute(stmt)]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!", "密码太短"),
        ("abcdefgh1", "缺少大写字母、符号"),
        ("ABCDEFGH", "只包含 1 种"),
        ("Zhangsan-1", "不能包含用户名"),
    ],
)
def test_password_rules(password, message):
    with pytest.raises(ValidationError, match=message):
        check_password_rules(password, "zhangsan")
    check_password_rules("Kx7-pqrs", "zhangsan")  # 8 characters of 4 kinds
    check_password_rules("kx7-pqrs", "zhangsan")  # 3 kinds are enough


def test_passwords_are_stored_as_argon2id(database):
    with database.session() as s:
        _admin(s)
        stored = s.scalar(select(User.password_hash).where(User.username == "boss"))
    assert stored.startswith("$argon2id$")
    assert ADMIN_PW not in stored


def test_first_account_must_be_an_administrator_then_only_admins_add(database):
    with database.session() as s:
        with pytest.raises(ValidationError, match="第一个账户必须是系统管理员"):
            create_user(s, SYSTEM, "clerk", Role.CITY_CLERK, password=CLERK_PW)
        admin = _admin(s)
        user, initial = create_user(s, admin, "lingshou_li", "县区业务员", unit="灵寿县",
                                    display_name="李灵寿")  # fmt: skip
        s.commit()
        assert user.must_change_password
        check_password_rules(initial, "lingshou_li")
        clerk = Actor(user.id, user.username, Role.COUNTY_CLERK, unit_id=user.unit_id)
        with pytest.raises(PermissionDenied, match="无权管理用户"):
            create_user(s, clerk, "other", Role.CITY_CLERK)
        with pytest.raises(ValidationError, match="必须指定所属责任单位"):
            create_user(s, admin, "nounit", Role.COUNTY_CLERK)
        with pytest.raises(ValidationError, match="不能指定单位"):
            create_user(s, admin, "city2", Role.CITY_CLERK, unit="灵寿县")
        with pytest.raises(ValidationError, match="不符合要求"):
            create_user(s, admin, "张三", Role.CITY_CLERK)
        with pytest.raises(ValidationError, match="已被使用"):
            create_user(s, admin, "LINGSHOU_LI", Role.CITY_CLERK)
        rows = list_users(s, admin)
        assert [(r.username, r.role, r.unit_name) for r in rows] == [
            ("boss", Role.ADMIN, None), ("lingshou_li", Role.COUNTY_CLERK, "灵寿县"),
        ]  # fmt: skip
        assert ("user_add", "ok") in _audit(s)


def test_sign_in_lockout_and_audit(database):
    """Each refused attempt is counted and audited in its unit of work, though it fails."""
    with database.session() as s:
        admin = _admin(s)
        create_user(s, admin, "zhang", Role.CITY_CLERK, password=CLERK_PW)
        s.commit()
        start = now()
        result = call(database, sign_in, "zhang", CLERK_PW, moment=start).value
        assert result.must_change_password
        assert result.actor.role == Role.CITY_CLERK
        for n in range(4):
            with pytest.raises(LoginFailed, match=f"再输错 {4 - n} 次"):
                call(database, sign_in, "zhang", "Wrong-pass-1", moment=start)
        with pytest.raises(AccountLocked, match="锁定 5 分钟"):
            call(database, sign_in, "zhang", "Wrong-pass-1", moment=start)
        with pytest.raises(AccountLocked):  # even the right password, while locked
            call(database, sign_in, "zhang", CLERK_PW, moment=start + dt.timedelta(minutes=4))
        ok = call(
            database, sign_in, "zhang", CLERK_PW, moment=start + dt.timedelta(minutes=5, seconds=1)
        ).value
        assert ok.actor.username == "zhang"
        with pytest.raises(LoginFailed, match="用户名或密码不正确。再输错 4 次"):
            call(database, sign_in, "nobody", CLERK_PW)
        trail = _audit(s, "zhang")
        assert trail == (
            [("login", "ok")] + [("login_failed", "failed")] * 5 + [("account_locked", "failed"),
             ("login_failed", "failed"), ("login", "ok")]
        )  # fmt: skip
        assert _audit(s, "nobody") == [("login_failed", "failed")]


def test_disabled_account_and_last_admin(database):
    with database.session() as s:
        admin = _admin(s)
        create_user(s, admin, "zhang", Role.CITY_CLERK, password=CLERK_PW)
        set_disabled(s, admin, "zhang", True)
        s.commit()
        with pytest.raises(LoginFailed, match="已停用"):
            sign_in(s, "zhang", CLERK_PW)
        with pytest.raises(ValidationError, match="不能停用自己"):
            set_disabled(s, admin, "boss", True)
        other = Actor(None, "root", Role.ADMIN)
        with pytest.raises(ValidationError, match="唯一可用的系统管理员"):
            set_disabled(s, other, "boss", True)
        set_disabled(s, admin, "zhang", False)
        s.commit()
        assert sign_in(s, "zhang", CLERK_PW).actor.username == "zhang"
        with pytest.raises(NotFoundError):
            set_disabled(s, admin, "ghost", True)


def test_password_change_and_reset(database):
    with database.session() as s:
        admin = _admin(s)
        create_user(s, admin, "zhang", Role.CITY_CLERK, password=CLERK_PW)
        s.commit()
        me = sign_in(s, "zhang", CLERK_PW).actor
        with pytest.raises(ValidationError, match="原密码不正确"):
            change_own_password(s, me, "wrong", "New-Pass-77")
        with pytest.raises(ValidationError, match="不能与原密码相同"):
            change_own_password(s, me, CLERK_PW, CLERK_PW)
        with pytest.raises(ValidationError, match="密码太短"):
            change_own_password(s, me, CLERK_PW, "Ab-1")
        change_own_password(s, me, CLERK_PW, "New-Pass-77")
        s.commit()
        assert not sign_in(s, "zhang", "New-Pass-77").must_change_password
        initial = reset_password(s, admin, "zhang")
        s.commit()
        assert sign_in(s, "zhang", initial).must_change_password
        assert ("password_change", "ok") in _audit(s, "zhang")
        assert ("password_reset", "ok") in _audit(s, "boss")


def test_role_change_uses_optimistic_locking(database):
    with database.session() as s:
        admin = _admin(s)
        user, _ = create_user(s, admin, "zhang", Role.CITY_CLERK, password=CLERK_PW)
        s.commit()
        opened = user.version
        update_user(s, admin, "zhang", opened, role=Role.COUNTY_CLERK, unit="新乐市")
        s.commit()
        with pytest.raises(EditConflict):
            update_user(s, admin, "zhang", opened, display_name="张")
        s.rollback()
        assert s.scalar(select(User.role).where(User.username == "zhang")) == Role.COUNTY_CLERK


def test_refusals_are_audited_in_their_own_transaction(database):
    from controllers.audit.trail import record_refusal

    with database.session() as s:
        admin = _admin(s)
        create_user(s, admin, "spy", Role.LEADER, password=CLERK_PW)
        s.commit()
        spy = sign_in(s, "spy", CLERK_PW).actor
        try:
            list_users(s, spy)
        except PermissionDenied as exc:
            s.rollback()
            record_refusal(database, exc)
    with database.session() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert (last.action, last.username, last.result) == (
            "permission_refused", "spy", AuditResult.REFUSED,
        )  # fmt: skip
        assert "无权管理用户" in last.detail
        _ = admin


def test_stay_signed_in_tokens(sqlite_db, tmp_path):
    with sqlite_db.session() as s:
        admin = _admin(s)
        create_user(s, admin, "zhang", Role.CITY_CLERK, password=CLERK_PW,
                    must_change_password=False)  # fmt: skip
        s.commit()
        me = sign_in(s, "zhang", CLERK_PW).actor
        token = issue_token(s, me.user_id)
        s.commit()
        assert sign_in_with_token(s, token).actor.username == "zhang"
        s.commit()
        assert sign_in_with_token(s, "forged") is None
        s.commit()
        late = now() + dt.timedelta(days=31)
        assert sign_in_with_token(s, token, moment=late) is None  # expired and forgotten
        s.commit()
        token = issue_token(s, me.user_id)
        s.commit()
        change_own_password(s, me, CLERK_PW, "New-Pass-77")
        s.commit()
        assert sign_in_with_token(s, token) is None  # a password change ends it
        s.commit()
    store = TokenStore(tmp_path / "profile" / "signed_in.json")
    store.put("db-a", "t1")
    store.put("db-b", "t2")
    assert store.get("db-a") == "t1"
    store.remove("db-a")
    assert store.get("db-a") is None
    assert store.get("db-b") == "t2"
    if os.name == "posix":
        assert (store.path.stat().st_mode & 0o777) == 0o600
