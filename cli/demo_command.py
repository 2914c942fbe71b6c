"""``demo [--seed N] [--as-of DATE]``: fill an empty database with the demo world as it
stood on a date (default today; 2026-05-31 is the city's report)."""

from __future__ import annotations

import argparse
import datetime as dt

from cli.context import CommandContext
from cli.errors import CliError
from controllers.demo import DemoRefused, generate_demo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="向空数据库写入演示数据 / fill an empty database with demo data"
    )
    p.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed (default 2026)")
    p.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="DATE",
        help="演示数据截至日期（默认今天；2026-05-31 即市报告的数字）/ "
        "build the world as it stood on DATE (default today)",
    )
    p.set_defaults(handler=cmd_demo)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD（收到“{text}”）") from None


def cmd_demo(ctx: CommandContext) -> int:
    db = ctx.database()
    with db.session() as session:
        try:
            counts = generate_demo(session, ctx.args.seed, as_of=ctx.args.as_of, actor=ctx.actor)
        except DemoRefused as exc:
            raise CliError(str(exc)) from None
    print(
        f"已写入演示数据（截至{(ctx.args.as_of or dt.date.today()).isoformat()}）："
        f"{counts['units']} 个责任单位，{counts['cases']} 家企业 "
        f"/ demo data written to {db.info.display}"
    )
    return 0
