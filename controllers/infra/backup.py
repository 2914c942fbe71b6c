"""Backups and restores of the whole database.

- SQLite: SQLite's online backup API (a consistent copy while clerks keep working), checked
  with ``PRAGMA integrity_check`` before it is kept. No client tools are needed.
- PostgreSQL: ``pg_dump`` (one snapshot: consistent) in its custom format; ``pg_restore`` in a
  single transaction. Where the client tools are missing the clerk is told what to install.
- Every backup gets a ``.sha256`` file beside it. A restore verifies the file first (checksum,
  integrity, schema version, audit chain) and replaces nothing unless it passes; the current
  database is kept as a safety copy (SQLite) and audit entries written after the backup are
  carried over, so a restore never loses audit records.
- The application makes a daily SQLite backup at start-up and keeps the newest N.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL

from controllers.actor import SYSTEM, Actor
from controllers.audit.seal import Seal, SealError, load_key, seal_head
from controllers.audit.trail import record
from controllers.errors import UserError
from controllers.permissions import Permission, require
from controllers.settings import get_setting, set_setting
from controllers.unit_of_work import execute
from models.base import now
from models.database import Database, sqlite_path

logger = logging.getLogger(__name__)

KEEP_KEY = "backup.keep"
DEFAULT_KEEP = 14
AUTO_PREFIX = "rectify-auto-"
ENV_PG_BIN = "RECTIFY_PG_BIN"


class BackupError(UserError):
    """A backup or restore could not be made; nothing was replaced."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class BackupCheck:
    """What a backup file holds, once verified."""

    revision: str | None
    cases: int | None
    audit_entries: int | None
    audit_intact: bool | None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _write_sidecar(path: Path) -> str:
    digest = file_sha256(path)
    _sidecar(path).write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return digest


def checksum_problem(path: Path) -> str | None:
    """Why the ``.sha256`` beside a backup does not vouch for it (None: it does)."""
    side = _sidecar(path)
    if not side.is_file():
        return f"缺少校验和文件 {side.name}（无法确认备份在备份之后未被改动）"
    words = side.read_text(encoding="utf-8", errors="replace").split()
    if not words or file_sha256(path) != words[0].lower():
        return f"校验和与备份时记录的不一致（{side.name}）：备份文件已损坏或被改动"
    return None


# ------------------------------------------------------------------------------ SQLite
def _sqlite_copy(src: Path, dst: Path) -> None:
    """The online backup API: a consistent copy even while others write."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(str(dst))
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            target.close()
    finally:
        source.close()


def sqlite_integrity(path: Path) -> str:
    """``ok`` or SQLite's description of what is wrong."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "; ".join(r[0] for r in rows)


def _backup_sqlite(src: Path, out: Path) -> None:
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _sqlite_copy(src, partial)
        problem = sqlite_integrity(partial)
        if problem != "ok":
            raise BackupError(f"备份副本未通过完整性检查（{problem}），未保存。")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- PostgreSQL
def find_pg_tool(name: str) -> Path | None:
    """``pg_dump``/``pg_restore``: only in RECTIFY_PG_BIN when it is set, else on the PATH or in
    the usual install folders."""
    candidates: list[Path] = []
    if os.environ.get(ENV_PG_BIN):
        candidates.append(Path(os.environ[ENV_PG_BIN]) / name)
        return next((p for c in candidates for p in (c, c.with_suffix(".exe")) if p.is_file()),
                    None)  # fmt: skip
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for pattern in ("/usr/lib/postgresql/*/bin", "C:/Program Files/PostgreSQL/*/bin"):
        candidates += sorted(Path(p) / name for p in _glob(pattern))[::-1]
    for c in candidates:
        for path in (c, c.with_suffix(".exe")):
            if path.is_file():
                return path
    return None


def _glob(pattern: str) -> list[str]:
    import glob

    return glob.glob(pattern)


def _pg_tool(name: str, server_major: int | None = None) -> Path:
    tool = find_pg_tool(name)
    if tool is None:
        raise BackupError(
            f"未找到 PostgreSQL 客户端工具 {name}。PostgreSQL 数据库的备份与恢复需要它："
            "请在这台电脑上安装与服务器版本相同或更新的 PostgreSQL 客户端"
            "（Windows 安装包可只选 Command Line Tools），或设置环境变量 RECTIFY_PG_BIN "
            "指向其 bin 文件夹。SQLite 数据库的备份不需要任何客户端工具。"
        )
    if server_major is not None:
        out = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30)
        m = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
        if m and int(m.group(1)) < server_major:
            raise BackupError(
                f"{name} 的版本（{m.group(1)}）低于数据库服务器（{server_major}），无法备份："
                "请安装与服务器版本相同或更新的 PostgreSQL 客户端。"
            )
    return tool


def _libpq_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the client tools; the password goes in the environment."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database or ""]  # fmt: skip
    return args, env


