"""Place the columns a return's header uses that no synonym knows; remembered per unit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from controllers.returns.check import UnplacedColumn
from controllers.returns.fields import RETURN_FIELDS

IGNORE = ""


class MappingDialog(QDialog):
    """One row per unplaced header: its sheet, sample values and the field it means."""

    def __init__(
        self, unit_name: str, unplaced: list[UnplacedColumn], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mappingDialog")
        self.setWindowTitle(f"设置列对应 — {unit_name}")
        self.unplaced = unplaced
        intro = QLabel(
            f"以下列的表头无法自动识别。请为每一列选择对应的清单字段，或选择“忽略此列”。"
            f"所选对应关系将为“{unit_name}”保存，下次导入该单位的文件时自动使用。"
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(unplaced), 4)
        self.table.setObjectName("mappingTable")
        self.table.setHorizontalHeaderLabels(["工作表", "表头", "示例内容", "对应字段"])
        self.table.verticalHeader().setVisible(False)
        self.combos: list[QComboBox] = []
        for row, column in enumerate(unplaced):
            for col, text in enumerate((column.sheet, column.header, "；".join(column.samples))):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, col, item)
            combo = QComboBox()
            combo.addItem("（忽略此列）", IGNORE)
            for f in RETURN_FIELDS:
                combo.addItem(f.header, f.key)
            self.table.setCellWidget(row, 3, combo)
            self.combos.append(combo)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存并重新核对")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.resize(720, 360)

    def choose(self, header: str, field_key: str) -> None:
        """Select the field of one header (for keyboard users and tests alike)."""
        for column, combo in zip(self.unplaced, self.combos, strict=True):
            if column.header == header:
                combo.setCurrentIndex(combo.findData(field_key))

    def choices(self) -> dict[str, str]:
        """Header → field key ('' = ignore)."""
        return {
            c.header: combo.currentData()
            for c, combo in zip(self.unplaced, self.combos, strict=True)
        }
