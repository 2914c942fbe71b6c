"""Is the database reachable? Telling a lost connection from every other failure."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from models.database import Database

#: what drivers say when the server went away (PostgreSQL, MariaDB, SQLite's busy file aside)
_LOST = (
    "server closed the connection",
    "terminating connection",
    "connection refused",
    "could not connect",
    "connection is closed",
    "connection already closed",
    "the database system is shutting down",
    "the database system is starting up",
    "consuming input failed",
    "lost connection",
    "gone away",
    "can't connect",
    "connection timed out",
    "network is unreachable",
    "no route to host",
    "broken pipe",
    "connection reset",
    "ssl syscall error",
)


def is_disconnect(exc: BaseException) -> bool:
    """True when ``exc`` means the connection to the database server was lost."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DisconnectionError | PoolTimeout):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OperationalError | DBAPIError | OSError):
            message = str(getattr(current, "orig", None) or current).lower()
            if any(marker in message for marker in _LOST):
                return True
        current = current.__cause__ or current.__context__
    return False


def ping(db: Database) -> bool:
    """True when a trivial query succeeds now (a dead pooled connection is replaced)."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (DBAPIError, DisconnectionError, PoolTimeout, OSError):
        return False
    return True
