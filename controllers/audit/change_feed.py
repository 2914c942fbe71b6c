"""Changes committed elsewhere, read from the audit trail: which panes must refresh.

PostgreSQL pushes each committed entry (``NOTIFY rectify_changes`` from the audit trigger);
elsewhere the application polls the chain head, a one-row read, and reads the new entries.
:func:`watch` does either and yields what it finds; the window's thread only drives it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Container, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.audit.catalog import ALL_TOPICS, topics_for
from models import AuditEntry, AuditHead
from models.database import Database

__all__ = [
    "CHANNEL",
    "Changes",
    "FeedEvent",
    "changes_since",
    "head_id",
    "topics_for",
    "topics_from_notification",
    "watch",
]

logger = logging.getLogger(__name__)

CHANNEL = "rectify_changes"


def head_id(session: Session) -> int:
    """The id of the newest audit entry (0 when none)."""
    return int(session.scalar(select(AuditHead.last_id).where(AuditHead.id == 1)) or 0)


@dataclass(frozen=True)
class Changes:
    last_id: int
    topics: frozenset[str]


def changes_since(
    session: Session, since_id: int, announced: Container[int] = frozenset()
) -> Changes:
    """What was committed after entry ``since_id`` (polling; not on PostgreSQL).

    Entries in ``announced`` were written by this window, which announced them when its unit
    of work committed; everything else — another clerk, or the same clerk on another
    workstation or on the command line — is reported.
    """
    last = head_id(session)
    if last <= since_id:
        return Changes(last, frozenset())
    topics: set[str] = set()
    rows = session.execute(
        select(AuditEntry.id, AuditEntry.action, AuditEntry.object_type).where(
            AuditEntry.id > since_id, AuditEntry.id <= last
        )
    )
    for entry_id, action, object_type in rows:
        if entry_id in announced:
            continue  # this window's own change, announced when it committed
        topics |= topics_for(action, object_type)
    return Changes(last, frozenset(topics))


def topics_from_notification(
    payload: str, announced: Container[int] = frozenset()
) -> frozenset[str]:
    """Topics of one PostgreSQL notification (the audit trigger's JSON)."""
    try:
        data = json.loads(payload)
    except ValueError:
        return frozenset()
    if data.get("id") in announced:
        return frozenset()
    return topics_for(data.get("action"), data.get("object_type"))


@dataclass(frozen=True)
class FeedEvent:
    """One thing the watcher saw: it is ready (listening, or has read the head), topics
    changed elsewhere, or the connection was lost (``lost`` says why)."""

    topics: frozenset[str] = frozenset()
    lost: str | None = None
    ready: bool = False


def watch(
    database: Database,
    announced: Container[int],
    stop: threading.Event,
    *,
    interval: float = 5.0,
) -> Iterator[FeedEvent]:
    """Yield the changes committed by anyone but this window (whose own entries are in
    ``announced``) until ``stop`` is set; after an outage, every topic (something may have
    been missed). Never raises: a failure is yielded as ``lost`` and retried."""
    if database.info.backend == "postgresql":
        yield from _listen(database, announced, stop, interval)
    else:
        yield from _poll(database, announced, stop, interval)


def _poll(
    database: Database, announced: Container[int], stop: threading.Event, interval: float
) -> Iterator[FeedEvent]:
    last: int | None = None
    failing = False
    while not stop.is_set():
        try:
            with database.session() as session:
                if last is None:
                    last = head_id(session)
                    found = None
                else:
                    found = changes_since(session, last, announced)
                    last = found.last_id
            if found is None:
                yield FeedEvent(ready=True)
            elif found.topics:
                yield FeedEvent(found.topics)
            if failing:  # back after an outage: something may have been missed
                yield FeedEvent(ALL_TOPICS)
            failing = False
        except Exception as exc:  # noqa: BLE001 (a watcher must survive any failure)
            if not failing:
                yield FeedEvent(lost=str(exc))
            failing = True
        stop.wait(interval)


def _listen(
    database: Database, announced: Container[int], stop: threading.Event, interval: float
) -> Iterator[FeedEvent]:
    import psycopg

    url = database.engine.url
    params = {
        "host": url.host or "localhost",
        "port": url.port or 5432,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
        "connect_timeout": 10,
    }
    failing = False
    while not stop.is_set():
        try:
            with psycopg.connect(**{k: v for k, v in params.items() if v is not None},
                                 autocommit=True) as conn:  # fmt: skip
                conn.execute(f"LISTEN {CHANNEL}")
                yield FeedEvent(ALL_TOPICS if failing else frozenset(), ready=True)
                failing = False
                while not stop.is_set():
                    topics: set[str] = set()
                    for note in conn.notifies(timeout=1.0):
                        topics |= topics_from_notification(note.payload, announced)
                    if topics:
                        yield FeedEvent(frozenset(topics))
        except Exception as exc:  # noqa: BLE001 (a watcher must survive any failure)
            if not failing:
                yield FeedEvent(lost=str(exc))
            failing = True
            stop.wait(interval)
