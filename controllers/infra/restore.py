"""Restoring a backup: everything verified first, then an all-or-nothing swap.

Before anything is replaced the backup must pass: its ``.sha256`` (a missing one is a
refusal), SQLite's integrity check, a schema version this program knows, every trigger the
schema expects (and, on PostgreSQL with database roles, the row-level security and the audit
privileges), and its audit chain with the seals (:mod:`controllers.audit.seal`). Any failure
refuses the restore unless ``force`` is given, which is recorded as ``restore_forced``.

The restore itself is prepared aside and swapped in at the end:

- SQLite: the backup is copied to a temporary file beside the database, upgraded, the audit
  entries written after the backup are carried over and the restore is recorded there; only
  then, with the application's connections closed and nobody else using the file, is it
  renamed over the database (one atomic rename). A failure at any step deletes the temporary
  file: the live database stays exactly as it was.
- PostgreSQL: ``pg_restore`` into a new database, checked and completed the same way, then
  both databases are renamed in one transaction; the old one is kept as the safety copy.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import Connection, Engine

from controllers.actor import SYSTEM, Actor
from controllers.audit import seal as sealing
from controllers.audit.trail import record
from controllers.audit.verify import verify_chain
from controllers.infra.backup import (
    BackupError,
    _backup_sqlite,
    _libpq_env,
    _pg_tool,
    _run_tool,
    checksum_problem,
    seal_file,
    sqlite_integrity,
)
from controllers.permissions import Permission, require
from controllers.unit_of_work import execute
from models import AuditEntry
from models.base import now
from models.database import Database, make_engine, sqlite_path
from models.migrate import (
    current_revision,
    head_revision,
    is_known_revision,
    revision_lineage,
    upgrade,
)

logger = logging.getLogger(__name__)

# The triggers each schema revision must have (migrations 0004_security and 0005_i14).
_SQLITE_0004 = ("audit_log_no_update", "audit_log_delete_archived_only",
                "audit_log_continues_chain", "audit_log_moves_head", "audit_archive_copies_only",
                "audit_archive_no_update", "audit_archive_no_delete", "audit_head_no_delete")  # fmt: skip
_PG_0004 = ("audit_log_guard", "audit_log_no_truncate", "audit_log_moves_head",
            "audit_archive_guard", "audit_archive_no_truncate", "audit_head_guard",
            "audit_head_no_truncate")  # fmt: skip
_SQLITE_0005 = ("audit_log_no_replace", "audit_head_forward_only", "audit_head_single_row")
_MYSQL_0005 = ("audit_head_forward_only", "audit_head_single_row")


def expected_triggers(dialect: str, revision: str | None) -> set[str]:
    """The triggers a database of this schema revision must have."""
    out: set[str] = set()
    lineage = revision_lineage(revision)  # the migrations this revision includes
    if "0004_security" in lineage:
        out |= set(_PG_0004 if dialect == "postgresql" else _SQLITE_0004)
    if "0005_i14" in lineage:
        out |= set(_SQLITE_0005 if dialect == "sqlite" else ())
        out |= set(_MYSQL_0005 if dialect in ("mysql", "mariadb") else ())
    return out


def present_triggers(conn: Connection) -> set[str]:
    """The enabled triggers of the database."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    elif dialect == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
    else:
        sql = (
            "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()"
        )
    return set(conn.execute(text(sql)).scalars())


#: the change-notification functions of migration 0007_i14 (PostgreSQL): a bare wake-up, and
#: the trail's head and kinds read through SECURITY DEFINER functions
_PG_0007_FUNCTIONS = ("rectify_audit_last_id()", "rectify_audit_changes_since(integer)")


def change_feed_problems(conn: Connection, revision: str | None) -> list[str]:
    """PostgreSQL from 0007_i14: the change-notification functions are there and the audit
    trigger's notification carries nothing (an old or edited function leaks every entry)."""
    if conn.dialect.name != "postgresql" or "0007_i14" not in revision_lineage(revision):
        return []
    problems = []
    missing = [
        fn
        for fn in _PG_0007_FUNCTIONS
        if conn.execute(text("SELECT to_regprocedure(:f)"), {"f": fn}).scalar() is None
    ]
    if missing:
        problems.append(f"缺少变更通知函数：{', '.join(missing)}")
    moved = conn.execute(
        text("SELECT prosrc FROM pg_proc WHERE proname = 'rectify_audit_moved'")
    ).scalar()
    bare = "pg_notify('rectify_changes', '')"
    if moved is None or bare not in moved or moved.count("pg_notify") != 1:
        problems.append("审计触发器的变更通知不是空通知（rectify_audit_moved 被改动或版本过旧）")
    return problems


