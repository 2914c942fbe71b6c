"""The province's quantified rules, edited by a city clerk; saving makes a new version.

Like the letter templates: the newest version opens, an older one can be loaded from the
version list and saved again as the newest, and a version saved by another clerk meanwhile
is never overwritten. Three tabs: the threshold ladder, the problem kinds (weight and the
counters each feeds) and the measures each level calls for.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from controllers.accountability.rules import (
    RuleSet,
    Rung,
    current_rules,
    rule_history,
    rules_version,
    save_rules,
)
from controllers.errors import UserError
from models.codes import AccountabilityLevel, Measure, ProblemKind, RuleCounter
from ui.context import AppContext


def _check_cell(checked: bool, name: str) -> tuple[QWidget, QCheckBox]:
    """A centred check box for a table cell (a real button: Space toggles it, Esc sees it)."""
    box = QCheckBox()
    box.setObjectName(name)
    box.setChecked(checked)
    holder = QWidget()
    lay = QHBoxLayout(holder)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lay.addWidget(box)
    return holder, box


def _ordered(old: list[str], ticked: set[str], order: list[str]) -> list[str]:
    """The ticked codes: those already listed keep their order (the first is the default),
    newly ticked ones follow in ``order``."""
    return [c for c in old if c in ticked] + [c for c in order if c in ticked and c not in old]


class RulesDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rulesDialog")
        self.ctx = ctx
        self.rules: RuleSet = ctx.call(current_rules)
        self.based_on = self.rules.version_no
        self.setWindowTitle(f"问责规则（第 {self.rules.version_no} 版）")

        self.version_label = QLabel(
            f"当前为第 {self.based_on} 版。保存后成为第 {self.based_on + 1} 版；"
            "已有的问责记录仍按原版本。"
        )
        self.version_label.setWordWrap(True)
        self.versions = QComboBox()
        self.versions.setObjectName("ruleVersions")
        self.versions.setToolTip("查看以前的版本；在旧版本上修改后保存，将成为新的版本")
        self.versions.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for rule_id, version_no, at, note in ctx.call(rule_history):
            text = f"第{version_no}版 · {at[:10]}" + (f" · {note}" if note else "")
            self.versions.addItem(text, rule_id)
        # room for the longest entry, arrow included (the style's hint is a few pixels short)
        self.versions.setMinimumWidth(self.versions.sizeHint().width() + 16)
        self.basis = QLineEdit(self.rules.basis)

        # -- the ladder
        self.ladder = QTableWidget(0, 4)
        self.ladder.setObjectName("ladderTable")
        self.ladder.setHorizontalHeaderLabels(["计数项", "阈值", "问责层级", "条款"])
        self.add_button = QPushButton("添加阈值")
        self.remove_button = QPushButton("删除所选阈值")
        ladder_tab = QWidget()
        lay = QVBoxLayout(ladder_tab)
        lay.addWidget(QLabel("同一计数项的阈值逐级递增、层级逐级升高"))
        lay.addWidget(self.ladder)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        lay.addLayout(row)

        # -- problem kinds: weight and the counters each one feeds
        counters = list(RuleCounter)
        self.weights = QTableWidget(len(ProblemKind), 2 + len(counters))
        self.weights.setObjectName("weightsTable")
        self.weights.setHorizontalHeaderLabels(
            ["问题类型", "权重", *(f"计入“{c.label}”" for c in counters)]
        )
        self.counter_boxes: dict[tuple[str, str], QCheckBox] = {}
        kinds_tab = QWidget()
        lay = QVBoxLayout(kinds_tab)
        lay.addWidget(QLabel("每个问题按权重计入所勾选的计数项"))
        lay.addWidget(self.weights)

        # -- measures per level (a row per measure, a column per level)
        measures = list(Measure)
        levels = list(AccountabilityLevel)
        self.measures = QTableWidget(len(measures), 1 + len(levels))
        self.measures.setObjectName("measuresTable")
        self.measures.setHorizontalHeaderLabels(["问责措施", *(lv.label for lv in levels)])
        self.measure_boxes: dict[tuple[str, str], QCheckBox] = {}
        measures_tab = QWidget()
        lay = QVBoxLayout(measures_tab)
        lay.addWidget(QLabel("各层级可采取的问责措施；启动问责时默认采用其中的第一项"))
        lay.addWidget(self.measures)
        self.default_label = QLabel()
        self.default_label.setObjectName("defaultMeasures")
        self.default_label.setWordWrap(True)
        lay.addWidget(self.default_label)

        for table in (self.weights, self.ladder, self.measures):
            table.verticalHeader().setVisible(False)
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.measures.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(ladder_tab, "阈值阶梯")
        self.tabs.addTab(kinds_tab, "问题类型与计数")
        self.tabs.addTab(measures_tab, "问责措施")

        self.note = QLineEdit()
        self.note.setPlaceholderText("修改说明（如：按省办2026年新规调整）")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存为新版本")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.version_label, 1)
        top.addWidget(QLabel("版本："))
        top.addWidget(self.versions)
        lay.addLayout(top)
        lay.addWidget(QLabel("依据"))
        lay.addWidget(self.basis)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.note)
        lay.addWidget(buttons)
        self.resize(720, 520)
        self.load(self.rules)
        self.add_button.clicked.connect(lambda: self.add_rung(None))
        self.remove_button.clicked.connect(lambda: self.ladder.removeRow(self.ladder.currentRow()))
        self.versions.activated.connect(self._load_version)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

    # -- filling -------------------------------------------------------------------------
    def load(self, rules: RuleSet) -> None:
        """Show ``rules`` in every tab (the newest version, or an older one to start from)."""
        self.shown = rules
        self.basis.setText(rules.basis)
        self.ladder.setRowCount(0)
        for rung in rules.ladder:
            self.add_rung(rung)
        counters = list(RuleCounter)
        self.counter_boxes.clear()
        for row, kind in enumerate(ProblemKind):
            self.weights.setItem(row, 0, _label_item(kind.label))
            spin = QSpinBox()
            spin.setRange(0, 100)
            spin.setValue(rules.weights.get(kind.value, 1))
            self.weights.setCellWidget(row, 1, spin)
            for col, counter in enumerate(counters, start=2):
                holder, box = _check_cell(
                    kind.value in rules.counters.get(counter.value, []),
                    f"counter_{counter.value}_{kind.value}",
                )
                box.setToolTip(f"{kind.label}计入“{counter.label}”")
                self.weights.setCellWidget(row, col, holder)
                self.counter_boxes[(counter.value, kind.value)] = box
        self.measure_boxes.clear()
        for row, measure in enumerate(Measure):
            self.measures.setItem(row, 0, _label_item(measure.label))
            for col, level in enumerate(AccountabilityLevel, start=1):
                holder, box = _check_cell(
                    measure.value in rules.measures.get(level.value, []),
                    f"measure_{level.value}_{measure.value}",
                )
                box.setToolTip(f"{level.label}：{measure.label}")
                box.toggled.connect(self._show_defaults)
                self.measures.setCellWidget(row, col, holder)
                self.measure_boxes[(level.value, measure.value)] = box
        self._show_defaults()

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

    def _show_defaults(self) -> None:
        measures = self._edited_measures()
        parts = []
        for level in AccountabilityLevel:
            chosen = measures.get(level.value)
            first = Measure.label_of(chosen[0]) if chosen else "未设置（按约谈）"
            parts.append(f"{level.label}：{first}")
        self.default_label.setText("启动问责时的默认措施 — " + "；".join(parts))

    def _load_version(self, index: int) -> None:
        rule_id = self.versions.itemData(index)
        if rule_id is not None:
            self.load(self.ctx.call(rules_version, rule_id))

    # -- reading back --------------------------------------------------------------------
    def _edited_measures(self) -> dict[str, list[str]]:
        order = [m.value for m in Measure]
        out = {}
        for level in AccountabilityLevel:
            ticked = {m for m in order if self.measure_boxes[(level.value, m)].isChecked()}
            if ticked:
                out[level.value] = _ordered(self.shown.measures.get(level.value, []), ticked, order)
        return out

    def _edited_counters(self) -> dict[str, list[str]]:
        order = [k.value for k in ProblemKind]
        out = {}
        for counter in RuleCounter:
            ticked = {k for k in order if self.counter_boxes[(counter.value, k)].isChecked()}
            if ticked or counter.value in self.shown.counters:
                out[counter.value] = _ordered(
                    self.shown.counters.get(counter.value, []), ticked, order
                )
        return out

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
        return RuleSet(self.basis.text(), weights, self._edited_counters(), ladder,
                       self._edited_measures())  # fmt: skip

    def save(self) -> None:
        try:
            self.saved_version = self.ctx.run(
                save_rules, self.edited(), self.note.text(), based_on=self.based_on
            )
        except UserError as exc:
            QMessageBox.warning(self, "未保存", str(exc))
            return
        self.accept()


def _label_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item
