"""The form of one campaign: name, year, plan, requirements and its stages with deadlines."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from controllers.campaigns import CampaignInput, StageInput
from models.codes import StageKind
from ui.dates import from_qdate, to_qdate

COL_KIND, COL_NAME, COL_START, COL_DEADLINE = range(4)
ID_ROLE = Qt.ItemDataRole.UserRole


def _date_edit(day: dt.date | None) -> QDateEdit:
    edit = QDateEdit(to_qdate(day or dt.date.today()))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class CampaignDialog(QDialog):
    """Edits a :class:`CampaignInput`; ``values()`` gives what the clerk entered."""

    def __init__(self, data: CampaignInput, parent: QWidget | None = None, *, title: str) -> None:
        super().__init__(parent)
        self.setObjectName("campaignDialog")
        self.setWindowTitle(title)
        self.name = QLineEdit(data.name)
        self.name.setObjectName("campaignName")
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(data.year)
        self.plan_title = QLineEdit(data.plan_title)
        self.plan_title.setPlaceholderText("如《××市“散乱污”企业持续整治专项行动方案》")
        self.started_on = _date_edit(data.started_on)
        self.requirements = QPlainTextEdit(data.requirements)
        self.requirements.setPlaceholderText("每行一项工作要求")
        self.requirements.setMaximumHeight(96)
        self.stages = QTableWidget(0, 4)
        self.stages.setObjectName("stagesTable")
        self.stages.setHorizontalHeaderLabels(["阶段类型", "阶段名称", "开始日期", "截止日期"])
        self.stages.verticalHeader().setVisible(False)
        self.stages.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.stages.horizontalHeader().setSectionResizeMode(
            COL_NAME, QHeaderView.ResizeMode.Stretch
        )
        for stage in data.stages:
            self.add_stage(stage)
        self.add_button = QPushButton("添加阶段")
        self.remove_button = QPushButton("删除所选阶段")
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setStyleSheet("color: #b71c1c;")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        form = QFormLayout()
        form.addRow("专项行动名称：", self.name)
        form.addRow("年度：", self.year)
        form.addRow("行动方案：", self.plan_title)
        form.addRow("开始日期：", self.started_on)
        form.addRow("工作要求：", self.requirements)
        stage_buttons = QHBoxLayout()
        stage_buttons.addWidget(self.add_button)
        stage_buttons.addWidget(self.remove_button)
        stage_buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(
            QLabel("阶段（按时间先后排列；县区上报按“全面自查”等阶段的截止日期判断是否逾期）：")
        )
        lay.addWidget(self.stages, 1)
        lay.addLayout(stage_buttons)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.resize(720, 560)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.add_button.clicked.connect(lambda: self.add_stage())
        self.remove_button.clicked.connect(self.remove_selected_stage)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def add_stage(self, stage: StageInput | None = None) -> None:
        row = self.stages.rowCount()
        self.stages.insertRow(row)
        kind = QComboBox()
        for k in StageKind:
            kind.addItem(k.label, k.value)
        if stage is not None:
            kind.setCurrentIndex(kind.findData(stage.kind.value))
        name = QTableWidgetItem(stage.name if stage else "")
        name.setData(ID_ROLE, stage.id if stage else None)
        self.stages.setCellWidget(row, COL_KIND, kind)
        self.stages.setItem(row, COL_NAME, name)
        self.stages.setCellWidget(row, COL_START, _date_edit(stage.starts_on if stage else None))
        self.stages.setCellWidget(row, COL_DEADLINE, _date_edit(stage.deadline if stage else None))

    def remove_selected_stage(self) -> None:
        rows = sorted({i.row() for i in self.stages.selectedIndexes()}, reverse=True)
        for row in rows:
            self.stages.removeRow(row)

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def values(self) -> CampaignInput:
        stages = []
        for row in range(self.stages.rowCount()):
            item = self.stages.item(row, COL_NAME)
            stages.append(
                StageInput(
                    kind=StageKind(self.stages.cellWidget(row, COL_KIND).currentData()),
                    name=item.text() if item else "",
                    starts_on=from_qdate(self.stages.cellWidget(row, COL_START).date()),
                    deadline=from_qdate(self.stages.cellWidget(row, COL_DEADLINE).date()),
                    id=item.data(ID_ROLE) if item else None,
                )
            )
        return CampaignInput(
            name=self.name.text(),
            year=self.year.value(),
            plan_title=self.plan_title.text(),
            started_on=from_qdate(self.started_on.date()),
            requirements=self.requirements.toPlainText(),
            stages=stages,
        )
