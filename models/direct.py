"""A plain DB-API connection from a database URL, without SQLAlchemy (quick read-only commands).

Only the plain cases are taken: an existing local SQLite file, or a PostgreSQL or MariaDB/MySQL
URL without query options. Anything else gives ``None`` and the caller takes the ordinary path
(:func:`controllers.infra.database_setup.open_database`), which also creates, upgrades and
explains. Nothing here writes to the database.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from models.locations import describe_location, is_network_path

CONNECT_TIMEOUT_S = 10


@dataclass
class DirectConnection:
    """An open DB-API connection and how the clerk sees the database."""

    connection: Any
    backend: str
    display: str

    def rows(self, sql: str) -> list[tuple]:
        """All rows of one plain statement (no parameters)."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            return [tuple(r) for r in cursor.fetchall()]
        finally:
            cursor.close()

    def schema_revision(self) -> str | None:
        """``alembic_version`` of the database (None when there is none to read)."""
        try:
            found = self.rows("SELECT version_num FROM alembic_version")
        except Exception:  # noqa: BLE001 (no such table: each driver raises its own kind)
            return None
        return str(found[0][0]) if len(found) == 1 else None

    def close(self) -> None:
        self.connection.close()


def open_direct(raw_url: str) -> DirectConnection | None:
    """A connection for a plain URL; None when only the ordinary path can open it."""
    raw = raw_url.strip()
    if "://" not in raw:
        return _sqlite(Path(raw).expanduser())
    scheme, rest = raw.split("://", 1)
    backend = scheme.split("+", 1)[0].lower()
    if "?" in rest or "#" in rest:
        return None
    if backend == "sqlite":
        database = unquote(rest[1:]) if rest.startswith("/") else ""
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return _sqlite(Path(database))
    if backend in ("postgresql", "postgres"):
        return _server("postgresql", rest)
    if backend in ("mysql", "mariadb"):
        return _server(backend, rest)
    return None


def _sqlite(path: Path) -> DirectConnection | None:
    if is_network_path(path) or not path.is_file():
        return None
    conn = sqlite3.connect(str(path), timeout=CONNECT_TIMEOUT_S)
    return DirectConnection(conn, "sqlite", describe_location("sqlite", path=path))


def _server(backend: str, rest: str) -> DirectConnection | None:
    netloc, _, path = rest.partition("/")
    userinfo, _, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        return None  # an IPv6 address: the ordinary path reads it
    host_text, _, port_text = hostport.partition(":")
    if port_text and not port_text.isdigit():
        return None
    user_text, has_password, password_text = userinfo.partition(":")
    host = unquote(host_text) or None
    port = int(port_text) if port_text else None
    user = unquote(user_text) if userinfo else None
    password = unquote(password_text) if has_password else None
    database = unquote(path) or None
    if backend == "postgresql":
        import psycopg

        kwargs = {"host": host, "port": port, "user": user, "password": password,
                  "dbname": database, "connect_timeout": CONNECT_TIMEOUT_S}  # fmt: skip
        conn = psycopg.connect(**{k: v for k, v in kwargs.items() if v is not None})
    else:
        import pymysql

        conn = pymysql.connect(
            host=host or "localhost",
            port=port or 3306,
            user=user,
            password=password or "",
            database=database,
            charset="utf8mb4",
            connect_timeout=CONNECT_TIMEOUT_S,
        )
    shown = describe_location(backend, host=host, port=port, username=user, database=database)
    return DirectConnection(conn, backend, shown)
