"""``import-register FILE... [--batch NAME] [--dry-run] [--errors-out PATH] [--json]``: the
office's existing registers (master workbooks with a 县（市、区） column, several files, or
per-unit files). Exit 0 when valid (and loaded, unless ``--dry-run``), 1 when rows have errors
(nothing written; ``--errors-out`` writes each file with errors as an annotated copy), 2 when
a file cannot be read — as ``import-return``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cli.context import CommandContext
from cli.errors import CliError
from controllers.errors import UserError
from controllers.onboarding.register_errors import export_register_errors
from controllers.onboarding.register_import import check_register, load_register
from controllers.returns.reader import UnreadableFile

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-register",
        help="导入本单位已有的整治清单（总表或分单位文件）/ load existing registers",
        description="先核对全部文件（按单位、状态统计，列出错误、警告、需新建的乡镇和重复行），"
        "没有错误时一次性写入（全部或全不）。退出码：0 有效（已导入），1 有错误，2 无法读取。",
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help=".xlsx / .xls / .ods / .csv（可多个），或分单位文件所在的文件夹")  # fmt: skip
    p.add_argument(
        "--batch", metavar="NAME", help="清单批次（如 2024年清单；默认取自工作表或文件名）"
    )
    p.add_argument("--dry-run", action="store_true", help="只核对，不写入 / check only")
    p.add_argument(
        "--skip-existing",
        action="store_true",
        help="跳过台账中已有的企业（默认是错误）/ leave out rows the register already holds",
    )
    p.add_argument(
        "--errors-out",
        metavar="PATH",
        help="有错误时写出错误标注的工作簿：一个 .xlsx 文件，或一个文件夹（每个有错误的文件一份）"
        " / write the annotated error workbooks (an .xlsx file, or a folder)",
    )
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象 / print one JSON object")
    p.set_defaults(handler=cmd_import_register)


def _emit(json_mode: bool, payload: dict[str, Any], lines: list[str]) -> None:
    if json_mode:
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        for line in lines:
            print(line)


def cmd_import_register(ctx: CommandContext) -> int:
    args = ctx.args
    paths = [Path(f) for f in args.files]
    for p in paths:
        if not p.exists():
            raise CliError(f"找不到文件 / file not found: {p}", EXIT_UNREADABLE)
    actor = ctx.require_person()
    db = ctx.database()
    empty = {"status": "unreadable", "rows_valid": 0, "by_unit": {}, "by_status": {},
             "errors": [], "warnings": [], "new_townships": {}, "loaded": 0}  # fmt: skip
    with db.session() as session:
        try:
            check = check_register(session, actor, paths, args.batch,
                                   skip_existing=args.skip_existing)  # fmt: skip
        except UnreadableFile as exc:
            if args.json:
                _emit(True, {**empty, "message": str(exc)}, [])
                return EXIT_UNREADABLE
            raise CliError(str(exc), EXIT_UNREADABLE) from None
        except UserError as exc:
            raise CliError(str(exc), EXIT_UNREADABLE) from None
        lines = [f"读取 {len(check.files)} 个文件，{len(check.rows):,} 行"]
        lines += [f"  {u}：{n:,} 家" for u, n in check.by_unit().items()]
        lines.append("  按状态：" + "，".join(f"{s} {n:,}" for s, n in check.by_status().items()))
        lines += [f"警告：{w}" for w in check.warnings]
        for unit, towns in check.new_townships.items():
            lines.append(f"将新建乡镇（{unit}）：" + "、".join(towns))
        if check.existing and not args.skip_existing:
            lines.append(f"{check.existing:,} 行的企业已在台账中（可用 --skip-existing 跳过）")
        if not check.valid:
            lines.append(f"有 {len(check.errors):,} 处错误，未导入：")
            lines += [f"{f}：{e.text()}" for f, e in
                      list(zip(check.error_files, check.errors, strict=True))[:200]]  # fmt: skip
            payload = check.as_dict()
            if not args.errors_out:
                lines.append("（加 --errors-out 文件夹 可写出标出错误的清单副本）")
            if args.errors_out:
                session.rollback()
                try:
                    written = ctx.run(export_register_errors, check, args.errors_out)
                except OSError as exc:
                    raise CliError(
                        f"无法写入错误报告 / cannot write: {exc}", EXIT_UNREADABLE
                    ) from None
                lines += [f"错误报告已保存：{p}" for p in written]
                payload["error_reports"] = [str(p) for p in written]
            _emit(args.json, payload, lines)
            return EXIT_INVALID
        if args.dry_run:
            lines.append("核对通过（--dry-run：未写入）。")
            _emit(args.json, check.as_dict(), lines)
            return EXIT_VALID
        session.rollback()  # the check only read; the load runs in its own transaction
    from controllers import unit_of_work

    outcome = unit_of_work.run(db, actor, load_register, check)
    lines.append(f"已导入 {outcome.value:,} 家企业。")
    _emit(args.json, check.as_dict(loaded=outcome.value), lines)
    return EXIT_VALID
