"""Changes committed elsewhere appear without restarting: they are fed into ``ctx.events``.

The watching itself is :func:`controllers.audit.change_feed.watch` (LISTEN/NOTIFY on
PostgreSQL, polling the chain head elsewhere); this thread only drives it and hands what it
yields to the window: topics to the panes, a lost connection to the connection monitor.
Another clerk's change, and the same clerk's on another workstation or on the command line,
are announced; this window's own units of work were announced when they committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Container

from PySide6.QtCore import QObject, QThread, Signal

from controllers.audit.change_feed import watch
from ui.context import AppContext

logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0


class _Worker(QThread):
    changed = Signal(object)  # frozenset[str]
    lost = Signal(str)
    ready = Signal()

    def __init__(self, database, announced: Container[int], interval: float) -> None:
        super().__init__()
        self.database = database
        #: this window's own entries (already announced when its unit of work committed)
        self.announced = announced
        self.interval = interval
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        for event in watch(self.database, self.announced, self._stop, interval=self.interval):
            if event.lost is not None:
                self.lost.emit(event.lost)
            if event.topics:
                self.changed.emit(event.topics)
            if event.ready:
                self.ready.emit()


class ChangeListener(QObject):
    """Starts the watcher for a context; ``stop()`` before the database is closed."""

    #: the watcher is listening (PostgreSQL) or has read where the trail stands
    ready = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None, *,
                 interval: float = POLL_SECONDS) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx = ctx
        self._worker = _Worker(ctx.database, ctx.announced, interval)
        self._worker.changed.connect(self._announce)
        self._worker.lost.connect(self._lost)
        self._worker.ready.connect(self.ready)

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
