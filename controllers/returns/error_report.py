"""The error report sent back to a unit: a copy of its workbook with each bad cell highlighted,
the message as the cell's comment, and a list of every error with links to the cells."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import ValidationError
from controllers.permissions import Permission, require
from controllers.returns.check import ReturnCheck
from controllers.returns.reader import open_return_file
from controllers.returns.rows import RowError

if TYPE_CHECKING:
    import openpyxl

LIST_SHEET = "错误清单"
WARNING_SHEET = "警告清单"
AUTHOR = "散乱污整治管理台"


def _open_copy(path: Path, check: ReturnCheck) -> openpyxl.Workbook:
    """The unit's own workbook (formatting kept) when openpyxl can open it, else a value copy."""
    import openpyxl  # imported on first need: the application starts without it

    suffix = Path(check.filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # unsupported extensions of the county's file
                return openpyxl.load_workbook(path, keep_vba=False, keep_links=False)
        except Exception:  # noqa: BLE001 (damaged for openpyxl but readable by calamine)
            pass
    return _value_copy(path, check)


def _value_copy(path: Path, check: ReturnCheck) -> openpyxl.Workbook:
    """A new workbook with the values of every sheet at the same cells (for .xls/.ods/.csv)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    book = open_return_file(path, check.filename)
    try:
        for sheet in book.sheets():
            ws = wb.create_sheet(sheet.name[:31])
            for r, row in enumerate(sheet.rows, start=sheet.first_row + 1):
                for c, value in enumerate(row, start=sheet.first_col + 1):
                    if value == "" or value is None:
                        continue
                    cell = ws.cell(
                        r, c, value if not isinstance(value, dt.timedelta | dt.time) else str(value)
                    )
                    if isinstance(value, dt.date):
                        cell.number_format = "yyyy-mm-dd"
    finally:
        book.close()
    return wb


def _anchor_column(check: ReturnCheck, sheet: str) -> int:
    """The column a row-wide error is shown in: the name column, else the first placed one."""
    for report in check.sheets:
        if report.name == sheet and report.columns:
            for col, _header, key in report.columns:
                if key == "name":
                    return col
            return report.columns[0][0]
    return 0


def _mark(wb: openpyxl.Workbook, check: ReturnCheck, problems: list[RowError], fill: Any,
          font: Any, skip: set[tuple[str, int, int]] | None = None) -> dict[tuple[str, int, int], str]:  # fmt: skip
    """Colour each cell with a problem and put the messages in its comment; the links to them."""
    from openpyxl.comments import Comment
    from openpyxl.utils import quote_sheetname

    by_cell: dict[tuple[str, int, int], list[RowError]] = defaultdict(list)
    for e in problems:
        col = e.col if e.col is not None else _anchor_column(check, e.sheet)
        by_cell[(e.sheet, e.row, col)].append(e)
    links: dict[tuple[str, int, int], str] = {}
    for (sheet, row, col), errs in by_cell.items():
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        cell = ws.cell(row, col + 1)
        links[(sheet, row, col)] = f"{quote_sheetname(ws.title)}!{cell.coordinate}"
        if skip and (sheet, row, col) in skip:
            continue  # an error of the same cell is shown already
        cell.fill = fill
        cell.font = font
        text = "\n".join(f"• {e.message}" for e in errs)
        comment = Comment(text, AUTHOR)
        comment.width = 320
        comment.height = 60 + 40 * len(errs)
        cell.comment = comment
    return links


def _write_list(ws: Any, check: ReturnCheck, problems: list[RowError],
                links: dict[tuple[str, int, int], str], title: str,
                what: str = "错误说明") -> None:  # fmt: skip
    """The list sheet, set up for printing on A4: fitted to the page width, messages wrapped,
    the title and header rows repeated on every page."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[1].height = 36
    ws.append(["工作表", "行号", "列", "单元格", what])
    for c in range(1, 6):
        ws.cell(2, c).font = Font(bold=True)
        ws.cell(2, c).fill = PatternFill("solid", fgColor="DDEBF7")
    top = Alignment(wrap_text=True, vertical="top")
    for e in problems:
        col = e.col if e.col is not None else _anchor_column(check, e.sheet)
        ref = f"{get_column_letter(col + 1)}{e.row}"
        ws.append([e.sheet, e.row, e.column, ref, e.message])
        r = ws.max_row
        for c in (1, 3, 5):
            ws.cell(r, c).alignment = top
        link = links.get((e.sheet, e.row, col))
        if link:
            target = ws.cell(r, 4)
            target.hyperlink = Hyperlink(ref=target.coordinate, location=link)
            target.font = Font(color="0563C1", underline="single")
    for letter, width in zip("ABCDE", (12, 6, 14, 8, 58), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:2"
    ws.print_area = f"A1:E{max(ws.max_row, 2)}"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def build_error_report(path: str | Path, check: ReturnCheck, *, title: str | None = None,
                       warning_title: str | None = None) -> bytes:  # fmt: skip
    """The annotated workbook as .xlsx bytes.

    ``check`` may be any object with a return check's ``filename``, ``unit_name``, ``sheets``
    (each with ``name`` and ``columns``), ``errors`` and ``warnings`` (the register import
    passes one per file, with its own titles)."""
    from openpyxl.styles import Font, PatternFill

    error_fill = PatternFill("solid", fgColor="FFC7CE")
    error_font = Font(color="9C0006", bold=True)
    warn_fill = PatternFill("solid", fgColor="FFEB9C")
    warn_font = Font(color="9C5700")
    if not check.errors:
        raise ValidationError("该文件没有错误，不需要错误报告。")
    wb = _open_copy(Path(path), check)
    links = _mark(wb, check, check.errors, error_fill, error_font)
    ws = wb.create_sheet(LIST_SHEET, 0)
    _write_list(ws, check, check.errors, links, title or
                f"{check.unit_name}上报文件“{check.filename}”的错误清单：共 {len(check.errors)} 处，"
                "请逐项改正后重新上报（点击“单元格”列可跳转到出错位置）")  # fmt: skip
    if check.warnings:
        warn_links = _mark(wb, check, check.warnings, warn_fill, warn_font, skip=set(links))
        ws2 = wb.create_sheet(WARNING_SHEET, 1)
        _write_list(ws2, check, check.warnings, warn_links, warning_title or
                    f"{check.unit_name}上报文件“{check.filename}”的警告：共 {len(check.warnings)} 处，"
                    "不影响通过，请核实（如行业名称请按行业目录填写）", "警告说明")  # fmt: skip
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_error_report(
    session: Session, actor: Actor, path: str | Path, check: ReturnCheck, target: str | Path
) -> Path:
    """Write the error report of a checked file to ``target`` (audited as an export)."""
    require(actor, Permission.EXPORT, check.unit_id)
    out = Path(target)
    out.write_bytes(build_error_report(path, check))
    record(session, actor, "export", "return_error_report", check.unit_id,
           detail={"file": check.filename, "errors": len(check.errors), "to": out.name})  # fmt: skip
    return out
