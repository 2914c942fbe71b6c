"""What changed: operations announce topics, panes refresh when a topic concerns them."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from controllers.audit.catalog import ALL_TOPICS, Topic

#: topics (one per kind of record), defined with the audit catalog that maps entries to them
CASES = Topic.CASES.value
RETURNS = Topic.RETURNS.value
LETTERS = Topic.LETTERS.value
SPOT_CHECKS = Topic.SPOT_CHECKS.value
ACCOUNTABILITY = Topic.ACCOUNTABILITY.value
LEADS = Topic.LEADS.value
UNITS = Topic.UNITS.value
USERS = Topic.USERS.value
SETTINGS = Topic.SETTINGS.value
AUDIT = Topic.AUDIT.value  # any audit entry (every write)

__all__ = ["ALL_TOPICS", "DataEvents"]


class DataEvents(QObject):
    """The application's change bus (also fed by other clerks' changes on a shared database)."""

    changed = Signal(object)  # frozenset[str] of topics
    #: ask the main window to show the register narrowed to a controllers.cases.filters.CaseFilter
    open_register = Signal(object)
    #: ask the main window to show a pane (key) narrowed by what its apply_named_filter takes
    open_pane = Signal(str, object)
    #: the database was replaced (restored from a backup): the application starts again
    restart_requested = Signal()

    #: while ``changed`` is emitted for a unit of work of this window: its audit entries'
    #: (action, object_type, object_id), so a pane may refresh just the records concerned
    entries: tuple[tuple[str, str | None, str | None], ...] = ()

    def announce(self, *topics: str, entries: tuple = ()) -> None:
        self.entries = tuple(entries)
        try:
            self.changed.emit(frozenset(topics))
        finally:
            self.entries = ()
