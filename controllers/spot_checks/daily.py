"""What the daily entry pane reads: the day's checks, a check to edit, yesterday's group,
and the register's cases of a unit matching what the clerk types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.cases.filters import CaseFilter, apply_to_select
from controllers.permissions import Permission, require, scope_to_unit
from controllers.spot_checks.entry import CheckInput, MemberInput, SiteInput, findings_at
from models import Case, SpotCheck
from models.codes import CaseStatus, FindingKind
from models.textnorm import clean_text


@dataclass(frozen=True)
class DayRow:
    id: int
    group_name: str
    unit: str
    leader: str
    members: int
    sites: int
    problems: str


def checks_of_day(session: Session, actor: Actor, day: dt.date) -> list[DayRow]:
    require(actor, Permission.VIEW)
    checks = session.scalars(scope_to_unit(
        select(SpotCheck).where(SpotCheck.checked_on == day)
        .order_by(SpotCheck.group_name, SpotCheck.id), actor, SpotCheck.unit_id)
    ).all()  # fmt: skip
    out = []
    for c in checks:
        kinds: dict[str, int] = {}
        for f in c.findings:
            label = FindingKind.label_of(f.kind)
            kinds[label] = kinds.get(label, 0) + 1
        problems = "、".join(f"{k}{n}" for k, n in kinds.items()) or "未发现问题"
        out.append(DayRow(c.id, c.group_name, c.unit.name, c.leader or "", len(c.members),
                          len(c.sites), problems))  # fmt: skip
    return out


def load_check(session: Session, actor: Actor, check_id: int) -> tuple[CheckInput, int]:
    """A stored check as the entry form's input, and its version."""
    require(actor, Permission.VIEW)
    c = session.get(SpotCheck, check_id)
    if c is None:
        from controllers.errors import NotFoundError

        raise NotFoundError("该抽查记录已不存在（可能已被删除）。")
    require(actor, Permission.VIEW, c.unit_id)
    sites = []
    for s in c.sites:
        mine = findings_at(c, s)
        kind = FindingKind(mine[0].kind) if mine else None
        # a new site keeps its typed name and address (its case was made from it)
        case_id = None if kind == FindingKind.NEW_CASE else s.case_id
        sites.append(SiteInput(site_name=s.site_name, address=s.address, case_id=case_id,
                               outcome=kind, note=s.note))  # fmt: skip
    data = CheckInput(
        checked_on=c.checked_on, group_name=c.group_name, unit_id=c.unit_id,
        members=tuple(MemberInput(m.name, m.post, m.is_leader) for m in c.members),
        sites=tuple(sites), leader=c.leader, note=c.note, campaign_id=c.campaign_id,
    )  # fmt: skip
    return data, c.version


def previous_group(session: Session, actor: Actor, day: dt.date) -> CheckInput | None:
    """A group of the latest day before ``day`` with checks (group, unit, leader, members;
    no sites) to copy: the first one not yet entered on ``day``, so copying again brings the
    day's second group. None when there is nothing (left) to copy."""
    require(actor, Permission.VIEW)
    last = session.scalar(
        scope_to_unit(select(func.max(SpotCheck.checked_on)), actor, SpotCheck.unit_id).where(
            SpotCheck.checked_on < day
        )
    )
    if last is None:
        return None
    entered = {tuple(r) for r in session.execute(scope_to_unit(
        select(SpotCheck.group_name, SpotCheck.unit_id).where(SpotCheck.checked_on == day),
        actor, SpotCheck.unit_id))}  # fmt: skip
    candidates = session.scalars(scope_to_unit(
        select(SpotCheck).where(SpotCheck.checked_on == last)
        .order_by(SpotCheck.group_name, SpotCheck.id), actor, SpotCheck.unit_id)
    )  # fmt: skip
    c = next((c for c in candidates if (c.group_name, c.unit_id) not in entered), None)
    if c is None:
        return None
    return CheckInput(
        checked_on=day, group_name=c.group_name, unit_id=c.unit_id,
        members=tuple(MemberInput(m.name, m.post, m.is_leader) for m in c.members),
        leader=c.leader,
    )  # fmt: skip


@dataclass(frozen=True)
class CaseHit:
    id: int
    label: str  # name (or address and owner), address, owner, phone, status
    name: str
    address: str
    closed: bool


def search_cases(
    session: Session, actor: Actor, unit_id: int, text: str, limit: int = 30
) -> list[CaseHit]:
    """Cases of the unit whose name, address, owner or phone contain the text — the
    register's own search (width folded, spaces and case ignored)."""
    require(actor, Permission.VIEW, unit_id)
    key = clean_text(text)
    if not key:
        return []
    stmt = apply_to_select(select(Case).where(Case.unit_id == unit_id), CaseFilter(search=key))
    rows = session.scalars(
        scope_to_unit(stmt.order_by(Case.name, Case.id).limit(limit), actor, Case.unit_id)
    ).all()
    return [
        CaseHit(c.id, " · ".join(x for x in (c.display_name, c.address or "", c.owner or "",
                                             c.phone or "", CaseStatus.label_of(c.status)) if x),
                c.display_name, c.address or "", c.status == CaseStatus.CLOSED)
        for c in rows
    ]  # fmt: skip
