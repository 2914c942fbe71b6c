"""Every field of the register for one case, validated as the clerk types, with the message
beside the field. The rules are ``controllers.cases.validation``'s, the same the save uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from controllers.cases.case_detail import FormChoices
from controllers.cases.validation import (
    CASE_FIELDS,
    FIELDS_BY_KEY,
    FieldSpec,
    clean_value,
    validate_case,
)
from models.codes import CaseStatus, join_codes, split_codes
from ui.register.fields import DateField, ErrorLabel

#: fields shown in groups, in order
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("企业（点位）", ("unit_id", "township_id", "village", "serial_no", "name", "owner", "phone",
                   "address", "industry_id", "main_products", "batch_id", "is_quasi")),
    ("问题与整治", ("problem_types", "pollution_types", "classification", "measures", "deadline",
                 "source", "discovered_on")),
    ("责任人", ("resp_first", "resp_direct", "resp_specific")),
    ("整治进展与销号", ("progress_note", "completed_on", "township_checked_on", "accepted_on",
                   "approved_by", "closed_on")),
    ("备注", ("remark",)),
)  # fmt: skip
REQUIRED = frozenset({"unit_id", "classification", "source"})
NONE_CHOICE = "（未选择）"


class CaseForm(QWidget):
    """The fields of a case; ``changed`` on every edit, messages shown beside the fields."""

    changed = Signal()

    def __init__(self, choices: FormChoices, *, today: dt.date | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.choices = choices
        self.today = today or dt.date.today()
        self.status = CaseStatus.PENDING.value
        self.original: dict[str, Any] = {}
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self._read_only = False
        self._filling = False
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for title, keys in SECTIONS:
            heading = QLabel(title)
            font = QFont(heading.font())
            font.setBold(True)
            heading.setFont(font)
            form.addRow(heading)
            for key in keys:
                spec = FIELDS_BY_KEY[key]
                widget = self._make_widget(spec)
                widget.setObjectName(f"field_{key}")
                self.widgets[key] = widget
                error = ErrorLabel()
                error.setObjectName(f"error_{key}")
                self.errors[key] = error
                cell = QWidget()
                box = QVBoxLayout(cell)
                box.setContentsMargins(0, 0, 0, 0)
                box.setSpacing(1)
                box.addWidget(widget)
                box.addWidget(error)
                label = spec.label + (" *" if key in REQUIRED else "")
                form.addRow(label, cell)
        self._fill_choices()
        self._connect_callbacks()

    # -- construction -------------------------------------------------------------------
    def _make_widget(self, spec: FieldSpec) -> QWidget:
        if spec.kind == "date":
            return DateField()
        if spec.kind in ("ref", "code"):
            combo = QComboBox()
            combo.setMaxVisibleItems(20)
            return combo
        if spec.kind == "codes":
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            for member in spec.enum:
                check = QCheckBox(member.label)
                check.setObjectName(f"{spec.key}_{member.value}")
                check.setProperty("code", member.value)
                row.addWidget(check)
            row.addStretch(1)
            return box
        if spec.kind == "bool":
            return QCheckBox("是（原址或附近重新开工、补办手续而未真正提升）")
        if spec.kind == "text":
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(58)
            return edit
        edit = QLineEdit()
        if spec.key == "phone":
            edit.setPlaceholderText("手机 11 位或座机如 0311-86001234，多个号码用顿号分隔")
        if spec.key == "name":
            edit.setPlaceholderText("无名称的点位可留空，但须填写地址和业主/法人")
        return edit

    def _fill_choices(self) -> None:
        c = self.choices
        self._set_combo(self.widgets["unit_id"], c.units)
        self._set_combo(self.widgets["industry_id"], c.industries)
        self._set_combo(self.widgets["batch_id"], c.batches)
        for key in ("classification", "source"):
            self._set_combo(self.widgets[key], FIELDS_BY_KEY[key].enum.choices())
        self._fill_townships()

    @staticmethod
    def _set_combo(combo: QComboBox, items) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(NONE_CHOICE, None)
        for key, label in items:
            combo.addItem(label, key)
        index = combo.findData(current) if current is not None else 0
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def _fill_townships(self) -> None:
        unit_id = self.widgets["unit_id"].currentData()
        towns = self.choices.townships.get(unit_id, []) if unit_id is not None else []
        self._set_combo(self.widgets["township_id"], towns)

    def _connect_callbacks(self) -> None:
        for key, widget in self.widgets.items():
            if isinstance(widget, DateField):
                widget.changed.connect(self._on_edit)
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self._on_edit)
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(self._on_edit)
            elif isinstance(widget, QPlainTextEdit | QLineEdit):
                widget.textChanged.connect(self._on_edit)
            else:
                for check in widget.findChildren(QCheckBox):
                    check.toggled.connect(self._on_edit)
            if key == "unit_id":
                widget.currentIndexChanged.connect(self._fill_townships)

    def _on_edit(self, *_args) -> None:
        if self._filling:
            return
        self.validate()
        self.changed.emit()

    # -- values -------------------------------------------------------------------------
    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the form from a stored record (or defaults for a new case)."""
        self._filling = True
        try:
            self.original = dict(values)
            self.status = values.get("status") or CaseStatus.PENDING.value
            for spec in CASE_FIELDS:
                self._put(spec, values.get(spec.key))
                if spec.key == "unit_id":
                    self._fill_townships()
        finally:
            self._filling = False
        self._apply_read_only()
        self.validate()

    def _put(self, spec: FieldSpec, value: Any) -> None:
        w = self.widgets[spec.key]
        if spec.kind == "date":
            w.set_value(value)
        elif spec.kind in ("ref", "code"):
            index = w.findData(value) if value is not None else 0
            w.setCurrentIndex(max(index, 0))
        elif spec.kind == "codes":
            chosen = {m.value for m in split_codes(spec.enum, value or "")}
            for check in w.findChildren(QCheckBox):
                check.setChecked(check.property("code") in chosen)
        elif spec.kind == "bool":
            w.setChecked(bool(value))
        elif spec.kind == "text":
            w.setPlainText(value or "")
        else:
            w.setText("" if value is None else str(value))

    def _take(self, spec: FieldSpec) -> Any:
        """The typed value of a field (raises ValueError for text that is not a value)."""
        w = self.widgets[spec.key]
        if spec.kind == "date":
            return w.value()
        if spec.kind in ("ref", "code"):
            return w.currentData()
        if spec.kind == "codes":
            chosen = [
                spec.enum(c.property("code")) for c in w.findChildren(QCheckBox) if c.isChecked()
            ]
            return join_codes(chosen)
        if spec.kind == "bool":
            return w.isChecked()
        if spec.kind == "text":
            return w.toPlainText()
        if spec.kind == "int":
            text = w.text().strip()
            if not text:
                return None
            if not text.isdigit():
                raise ValueError("序号应为正整数")
            return int(text)
        return w.text()

    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(stored values, messages of fields whose text is not a value)."""
        out: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for spec in CASE_FIELDS:
            try:
                out[spec.key] = clean_value(spec.key, self._take(spec))
            except ValueError as exc:
                problems[spec.key] = str(exc)
                out[spec.key] = self.original.get(spec.key)
        return out, problems

    def validate(self) -> dict[str, str]:
        """Check every field and show each message beside its field; returns them."""
        values, problems = self.values()
        values["status"] = self.status
        errors = dict(problems)
        for key, message in validate_case(values, today=self.today,
                                          township_units=self.choices.township_units).items():  # fmt: skip
            errors.setdefault(key, message)
        for key, label in self.errors.items():
            label.show_message(errors.get(key))
        return errors

    def show_error(self, key: str | None, message: str) -> None:
        """Show a message the controller returned beside its field."""
        if key in self.errors:
            self.errors[key].show_message(message)
            self.widgets[key].setFocus()

    def changes(self) -> dict[str, Any]:
        """The fields the clerk changed, with their new stored values."""
        values, _ = self.values()
        out = {}
        for spec in CASE_FIELDS:
            new, old = values[spec.key], clean_value(spec.key, self.original.get(spec.key))
            if spec.kind == "bool":
                new, old = bool(new), bool(old)
            if spec.kind == "codes":
                new, old = new or "", old or ""
            if new != old:
                out[spec.key] = values[spec.key]
        return out

    # -- read-only ----------------------------------------------------------------------
    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self._apply_read_only()

    def _apply_read_only(self) -> None:
        for key, w in self.widgets.items():
            # 销号日期 is set by the close-out; it may be corrected only on a closed case
            locked = self._read_only or (key == "closed_on" and self.status != CaseStatus.CLOSED)
            if isinstance(w, QLineEdit | QPlainTextEdit | DateField):
                w.setReadOnly(locked)
            else:
                w.setEnabled(not locked)
