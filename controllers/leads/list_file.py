"""The reading loop shared by the lists a department sends (power company, permit register).

Both lists are opened by the county-return reader (so a damaged, encrypted, empty or oversized
file gets the same clear message as a county return), have their header somewhere in the first
:data:`HEADER_ROWS` rows of a sheet, skip blank rows, 合计 rows and rows with neither a name
nor an address, and are imported whole or not at all: every unusable cell is reported by sheet,
row and column (:class:`ListFileError`). What makes a header and what a row holds is the
caller's (``find_header``, ``read_row``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from controllers.errors import UserError
from controllers.returns.normalise import to_text
from controllers.returns.reader import UnreadableFile, open_return_file
from controllers.returns.rows import RowError

HEADER_ROWS = 30
MAX_PROBLEMS_SHOWN = 10

T = TypeVar("T")


class ListFileError(UserError):
    """Rows of a list cannot be used; ``problems`` says where (nothing was imported)."""

    def __init__(self, message: str, problems: list[RowError]) -> None:
        super().__init__(message)
        self.problems = problems


def problems_message(name: str, problems: list[RowError]) -> str:
    """ "文件“…”有 N 处问题，未导入：…" naming the first problems by sheet, row and column."""
    shown = "；".join(
        f"{p.sheet} 第 {p.row} 行“{p.column}”列：{p.message}" for p in problems[:MAX_PROBLEMS_SHOWN]
    )
    more = (
        f"（另有 {len(problems) - MAX_PROBLEMS_SHOWN} 处）"
        if len(problems) > MAX_PROBLEMS_SHOWN
        else ""
    )
    return f"文件“{name}”有 {len(problems)} 处问题，未导入：{shown}{more}。"


@dataclass
class ListHeader:
    """A sheet's header row: where each field stands, the header texts, and what else the
    caller found in it (the power list's month columns)."""

    columns: dict[str, int]
    texts: list[str]
    extra: Any = None


@dataclass
class ListRow:
    """One data row of a sheet, with its header; ``problem`` reports one of its cells."""

    sheet: str
    excel_row: int  # as Excel shows it (1-based)
    values: list[Any]
    header: ListHeader
    problems: list[RowError] = field(repr=False)

    def raw(self, key: str) -> Any:
        col = self.header.columns.get(key)
        return self.values[col] if col is not None and col < len(self.values) else None

    def text(self, key: str) -> str | None:
        return to_text(self.raw(key))

    def problem(self, col: int, message: str) -> None:
        self.problems.append(RowError(self.sheet, self.excel_row, self.header.texts[col],
                                      message, col))  # fmt: skip


def header_texts(row: Sequence[Any]) -> list[str]:
    return [to_text(v) or "" for v in row]


def read_list_file(
    path: str | Path,
    filename: str | None,
    *,
    find_header: Callable[[Sequence[Any]], ListHeader | None],
    name_field: str,
    read_row: Callable[[ListRow], T | None],
    error: type[ListFileError],
    no_header: str,
    no_rows: str,
) -> list[T]:
    """The rows ``read_row`` makes of every sheet's data rows (None: the row is left out).

    ``find_header`` tells a header row among the first :data:`HEADER_ROWS` rows of a sheet;
    rows whose ``name_field`` starts with 合计, or that have neither it nor an address, are
    passed over. Raises UnreadableFile (``no_header``/``no_rows``, with ``{name}`` for the
    file's name) or ``error`` listing every problem ``read_row`` reported.
    """
    book = open_return_file(path, filename)
    name = book.filename
    items: list[T] = []
    problems: list[RowError] = []
    found_header = False
    try:
        for sheet in book.sheets():
            header: ListHeader | None = None
            for offset, row in enumerate(sheet.rows):
                if header is None:
                    if offset >= HEADER_ROWS:
                        break
                    header = find_header(row)
                    found_header = found_header or header is not None
                    continue
                values = list(row)
                if all(v is None or v == "" for v in values):
                    continue
                line = ListRow(sheet.name, sheet.first_row + offset + 1, values, header, problems)
                who, address = line.text(name_field), line.text("address")
                if (who or "").startswith("合计") or (not who and not address):
                    continue
                item = read_row(line)
                if item is not None:
                    items.append(item)
    finally:
        book.close()
    if not found_header:
        raise UnreadableFile(no_header.format(name=name))
    if problems:
        raise error(problems_message(name, problems), problems)
    if not items:
        raise UnreadableFile(no_rows.format(name=name))
    return items
