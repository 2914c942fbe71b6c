"""``demo [--seed N] [--as-of DATE]``: fill an empty database with the demo world as it
stood on a date (default today; 2026-05-31 is the city's report)."""

from __future__ import annotations

import argparse
import datetime as dt

from cli.arg_types import date_arg
from cli.context import CommandContext
from cli.errors import CliError
from controllers.demo import DemoRefused, generate_demo
from controllers.unit_of_work import call


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="向空数据库写入演示数据 / fill an empty database with demo data"
    )
    p.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed (default 2026)")
    p.add_argument(
        "--as-of",
        type=date_arg,
        default=None,
        metavar="DATE",
        help="演示数据截至日期（默认今天；2026-05-31 即市报告的数字）/ "
        "build the world as it stood on DATE (default today)",
    )
    p.set_defaults(handler=cmd_demo)


def cmd_demo(ctx: CommandContext) -> int:
    db = ctx.database()
    try:
        counts = call(db, generate_demo, ctx.args.seed, as_of=ctx.args.as_of, actor=ctx.actor).value
    except DemoRefused as exc:
        raise CliError(str(exc)) from None
    print(
        f"已写入演示数据（截至{(ctx.args.as_of or dt.date.today()).isoformat()}）："
        f"{counts['units']} 个责任单位，{counts['cases']} 家企业 "
        f"/ demo data written to {db.info.display}"
    )
    return 0
