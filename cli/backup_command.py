"""``backup OUT`` / ``restore IN``: the whole database, verified before anything is replaced."""

from __future__ import annotations

import argparse

from cli.context import CommandContext
from controllers.infra.backup import backup_database
from controllers.infra.database_setup import DatabaseError
from controllers.infra.restore import restore_database


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser(
        "backup",
        help="备份整个数据库（SQLite 在线备份；PostgreSQL 用 pg_dump）/ back up the database",
    )
    b.add_argument("out", help="备份文件 / backup file")
    b.set_defaults(handler=cmd_backup)
    r = sub.add_parser(
        "restore",
        help="从备份恢复（先校验备份，原数据库另存一份）/ restore from a verified backup",
    )
    r.add_argument("source", metavar="IN", help="备份文件 / backup file")
    r.add_argument(
        "--force",
        action="store_true",
        help="备份未通过校验时仍恢复（记入审计日志）/ restore a backup that failed verification",
    )
    r.set_defaults(handler=cmd_restore)


def cmd_backup(ctx: CommandContext) -> int:
    db = ctx.database()
    result = backup_database(db, ctx.args.out, ctx.require_person())
    print(f"已备份到 {result.path}（{result.size / 1048576:.1f} MB，SHA-256 {result.sha256[:16]}…）"
          " / backup written")  # fmt: skip
    return 0


def cmd_restore(ctx: CommandContext) -> int:
    try:
        db = ctx.database()
    except DatabaseError:
        db = ctx.database(migrate=False)  # a database too damaged to open can still be restored
    result = restore_database(db, ctx.args.source, ctx.require_person(), force=ctx.args.force)
    check = result.check
    if result.forced:
        print("  备份未通过校验，按 --force 强制恢复（已记入审计日志）/ forced: "
              + "；".join(check.problems))  # fmt: skip
    print(f"已从 {ctx.args.source} 恢复数据库 / restored")
    if check.seal_note:
        print(f"  {check.seal_note}")
    if check.cases is not None:
        print(f"  备份中的企业 {check.cases:,} 家，审计记录 {check.audit_entries or 0:,} 条")
    if result.safety_copy:
        print(f"  恢复前的数据库已另存为 / the previous database was kept as: {result.safety_copy}")
    if result.safety_database:
        print(
            f"  恢复前的数据库已改名为 / the previous database was renamed to: {result.safety_database}"
        )
    if result.carried_entries:
        print(
            f"  备份之后产生的 {result.carried_entries} 条审计记录已接续保留 / audit entries kept"
        )
    if result.orphan_entries_file:
        print(f"  原数据库的审计记录与备份不衔接，已另存为 {result.orphan_entries_file}")
    return 0
