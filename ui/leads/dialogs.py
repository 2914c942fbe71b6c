"""Confirm or dismiss a candidate: what will happen, a note or the (required) reason."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from controllers.leads.store import LeadKind, LeadRow

DISMISS_REASONS = [
    "同名同姓，不是同一业主",
    "村委会（公用）电话，不是同一业主",
    "已现场核实，为合法经营的其他企业",
    "已现场核实，原址无生产",
    "用电为生活用电或仓储用电",
    "许可单位为合法经营的其他行业企业",
]


def consequence(row: LeadRow) -> str:
    """What confirming does, in the clerk's words."""
    if row.kind == LeadKind.SIMILAR and row.permit_id:
        return (
            f"确认后，原企业 #{row.other_case_id} 标记为“类散乱污”（原址已取得排污许可；"
            "许可单位不是整治清单中的企业，不建立关联）。"
        )
    if row.kind == LeadKind.SIMILAR:
        return f"确认后，新企业 #{row.case_id} 标记为“类散乱污”，并与原企业 #{row.other_case_id} 关联。"
    result = "异地转移" if row.kind == LeadKind.RELOCATION else "死灰复燃"
    link = f"，并与新企业 #{row.case_id} 关联" if row.case_id else ""
    return (
        f"确认后，对原企业 #{row.other_case_id} 记录一次回头看，结果为“{result}”{link}："
        "原企业重新打开为“整治中”，计入反弹。此操作不可撤销。"
    )


class ConfirmLeadDialog(QDialog):
    def __init__(self, row: LeadRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("确认线索")
        self.setObjectName("confirmLeadDialog")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("核实情况（可选），如：经现场核实为同一业主")
        self.note.setMaximumHeight(90)
        text = QLabel(consequence(row))
        text.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确认线索")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(QLabel("核实情况："))
        lay.addWidget(self.note)
        lay.addWidget(buttons)

    def note_text(self) -> str:
        return self.note.toPlainText().strip()


class DismissLeadDialog(QDialog):
    def __init__(self, row: LeadRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("排除线索")
        self.setObjectName("dismissLeadDialog")
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(DISMISS_REASONS)
        self.reason.setCurrentIndex(-1)
        self.reason.lineEdit().setPlaceholderText("请选择或填写排除理由（必填）")
        text = QLabel(
            f"排除线索 #{row.other_case_id}：排除后不再提出，除非出现新的证据（如新的相同电话、新的月用电量）。"
        )
        text.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("排除")
        self.ok.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.currentTextChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(QLabel("排除理由："))
        lay.addWidget(self.reason)
        lay.addWidget(self.buttons)

    def reason_text(self) -> str:
        return self.reason.currentText().strip()