def reinstate_change_feed(conn: Connection) -> bool:
    """Put back the change-notification functions of 0007_i14 (a forced restore)."""
    if conn.dialect.name != "postgresql":
        return False
    if not change_feed_problems(conn, current_revision(conn.engine)):
        return False
    module = _migration("0007_i14_bare_notify")
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    quoted = '"' + schema.replace('"', '""') + '"'
    conn.exec_driver_sql(module.PG_MOVED)
    conn.exec_driver_sql(module.PG_LAST_ID.replace("{schema}", quoted))
    conn.exec_driver_sql(module.PG_CHANGES_SINCE.replace("{schema}", quoted))
    return True


def privilege_problems(conn: Connection) -> list[str]:
    """PostgreSQL with database roles: RLS on and the audit log closed to every group."""
    if conn.dialect.name != "postgresql":
        return []
    if conn.execute(text("SELECT to_regprocedure('rectify_role_prefix()')")).scalar() is None:
        return []
    prefix = conn.execute(text("SELECT rectify_role_prefix()")).scalar()
    problems = []
    off = list(
        conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                "WHERE a.attname = 'unit_id' AND c.relkind = 'r' AND NOT c.relrowsecurity "
                "AND c.relnamespace = current_schema()::regnamespace"
            )
        ).scalars()
    )
    if off:
        problems.append(f"这些表的行级安全被关闭：{', '.join(sorted(off))}")
    writable = list(
        conn.execute(
            text(
                "SELECT r.rolname || ':' || t FROM pg_roles r, "
                "unnest(ARRAY['audit_log', 'audit_head']) t "
                "WHERE r.rolname LIKE :p AND (has_table_privilege(r.oid, t, 'UPDATE') "
                "OR has_table_privilege(r.oid, t, 'TRUNCATE') OR has_table_privilege(r.oid, t, 'INSERT'))"
            ),
            {"p": prefix.replace("_", r"\_") + "%"},
        ).scalars()
    )
    if writable:
        problems.append(f"这些数据库角色可以改写审计日志：{', '.join(sorted(writable))}")
    return problems


@dataclass(frozen=True)
class BackupCheck:
    """What a backup holds, and what in it failed verification (empty: nothing)."""

    revision: str | None
    cases: int | None
    audit_entries: int | None
    audit_intact: bool | None
    problems: tuple[str, ...] = ()
    seal_note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _outside_seals(path: Path, live_identity: str | None) -> list[sealing.Seal]:
    """The seal taken at backup time (beside the file) and, when it continues the live
    database, the live database's logged seals."""
    out: list[sealing.Seal] = []
    side = seal_file(path)
    if side.is_file():
        try:
            d = json.loads(side.read_text(encoding="utf-8"))
            out.append(sealing.Seal(int(d["last_id"]), d.get("last_hash"), str(d["mac"])))
        except (ValueError, KeyError, TypeError):
            out.append(sealing.Seal(-1, None, ""))  # damaged: fails the check
    if live_identity:
        out += sealing.logged_seals(live_identity)
    return out


def check_database(conn_engine: Engine, *, outside: list[sealing.Seal], key: Any = "default",
                   upto_head: bool = True) -> tuple[str | None, int | None, list[str], Any]:  # fmt: skip
    """Revision, case count, problems and the audit report of an open database."""
    problems: list[str] = []
    revision = current_revision(conn_engine)
    if revision is None:
        raise BackupError("备份不是散乱污整治管理台的数据库，未做任何恢复。")
    if not is_known_revision(revision):
        raise BackupError(
            f"备份的数据库结构版本 {revision} 比本程序新，请先升级程序；未做任何恢复。"
        )
    with conn_engine.connect() as conn:
        missing = expected_triggers(conn.dialect.name, revision) - present_triggers(conn)
        if missing:
            problems.append(f"缺少或停用了保护审计日志的触发器：{', '.join(sorted(missing))}")
        problems += privilege_problems(conn)
        problems += change_feed_problems(conn, revision)
        cases = conn.execute(text("SELECT count(*) FROM cases")).scalar()
    db = Database.from_engine(conn_engine)
    with db.session() as session:
        head = session.execute(text("SELECT last_id FROM audit_head WHERE id = 1")).scalar() or 0
        seals = [s for s in outside if not upto_head or s.last_id <= head or s.last_id < 0]
        report = verify_chain(session, key=key, outside=seals)
    if not report.intact:
        problems.append(f"审计日志未通过校验：{report.broken.message}")
    return revision, cases, problems, report


