"""User accounts: create, list, change, disable — by the 系统管理员 only, each change audited.

Usernames are short ASCII names (``lingshou_li``) because on PostgreSQL each account is also a
database role; the Chinese name is the display name.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.auth.passwords import check_password_rules, hash_password, verify_password
from controllers.errors import NotFoundError, ValidationError
from controllers.infra import db_roles as pg_security
from controllers.permissions import Permission, require
from controllers.units import find_unit
from models import AuthToken, Unit, User
from models.base import now
from models.codes import Role

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")
USERNAME_RULE = "用户名须为 2–30 位小写英文字母、数字或下划线，以字母开头（如 lingshou_li）。"


@dataclass(frozen=True)
class UserRow:
    """One account as the user list shows it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    unit_name: str | None
    disabled: bool
    locked: bool
    must_change_password: bool
    last_login_at: object
    version: int


def actor_for(user: User) -> Actor:
    """The :class:`Actor` a signed-in account acts as."""
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        unit_id=user.unit_id,
        display_name=user.display_name,
    )


def normalise_username(name: str) -> str:
    """Lower-case, trimmed; raise :class:`ValidationError` unless it follows the rule."""
    clean = (name or "").strip().lower()
    if not USERNAME_RE.match(clean) or "__" in clean:
        raise ValidationError(f"用户名“{name}”不符合要求：{USERNAME_RULE}", field="username")
    return clean


def parse_role(text: str) -> Role:
    """A role from its code (``county_clerk``) or Chinese name (``县区业务员``)."""
    role = Role.parse(text)
    if role is None:
        names = "、".join(f"{r.value}（{r.label}）" for r in Role)
        raise ValidationError(f"没有角色“{text}”。可选：{names}。", field="role")
    return role


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == (username or "").strip().lower()))


def stored_password_hash(session: Session, user: User) -> str | None:
    """The account's argon2 hash (on PostgreSQL an account role reads only its own; on
    MariaDB an account's user reads its own row of ``users``)."""
    if (
        session.connection().dialect.name == "postgresql"
        and pg_security.connected_account(session) == user.username
    ):
        return pg_security.own_password_hash(session)
    return user.password_hash


def _get(session: Session, username: str) -> User:
    user = user_by_name(session, username)
    if user is None:
        raise NotFoundError(f"没有用户“{username}”。")
    return user


def has_accounts(session: Session) -> bool:
    """True once any account exists (before that, the first start asks for an administrator).

    The gate of a secured server database (PostgreSQL role, MariaDB user) may not read
    ``users``; it exists only once ``user db-roles`` has run, and the accounts with it."""
    from controllers.infra import mariadb_roles

    if pg_security.is_gate(session) or mariadb_roles.is_gate(session):
        return True
    return bool(session.scalar(select(func.count()).select_from(User)))


