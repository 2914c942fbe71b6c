"""``report OUT.pdf|OUT.docx [--as-of DATE]``: the stage report written from the data."""

from __future__ import annotations

import argparse
import datetime as dt

from cli.arg_types import date_arg
from cli.context import CommandContext
from cli.errors import CliError
from controllers.report.generate import generate_report, report_format


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="生成阶段工作报告（PDF 或 Word）/ write the stage report (.pdf or .docx)",
    )
    p.add_argument("out", metavar="OUT", help="输出文件 OUT.pdf 或 OUT.docx / output file")
    p.add_argument(
        "--as-of",
        type=date_arg,
        metavar="DATE",
        help="数据截至日期（默认今天）/ figures as of this date (default today)",
    )
    p.set_defaults(handler=cmd_report)


def cmd_report(ctx: CommandContext) -> int:
    try:
        report_format(ctx.args.out)
    except Exception as exc:  # noqa: BLE001 (checked before opening the database)
        raise CliError(str(exc)) from None
    path = ctx.call(generate_report, ctx.require_person(), ctx.args.out, ctx.args.as_of)
    as_of = ctx.args.as_of or dt.date.today()
    print(f"已生成阶段工作报告（数据截至 {as_of.isoformat()}）：{path} / report written")
    return 0
