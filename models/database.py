"""Where the database lives and how to connect to it.

Precedence: ``--db URL`` > ``RECTIFY_DB_URL`` > the choice made at the first start
(``models.connection_choice``) > an SQLite file in the per-user data folder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from models.locations import (
    APP_AUTHOR,
    APP_NAME,
    CHOICE_FILE,
    ENV_DB_URL,
    chosen_server_url,
    default_data_dir,
    default_sqlite_path,
    describe_location,
    is_network_path,
    resolve_url,
)

# Where the database lives is decided in models.locations (no SQLAlchemy there); these names
# stay importable from here.
__all__ = [
    "APP_AUTHOR",
    "APP_NAME",
    "CHOICE_FILE",
    "ENV_DB_URL",
    "Database",
    "DatabaseError",
    "DatabaseInfo",
    "chosen_server_url",
    "default_data_dir",
    "default_sqlite_path",
    "describe_connect_error",
    "is_network_path",
    "make_engine",
    "make_session_factory",
    "normalise_url",
    "resolve_url",
    "sqlite_path",
]

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseError(Exception):
    """A database cannot be used; ``str()`` is a message fit to show a clerk."""


def normalise_url(raw: str) -> URL:
    """Parse a URL and pick the project's drivers: psycopg 3 for PostgreSQL, PyMySQL for MySQL."""
    raw = raw.strip()
    if "://" not in raw:
        # A bare path means an SQLite file.
        return URL.create("sqlite", database=str(Path(raw).expanduser()))
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseError(f"数据库地址格式不正确：{raw}（{exc}）") from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif backend in ("mysql", "mariadb"):
        url = url.set(drivername=f"{backend}+pymysql")
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
    elif backend != "sqlite":
        raise DatabaseError(
            f"不支持的数据库类型“{backend}”：请使用 SQLite、PostgreSQL 或 MariaDB/MySQL。"
        )
    return url


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL; None for in-memory or other backends."""
    if url.get_backend_name() != "sqlite":
        return None
    db = url.database
    if not db or db == ":memory:" or db.startswith("file::memory:"):
        return None
    return Path(db)


NETWORK_SQLITE_MESSAGE = (
    "数据库文件位于网络共享位置（{path}）。SQLite 在网络共享上无法安全加锁，多人同时使用可能损坏数据。"
    "请把文件放在本机磁盘上，或由管理员配置共享的 PostgreSQL / MariaDB 服务器数据库"
    "（设置 RECTIFY_DB_URL 或使用 --db 参数）。"
)


@dataclass(frozen=True)
class DatabaseInfo:
    """What the status bar and ``summary`` say about the connection."""

    url: URL

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def display(self) -> str:
        """The URL without its password."""
        return describe_location(
            self.backend,
            path=sqlite_path(self.url),
            host=self.url.host,
            port=self.url.port,
            username=self.url.username,
            database=self.url.database,
        )


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(raw_url: str, *, create_dir: bool = True, echo: bool = False) -> Engine:
    """An engine for a URL, with the project's settings for each backend.

    Raises :class:`DatabaseError` for an SQLite file on a network share or a bad URL.
    """
    url = normalise_url(raw_url)
    backend = url.get_backend_name()
    kwargs: dict = {"echo": echo, "future": True}
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            if is_network_path(path):
                raise DatabaseError(NETWORK_SQLITE_MESSAGE.format(path=path))
            if create_dir:
                path.parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_recycle"] = 1800
        if backend == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 10}
        else:
            kwargs["connect_args"] = {"connect_timeout": 10}
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def describe_connect_error(exc: BaseException, url: URL) -> str:
    """A one-line Chinese message for a failed connection."""
    info = DatabaseInfo(url)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"无法连接数据库 {info.display}：{text}"


@dataclass
class Database:
    """An open database: its engine and a session factory."""

    engine: Engine
    session_factory: sessionmaker[Session]

    @classmethod
    def from_engine(cls, engine: Engine) -> Database:
        return cls(engine, make_session_factory(engine))

    @property
    def info(self) -> DatabaseInfo:
        return DatabaseInfo(self.engine.url)

    def session(self) -> Session:
        return self.session_factory()

    def dispose(self) -> None:
        self.engine.dispose()
