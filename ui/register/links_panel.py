"""关联案件: the cases a confirmed 线索 linked to this one — the old closed case a site moved
or restarted from, or the newer cases found after this one was closed — each opened by a
double click (or Enter)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from controllers.cases.case_detail import LinkRow

COLUMNS = ["关系", "企业", "责任单位", "状态", "关联时间"]
NO_ACCESS = "其他单位的企业，您的账户不能打开"


class LinksPanel(QTreeWidget):
    """One row per linked case; ``open_requested(case_id)`` on activation."""

    open_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseLinks")
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setColumnWidth(0, 200)
        self.setColumnWidth(1, 220)
        self.rows: list[LinkRow] = []
        self.itemActivated.connect(self._activated)

    def set_rows(self, rows: list[LinkRow]) -> None:
        self.clear()
        self.rows = list(rows)
        for row in rows:
            when = f"{row.linked_at:%Y-%m-%d}" if row.linked_at else ""
            item = QTreeWidgetItem(
                [row.relation, f"#{row.case_id} {row.name}", row.unit, row.status.label, when]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, row.case_id)
            tip = "双击打开该企业" if row.can_open else NO_ACCESS
            for col in range(len(COLUMNS)):
                item.setToolTip(col, tip)
            if not row.can_open:
                item.setForeground(1, self.palette().placeholderText())
            self.addTopLevelItem(item)
        if not rows:
            empty = QTreeWidgetItem(["暂无关联案件（线索确认后在此列出）"])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addTopLevelItem(empty)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        case_id = item.data(0, Qt.ItemDataRole.UserRole)
        row = next((r for r in self.rows if r.case_id == case_id), None)
        if row is not None and row.can_open:
            self.open_requested.emit(int(case_id))

    def lines(self) -> list[str]:
        """The rows as text (for tests and copying)."""
        out = []
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            out.append("　".join(item.text(c) for c in range(len(COLUMNS)) if item.text(c)))
        return out
