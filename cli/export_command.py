"""``export cases OUT.xlsx [--unit NAME] [--status CODE]``: the register to Excel, headless."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.context import CommandContext
from cli.errors import CliError
from controllers.cases.export import export_cases
from controllers.cases.filters import CaseFilter
from controllers.units import unit_ids_by_names
from models.codes import CaseStatus


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="导出 Excel / export to Excel (cases)")
    esub = p.add_subparsers(dest="export_command", metavar="{cases}", required=True)
    cases = esub.add_parser(
        "cases",
        help="导出企业清单（动态整治清单格式）/ the register as the published list",
        description="按动态整治清单的列顺序导出企业清单 / export the register in the published "
        "column order",
    )
    cases.add_argument("out", metavar="OUT.xlsx", help="输出文件 / output workbook")
    cases.add_argument("--unit", action="append", metavar="NAME",
                       help="县（市、区）名称、简称或代码，可重复 / unit name, short name or code, repeatable")  # fmt: skip
    statuses = "、".join(f"{s.value}（{s.label}）" for s in CaseStatus)
    cases.add_argument("--status", action="append", metavar="CODE",
                       help=f"状态，可重复或用逗号分隔 / status, repeatable: {statuses}")  # fmt: skip
    cases.set_defaults(handler=cmd_export_cases)


def _statuses(values: list[str]) -> frozenset[str]:
    out: set[str] = set()
    for value in values:
        for part in value.replace("，", ",").split(","):
            if not part.strip():
                continue
            status = CaseStatus.parse(part)
            if status is None:
                known = "、".join(f"{s.value}（{s.label}）" for s in CaseStatus)
                raise CliError(
                    f"无法识别的状态“{part.strip()}”/ unknown status. 可选 / known: {known}"
                )
            out.add(status.value)
    return frozenset(out)


def cmd_export_cases(ctx: CommandContext) -> int:
    out = Path(ctx.args.out).expanduser()
    case_filter = CaseFilter(
        unit_ids=frozenset(ctx.call(unit_ids_by_names, ctx.args.unit or [])),
        statuses=_statuses(ctx.args.status or []),
    )
    count = ctx.call(export_cases, ctx.require_person(), out, case_filter=case_filter)
    print(f"已导出 {count:,} 家企业到 {out} / exported {count} cases")
    return 0
