"""回头看 of a case: the re-checks so far, and recording a new one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from controllers.cases.case_detail import LookbackRow
from controllers.cases.case_edit import EvidenceFile
from models.codes import LookbackResult
from ui import file_dialogs
from ui.register.fields import DateField, ErrorLabel


class LookbackDialog(QDialog):
    """登记回头看: date, result, inspector, note, photo; a new 完成时限 when it relapsed."""

    def __init__(self, *, today: dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lookbackDialog")
        self.setWindowTitle("登记回头看")
        self.today = today or dt.date.today()
        self.checked_on = DateField()
        self.checked_on.set_value(self.today)
        self.result = QComboBox()
        for code, label in LookbackResult.choices():
            self.result.addItem(label, code)
        self.inspector = QLineEdit()
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(60)
        self.new_deadline = DateField()
        self.file_label = QLabel("（无）")
        self.file_button = QPushButton("选择照片…")
        self.warning = QLabel(
            "结果不是“正常”时，该企业将重新打开为“整治中”并记为反弹；原验收、销号日期清空"
            "（保留在变更记录中），关停取缔类须重新完成两断三清。"
        )
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #a04000;")
        self.error = ErrorLabel()
        self.attachment: EvidenceFile | None = None
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(self.file_button)
        form = QFormLayout()
        form.addRow("回头看日期 *", self.checked_on)
        form.addRow("结果 *", self.result)
        form.addRow("检查人", self.inspector)
        form.addRow("情况说明", self.note)
        form.addRow("现场照片", file_row)
        form.addRow("新的完成时限", self.new_deadline)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.warning)
        lay.addWidget(self.error)
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.result.currentIndexChanged.connect(self._on_result)
        self.file_button.clicked.connect(self._choose)
        self._on_result()

    def _on_result(self, *_args) -> None:
        relapse = self.result.currentData() != LookbackResult.NORMAL.value
        self.warning.setVisible(relapse)
        self.new_deadline.setEnabled(relapse)

    def _choose(self) -> None:
        path, _ = file_dialogs.get_open_file_name(
            self, "现场照片", "", "照片 (*.jpg *.jpeg *.png *.bmp);;所有文件 (*)"
        )
        if path:
            self.set_file(path)

    def set_file(self, path: str | Path) -> None:
        p = Path(path)
        self.attachment = EvidenceFile(p.name, p.read_bytes())
        self.file_label.setText(p.name)

    def set_result(self, result: LookbackResult) -> None:
        self.result.setCurrentIndex(self.result.findData(result.value))

    def values(self) -> dict:
        """What to record; raises ValueError for a bad date."""
        relapse = self.result.currentData() != LookbackResult.NORMAL.value
        return {
            "checked_on": self.checked_on.value(),
            "result": LookbackResult(self.result.currentData()),
            "inspector": self.inspector.text(),
            "note": self.note.toPlainText(),
            "attachment": self.attachment,
            "new_deadline": self.new_deadline.value() if relapse else None,
        }

    def _accept(self) -> None:
        try:
            values = self.values()
        except ValueError as exc:
            self.error.show_message(str(exc))
            return
        if values["checked_on"] is None:
            self.error.show_message("请填写回头看日期")
            return
        self.accept()


class LookbackPanel(QWidget):
    """The look-backs of a case and the button to record one (closed cases only)."""

    record_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("lookbackTable")
        self.table.setHorizontalHeaderLabels(["日期", "结果", "检查人", "情况说明"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.record_button = QPushButton("登记回头看…")
        row = QHBoxLayout()
        row.addWidget(self.hint, 1)
        row.addWidget(self.record_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        self.record_button.clicked.connect(self.record_requested)

    def set_rows(self, rows: list[LookbackRow], *, can_record: bool, closed: bool) -> None:
        self.table.setRowCount(len(rows))
        for r, lb in enumerate(reversed(rows)):
            for c, text in enumerate((lb.checked_on.isoformat(), lb.result.label,
                                      lb.inspector or "", lb.note or "")):  # fmt: skip
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.record_button.setEnabled(can_record and closed)
        self.hint.setText(
            "已销号的企业定期“回头看”；结果不是“正常”的将重新打开并记为反弹。"
            if closed
            else "只有已销号的企业才做“回头看”。"
        )
