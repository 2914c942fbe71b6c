"""The 两断三清 dates of an existing register: the columns that carry them, read and checked.

Offices keep the five dates (断水, 断电, 清除原料, 清除产品, 清除设备) as five columns — often
under a merged 两断三清 header over a second header row — or as one 两断三清完成日期 column
for all five. The county return does not carry them, so they are read beside the return's
fields: the header row and the row below it are searched, and each data row's cells are kept
while the return reader reads the row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from controllers.returns.fields import FIELD_INDEX
from controllers.returns.headers import HeaderMatch, header_key
from controllers.returns.normalise import CellError, to_date
from controllers.returns.rows import RowError
from models.codes import CaseStatus, CheckItem, Classification

#: item → the names a header gives it (without 日期 / 时间, which are dropped before comparing)
ITEM_NAMES: dict[CheckItem, tuple[str, ...]] = {
    CheckItem.WATER_CUT: ("断水", "已断水", "断水情况"),
    CheckItem.POWER_CUT: ("断电", "已断电", "断电情况"),
    CheckItem.MATERIALS_CLEARED: ("清除原料", "清原料", "清理原料", "原料清除", "清除原材料",
                                  "清原材料", "原料清理", "清除原料情况"),
    CheckItem.PRODUCTS_CLEARED: ("清除产品", "清产品", "清理产品", "产品清除", "清除成品",
                                 "清成品", "产品清理", "清除产品情况"),
    CheckItem.EQUIPMENT_CLEARED: ("清除设备", "清设备", "清理设备", "设备清除", "拆除设备",
                                  "设备拆除", "清除生产设备", "设备清理", "清除设备情况"),
}  # fmt: skip
#: a single column with one date for all five items
ALL_NAMES = ("两断三清", "两断三清完成", "完成两断三清", "两断三清落实")
_ENDINGS = ("完成日期", "完成时间", "日期", "时间")
_PAREN = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
ALL = "all"
I_STATUS = FIELD_INDEX["status"]
I_CLASS = FIELD_INDEX["classification"]
I_CLOSED = FIELD_INDEX["closed_on"]


def _base_key(text: object) -> tuple[str, bool]:
    """The header without notes in brackets and without 日期 / 时间; whether it named a date."""
    key = header_key(_PAREN.sub("", unicodedata.normalize("NFKC", str(text or ""))))
    for ending in _ENDINGS:
        if key.endswith(ending) and len(key) > len(ending):
            return key[: -len(ending)], True
    return key, False


_INDEX: dict[str, CheckItem | str] = {
    **{header_key(n): item for item, names in ITEM_NAMES.items() for n in names},
    **{header_key(n): ALL for n in ALL_NAMES},
}


def place_check_header(text: object) -> CheckItem | str | None:
    """The item a header names (``ALL`` for one date of all five: 两断三清完成日期 — a bare
    两断三清 column may hold words such as 已完成 and is left alone), or None."""
    key, dated = _base_key(text)
    if not key:
        return None
    found = _INDEX.get(key)
    if found is None and key.startswith("两断三清") and len(key) > 4:  # 两断三清·断水
        found = _INDEX.get(key[4:])
    if found == ALL and not dated:
        return None
    return found


@dataclass
class ChecklistColumns:
    """Where a sheet keeps its 两断三清 dates."""

    columns: dict[int, CheckItem | str]  # 0-based position → item (or ALL)
    headers: dict[int, str]  # position → the header as the sheet shows it

    def items(self) -> set[CheckItem]:
        """The items the sheet has a date column for."""
        if ALL in self.columns.values():
            return set(CheckItem)
        return {v for v in self.columns.values() if isinstance(v, CheckItem)}


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


def _is_numbering_row(row: Sequence[Any]) -> bool:
    values = [_text(v) for v in row if _text(v)]
    return len(values) >= 3 and all(v.isdigit() for v in values) and values[:2] == ["1", "2"]


def find_checklist_columns(rows: Sequence[Sequence[Any]], header: HeaderMatch) -> ChecklistColumns | None:  # fmt: skip
    """The sheet's 两断三清 columns (the header row, and a second header row below it; the
    header's ``data_start`` moves past a second row only these columns fill)."""
    columns: dict[int, CheckItem | str] = {}
    headers: dict[int, str] = {}
    top = rows[header.row_index]
    for pos, value in enumerate(top):
        if pos in header.columns or not _text(value):
            continue
        item = place_check_header(value)
        if item is not None and item not in columns.values():
            columns[pos], headers[pos] = item, _text(value)
    below_at = header.row_index + 1
    if below_at < len(rows):
        below = rows[below_at]
        sub = {pos: place_check_header(v) for pos, v in enumerate(below)
               if pos not in header.columns and _text(v)}  # fmt: skip
        items = {pos: item for pos, item in sub.items() if isinstance(item, CheckItem)}
        if len(items) >= 2:  # 断水 / 断电 … under a merged 两断三清 (the group's title)
            columns = {p: v for p, v in columns.items() if v != ALL}
            for pos, item in items.items():
                if item not in columns.values():
                    columns[pos], headers[pos] = item, _text(below[pos])
            if header.data_start == below_at:
                header.data_start += 1
                if header.data_start < len(rows) and _is_numbering_row(rows[header.data_start]):
                    header.data_start += 1
    if not columns:
        return None
    return ChecklistColumns(columns, headers)


