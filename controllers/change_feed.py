"""Other clerks' changes, read from the audit trail: which panes must refresh.

PostgreSQL pushes each committed entry (``NOTIFY rectify_changes`` from the audit trigger);
elsewhere the application polls the chain head, a one-row read, and reads the new entries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry, AuditHead

CHANNEL = "rectify_changes"

#: object types of audit entries → change topics of the interface (ui/events.py)
_TOPICS = {
    "case": ("cases",),
    "return": ("returns", "cases"),
    "letter": ("letters",),
    "spot_check": ("spot_checks", "cases"),
    "accountability": ("accountability",),
    "unit": ("units",),
    "user": ("users",),
    "setting": ("settings",),
    "attachment": ("cases", "returns", "letters", "spot_checks", "accountability"),
}
_PREFIXES = (("case", "cases"), ("return", "returns"), ("letter", "letters"),
             ("spot", "spot_checks"), ("account", "accountability"), ("unit", "units"),
             ("township", "units"), ("industr", "settings"), ("campaign", "settings"))  # fmt: skip
#: actions that change no data anyone looks at
_QUIET = {"login", "login_failed", "logout", "unlock_screen", "account_locked", "export",
          "audit_export", "backup", "permission_refused", "password_change"}  # fmt: skip


def topics_for(action: str | None, object_type: str | None) -> frozenset[str]:
    """The panes' topics an audit entry concerns ("audit" for every entry: the audit pane)."""
    topics = {"audit"}
    if action in _QUIET or not object_type:
        return frozenset(topics)
    if object_type in _TOPICS:
        topics.update(_TOPICS[object_type])
    else:
        topics.update(t for prefix, t in _PREFIXES if object_type.startswith(prefix))
    return frozenset(topics)


def head_id(session: Session) -> int:
    """The id of the newest audit entry (0 when none)."""
    return int(session.scalar(select(AuditHead.last_id).where(AuditHead.id == 1)) or 0)


@dataclass(frozen=True)
class Changes:
    last_id: int
    topics: frozenset[str]


def changes_since(session: Session, since_id: int, own_user_id: int | None) -> Changes:
    """What other clerks committed after entry ``since_id`` (polling; not on PostgreSQL)."""
    last = head_id(session)
    if last <= since_id:
        return Changes(last, frozenset())
    topics: set[str] = set()
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.object_type, AuditEntry.user_id).where(
            AuditEntry.id > since_id, AuditEntry.id <= last
        )
    )
    for action, object_type, user_id in rows:
        if own_user_id is not None and user_id == own_user_id:
            continue  # this clerk's own changes were announced when they were made
        topics |= topics_for(action, object_type)
    return Changes(last, frozenset(topics))


def topics_from_notification(payload: str, own_user_id: int | None) -> frozenset[str]:
    """Topics of one PostgreSQL notification (the audit trigger's JSON)."""
    try:
        data = json.loads(payload)
    except ValueError:
        return frozenset()
    if own_user_id is not None and data.get("user_id") == own_user_id:
        return frozenset()
    return topics_for(data.get("action"), data.get("object_type"))
