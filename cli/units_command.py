"""``units import FILE [--replace-unused] [--json]`` and ``units list [--json]``: the office's
own units and townships. ``import`` exits 0 when loaded, 1 when the list has errors (nothing
written), 2 when the file cannot be read — as ``import-return``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cli.context import CommandContext
from cli.errors import CliError
from controllers import unit_of_work
from controllers.returns.reader import UnreadableFile
from controllers.units.list_file import read_unit_list
from controllers.units.list_import import import_units
from controllers.units.records import list_units

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("units", help="责任单位与乡镇 / units and townships (import, list)")
    us = p.add_subparsers(dest="units_command", metavar="{import,list}", required=True)
    imp = us.add_parser(
        "import",
        help="从 Excel/CSV 导入单位名单（单位, 简称, 代码, 类型, 乡镇）/ load a unit list",
        description="每个乡镇一行，或在“乡镇”列中用“、”分隔。退出码：0 已导入，1 有错误，2 无法读取。",
    )
    imp.add_argument("file", metavar="FILE", help=".xlsx / .xls / .ods / .csv")
    imp.add_argument(
        "--replace-unused",
        action="store_true",
        help="移除名单中没有、且没有任何数据的单位和乡镇 / drop units and townships holding no data",
    )
    imp.add_argument(
        "--json", action="store_true", help="输出一个 JSON 对象 / print one JSON object"
    )
    imp.set_defaults(handler=cmd_import)
    ls = us.add_parser("list", help="列出责任单位及其乡镇 / list units and townships")
    ls.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    ls.set_defaults(handler=cmd_list)


def cmd_import(ctx: CommandContext) -> int:
    args = ctx.args
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"找不到文件 / file not found: {path}", EXIT_UNREADABLE)
    payload: dict[str, Any] = {"status": "unreadable", "message": "", "units": 0, "errors": []}
    try:
        parsed = read_unit_list(path)
    except UnreadableFile as exc:
        if args.json:
            payload["message"] = str(exc)
            print(json.dumps(payload, ensure_ascii=False))
            return EXIT_UNREADABLE
        raise CliError(str(exc), EXIT_UNREADABLE) from None
    payload.update(units=len(parsed.units), errors=[e.as_dict() for e in parsed.errors],
                   townships=sum(len(u.townships) for u in parsed.units))  # fmt: skip
    if not parsed.valid:
        payload.update(
            status="invalid", message=f"单位名单有 {len(parsed.errors)} 处错误，未导入。"
        )
        if args.json:
            print(json.dumps(payload, ensure_ascii=False))
        else:
            print(payload["message"])
            for e in parsed.errors:
                print(e.text() if e.row else f"{e.column}：{e.message}")
        return EXIT_INVALID
    actor = ctx.require_person()
    outcome = unit_of_work.run(ctx.database(), actor, import_units, parsed.units,
                               args.replace_unused)  # fmt: skip
    result = outcome.value
    payload.update(status="loaded", message=result.summary(), **result.as_dict())
    if args.json:
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(f"{parsed.filename}：{result.summary()}")
    return EXIT_VALID


def cmd_list(ctx: CommandContext) -> int:
    db = ctx.database()
    with db.session() as session:
        rows = list_units(session, ctx.actor)
    if ctx.args.json:
        data = [
            {"id": u.id, "order": u.sort_order, "name": u.name, "short_name": u.short_name,
             "code": u.code, "kind": u.kind.label, "head_name": u.head_name,
             "counterparty": u.counterparty,
             "active": u.active, "cases": u.cases,
             "townships": [{"name": t.name, "active": t.active, "cases": t.cases}
                           for t in u.townships]}
            for u in rows
        ]  # fmt: skip
        print(json.dumps(data, ensure_ascii=False))
        return 0
    if not rows:
        print("还没有责任单位。用 units import 名单.xlsx 导入，或在“系统设置 → 责任单位”中添加。")
        return 0
    for u in rows:
        state = "" if u.active else "（已停用）"
        towns = "、".join(t.name + ("" if t.active else "（停用）") for t in u.townships)
        party = f"  乙方 {u.counterparty}" if u.counterparty else ""
        print(f"{u.sort_order:>3} {u.name}{state}  简称 {u.short_name}  代码 {u.code}  "
              f"{u.kind.label}{party}  企业 {u.cases} 家  乡镇 {len(u.townships)} 个："
              f"{towns or '—'}")  # fmt: skip
    return 0
