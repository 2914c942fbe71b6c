"""The returns of a stage at a glance: which units returned, which are late, signed, published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.errors import NotFoundError
from controllers.permissions import Permission, require, scope_to_unit
from models import Attachment, CampaignStage, CountyReturn, Unit
from models.codes import AttachmentKind, ReturnStatus


@dataclass
class UnitReturnRow:
    """One unit's standing for the stage (its newest return, if any)."""

    unit_id: int
    unit_name: str
    return_id: int | None
    returns: int  # how many times the unit returned for the stage
    received_on: dt.date | None
    late: bool  # returned after the deadline, or not returned and the deadline has passed
    days_late: int
    signed: bool  # principal head's name and date recorded
    signature_page: bool  # scanned signed page stored
    published: bool  # website URL and date recorded
    status: ReturnStatus | None
    rows_total: int | None
    rows_new: int | None

    @property
    def returned(self) -> bool:
        return self.return_id is not None


@dataclass
class StageOverview:
    stage_id: int
    stage_label: str
    deadline: dt.date | None
    rows: list[UnitReturnRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        rows = self.rows
        return {
            "units": len(rows),
            "returned": sum(r.returned for r in rows),
            "not_returned": sum(not r.returned for r in rows),
            "late": sum(r.late for r in rows),
            "signed": sum(r.signed for r in rows),
            "published": sum(r.published for r in rows),
            "approved": sum(r.status == ReturnStatus.APPROVED for r in rows),
            "pending": sum(r.status == ReturnStatus.PENDING for r in rows),
            "returned_back": sum(r.status == ReturnStatus.RETURNED for r in rows),
        }

    def summary(self) -> str:
        c = self.counts()
        return (
            f"{c['units']} 个单位：已上报 {c['returned']}，未上报 {c['not_returned']}，"
            f"逾期 {c['late']}，已签字 {c['signed']}，已公示 {c['published']}；"
            f"待审核 {c['pending']}，已通过 {c['approved']}，退回 {c['returned_back']}"
        )


def stage_overview(
    session: Session, actor: Actor, stage_id: int, today: dt.date | None = None
) -> StageOverview:
    """Every active unit (a county clerk: their own) with its newest return for the stage."""
    require(actor, Permission.VIEW)
    today = today or dt.date.today()
    stage = session.get(CampaignStage, stage_id)
    if stage is None:
        raise NotFoundError("所选阶段已不存在。")
    deadline = stage.deadline
    units = session.scalars(
        scope_to_unit(select(Unit).where(Unit.active.is_(True)), actor, Unit.id).order_by(
            Unit.sort_order
        )
    ).all()
    returns: dict[int, list[CountyReturn]] = {}
    for ret in session.scalars(
        scope_to_unit(
            select(CountyReturn).where(CountyReturn.stage_id == stage_id),
            actor,
            CountyReturn.unit_id,
        ).order_by(CountyReturn.id)
    ):
        returns.setdefault(ret.unit_id, []).append(ret)
    with_pages = set(
        session.scalars(
            select(Attachment.return_id)
            .join(CountyReturn, CountyReturn.id == Attachment.return_id)
            .where(
                CountyReturn.stage_id == stage_id, Attachment.kind == AttachmentKind.SIGNATURE_PAGE
            )
        )
    )
    overview = StageOverview(stage.id, f"{stage.campaign.year}年 · {stage.name}", deadline)
    for unit in units:
        mine = returns.get(unit.id, [])
        ret = mine[-1] if mine else None
        first = mine[0].received_on if mine else None
        if ret is None:
            late = deadline is not None and today > deadline
            days = (today - deadline).days if late and deadline else 0
        else:
            received = first or ret.received_on
            late = bool(deadline and received and received > deadline)
            days = (received - deadline).days if late and deadline and received else 0
        overview.rows.append(
            UnitReturnRow(
                unit_id=unit.id, unit_name=unit.name, return_id=ret.id if ret else None,
                returns=len(mine), received_on=ret.received_on if ret else None, late=late,
                days_late=days, signed=bool(ret and ret.signer_name and ret.signed_on),
                signature_page=bool(ret and ret.id in with_pages),
                published=bool(ret and ret.published_url and ret.published_on),
                status=ReturnStatus(ret.status) if ret else None,
                rows_total=ret.rows_total if ret else None, rows_new=ret.rows_new if ret else None,
            )
        )  # fmt: skip
    return overview
