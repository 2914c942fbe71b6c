"""What every pane gets: the open database, the signed-in clerk and the change bus."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from controllers.actor import Actor
from controllers.infra.database_setup import Database
from controllers.unit_of_work import Outcome, call, run
from ui.events import DataEvents

T = TypeVar("T")

#: how many of this window's own audit entries are remembered (the change feed skips them)
_ANNOUNCED_KEPT = 10_000


@dataclass
class AppContext:
    database: Database
    actor: Actor
    events: DataEvents = field(default_factory=DataEvents)
    #: ui.connection_banner.ConnectionMonitor once the main window runs (None in tests)
    connection: Any = None
    #: ids of audit entries this window wrote and announced itself
    announced: set[int] = field(default_factory=set)
    _announced_order: deque[int] = field(default_factory=deque)

    def call(self, controller: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``controller(session, *args)`` as one unit of work and announce what changed."""
        return self.publish(
            call(self.database, controller, *args, on_lost=self._lost, claim=self.claim, **kwargs)
        )

    def run(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``use_case(session, actor, *args)`` for the signed-in clerk (one unit of work)."""
        return self.publish(
            run(
                self.database,
                self.actor,
                use_case,
                *args,
                on_lost=self._lost,
                claim=self.claim,
                **kwargs,
            )
        )

    def claim(self, audit_ids: tuple[int, ...]) -> None:
        """Mark entries as this window's own just before they commit (any thread): the change
        feed skips them, since :meth:`publish` announces them."""
        for entry_id in audit_ids:
            self.announced.add(entry_id)
            self._announced_order.append(entry_id)
        while len(self._announced_order) > _ANNOUNCED_KEPT:
            self.announced.discard(self._announced_order.popleft())

    def publish(self, outcome: Outcome[T]) -> T:
        """Announce a committed unit of work's topics (on the UI thread)."""
        if outcome.audit_ids:
            self.events.announce(*sorted(outcome.topics), entries=outcome.entries)
        return outcome.value

    def _lost(self, reason: str) -> None:
        if self.connection is not None:
            self.connection.report_lost(reason)
