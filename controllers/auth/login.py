"""Signing in: password check, 5 failures lock the account for 5 minutes, every try audited.

A failed attempt is counted and audited even though the clerk gets no further: a
:class:`LoginFailed` keeps its unit of work (``commit_on_raise``): the runner commits what the
attempt wrote before it raises the refusal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.auth.accounts import actor_for, stored_password_hash, user_by_name
from controllers.auth.lockout import LOCK_MINUTES, MAX_FAILED_ATTEMPTS
from controllers.auth.passwords import hash_password, needs_rehash, verify_password
from controllers.errors import UserError
from models import AuditEntry, User
from models.base import now
from models.codes import AuditResult, Role

WRONG = "用户名或密码不正确。"


class LoginFailed(UserError):
    """Sign-in refused; the message never tells whether the username exists."""

    #: the runner commits the attempt's bookkeeping and audit entries, then raises this
    commit_on_raise = True


class AccountLocked(LoginFailed):
    """Too many wrong passwords: the account is locked for a while."""

    def __init__(self, until: dt.datetime, moment: dt.datetime) -> None:
        minutes = max(1, int((until - moment).total_seconds() + 59) // 60)
        super().__init__(
            f"密码连续输错 {MAX_FAILED_ATTEMPTS} 次，账户已锁定 {LOCK_MINUTES} 分钟，"
            f"请于 {until:%H:%M} 后（约 {minutes} 分钟）再试，或请系统管理员重置密码。"
        )
        self.until = until


@dataclass(frozen=True)
class SignIn:
    actor: Actor
    must_change_password: bool


def wrong_password_message(failures: int) -> str:
    """The same words for a real account and an unknown name (no name probing)."""
    left = max(1, MAX_FAILED_ATTEMPTS - failures)
    return f"{WRONG}再输错 {left} 次账户将被锁定 {LOCK_MINUTES} 分钟。"


def _unknown_name_failures(
    session: Session, username: str, moment: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """For a name with no account: (failures since its last pretend lock, that lock's end).

    Unknown names get the same countdown and lock as real accounts, so neither the message
    nor the lock tells whether a user name exists.
    """
    name = (username or "")[:60]
    since = moment - dt.timedelta(days=1)
    last_lock = session.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.action == "account_locked",
            AuditEntry.at >= since,
            AuditEntry.username == name,
            AuditEntry.user_id.is_(None),
        )
    )
    if last_lock is not None and last_lock + dt.timedelta(minutes=LOCK_MINUTES) > moment:
        return 0, last_lock + dt.timedelta(minutes=LOCK_MINUTES)
    failures = session.scalar(
        select(func.count()).where(
            AuditEntry.action == "login_failed",
            AuditEntry.at >= (last_lock or since),
            AuditEntry.username == name,
            AuditEntry.user_id.is_(None),
        )
    )
    return int(failures or 0), None


def _anonymous(username: str) -> Actor:
    return Actor(user_id=None, username=(username or "")[:60], role=Role.LEADER)


def _fail(
    session: Session, actor: Actor, user_id: int | None, reason: str, action: str = "login_failed"
) -> None:
    record(
        session,
        actor,
        action,
        "session",
        user_id,
        result=AuditResult.FAILED,
        detail={"reason": reason},
    )


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    moment: dt.datetime | None = None,
    method: str = "password",
) -> SignIn:
    """Check a username and password; returns who signed in, or raises :class:`LoginFailed`.

    The attempt is counted and audited either way (a refusal keeps its unit of work).
    """
    moment = moment or now()
    user = user_by_name(session, username)
    if user is None:
        verify_password(None, password)  # same time as a wrong password: no name probing
        anonymous = _anonymous(username)
        failures, locked_until = _unknown_name_failures(session, anonymous.username, moment)
        if locked_until is not None:
            _fail(session, anonymous, None, "locked")
            raise AccountLocked(locked_until, moment)
        failures += 1
        if failures >= MAX_FAILED_ATTEMPTS:
            record(session, anonymous, "login_failed", "session", None,
                   result=AuditResult.FAILED, detail={"reason": "unknown_user"})  # fmt: skip
            _fail(session, anonymous, None, f"{MAX_FAILED_ATTEMPTS} wrong passwords",
                  "account_locked")  # fmt: skip
            raise AccountLocked(moment + dt.timedelta(minutes=LOCK_MINUTES), moment)
        _fail(session, anonymous, None, "unknown_user")
        raise LoginFailed(wrong_password_message(failures))
    actor = actor_for(user)
    if user.locked_until is not None and user.locked_until > moment:
        _fail(session, actor, user.id, "locked")
        raise AccountLocked(user.locked_until, moment)
    correct = verify_password(stored_password_hash(session, user), password)
    if user.disabled:  # told only to whoever knows the password
        _fail(session, actor, user.id, "disabled")
        if correct:
            raise LoginFailed("该账户已停用，请联系系统管理员。")
        raise LoginFailed(wrong_password_message(user.failed_attempts or 0))
    if not correct:
        failures = (user.failed_attempts or 0) + 1
        if failures >= MAX_FAILED_ATTEMPTS:
            until = moment + dt.timedelta(minutes=LOCK_MINUTES)
            _set(session, user.id, failed_attempts=0, locked_until=until)
            record(
                session,
                actor,
                "login_failed",
                "session",
                user.id,
                result=AuditResult.FAILED,
                detail={"reason": "wrong_password"},
            )
            _fail(
                session, actor, user.id, f"{MAX_FAILED_ATTEMPTS} wrong passwords", "account_locked"
            )
            raise AccountLocked(until, moment)
        _set(session, user.id, failed_attempts=failures, locked_until=None)
        _fail(session, actor, user.id, "wrong_password")
        raise LoginFailed(wrong_password_message(failures))
    values: dict = {"failed_attempts": 0, "locked_until": None, "last_login_at": moment}
    if needs_rehash(stored_password_hash(session, user) or ""):
        values["password_hash"] = hash_password(password)
    return _signed_in(session, user, actor, values, method)


def complete_sign_in(
    session: Session,
    username: str,
    *,
    method: str = "database_role",
    moment: dt.datetime | None = None,
) -> SignIn:
    """Bookkeeping after the database itself checked the password (PostgreSQL account roles)."""
    user = user_by_name(session, username)
    if user is None or user.disabled:
        raise LoginFailed("该账户已停用，请联系系统管理员。")
    values = {"failed_attempts": 0, "locked_until": None, "last_login_at": moment or now()}
    return _signed_in(session, user, actor_for(user), values, method)


def _signed_in(session: Session, user: User, actor: Actor, values: dict, method: str) -> SignIn:
    must_change = bool(user.must_change_password)
    _set(session, user.id, **values)
    record(session, actor, "login", "session", user.id, detail={"method": method})
    return SignIn(actor, must_change)


def check_password(session: Session, actor: Actor, password: str) -> None:
    """Confirm the signed-in clerk's password (unlocking the idle-locked window).

    Wrong passwords count towards the lock like at sign-in.
    """
    result = sign_in(session, actor.username, password, method="unlock")
    if result.actor.user_id != actor.user_id:  # pragma: no cover (same username)
        raise LoginFailed(WRONG)


def _set(session: Session, user_id: int, **values) -> None:
    """Bookkeeping columns change without a new version (an open edit form stays valid)."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
