"""What every pane gets: the open database and the signed-in clerk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from controllers.actor import Actor
from models.database import Database
from ui.events import DataEvents

T = TypeVar("T")


@dataclass
class AppContext:
    database: Database
    actor: Actor
    events: DataEvents = field(default_factory=DataEvents)

    def call(self, controller: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a controller function in a fresh session: ``ctx.call(summary)``."""
        with self.database.session() as session:
            return controller(session, *args, **kwargs)

    def session(self) -> Session:
        return self.database.session()