def verify_sqlite_backup(path: Path, *, live_identity: str | None = None,
                         key: Any = "default") -> BackupCheck:  # fmt: skip
    """Check a backup file without changing it; raises :class:`BackupError` if unusable."""
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    problems: list[str] = []
    checksum = checksum_problem(path)
    if checksum:
        problems.append(checksum)
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path.name} 不是 SQLite 数据库备份文件，未做任何恢复。")
    problem = sqlite_integrity(path)
    if problem != "ok":
        raise BackupError(f"备份文件 {path.name} 未通过完整性检查（{problem}），未做任何恢复。")
    # Read-only and without the application's pragmas: verifying changes nothing in the file.
    engine = create_engine(f"sqlite:///file:{path.as_posix()}?mode=ro&uri=true")
    try:
        revision, cases, more, report = check_database(
            engine, outside=_outside_seals(path, live_identity), key=key
        )
    finally:
        engine.dispose()
    return BackupCheck(revision, cases, report.checked, report.intact, (*problems, *more),
                       report.seal_message())  # fmt: skip


def verify_pg_backup(path: Path) -> BackupCheck:
    """Checksum and ``pg_restore --list``; the contents are checked once restored aside."""
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    tool = _pg_tool("pg_restore")
    proc = subprocess.run([str(tool), "--list", str(path)], capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    if proc.returncode != 0 or "TABLE DATA" not in proc.stdout:
        raise BackupError(
            f"{path.name} 不是可用的 PostgreSQL 备份（pg_dump 自定义格式），未做任何恢复。"
        )
    checksum = checksum_problem(path)
    return BackupCheck(None, None, None, None, (checksum,) if checksum else ())


def _refuse(check: BackupCheck, path: Path) -> None:
    raise BackupError(
        f"备份 {path.name} 未通过校验，未做任何恢复："
        + "；".join(p.rstrip("。") for p in check.problems)
        + "。如确需恢复，请由系统管理员用命令行 restore --force 恢复（将记入审计日志）。"
    )


def checked_sqlite_backup(db: Database, path: Path) -> BackupCheck:
    """Verify a backup for this database; refuses (raises) on any problem."""
    path = path.expanduser().resolve()
    check = verify_sqlite_backup(path, live_identity=_identity(db))
    if check.problems:
        _refuse(check, path)
    return check


# ----------------------------------------------------------------------------- restoring
@dataclass(frozen=True)
class RestoreResult:
    check: BackupCheck
    safety_copy: Path | None
    carried_entries: int
    orphan_entries_file: Path | None
    forced: bool = False
    safety_database: str | None = None  # PostgreSQL: the previous database, renamed


def _audit_rows(db: Database) -> list[dict[str, Any]]:
    table = AuditEntry.__table__
    with db.engine.connect() as conn:
        try:
            return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]
        except Exception:  # noqa: BLE001 (a damaged or foreign database: nothing to carry)
            return []


