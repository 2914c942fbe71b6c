"""``demo [--seed N]``: fill an empty database with the demo data."""

from __future__ import annotations

import argparse

from cli.context import CommandContext
from cli.errors import CliError
from controllers.demo import DemoRefused, generate_demo
from controllers.unit_of_work import call


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="向空数据库写入演示数据 / fill an empty database with demo data"
    )
    p.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed (default 2026)")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(ctx: CommandContext) -> int:
    db = ctx.database()
    try:
        counts = call(db, generate_demo, ctx.args.seed, actor=ctx.actor).value
    except DemoRefused as exc:
        raise CliError(str(exc)) from None
    print(
        f"已写入演示数据：{counts['units']} 个责任单位，{counts['cases']} 家企业 "
        f"/ demo data written to {db.info.display}"
    )
    return 0