def capture(rows: Iterator[Sequence[Any]], positions: Sequence[int], first_row: int,
            store: dict[int, list[Any]]) -> Iterator[Sequence[Any]]:  # fmt: skip
    """Pass the rows on, keeping the 两断三清 cells of each row that has any (by Excel row)."""
    for number, raw in enumerate(rows, start=first_row):
        values = [raw[p] if p < len(raw) else None for p in positions]
        for v in values:
            if v is not None and v != "":
                store[number] = values
                break
        yield raw


def read_dates(cols: ChecklistColumns, positions: Sequence[int], cells: Sequence[Any],
               sheet: str, excel_row: int, first_col: int,
               errors: list[RowError]) -> dict[CheckItem, dt.date]:  # fmt: skip
    """The dates a row gives (a wrong cell is an error)."""
    out: dict[CheckItem, dt.date] = {}
    for pos, value in zip(positions, cells, strict=True):
        if value is None or value == "":
            continue
        item = cols.columns[pos]
        try:
            date = to_date(value, None)
        except CellError as exc:
            message = str(exc)
            if isinstance(value, str) and not any(ch.isdigit() for ch in value):
                what = "两断三清" if item == ALL else item.label
                message = f"{what}应填写完成日期（如 2024-04-01），不能只写“{value.strip()}”"
            errors.append(RowError(sheet, excel_row, cols.headers[pos], message, first_col + pos))
            continue
        if date is None:
            continue
        if item == ALL:
            for each in CheckItem:
                out.setdefault(each, date)
        else:
            out[item] = date
    return out


def checklist_problems(values: tuple[Any, ...], dates: Mapping[CheckItem, dt.date],
                       cols: ChecklistColumns | None, today: dt.date) -> list[tuple[int | None, str]]:  # fmt: skip
    """What is wrong with a row's 两断三清 dates: (position of the column or None, message)."""
    if cols is None:
        return []

    def where(item: CheckItem) -> int | None:
        for pos, v in cols.columns.items():
            if v == item:
                return pos
        return next((p for p, v in cols.columns.items() if v == ALL), None)

    problems: list[tuple[int | None, str]] = []
    classification = values[I_CLASS]
    if dates and classification != Classification.SHUTDOWN:
        named = f"（本行为“{classification.label}”）" if classification else "（本行未填整治类型）"
        first = next(iter(dates))
        problems.append((where(first), "只有“关停取缔”类企业填写两断三清日期" + named))
        return problems
    closed_on = values[I_CLOSED]
    for item, date in dates.items():
        if date > today:
            problems.append((where(item), f"{item.label}日期不能晚于今天（{today.isoformat()}）"))
        elif closed_on and date > closed_on:
            problems.append((where(item), f"{item.label}日期 {date.isoformat()} 晚于销号日期 "
                                          f"{closed_on.isoformat()}：两断三清须在销号前完成"))  # fmt: skip
    if values[I_STATUS] == CaseStatus.CLOSED and classification == Classification.SHUTDOWN:
        missing = [i for i in CheckItem if i in cols.items() and i not in dates]
        if missing:
            problems.append((where(missing[0]), "已销号的关停取缔企业须填写两断三清日期，缺少："
                             + "、".join(i.label for i in missing)))  # fmt: skip
    return problems
