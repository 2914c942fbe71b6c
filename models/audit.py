"""The audit log: append-only, each entry hash-chained to the previous one.

``audit_head`` holds the chain's newest entry (one row): appending locks it, so two clerks
writing at once never fork the chain, and deleting the newest entries is detected.
Entries older than the retention period move to ``audit_archive`` (never deleted).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Code, now
from models.codes import AuditResult


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)  # assigned by the chain: previous + 1
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40), index=True)  # create, update, login, import…
    object_type: Mapped[str | None] = mapped_column(String(40), index=True)
    object_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[AuditResult] = mapped_column(Code(AuditResult), default=AuditResult.OK)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON (old → new values…)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))


class AuditArchive(Base):
    """Entries moved out of ``audit_log`` after the retention period, unchanged."""

    __tablename__ = "audit_archive"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[AuditResult] = mapped_column(Code(AuditResult))
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class AuditHead(Base):
    """The newest entry of the chain (a single row, id 1); kept by database triggers."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str | None] = mapped_column(String(64))
