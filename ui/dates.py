"""Converting between Python dates and Qt's QDate, and date fields that may stay empty."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit

#: the minimum date of an optional date field: shown as its empty text, read as None
NO_DATE = QDate(2000, 1, 1)


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def optional_date_edit(empty_text: str) -> QDateEdit:
    """A date field with a calendar that may stay empty (``empty_text`` shown)."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText(empty_text)  # shown at the minimum date
    edit.setDate(NO_DATE)
    return edit


def set_optional_date(edit: QDateEdit, day: dt.date | None) -> None:
    edit.setDate(to_qdate(day) if day else NO_DATE)


def optional_date(edit: QDateEdit) -> dt.date | None:
    d = edit.date()
    return None if d == NO_DATE else from_qdate(d)
