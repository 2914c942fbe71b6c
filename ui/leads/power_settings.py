"""Settings of the power company's lists: which headers name which field, and the threshold."""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from controllers.errors import UserError
from controllers.leads.power import (
    DEFAULT_COLUMNS,
    FIELD_LABELS,
    power_settings,
    save_power_settings,
)
from ui.context import AppContext
from ui.operations import show_error


class PowerSettingsBox(QGroupBox):
    """The column mapping (several headers per field, separated by 、) and the kWh threshold."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("供电公司用电数据（线索）", parent)
        self.ctx = ctx
        self.edits = {key: QLineEdit() for key in DEFAULT_COLUMNS}
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(1, 1_000_000)
        self.threshold.setDecimals(0)
        self.threshold.setSuffix(" 千瓦时/月")
        self.save_button = QPushButton("保存")
        self.status = QLabel()
        form = QFormLayout()
        for key, edit in self.edits.items():
            edit.setToolTip("表头名称，多个用“、”分隔")
            form.addRow(f"{FIELD_LABELS[key]}列的表头：", edit)
        form.addRow("销号后月用电量达到：", self.threshold)
        hint = QLabel("各月用电量列按表头识别（如“2026-03”“2026年3月”“202603”）。"
                      "销号后某月用电量达到阈值即提出线索。")  # fmt: skip
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.save_button.clicked.connect(self.save)

    def load(self) -> None:
        columns, threshold = self.ctx.call(power_settings)
        for key, edit in self.edits.items():
            edit.setText("、".join(columns.get(key, [])))
        self.threshold.setValue(threshold)
        self.status.clear()

    def save(self) -> None:
        columns = {
            key: [h for h in re.split(r"[、,，;；\s]+", edit.text()) if h]
            for key, edit in self.edits.items()
        }
        try:
            self.ctx.run(save_power_settings, columns, self.threshold.value())
        except UserError as exc:
            show_error(self, "用电数据设置", exc)
            return
        self.status.setText("已保存。")
