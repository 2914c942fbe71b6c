"""What changed: operations announce topics, panes refresh when a topic concerns them."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

#: topics (one per kind of record)
CASES = "cases"
RETURNS = "returns"
LETTERS = "letters"
SPOT_CHECKS = "spot_checks"
ACCOUNTABILITY = "accountability"
UNITS = "units"
USERS = "users"
SETTINGS = "settings"
AUDIT = "audit"  # any audit entry (every write)


class DataEvents(QObject):
    """The application's change bus (also fed by other clerks' changes on a shared database)."""

    changed = Signal(object)  # frozenset[str] of topics
    #: ask the main window to show the register narrowed to a controllers.case_filter.CaseFilter
    open_register = Signal(object)
    #: ask the main window to show a pane (key) narrowed by what its apply_named_filter takes
    open_pane = Signal(str, object)
    #: the database was replaced (restored from a backup): the application starts again
    restart_requested = Signal()

    def announce(self, *topics: str) -> None:
        self.changed.emit(frozenset(topics))
