"""The enterprise case (散乱污企业) and what hangs off it: checklist, look-backs, history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Code, Timestamped, Versioned, now
from models.codes import CaseStatus, CheckItem, Classification, LookbackResult, Source
from models.units import Batch, Industry, Township, Unit


class Case(Versioned, Timestamped, Base):
    """One enterprise or site of the dynamic rectification list (动态整治清单)."""

    __tablename__ = "cases"
    __table_args__ = (
        # Each composite index also serves its first column alone (no single-column index
        # beside it: every index costs a B-tree insert per row an accept of a return writes).
        Index("ix_cases_unit_status", "unit_id", "status"),
        Index("ix_cases_status_deadline", "status", "deadline"),
        # the charts' GROUP BY (dimension, status), answered from the index
        Index("ix_cases_classification_status", "classification", "status"),
        Index("ix_cases_industry_status", "industry_id", "status"),
        Index("ix_cases_source_status", "source", "status"),
        # PostgreSQL leaves room on each page for updates that change no indexed column
        # (HOT updates: no new entry in every index; migration 0010)
        {"postgresql_with": {"fillfactor": 90}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial_no: Mapped[int | None] = mapped_column(Integer)  # 序号 in the unit's published list
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # 县（市、区）
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    village: Mapped[str | None] = mapped_column(String(100))  # 村（社区）
    # 企业名称; may be unnamed. Not indexed (migration 0011): searches match it with LIKE '%…%'
    name: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(100))  # 业主/法人
    phone: Mapped[str | None] = mapped_column(String(60))  # 联系电话
    address: Mapped[str | None] = mapped_column(String(300))  # 地址
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    main_products: Mapped[str | None] = mapped_column(String(200))  # 主要产品
    problem_types: Mapped[str] = mapped_column(
        String(40), default=""
    )  # 问题类型: ProblemType codes
    pollution_types: Mapped[str] = mapped_column(String(60), default="")  # 污染类型: PollutionType
    classification: Mapped[Classification] = mapped_column(Code(Classification))
    measures: Mapped[str | None] = mapped_column(Text)  # 整治措施
    deadline: Mapped[dt.date | None] = mapped_column(Date)  # 完成时限
    resp_first: Mapped[str | None] = mapped_column(String(60))  # 第一责任人 (township head)
    resp_direct: Mapped[str | None] = mapped_column(String(60))  # 直接责任人 (deputy)
    resp_specific: Mapped[str | None] = mapped_column(String(60))  # 具体责任人
    source: Mapped[Source] = mapped_column(Code(Source))  # 发现来源
    discovered_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # 发现日期
    progress_note: Mapped[str | None] = mapped_column(Text)  # 整治完成情况
    status: Mapped[CaseStatus] = mapped_column(Code(CaseStatus))
    completed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # 完成日期
    township_checked_on: Mapped[dt.date | None] = mapped_column(Date)  # 乡镇初验
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)  # 验收日期
    approved_by: Mapped[str | None] = mapped_column(String(60))  # 销号审批人
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # 销号日期
    remark: Mapped[str | None] = mapped_column(Text)  # 备注
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    is_quasi: Mapped[bool] = mapped_column(Boolean, default=False)  # 类散乱污
    is_relapsed: Mapped[bool] = mapped_column(Boolean, default=False)  # 反弹
    relapse_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()
    township: Mapped[Township | None] = relationship()
    industry: Mapped[Industry | None] = relationship()
    batch: Mapped[Batch | None] = relationship()
    checks: Mapped[list[CaseCheck]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseCheck.id"
    )
    lookbacks: Mapped[list[CaseLookback]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseLookback.checked_on"
    )
    changes: Mapped[list[CaseChange]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseChange.id"
    )

    @property
    def display_name(self) -> str:
        """Name, or for an unnamed site its address and owner."""
        if self.name:
            return self.name
        parts = [p for p in (self.address, self.owner) if p]
        return "（无名称）" + " ".join(parts)

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.name!r} {self.status}>"


class CaseCheck(Versioned, Base):
    """One item of the 两断三清 checklist of a 关停取缔 case."""

    __tablename__ = "case_checks"
    __table_args__ = (UniqueConstraint("case_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    item: Mapped[CheckItem] = mapped_column(Code(CheckItem))
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    evidence_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    note: Mapped[str | None] = mapped_column(String(255))

    case: Mapped[Case] = relationship(back_populates="checks")


class CaseLookback(Versioned, Base):
    """A 回头看 re-check of a closed case."""

    __tablename__ = "case_lookbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    checked_on: Mapped[dt.date] = mapped_column(Date, index=True)
    result: Mapped[LookbackResult] = mapped_column(Code(LookbackResult), index=True)
    inspector: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="lookbacks")


class CaseChange(Base):
    """History of a case: one changed field (status moves included), who and when."""

    __tablename__ = "case_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str | None] = mapped_column(String(60))
    field: Mapped[str] = mapped_column(String(40))  # attribute name; "status" for status moves
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(255))  # e.g. "县区上报导入", reason of a move

    case: Mapped[Case] = relationship(back_populates="changes")
