"""``accountability tally|decide|execute|export|notice``: 问责 from the command line."""

from __future__ import annotations

import argparse
import json

from cli.arg_types import date_arg
from cli.checks_command import _period
from cli.context import CommandContext
from controllers import unit_of_work
from controllers.accountability.documents import export_records, write_decision
from controllers.accountability.records import (
    amend,
    decide,
    delete_record,
    execute,
    record_version,
)
from controllers.accountability.tally import tally_units
from controllers.units import unit_ids_by_names
from models.codes import AccountabilityLevel, RuleCounter


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("accountability", help="问责：统计、决定、导出 / accountability")
    cmds = p.add_subparsers(dest="accountability_command", metavar="ACTION", required=True)
    tally = cmds.add_parser("tally", help="各单位问题统计与拟问责层级 / tally per unit")
    _period(tally)
    tally.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    tally.set_defaults(handler=cmd_tally)
    dec = cmds.add_parser("decide", help="作出问责决定 / decide a proposed record")
    dec.add_argument("id", type=int, metavar="ID")
    dec.add_argument("--doc-no", required=True, metavar="NO", help="文号")
    dec.add_argument("--date", required=True, type=date_arg, metavar="DATE", help="决定日期")
    dec.set_defaults(handler=cmd_decide)
    exe = cmds.add_parser("execute", help="登记执行 / record that a decision was carried out")
    exe.add_argument("id", type=int, metavar="ID")
    exe.add_argument("--date", required=True, type=date_arg, metavar="DATE", help="执行日期")
    exe.set_defaults(handler=cmd_execute)
    am = cmds.add_parser("amend", help="追加更正（已决定的记录）/ amend a decided record")
    am.add_argument("id", type=int, metavar="ID")
    am.add_argument("--reason", required=True, metavar="TEXT", help="更正原因")
    am.add_argument("--doc-no", metavar="NO", help="更正后的文号")
    am.add_argument("--decided-on", type=date_arg, metavar="DATE", help="更正后的决定日期")
    am.add_argument("--measure", metavar="MEASURE", help="更正后的问责措施（代码或中文）")
    am.add_argument("--summary", metavar="TEXT", help="更正后的问题摘要")
    am.set_defaults(handler=cmd_amend)
    rm = cmds.add_parser("delete", help="删除拟问责记录 / delete a proposed record")
    rm.add_argument("id", type=int, metavar="ID")
    rm.set_defaults(handler=cmd_delete)
    exp = cmds.add_parser("export", help="导出问责记录 Excel / export records to .xlsx")
    exp.add_argument("out", metavar="OUT.xlsx")
    exp.add_argument("--unit", metavar="NAME", help="只导出该单位 / one unit")
    exp.set_defaults(handler=cmd_export)
    notice = cmds.add_parser("notice", help="问责决定书 PDF / the decision notice as PDF")
    notice.add_argument("id", type=int, metavar="ID")
    notice.add_argument("out", metavar="OUT.pdf")
    notice.set_defaults(handler=cmd_notice)


def cmd_tally(ctx: CommandContext) -> int:
    a = ctx.args
    tallies = ctx.call(tally_units, ctx.actor, a.date_from, a.date_to)
    if a.json:
        print(json.dumps([t.as_json() for t in tallies], ensure_ascii=False))
        return 0
    for t in tallies:
        counters = "，".join(f"{RuleCounter.label_of(k)} {v}" for k, v in t.counters.items())
        level = AccountabilityLevel.label_of(t.proposed_level) if t.proposed_level else "未达阈值"
        print(f"{t.unit}：{counters}；{level}")
    return 0


def cmd_decide(ctx: CommandContext) -> int:
    actor = ctx.require_person()
    a = ctx.args
    unit_of_work.run(ctx.database(), actor, decide, a.id, a.doc_no, a.date)
    print(f"问责记录 {a.id} 已决定（{a.doc_no}）/ decided")
    return 0


def cmd_execute(ctx: CommandContext) -> int:
    actor = ctx.require_person()
    a = ctx.args
    unit_of_work.run(ctx.database(), actor, execute, a.id, a.date)
    print(f"问责记录 {a.id} 已执行 / carried out")
    return 0


def cmd_amend(ctx: CommandContext) -> int:
    actor = ctx.require_person()
    a = ctx.args
    changes = {k: v for k, v in (("doc_no", a.doc_no), ("decided_on", a.decided_on),
                                 ("measure", a.measure), ("summary", a.summary)) if v is not None}  # fmt: skip
    unit_of_work.run(ctx.database(), actor, amend, a.id, a.reason, changes)
    print(f"已为问责记录 {a.id} 追加更正 / amended")
    return 0


def cmd_delete(ctx: CommandContext) -> int:
    actor = ctx.require_person()
    a = ctx.args
    db = ctx.database()
    version = ctx.call(record_version, actor, a.id)
    unit_of_work.run(db, actor, delete_record, a.id, version)
    print(f"已删除拟问责记录 {a.id} / deleted")
    return 0


def cmd_export(ctx: CommandContext) -> int:
    actor = ctx.require_person()
    a = ctx.args
    db = ctx.database()
    unit_id = None
    if a.unit:
        unit_id = ctx.call(unit_ids_by_names, [a.unit])[0]
    n = unit_of_work.run(db, actor, export_records, a.out, unit_id=unit_id).value
    print(f"已导出 {n} 条问责记录到 {a.out} / written")
    return 0


def cmd_notice(ctx: CommandContext) -> int:
    actor = ctx.require_person()
    a = ctx.args
    pages = unit_of_work.run(ctx.database(), actor, write_decision, a.id, a.out).value
    print(f"已生成问责决定书 {a.out}（{pages} 页）/ written")
    return 0
