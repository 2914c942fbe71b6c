"""What every pane gets: the open database and the signed-in clerk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit import record_refusal
from controllers.connectivity import is_disconnect
from controllers.permissions import PermissionDenied
from models.database import Database
from ui.events import DataEvents

T = TypeVar("T")


@dataclass
class AppContext:
    database: Database
    actor: Actor
    events: DataEvents = field(default_factory=DataEvents)
    #: ui.connection_banner.ConnectionMonitor once the main window runs (None in tests)
    connection: Any = None

    def call(self, controller: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a controller function in a fresh session: ``ctx.call(summary)``.

        A refused permission is audited; a lost connection is reported to the banner.
        """
        try:
            with self.database.session() as session:
                return controller(session, *args, **kwargs)
        except PermissionDenied as exc:
            record_refusal(self.database, exc)
            raise
        except Exception as exc:
            if self.connection is not None and is_disconnect(exc):
                self.connection.report_lost(str(exc))
            raise

    def session(self) -> Session:
        return self.database.session()
