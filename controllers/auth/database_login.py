"""Signing in to the database in force, wherever it is.

On SQLite, MariaDB and a PostgreSQL connection of the database owner, the application checks
the argon2 hash. On a secured PostgreSQL database reached through the gate role (clerks'
machines), the database checks the password: the application connects as the clerk's own
role, so row-level security applies to everything the clerk does. On a MariaDB database
reached through its gate user (``<db>_scoped``), the application connects as the clerk's own
MariaDB user, whose privileges are on the scoped views only, and signs in there.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from controllers.auth.login import (
    AccountLocked,
    LoginFailed,
    SignIn,
    complete_sign_in,
    sign_in,
    wrong_password_message,
)
from controllers.auth.passwords import verify_password
from controllers.infra import db_roles as pg_security
from controllers.infra import mariadb_roles
from controllers.unit_of_work import call, execute
from models.base import now
from models.database import Database, DatabaseError, describe_connect_error, make_engine

logger = logging.getLogger(__name__)

_AUTH_FAILURES = ("password authentication failed", "not permitted to log in", "does not exist")


def sign_in_database(db: Database, username: str, password: str) -> tuple[Database, SignIn]:
    """Sign in; returns the database to work with (the clerk's own connection on a secured
    PostgreSQL database reached through the gate role) and who signed in."""
    with db.session() as session:
        gate = pg_security.is_gate(session)
        prefix = pg_security.installed_prefix(session) if gate else None
        mariadb_gate = not gate and mariadb_roles.is_gate(session)
        if mariadb_gate:
            prefix = mariadb_roles.scope_info(session).prefix
    if mariadb_gate:
        return _sign_in_mariadb(db, prefix, username, password)
    if not gate:
        return db, call(db, sign_in, username, password).value
    name = (username or "").strip().lower()
    with db.session() as session:
        status = session.execute(
            text("SELECT is_disabled, is_locked_until FROM rectify_login_status(:u)"), {"u": name}
        ).first()
    if status is not None and status.is_disabled:
        # a disabled role cannot log in, so its password cannot be checked: say no more
        # than for a wrong password (no name probing)
        failures, _until = _gate_failed(db, name, "disabled")
        raise LoginFailed(wrong_password_message(failures))
    if status is not None and status.is_locked_until is not None:
        _gate_failed(db, name, "locked")
        raise AccountLocked(status.is_locked_until, now())
    url = db.engine.url.set(username=pg_security.account_role(prefix, name), password=password)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        message = str(exc.orig or exc)
        if not any(marker in message for marker in _AUTH_FAILURES):
            raise DatabaseError(describe_connect_error(exc.orig or exc, url)) from None
        _refuse_wrong(db, name, "wrong_password")
    account_db = Database.from_engine(engine)
    # The server let the role in; the application checks the argon2 hash as well, since a
    # server that trusts its clients (pg_hba.conf "trust") accepts any password.
    genuine = call(
        account_db,
        lambda session: verify_password(pg_security.own_password_hash(session), password),
    ).value
    if not genuine:
        engine.dispose()
        logger.warning("the server accepted a wrong password for %s (pg_hba.conf trust?)", name)
        _refuse_wrong(db, name, "server_accepted_wrong_password")
    return account_db, call(account_db, complete_sign_in, name).value


#: MariaDB refuses a wrong password (1045; 1698 for some unknown names) and a locked
#: (disabled) account (4151)
_MARIADB_AUTH_FAILURES = (1045, 1698, 4151)


def _sign_in_mariadb(
    db: Database, prefix: str, username: str, password: str
) -> tuple[Database, SignIn]:
    """Through the MariaDB gate user: connect as the account's own user (the server checks
    its password), then sign in on that connection (the application checks the argon2 hash,
    the lock and the disabled flag on the account's own row, and audits the attempt)."""
    name = (username or "").strip().lower()
    if not mariadb_roles.valid_account_name(name):
        _refuse_wrong_mariadb(db, name)
    url = db.engine.url.set(username=mariadb_roles.account_user(prefix, name), password=password)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        orig = exc.orig or exc
        code = orig.args[0] if getattr(orig, "args", None) else None
        if code not in _MARIADB_AUTH_FAILURES:
            raise DatabaseError(describe_connect_error(orig, url)) from None
        _refuse_wrong_mariadb(db, name)
    account_db = Database.from_engine(engine)
    try:
        signed = call(account_db, sign_in, name, password, method="database_user").value
    except BaseException:
        engine.dispose()
        raise
    return account_db, signed


def _refuse_wrong_mariadb(db: Database, name: str) -> None:
    row = execute(
        db,
        lambda session: session.execute(text("CALL rectify_login_failed(:u)"), {"u": name}).one(),
    ).value
    if row.locked_until is not None:
        raise AccountLocked(row.locked_until, now()) from None
    raise LoginFailed(wrong_password_message(row.failures)) from None


def _refuse_wrong(db: Database, name: str, reason: str) -> None:
    failures, locked_until = _gate_failed(db, name, reason)
    if locked_until is not None:
        raise AccountLocked(locked_until, now()) from None
    raise LoginFailed(wrong_password_message(failures)) from None


def _gate_failed(db: Database, name: str, reason: str):
    """Count (and audit) a failed sign-in through the gate role's one function."""
    row = execute(
        db,
        lambda session: session.execute(
            text("SELECT failures, is_locked_until FROM rectify_login_failed(:u, :r)"),
            {"u": name, "r": reason},
        ).one(),
    ).value
    return row.failures, row.is_locked_until
