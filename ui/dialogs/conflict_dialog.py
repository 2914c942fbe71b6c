"""保存冲突: another clerk saved the record first — show both versions, let the clerk choose
per field. Works for any record type: it takes the ``EditConflict`` of
``controllers.editing`` (optionally field labels, a value formatter and the values the form
was opened with) and returns the chosen values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from controllers.editing import EditConflict
from ui.formatting import display

MINE = "mine"
THEIRS = "theirs"


def _default_format(_field: str, value: Any) -> str:
    text = display(value)
    return text if text else "（空）"


class ConflictDialog(QDialog):
    """One row per conflicting field: (opened with,) mine, theirs, and which to keep."""

    def __init__(
        self,
        conflict: EditConflict,
        parent: QWidget | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        format_value: Callable[[str, Any], str] | None = None,
        base: Mapping[str, Any] | None = None,
        title: str = "保存冲突：该记录已被其他用户修改",
        choose: bool = True,
        intro: str | None = None,
        save_text: str = "按所选保存",
    ) -> None:
        """``choose=False``: a step that is not a field edit (a merge) — the table only shows
        what the clerk saw beside what is saved now, and the save button (``save_text``)
        starts the step again from the current records."""
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle(title)
        self.conflict = conflict
        self._labels = labels or {}
        self._format = format_value or _default_format
        self._base = base
        self._groups: dict[str, QButtonGroup] = {}

        intro_label = QLabel(
            intro
            or f"您打开这条记录后，其他用户已保存了新的内容（现为第 {conflict.current_version} 版）。"
            "您的修改尚未保存。请逐项选择保留哪一份，然后点“按所选保存”；"
            "未列出的字段不受影响。"
        )
        intro_label.setWordWrap(True)
        columns = [
            "字段",
            *(["打开时"] if base is not None else []),
            "我的修改" if choose else "我看到的",
            "他人已保存",
            *(["保留"] if choose else []),
        ]
        self.table = QTableWidget(len(conflict.conflicts), len(columns))
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels(columns)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        if choose:
            header.setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.ResizeToContents)
        for row, fc in enumerate(conflict.conflicts):
            cells = [self._labels.get(fc.field, fc.field)]
            if base is not None:
                cells.append(self._format(fc.field, base.get(fc.field)))
            cells += [self._format(fc.field, fc.mine), self._format(fc.field, fc.theirs)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
            if choose:
                self.table.setCellWidget(row, len(columns) - 1, self._choice(fc.field, fc.theirs))
        self.table.resizeRowsToContents()

        self.all_mine_button = QPushButton("全部用我的")
        self.all_theirs_button = QPushButton("全部用他人的")
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(save_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("conflictSave")
        self.all_mine_button.setVisible(choose)
        self.all_theirs_button.setVisible(choose)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        row = QHBoxLayout()
        row.addWidget(self.all_mine_button)
        row.addWidget(self.all_theirs_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        lay = QVBoxLayout(self)
        lay.addWidget(intro_label)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        self.resize(720, 360)
        self._connect_callbacks()

    def _choice(self, field: str, theirs: Any) -> QWidget:
        box = QWidget()
        lay = QHBoxLayout(box)
        lay.setContentsMargins(4, 0, 4, 0)
        mine = QRadioButton("我的")
        mine.setObjectName(f"mine_{field}")
        other = QRadioButton("他人的")
        other.setObjectName(f"theirs_{field}")
        group = QButtonGroup(box)
        group.addButton(mine)
        group.addButton(other)
        # Default: keep the other clerk's work where they changed the field; keep mine where
        # only I did (their value is what the form was opened with).
        they_changed = self._base is None or self._base.get(field) != theirs
        (other if they_changed else mine).setChecked(True)
        lay.addWidget(mine)
        lay.addWidget(other)
        self._groups[field] = group
        return box

    def _connect_callbacks(self) -> None:
        self.all_mine_button.clicked.connect(lambda: self.choose_all(MINE))
        self.all_theirs_button.clicked.connect(lambda: self.choose_all(THEIRS))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def choose(self, field: str, which: str) -> None:
        """Keep ``which`` (MINE or THEIRS) for one field."""
        buttons = self._groups[field].buttons()
        buttons[0 if which == MINE else 1].setChecked(True)

    def choose_all(self, which: str) -> None:
        for field in self._groups:
            self.choose(field, which)

    def choices(self) -> dict[str, str]:
        """Field → MINE or THEIRS."""
        return {
            field: MINE if group.buttons()[0].isChecked() else THEIRS
            for field, group in self._groups.items()
        }

    def resolution(self) -> dict[str, Any]:
        """Field → the value the clerk chose to keep."""
        by_field = {fc.field: fc for fc in self.conflict.conflicts}
        return {f: (by_field[f].mine if c == MINE else by_field[f].theirs)
                for f, c in self.choices().items()}  # fmt: skip

    def changes_to_save(self) -> dict[str, Any]:
        """What to save again at the current version: the fields where the clerk kept theirs
        own value (the others already hold the other clerk's)."""
        by_field = {fc.field: fc for fc in self.conflict.conflicts}
        return {f: by_field[f].mine for f, c in self.choices().items() if c == MINE}

    @property
    def current_version(self) -> int:
        return self.conflict.current_version
