"""The candidates as a table: score, kind, both cases, the evidence in short."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from controllers.leads.store import LeadRow
from ui.leads.comparison import FIELD_LABELS

DISPLAY_ROLE = Qt.ItemDataRole.DisplayRole
SORT_ROLE = Qt.ItemDataRole.UserRole
TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
ALIGN_ROLE = Qt.ItemDataRole.TextAlignmentRole

COL_SCORE, COL_KIND, COL_THIS, COL_OTHER, COL_UNITS, COL_EVIDENCE = range(6)
HEADERS = [
    "评分",
    "类型",
    "新发现企业/电力用户",
    "原企业（已销号）",
    "单位",
    "相符之处",
]


def this_label(row: LeadRow) -> str:
    side = row.this_side
    if row.power_record_id:
        return f"电力用户 {side.get('name', '')}"
    if row.permit_id:
        return f"排污许可 {side.get('name', '')}"
    return f"#{row.case_id} {side.get('name') or side.get('address', '')}"


def _source(row: LeadRow) -> str:
    if row.power_record_id:
        return "（电力数据）"
    return "（排污许可）" if row.permit_id else ""


def other_label(row: LeadRow) -> str:
    side = row.other_side
    return f"#{row.other_case_id} {side.get('name') or side.get('address', '')}"


def units_label(row: LeadRow) -> str:
    this, other = row.this_side.get("unit", ""), row.other_side.get("unit", "")
    return other if not this or this == other else f"{other} → {this}"


def evidence_label(row: LeadRow) -> str:
    return "、".join(FIELD_LABELS.get(e["field"], e["field"]) for e in row.evidence)


class LeadsTableModel(QAbstractTableModel):
    """Rows of :class:`LeadRow`; sorts on raw values (the score as a number)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[LeadRow] = []

    def set_rows(self, rows: list[LeadRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> LeadRow:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if role == DISPLAY_ROLE and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == DISPLAY_ROLE:
            return {
                COL_SCORE: f"{row.score * 100:.0f}",
                COL_KIND: row.kind.label + _source(row),
                COL_THIS: this_label(row),
                COL_OTHER: other_label(row),
                COL_UNITS: units_label(row),
                COL_EVIDENCE: evidence_label(row),
            }[col]
        if role == SORT_ROLE:
            return row.score if col == COL_SCORE else self.data(index, DISPLAY_ROLE)
        if role == TOOLTIP_ROLE and col == COL_EVIDENCE:
            return "\n".join(
                f"{FIELD_LABELS.get(e['field'], e['field'])}：{e.get('how', '')}"
                for e in row.evidence
            )
        if role == ALIGN_ROLE and col == COL_SCORE:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
