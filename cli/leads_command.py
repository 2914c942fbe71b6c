"""``leads scan [--unit NAME] [--json]``, ``leads import-power FILE [--json]`` and
``leads import-permits FILE [--json]``: 线索."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from cli.context import CommandContext
from cli.errors import CliError
from controllers import unit_of_work
from controllers.leads.scanning import import_permits, import_power, scan_leads
from controllers.leads.scoring import Candidate
from controllers.leads.store import LeadKind
from controllers.units import unit_ids_by_names


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "leads",
        help="线索研判：异地转移、死灰复燃、类散乱污 / find relocations, relapses and quasi cases",
        description="比对企业清单和供电公司用电数据，找出已关停取缔、整合搬迁企业的异地转移、"
        "死灰复燃和类散乱污线索（已排除的线索除非出现新证据，不再列出）。",
    )
    leads_sub = p.add_subparsers(dest="leads_command", metavar="SUBCOMMAND", required=True)
    scan = leads_sub.add_parser(
        "scan",
        help="研判全部企业并列出待研判线索 / scan the register and list open candidates",
    )
    scan.add_argument(
        "--unit", metavar="NAME", help="只列出涉及该单位的线索 / only candidates of this unit"
    )
    scan.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    scan.set_defaults(handler=cmd_scan)
    power = leads_sub.add_parser(
        "import-power",
        help="导入供电公司用电数据并比对 / import a power-company list and match it",
    )
    power.add_argument("file", metavar="FILE", help=".xlsx / .xls / .csv")
    power.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    power.set_defaults(handler=cmd_import_power)
    permits = leads_sub.add_parser(
        "import-permits",
        help="导入排污许可（登记）名单并比对类散乱污 / import a permit list and match it",
        description="导入排污许可或排污登记名单（单位名称、统一社会信用代码、生产经营场所地址、"
        "行业类别、发证日期、许可证编号），找出已关停取缔企业原址或附近销号后新取得许可的同行业企业。",
    )
    permits.add_argument("file", metavar="FILE", help=".xlsx / .xls / .csv")
    permits.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    permits.set_defaults(handler=cmd_import_permits)


def _print(candidates: list[Candidate], as_json: bool) -> None:
    if as_json:
        print(json.dumps([c.as_json() for c in candidates], ensure_ascii=False, indent=1))
        return
    for c in candidates:
        if c.case_id:
            this = f"#{c.case_id}"
        elif c.permit_id:
            this = f"排污许可 {c.evidence[-1]['this']}"
        else:
            this = f"电力用户 {c.extra.get('premises', '')}"
        fields = "、".join(e["field"] for e in c.evidence)
        print(
            f"{c.score:.2f}  {LeadKind.label_of(c.kind)}  {this} ↔ #{c.other_case_id}  ({fields})"
        )


def cmd_scan(ctx: CommandContext) -> int:
    db = ctx.database()
    unit_id = None
    if ctx.args.unit:
        with db.session() as session:
            unit_id = unit_ids_by_names(session, [ctx.args.unit])[0]
    result = unit_of_work.run(db, ctx.actor, scan_leads).value
    shown = [c for c in result.open if unit_id is None or unit_id in (c.unit_id, c.other_unit_id)]
    _print(shown, ctx.args.json)
    if not ctx.args.json:
        print(f"待研判线索 {len(shown)} 条（新发现 {result.new}，因新证据重新提出 {result.reopened}）"
              f" / {len(shown)} open candidates")  # fmt: skip
    return 0


def _import_and_match(
    ctx: CommandContext,
    work: Callable,
    fields: Callable[[Any], dict[str, Any]],
    summary: Callable[[Any, int], str],
) -> int:
    """Import ``ctx.args.file`` with ``work`` (a leads import that also scans) and print what
    came of it: ``fields`` of the import and the open candidates as JSON, else the candidates
    and the ``summary`` line (of the import and the number of open candidates)."""
    actor = ctx.require_person()
    db = ctx.database()
    try:
        imported, result = unit_of_work.run(db, actor, work, ctx.args.file).value
    except FileNotFoundError:
        raise CliError(f"找不到文件 / no such file: {ctx.args.file}") from None
    if ctx.args.json:
        out = {**fields(imported), "candidates": [c.as_json() for c in result.open]}
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    _print(result.open, False)
    print(summary(imported, len(result.open)))
    return 0


def cmd_import_power(ctx: CommandContext) -> int:
    return _import_and_match(
        ctx, import_power,
        lambda imp: {"import_id": imp.import_id, "premises": imp.rows, "months": imp.months,
                     "unplaced": imp.unplaced},
        lambda imp, n: f"已导入 {imp.rows} 户用电数据（{len(imp.months)} 个月），"
        f"比对出待研判线索 {n} 条 / {imp.rows} premises imported",
    )  # fmt: skip


def cmd_import_permits(ctx: CommandContext) -> int:
    return _import_and_match(
        ctx, import_permits,
        lambda imp: {"file": imp.filename, "permits": imp.rows, "unplaced": imp.unplaced},
        lambda imp, n: f"已导入 {imp.rows} 家排污许可单位（{imp.unplaced} 家无法确定所属单位），"
        f"比对出待研判线索 {n} 条 / {imp.rows} permits imported",
    )  # fmt: skip
