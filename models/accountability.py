"""Accountability (问责): configurable rules, records, and amendments to decided records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Code, Timestamped, Versioned, now
from models.codes import (
    AccountabilityLevel,
    AccountabilityStatus,
    Measure,
    ProblemKind,
    RuleCounter,
)
from models.units import Unit


class AccountabilityRule(Versioned, Base):
    """A threshold of the quantified accountability rules (configuration, not code)."""

    __tablename__ = "accountability_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    basis: Mapped[str] = mapped_column(String(200))  # 《省"散乱污"量化问责管理办法》
    clause: Mapped[str] = mapped_column(String(200))  # 第X条
    counter: Mapped[RuleCounter] = mapped_column(Code(RuleCounter))
    threshold: Mapped[int] = mapped_column(Integer)
    level: Mapped[AccountabilityLevel] = mapped_column(Code(AccountabilityLevel))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ProblemWeight(Versioned, Base):
    """How much one problem of a kind counts towards a rule's counter."""

    __tablename__ = "accountability_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_kind: Mapped[ProblemKind] = mapped_column(Code(ProblemKind), unique=True)
    weight: Mapped[int] = mapped_column(Integer, default=1)


class AccountabilityRuleSet(Base):
    """One version of the province's quantified rules (weights, counters, threshold ladder,
    measures) as JSON; versions are never edited, a change is a new row."""

    __tablename__ = "accountability_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_no: Mapped[int] = mapped_column(Integer, unique=True)
    basis: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)  # JSON, see controllers/accountability/rules.py
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AccountabilityRecord(Versioned, Timestamped, Base):
    """One accountability case: proposed → decided → carried out. Decided records are never
    edited in place; corrections are :class:`AccountabilityAmendment` rows."""

    __tablename__ = "accountability_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("accountability_rules.id"))
    clause: Mapped[str | None] = mapped_column(String(200))
    measure: Mapped[Measure] = mapped_column(Code(Measure))
    status: Mapped[AccountabilityStatus] = mapped_column(
        Code(AccountabilityStatus), default=AccountabilityStatus.PROPOSED
    )
    doc_no: Mapped[str | None] = mapped_column(String(80))  # 文号
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    executed_on: Mapped[dt.date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the rule set version the record was proposed under
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("accountability_rule_sets.id"))
    #: the period of the tally it was started from
    period_from: Mapped[dt.date | None] = mapped_column(Date)
    period_to: Mapped[dt.date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()
    persons: Mapped[list[AccountabilityPerson]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="AccountabilityPerson.id"
    )
    problems: Mapped[list[AccountabilityProblem]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="AccountabilityProblem.id"
    )
    amendments: Mapped[list[AccountabilityAmendment]] = relationship(
        back_populates="record", order_by="AccountabilityAmendment.id"
    )


class AccountabilityPerson(Versioned, Base):
    __tablename__ = "accountability_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("accountability_records.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    post: Mapped[str | None] = mapped_column(String(80))

    record: Mapped[AccountabilityRecord] = relationship(back_populates="persons")


class AccountabilityProblem(Versioned, Base):
    """A problem behind a record (a relapse, a case left off the list…)."""

    __tablename__ = "accountability_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("accountability_records.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check_findings.id"))
    lookback_id: Mapped[int | None] = mapped_column(ForeignKey("case_lookbacks.id"))
    kind: Mapped[ProblemKind] = mapped_column(Code(ProblemKind))
    found_on: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)

    record: Mapped[AccountabilityRecord] = relationship(back_populates="problems")


class AccountabilityAmendment(Base):
    """A correction of a decided record; append-only."""

    __tablename__ = "accountability_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("accountability_records.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)  # JSON: {field: [old, new]}
    doc_no: Mapped[str | None] = mapped_column(String(80))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)

    record: Mapped[AccountabilityRecord] = relationship(back_populates="amendments")
