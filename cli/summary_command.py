"""``summary [--json]``: the database at a glance.

Without ``--user`` on a plain, up-to-date database the figures are read over a bare DB-API
connection (:mod:`models.direct`), so the command starts without SQLAlchemy or the models;
otherwise (a clerk signed in, a database to create or upgrade, a URL with options, any
failure) the ordinary path runs and reports as every command does.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from models.codes import CaseStatus, Classification

if TYPE_CHECKING:
    from cli.context import CommandContext


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="数据概况 / counts at a glance")
    p.add_argument("--json", action="store_true", help="输出 JSON / print one JSON object")
    p.set_defaults(handler=cmd_summary, quick=quick_summary)


def quick_summary(args: argparse.Namespace) -> int | None:
    """The figures over a plain connection; None when the ordinary path must run instead."""
    if getattr(args, "user", None):
        return None
    from controllers.quick_summary import quick_summary as plain_figures

    found = plain_figures(args.db)
    if found is None:
        return None
    data, display = found
    show(data, display, as_json=args.json)
    return 0


def cmd_summary(ctx: CommandContext) -> int:
    from controllers.summary import summary

    db = ctx.database()
    data = ctx.call(summary, ctx.actor)
    show(data, db.info.display, as_json=ctx.args.json)
    return 0


def show(data: dict[str, Any], display: str, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    cases = data["cases"]
    print(f"数据库：{display}（结构版本 {data['schema_version']}）")
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
