"""Campaigns (专项行动) and their stages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Code, Versioned
from models.codes import CampaignEventKind, StageKind


class Campaign(Versioned, Base):
    """A special campaign, e.g. 2026年"散乱污"企业持续排查整治专项行动."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    plan_title: Mapped[str | None] = mapped_column(String(200))  # 《…专项行动方案》
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    requirements: Mapped[str | None] = mapped_column(Text)  # the four requirements, one a line

    stages: Mapped[list[CampaignStage]] = relationship(
        back_populates="campaign", order_by="CampaignStage.sort_order", cascade="all, delete-orphan"
    )
    events: Mapped[list[CampaignEvent]] = relationship(
        back_populates="campaign",
        order_by="(CampaignEvent.occurred_on, CampaignEvent.id)",
        cascade="all, delete-orphan",
    )


class CampaignStage(Versioned, Base):
    """动员部署 → 全面自查 (deadline 5月25日) → 排查问责."""

    __tablename__ = "campaign_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[StageKind] = mapped_column(Code(StageKind))
    name: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="stages")


class CampaignEvent(Versioned, Base):
    """A dated step of the campaign the stage report cites: a scheduling meeting (调度会),
    a notice issued or forwarded (转发省大气办通知) …; ``summary`` is the report's sentence."""

    __tablename__ = "campaign_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[CampaignEventKind] = mapped_column(Code(CampaignEventKind))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="events")