def generate_password() -> str:
    """A random initial password that meets the rule (to be changed at first login)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(10))
        candidate = f"{body}-{secrets.randbelow(90) + 10}"
        if any(c.isupper() for c in candidate) and any(c.islower() for c in candidate):
            return candidate


def _check_unit(role: Role, unit: Unit | None) -> None:
    if role == Role.COUNTY_CLERK and unit is None:
        raise ValidationError("县区业务员必须指定所属责任单位（--unit）。", field="unit")
    if role != Role.COUNTY_CLERK and unit is not None:
        raise ValidationError(f"{role.label}不属于某个责任单位，不能指定单位。", field="unit")


def _sync_database_role(session: Session, user: User, password: str | None) -> None:
    """With per-account database users (PostgreSQL roles, MariaDB users), keep the
    account's own database user in step."""
    dialect = session.connection().dialect.name
    if dialect in ("mysql", "mariadb"):
        from controllers.infra import mariadb_roles

        if mariadb_roles.connected_account(session) == user.username and password is not None:
            return  # an account's own password change: set_own_password() did it
        mariadb_roles.sync_account(session, user.username, password)
        return
    if dialect != "postgresql":
        return
    if pg_security.is_installed(session):
        pg_security.sync_account(session, user, password)


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    role: Role | str,
    *,
    unit: str | None = None,
    display_name: str | None = None,
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """Add an account; returns it and its initial password (generated when not given).

    Only the 系统管理员 may, except for the very first account of a new database, which must
    be an administrator. The runner commits.
    """
    first = not has_accounts(session)
    role = parse_role(role) if isinstance(role, str) else role
    if first:
        if role != Role.ADMIN:
            raise ValidationError("新数据库的第一个账户必须是系统管理员。", field="role")
    else:
        require(actor, Permission.MANAGE_USERS)
    name = normalise_username(username)
    if user_by_name(session, name) is not None:
        raise ValidationError(f"用户名“{name}”已被使用。", field="username")
    unit_row = find_unit(session, unit) if unit else None
    _check_unit(role, unit_row)
    initial = password if password is not None else generate_password()
    check_password_rules(initial, name)
    user = User(
        username=name,
        display_name=(display_name or "").strip() or name,
        role=role,
        unit_id=unit_row.id if unit_row else None,
        password_hash=hash_password(initial),
        must_change_password=must_change_password,
        failed_attempts=0,
        disabled=False,
        password_changed_at=now(),
    )
    session.add(user)
    session.flush()
    _sync_database_role(session, user, initial)
    record(
        session,
        actor,
        "user_add",
        "user",
        user.id,
        detail={
            "username": name,
            "role": role.value,
            "unit": unit_row.name if unit_row else None,
            "display_name": user.display_name,
            "first_account": first,
        },
    )
    return user, initial


def list_users(session: Session, actor: Actor) -> list[UserRow]:
    """Every account, administrators first."""
    require(actor, Permission.MANAGE_USERS)
    moment = now()
    rows = session.execute(
        select(User, Unit.name).outerjoin(Unit, Unit.id == User.unit_id).order_by(User.id)
    )
    order = {r: i for i, r in enumerate(Role)}
    out = [
        UserRow(
            u.id,
            u.username,
            u.display_name,
            Role(u.role),
            unit_name,
            bool(u.disabled),
            bool(u.locked_until and u.locked_until > moment),
            bool(u.must_change_password),
            u.last_login_at,
            u.version,
        )
        for u, unit_name in rows
    ]
    out.sort(key=lambda r: (order.get(r.role, 9), r.username))
    return out


def _active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.disabled.is_(False))
        )
        or 0
    )


def set_disabled(session: Session, actor: Actor, username: str, disabled: bool = True) -> User:
    """Disable (or enable again) an account; a disabled account cannot sign in. Flushes."""
    require(actor, Permission.MANAGE_USERS)
    user = _get(session, username)
    if disabled and user.id == actor.user_id:
        raise ValidationError("不能停用自己正在使用的账户。", field="username")
    if disabled and user.role == Role.ADMIN and not user.disabled and _active_admins(session) <= 1:
        raise ValidationError("这是唯一可用的系统管理员账户，不能停用。", field="username")
    if bool(user.disabled) == disabled:
        return user
    user.disabled = disabled
    if not disabled:
        user.failed_attempts = 0
        user.locked_until = None
    session.flush()
    if disabled:
        revoke_tokens(session, user.id)
    _sync_database_role(session, user, None)
    record(
        session,
        actor,
        "user_disable" if disabled else "user_enable",
        "user",
        user.id,
        detail={"username": user.username},
    )
    return user


