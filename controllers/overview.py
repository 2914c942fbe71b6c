"""The figures of the overview pane (概览)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from controllers.actor import SYSTEM, Actor
from controllers.permissions import Permission, require, scope_to_unit
from models import (
    AccountabilityRecord,
    Campaign,
    CampaignStage,
    Case,
    CountyReturn,
    Letter,
)
from models.codes import (
    FINISHED_STATUSES,
    AccountabilityStatus,
    CaseStatus,
    LetterStatus,
    ReturnStatus,
)


@dataclass
class Tile:
    key: str
    title: str
    value: str
    note: str = ""


def _count(session: Session, stmt) -> int:
    return int(session.scalar(stmt) or 0)


def current_stage(session: Session, today: dt.date) -> CampaignStage | None:
    """The stage of the newest campaign whose period holds ``today`` (or the next one)."""
    campaign = session.scalar(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc()))
    if campaign is None:
        return None
    for stage in campaign.stages:
        if stage.deadline is None or stage.deadline >= today:
            return stage
    return campaign.stages[-1] if campaign.stages else None


def overview_tiles(
    session: Session, today: dt.date | None = None, actor: Actor = SYSTEM
) -> list[Tile]:
    """The tiles, counted within the actor's unit (a county clerk sees their own)."""
    require(actor, Permission.VIEW)
    today = today or dt.date.today()
    count_cases = scope_to_unit(select(func.count()).select_from(Case), actor, Case.unit_id)
    total = _count(session, count_cases)
    open_statuses = [s for s in CaseStatus if s not in FINISHED_STATUSES]
    open_n = _count(session, count_cases.where(Case.status.in_(open_statuses)))
    closed_n = _count(session, count_cases.where(Case.status == CaseStatus.CLOSED))
    month_start = today.replace(day=1)
    closed_month = _count(
        session, count_cases.where(Case.closed_on >= month_start, Case.closed_on <= today)
    )
    overdue = _count(
        session, count_cases.where(Case.status.in_(open_statuses), Case.deadline < today)
    )
    relapsed = _count(session, count_cases.where(Case.is_relapsed.is_(True)))
    quasi = _count(session, count_cases.where(Case.is_quasi.is_(True)))
    letters_out = _count(
        session,
        scope_to_unit(
            select(func.count())
            .select_from(Letter)
            .where(Letter.status.in_([LetterStatus.DRAFT, LetterStatus.ISSUED])),
            actor,
            Letter.unit_id,
        ),
    )
    pending_acc = _count(
        session,
        scope_to_unit(
            select(func.count())
            .select_from(AccountabilityRecord)
            .where(AccountabilityRecord.status != AccountabilityStatus.EXECUTED),
            actor,
            AccountabilityRecord.unit_id,
        ),
    )
    tiles = [
        Tile("cases_total", "清单企业", f"{total:,}", f"已销号 {closed_n:,} 家"),
        Tile("cases_open", "未完成整治", f"{open_n:,}", "待整治或整治中"),
        Tile("closed_month", "本月销号", f"{closed_month:,}", f"{month_start:%Y年%m月}"),
        Tile("overdue", "逾期未完成", f"{overdue:,}", "超过完成时限仍未完成"),
        Tile("relapsed", "反弹", f"{relapsed:,}", f"类散乱污 {quasi:,} 家"),
        Tile("letters_out", "承诺书未返回", f"{letters_out:,}", "起草或已印发未签署"),
        Tile("accountability_pending", "问责未办结", f"{pending_acc:,}", "拟问责或已决定未执行"),
    ]
    stage = current_stage(session, today)
    if stage is not None:
        returned = _count(
            session,
            scope_to_unit(
                select(func.count(func.distinct(CountyReturn.unit_id))).where(
                    and_(
                        CountyReturn.stage_id == stage.id,
                        CountyReturn.status != ReturnStatus.RETURNED,
                    )
                ),
                actor,
                CountyReturn.unit_id,
            ),
        )
        days = (stage.deadline - today).days if stage.deadline else None
        note = (
            f"截止 {stage.deadline:%Y-%m-%d}，"
            + (f"还有 {days} 天" if days >= 0 else f"已过 {-days} 天")
            if days is not None
            else "无截止日期"
        )
        tiles.insert(0, Tile("stage", f"当前阶段：{stage.name}", f"{returned} 个单位已上报", note))
    return tiles
