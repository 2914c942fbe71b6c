"""Read a unit list from Excel or CSV: ``单位, 简称, 代码, 类型, 乡镇`` (optional 负责人 —
the 主要负责同志 — and 乙方, the letters' counterparty).

One row per township (the unit's columns repeated), or the townships of a unit in one cell
separated by 、，,;； — or both. Problems come back as the same row errors a return gives
(sheet, Excel row, column, message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controllers.returns.normalise import fold, is_blank, to_text
from controllers.returns.reader import open_return_file
from controllers.returns.rows import RowError
from controllers.units.records import UnitInput
from models.codes import UnitKind

#: header synonyms of each column
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("单位", "单位名称", "责任单位", "县(市、区)", "县(市,区)", "县市区", "名称"),
    "short_name": ("简称", "单位简称"),
    "code": ("代码", "单位代码", "编码", "编号"),
    "kind": ("类型", "类别", "单位类型"),
    "head_name": ("主要负责同志", "负责人", "政府主要负责人", "主要负责人"),
    "counterparty": ("乙方", "承诺书乙方", "乙方单位", "责任书乙方", "乙方名称"),
    "townships": ("乡镇", "乡镇(街道)", "乡镇街道", "乡镇(街道、园区)"),
}
LABELS = {"name": "单位", "short_name": "简称", "code": "代码", "kind": "类型",
          "head_name": "主要负责同志", "counterparty": "乙方", "townships": "乡镇"}  # fmt: skip
#: characters each column holds (the database's limits)
LIMITS = {"name": 60, "short_name": 30, "code": 40, "head_name": 40, "counterparty": 80}
SEPARATORS = re.compile(r"[、，,;；/\n]+")
HEADER_SEARCH_ROWS = 10


@dataclass
class UnitList:
    """What a unit list file says: its units in file order, and every problem found."""

    filename: str
    units: list[UnitInput] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and bool(self.units)


def _header_key(value: Any) -> str | None:
    text = (to_text(value) or "").replace(" ", "")
    for key, names in HEADERS.items():
        if text in names:
            return key
    return None


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        placed: dict[str, int] = {}
        for col, value in enumerate(row):
            key = _header_key(value)
            if key is not None and key not in placed:
                placed[key] = col
        if "name" in placed:
            return i, placed
    return None


def read_unit_list(path: str | Path, filename: str | None = None) -> UnitList:
    """Parse a unit list; raises :class:`controllers.returns.reader.UnreadableFile`."""
    book = open_return_file(path, filename)
    result = UnitList(book.filename)
    by_name: dict[str, UnitInput] = {}
    first_row: dict[str, tuple[str, int]] = {}
    try:
        found_header = False
        for sheet in book.sheets():
            rows = [list(r) for r in sheet.rows]
            header = _find_header(rows)
            if header is None:
                continue
            found_header = True
            _read_sheet(result, by_name, first_row, sheet.name, sheet.first_row, rows, header)
        if not found_header:
            result.errors.append(RowError(
                book.sheet_names()[0] if book.sheet_names() else "", 1, "",
                "找不到表头：第一行（或标题下的一行）应有“单位”列，以及“简称、代码、类型、乡镇”等列。",
            ))  # fmt: skip
    finally:
        book.close()
    _check_codes(result)
    return result


def read_pasted_units(text: str) -> UnitList:
    """A unit list pasted from Excel (tab-separated) or typed one unit a line.

    With a header row (a cell 单位) the columns are placed by it; without one the columns
    are taken as 单位, 简称, 代码, 类型, 乡镇.
    """
    result = UnitList("粘贴的名单")
    rows: list[list[Any]] = [line.split("\t") for line in text.splitlines()]
    header = _find_header(rows)
    if header is None:
        rows = [["单位", "简称", "代码", "类型", "乡镇"], *rows]
        header = (0, {"name": 0, "short_name": 1, "code": 2, "kind": 3, "townships": 4})
        first = -1  # the added header row is not one of the clerk's lines
    else:
        first = 0
    _read_sheet(result, {}, {}, "粘贴", first, rows, header)
    _check_codes(result)
    return result


def _read_sheet(
    result: UnitList,
    by_name: dict[str, UnitInput],
    first_row: dict[str, tuple[str, int]],
    sheet_name: str,
    sheet_first_row: int,
    rows: list[list[Any]],
    header: tuple[int, dict[str, int]],
) -> None:
    head_at, cols = header
    headers = rows[head_at]

    def cell(row: list[Any], key: str) -> str | None:
        col = cols.get(key)
        return None if col is None or col >= len(row) else to_text(row[col])

    def error(excel_row: int, key: str, message: str) -> None:
        col = cols.get(key)
        header_text = to_text(headers[col]) if col is not None and col < len(headers) else ""
        result.errors.append(RowError(sheet_name, excel_row, header_text or "", message, col))

    for offset, row in enumerate(rows[head_at + 1 :], start=head_at + 1):
        if is_blank(row):
            continue
        excel_row = sheet_first_row + offset + 1
        name = cell(row, "name")
        if not name:
            error(excel_row, "name", "单位名称为空。")
            continue
        if name in ("合计", "总计", "小计"):
            continue
        too_long = [k for k, n in LIMITS.items() if len(cell(row, k) or "") > n]
        for key in too_long:
            error(excel_row, key, f"{LABELS[key]}“{(cell(row, key) or '')[:20]}…”超过 "
                                  f"{LIMITS[key]} 个字。")  # fmt: skip
        if too_long:
            continue
        kind_text = cell(row, "kind")
        kind = UnitKind.parse(kind_text) if kind_text else None
        if kind_text and kind is None:
            error(excel_row, "kind",
                  f"类型“{kind_text}”无法识别，应为 县、市、区 或 园区（新区、开发区）。")  # fmt: skip
            continue
        towns = [fold(t) for t in SEPARATORS.split(cell(row, "townships") or "") if t.strip()]
        unit = by_name.get(name)
        if unit is None:
            unit = UnitInput(
                name=name,
                short_name=cell(row, "short_name") or "",
                code=cell(row, "code") or "",
                kind=kind or _guess_kind(name),
                head_name=cell(row, "head_name"),
                sort_order=len(by_name) + 1,
                counterparty=cell(row, "counterparty"),
            )
            by_name[name] = unit
            first_row[name] = (sheet_name, excel_row)
            result.units.append(unit)
        else:
            for key in ("short_name", "code", "head_name", "counterparty"):
                text = cell(row, key)
                if text and getattr(unit, key) and text != getattr(unit, key):
                    where = first_row[name][1]
                    error(excel_row, key, f"{name}的{LABELS[key]}“{text}”与第 {where} 行的"
                                          f"“{getattr(unit, key)}”不一致。")  # fmt: skip
                elif text:
                    setattr(unit, key, text)
            if kind is not None:
                unit.kind = kind
        for town in towns:
            if len(town) > 60:
                error(excel_row, "townships", f"乡镇名称“{town[:20]}…”超过 60 个字。")
            elif town not in unit.townships:
                unit.townships.append(town)


def _guess_kind(name: str) -> UnitKind:
    if name.endswith(("园区", "新区")):
        return UnitKind.PARK
    for suffix, kind in (("区", UnitKind.DISTRICT), ("县", UnitKind.COUNTY), ("市", UnitKind.CITY)):
        if name.endswith(suffix):
            return kind
    return UnitKind.COUNTY


def _check_codes(result: UnitList) -> None:
    seen: dict[str, str] = {}
    for unit in result.units:
        code = unit.code or unit.name
        if code in seen and seen[code] != unit.name:
            result.errors.append(
                RowError("", 0, "代码", f"{unit.name}与{seen[code]}的代码都是“{code}”。")
            )
        seen.setdefault(code, unit.name)
