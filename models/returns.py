"""County returns (县区上报): each unit's self-inspection list for a stage."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Code, Timestamped, Versioned, now
from models.campaigns import CampaignStage
from models.codes import ReturnStatus
from models.units import Unit


class CountyReturn(Versioned, Timestamped, Base):
    """A workbook a unit sent for a stage, its signature, publication and review.

    The workbook itself and the scanned signature page are attachments
    (kinds ``return_file`` and ``signature_page``) pointing at this row.
    """

    __tablename__ = "county_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_stages.id"), index=True)
    file_name: Mapped[str | None] = mapped_column(String(255))
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    signer_name: Mapped[str | None] = mapped_column(String(40))  # 主要负责同志签字
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    published_url: Mapped[str | None] = mapped_column(String(500))  # 政府网站公示
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[ReturnStatus] = mapped_column(Code(ReturnStatus), default=ReturnStatus.PENDING)
    review_reasons: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_new: Mapped[int | None] = mapped_column(Integer)
    rows_changed: Mapped[int | None] = mapped_column(Integer)
    rows_missing: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship()
    stage: Mapped[CampaignStage | None] = relationship()


class ReturnColumnMapping(Versioned, Base):
    """A header a unit uses, mapped by a clerk to a register field; remembered per unit."""

    __tablename__ = "return_column_mappings"
    __table_args__ = (UniqueConstraint("unit_id", "header"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    header: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(40))  # a Case attribute, or "" to ignore the column


class IndustryAlias(Versioned, Base):
    """An industry word counties write (家具喷漆, 废旧物资回收) that a clerk filed under a
    catalog industry once; remembered for every unit's later returns."""

    __tablename__ = "industry_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(60))  # as the county wrote it
    word_key: Mapped[str] = mapped_column(String(60), unique=True)  # its search key
    industry_id: Mapped[int] = mapped_column(ForeignKey("industries.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)


class ReturnMergeItem(Base):
    """What accepting a return merged into the register, kept with the return: a case it
    created, a field it changed (old → new), or a match the clerk confirmed."""

    __tablename__ = "return_merge_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("county_returns.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # created / changed / confirmed
    sheet_row: Mapped[int | None] = mapped_column(Integer)  # the Excel row of the return
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
