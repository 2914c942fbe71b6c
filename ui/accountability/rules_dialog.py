"""The province's quantified rules, edited by a city clerk; saving makes a new version."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from controllers.accountability.rules import RuleSet, Rung, current_rules, save_rules
from controllers.errors import UserError
from models.codes import AccountabilityLevel, ProblemKind, RuleCounter
from ui.context import AppContext


class RulesDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rulesDialog")
        self.ctx = ctx
        self.rules: RuleSet = ctx.call(current_rules)
        self.setWindowTitle(f"问责规则（第 {self.rules.version_no} 版）")
        self.basis = QLineEdit(self.rules.basis)
        self.weights = QTableWidget(len(ProblemKind), 2)
        self.weights.setHorizontalHeaderLabels(["问题类型", "权重"])
        for row, kind in enumerate(ProblemKind):
            self.weights.setItem(row, 0, QTableWidgetItem(kind.label))
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.setValue(self.rules.weights.get(kind.value, 1))
            self.weights.setCellWidget(row, 1, spin)
        self.ladder = QTableWidget(0, 4)
        self.ladder.setObjectName("ladderTable")
        self.ladder.setHorizontalHeaderLabels(["计数项", "阈值", "问责层级", "条款"])
        for table in (self.weights, self.ladder):
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for rung in self.rules.ladder:
            self.add_rung(rung)
        self.add_button = QPushButton("添加阈值")
        self.remove_button = QPushButton("删除所选阈值")
        self.note = QLineEdit()
        self.note.setPlaceholderText("修改说明（如：按省办2026年新规调整）")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存为新版本")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("依据"))
        lay.addWidget(self.basis)
        lay.addWidget(QLabel("各类问题计入“新发现问题”的权重"))
        lay.addWidget(self.weights)
        lay.addWidget(QLabel("阈值阶梯（同一计数项的阈值逐级递增、层级逐级升高）"))
        lay.addWidget(self.ladder)
        row = QVBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        lay.addLayout(row)
        lay.addWidget(self.note)
        lay.addWidget(buttons)
        self.resize(640, 640)
        self.add_button.clicked.connect(lambda: self.add_rung(None))
        self.remove_button.clicked.connect(lambda: self.ladder.removeRow(self.ladder.currentRow()))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

    def add_rung(self, rung: Rung | None) -> None:
        row = self.ladder.rowCount()
        self.ladder.insertRow(row)
        counter = QComboBox()
        for c in RuleCounter:
            counter.addItem(c.label, c.value)
        threshold = QSpinBox()
        threshold.setRange(1, 999)
        level = QComboBox()
        for lv in AccountabilityLevel:
            level.addItem(lv.label, lv.value)
        if rung is not None:
            counter.setCurrentIndex(max(counter.findData(rung.counter), 0))
            threshold.setValue(rung.threshold)
            level.setCurrentIndex(max(level.findData(rung.level), 0))
        self.ladder.setCellWidget(row, 0, counter)
        self.ladder.setCellWidget(row, 1, threshold)
        self.ladder.setCellWidget(row, 2, level)
        self.ladder.setItem(row, 3, QTableWidgetItem(rung.clause if rung else ""))

    def edited(self) -> RuleSet:
        weights = {
            k.value: self.weights.cellWidget(i, 1).value() for i, k in enumerate(ProblemKind)
        }
        ladder = []
        for row in range(self.ladder.rowCount()):
            item = self.ladder.item(row, 3)
            ladder.append(Rung(self.ladder.cellWidget(row, 0).currentData(),
                               self.ladder.cellWidget(row, 1).value(),
                               self.ladder.cellWidget(row, 2).currentData(),
                               item.text().strip() if item else ""))  # fmt: skip
        return RuleSet(self.basis.text(), weights, self.rules.counters, ladder,
                       self.rules.measures)  # fmt: skip

    def save(self) -> None:
        try:
            self.saved_version = self.ctx.run(save_rules, self.edited(), self.note.text())
        except UserError as exc:
            QMessageBox.warning(self, "未保存", str(exc))
            return
        self.accept()
