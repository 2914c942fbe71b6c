"""Commitment letters (承诺书) and their versioned templates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Code, Timestamped, Versioned, now
from models.codes import LetterStatus
from models.units import Unit


class LetterTemplate(Base):
    """One version of a letter template; versions are never edited, a change is a new row."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("key", "version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), default="commitment")
    version_no: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # paragraphs with {placeholders}; see controllers
    issuer_name: Mapped[str] = mapped_column(String(120))  # the city bureau's signature block
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Letter(Versioned, Timestamped, Base):
    """The letter of one unit for a campaign: 起草 → 已印发 → 已签署 → 已归档."""

    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("unit_id", "campaign_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("letter_templates.id"))
    status: Mapped[LetterStatus] = mapped_column(Code(LetterStatus), default=LetterStatus.DRAFT)
    letter_date: Mapped[dt.date | None] = mapped_column(Date)  # date printed on the letter
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # signed copy expected back by
    signer_name: Mapped[str | None] = mapped_column(String(40))
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    archived_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    template: Mapped[LetterTemplate] = relationship()
