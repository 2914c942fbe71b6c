"""``letters OUT_DIR [--unit NAME]…``: write the commitment letters as PDF."""

from __future__ import annotations

import argparse

from cli.arg_types import date_arg
from cli.context import CommandContext
from cli.errors import CliError
from controllers.documents.fonts import discover_fonts
from controllers.letters.batch import generate_letters
from controllers.units import unit_ids_by_names


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "letters",
        help="生成承诺书 PDF（每单位一份及合订本）/ write the commitment letters as PDF",
        description=(
            "把各责任单位的承诺书写成 PDF：每个单位一份（以单位名称命名），另加一份合订本供双面打印。"
            "尚无承诺书的单位先建立“起草”状态的承诺书。"
        ),
    )
    p.add_argument("out_dir", metavar="OUT_DIR", help="输出文件夹 / output folder")
    p.add_argument(
        "--unit",
        action="append",
        metavar="NAME",
        help="只生成该单位（名称或简称，可重复）/ only this unit (name or short name, repeatable)",
    )
    p.add_argument(
        "--date",
        type=date_arg,
        metavar="YYYY-MM-DD",
        help="起草承诺书的落款日期（默认今天）/ date printed on drafted letters (default today)",
    )
    p.set_defaults(handler=cmd_letters)


def cmd_letters(ctx: CommandContext) -> int:
    unit_ids = ctx.call(unit_ids_by_names, ctx.args.unit) if ctx.args.unit else None
    fonts = discover_fonts()
    result = ctx.call(generate_letters, ctx.require_person(), ctx.args.out_dir, unit_ids=unit_ids,
                      letter_date=ctx.args.date, fonts=fonts)  # fmt: skip
    if not result.files:
        raise CliError("没有可生成承诺书的责任单位 / no active unit")
    for path in result.files:
        print(path)
    print(result.combined)
    print(
        f"已生成 {len(result.files)} 份承诺书及合订本（{result.pages} 页），位于 {result.folder}"
        f"（新起草 {result.created} 份）/ {len(result.files)} letters written to {result.folder}"
    )
    if fonts.uses_fallback:
        roles = "、".join(r.role for r in fonts.report() if r.source == "程序内置后备字体")
        print(f"提示：本机未安装公文字体，{roles}使用内置字体。")
    return 0
