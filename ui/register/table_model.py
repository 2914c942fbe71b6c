"""The register's table model: a QAbstractTableModel over column arrays.

Filtering and sorting happen in numpy on the arrays (``controllers.cases.register_view``); the
model keeps ``view``, the array positions of the rows shown, in order. Text columns are fetched
for the rows on screen through a callback, a window at a time. Roles are module constants:
reading ``Qt.ItemDataRole.X`` inside ``data()`` costs microseconds per call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from controllers.cases.columns import EXTRA_COLUMNS, REGISTER_COLUMNS, ColumnKind
from controllers.cases.filters import CaseFilter
from controllers.cases.register_data import (
    CODE_ENUMS,
    DETAIL_INDEX,
    NULL_INT,
    Details,
    RegisterData,
    date_of,
    day_of,
)
from controllers.cases.register_view import (
    is_overdue,
    needs_text_ranks,
    search_mask,
    search_term,
    sort_values,
    sorted_positions,
    structure_mask,
    text_ranks,
)
from models import codes as codes_module
from models.codes import labels_of_codes
from ui.busy import wait_cursor

logger = logging.getLogger(__name__)

DISPLAY_ROLE = Qt.ItemDataRole.DisplayRole
TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
BACKGROUND_ROLE = Qt.ItemDataRole.BackgroundRole
FOREGROUND_ROLE = Qt.ItemDataRole.ForegroundRole
ALIGN_ROLE = Qt.ItemDataRole.TextAlignmentRole
FONT_ROLE = Qt.ItemDataRole.FontRole
SORT_ROLE = Qt.ItemDataRole.UserRole
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
HORIZONTAL = Qt.Orientation.Horizontal
ASCENDING = Qt.SortOrder.AscendingOrder
ENABLED_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
CENTER = int(Qt.AlignmentFlag.AlignCenter)

#: row marks: overdue (past 完成时限, not finished) and relapsed (反弹)
OVERDUE_COLOR = QColor("#fbd5d2")
RELAPSED_COLOR = QColor("#ffe5b4")
OVERDUE_BRUSH = QBrush(OVERDUE_COLOR)
RELAPSED_BRUSH = QBrush(RELAPSED_COLOR)
MUTED_BRUSH = QBrush(QColor("#808080"))
RELAPSED_TEXT_COLOR = QColor("#9a3b00")
RELAPSED_TEXT_BRUSH = QBrush(RELAPSED_TEXT_COLOR)
UNNAMED = "（无名称）"

Index = QModelIndex | QPersistentModelIndex
FetchDetails = Callable[[list[int]], dict[int, Details]]
FetchText = Callable[[str], tuple[np.ndarray, list]]

#: details fetched around a missing row: this many rows before and after it
PREFETCH_BEFORE = 40
PREFETCH_AFTER = 160
DETAIL_CACHE_LIMIT = 40_000


@dataclass(frozen=True)
class TableColumn:
    key: str
    header: str
    kind: ColumnKind
    width: int  # characters
    enum: str | None = None


#: every column of the table, published ones first
TABLE_COLUMNS: tuple[TableColumn, ...] = tuple(
    TableColumn(c.key, c.header, c.kind, c.width, c.enum)
    for c in (*REGISTER_COLUMNS, *EXTRA_COLUMNS)
)
COLUMN_INDEX = {c.key: i for i, c in enumerate(TABLE_COLUMNS)}
_DATE_KEYS = {c.key for c in TABLE_COLUMNS if c.kind == ColumnKind.DATE}


class RegisterTableModel(QAbstractTableModel):
    """Rows of the register: the filtered, sorted positions of a :class:`RegisterData`."""

    #: the rows shown changed (filter, sort or data): counts and descriptions are stale
    view_changed = Signal()

    def __init__(
        self,
        fetch_details: FetchDetails | None = None,
        fetch_text: FetchText | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._fetch_details = fetch_details
        self._fetch_text = fetch_text
        self.data_set: RegisterData | None = None
        self.view = np.empty(0, dtype=np.int64)
        self.case_filter = CaseFilter()
        self.sort_key: str | None = None
        self.sort_descending = False
        self.today = dt.date.today()
        self._structure: np.ndarray | None = None
        self._search: tuple[str, np.ndarray | None] = ("", None)
        self._order: np.ndarray | None = None
        self._ranks: dict[str, np.ndarray] = {}
        self._details: dict[int, Details] = {}
        self._overdue = np.empty(0, dtype=bool)
        self._relapsed = np.empty(0, dtype=bool)
        self._day_text: dict[int, str] = {}
        self._codes_text: dict[tuple[str, str], str] = {}
        self._vocab: dict[ColumnKind, dict[int, str]] = {}
        self._labels = {key: [m.label for m in enum] for key, enum in CODE_ENUMS.items()}
        self._font_italic = QFont()
        self._font_italic.setItalic(True)

    # -- data ---------------------------------------------------------------------------
    def set_data(self, data: RegisterData) -> None:
        """Show ``data`` (keeping the filter and sort in force)."""
        self.beginResetModel()
        self.data_set = data
        self.today = data.today
        self._details = dict(data.details)
        self._ranks = dict(data.text_ranks) if data.complete else {}  # ranked while loading
        self._vocab = {
            ColumnKind.UNIT: data.lookups.units.names,
            ColumnKind.TOWNSHIP: data.lookups.townships.names,
            ColumnKind.INDUSTRY: data.lookups.industries.names,
            ColumnKind.BATCH: data.lookups.batches.names,
        }
        self._recompute_marks()
        self._structure = None
        self._search = ("", None)
        self._order = None
        self._compute_view()
        self.endResetModel()
        self.view_changed.emit()

    def refresh_rows(self, fresh: RegisterData, removed: Iterable[int] = ()) -> None:
        """Take newer values of some cases (after an edit) without reloading everything;
        ``removed`` cases (deleted) leave the table."""
        if self.data_set is None:
            return
        self.beginResetModel()
        self.data_set.replace_rows(fresh)
        self.data_set.remove_ids(removed)
        for case_id in fresh.ids.tolist():
            self._details.pop(int(case_id), None)
        self._details.update(fresh.details)
        self._ranks.clear()
        self._recompute_marks()
        self._structure = None
        self._search = ("", None)
        self._order = None
        self._compute_view()
        self.endResetModel()
        self.view_changed.emit()

    def _recompute_marks(self) -> None:
        data = self.data_set
        if data is None:
            return
        self._overdue = is_overdue(data, self.today)
        self._relapsed = data.columns["is_relapsed"] == 1

    @property
    def is_complete(self) -> bool:
        return self.data_set is not None and self.data_set.complete

    @property
    def total(self) -> int:
        """Cases in the register (in the clerk's scope); -1 while a preview is shown that has
        not counted them (:data:`~controllers.cases.register_data.TOTAL_UNKNOWN`)."""
        return 0 if self.data_set is None else self.data_set.total

    # -- filter and sort ---------------------------------------------------------------
    def set_filter(self, f: CaseFilter) -> None:
        """Show the rows ``f`` keeps."""
        if f == self.case_filter and self.data_set is not None and self._structure is not None:
            return
        same_structure = f.with_(search="") == self.case_filter.with_(search="")
        self.case_filter = f
        if not same_structure:
            self._structure = None
        self.beginResetModel()
        self._compute_view()
        self.endResetModel()
        self.view_changed.emit()

    def _search_result(self) -> np.ndarray | None:
        data = self.data_set
        term = search_term(self.case_filter.search)
        old_term, old_mask = self._search
        if term == old_term:
            return old_mask
        within = old_mask if (old_term and old_mask is not None and old_term in term) else None
        mask = search_mask(data, self.case_filter.search, within=within)
        self._search = (term, mask)
        return mask

    def _compute_view(self) -> None:
        data = self.data_set
        if data is None:
            self.view = np.empty(0, dtype=np.int64)
            return
        if self._structure is None:
            self._structure = structure_mask(data, self.case_filter, self.today)
        mask = self._structure
        found = self._search_result()
        if found is not None:
            mask = mask & found
        if self._order is None:
            self._order = self._sorted_order()
        self.view = (
            self._order[mask[self._order]] if self._order is not None else np.flatnonzero(mask)
        )

    def _sorted_order(self) -> np.ndarray | None:
        data = self.data_set
        if data is None or self.sort_key is None:
            return None
        if needs_text_ranks(self.sort_key):
            values = self._text_sort_values(self.sort_key)
        else:
            values = sort_values(data, self.sort_key)
        return sorted_positions(values, self.sort_descending)

    def _text_sort_values(self, key: str) -> np.ndarray:
        data = self.data_set
        ranks = self._ranks.get(key)
        if ranks is not None:
            return ranks
        # the first sort by a text column other than the name (ranked while loading) reads
        # the whole column
        with wait_cursor():
            if data.complete and self._fetch_text is not None:
                ids, values = self._fetch_text(key)
            else:
                ids = data.ids
                self._ensure_details_for_positions(np.arange(len(data)))
                at = DETAIL_INDEX[key]
                values = [self._details.get(int(i), (None,) * len(DETAIL_INDEX))[at]
                          for i in ids.tolist()]  # fmt: skip
            ranks = text_ranks(data, np.asarray(ids, dtype=np.int64), values)
        self._ranks[key] = ranks
        return ranks

    def sort(self, column: int, order: Qt.SortOrder = ASCENDING) -> None:
        """Sort by a column's real value (dates as dates, codes in workflow order)."""
        if not 0 <= column < len(TABLE_COLUMNS):
            self.set_sort(None)
            return
        self.set_sort(TABLE_COLUMNS[column].key, order != ASCENDING)

    def set_sort(self, key: str | None, descending: bool = False) -> None:
        """Sort by the column ``key`` (None: the register's default order)."""
        self.sort_key, self.sort_descending = key, descending
        if self.data_set is None:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        old_positions = [int(self.view[i.row()]) if i.row() < len(self.view) else -1
                         for i in persistent]  # fmt: skip
        self._order = None
        self._compute_view()
        inverse = np.full(len(self.data_set), -1, dtype=np.int64)
        inverse[self.view] = np.arange(len(self.view))
        moved = [
            self.index(int(inverse[p]), i.column()) if p >= 0 and inverse[p] >= 0 else QModelIndex()
            for p, i in zip(old_positions, persistent, strict=True)
        ]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()
        self.view_changed.emit()

    # -- rows ---------------------------------------------------------------------------
    def case_id(self, row: int) -> int:
        return int(self.data_set.ids[self.view[row]])

    def case_ids(self, rows: Iterable[int] | None = None) -> list[int]:
        """Case ids of some rows (all rows shown when None), in the order given."""
        if self.data_set is None:
            return []
        positions = self.view if rows is None else self.view[np.fromiter(rows, dtype=np.int64)]
        return self.data_set.ids[positions].tolist()

    def row_of(self, case_id: int) -> int | None:
        """The row showing a case, or None when it is filtered out."""
        if self.data_set is None:
            return None
        pos = self.data_set.positions_of([case_id])
        if not len(pos):
            return None
        rows = np.flatnonzero(self.view == pos[0])
        return int(rows[0]) if len(rows) else None

    def is_overdue_row(self, row: int) -> bool:
        return bool(self._overdue[self.view[row]])

    def is_relapsed_row(self, row: int) -> bool:
        return bool(self._relapsed[self.view[row]])

    def ensure_details(self, rows: Sequence[int]) -> None:
        """Fetch the text columns of these rows now (before copying many rows)."""
        if self.data_set is None or not len(rows):
            return
        self._ensure_details_for_positions(self.view[np.asarray(rows, dtype=np.int64)])

    def _ensure_details_for_positions(self, positions: np.ndarray) -> None:
        if self._fetch_details is None:
            return
        ids = self.data_set.ids[positions].tolist()
        if len(self._details) + len(ids) > DETAIL_CACHE_LIMIT:
            self._details.clear()  # keep the rows asked for together in the cache
        ids = [i for i in ids if i not in self._details]
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            self._store_details(part, self._fetch_details(part))

    def _store_details(self, asked: list[int], found: dict[int, Details]) -> None:
        if len(self._details) + len(found) > DETAIL_CACHE_LIMIT:
            self._details.clear()
        empty = (None,) * len(DETAIL_INDEX)
        for case_id in asked:
            self._details[case_id] = found.get(case_id, empty)

    def _details_of(self, row: int, case_id: int) -> Details:
        found = self._details.get(case_id)
        if found is not None:
            return found
        if self._fetch_details is None:
            return (None,) * len(DETAIL_INDEX)
        lo, hi = max(0, row - PREFETCH_BEFORE), min(len(self.view), row + PREFETCH_AFTER)
        wanted = [i for i in self.data_set.ids[self.view[lo:hi]].tolist() if i not in self._details]
        try:
            self._store_details(wanted, self._fetch_details(wanted))
        except Exception:
            logger.exception("fetching register details failed")
            self._store_details(wanted, {})
        return self._details.get(case_id, (None,) * len(DETAIL_INDEX))

    def column_texts(self, rows: Sequence[int], column: int) -> list[str]:
        """What a column shows for many rows at once (copying thousands of rows)."""
        col = TABLE_COLUMNS[column]
        data, kind, key = self.data_set, col.kind, col.key
        positions = self.view[np.asarray(rows, dtype=np.int64)]
        if kind == ColumnKind.DATE:
            return [self._date_text(d) for d in data.columns[key][positions].tolist()]
        if kind == ColumnKind.CODE:
            labels = self._labels[key]
            return [
                labels[c] if 0 <= c < len(labels) else ""
                for c in data.columns[key][positions].tolist()
            ]
        if kind in self._vocab:
            names = self._vocab[kind]
            return [names.get(r, "") for r in data.columns[_VOCAB_ARRAY[kind]][positions].tolist()]
        if kind == ColumnKind.INT:
            return ["" if v == NULL_INT else str(v) for v in data.columns[key][positions].tolist()]
        if key in ("is_quasi", "is_relapsed"):
            return [self._display(r, column) for r in rows]
        at = DETAIL_INDEX[key]
        empty = (None,) * len(DETAIL_INDEX)
        values = [self._details.get(i, empty)[at] for i in data.ids[positions].tolist()]
        if kind == ColumnKind.CODES:
            return [self._codes(col, v) for v in values]
        if key == "name":
            return [v or UNNAMED for v in values]
        return [v or "" for v in values]

    def display_text(self, row: int, column: int) -> str:
        """What a cell shows (for copying; no QModelIndex made)."""
        if not 0 <= row < len(self.view):
            return ""
        return self._display(row, column)

    # -- Qt model interface -------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.view)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(TABLE_COLUMNS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return ENABLED_SELECTABLE if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if orientation == HORIZONTAL:
            if 0 <= section < len(TABLE_COLUMNS):
                if role == DISPLAY_ROLE:
                    return TABLE_COLUMNS[section].header
                if role == TOOLTIP_ROLE:
                    return (
                        f"{TABLE_COLUMNS[section].header}：点击排序，拖动调整顺序，右键选择显示的列"
                    )
            return None
        if role == DISPLAY_ROLE and 0 <= section < len(self.view):
            return str(section + 1)
        return None

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> Any:
        row = index.row()
        if row < 0 or row >= len(self.view):
            return None
        col = index.column()
        if role == DISPLAY_ROLE:
            return self._display(row, col)
        if role == BACKGROUND_ROLE:
            pos = self.view[row]
            if self._overdue[pos]:
                return OVERDUE_BRUSH
            if self._relapsed[pos]:
                return RELAPSED_BRUSH
            return None
        if role == TOOLTIP_ROLE:
            return self._tooltip(row, col)
        if role == FOREGROUND_ROLE:
            if self._relapsed[self.view[row]]:
                return RELAPSED_TEXT_BRUSH  # still visible on an overdue (red) row
            if TABLE_COLUMNS[col].key == "name" and self._display(row, col) == UNNAMED:
                return MUTED_BRUSH
            return None
        if role == FONT_ROLE:
            if TABLE_COLUMNS[col].key == "name" and self._display(row, col) == UNNAMED:
                return self._font_italic
            return None
        if role == ALIGN_ROLE:
            kind = TABLE_COLUMNS[col].kind
            if kind == ColumnKind.INT or TABLE_COLUMNS[col].key == "relapse_count":
                return RIGHT
            if kind == ColumnKind.DATE:
                return CENTER
            return None
        if role == SORT_ROLE:
            return self._sort_value(row, col)
        if role == CASE_ID_ROLE:
            return int(self.data_set.ids[self.view[row]])
        return None

    def _display(self, row: int, col: int) -> str:
        column = TABLE_COLUMNS[col]
        kind = column.kind
        data = self.data_set
        pos = self.view[row]
        key = column.key
        if kind == ColumnKind.DATE:
            return self._date_text(int(data.columns[key][pos]))
        if kind == ColumnKind.CODE:
            code = int(data.columns[key][pos])
            labels = self._labels[key]
            return labels[code] if 0 <= code < len(labels) else ""
        if kind in self._vocab:
            ref = int(data.columns[_VOCAB_ARRAY[kind]][pos])
            return self._vocab[kind].get(ref, "")
        if kind == ColumnKind.INT:
            value = int(data.columns[key][pos])
            return "" if value == NULL_INT else str(value)
        if key == "is_quasi":
            return "是" if data.columns["is_quasi"][pos] else ""
        if key == "is_relapsed":
            if not data.columns["is_relapsed"][pos]:
                return ""
            n = int(data.columns["relapse_count"][pos])
            return f"是（{n} 次）" if n > 1 else "是"
        case_id = int(data.ids[pos])
        value = self._details_of(row, case_id)[DETAIL_INDEX[key]]
        if kind == ColumnKind.CODES:
            return self._codes(column, value)
        if key == "name" and not value:
            return UNNAMED
        return value or ""

    def _date_text(self, day: int) -> str:
        if day == NULL_INT:
            return ""
        text = self._day_text.get(day)
        if text is None:
            text = date_of(day).isoformat()
            self._day_text[day] = text
        return text

    def _codes(self, column: TableColumn, stored: str | None) -> str:
        if not stored:
            return ""
        cache_key = (column.key, stored)
        text = self._codes_text.get(cache_key)
        if text is None:
            text = labels_of_codes(getattr(codes_module, column.enum), stored)
            self._codes_text[cache_key] = text
        return text

    def _sort_value(self, row: int, col: int) -> Any:
        key = TABLE_COLUMNS[col].key
        pos = self.view[row]
        if key in self.data_set.columns:
            value = int(self.data_set.columns[key][pos])
            if key in _DATE_KEYS:
                return date_of(value)
            return None if value == NULL_INT else value
        return self._display(row, col)

    def _tooltip(self, row: int, col: int) -> str | None:
        pos = self.view[row]
        notes = []
        if self._overdue[pos]:
            deadline = int(self.data_set.columns["deadline"][pos])
            late = day_of(self.today) - deadline
            notes.append(f"逾期未完成：完成时限 {self._date_text(deadline)}，已超过 {late} 天")
        if self._relapsed[pos]:
            n = int(self.data_set.columns["relapse_count"][pos])
            notes.append(f"反弹：回头看发现问题 {n} 次，已重新整治")
        text = self._display(row, col)
        if len(text) > 24:
            notes.insert(0, text)
        return "\n".join(notes) if notes else None


_VOCAB_ARRAY = {
    ColumnKind.UNIT: "unit_id",
    ColumnKind.TOWNSHIP: "township_id",
    ColumnKind.INDUSTRY: "industry_id",
    ColumnKind.BATCH: "batch_id",
}
