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
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
    Unit,
)
from models.codes import (
    AccountabilityStatus,
    Measure,
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
