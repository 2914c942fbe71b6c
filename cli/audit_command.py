"""``audit verify|archive|export``: the tamper-evident audit trail."""

from __future__ import annotations

import argparse

from cli.arg_types import date_arg
from cli.context import CommandContext
from cli.errors import CliError
from controllers.audit.archive import archive_old_entries, retention_months, set_retention_months
from controllers.audit.query import AuditFilter, export_audit
from controllers.audit.seal import create_key, key_path, seal_head
from controllers.audit.verify import verify_chain


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="审计日志 / audit trail (verify, archive, export)")
    au = p.add_subparsers(
        dest="audit_command",
        metavar="{verify,seal,seal-key,archive,export,retention}",
        required=True,
    )
    v = au.add_parser(
        "verify", help="校验哈希链：完整退出 0，被篡改退出 1 / exit 0 intact, 1 tampered"
    )
    v.set_defaults(handler=cmd_verify)
    s = au.add_parser(
        "seal", help="用审计密钥封存当前链头（审计管理员）/ seal the chain head with the audit key"
    )
    s.set_defaults(handler=cmd_seal)
    k = au.add_parser(
        "seal-key", help="在这台电脑上建立审计密钥（数据库之外）/ create the audit key file"
    )
    k.set_defaults(handler=cmd_seal_key)
    a = au.add_parser(
        "archive", help="归档保存期（至少 6 个月）以前的条目 / archive entries past retention"
    )
    a.set_defaults(handler=cmd_archive)
    e = au.add_parser("export", help="导出为 Excel / export to an Excel workbook")
    e.add_argument("out", help="输出文件 .xlsx / output file")
    e.add_argument("--who", metavar="USERNAME", help="只导出该用户 / only this user")
    e.add_argument("--action", help="只导出该操作 / only this action (login, update…)")
    e.add_argument("--object", help="只导出该对象类型 / only this object type (case…)")
    e.add_argument("--from", dest="since", type=date_arg, help="起始日期 / from YYYY-MM-DD")
    e.add_argument("--to", dest="until", type=date_arg, help="截止日期 / until YYYY-MM-DD")
    e.add_argument("--archive", action="store_true", help="包括已归档条目 / include the archive")
    e.set_defaults(handler=cmd_export)
    r = au.add_parser(
        "retention", help="在线保存月数（至少 6）/ months kept before archiving (6 or more)"
    )
    r.add_argument("months", type=int, nargs="?", help="新的月数；省略则显示当前值 / new value")
    r.set_defaults(handler=cmd_retention)


def cmd_verify(ctx: CommandContext) -> int:
    report = ctx.call(verify_chain)
    if report.intact:
        print(report.message())
        return 0
    raise CliError(report.message(), 1)


def cmd_seal(ctx: CommandContext) -> int:
    from controllers import unit_of_work
    from controllers.permissions import Permission, require

    actor = ctx.require_person()
    require(actor, Permission.MANAGE_AUDIT)
    seal = unit_of_work.run(ctx.database(), actor, seal_head).value
    print(f"已封存审计日志至第 {seal.last_id} 条 / sealed up to entry {seal.last_id}")
    return 0


def cmd_seal_key(ctx: CommandContext) -> int:
    path = create_key()
    print(f"已建立审计密钥：{path} / audit key created")
    print(f"请妥善保管（可设环境变量 RECTIFY_AUDIT_KEY 指向它）；默认位置 {key_path()}")
    return 0


def cmd_archive(ctx: CommandContext) -> int:
    result = ctx.call(archive_old_entries, ctx.require_person())
    if result.moved:
        print(f"已将 {result.cutoff:%Y-%m-%d} 以前的 {result.moved:,} 条审计记录移入归档"
              f"（至第 {result.up_to_id} 条）/ archived {result.moved} entries")  # fmt: skip
    else:
        print(f"没有 {result.cutoff:%Y-%m-%d} 以前的条目需要归档 / nothing to archive")
    return 0


def cmd_export(ctx: CommandContext) -> int:
    a = ctx.args
    f = AuditFilter(username=a.who, action=a.action, object_type=a.object, since=a.since,
                    until=a.until, include_archive=a.archive)  # fmt: skip
    rows = ctx.call(export_audit, ctx.require_person(), f, a.out)
    print(f"已导出 {rows:,} 条审计记录到 {a.out} / exported")
    return 0


def cmd_retention(ctx: CommandContext) -> int:
    if ctx.args.months is None:
        print(f"审计日志在线保存 {ctx.call(retention_months)} 个月 / months kept")
        return 0
    ctx.call(set_retention_months, ctx.require_person(), ctx.args.months)
    print(f"审计日志在线保存期已设为 {ctx.args.months} 个月 / retention set")
    return 0
