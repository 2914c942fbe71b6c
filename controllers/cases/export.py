"""The register to .xlsx as a clerk expects it: the 动态整治清单 columns in published order,
a title row, a bold frozen header with an auto filter, sensible widths, real dates, and text
that looks like a formula kept as text. Written by xlsxwriter in constant-memory mode.

Decisions: 序号 is the running number of the exported row (what a printed list shows);
整治完成情况 holds the case's status, followed by its progress note when there is one
(e.g. "已销号：已完成“两断三清”，依法取缔"). After the published columns come 状态 (to filter
on), the close-out dates and approver, 清单批次, 类散乱污 and 反弹 (是 or blank). The sheet prints
on landscape A3 (or A4), one page wide, the title rows on every page, the filter in the header.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.cases.columns import COLUMNS_BY_KEY, REGISTER_COLUMNS, ColumnKind, RegisterColumn
from controllers.cases.filters import CaseFilter, apply_to_select
from controllers.cases.register_data import load_lookups
from controllers.cases.register_view import describe_filter
from controllers.cases.sql_days import EXCEL_EPOCH_OFFSET, NULL_INT, day_number
from controllers.errors import UserError
from controllers.permissions import Permission, require, scope_to_unit
from controllers.settings import CITY_NAME, get_setting
from models import Batch, Case, Unit
from models import codes as codes_module
from models.codes import CaseStatus, labels_of_codes

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
#: Excel's row limit, less the title, information and header rows
MAX_ROWS = 1_048_576 - 3
FIRST_DATA_ROW = 3
HEADER_ROW = 2
#: a cell starting with one of these would be read as a formula (or DDE) by a spreadsheet
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LAST = 2**30
CHUNK = 2000
#: what a column of the sheet holds (see _write_sheet)
_DATE, _TEXT, _PROGRESS, _CODES, _ROW_NO, _LOOKUP, _CODE, _FLAG = range(8)
#: yes/no columns, written as 是 or left blank (so a filter on 是 finds them)
FLAG_KEYS = ("is_quasi", "is_relapsed")
#: the published columns, then those a clerk filters or checks a close-out on
EXPORT_COLUMNS: tuple[RegisterColumn, ...] = REGISTER_COLUMNS + tuple(
    COLUMNS_BY_KEY[key]
    for key in ("status", "completed_on", "township_checked_on", "approved_by", "batch",
                "is_quasi", "is_relapsed")
)  # fmt: skip
#: paper sizes of Excel's page setup
PAPER_SIZES = {"A4": 9, "A3": 8}
#: the fetched row's positions of the columns read by id or code (see _text_exprs)
_POS_STATUS, _POS_CLASSIFICATION, _POS_SOURCE = 5, 6, 7


def _text_exprs() -> list:
    """The columns fetched per case, in a fixed order (see :func:`_row_cells`)."""
    exprs = [
        Case.id,
        Case.unit_id,
        Case.township_id,
        Case.industry_id,
        Case.batch_id,
        type_coerce(Case.status, String()),
        type_coerce(Case.classification, String()),
        type_coerce(Case.source, String()),
    ]
    for col in EXPORT_COLUMNS:
        if col.key in FLAG_KEYS:
            exprs.append(getattr(Case, col.key))
        elif col.kind == ColumnKind.DATE:
            exprs.append(func.coalesce(day_number(getattr(Case, col.key)), NULL_INT))
        elif col.kind in (ColumnKind.TEXT, ColumnKind.CODES):
            exprs.append(getattr(Case, col.key))
    return exprs


def _ordered_select(actor: Actor, case_filter: CaseFilter | None, today: dt.date):
    stmt = (
        select(*_text_exprs())
        .join(Unit, Unit.id == Case.unit_id)
        .outerjoin(Batch, Batch.id == Case.batch_id)
        .order_by(
            Unit.sort_order,
            Unit.id,
            func.coalesce(Batch.sort_order, _LAST),
            func.coalesce(Batch.id, _LAST),
            func.coalesce(Case.serial_no, _LAST),
            Case.id,
        )
    )
    stmt = scope_to_unit(stmt, actor, Case.unit_id)
    if case_filter is not None and not case_filter.is_empty():
        stmt = apply_to_select(stmt, case_filter, today)
    return stmt


def _rows_by_filter(session: Session, actor: Actor, case_filter: CaseFilter | None,
                    today: dt.date) -> Iterator[Sequence]:  # fmt: skip
    result = session.connection().execute(
        _ordered_select(actor, case_filter, today).execution_options(yield_per=CHUNK)
    )
    for part in result.partitions():
        yield from part


def _rows_by_ids(session: Session, actor: Actor, case_ids: Sequence[int]) -> Iterator[Sequence]:
    exprs = _text_exprs()
    for start in range(0, len(case_ids), CHUNK):
        part = [int(i) for i in case_ids[start : start + CHUNK]]
        stmt = scope_to_unit(select(*exprs).where(Case.id.in_(sorted(part))), actor, Case.unit_id)
        found = {row[0]: row for row in session.connection().execute(stmt)}
        for case_id in part:
            row = found.get(case_id)
            if row is not None:
                yield row


class _Writer:
    """Turns fetched rows into cells of the published columns."""

    def __init__(self, session: Session, actor: Actor) -> None:
        lookups = load_lookups(session, actor)
        self.units = lookups.units.names
        self.townships = lookups.townships.names
        self.industries = lookups.industries.names
        self.batches = lookups.batches.names
        self.status_labels = CaseStatus.labels()
        self.code_labels = {
            col.key: getattr(codes_module, col.enum).labels()
            for col in EXPORT_COLUMNS
            if col.kind == ColumnKind.CODE
        }
        self._codes_cache: dict[tuple[str, str], str] = {}

    def codes_text(self, col: RegisterColumn, stored: str | None) -> str | None:
        if not stored:
            return None
        key = (col.key, stored)
        text = self._codes_cache.get(key)
        if text is None:
            text = labels_of_codes(getattr(codes_module, col.enum), stored)
            self._codes_cache[key] = text
        return text or None


def _col_widths(col: RegisterColumn) -> float:
    return max(col.width * 1.15, len(col.header) * 2.1 + 2)


def export_cases(
    session: Session,
    actor: Actor,
    path: str | Path,
    *,
    case_ids: Sequence[int] | None = None,
    case_filter: CaseFilter | None = None,
    title: str | None = None,
    description: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    paper: str = "A3",
) -> int:
    """Write the cases (the listed ids in their order, or the filter's cases in register
    order) to ``path``; the file appears whole or not at all. Audited. Returns the row count."""
    import xlsxwriter

    require(actor, Permission.EXPORT)
    if paper not in PAPER_SIZES:
        raise UserError(f"纸张须为 {' 或 '.join(PAPER_SIZES)}：{paper}")
    today = today or dt.date.today()
    report = progress or (lambda _pct, _msg: None)
    dest = Path(path)
    if dest.suffix.lower() != ".xlsx":
        raise UserError(f"导出文件须以 .xlsx 结尾：{dest.name}")
    if not dest.parent.exists():
        raise UserError(f"文件夹不存在：{dest.parent}")
    if case_ids is not None:
        total = len(case_ids)
        rows = _rows_by_ids(session, actor, case_ids)
    else:
        count_stmt = scope_to_unit(select(func.count(Case.id)), actor, Case.unit_id)
        if case_filter is not None and not case_filter.is_empty():
            count_stmt = apply_to_select(count_stmt, case_filter, today)
        total = int(session.scalar(count_stmt) or 0)
        rows = _rows_by_filter(session, actor, case_filter, today)
    if total > MAX_ROWS:
        raise UserError(f"共 {total:,} 家，超过 Excel 一张工作表的行数上限，请先筛选后分批导出。")
    if description is None:
        description = describe_filter(case_filter or CaseFilter(), load_lookups(session, actor))
    city = get_setting(session, CITY_NAME) or ""
    title = title or f"{city}“散乱污”企业动态整治清单"
    writer = _Writer(session, actor)

    fd, tmp_name = tempfile.mkstemp(prefix=".rectify-export-", suffix=".xlsx", dir=dest.parent)
    os.close(fd)
    written = 0
    try:
        wb = xlsxwriter.Workbook(tmp_name, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})  # fmt: skip
        written = _write_sheet(wb, writer, rows, total, title, description, today, report)
        _page_setup(wb.worksheets()[0], description, paper)
        wb.close()
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    record(session, actor, "export", "case", None, detail={
        "file": dest.name, "rows": written,
        "filter": case_filter.to_json() if case_filter is not None else None,
        "selection": len(case_ids) if case_ids is not None else None,
    })  # fmt: skip
    report(100, f"已导出 {written:,} 家")
    logger.info("exported %d cases to %s", written, dest)
    return written


def _write_sheet(wb, writer: _Writer, rows, total: int, title: str, description: str,
                 today: dt.date, report: Progress) -> int:  # fmt: skip
    ws = wb.add_worksheet("动态整治清单")
    ncols = len(EXPORT_COLUMNS)
    title_fmt = wb.add_format({"bold": True, "font_size": 16, "align": "center",
                               "valign": "vcenter", "font_name": "宋体"})  # fmt: skip
    info_fmt = wb.add_format({"font_size": 10, "align": "left", "valign": "vcenter",
                              "font_color": "#444444"})  # fmt: skip
    header_fmt = wb.add_format({"bold": True, "align": "center", "valign": "vcenter",
                                "text_wrap": True, "border": 1, "bg_color": "#DDEBF7"})  # fmt: skip
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
    text_fmt = wb.add_format({"quote_prefix": True})  # shown and re-edited as text
    for i, col in enumerate(EXPORT_COLUMNS):
        ws.set_column(i, i, _col_widths(col))
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, ncols - 1, title, title_fmt)
    ws.merge_range(1, 0, 1, ncols - 1,
                   f"导出日期：{today.isoformat()}　筛选：{description}　共 {total:,} 家", info_fmt)  # fmt: skip
    ws.set_row(HEADER_ROW, 32)
    for i, col in enumerate(EXPORT_COLUMNS):
        ws.write_string(HEADER_ROW, i, col.header, header_fmt)
    ws.freeze_panes(FIRST_DATA_ROW, 0)

    # xlsxwriter's undecorated writers (what its own write_row uses): the public ones convert
    # A1 notation on every call, a tenth of the time at 200,000 rows.
    write_string = getattr(ws, "_write_string", ws.write_string)
    write_number = getattr(ws, "_write_number", ws.write_number)
    units, townships = writer.units, writer.townships
    industries, batches = writer.industries, writer.batches
    status_labels, code_labels = writer.status_labels, writer.code_labels
    control, formula_start = _CONTROL, FORMULA_START
    vocab = {ColumnKind.UNIT: (units, 1), ColumnKind.TOWNSHIP: (townships, 2),
             ColumnKind.INDUSTRY: (industries, 3), ColumnKind.BATCH: (batches, 4)}  # fmt: skip
    # (column index, what it holds, position in the fetched row, lookup table or column)
    plan: list[tuple[int, int, int, object]] = []
    pos = 8
    code_pos = {"status": _POS_STATUS, "classification": _POS_CLASSIFICATION,
                "source": _POS_SOURCE}  # fmt: skip
    for i, col in enumerate(EXPORT_COLUMNS):
        if col.key in FLAG_KEYS:
            plan.append((i, _FLAG, pos, None))
            pos += 1
        elif col.kind == ColumnKind.DATE:
            plan.append((i, _DATE, pos, None))
        elif col.kind == ColumnKind.TEXT:
            plan.append((i, _PROGRESS if col.key == "progress_note" else _TEXT, pos, None))
        elif col.kind == ColumnKind.CODES:
            plan.append((i, _CODES, pos, col))
        elif col.kind == ColumnKind.INT:
            plan.append((i, _ROW_NO, -1, None))
        elif col.kind == ColumnKind.CODE:
            plan.append((i, _CODE, code_pos[col.key], code_labels[col.key]))
        else:
            table, at = vocab[col.kind]
            plan.append((i, _LOOKUP, at, table))
        if col.key not in FLAG_KEYS and col.kind in (ColumnKind.DATE, ColumnKind.TEXT,
                                                     ColumnKind.CODES):  # fmt: skip
            pos += 1
    r = FIRST_DATA_ROW
    step = max(total // 50, 1000)
    for row in rows:
        for i, what, at, extra in plan:
            if what == _DATE:
                day = row[at]
                if day != NULL_INT:
                    write_number(r, i, day + EXCEL_EPOCH_OFFSET, date_fmt)
                continue
            if what == _TEXT:
                text = row[at]
            elif what == _FLAG:
                text = "是" if row[at] else None
            elif what == _LOOKUP:
                text = extra.get(row[at])
            elif what == _CODE:
                text = extra.get(row[at], row[at])  # an unknown code is shown as stored
            elif what == _ROW_NO:
                write_number(r, i, r - HEADER_ROW)
                continue
            elif what == _PROGRESS:
                label = status_labels.get(row[5], row[5] or "")
                text = f"{label}：{row[at]}" if row[at] else label
            else:
                text = writer.codes_text(extra, row[at])
            if not text:
                continue
            if control.search(text):
                text = control.sub("", text)
            if text.startswith(formula_start):
                write_string(r, i, text, text_fmt)
            else:
                write_string(r, i, text)
        r += 1
        if (r - FIRST_DATA_ROW) % step == 0:
            done = r - FIRST_DATA_ROW
            report(min(99, done * 100 // max(total, 1)), f"已写入 {done:,} / {total:,} 家")
    written = r - FIRST_DATA_ROW
    ws.autofilter(HEADER_ROW, 0, max(HEADER_ROW, r - 1), ncols - 1)
    return written


def _header_text(text: str) -> str:
    """Text for an Excel page header: "&" doubled, cut to fit the 255-character limit."""
    text = text.replace("&", "&&")
    return text if len(text) <= 180 else text[:179] + "…"


def _page_setup(ws, description: str, paper: str) -> None:
    """Print on landscape A3 (or A4), fit to the page width, the title and header rows
    on every page, the filter at the top of the page and the page number at the bottom."""
    ws.set_landscape()
    ws.set_paper(PAPER_SIZES[paper])
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.repeat_rows(0, HEADER_ROW)
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.set_header(f"&L&9筛选：{_header_text(description)}", {"margin": 0.3})
    ws.set_footer("&C&9第 &P 页，共 &N 页", {"margin": 0.3})
