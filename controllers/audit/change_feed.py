"""Changes committed elsewhere, read from the audit trail: which panes must refresh.

PostgreSQL wakes the watcher at each commit (``NOTIFY rectify_changes`` from the audit
trigger); elsewhere the application polls the chain head, a one-row read. Either way the new
entries themselves are read from ``audit_log``, and only they say which panes must refresh.
:func:`watch` does either and yields what it finds; the window's thread only drives it.

A notification carries nothing (migration 0007_i14) and is trusted for nothing: PostgreSQL
lets any role LISTEN to or NOTIFY any channel, so a notification is only a wake-up. What
changed is read from the trail through ``rectify_audit_changes_since()``, which gives every
role the kind of each newer entry (id, action, object type) and nothing else — not the
object, the user or the detail, which row-level security keeps to the roles that may read
them. A forged notification causes one read that finds nothing; listening reveals nothing; and
another clerk's commit still refreshes every window whose panes it touched (which then re-read
their own data under row-level security).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Container, Iterator
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from controllers.audit.catalog import ALL_TOPICS, topics_for
from controllers.infra import mariadb_roles
from models import AuditEntry, AuditHead
from models.database import Database

__all__ = [
    "CHANNEL",
    "Changes",
    "FeedEvent",
    "changes_since",
    "head_id",
    "topics_for",
    "visible_changes_since",
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
    if mariadb_roles.is_scoped(session):
        # a per-user MariaDB account reads its own entries only; the kinds of all of them
        rows = session.execute(
            text(
                f"SELECT id, action, object_type FROM {mariadb_roles.KINDS_VIEW}"
                " WHERE id > :since AND id <= :last"
            ),
            {"since": since_id, "last": last},
        )
    else:
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


#: how far the trail has got, and the kind of each entry since one (any role may ask: ids,
#: actions and object types only; PostgreSQL, psycopg)
_LAST_ID = "SELECT rectify_audit_last_id()"
_VISIBLE_SINCE = (
    "SELECT id, action, object_type FROM rectify_audit_changes_since(%s) WHERE id <= %s"
)


def visible_changes_since(conn, since_id: int, announced: Container[int] = frozenset()) -> Changes:
    """The kinds of the entries after ``since_id`` (PostgreSQL, a psycopg connection in
    autocommit), read from the trail itself: what a notification woke the watcher for."""
    last = int(conn.execute(_LAST_ID).fetchone()[0])
    if last <= since_id:  # nothing new (or the database was restored to an earlier state)
        return Changes(last, frozenset())
    topics: set[str] = set()
    for entry_id, action, object_type in conn.execute(_VISIBLE_SINCE, (since_id, last)):
        if entry_id not in announced:
            topics |= topics_for(action, object_type)
    return Changes(last, frozenset(topics))


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
                # listening first: an entry committed from here on wakes the loop below
                last = int(conn.execute(_LAST_ID).fetchone()[0])
                yield FeedEvent(ALL_TOPICS if failing else frozenset(), ready=True)
                failing = False
                while not stop.is_set():
                    woken = False
                    for _note in conn.notifies(timeout=1.0):
                        woken = True  # the payload is ignored: anyone may send one
                    if not woken:
                        continue
                    found = visible_changes_since(conn, last, announced)
                    last = found.last_id
                    if found.topics:
                        yield FeedEvent(found.topics)
        except Exception as exc:  # noqa: BLE001 (a watcher must survive any failure)
            if not failing:
                yield FeedEvent(lost=str(exc))
            failing = True
            stop.wait(interval)
