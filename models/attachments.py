"""Attachments: files stored in the database so every clerk of a shared database sees them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from models.base import Base, Blob, Code, now
from models.codes import AttachmentKind


class AttachmentBlob(Base):
    """File content, stored once per SHA-256 checksum."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(Blob))


class Attachment(Base):
    """A file attached to a case, return, letter, spot check or accountability record."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[AttachmentKind] = mapped_column(Code(AttachmentKind), default=AttachmentKind.OTHER)
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("county_returns.id"), index=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"), index=True)
    spot_check_id: Mapped[int | None] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    accountability_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("accountability_records.id"), index=True
    )

    blob: Mapped[AttachmentBlob] = relationship()
