"""``summary [--json]``: the database at a glance."""

from __future__ import annotations

import argparse
import json

from cli.context import CommandContext
from controllers.summary import summary
from models.codes import CaseStatus, Classification


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="数据概况 / counts at a glance")
    p.add_argument("--json", action="store_true", help="输出 JSON / print one JSON object")
    p.set_defaults(handler=cmd_summary)


def cmd_summary(ctx: CommandContext) -> int:
    db = ctx.database()
    data = ctx.call(summary, ctx.actor)
    if ctx.args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    cases = data["cases"]
    print(f"数据库：{db.info.display}（结构版本 {data['schema_version']}）")
    print(f"责任单位 {data['units']} 个，企业 {cases['total']} 家")
    print("  按状态：" + "，".join(
        f"{CaseStatus.label_of(k)} {v}" for k, v in cases["by_status"].items()))  # fmt: skip
    print("  按整治类型：" + "，".join(
        f"{Classification.label_of(k)} {v}" for k, v in cases["by_classification"].items()))  # fmt: skip
    sc = data["spot_checks"]
    print(
        f"督导抽查：{sc['groups']} 个执法组，{sc['person_times']} 人次，"
        f"检查企业（点位）{sc['sites']} 个，发现新增 {sc['new_found']} 家"
    )
    return 0
