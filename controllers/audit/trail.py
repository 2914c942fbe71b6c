"""Writing audit entries, each hash-chained to the previous one.

:func:`record` queues an entry in the session; it is appended to the chain when the session
commits, in the same transaction as the change it describes (a rollback drops it). Appending
locks the chain's head row (``audit_head``: ``SELECT … FOR UPDATE`` on PostgreSQL and
MariaDB, SQLite's write lock), so two clerks committing at once never fork the chain, and the
lock is held only for the moment of the commit. On PostgreSQL the database itself appends and
hashes (``rectify_audit_append()``), so clerks' database roles need no privilege on the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import AuditAction, AuditObject, action_label, object_label
from models import AuditEntry, AuditHead
from models.base import now
from models.codes import AuditResult

__all__ = ["action_label", "flush_audit", "object_label", "record", "record_now", "record_refusal"]

logger = logging.getLogger(__name__)

_PENDING = "rectify_pending_audit"
#: (id, action, object_type, object_id) of every entry appended since the unit of work began
TRANSACTION_ENTRIES = "rectify_transaction_audit"


def entry_digest(prev_hash: str | None, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    payload = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(((prev_hash or "") + payload).encode("utf-8")).hexdigest()


def entry_fields(entry: Any) -> dict[str, Any]:
    """The fields of an entry (or archived entry) that its hash covers."""
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
    """Add an audit entry to the session's transaction; it is chained when the session commits.

    The returned entry gets its ``id`` and hashes at commit (or at :func:`flush_audit`).
    """
    action = AuditAction(action).value  # a code outside controllers/audit/catalog.py is a bug
    if object_type is not None:
        object_type = AuditObject(object_type).value
    entry = AuditEntry(
        at=now(),
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id)[:64],
        result=AuditResult(result),
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
    )
    if not session.in_transaction():
        session.begin()  # so that a rollback of this transaction drops the entry
    session.info.setdefault(_PENDING, []).append(entry)
    return entry


def flush_audit(session: Session) -> None:
    """Append the session's queued entries to the chain now (they commit with the session)."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session, pending)


def _append(session: Session, entries: list[AuditEntry]) -> None:
    if session.connection().dialect.name == "postgresql":
        _append_postgresql(session, entries)
    else:
        _append_locked(session, entries)
    written = session.info.get(TRANSACTION_ENTRIES)
    if written is not None:  # a unit of work is collecting what it wrote
        written.extend((e.id, e.action, e.object_type, e.object_id) for e in entries)


def _append_postgresql(session: Session, entries: list[AuditEntry]) -> None:
    """The database locks the head, hashes and inserts (and names the account itself)."""
    stmt = text(
        "SELECT entry_id, entry_at, entry_prev, entry_hash FROM "
        "rectify_audit_append(:user_id, :username, :action, :object_type, :object_id, "
        ":result, :detail)"
    )
    for e in entries:
        row = session.execute(
            stmt,
            {
                "user_id": e.user_id,
                "username": e.username,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "result": str(e.result),
                "detail": e.detail,
            },
        ).one()
        e.id, e.at, e.prev_hash, e.entry_hash = row


def _append_locked(session: Session, entries: list[AuditEntry]) -> None:
    """Lock the head row, continue the chain from it (triggers move the head)."""
    if session.connection().dialect.name == "sqlite":
        # A write takes SQLite's database write lock before the head is read.
        session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(last_id=AuditHead.last_id)
        )
    last_id, last_hash = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
    ).one()
    for e in entries:
        e.id = last_id + 1
        e.prev_hash = last_hash
        e.entry_hash = entry_digest(last_hash, entry_fields(e))
        session.add(e)
        last_id, last_hash = e.id, e.entry_hash
    session.flush()


@event.listens_for(Session, "before_commit")
def _chain_on_commit(session: Session) -> None:
    flush_audit(session)


@event.listens_for(Session, "after_transaction_end")
def _drop_unwritten(session: Session, transaction) -> None:
    """A transaction that ended without commit (rollback, close) takes its entries with it."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)


def record_now(
    session_factory: Any,
    actor: Actor,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    *,
    result: AuditResult = AuditResult.OK,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record one entry in a transaction of its own (e.g. a refused action, a failed login).

    ``session_factory`` is a :class:`models.database.Database` or anything with ``session()``.
    Never raises: a failure to audit is logged, not shown over the clerk's real problem.
    """
    try:
        with session_factory.session() as session, session.begin():
            record(session, actor, action, object_type, object_id, result=result, detail=detail)
    except Exception:  # the refusal itself must still reach the clerk
        logger.exception("could not write the audit entry %s", action)


def record_refusal(session_factory: Any, exc: BaseException) -> None:
    """Audit a :class:`controllers.permissions.PermissionDenied` in its own transaction."""
    actor = getattr(exc, "actor", None)
    if actor is None:
        return
    permission = getattr(exc, "permission", None)
    unit_id = getattr(exc, "unit_id", None)
    record_now(
        session_factory,
        actor,
        "permission_refused",
        None if unit_id is None else "unit",
        unit_id,
        result=AuditResult.REFUSED,
        detail={
            "permission": None if permission is None else str(permission),
            "message": str(exc),
        },
    )
