"""Keep the found candidates: new ones open, decided ones stay decided unless the evidence changed.

A candidate is stored once per pair (``pair_key``). Its ``fingerprint`` hashes the evidence
(not the score): a dismissed pair whose evidence is the same is not raised again; new evidence
(a new phone in common, a new month of consumption) opens it again. An open candidate no longer
found is removed by a city-wide scan (a county clerk's scan sees only part of the register).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.leads.scoring import Candidate, Site
from controllers.permissions import Permission, require, unit_scope
from models import Lead
from models.base import now
from models.codes import CaseStatus, Classification
from models.leads import LeadKind, LeadStatus

Progress = Callable[[int, str], None]


def fingerprint(evidence: list[dict[str, str]]) -> str:
    """SHA-256 of the evidence's fields and values (order-free; the wording of "how" ignored)."""
    items = sorted((e["field"], e.get("this", ""), e.get("other", "")) for e in evidence)
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()


def side_of(site: Site, units: dict[int, str]) -> dict[str, str]:
    """The snapshot of one case shown in the comparison."""
    return {
        "case_id": str(site.case_id),
        "unit": units.get(site.unit_id, ""),
        "name": site.name_text,
        "owner": site.owner_text,
        "phone": site.phone_text,
        "address": site.address_text,
        "industry": site.industry_text,
        "products": site.products_text,
        "classification": Classification.label_of(site.classification),
        "status": CaseStatus.label_of(site.status),
        "seen_on": site.seen_on.isoformat() if site.seen_on else "",
        "closed_on": site.closed_on.isoformat() if site.closed_on else "",
    }


@dataclass
class SyncResult:
    new: int = 0
    updated: int = 0
    reopened: int = 0
    removed: int = 0
    #: the candidates to show (open after the sync), best first
    open: list[Candidate] = field(default_factory=list)


def _visible(stmt, actor: Actor):
    unit_id = unit_scope(actor)
    if unit_id is None:
        return stmt
    return stmt.where(or_(Lead.unit_id == unit_id, Lead.other_unit_id == unit_id))


def sync_candidates(
    session: Session,
    actor: Actor,
    candidates: Iterable[Candidate],
    sides: Callable[[Candidate], dict],
    *,
    power_only: bool = False,
    permit_only: bool = False,
) -> SyncResult:
    """Store the candidates (no commit); returns what changed and which are open."""
    require(actor, Permission.EDIT_CASES)
    result = SyncResult()
    stmt = _visible(
        select(Lead.id, Lead.pair_key, Lead.status, Lead.fingerprint, Lead.score), actor
    )
    if power_only:
        stmt = stmt.where(Lead.power_record_id.is_not(None))
    if permit_only:
        stmt = stmt.where(Lead.permit_id.is_not(None))
    existing = {key: (i, st, fp, sc) for i, key, st, fp, sc in session.execute(stmt)}
    seen: set[str] = set()
    rows: list[dict] = []
    stamp = now()
    for cand in candidates:
        key = cand.pair_key
        if key in seen:
            continue
        seen.add(key)
        fp = fingerprint(cand.evidence)
        old = existing.get(key)
        if old is None:
            rows.append(
                dict(pair_key=key, kind=cand.kind, status=LeadStatus.OPEN.value,
                     case_id=cand.case_id, other_case_id=cand.other_case_id,
                     power_record_id=cand.power_record_id, permit_id=cand.permit_id,
                     unit_id=cand.unit_id,
                     other_unit_id=cand.other_unit_id, score=round(cand.score, 4),
                     evidence=json.dumps(cand.evidence, ensure_ascii=False),
                     sides=json.dumps(sides(cand), ensure_ascii=False), fingerprint=fp,
                     found_at=stamp, version=1)
            )  # fmt: skip
            result.new += 1
            result.open.append(cand)
            continue
        lead_id, status, old_fp, old_score = old
        if status == LeadStatus.CONFIRMED.value:
            continue
        if status == LeadStatus.DISMISSED.value and old_fp == fp:
            continue
        if old_fp != fp or abs(old_score - cand.score) > 1e-4:
            values = dict(kind=cand.kind, score=round(cand.score, 4),
                          power_record_id=cand.power_record_id, permit_id=cand.permit_id,
                          evidence=json.dumps(cand.evidence, ensure_ascii=False),
                          sides=json.dumps(sides(cand), ensure_ascii=False), fingerprint=fp,
                          version=Lead.version + 1)  # fmt: skip
            if status == LeadStatus.DISMISSED.value:
                values.update(status=LeadStatus.OPEN.value, found_at=stamp)
                result.reopened += 1
            else:
                result.updated += 1
            session.execute(update(Lead).where(Lead.id == lead_id).values(**values))
        result.open.append(cand)
    for start in range(0, len(rows), 2000):
        session.execute(insert(Lead), rows[start : start + 2000])
    if unit_scope(actor) is None:
        stale = [
            i
            for key, (i, status, _fp, _sc) in existing.items()
            if status == LeadStatus.OPEN.value and key not in seen
        ]
        for start in range(0, len(stale), 500):
            session.execute(delete(Lead).where(Lead.id.in_(stale[start : start + 500])))
        result.removed = len(stale)
    result.open.sort(key=lambda c: (-c.score, c.other_case_id, c.case_id or 0))
    return result


@dataclass(frozen=True)
class LeadRow:
    """One stored candidate, as the pane lists it."""

    id: int
    kind: LeadKind
    status: LeadStatus
    case_id: int | None
    other_case_id: int
    power_record_id: int | None
    permit_id: int | None
    unit_id: int
    other_unit_id: int
    score: float
    evidence: list[dict[str, str]]
    sides: dict
    found_at: dt.datetime | None
    decided_by: str | None
    reason: str | None

    @property
    def this_side(self) -> dict:
        return self.sides.get("this", {})

    @property
    def other_side(self) -> dict:
        return self.sides.get("other", {})


def list_leads(
    session: Session,
    actor: Actor,
    *,
    status: LeadStatus | str | None = LeadStatus.OPEN,
    unit_id: int | None = None,
) -> list[LeadRow]:
    """Stored candidates the actor may see (their unit's, for a county clerk), best first."""
    require(actor, Permission.VIEW)
    stmt = _visible(select(Lead), actor)
    if status is not None:
        stmt = stmt.where(Lead.status == LeadStatus(status))
    if unit_id is not None:
        stmt = stmt.where(or_(Lead.unit_id == unit_id, Lead.other_unit_id == unit_id))
    stmt = stmt.order_by(Lead.score.desc(), Lead.id)
    rows = session.scalars(stmt)
    return [
        LeadRow(
            id=lead.id,
            kind=LeadKind(lead.kind),
            status=LeadStatus(lead.status),
            case_id=lead.case_id,
            other_case_id=lead.other_case_id,
            power_record_id=lead.power_record_id,
            permit_id=lead.permit_id,
            unit_id=lead.unit_id,
            other_unit_id=lead.other_unit_id,
            score=lead.score,
            evidence=json.loads(lead.evidence or "[]"),
            sides=json.loads(lead.sides or "{}"),
            found_at=lead.found_at,
            decided_by=lead.decided_by,
            reason=lead.reason,
        )
        for lead in rows
    ]


def record_scan(session: Session, actor: Actor, result: SyncResult, **detail) -> None:
    record(session, actor, "leads_scan", "lead", None, detail={
        "new": result.new, "updated": result.updated, "reopened": result.reopened,
        "removed": result.removed, "open": len(result.open), **detail,
    })  # fmt: skip