def _run_tool(cmd: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise BackupError(f"{what}失败：{detail[-1] if detail else proc.returncode}")


def _server_major(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000


def _backup_postgresql(db: Database, out: Path) -> None:
    tool = _pg_tool("pg_dump", _server_major(db))
    args, env = _libpq_env(db.engine.url)
    partial = out.with_name(f".{out.name}.partial")
    try:
        _run_tool([str(tool), "--format=custom", "--file", str(partial), *args], env,
                  "pg_dump 备份")  # fmt: skip
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


# -------------------------------------------------------------------------------- backup
def seal_file(path: Path) -> Path:
    """The seal of the chain head taken for this backup (beside it, outside the database)."""
    return path.with_name(path.name + ".seal")


def _seal_before_backup(db: Database, actor: Actor) -> Seal | None:
    """Seal the audit chain at every backup, where this machine holds the audit key."""
    try:
        if load_key() is None:
            return None
        return execute(db, lambda session: seal_head(session, actor, reason="backup")).value
    except SealError:
        logger.exception("the audit chain could not be sealed before the backup")
        return None


def backup_database(db: Database, out: str | Path, actor: Actor = SYSTEM,
                    *, detail: dict[str, Any] | None = None) -> BackupResult:  # fmt: skip
    """Write a consistent backup of the whole database to ``out`` (audited)."""
    require(actor, Permission.BACKUP)
    target = Path(out).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    backend = db.info.backend
    src = sqlite_path(db.engine.url)
    seal = _seal_before_backup(db, actor)
    if backend == "sqlite":
        if src is None:
            raise BackupError("内存数据库无法备份。")
        if target == src.resolve():
            raise BackupError("备份文件不能就是数据库文件本身。")
        _backup_sqlite(src, target)
    elif backend == "postgresql":
        _backup_postgresql(db, target)
    else:
        raise BackupError(
            "MariaDB/MySQL 数据库请由数据库管理员用 mysqldump --single-transaction 备份。"
        )
    digest = _write_sidecar(target)
    seal_file(target).unlink(missing_ok=True)
    if seal is not None:
        seal_file(target).write_text(json.dumps({"last_id": seal.last_id,
            "last_hash": seal.last_hash, "mac": seal.mac, "at": f"{seal.at:%Y-%m-%d %H:%M:%S}"}),
            encoding="utf-8")  # fmt: skip
    size = target.stat().st_size
    execute(db, lambda session: record(
        session, actor, "backup", "database", None,
        detail={"file": str(target), "size": size, "sha256": digest, **(detail or {})},
    ))  # fmt: skip
    logger.info("backup written to %s (%d bytes)", target, size)
    return BackupResult(target, size, digest)


# ---------------------------------------------------------------------------- automatic
def backup_keep(session: Any) -> int:
    """How many automatic backups are kept."""
    return max(1, int(get_setting(session, KEEP_KEY, DEFAULT_KEEP)))


def set_backup_keep(session: Any, actor: Actor, keep: int) -> None:
    """Change how many automatic backups are kept (audited). Flushes."""
    require(actor, Permission.BACKUP)
    if not 1 <= keep <= 365:
        raise BackupError("自动备份保留份数应在 1 到 365 之间。")
    old = backup_keep(session)
    set_setting(session, KEEP_KEY, int(keep))
    session.flush()
    record(session, actor, "update", "setting", KEEP_KEY, detail={"keep": [old, keep]})


def backup_folder(db: Database) -> Path | None:
    """Where the daily backups of an SQLite database go (beside it, in ``backups``)."""
    src = sqlite_path(db.engine.url)
    return None if src is None else src.parent / "backups"


def auto_backups(folder: Path) -> list[Path]:
    """The automatic backups in a folder, newest first."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{AUTO_PREFIX}*.db"), reverse=True)


def _stamp(path: Path) -> dt.datetime | None:
    m = re.search(r"(\d{8}-\d{6})", path.name)
    return dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S") if m else None


def auto_backup(db: Database, *, folder: Path | None = None, keep: int | None = None,
                moment: dt.datetime | None = None) -> Path | None:  # fmt: skip
    """The daily SQLite backup: made when the newest is a day old; keeps the newest ``keep``.

    Returns the new backup's path, or None when none was due (or not SQLite).
    """
    if db.info.backend != "sqlite":
        return None
    folder = folder or backup_folder(db)
    if folder is None:
        return None
    moment = moment or now()
    if keep is None:
        with db.session() as session:
            keep = backup_keep(session)
    keep = max(1, keep)
    existing = auto_backups(folder)
    newest = _stamp(existing[0]) if existing else None
    made = None
    if newest is None or moment - newest >= dt.timedelta(days=1):
        made = folder / f"{AUTO_PREFIX}{moment:%Y%m%d-%H%M%S}.db"
        backup_database(db, made, SYSTEM, detail={"automatic": True, "keep": keep})
        existing = auto_backups(folder)
    for old in existing[keep:]:
        old.unlink(missing_ok=True)
        _sidecar(old).unlink(missing_ok=True)
    return made