def update_user(
    session: Session,
    actor: Actor,
    username: str,
    expected_version: int,
    *,
    display_name: str | None = None,
    role: Role | str | None = None,
    unit: str | None = None,
) -> User:
    """Change an account's display name, role or unit (optimistic locking). Flushes."""
    from controllers.editing import apply_edit

    require(actor, Permission.MANAGE_USERS)
    user = _get(session, username)
    new_role = (parse_role(role) if isinstance(role, str) else role) or Role(user.role)
    unit_row = find_unit(session, unit) if unit else None
    if new_role != Role.COUNTY_CLERK:
        unit_row = None
    elif unit_row is None and user.unit_id is not None:
        unit_row = session.get(Unit, user.unit_id)
    _check_unit(new_role, unit_row)
    if user.id == actor.user_id and new_role != Role.ADMIN:
        raise ValidationError("不能取消自己的系统管理员角色。", field="role")
    changes = {
        "display_name": (display_name or "").strip() or user.display_name,
        "role": new_role,
        "unit_id": unit_row.id if unit_row else None,
    }
    diffs = apply_edit(session, user, expected_version, changes)
    if diffs:
        _sync_database_role(session, user, None)
        record(
            session,
            actor,
            "user_update",
            "user",
            user.id,
            detail={
                k: [str(o) if o is not None else None, str(n) if n is not None else None]
                for k, (o, n) in diffs.items()
            },
        )
    return user


def reset_password(
    session: Session, actor: Actor, username: str, password: str | None = None
) -> str:
    """Give an account a new initial password (changed at its next sign-in); unlocks it."""
    require(actor, Permission.MANAGE_USERS)
    user = _get(session, username)
    initial = password if password is not None else generate_password()
    check_password_rules(initial, user.username)
    user.password_hash = hash_password(initial)
    user.must_change_password = True
    user.failed_attempts = 0
    user.locked_until = None
    user.password_changed_at = now()
    session.flush()
    revoke_tokens(session, user.id)
    _sync_database_role(session, user, initial)
    record(session, actor, "password_reset", "user", user.id, detail={"username": user.username})
    return initial


def change_own_password(session: Session, actor: Actor, old: str, new: str) -> None:
    """The signed-in clerk changes their password (required at first sign-in). Flushes."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFoundError("当前账户不存在。")
    if not verify_password(stored_password_hash(session, user), old):
        raise ValidationError("原密码不正确。", field="old_password")
    if new == old:
        raise ValidationError("新密码不能与原密码相同。", field="password")
    check_password_rules(new, user.username)
    own_mariadb = _own_user_on_mariadb(session, user)
    if own_mariadb is not None:
        # the account's own user writes its password only through the database procedure
        own_mariadb.set_own_password(session, hash_password(new), new)
        session.expire(user)
    elif _own_role_on_postgresql(session, user):
        # the account's own role may write its password only through the database function
        session.execute(text("SELECT rectify_set_own_password(:h)"), {"h": hash_password(new)})
        session.expire(user)
    else:
        user.password_hash = hash_password(new)
        user.must_change_password = False
        user.password_changed_at = now()
    session.flush()
    revoke_tokens(session, user.id)
    _sync_database_role(session, user, new)
    record(session, actor, "password_change", "user", user.id)


def _own_user_on_mariadb(session: Session, user: User):
    """The MariaDB security module when this connection is the account's own user."""
    if session.connection().dialect.name not in ("mysql", "mariadb"):
        return None
    from controllers.infra import mariadb_roles

    return mariadb_roles if mariadb_roles.connected_account(session) == user.username else None


def _own_role_on_postgresql(session: Session, user: User) -> bool:
    if session.connection().dialect.name != "postgresql":
        return False
    from controllers.infra import db_roles as pg_security

    return (
        pg_security.connected_account(session) == user.username
        and session.execute(
            text("SELECT to_regprocedure('rectify_set_own_password(text)') IS NOT NULL")
        ).scalar()
    )


def revoke_tokens(session: Session, user_id: int) -> int:
    """Forget every "stay signed in" token of an account (they exist on SQLite only)."""
    if session.connection().dialect.name != "sqlite":
        return 0
    tokens = list(session.scalars(select(AuthToken).where(AuthToken.user_id == user_id)))
    for token in tokens:
        session.delete(token)
    session.flush()
    return len(tokens)
