"""The returns of a stage, one line per unit: returned, late, signed, published, review — and one
click on the last column opens the unit's return (or starts its import)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from controllers.returns.overview import StageOverview, UnitReturnRow
from ui.formatting import display

DISPLAY_ROLE = Qt.ItemDataRole.DisplayRole
FOREGROUND_ROLE = Qt.ItemDataRole.ForegroundRole
TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
ALIGN_ROLE = Qt.ItemDataRole.TextAlignmentRole
SORT_ROLE = Qt.ItemDataRole.UserRole
HORIZONTAL = Qt.Orientation.Horizontal
CENTER = int(Qt.AlignmentFlag.AlignCenter)
Index = QModelIndex | QPersistentModelIndex

(COL_UNIT, COL_RETURNED, COL_RECEIVED, COL_LATE, COL_SIGNED, COL_PAGE, COL_PUBLISHED,
 COL_STATUS, COL_ROWS, COL_NEW, COL_OPEN) = range(11)  # fmt: skip
HEADERS = ("责任单位", "是否上报", "收到日期", "逾期", "主要负责同志签字", "签字页", "网站公示",
           "审核状态", "清单行数", "新增", "操作")  # fmt: skip
RED = QBrush(QColor("#C00000"))
GREEN = QBrush(QColor("#107C10"))
LINK = QBrush(QColor("#0563C1"))


def _yes(flag: bool) -> str:
    return "✔" if flag else "—"


class OverviewModel(QAbstractTableModel):
    """One row per unit of a :class:`StageOverview`."""

    def __init__(self, parent=None, *, may_import=None) -> None:
        super().__init__(parent)
        self._rows: list[UnitReturnRow] = []
        #: may_import(unit_id): whether to offer "导入上报 ›" (no link a role cannot use)
        self.may_import = may_import or (lambda _unit_id: True)

    def set_overview(self, overview: StageOverview | None) -> None:
        self.beginResetModel()
        self._rows = list(overview.rows) if overview else []
        self.endResetModel()

    def unit_row(self, row: int) -> UnitReturnRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def _value(self, r: UnitReturnRow, col: int) -> Any:
        if col == COL_UNIT:
            return r.unit_name
        if col == COL_RETURNED:
            return (
                f"已上报（{r.returns} 次）"
                if r.returns > 1
                else ("已上报" if r.returned else "未上报")
            )
        if col == COL_RECEIVED:
            return r.received_on
        if col == COL_LATE:
            if not r.late:
                return "—"
            return f"逾期 {r.days_late} 天" if r.returned else f"未报，已过 {r.days_late} 天"
        if col == COL_SIGNED:
            return _yes(r.signed) if r.returned else ""
        if col == COL_PAGE:
            return _yes(r.signature_page) if r.returned else ""
        if col == COL_PUBLISHED:
            return _yes(r.published) if r.returned else ""
        if col == COL_STATUS:
            return r.status.label if r.status else ""
        if col == COL_ROWS:
            return r.rows_total
        if col == COL_NEW:
            return r.rows_new
        if r.returned:
            return "查看上报 ›"
        return "导入上报 ›" if self.may_import(r.unit_id) else ""

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == DISPLAY_ROLE:
            return display(self._value(r, col))
        if role == SORT_ROLE:
            return self._value(r, col)
        if role == FOREGROUND_ROLE:
            if (col == COL_LATE and r.late) or (col == COL_RETURNED and not r.returned):
                return RED
            if col == COL_STATUS and r.status is not None and r.status.value == "approved":
                return GREEN
            if col == COL_OPEN:
                return LINK
        if role == ALIGN_ROLE and col in (
            COL_SIGNED,
            COL_PAGE,
            COL_PUBLISHED,
            COL_LATE,
            COL_RETURNED,
        ):
            return CENTER
        if role == TOOLTIP_ROLE and col == COL_OPEN:
            if r.returned:
                return "单击打开该单位本阶段的上报（或选中后按 Enter）"
            return (
                "单击导入该单位的上报文件（或选中后按 Enter）"
                if self.may_import(r.unit_id)
                else None
            )
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if role == DISPLAY_ROLE and orientation == HORIZONTAL:
            return HEADERS[section]
        return None
