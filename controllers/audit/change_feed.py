"""Other clerks' changes, read from the audit trail: which panes must refresh.

PostgreSQL pushes each committed entry (``NOTIFY rectify_changes`` from the audit trigger);
elsewhere the application polls the chain head, a one-row read, and reads the new entries.
"""

from __future__ import annotations

import json
from collections.abc import Container
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.audit.catalog import topics_for
from models import AuditEntry, AuditHead

__all__ = [
    "CHANNEL",
    "Changes",
    "changes_since",
    "head_id",
    "topics_for",
    "topics_from_notification",
]

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
