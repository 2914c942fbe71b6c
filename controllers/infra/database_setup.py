"""Opening the database in force and bringing its schema up to date."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import SQLAlchemyError as StorageError

from models.database import (
    Database,
    DatabaseError,
    describe_connect_error,
    make_engine,
    normalise_url,
    resolve_url,
    sqlite_path,
)
from models.migrate import NewerSchemaError, current_revision, head_revision, upgrade

# The window and the command line name the database through this module only.
__all__ = [
    "Database",
    "DatabaseError",
    "OpenResult",
    "SchemaUpgrade",
    "StorageError",
    "connect",
    "newest_revision",
    "open_database",
    "schema_revision",
    "sqlite_path",
    "upgrade_schema",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchemaUpgrade:
    before: str | None
    after: str | None
    backup: Path | None


def schema_revision(database: Database) -> str | None:
    """The schema version the database is at (None when empty)."""
    return current_revision(database.engine)


def newest_revision() -> str:
    """The schema version this program writes."""
    return head_revision()


def upgrade_schema(database: Database) -> SchemaUpgrade:
    """Bring the schema up to date (an SQLite file is copied first)."""
    before = current_revision(database.engine)
    backup = upgrade(database.engine)
    return SchemaUpgrade(before, current_revision(database.engine), backup)


@dataclass
class OpenResult:
    database: Database
    upgraded_from: str | None = None
    backup_path: Path | None = None
    created: bool = False


def connect(raw_url: str | None = None) -> Database:
    """Connect to the database in force (``--db`` > ``RECTIFY_DB_URL`` > default SQLite).

    Raises :class:`DatabaseError` with a message for the clerk when it cannot be reached.
    """
    url = resolve_url(raw_url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise DatabaseError(describe_connect_error(exc.orig or exc, engine.url)) from None
    return Database.from_engine(engine)


def open_database(raw_url: str | None = None, *, migrate: bool = True) -> OpenResult:
    """Connect and, unless told not to, upgrade the schema (backing up an SQLite file first)."""
    db = connect(raw_url)
    result = OpenResult(db)
    if not migrate:
        return result
    try:
        before = current_revision(db.engine)
        if before != head_revision():
            result.backup_path = upgrade(db.engine)
            result.upgraded_from = before
            result.created = before is None
    except NewerSchemaError as exc:
        db.dispose()
        raise DatabaseError(str(exc)) from None
    except (OperationalError, DBAPIError) as exc:
        db.dispose()
        raise DatabaseError(f"升级数据库结构失败：{exc.orig or exc}") from None
    return result


def probe_server(raw_url: str) -> str:
    """Try a server address (测试连接); what is there, in one line for the clerk.

    Raises :class:`DatabaseError` with the reason when it is not a usable server database.
    """
    raw_url = raw_url.strip()
    if not raw_url:
        raise DatabaseError(
            "请填写服务器地址，例如 postgresql://用户名:密码@192.168.1.10:5432/rectify"
        )
    backend = normalise_url(raw_url).get_backend_name()
    if backend not in ("postgresql", "mysql", "mariadb"):
        raise DatabaseError(
            "服务器地址应以 postgresql:// 或 mysql:// 开头，"
            "例如 postgresql://用户名:密码@192.168.1.10:5432/rectify"
        )
    db = connect(raw_url)
    try:
        revision = current_revision(db.engine)
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseError(describe_connect_error(exc.orig or exc, db.engine.url)) from None
    finally:
        db.dispose()
    if revision is None:
        return "连接成功：这是一个空数据库，第一次使用时将自动建立数据库结构。"
    if revision == head_revision():
        return "连接成功：数据库结构为最新版本。"
    return "连接成功：启动时将自动升级数据库结构。"
