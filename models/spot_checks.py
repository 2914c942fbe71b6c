"""Spot checks (督导抽查): a group's day in a unit, its members, sites and findings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Code, Timestamped, Versioned
from models.codes import FindingKind, SiteResult
from models.units import Unit


class SpotCheck(Versioned, Timestamped, Base):
    """One enforcement group (执法检查组) sent into one unit on one day."""

    __tablename__ = "spot_checks"
    # one group's visit to one unit on one day: saving the same check twice finds it again
    __table_args__ = (
        Index("ix_spot_checks_day_group_unit", "checked_on", "group_name", "unit_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    checked_on: Mapped[dt.date] = mapped_column(Date, index=True)
    group_name: Mapped[str] = mapped_column(String(60))
    leader: Mapped[str | None] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    members: Mapped[list[SpotCheckMember]] = relationship(
        back_populates="check", cascade="all, delete-orphan", order_by="SpotCheckMember.id"
    )
    sites: Mapped[list[SpotCheckSite]] = relationship(
        back_populates="check", cascade="all, delete-orphan", order_by="SpotCheckSite.id"
    )
    findings: Mapped[list[SpotCheckFinding]] = relationship(
        back_populates="check", cascade="all, delete-orphan", order_by="SpotCheckFinding.id"
    )


class SpotCheckMember(Versioned, Base):
    """A person of the group (each counts one 人次)."""

    __tablename__ = "spot_check_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    post: Mapped[str | None] = mapped_column(String(60))
    is_leader: Mapped[bool] = mapped_column(default=False)

    check: Mapped[SpotCheck] = relationship(back_populates="members")


class SpotCheckSite(Versioned, Base):
    """An enterprise or point (企业（点位）) checked."""

    __tablename__ = "spot_check_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    site_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    result: Mapped[SiteResult] = mapped_column(Code(SiteResult), default=SiteResult.OK)
    note: Mapped[str | None] = mapped_column(Text)

    check: Mapped[SpotCheck] = relationship(back_populates="sites")


class SpotCheckFinding(Versioned, Base):
    """A problem found: a new unlisted site (becomes a case), a relapse, or substandard work."""

    __tablename__ = "spot_check_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check_sites.id"))
    kind: Mapped[FindingKind] = mapped_column(Code(FindingKind), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    #: the look-back this finding wrote on an existing case (so the tally counts it once)
    lookback_id: Mapped[int | None] = mapped_column(ForeignKey("case_lookbacks.id"))

    check: Mapped[SpotCheck] = relationship(back_populates="findings")
