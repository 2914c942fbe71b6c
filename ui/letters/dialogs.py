"""The dialogs of a letter's life: generate, issue, record the signature, archive, step back.

Each dialog collects values and hands them to ``submit``; when the controller refuses them,
the clerk sees why and the dialog stays open with everything typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from controllers.errors import UserError
from controllers.letters.workflow import DEFAULT_DUE_DAYS, SCAN_SUFFIXES
from ui import file_dialogs
from ui.dates import from_qdate, to_qdate
from ui.operations import show_error

Submit = Callable[[dict[str, Any]], None]
OUTPUT_DIR_KEY = "Letters/output_dir"


def date_edit(day: dt.date | None = None, *, max_today: bool = True) -> QDateEdit:
    edit = QDateEdit(to_qdate(day or dt.date.today()))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy年M月d日")
    if max_today:
        edit.setMaximumDate(to_qdate(dt.date.today()))
    return edit


class SubmitDialog(QDialog):
    """A form whose OK hands ``values()`` to ``submit``; a refusal keeps it open."""

    title = ""

    def __init__(self, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.title)
        self.submit = submit
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.intro)
        lay.addLayout(self.form)
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def accept(self) -> None:
        try:
            self.submit(self.values())
        except UserError as exc:
            show_error(self, self.title, exc)
            return
        super().accept()


class IssueDialog(SubmitDialog):
    """印发: the issue date and when the signed copy is due back."""

    title = "印发承诺书"

    def __init__(
        self, unit_names: list[str], submit: Submit, parent: QWidget | None = None
    ) -> None:
        super().__init__(submit, parent)
        shown = "、".join(unit_names[:8]) + ("等" if len(unit_names) > 8 else "")
        self.intro.setText(f"印发 {len(unit_names)} 份承诺书：{shown}。")
        self.issued = date_edit()
        self.due = date_edit(dt.date.today() + dt.timedelta(days=DEFAULT_DUE_DAYS), max_today=False)
        self.form.addRow("印发日期：", self.issued)
        self.form.addRow("签署件返回期限：", self.due)
        self.issued.dateChanged.connect(lambda d: self.due.setDate(d.addDays(DEFAULT_DUE_DAYS)))

    def values(self) -> dict[str, Any]:
        return {"issued_on": from_qdate(self.issued.date()), "due_on": from_qdate(self.due.date())}


class SignDialog(SubmitDialog):
    """已签署: who signed for the unit, and when."""

    title = "登记签署"

    def __init__(self, unit_name: str, signer: str, submit: Submit,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(submit, parent)
        self.intro.setText(f"{unit_name}的承诺书已签署返回。")
        self.signer = QLineEdit(signer)
        self.signer.setMaxLength(40)
        self.signer.setPlaceholderText("签署人姓名")
        self.signed = date_edit()
        self.form.addRow("签署人：", self.signer)
        self.form.addRow("签署日期：", self.signed)

    def values(self) -> dict[str, Any]:
        return {"signer_name": self.signer.text(), "signed_on": from_qdate(self.signed.date())}


class ArchiveDialog(SubmitDialog):
    """已归档: the scanned signed copy."""

    title = "归档签署件扫描件"

    def __init__(self, unit_name: str, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(submit, parent)
        self.intro.setText(f"选择{unit_name}签署承诺书的扫描件（PDF 或图片），保存到数据库后归档。")
        self.path = QLineEdit()
        self.path.setPlaceholderText("扫描件文件")
        self.browse = QPushButton("选择文件…")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.archived = date_edit()
        self.form.addRow("扫描件：", row)
        self.form.addRow("归档日期：", self.archived)
        self.browse.clicked.connect(self.choose_file)

    def choose_file(self) -> None:
        patterns = " ".join(f"*{s}" for s in SCAN_SUFFIXES)
        name, _ = file_dialogs.get_open_file_name(self, "选择扫描件", "", f"扫描件 ({patterns})")
        if name:
            self.path.setText(name)

    def values(self) -> dict[str, Any]:
        text = self.path.text().strip()
        if not text:
            raise UserError("请选择签署承诺书的扫描件。")
        return {"path": Path(text), "archived_on": from_qdate(self.archived.date())}


class StepBackDialog(SubmitDialog):
    """撤回一步: the reason is required and kept."""

    title = "撤回上一步"

    def __init__(self, unit_name: str, status_label: str, submit: Submit,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(submit, parent)
        self.intro.setText(
            f"将{unit_name}的承诺书从“{status_label}”撤回到上一状态。原因将记入审计日志。"
        )
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("撤回原因（必填），例如：签署人登记错误")
        self.reason.setFixedHeight(80)
        self.form.addRow("原因：", self.reason)

    def values(self) -> dict[str, Any]:
        return {"reason": self.reason.toPlainText()}


def default_output_dir() -> str:
    """The folder letters were last written to, or 文档/承诺书."""
    saved = QSettings().value(OUTPUT_DIR_KEY)
    if saved:
        return str(saved)
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return str(Path(docs or Path.home()) / "承诺书")


class BatchDialog(SubmitDialog):
    """生成承诺书: all units or the selected ones, the date of new drafts, the folder."""

    title = "生成承诺书"

    def __init__(self, total: int, selected: list[str], submit: Submit,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(submit, parent)
        self.intro.setText(
            "每个单位生成一份 PDF（以单位名称命名），另生成一份合订本供双面打印。"
            "尚未生成的承诺书先建立为“起草”；已印发的承诺书按原模板版本重新输出。"
        )
        self.all_units = QRadioButton(f"全部 {total} 个单位")
        shown = "、".join(selected[:6]) + ("等" if len(selected) > 6 else "")
        self.selected_units = QRadioButton(
            f"所选 {len(selected)} 个单位：{shown}" if selected else "所选单位（未选择）"
        )
        self.selected_units.setEnabled(bool(selected))
        group = QButtonGroup(self)
        group.addButton(self.all_units)
        group.addButton(self.selected_units)
        (self.selected_units if len(selected) > 1 else self.all_units).setChecked(True)
        scope = QVBoxLayout()
        scope.addWidget(self.all_units)
        scope.addWidget(self.selected_units)
        self.letter_date = date_edit(max_today=False)
        self.folder = QLineEdit(default_output_dir())
        self.browse = QPushButton("选择文件夹…")
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        self.form.addRow("范围：", scope)
        self.form.addRow("新承诺书落款日期：", self.letter_date)
        self.form.addRow("保存到：", row)
        self.browse.clicked.connect(self.choose_folder)

    def choose_folder(self) -> None:
        folder = file_dialogs.get_existing_directory(self, "保存承诺书的文件夹", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def values(self) -> dict[str, Any]:
        folder = self.folder.text().strip()
        if not folder:
            raise UserError("请选择保存承诺书的文件夹。")
        QSettings().setValue(OUTPUT_DIR_KEY, folder)
        return {
            "folder": Path(folder),
            "selected_only": self.selected_units.isChecked(),
            "letter_date": from_qdate(self.letter_date.date()),
        }
