"""变更记录: every change of a case as a timeline — who and when, then each field old → new."""

from __future__ import annotations

from itertools import groupby

from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from controllers.cases.case_detail import HistoryEntry


class HistoryView(QTreeWidget):
    """One node per save (time and clerk), one child per changed field, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseHistory")
        self.setColumnCount(2)
        self.setHeaderLabels(["时间 · 用户 / 字段", "原值 → 新值"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setColumnWidth(0, 240)

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.clear()
        for (when, who), group in groupby(
            entries, key=lambda e: (e.changed_at, e.person or e.username)
        ):
            items = list(group)
            notes = sorted({e.note for e in items if e.note})
            top = QTreeWidgetItem([f"{when:%Y-%m-%d %H:%M}　{who}", "；".join(notes)])
            for e in items:
                QTreeWidgetItem(top, [e.label, f"{e.old} → {e.new}"]).setToolTip(
                    1, f"{e.label}：{e.old} → {e.new}" + (f"（{e.note}）" if e.note else "")
                )
            self.addTopLevelItem(top)
        self.expandAll()
        if not entries:
            self.addTopLevelItem(QTreeWidgetItem(["暂无变更记录", ""]))

    def lines(self) -> list[str]:
        """The timeline as text (for tests and copying)."""
        out = []
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            out.append(f"{top.text(0)}　{top.text(1)}".rstrip())
            out.extend(
                f"  {top.child(k).text(0)}：{top.child(k).text(1)}" for k in range(top.childCount())
            )
        return out
