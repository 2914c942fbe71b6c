"""The letters overview as a table: one row per unit, late letters in red."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from controllers.letters.overview import LetterRow
from models.codes import LetterStatus

DISPLAY_ROLE = Qt.ItemDataRole.DisplayRole
SORT_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
FOREGROUND_ROLE = Qt.ItemDataRole.ForegroundRole
BACKGROUND_ROLE = Qt.ItemDataRole.BackgroundRole
FONT_ROLE = Qt.ItemDataRole.FontRole
TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
ALIGN_ROLE = Qt.ItemDataRole.TextAlignmentRole
HORIZONTAL = Qt.Orientation.Horizontal
CENTER = int(Qt.AlignmentFlag.AlignCenter)

COL_ORDER, COL_UNIT, COL_STATUS, COL_VERSION, COL_DATE, COL_ISSUED, COL_DUE, COL_SIGNER, \
    COL_SIGNED, COL_ARCHIVED, COL_MISSING = range(11)  # fmt: skip
HEADERS = ["序号", "责任单位", "状态", "模板版本", "落款日期", "印发日期", "返回期限", "签署人",
           "签署日期", "归档日期", "待办事项"]  # fmt: skip

LATE_FG = QBrush(QColor("#b71c1c"))
LATE_BG = QBrush(QColor("#fdecea"))
MISSING_FG = QBrush(QColor("#8a5a00"))
DONE_FG = QBrush(QColor("#2e7d32"))
_STATUS_RANK = {None: -1, **{s: i for i, s in enumerate(LetterStatus)}}


def _fmt(day: dt.date | None) -> str:
    return f"{day.year}-{day.month:02d}-{day.day:02d}" if day else ""


class LettersTableModel(QAbstractTableModel):
    """Rows of :class:`LetterRow`; sorts on raw values (dates as dates)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[LetterRow] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: list[LetterRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> LetterRow:
        return self._rows[row]

    def rows(self) -> list[LetterRow]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def _value(self, r: LetterRow, col: int) -> Any:
        return (
            r.sort_order, r.unit_name, _STATUS_RANK[r.status], r.template_version, r.letter_date,
            r.issued_on, r.due_on, r.signer_name, r.signed_on, r.archived_on, r.days_late,
        )[col]  # fmt: skip

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == DISPLAY_ROLE:
            if col == COL_STATUS:
                return r.status_label
            if col == COL_VERSION:
                return f"第{r.template_version}版" if r.template_version else ""
            if col == COL_MISSING:
                return r.missing or "已完成"
            value = self._value(r, col)
            if isinstance(value, dt.date):
                return _fmt(value)
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            return self._value(r, col)
        if role == ROW_ROLE:
            return r
        if role == FOREGROUND_ROLE:
            if r.late:
                return LATE_FG
            if col == COL_MISSING:
                return DONE_FG if not r.missing else MISSING_FG
            return None
        if role == BACKGROUND_ROLE:
            return LATE_BG if r.late else None
        if role == FONT_ROLE and r.late and col in (COL_UNIT, COL_DUE, COL_MISSING):
            return self._bold
        if role == TOOLTIP_ROLE and col == COL_MISSING and r.missing:
            return r.missing
        if role == ALIGN_ROLE and col in (COL_ORDER, COL_STATUS, COL_VERSION):
            return CENTER
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if role == DISPLAY_ROLE and orientation == HORIZONTAL and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python on the raw values (missing values last)."""
        if not 0 <= column < len(HEADERS):
            return
        self.layoutAboutToBeChanged.emit()
        present = [r for r in self._rows if self._value(r, column) is not None]
        missing = [r for r in self._rows if self._value(r, column) is None]
        present.sort(key=lambda r: self._value(r, column),
                     reverse=order == Qt.SortOrder.DescendingOrder)  # fmt: skip
        self._rows = present + missing
        self.layoutChanged.emit()
