"""``import-return FILE --unit NAME [--stage STAGE] [--accept] [--send-back] [--json]
[--errors-out X.xlsx]``.

Exit 0 when the file is valid (and accepted, if asked), 1 when it has row-level errors (or
cannot be accepted), 2 when it cannot be read. Nothing is written to the database unless it
exits 0 with ``--accept``, or the file has errors and ``--send-back`` logs it as 退回 (with the
error workbook attached; still exit 1). ``--json`` lists ``warnings`` beside ``errors``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cli.context import CommandContext
from cli.errors import CliError
from controllers.errors import UserError
from controllers.returns.check import ReturnCheck, check_return
from controllers.returns.error_report import build_error_report
from controllers.returns.importing import (
    UncertainMatches,
    import_return,
    import_target,
    settle_uncertain,
)
from controllers.returns.merge_record import accept_preview
from controllers.returns.reader import UnreadableFile
from controllers.returns.send_back import log_and_send_back
from controllers.unit_of_work import run
from models.codes import CaseStatus

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import-return",
        help="核对（并可通过）县区上报文件 / check (and accept) a unit's return",
        description="核对县区上报的清单文件；加 --accept 时在没有错误的情况下一次性并入台账。"
        "退出码：0 有效（已通过），1 有错误，2 无法读取。",
    )
    p.add_argument("file", metavar="FILE", help=".xlsx / .xlsm / .xls / .ods / .csv")
    p.add_argument("--unit", required=True, metavar="NAME", help="责任单位（全称、简称或代码）")
    p.add_argument("--stage", metavar="STAGE", help="专项行动阶段（如 全面自查，或阶段编号）")
    p.add_argument("--accept", action="store_true", help="没有错误时登记并审核通过 / accept")
    p.add_argument(
        "--uncertain",
        choices=("refuse", "match", "new"),
        default="refuse",
        help="匹配不确定的行：refuse 不通过（默认）、match 视为同一企业、new 视为新企业",
    )
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象 / print one JSON object")
    p.add_argument("--errors-out", metavar="ANNOTATED.xlsx", help="有错误时写出标注错误的工作簿")
    p.add_argument(
        "--send-back",
        action="store_true",
        help="有错误时登记并退回：保存上报文件和错误报告，状态为“退回” / log as sent back",
    )
    p.set_defaults(handler=cmd_import_return)


def _diff_json(check: ReturnCheck) -> dict[str, list[dict[str, Any]]]:
    diff = check.diff
    if diff is None:
        return {"new": [], "changed": [], "missing": [], "uncertain": []}

    def where(i: int) -> dict[str, Any]:
        row = check.rows[i]
        return {"sheet": check.sheet_of(row), "row": row.row, "name": row.label(),
                "address": row.get("address")}  # fmt: skip

    return {
        "new": [where(i) for i in diff.new],
        "changed": [
            {**where(m.row), "case_id": m.case_id,
             "changes": {c.key: [c.old_text, c.new_text] for c in m.changes}}
            for m in diff.changed
        ],
        "missing": [
            {"case_id": m.case_id, "name": m.label, "address": m.address, "status": m.status}
            for m in diff.missing
        ],
        "uncertain": [
            {**where(m.row), "case_id": m.case_id, "case": m.case_label, "reason": m.reason}
            for m in diff.uncertain
        ],
    }  # fmt: skip


def _emit(args: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        for line in lines:
            print(line)


def cmd_import_return(ctx: CommandContext) -> int:
    args = ctx.args
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"找不到文件 / file not found: {path}", EXIT_UNREADABLE)
    payload: dict[str, Any] = {"status": "unreadable", "message": "", "rows_valid": 0, "errors": [],
                               "warnings": [],
                               "diff": {"new": [], "changed": [], "missing": [], "uncertain": []},
                               "accepted": False}  # fmt: skip
    try:
        target = ctx.call(import_target, args.unit, args.stage)
    except UserError as exc:
        raise CliError(str(exc), EXIT_UNREADABLE) from None
    try:
        check = ctx.call(check_return, ctx.actor, path, target.unit_id, target.stage_id)
    except UnreadableFile as exc:
        payload["message"] = str(exc)
        if args.json:
            _emit(args, payload, [])
            return EXIT_UNREADABLE
        raise CliError(str(exc), EXIT_UNREADABLE) from None
    payload.update(
        status=check.status, message=check.message(), rows_valid=check.rows_valid,
        errors=[e.as_dict() for e in check.errors], diff=_diff_json(check),
        warnings=[w.as_dict() for w in check.warnings],
        skipped_sheets=[{"sheet": s.name, "reason": s.reason} for s in check.skipped_sheets],
        unplaced_columns=[{"sheet": u.sheet, "header": u.header} for u in check.unplaced],
        new_townships=check.new_townships, unit=target.unit_name,
    )  # fmt: skip
    lines = [f"{target.unit_name}：{check.filename}", check.message()]
    lines += [e.text() for e in check.errors[:200]]
    lines += [f"警告：{w.text()}" for w in check.warnings[:100]]
    if len(check.errors) > 200:
        lines.append(
            f"……另有 {len(check.errors) - 200} 处错误（用 --json 或 --errors-out 查看全部）"
        )
    if not check.valid:
        report = None
        if args.send_back:
            try:
                sent = run(ctx.database(), ctx.require_person(), log_and_send_back, check,
                           path).value  # fmt: skip
            except UserError as exc:
                raise CliError(str(exc), EXIT_INVALID) from None
            report = sent.report
            lines.append(sent.message())
            payload.update(sent_back=True, return_id=sent.return_id,
                           version=sent.version_no, reasons=sent.reasons)  # fmt: skip
        if args.errors_out:
            Path(args.errors_out).write_bytes(report or build_error_report(path, check))
            lines.append(f"已写出错误报告：{args.errors_out}")
            payload["errors_out"] = str(args.errors_out)
        _emit(args, payload, lines)
        return EXIT_INVALID
    lines += _diff_lines(check)
    if not args.accept:
        _emit(args, payload, lines)
        return EXIT_VALID
    try:
        decisions = settle_uncertain(check, uncertain=args.uncertain)
    except UncertainMatches as exc:
        payload["message"] = str(exc)
        _emit(args, payload, [*lines, payload["message"]])
        return EXIT_INVALID
    payload["merge"] = accept_preview(check, decisions).summary()
    lines.append(f"将并入台账：{payload['merge']}")
    ctx.require_person()
    try:
        imported = ctx.run(import_return, path, target.unit_id, target.stage_id, accept=True,
                           uncertain=args.uncertain, check=check)  # fmt: skip
    except UserError as exc:
        payload["message"] = str(exc)
        _emit(args, payload, [*lines, f"未通过：{exc}"])
        return EXIT_INVALID
    result = imported.accepted
    assert result is not None
    payload.update(accepted=True, message=result.message(), return_id=imported.return_id,
                   created=result.created, updated=result.updated)  # fmt: skip
    _emit(args, payload, [*lines, result.message()])
    return EXIT_VALID


def _diff_lines(check: ReturnCheck) -> list[str]:
    diff = check.diff
    if diff is None:
        return []
    out = []
    for m in diff.changed[:50]:
        row = check.rows[m.row]
        changes = "；".join(
            f"{c.header}：{c.old_text or '（空）'} → {c.new_text}" for c in m.changes
        )
        out.append(f"  变更 第 {row.row} 行 {m.case_label}：{changes}")
    for m in diff.uncertain[:50]:
        out.append(
            f"  待确认 第 {check.rows[m.row].row} 行 {check.rows[m.row].label()} ≈ 台账 #{m.case_id} {m.case_label}（{m.reason}）"
        )
    for m in diff.missing[:50]:
        out.append(
            f"  上报中没有：#{m.case_id} {m.label}（{m.status or CaseStatus.PENDING.label}）"
        )
    return out
