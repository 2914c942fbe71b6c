"""The clerk's decision on a candidate: confirm it or dismiss it with a reason.

Confirming a 异地转移 / 死灰复燃 candidate records a 回头看 of the old case with that result
(which reopens it as a relapse) and links the newer case to it; confirming a 类散乱污
candidate sets the flag on the newer case (the site that re-opened with paperwork) and links
the two. A 类散乱污 candidate raised by a permit (排污许可 / 登记) has no newer case: the permit
is not a case, so no link row is written; the lead keeps ``permit_id`` (which permit) and
confirming it sets the flag on the old, closed case itself — its site re-opened with paperwork
— with a history entry naming the permit. Dismissing keeps the reason and the evidence's fingerprint: the pair comes back only
with new evidence.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.cases.history import record_changes
from controllers.cases.lookbacks import record_lookback
from controllers.errors import NotFoundError, ValidationError, WorkflowError
from controllers.permissions import Permission, require
from models import Case, CaseLink, Lead, Permit
from models.base import now
from models.codes import CaseStatus, LookbackResult
from models.leads import LeadKind, LeadStatus

LOOKBACK_OF = {
    LeadKind.RELOCATION: LookbackResult.RELOCATED,
    LeadKind.RELAPSE: LookbackResult.RELAPSE,
}


def _open_lead(session: Session, actor: Actor, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFoundError("该线索已不存在（可能已被重新研判），请刷新后再试。")
    require(actor, Permission.EDIT_CASES, lead.unit_id)
    if lead.status != LeadStatus.OPEN:
        raise WorkflowError(f"该线索已{LeadStatus(lead.status).label}，不能重复处理。")
    return lead


def confirm_lead(
    session: Session,
    actor: Actor,
    lead_id: int,
    *,
    note: str | None = None,
    checked_on: dt.date | None = None,
    today: dt.date | None = None,
) -> int:
    """Confirm a candidate (see the module's docstring); returns the lead's id."""
    today = today or dt.date.today()
    lead = _open_lead(session, actor, lead_id)
    kind = LeadKind(lead.kind)
    old = session.get(Case, lead.other_case_id)
    require(actor, Permission.EDIT_CASES, old.unit_id)
    text = (note or "").strip() or None
    lead.status = LeadStatus.CONFIRMED
    lead.decided_at = now()
    lead.decided_by_id = actor.user_id
    lead.decided_by = actor.label
    lead.reason = text
    detail: dict = {"kind": kind.value, "case_id": lead.case_id, "other_case_id": old.id}
    if lead.case_id is not None:
        exists = session.scalar(
            select(CaseLink.id).where(
                CaseLink.case_id == lead.case_id, CaseLink.other_case_id == old.id
            )
        )
        if exists is None:
            session.add(CaseLink(case_id=lead.case_id, other_case_id=old.id, kind=kind,
                                 lead_id=lead.id, created_by_id=actor.user_id))  # fmt: skip
    if kind == LeadKind.SIMILAR and lead.permit_id is not None:
        permit = session.get(Permit, lead.permit_id)
        detail["permit_id"] = lead.permit_id
        label = f"{permit.name}（许可证编号 {permit.permit_no or '无'}）" if permit else "排污许可"
        _flag_quasi(session, actor, old, lead, f"线索确认：原址已取得排污许可 {label}")
    elif kind == LeadKind.SIMILAR:
        newer = session.get(Case, lead.case_id)
        _flag_quasi(session, actor, newer, lead, f"线索确认：原址为已取缔企业 {old.display_name}")
    record(session, actor, "confirm", "lead", lead.id, detail=detail)
    session.flush()
    if kind in LOOKBACK_OF and old.status == CaseStatus.CLOSED:
        checked = checked_on or today
        if old.closed_on and checked < old.closed_on:
            raise ValidationError("确认日期不能早于原企业的销号日期。")
        where = f"（新发现：企业 #{lead.case_id}）" if lead.case_id else "（电力数据研判）"
        # the look-back is written last: it ends the transaction itself (older use case)
        record_lookback(session, actor, old.id, checked, LOOKBACK_OF[kind],
                        note=f"线索确认{where}" + (f"：{text}" if text else ""), today=today)  # fmt: skip
    return lead.id


def _flag_quasi(session: Session, actor: Actor, case: Case, lead: Lead, note: str) -> None:
    """Set the 类散乱污 flag on a case (history and audit), unless it is set already."""
    require(actor, Permission.EDIT_CASES, case.unit_id)
    if case.is_quasi:
        return
    case.is_quasi = True
    session.flush()
    record_changes(session, case, actor, {"is_quasi": (False, True)}, note=note)
    record(session, actor, "update", "case", case.id, detail={"is_quasi": True, "lead": lead.id})


def dismiss_lead(session: Session, actor: Actor, lead_id: int, reason: str) -> int:
    """Dismiss a candidate with a reason (required); it is not raised again without new evidence."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError("请填写排除理由。", field="reason")
    lead = _open_lead(session, actor, lead_id)
    lead.status = LeadStatus.DISMISSED
    lead.decided_at = now()
    lead.decided_by_id = actor.user_id
    lead.decided_by = actor.label
    lead.reason = text
    record(session, actor, "dismiss", "lead", lead.id,
           detail={"kind": LeadKind(lead.kind).value, "reason": text,
                   "case_id": lead.case_id, "other_case_id": lead.other_case_id})  # fmt: skip
    session.flush()
    return lead.id


def links_of(session: Session, case_id: int) -> list[CaseLink]:
    """Links of a case, either side."""
    return list(
        session.scalars(
            select(CaseLink).where(
                (CaseLink.case_id == case_id) | (CaseLink.other_case_id == case_id)
            )
        )
    )
