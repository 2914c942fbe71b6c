"""首次使用: a new database (no units, no data) is either set up for this office — its city's
name, its units and their townships — or filled with the demo to try the program."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
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
from controllers.permissions import Permission, can
from controllers.returns.reader import UnreadableFile
from controllers.units.list_file import UnitList, read_pasted_units, read_unit_list
from controllers.units.setup import needs_first_start, set_up_office
from ui.operations import error_text

EXAMPLE = "单位\t简称\t代码\t类型\t乡镇\n东城区\t东城\tdongcheng\t区\t东街道、西街道\n北山县\t北山\tbeishan\t县\t北山镇、南河乡"

OFFICE, DEMO = "office", "demo"


class FirstStartDialog(QDialog):
    """Choose 建立本单位数据库 (city, units, townships) or 试用演示数据."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstStartDialog")
        self.setWindowTitle("首次使用：建立本单位数据库")
        self.ctx = ctx
        self.choice: str | None = None
        self.file_list: UnitList | None = None
        intro = QLabel(
            "这是一个新的数据库，还没有责任单位。请填写本市名称和责任单位（及其乡镇），"
            "或者先用演示数据试用（演示数据可随时换成新的空数据库）。"
        )
        intro.setWordWrap(True)
        self.office_radio = QRadioButton("建立本单位数据库")
        self.office_radio.setChecked(True)
        self.demo_radio = QRadioButton("试用演示数据（虚构的 25 个单位和两年清单）")
        self.city_edit = QLineEdit()
        self.city_edit.setPlaceholderText("如：某某市")
        self.units_edit = QPlainTextEdit()
        self.units_edit.setObjectName("unitsPaste")
        self.units_edit.setPlaceholderText(
            "从 Excel 复制粘贴（列：单位、简称、代码、类型、乡镇，可另有负责人、乙方；每个乡镇一行，"
            "或在“乡镇”列中用“、”分隔），例如：\n" + EXAMPLE
        )
        self.file_button = QPushButton("从 Excel 文件读取…")
        self.file_label = QLabel()
        self.message = QLabel()
        self.message.setObjectName("firstStartMessage")
        self.message.setWordWrap(True)
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.addRow("本市名称：", self.city_edit)
        form.addRow("责任单位：", self.units_edit)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_button)
        file_row.addWidget(self.file_label, 1)
        form.addRow("", file_row)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton("开始使用", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("以后再说", QDialogButtonBox.ButtonRole.RejectRole)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.office_radio)
        lay.addWidget(self.form, 1)
        lay.addWidget(self.demo_radio)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.resize(720, 520)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.office_radio.toggled.connect(self.form.setEnabled)
        self.file_button.clicked.connect(self.choose_file)
        self.buttons.accepted.connect(self.finish)
        self.buttons.rejected.connect(self.reject)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "读取单位名单", "", "表格 (*.xlsx *.xlsm *.xls *.ods *.csv)"
        )
        if path:
            self.use_file(Path(path))

    def use_file(self, path: Path) -> bool:
        try:
            parsed = read_unit_list(path)
        except UnreadableFile as exc:
            self.message.setText(str(exc))
            return False
        self.file_list = parsed
        self.file_label.setText(
            f"{parsed.filename}：{len(parsed.units)} 个单位，"
            f"{sum(len(u.townships) for u in parsed.units)} 个乡镇"
        )
        return self._show_errors(parsed)

    def _show_errors(self, parsed: UnitList) -> bool:
        if parsed.valid:
            self.message.setText("")
            return True
        if not parsed.units and not parsed.errors:
            self.message.setText("请粘贴或读取责任单位名单。")
            return False
        lines = [e.text() if e.row else f"{e.column}：{e.message}" for e in parsed.errors[:15]]
        self.message.setText(f"名单有 {len(parsed.errors)} 处错误：\n" + "\n".join(lines))
        return False

    def finish(self) -> None:
        """The chosen path: the office's own units written (all or nothing), or the demo."""
        if self.demo_radio.isChecked():
            self.choice = DEMO
            self.accept()
            return
        pasted = self.units_edit.toPlainText().strip()
        parsed = read_pasted_units(pasted) if pasted else (self.file_list or UnitList(""))
        if not self._show_errors(parsed):
            return
        try:
            self.ctx.run(set_up_office, self.city_edit.text(), parsed.units)
        except UserError as exc:
            self.message.setText(error_text(exc))
            return
        self.choice = OFFICE
        self.accept()


def offer_first_start(ctx, parent: QWidget | None = None) -> str | None:
    """On a new database, ask how to begin; returns OFFICE, DEMO or None (nothing done)."""
    if not can(ctx.actor, Permission.MANAGE_UNITS) or not ctx.call(needs_first_start):
        return None
    dialog = FirstStartDialog(ctx, parent)
    dialog.exec()
    if dialog.choice == DEMO:
        from ui.startup import fill_demo

        fill_demo(ctx.database)
    return dialog.choice
