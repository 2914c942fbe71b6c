"""``report OUT.pdf|OUT.docx [--as-of DATE]``: the stage report written from the data."""

from __future__ import annotations

import argparse
import datetime as dt

from cli.context import CommandContext
from cli.errors import CliError
from controllers.report.generate import generate_report, report_format


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD (also 2026/5/25 or 2026.5.25)."""
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in cleaned.split("-"))
        return dt.date(year, month, day)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期“{text}”无效，应为 YYYY-MM-DD / invalid date, use YYYY-MM-DD"
        ) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="生成阶段工作报告（PDF 或 Word）/ write the stage report (.pdf or .docx)",
    )
    p.add_argument("out", metavar="OUT", help="输出文件 OUT.pdf 或 OUT.docx / output file")
    p.add_argument(
        "--as-of",
        type=parse_date,
        metavar="DATE",
        help="数据截至日期（默认今天）/ figures as of this date (default today)",
    )
    p.set_defaults(handler=cmd_report)


def cmd_report(ctx: CommandContext) -> int:
    try:
        report_format(ctx.args.out)
    except Exception as exc:  # noqa: BLE001 (checked before opening the database)
        raise CliError(str(exc)) from None
    db = ctx.database()
    with db.session() as session:
        path = generate_report(session, ctx.require_person(), ctx.args.out, ctx.args.as_of)
    as_of = ctx.args.as_of or dt.date.today()
    print(f"已生成阶段工作报告（数据截至 {as_of.isoformat()}）：{path} / report written")
    return 0
