"""Small input widgets of the case form: a date field that may be blank, an error label."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from controllers.dates import parse_date
from ui.dates import from_qdate, to_qdate

#: a tool button whose text already says it opens something: no extra arrow over the text
NO_MENU_ARROW = "QToolButton::menu-indicator { image: none; width: 0px; }"


class DateField(QWidget):
    """A date typed as text (2026-05-25, 2026年5月25日…) or picked from a calendar; blank
    means no date. ``value()`` raises ValueError with a Chinese message for bad text."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("如 2026-05-25")
        self.edit.setClearButtonEnabled(True)
        self.button = QToolButton()
        self.button.setText("日历")
        self.button.setToolTip("从日历中选择日期")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setStyleSheet(NO_MENU_ARROW)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        menu = QMenu(self.button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        self.button.setMenu(menu)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.button)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self.changed)
        self.edit.editingFinished.connect(self.normalise)
        self.calendar.clicked.connect(self._picked)
        menu.aboutToShow.connect(self._sync_calendar)

    def _sync_calendar(self) -> None:
        try:
            value = self.value()
        except ValueError:
            value = None
        day = value or dt.date.today()
        self.calendar.setSelectedDate(to_qdate(day))

    def _picked(self, date: QDate) -> None:
        self.set_value(from_qdate(date))
        self.button.menu().hide()

    def value(self) -> dt.date | None:
        return parse_date(self.edit.text())

    def normalise(self) -> None:
        """Show a date typed as 2026.5.25 or 2026年5月25日 as 2026-05-25 (on leaving the field);
        text that is not a date stays as typed, with its error beside it."""
        try:
            value = self.value()
        except ValueError:
            return
        if value is not None and self.edit.text() != value.isoformat():
            self.set_value(value)

    def set_value(self, value: dt.date | None) -> None:
        self.edit.setText(value.isoformat() if value else "")

    def text(self) -> str:
        return self.edit.text()

    def setReadOnly(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.edit.setClearButtonEnabled(not read_only)
        self.button.setEnabled(not read_only)
        self.button.setVisible(not read_only)  # no calendar on a date that cannot change


class ErrorLabel(QLabel):
    """A red message beside a field; hidden while the field is fine."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setStyleSheet("color: #c0392b;")
        self.hide()

    def show_message(self, message: str | None) -> None:
        self.setText(message or "")
        self.setVisible(bool(message))