def _carry_over(
    engine: Engine, saved: list[dict[str, Any]], beside: Path
) -> tuple[int, Path | None]:
    """Append the audit entries written after the backup, where they continue its chain.

    Raises if the database refuses one: the caller discards the restore being prepared.
    """
    if not saved:
        return 0, None
    with engine.begin() as conn:
        head = conn.execute(text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
        last_id, last_hash = (head[0], head[1]) if head else (0, None)
        at_head = next((r for r in saved if r["id"] == last_id), None)
        newer = [r for r in saved if r["id"] > last_id]
        if not newer:
            return 0, None
        if last_id and (at_head is None or at_head["entry_hash"] != last_hash):
            orphan = beside.with_name(f"audit-before-restore-{now():%Y%m%d-%H%M%S}.jsonl")
            with orphan.open("w", encoding="utf-8") as fh:
                for r in saved:
                    fh.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
            return 0, orphan
        for r in newer:  # one by one: each continues the chain the triggers check
            conn.execute(insert(AuditEntry.__table__).values(**r))
    return len(newer), None


def _migration(name: str) -> Any:
    import importlib.util

    from models.migrate import MIGRATIONS_DIR

    path = MIGRATIONS_DIR / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"rectify_migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def reinstate_triggers(engine: Engine) -> list[str]:
    """Put back the schema's triggers a (forced) backup lacks; returns their names."""
    import re

    with engine.begin() as conn:
        dialect = conn.dialect.name
        missing = expected_triggers(dialect, current_revision(engine)) - present_triggers(conn)
        if not missing:
            return []
        if dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE audit_archive ENABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE audit_head ENABLE TRIGGER USER")
            missing -= present_triggers(conn)
        attr = {"sqlite": "SQLITE", "postgresql": "PG"}.get(dialect, "MYSQL")
        for name in ("0004_security_audit_chain", "0005_i14_audit_guards"):
            for statement in getattr(_migration(name), attr, []):
                m = re.search(r"CREATE TRIGGER (\w+)", statement)
                if m and m.group(1) in missing:
                    conn.exec_driver_sql(statement)
        return sorted(missing)


def _complete(engine: Engine, saved: list[dict[str, Any]], path: Path, actor: Actor,
              check: BackupCheck, force: bool, safety: str | None) -> tuple[int, Path | None]:  # fmt: skip
    """Upgrade the prepared copy, carry the newer audit entries over, record the restore."""
    if current_revision(engine) != head_revision():
        upgrade(engine, backup=False)
    reinstate_triggers(engine)
    with engine.begin() as conn:
        reinstate_change_feed(conn)
    carried, orphan = _carry_over(engine, saved, path)
    execute(Database.from_engine(engine), lambda session: record(
        session, actor, "restore_forced" if force and check.problems else "restore",
        "database", None,
        detail={"file": str(path), "carried_audit_entries": carried,
                "safety_copy": safety, "problems": list(check.problems) or None},
    ))  # fmt: skip
    return carried, orphan


def restore_database(db: Database, source: str | Path, actor: Actor = SYSTEM, *,
                     force: bool = False) -> RestoreResult:  # fmt: skip
    """Replace the database with a verified backup, all or nothing (audited)."""
    require(actor, Permission.BACKUP)
    path = Path(source).expanduser().resolve()
    backend = db.info.backend
    if backend == "sqlite":
        return _restore_sqlite(db, path, actor, force)
    if backend == "postgresql":
        return _restore_postgresql(db, path, actor, force)
    raise BackupError("MariaDB/MySQL 数据库请由数据库管理员用 mysql 客户端恢复。")


def _identity(db: Database) -> str | None:
    try:
        with db.session() as session:
            return sealing.database_identity(session)
    except Exception:  # noqa: BLE001
        return None


def _restore_sqlite(db: Database, path: Path, actor: Actor, force: bool) -> RestoreResult:
    live = sqlite_path(db.engine.url)
    if live is None:
        raise BackupError("内存数据库无法恢复。")
    if path == live.resolve():
        raise BackupError("不能用数据库文件本身作为备份来恢复。")
    check = verify_sqlite_backup(path, live_identity=_identity(db))
    if check.problems and not force:
        _refuse(check, path)
    saved = _audit_rows(db)
    stamp = f"{now():%Y%m%d-%H%M%S}"
    safety: Path | None = None
    if live.exists():
        safety = live.with_name(f"{live.stem}.before-restore-{stamp}{live.suffix}")
        _backup_sqlite(live, safety)
    staged = live.with_name(f".{live.name}.restore-{stamp}")
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(str(staged))
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        engine = make_engine(f"sqlite:///{staged.as_posix()}")
        try:
            carried, orphan = _complete(engine, saved, path, actor, check, force,
                                        str(safety) if safety else None)  # fmt: skip
        finally:
            engine.dispose()
        _single_file(staged)
        problem = sqlite_integrity(staged)
        if problem != "ok":
            raise BackupError(f"恢复后的数据库未通过完整性检查（{problem}），未做任何恢复。")
        db.engine.dispose()  # the application's own connections
        _swap_sqlite(staged, live)
    except BaseException:
        for leftover in (staged, *_sidecars(staged)):
            leftover.unlink(missing_ok=True)
        raise
    return RestoreResult(check, safety, carried, orphan, force and bool(check.problems))


def _sidecars(path: Path) -> tuple[Path, Path, Path]:
    return tuple(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))  # type: ignore[return-value]


