"""Other clerks' changes appear without restarting: they are fed into ``ctx.events``.

PostgreSQL: a dedicated connection ``LISTEN``s to the notifications the audit trigger sends
at every commit. SQLite and MariaDB: the chain head (one row) is polled every few seconds and
new entries are read. Either way each committed change reaches the panes as topics, and a
lost connection is reported to the connection monitor.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Container

from PySide6.QtCore import QObject, QThread, Signal

from controllers.audit.change_feed import CHANNEL, changes_since, head_id, topics_from_notification
from models.database import Database
from ui import events
from ui.context import AppContext

logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0
ALL_TOPICS = events.ALL_TOPICS


class _Worker(QThread):
    changed = Signal(object)  # frozenset[str]
    lost = Signal(str)

    def __init__(self, database: Database, announced: Container[int], interval: float) -> None:
        super().__init__()
        self.database = database
        #: this window's own entries (already announced when its unit of work committed)
        self.announced = announced
        self.interval = interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        if self.database.info.backend == "postgresql":
            self._listen()
        else:
            self._poll()

    # -- polling (SQLite, MariaDB) ------------------------------------------------------
    def _poll(self) -> None:
        last: int | None = None
        failing = False
        while not self._stop.is_set():
            try:
                with self.database.session() as session:
                    if last is None:
                        last = head_id(session)
                    else:
                        found = changes_since(session, last, self.announced)
                        last = found.last_id
                        if found.topics:
                            self.changed.emit(found.topics)
                if failing:  # back after an outage: something may have been missed
                    self.changed.emit(ALL_TOPICS)
                failing = False
            except Exception as exc:  # noqa: BLE001 (a watcher must survive any failure)
                if not failing:
                    self.lost.emit(str(exc))
                failing = True
            self._stop.wait(self.interval)

    # -- LISTEN/NOTIFY (PostgreSQL) -----------------------------------------------------
    def _listen(self) -> None:
        import psycopg

        url = self.database.engine.url
        params = {
            "host": url.host or "localhost",
            "port": url.port or 5432,
            "dbname": url.database,
            "user": url.username,
            "password": url.password,
            "connect_timeout": 10,
        }
        failing = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(**{k: v for k, v in params.items() if v is not None},
                                     autocommit=True) as conn:  # fmt: skip
                    conn.execute(f"LISTEN {CHANNEL}")
                    if failing:
                        self.changed.emit(ALL_TOPICS)
                    failing = False
                    while not self._stop.is_set():
                        topics: set[str] = set()
                        for note in conn.notifies(timeout=1.0):
                            topics |= topics_from_notification(note.payload, self.announced)
                        if topics:
                            self.changed.emit(frozenset(topics))
            except Exception as exc:  # noqa: BLE001 (a watcher must survive any failure)
                if not failing:
                    self.lost.emit(str(exc))
                failing = True
                self._stop.wait(self.interval)


class ChangeListener(QObject):
    """Starts the watcher for a context; ``stop()`` before the database is closed."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *,
                 interval: float = POLL_SECONDS) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx = ctx
        self._worker = _Worker(ctx.database, ctx.announced, interval)
        self._worker.changed.connect(self._announce)
        self._worker.lost.connect(self._lost)

    def start(self) -> ChangeListener:
        self._worker.start()
        return self

    def stop(self) -> None:
        self._worker.stop()
        self._worker.wait(15_000)

    def _announce(self, topics: frozenset[str]) -> None:
        self.ctx.events.announce(*sorted(topics))

    def _lost(self, reason: str) -> None:
        if self.ctx.connection is not None:
            self.ctx.connection.report_lost(reason)
