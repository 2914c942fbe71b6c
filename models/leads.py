"""线索: candidates of relocation, relapse and 类散乱污 found in the data, their decisions,
the links between cases they confirmed and the power company's consumption lists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Code, Versioned, now
from models.codes import CodedEnum


class LeadKind(CodedEnum):
    """What a candidate suggests about the old (closed) case."""

    RELOCATION = "relocation", "异地转移"
    RELAPSE = "relapse", "死灰复燃"
    SIMILAR = "similar", "类散乱污"


class LeadStatus(CodedEnum):
    OPEN = "open", "待研判"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "已排除"


class Lead(Versioned, Base):
    """One candidate: a case (or a power-company premises) that looks like a closed case.

    ``other_case_id`` is always the old, closed case; ``case_id`` the newer case (None for a
    power-data candidate, which names ``power_record_id`` instead, and for a permit candidate,
    which names ``permit_id``). ``evidence`` is JSON
    ``[{field, this, other}]``; ``sides`` a JSON snapshot of both sides for the comparison (a
    county clerk may not read another unit's case). ``fingerprint`` hashes the evidence: a
    dismissed candidate is raised again only when it changes.
    """

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("pair_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[LeadKind] = mapped_column(Code(LeadKind), index=True)
    status: Mapped[LeadStatus] = mapped_column(Code(LeadStatus), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    power_record_id: Mapped[int | None] = mapped_column(ForeignKey("power_records.id"))
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permits.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    other_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text)
    sides: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    found_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str | None] = mapped_column(Text)


class CaseLink(Base):
    """Two cases a confirmed candidate showed to be the same business (old ← new)."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "other_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)  # the newer case
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)  # the old one
    kind: Mapped[LeadKind] = mapped_column(Code(LeadKind))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PowerImport(Base):
    """One list received from the power company (电力数据研判)."""

    __tablename__ = "power_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PowerRecord(Base):
    """One premises of a power list: 户名, 户号, 用电地址, 行业 and monthly kWh (JSON)."""

    __tablename__ = "power_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("power_imports.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    account_no: Mapped[str | None] = mapped_column(String(60), index=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(60))
    readings: Mapped[str] = mapped_column(Text)  # {"2026-03": 1200.0, …}


class Permit(Base):
    """One permitted enterprise (排污许可 / 排污登记) of an imported permit list: a newly
    permitted business of a banned trade at a closed site's address is a 类散乱污 candidate."""

    __tablename__ = "permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(40), index=True)  # 统一社会信用代码
    address: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(60))  # as the list writes it
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    permit_date: Mapped[dt.date | None] = mapped_column(Date)
    permit_no: Mapped[str | None] = mapped_column(String(80), index=True)
    source_file: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
