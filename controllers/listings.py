"""Plain lists of records for the basic panes (rows of display-ready Python values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from controllers.actor import SYSTEM, Actor
from controllers.permissions import Permission, require, scope_to_unit
from models import (
    AccountabilityRecord,
    Case,
    CountyReturn,
    Letter,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
    Unit,
)
from models.codes import (
    FINISHED_STATUSES,
    AccountabilityStatus,
    CaseStatus,
    Classification,
    LetterStatus,
    Measure,
    ReturnStatus,
)


@dataclass
class Listing:
    """Column headers and rows of plain values (str, int, date…)."""

    headers: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def unit_names_by_id(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every unit, in the configured order."""
    return [
        (i, n) for i, n in session.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order))
    ]


def units_listing(session: Session) -> Listing:
    rows = session.execute(
        select(Unit.sort_order, Unit.name, Unit.short_name, Unit.kind, Unit.head_name,
               Unit.contact_name, Unit.contact_phone).order_by(Unit.sort_order)
    )  # fmt: skip
    return Listing(
        ["序号", "单位名称", "简称", "类别", "主要负责同志", "联系人", "联系电话"],
        [(r[0], r[1], r[2], r[3].label, r[4] or "", r[5] or "", r[6] or "") for r in rows],
    )


def returns_listing(session: Session, actor: Actor = SYSTEM) -> Listing:
    require(actor, Permission.VIEW)
    rows = session.execute(scope_to_unit(
        select(Unit.name, CountyReturn.file_name, CountyReturn.received_on, CountyReturn.signer_name,
               CountyReturn.signed_on, CountyReturn.published_on, CountyReturn.status)
        .join(Unit, Unit.id == CountyReturn.unit_id)
        .order_by(Unit.sort_order, CountyReturn.received_on), actor, CountyReturn.unit_id)
    )  # fmt: skip
    return Listing(
        ["责任单位", "文件", "收到日期", "签字人", "签字日期", "公示日期", "审核状态"],
        [(*r[:6], ReturnStatus.label_of(r[6])) for r in rows],
    )


def letters_listing(session: Session, actor: Actor = SYSTEM) -> Listing:
    require(actor, Permission.VIEW)
    rows = session.execute(scope_to_unit(
        select(Unit.name, Letter.issued_on, Letter.signer_name, Letter.signed_on,
               Letter.archived_on, Letter.status)
        .join(Unit, Unit.id == Letter.unit_id)
        .order_by(Unit.sort_order), actor, Letter.unit_id)
    )  # fmt: skip
    return Listing(
        ["责任单位", "印发日期", "签署人", "签署日期", "归档日期", "状态"],
        [(*r[:5], LetterStatus.label_of(r[5])) for r in rows],
    )


def spot_checks_listing(session: Session, actor: Actor = SYSTEM) -> Listing:
    require(actor, Permission.VIEW)
    members = (
        select(SpotCheckMember.check_id, func.count().label("n"))
        .group_by(SpotCheckMember.check_id)
        .subquery()
    )
    sites = (
        select(SpotCheckSite.check_id, func.count().label("n"))
        .group_by(SpotCheckSite.check_id)
        .subquery()
    )
    found = (
        select(SpotCheckFinding.check_id, func.count().label("n"))
        .group_by(SpotCheckFinding.check_id)
        .subquery()
    )
    rows = session.execute(scope_to_unit(
        select(SpotCheck.checked_on, SpotCheck.group_name, SpotCheck.leader, Unit.name,
               func.coalesce(members.c.n, 0), func.coalesce(sites.c.n, 0),
               func.coalesce(found.c.n, 0))
        .join(Unit, Unit.id == SpotCheck.unit_id)
        .outerjoin(members, members.c.check_id == SpotCheck.id)
        .outerjoin(sites, sites.c.check_id == SpotCheck.id)
        .outerjoin(found, found.c.check_id == SpotCheck.id)
        .order_by(SpotCheck.checked_on, SpotCheck.group_name), actor, SpotCheck.unit_id)
    )  # fmt: skip
    return Listing(
        ["检查日期", "检查组", "带队", "检查单位", "人次", "检查点位", "发现问题"],
        [tuple(r) for r in rows],
    )


def accountability_pending() -> ColumnElement[bool]:
    """Records not yet carried out (拟问责 or 已决定): what the overview counts as pending."""
    return AccountabilityRecord.status != AccountabilityStatus.EXECUTED


def accountability_listing(
    session: Session, actor: Actor = SYSTEM, *, pending_only: bool = False
) -> Listing:
    require(actor, Permission.VIEW)
    stmt = (
        select(Unit.name, AccountabilityRecord.measure, AccountabilityRecord.doc_no,
               AccountabilityRecord.decided_on, AccountabilityRecord.status,
               AccountabilityRecord.summary)
        .join(Unit, Unit.id == AccountabilityRecord.unit_id)
        .order_by(AccountabilityRecord.id)
    )  # fmt: skip
    if pending_only:
        stmt = stmt.where(accountability_pending())
    rows = session.execute(scope_to_unit(stmt, actor, AccountabilityRecord.unit_id))
    return Listing(
        ["责任单位", "问责措施", "文号", "决定日期", "状态", "问题"],
        [
            (
                r[0],
                Measure.label_of(r[1]),
                r[2] or "",
                r[3],
                AccountabilityStatus.label_of(r[4]),
                r[5] or "",
            )
            for r in rows
        ],
    )


def cases_listing(session: Session, limit: int | None = None, actor: Actor = SYSTEM) -> Listing:
    require(actor, Permission.VIEW)
    stmt = scope_to_unit(
        select(Case.id, Unit.name, Case.name, Case.address, Case.owner, Case.classification,
               Case.status, Case.discovered_on, Case.deadline, Case.closed_on)
        .join(Unit, Unit.id == Case.unit_id)
        .order_by(Unit.sort_order, Case.id), actor, Case.unit_id
    )  # fmt: skip
    if limit:
        stmt = stmt.limit(limit)
    return Listing(
        ["编号", "县（市、区）", "企业名称", "地址", "业主/法人", "整治类型", "状态", "发现日期",
         "完成时限", "销号日期"],
        [
            (r[0], r[1], r[2] or "（无名称）", r[3] or "", r[4] or "",
             Classification.label_of(r[5]), CaseStatus.label_of(r[6]), r[7], r[8], r[9])
            for r in session.execute(stmt)
        ],
    )  # fmt: skip


def cases_by_unit_listing(session: Session, actor: Actor = SYSTEM) -> Listing:
    """Cases per unit and status, with the completion rate (finished / total)."""
    require(actor, Permission.VIEW)
    counts: dict[str, dict[str, int]] = {}
    order = list(session.scalars(
        scope_to_unit(select(Unit.name).order_by(Unit.sort_order), actor, Unit.id)))  # fmt: skip
    for name, status, n in session.execute(scope_to_unit(
        select(Unit.name, Case.status, func.count())
        .join(Case, Case.unit_id == Unit.id)
        .group_by(Unit.name, Case.status), actor, Case.unit_id)
    ):  # fmt: skip
        counts.setdefault(name, {})[str(status)] = int(n)
    headers = ["县（市、区）", *(s.label for s in CaseStatus), "合计", "完成率"]
    rows = []
    for name in order:
        c = counts.get(name, {})
        total = sum(c.values())
        finished = sum(c.get(s.value, 0) for s in FINISHED_STATUSES)
        rate = f"{finished / total:.1%}" if total else "—"
        rows.append((name, *(c.get(s.value, 0) for s in CaseStatus), total, rate))
    return Listing(headers, rows)
