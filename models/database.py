"""Where the database lives and how to connect to it.

Precedence: ``--db URL`` > ``RECTIFY_DB_URL`` > the choice made at the first start
(``models.connection_choice``) > an SQLite file in the per-user data folder.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

APP_NAME = "RectifyDesk"
APP_AUTHOR = "RectifyDesk"
ENV_DB_URL = "RECTIFY_DB_URL"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseError(Exception):
    """A database cannot be used; ``str()`` is a message fit to show a clerk."""


def default_data_dir() -> Path:
    """The per-user data folder (``%LOCALAPPDATA%\\RectifyDesk`` on Windows)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, APP_AUTHOR))


def default_sqlite_path() -> Path:
    return default_data_dir() / "rectify.db"


CHOICE_FILE = "connection.json"


def chosen_server_url() -> str | None:
    """The server chosen at the first start (``connection.json``); None for this computer."""
    import json

    try:
        data = json.loads((default_data_dir() / CHOICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("mode") == "server" and data.get("server_url"):
        return str(data["server_url"])
    return None


def resolve_url(cli_url: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The database URL in force: the command line, the environment, the clerk's choice at
    the first start, then the default."""
    env = os.environ if environ is None else environ
    if cli_url:
        return cli_url
    if env.get(ENV_DB_URL):
        return env[ENV_DB_URL]
    chosen = chosen_server_url()
    if chosen:
        return chosen
    return f"sqlite:///{default_sqlite_path().as_posix()}"


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


def _windows_drive_is_remote(drive: str) -> bool:
    """True when a Windows drive letter (``"Z:"``) is a mapped network drive."""
    if sys.platform != "win32":
        return False
    import ctypes

    DRIVE_REMOTE = 4  # noqa: N806 (Win32 constant)
    return ctypes.windll.kernel32.GetDriveTypeW(f"{drive}\\") == DRIVE_REMOTE


def is_network_path(path: str | Path, drive_is_remote: Callable[[str], bool] | None = None) -> bool:
    """True for a UNC path (``\\\\server\\share\\…``, ``//server/share/…``) or a mapped
    network drive, where SQLite's file locking is not safe."""
    text = str(path)
    if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\", "//?/")):
        return True
    if text.startswith("\\\\?\\UNC\\"):
        return True
    drive = PureWindowsPath(text).drive
    if len(drive) == 2 and drive[1] == ":":
        check = drive_is_remote or _windows_drive_is_remote
        return check(drive.upper())
    return False


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
        path = sqlite_path(self.url)
        if path is not None:
            return f"SQLite：{path}"
        if self.backend == "sqlite":
            return "SQLite（内存）"
        name = {"postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL", "mariadb": "MariaDB"}.get(
            self.backend, self.backend
        )
        host = self.url.host or "localhost"
        port = f":{self.url.port}" if self.url.port else ""
        return f"{name}：{self.url.username or ''}@{host}{port}/{self.url.database or ''}"


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
