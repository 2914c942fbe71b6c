"""“Stay signed in” on the single-machine SQLite default.

The database keeps only the SHA-256 of a random token; the token itself is kept in the
clerk's own profile folder, next to the database path it belongs to. A token expires after
30 days and dies with a password change, a reset or disabling the account. The window still
locks after 10 idle minutes and then asks for the password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.audit.trail import record
from controllers.auth.accounts import actor_for
from controllers.auth.login import SignIn
from models import AuthToken, User
from models.base import now
from models.database import default_data_dir

logger = logging.getLogger(__name__)

TOKEN_DAYS = 30
STORE_NAME = "signed_in.json"


def remember_allowed(session: Session) -> bool:
    """Only the single-machine SQLite database lets a clerk stay signed in."""
    return session.connection().dialect.name == "sqlite"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue_token(session: Session, user_id: int, *, moment: dt.datetime | None = None) -> str:
    """A new token for an account (flushes); only its hash is stored."""
    moment = moment or now()
    token = secrets.token_urlsafe(32)
    session.add(
        AuthToken(
            user_id=user_id,
            token_hash=_digest(token),
            created_at=moment,
            expires_at=moment + dt.timedelta(days=TOKEN_DAYS),
        )
    )
    session.flush()
    return token


def sign_in_with_token(
    session: Session, token: str, *, moment: dt.datetime | None = None
) -> SignIn | None:
    """The account a still-valid token belongs to (audited); None otherwise."""
    moment = moment or now()
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if row is None:
        return None
    user = session.get(User, row.user_id)
    stale = (
        row.expires_at <= moment
        or user is None
        or user.disabled
        or user.must_change_password
        or (user.locked_until is not None and user.locked_until > moment)
        or (user.password_changed_at is not None and user.password_changed_at > row.created_at)
    )
    if stale:
        session.delete(row)
        return None
    user.last_login_at = moment
    actor = actor_for(user)
    record(session, actor, "login", "session", user.id, detail={"method": "remembered"})
    return SignIn(actor, False)


def forget_token(session: Session, token: str) -> None:
    """Delete a token (signing out on purpose). Flushes."""
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if row is not None:
        session.delete(row)
        session.flush()


class TokenStore:
    """The clerk's tokens, one per database, in a private file of their profile."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_data_dir() / STORE_NAME

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)

    def get(self, database_key: str) -> str | None:
        return self._read().get(database_key)

    def put(self, database_key: str, token: str) -> None:
        data = self._read()
        data[database_key] = token
        self._write(data)

    def remove(self, database_key: str) -> None:
        data = self._read()
        if data.pop(database_key, None) is not None:
            self._write(data)
