"""The annotated error workbooks of a register import: for every file with errors, a copy of
it with each bad cell highlighted and its message as a comment, and a list of every error
with links to the cells — the county return's error report, one per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import AuditAction, AuditObject
from controllers.audit.trail import record
from controllers.errors import ValidationError
from controllers.onboarding.register_import import RegisterCheck
from controllers.permissions import Permission, require
from controllers.returns.error_report import build_error_report
from controllers.returns.rows import RowError

SUFFIX = "（错误标注）.xlsx"


@dataclass
class _Sheet:
    name: str
    columns: list[tuple[int, str, str]]


@dataclass
class FileErrors:
    """One file's errors and warnings, shaped as the error report reads a return check."""

    filename: str
    path: Path
    sheets: list[_Sheet] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    unit_name: str = ""


def files_with_errors(check: RegisterCheck) -> list[FileErrors]:
    """The files of a check that have errors, in the order they were chosen."""
    out: dict[str, FileErrors] = {}
    for name, path in zip(check.files, check.paths, strict=True):
        out.setdefault(name, FileErrors(name, path))
    for (name, sheet), columns in check.sheet_columns.items():
        out[name].sheets.append(_Sheet(sheet, columns))
    for name, error in zip(check.error_files, check.errors, strict=True):
        out[name].errors.append(error)
    for name, warning in check.row_warnings:
        out[name].warnings.append(warning)
    return [f for f in out.values() if f.errors]


def report_bytes(item: FileErrors) -> bytes:
    title = (f"清单文件“{item.filename}”的错误清单：共 {len(item.errors)} 处，整个清单未导入。"
             "请逐项改正后重新导入（点击“单元格”列可跳转到出错位置）")  # fmt: skip
    warning_title = (f"清单文件“{item.filename}”的警告：共 {len(item.warnings)} 处，"
                     "不影响导入，请核实（如行业名称请按行业目录填写）")  # fmt: skip
    return build_error_report(item.path, item, title=title, warning_title=warning_title)  # type: ignore[arg-type]


def report_targets(check: RegisterCheck, target: str | Path) -> list[tuple[FileErrors, Path]]:
    """Where each file's report goes: ``target`` itself when it names one .xlsx file and one
    file has errors; otherwise a folder holding ``原文件名（错误标注）.xlsx`` per file (an
    .xlsx target with several files gives ``target名-原文件名.xlsx`` beside it)."""
    items = files_with_errors(check)
    out = Path(target)
    if out.suffix.lower() == ".xlsx":
        if len(items) == 1:
            return [(items[0], out)]
        return [(i, out.with_name(f"{out.stem}-{Path(i.filename).stem}.xlsx")) for i in items]
    return [(i, out / f"{Path(i.filename).stem}{SUFFIX}") for i in items]


def export_register_errors(
    session: Session, actor: Actor, check: RegisterCheck, target: str | Path
) -> list[Path]:
    """Write the annotated copy of every file with errors (audited as an export)."""
    require(actor, Permission.MANAGE_UNITS)
    targets = report_targets(check, target)
    if not targets:
        raise ValidationError("清单没有错误，不需要错误报告。")
    written: list[Path] = []
    for item, path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(report_bytes(item))
        written.append(path)
    # the return error report's object type: a PostgreSQL guard installed by an earlier
    # version (user db-roles) accepts only the object types it knew
    record(session, actor, AuditAction.EXPORT, AuditObject.RETURN_ERROR_REPORT, None,
           detail={"register_import": True, "files": [i.filename for i, _ in targets],
                   "errors": len(check.errors), "to": [p.name for p in written]})  # fmt: skip
    return written
