"""两断三清 of a 关停取缔 case: 断水, 断电, 清除原料, 清除产品, 清除设备 — each with its date and
evidence file. Edits are kept until the case is saved (one transaction with the form)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from controllers.attachments import MAX_ATTACHMENT_BYTES
from controllers.cases.case_detail import CheckRow
from controllers.cases.case_edit import CheckEdit, EvidenceFile
from models.codes import CheckItem
from ui import file_dialogs
from ui.register.fields import DateField, ErrorLabel

EVIDENCE_FILTER = "照片或扫描件 (*.jpg *.jpeg *.png *.bmp *.gif *.tif *.tiff *.pdf);;所有文件 (*)"


class _ItemRow:
    """The widgets of one checklist item."""

    def __init__(self, item: CheckItem) -> None:
        self.item = item
        self.label = QLabel(item.label)
        self.date = DateField()
        self.date.setObjectName(f"check_date_{item.value}")
        self.evidence_label = QLabel("未上传佐证材料")
        self.evidence_label.setObjectName(f"check_evidence_{item.value}")
        self.choose_button = QPushButton("选择文件…")
        self.view_button = QPushButton("查看")
        self.note = QLineEdit()
        self.note.setPlaceholderText("备注")
        self.note.setToolTip("备注，如供电公司停电记录编号")
        self.error = ErrorLabel()
        self.row: CheckRow = CheckRow(item)
        self.new_file: EvidenceFile | None = None


class ChecklistWidget(QWidget):
    """The five items; ``pending_edits()`` lists what the clerk changed."""

    changed = Signal()
    view_requested = Signal(int)  # attachment id of an item's evidence

    def __init__(self, *, today: dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = today or dt.date.today()
        self.hint = QLabel(
            "关停取缔类企业须完成“两断三清”：断水、断电，清除原料、产品和设备。"
            "每一项都要填写完成日期并上传佐证材料（现场照片、供电公司断电记录等），"
            "全部完成后才能销号。"
        )
        self.hint.setWordWrap(True)
        self.not_applicable = QLabel("该企业的整治类型不是“关停取缔”，不需要两断三清。")
        self.not_applicable.setWordWrap(True)
        self.rows: dict[CheckItem, _ItemRow] = {}
        grid = QGridLayout()
        for col, title in enumerate(("项目", "完成日期", "佐证材料", "", "", "备注")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
        for r, item in enumerate(CheckItem, start=1):
            row = _ItemRow(item)
            self.rows[item] = row
            grid.addWidget(row.label, 2 * r - 1, 0)
            grid.addWidget(row.date, 2 * r - 1, 1)
            grid.addWidget(row.evidence_label, 2 * r - 1, 2)
            grid.addWidget(row.choose_button, 2 * r - 1, 3)
            grid.addWidget(row.view_button, 2 * r - 1, 4)
            grid.addWidget(row.note, 2 * r - 1, 5)
            grid.addWidget(row.error, 2 * r, 1, 1, 5)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(5, 1)
        self.grid_box = QWidget()
        self.grid_box.setLayout(grid)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hint)
        lay.addWidget(self.not_applicable)
        lay.addWidget(self.grid_box)
        lay.addStretch(1)
        self._connect_callbacks()
        self.set_applicable(True)

    def _connect_callbacks(self) -> None:
        for row in self.rows.values():
            row.date.changed.connect(self._on_edit)
            row.note.textChanged.connect(self._on_edit)
            row.choose_button.clicked.connect(lambda _=False, r=row: self._choose(r))
            row.view_button.clicked.connect(
                lambda _=False, r=row: self.view_requested.emit(r.row.evidence_id)
            )

    def set_applicable(self, applicable: bool) -> None:
        self.hint.setVisible(applicable)
        self.grid_box.setVisible(applicable)
        self.not_applicable.setVisible(not applicable)

    def set_rows(self, rows: dict[CheckItem, CheckRow]) -> None:
        """Show the stored state of the five items (pending edits dropped)."""
        for item, row in self.rows.items():
            stored = rows.get(item, CheckRow(item))
            row.row = stored
            row.new_file = None
            for w in (row.date, row.note):
                w.blockSignals(True)
            row.date.set_value(stored.done_on)
            row.note.setText(stored.note or "")
            for w in (row.date, row.note):
                w.blockSignals(False)
            self._show_evidence(row)
        self.validate()

    def set_read_only(self, read_only: bool) -> None:
        for row in self.rows.values():
            row.date.setReadOnly(read_only)
            row.note.setReadOnly(read_only)
            row.choose_button.setEnabled(not read_only)
            row.choose_button.setVisible(not read_only)  # nothing to choose in a read-only view

    def _show_evidence(self, row: _ItemRow) -> None:
        if row.new_file is not None:
            row.evidence_label.setText(f"待保存：{row.new_file.filename}")
        elif row.row.evidence_name:
            row.evidence_label.setText(row.row.evidence_name)
        else:
            row.evidence_label.setText("未上传佐证材料")
        row.view_button.setEnabled(row.new_file is None and row.row.evidence_id is not None)

    def _choose(self, row: _ItemRow) -> None:
        path, _ = file_dialogs.get_open_file_name(
            self, f"{row.item.label}的佐证材料", "", EVIDENCE_FILTER
        )
        if path:
            self.set_evidence_file(row.item, path)

    def set_evidence_file(self, item: CheckItem, path: str | Path) -> bool:
        """Choose a file as an item's evidence (stored when the case is saved)."""
        row = self.rows[item]
        p = Path(path)
        size = p.stat().st_size
        if size > MAX_ATTACHMENT_BYTES or size == 0:
            problem = "是空的" if size == 0 else f"超过 {MAX_ATTACHMENT_BYTES // 1048576} MB 上限"
            row.error.show_message(f"文件“{p.name}”{problem}")
            return False
        row.new_file = EvidenceFile(p.name, p.read_bytes())
        self._show_evidence(row)
        self._on_edit()
        return True

    def _on_edit(self, *_args) -> None:
        self.validate()
        self.changed.emit()

    def validate(self) -> dict[str, str]:
        """Messages per item (bad or future dates), shown beside the items."""
        errors = {}
        for item, row in self.rows.items():
            message = None
            try:
                done = row.date.value()
                if done and done > self.today:
                    message = "完成日期不能晚于今天"
            except ValueError as exc:
                message = str(exc)
            row.error.show_message(message)
            if message:
                errors[f"check_{item.value}"] = f"{item.label}：{message}"
        return errors

    def pending_edits(self) -> list[CheckEdit]:
        """The items the clerk changed (valid dates assumed: call ``validate`` first)."""
        edits = []
        for item, row in self.rows.items():
            try:
                done = row.date.value()
            except ValueError:
                continue
            note = row.note.text().strip() or None
            stored = row.row
            if done == stored.done_on and note == (stored.note or None) and row.new_file is None:
                continue
            edits.append(CheckEdit(item, done, note, evidence=row.new_file,
                                   expected_version=stored.version))  # fmt: skip
        return edits
