"""A titled table written to .xlsx: title row, info row, bold frozen header, autofilter,
real dates, text never read as a formula; the file appears whole or not at all."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from controllers.errors import UserError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEADER_ROW = 2


def check_target(path: str | Path) -> Path:
    """The destination, refused unless it ends in .xlsx and its folder exists."""
    dest = Path(path)
    if dest.suffix.lower() != ".xlsx":
        raise UserError(f"导出文件须以 .xlsx 结尾：{dest.name}")
    if not dest.parent.exists():
        raise UserError(f"文件夹不存在：{dest.parent}")
    return dest


def write_table(
    path: str | Path,
    sheet: str,
    title: str,
    info: str,
    headers: Sequence[tuple[str, float]],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Write ``rows`` under ``headers`` ((text, width) pairs). Returns the row count."""
    import xlsxwriter

    dest = check_target(path)
    fd, tmp = tempfile.mkstemp(prefix=".rectify-export-", suffix=".xlsx", dir=dest.parent)
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_formulas": False, "strings_to_numbers": False,
                                       "strings_to_urls": False})  # fmt: skip
        ws = wb.add_worksheet(sheet)
        title_fmt = wb.add_format({"bold": True, "font_size": 16, "align": "center",
                                   "valign": "vcenter", "font_name": "宋体"})  # fmt: skip
        info_fmt = wb.add_format({"font_size": 10, "font_color": "#444444"})
        head_fmt = wb.add_format({"bold": True, "align": "center", "valign": "vcenter",
                                  "text_wrap": True, "border": 1, "bg_color": "#DDEBF7"})  # fmt: skip
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd", "align": "left"})
        text_fmt = wb.add_format({"quote_prefix": True})
        last = len(headers) - 1
        ws.set_row(0, 30)
        ws.merge_range(0, 0, 0, last, title, title_fmt)
        ws.merge_range(1, 0, 1, last, info, info_fmt)
        for i, (text, width) in enumerate(headers):
            ws.set_column(i, i, width)
            ws.write_string(HEADER_ROW, i, text, head_fmt)
        ws.freeze_panes(HEADER_ROW + 1, 0)
        r = HEADER_ROW + 1
        for row in rows:
            for i, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    ws.write_datetime(r, i, dt.datetime.combine(value, dt.time()), date_fmt)
                elif isinstance(value, bool):
                    ws.write_string(r, i, "是" if value else "否")
                elif isinstance(value, int | float):
                    ws.write_number(r, i, value)
                else:
                    text = _CONTROL.sub("", str(value))
                    if text.startswith(FORMULA_START):
                        ws.write_string(r, i, text, text_fmt)
                    else:
                        ws.write_string(r, i, text)
            r += 1
        ws.autofilter(HEADER_ROW, 0, max(HEADER_ROW, r - 1), last)
        wb.close()
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return r - HEADER_ROW - 1
