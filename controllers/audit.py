"""Writing audit entries, each hash-chained to the previous one."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from models import AuditEntry
from models.base import now
from models.codes import AuditResult


def entry_digest(prev_hash: str | None, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(((prev_hash or "") + payload).encode("utf-8")).hexdigest()


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
    """The fields of an entry that its hash covers."""
    at = entry.at.isoformat(sep=" ") if isinstance(entry.at, dt.datetime) else str(entry.at)
    return {
        "id": entry.id,
        "at": at,
        "user_id": entry.user_id,
        "username": entry.username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "result": str(entry.result),
        "detail": entry.detail,
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    *,
    result: AuditResult = AuditResult.OK,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry in the session's transaction (committed with the change)."""
    last = session.execute(
        select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    entry = AuditEntry(
        at=now(),
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        prev_hash=last.entry_hash if last else None,
    )
    session.add(entry)
    session.flush()  # assigns the id the hash covers
    entry.entry_hash = entry_digest(entry.prev_hash, entry_fields(entry))
    session.flush()
    return entry
