"""``checks add|totals|export|circular``: 督导抽查 from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli.arg_types import date_arg
from cli.context import CommandContext
from cli.errors import CliError
from controllers import unit_of_work
from controllers.spot_checks.documents import export_checks, write_circular
from controllers.spot_checks.entry import save_check
from controllers.spot_checks.json_input import UnreadableFile, parse_check, read_check_file
from controllers.spot_checks.totals import check_totals
from controllers.units import unit_ids_by_names
from models.codes import FindingKind


def _period(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from", dest="date_from", type=date_arg, metavar="DATE", help="起始日期（含）/ from"
    )
    p.add_argument("--to", dest="date_to", type=date_arg, metavar="DATE", help="截止日期（含）/ to")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("checks", help="督导抽查：录入、合计、导出 / spot checks")
    cmds = p.add_subparsers(dest="checks_command", metavar="ACTION", required=True)
    add = cmds.add_parser(
        "add", help="录入一次检查（JSON 文件）/ record one check from a JSON file"
    )
    add.add_argument("file", metavar="FILE.json")
    add.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    add.set_defaults(handler=cmd_add)
    totals = cmds.add_parser("totals", help="期间合计 / totals of a period")
    _period(totals)
    totals.add_argument("--unit", metavar="NAME", help="只统计该单位 / one unit")
    totals.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    totals.set_defaults(handler=cmd_totals)
    export = cmds.add_parser("export", help="导出 Excel（每个点位一行）/ export to .xlsx")
    export.add_argument("out", metavar="OUT.xlsx")
    _period(export)
    export.set_defaults(handler=cmd_export)
    circular = cmds.add_parser("circular", help="督导抽查情况通报 PDF / the circular as PDF")
    circular.add_argument("out", metavar="OUT.pdf")
    _period(circular)
    circular.set_defaults(handler=cmd_circular)


def cmd_add(ctx: CommandContext) -> int:
    path = Path(ctx.args.file)
    try:
        data = read_check_file(path)
    except UnreadableFile as exc:
        raise CliError(str(exc), 2) from None
    actor = ctx.require_person()
    check = ctx.call(parse_check, data, path.parent)
    res = unit_of_work.run(ctx.database(), actor, save_check, check).value
    if ctx.args.json:
        print(json.dumps({"check_id": res.check_id, "created": res.created, "changed": res.changed,
                          "cases_created": res.cases_created, "lookbacks": res.lookbacks},
                         ensure_ascii=False))  # fmt: skip
    elif not res.changed:
        print(f"该检查已有记录（编号 {res.check_id}），内容相同，未重复写入 / already recorded")
    else:
        verb = "已录入" if res.created else "已更新"
        print(f"{verb}检查记录（编号 {res.check_id}）；新增企业 {len(res.cases_created)} 家，"
              f"写入回头看 {len(res.lookbacks)} 条 / check {res.check_id} saved")  # fmt: skip
    return 0


def cmd_totals(ctx: CommandContext) -> int:
    a = ctx.args
    unit_id = ctx.call(unit_ids_by_names, [a.unit])[0] if a.unit else None
    t = ctx.call(check_totals, ctx.actor, a.date_from, a.date_to, unit_id)
    if a.json:
        print(json.dumps(t.as_json(), ensure_ascii=False))
        return 0
    print(f"执法组 {t.groups} 个，执法人员 {t.person_times} 人次，检查企业（点位）{t.sites} 个，"
          f"发现新增“散乱污”企业 {t.new_found} 家")  # fmt: skip
    problems = [f"{FindingKind.label_of(k)} {n}" for k, n in t.by_kind.items() if n]
    if problems:
        print("发现问题：" + "，".join(problems))
    return 0


def cmd_export(ctx: CommandContext) -> int:
    actor = ctx.require_person()
    a = ctx.args
    n = unit_of_work.run(ctx.database(), actor, export_checks, a.out, a.date_from, a.date_to).value
    print(f"已导出 {n} 行到 {a.out} / {n} rows written")
    return 0


def cmd_circular(ctx: CommandContext) -> int:
    actor = ctx.require_person()
    a = ctx.args
    pages = unit_of_work.run(ctx.database(), actor, write_circular, a.out, a.date_from,
                             a.date_to).value  # fmt: skip
    print(f"已生成督导抽查情况通报 {a.out}（{pages} 页）/ written")
    return 0