def _single_file(path: Path) -> None:
    """Checkpoint and leave a file with no WAL beside it (rollback-journal mode)."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _swap_sqlite(staged: Path, live: Path) -> None:
    """Rename the prepared copy over the database once nobody else has it open."""
    if live.exists():
        conn = sqlite3.connect(str(live), timeout=5)
        try:
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            except sqlite3.OperationalError as exc:
                raise BackupError(
                    f"数据库正被其他程序使用（{exc}），请关闭其他窗口后再恢复；未做任何恢复。"
                ) from None
            if str(mode).lower() != "delete":
                raise BackupError("数据库正被其他程序使用，请关闭其他窗口后再恢复；未做任何恢复。")
        finally:
            conn.close()
    os.replace(staged, live)
    for leftover in _sidecars(live):  # nothing of the old file may be applied to the new one
        leftover.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- PostgreSQL
def _admin_engine(db: Database) -> Engine:
    url = db.engine.url.set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _restore_postgresql(db: Database, path: Path, actor: Actor, force: bool) -> RestoreResult:
    first = verify_pg_backup(path)
    live_name = db.engine.url.database or ""
    identity = _identity(db)
    saved = _audit_rows(db)
    stamp = f"{now():%Y%m%d%H%M%S}"
    staged_name = f"{live_name[:40]}_restore_{stamp}"
    safety_name = f"{live_name[:40]}_before_{stamp}"
    admin = _admin_engine(db)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{staged_name}"'))
    staged_url = db.engine.url.set(database=staged_name)
    dropped = False
    try:
        tool = _pg_tool("pg_restore")
        args, env = _libpq_env(staged_url)
        _run_tool([str(tool), "--single-transaction", "--exit-on-error", *args, str(path)], env,
                  "pg_restore 恢复")  # fmt: skip
        engine = make_engine(staged_url.render_as_string(hide_password=False))
        try:
            revision, cases, more, report = check_database(
                engine, outside=_outside_seals(path, identity)
            )
            check = BackupCheck(revision, cases, report.checked, report.intact,
                                (*first.problems, *more), report.seal_message())  # fmt: skip
            if check.problems and not force:
                _refuse(check, path)
            carried, orphan = _complete(engine, saved, path, actor, check, force, safety_name)
        finally:
            engine.dispose()
        db.engine.dispose()
        swapper = create_engine(admin.url)  # one transaction for both renames
        with swapper.begin() as conn:
            _copy_database_acl(conn, live_name, staged_name)
            others = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname IN (:a, :b) "
                    "AND pid <> pg_backend_pid()"
                ),
                {"a": live_name, "b": staged_name},
            ).scalar()
            if others:
                raise BackupError(
                    f"还有 {others} 个连接在使用数据库 {live_name}：请所有业务员退出后再恢复；未做任何恢复。"
                )
            conn.execute(text(f'ALTER DATABASE "{live_name}" RENAME TO "{safety_name}"'))
            conn.execute(text(f'ALTER DATABASE "{staged_name}" RENAME TO "{live_name}"'))
        swapper.dispose()
        dropped = True  # the staged database is now the live one
    finally:
        if not dropped:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{staged_name}" WITH (FORCE)'))
        admin.dispose()
    return RestoreResult(check, None, carried, orphan, force and bool(check.problems), safety_name)


def _copy_database_acl(conn: Connection, live: str, staged: str) -> None:
    """The database-level grants (CONNECT for the roles) go with the name."""
    acl = conn.execute(text("SELECT datacl::text[] FROM pg_database WHERE datname = :n"),
                       {"n": live}).scalar()  # fmt: skip
    if acl is None:
        return
    conn.execute(text(f'REVOKE ALL ON DATABASE "{staged}" FROM PUBLIC'))
    rows = conn.execute(
        text(
            "SELECT coalesce(r.rolname, 'PUBLIC'), a.privilege_type FROM pg_database d, "
            "aclexplode(d.datacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee "
            "WHERE d.datname = :n"
        ),
        {"n": live},
    )
    for grantee, privilege in rows:
        who = "PUBLIC" if grantee == "PUBLIC" else f'"{grantee}"'
        conn.execute(text(f'GRANT {privilege} ON DATABASE "{staged}" TO {who}'))
