"""``chart monthly OUT.png``: the monthly progress chart as a print-resolution image."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from cli.arg_types import date_arg, month_arg
from cli.context import CommandContext
from cli.errors import CliError
from controllers.report.chart_image import render_monthly_png
from controllers.report.fonts import chart_font
from controllers.stats import StatsFilter, month_end, month_start, monthly_series
from controllers.stats.exports import check_export, record_chart_export
from controllers.units import unit_ids_by_names


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chart", help="导出统计图表（PNG）/ export a chart as PNG")
    p.add_argument("kind", choices=["monthly"], help="图表：monthly 月度整治进展 / the chart")
    p.add_argument("out", metavar="OUT", help="输出图片 OUT.png / output image")
    p.add_argument("--as-of", type=date_arg, metavar="DATE", help="数据截至日期 / as of date")
    p.add_argument("--from", dest="start", type=month_arg, metavar="YYYY-MM", help="起始月份")
    p.add_argument("--to", dest="end", type=month_arg, metavar="YYYY-MM", help="截止月份")
    p.add_argument(
        "--unit",
        action="append",
        default=[],
        metavar="NAME",
        help="只统计该单位（名称、简称或代码，可重复）",
    )
    p.add_argument("--dpi", type=int, default=300, help="分辨率 / resolution (default 300)")
    p.set_defaults(handler=cmd_chart)


def cmd_chart(ctx: CommandContext) -> int:
    args = ctx.args
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise CliError(f"图片文件必须以 .png 结尾（收到“{out.name}”）/ OUT must end in .png")
    if not out.parent.is_dir():
        raise CliError(f"文件夹不存在：{out.parent} / folder does not exist")
    if not 72 <= args.dpi <= 1200:
        raise CliError("分辨率应在 72 到 1200 之间 / --dpi must be 72..1200")
    actor = ctx.require_person()
    check_export(actor)
    flt = StatsFilter(
        start=month_start(args.start) if args.start else None,
        end=month_end(args.end) if args.end else None,
        unit_ids=frozenset(ctx.call(unit_ids_by_names, args.unit)),
    )
    as_of = args.as_of or dt.date.today()
    series = ctx.call(monthly_series, actor, flt, as_of)
    title = f"月度整治进展（截至{as_of.year}年{as_of.month}月{as_of.day}日）"
    png = render_monthly_png(series, chart_font(), title=title, dpi=args.dpi)
    try:
        out.write_bytes(png)
    except OSError as exc:
        raise CliError(f"无法写入图片：{out}（{exc.strerror}）") from None
    ctx.call(record_chart_export, actor, title, out, "png", detail={"source": "cli"})
    print(f"已导出月度整治进展图（{len(series.months)} 个月）：{out} / chart written")
    return 0
