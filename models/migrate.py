"""Schema migrations (Alembic), run programmatically; SQLite files are backed up first.

Alembic is imported only when a migration runs: an up-to-date database is recognised by
reading ``alembic_version`` against :data:`SCHEMA_HEAD`, which keeps start-up fast.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

# SQLAlchemy is imported inside the functions: a quick command reads SCHEMA_HEAD without it.

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: The newest revision in migrations/versions (a test keeps the two equal).
SCHEMA_HEAD = "0011_cases_name_index"


class NewerSchemaError(RuntimeError):
    """The database was written by a newer version of the program."""


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return cfg


def script_head() -> str:
    """The head revision according to the migration scripts themselves."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {heads}")
    return heads[0]


def head_revision() -> str:
    """The newest schema revision this program knows."""
    return SCHEMA_HEAD


def current_revision(engine: Engine) -> str | None:
    """The schema revision of a database; None for an empty one."""
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import DBAPIError

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None


def is_known_revision(rev: str) -> bool:
    from alembic.script import ScriptDirectory

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(rev) is not None
    except Exception:  # noqa: BLE001 (alembic raises several kinds for unknown ids)
        return False


def revision_lineage(rev: str | None) -> set[str]:
    """``rev`` and every revision before it (empty for an unknown or missing revision)."""
    from alembic.script import ScriptDirectory

    if not rev:
        return set()
    try:
        script = ScriptDirectory.from_config(alembic_config())
        return {r.revision for r in script.iterate_revisions(rev, "base")}
    except Exception:  # noqa: BLE001 (alembic raises several kinds for unknown ids)
        return set()


def backup_sqlite(engine: Engine, label: str) -> Path | None:
    """Copy an SQLite database file (online backup API) next to it; returns the copy's path."""
    from models.base import now
    from models.database import sqlite_path

    path = sqlite_path(engine.url)
    if path is None or not path.exists():
        return None
    stamp = now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.{label}-{stamp}{path.suffix}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.stem}.{label}-{stamp}-{n}{path.suffix}")
        n += 1
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    logger.info("backed up %s to %s", path, target)
    return target


def upgrade(engine: Engine, revision: str = "head", *, backup: bool = True) -> Path | None:
    """Bring a database to ``revision``; an SQLite file with data is backed up first.

    Returns the backup path, if one was made.
    """
    from alembic import command

    current = current_revision(engine)
    if current is not None and not is_known_revision(current):
        raise NewerSchemaError(
            f"数据库结构版本 {current} 比本程序新，请升级散乱污整治管理台后再打开此数据库。"
        )
    target = head_revision() if revision == "head" else revision
    if current == target:
        return None
    backup_path = None
    if backup and current is not None:
        backup_path = backup_sqlite(engine, f"before-{target}")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    logger.info("database upgraded from %s to %s", current, target)
    return backup_path


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) != head_revision()
