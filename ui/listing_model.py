"""A read-only table model over a controller's :class:`Listing`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from controllers.listings import Listing
from ui.formatting import display

DISPLAY_ROLE = Qt.ItemDataRole.DisplayRole
ALIGN_ROLE = Qt.ItemDataRole.TextAlignmentRole
TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
SORT_ROLE = Qt.ItemDataRole.UserRole
HORIZONTAL = Qt.Orientation.Horizontal
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

Index = QModelIndex | QPersistentModelIndex


#: headers of columns that hold identifiers or positions (shown without thousands separators)
IDENTIFIER_SUFFIXES = ("编号", "序号", "行号", "ID", "id")


def is_identifier(header: str) -> bool:
    return str(header).endswith(IDENTIFIER_SUFFIXES)


class ListingModel(QAbstractTableModel):
    """Rows of plain values; sorts by the raw values (dates as dates, numbers as numbers)."""

    def __init__(self, listing: Listing | None = None, parent=None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: list[tuple[Any, ...]] = []
        if listing is not None:
            self.set_listing(listing)

    def set_listing(self, listing: Listing) -> None:
        self.beginResetModel()
        self._headers = list(listing.headers)
        self._rows = list(listing.rows)
        self.endResetModel()

    def row_values(self, row: int) -> tuple[Any, ...]:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == DISPLAY_ROLE:
            if isinstance(value, int) and is_identifier(self._headers[index.column()]):
                return str(value)  # an id or a row number, not a quantity: no "19,629"
            return display(value)
        if role == SORT_ROLE:
            return value
        if role == TOOLTIP_ROLE and isinstance(value, str) and len(value) > 12:
            return value  # the whole text of a cell that may be cut
        if role == ALIGN_ROLE and isinstance(value, int | float) and not isinstance(value, bool):
            return RIGHT
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if role == DISPLAY_ROLE and orientation == HORIZONTAL and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows in Python by raw value (None last) and announce the new layout."""
        if not 0 <= column < len(self._headers):
            return
        reverse = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        present = [r for r in self._rows if r[column] is not None]
        missing = [r for r in self._rows if r[column] is None]
        present.sort(key=lambda r: _sort_key(r[column]), reverse=reverse)
        self._rows = present + missing
        self.layoutChanged.emit()


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, dt.date):
        return (1, value.toordinal() if not isinstance(value, dt.datetime) else value.timestamp())
    return (2, str(value))
