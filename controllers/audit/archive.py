"""Retention of the audit log: at least 6 months live, older entries archived, never lost.

Archiving copies the oldest entries, unchanged, into ``audit_archive`` and only then removes
them from ``audit_log``, in one transaction; the database refuses to remove an entry that has
no identical archived copy, and refuses to archive one younger than 6 months. ``audit verify``
checks the archive and the live log as one chain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import DateTime, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import ValidationError
from controllers.permissions import Permission, require
from controllers.settings import get_setting, set_setting
from models import AuditArchive, AuditEntry
from models.base import now

#: GB/T 22239-2019 (level 2) asks for at least 6 months of audit records
MIN_RETENTION_MONTHS = 6
RETENTION_KEY = "audit.retention_months"

_COLUMNS = (
    "id",
    "at",
    "user_id",
    "username",
    "action",
    "object_type",
    "object_id",
    "result",
    "detail",
    "prev_hash",
    "entry_hash",
)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month's end)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def retention_months(session: Session) -> int:
    """How many months of entries stay in the live log (at least 6)."""
    return max(int(get_setting(session, RETENTION_KEY, MIN_RETENTION_MONTHS)), MIN_RETENTION_MONTHS)


def set_retention_months(session: Session, actor: Actor, months: int) -> None:
    """Change the retention period; fewer than 6 months is refused."""
    require(actor, Permission.MANAGE_AUDIT)
    if months < MIN_RETENTION_MONTHS:
        raise ValidationError(
            f"审计日志至少保存 {MIN_RETENTION_MONTHS} 个月（网络安全等级保护二级要求），"
            f"不能设为 {months} 个月。",
            field="months",
        )
    old = retention_months(session)
    set_setting(session, RETENTION_KEY, int(months))
    record(session, actor, "update", "setting", RETENTION_KEY, detail={"old": old, "new": months})


@dataclass(frozen=True)
class ArchiveResult:
    moved: int
    up_to_id: int | None
    cutoff: dt.datetime


def archive_old_entries(
    session: Session, actor: Actor, *, moment: dt.datetime | None = None
) -> ArchiveResult:
    """Move entries older than the retention period into the archive.

    Only a prefix of the chain moves (every entry before the first young one), so the live
    log always continues the archive.
    """
    require(actor, Permission.MANAGE_AUDIT)
    moment = moment or now()
    cutoff = months_before(moment, retention_months(session))
    first_young = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.at >= cutoff))
    stmt = select(func.max(AuditEntry.id)).where(AuditEntry.at < cutoff)
    if first_young is not None:
        stmt = stmt.where(AuditEntry.id < first_young)
    up_to = session.scalar(stmt)
    moved = 0
    if up_to is not None:
        cols = [getattr(AuditEntry, c) for c in _COLUMNS]
        session.execute(
            insert(AuditArchive).from_select(
                [*_COLUMNS, "archived_at"],
                select(*cols, literal(moment, DateTime).label("archived_at"))
                .where(AuditEntry.id <= up_to)
                .order_by(AuditEntry.id),
            )
        )
        moved = session.execute(delete(AuditEntry).where(AuditEntry.id <= up_to)).rowcount
    record(
        session,
        actor,
        "audit_archive",
        "audit_log",
        up_to,
        detail={"moved": moved, "cutoff": cutoff.isoformat(sep=" ")},
    )
    return ArchiveResult(moved, up_to, cutoff)
