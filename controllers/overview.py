"""The figures of the overview pane (概览): tiles that open exactly the rows they count.

Every case tile carries a :class:`CaseFilter` and its number is that filter counted with
:func:`apply_to_select`, the same function the register filters with, so the tile's number
and the register's rows agree by construction. Tiles about returns, letters and
accountability name the pane that lists them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.cases.filters import CaseFilter, apply_to_select
from controllers.listings import accountability_pending
from controllers.permissions import Permission, require, scope_to_unit, unit_scope
from controllers.spot_checks.totals import of_campaign
from models import (
    AccountabilityRecord,
    Campaign,
    CampaignStage,
    Case,
    CountyReturn,
    Letter,
    SpotCheck,
    SpotCheckFinding,
    Unit,
)
from models.codes import (
    CaseStatus,
    Classification,
    LetterStatus,
    ReturnStatus,
    StageKind,
)

SECTION_REGISTER = "清单总体"
SECTION_ATTENTION = "需要关注"
SECTION_CAMPAIGN = "专项行动"
SECTIONS = (SECTION_REGISTER, SECTION_ATTENTION, SECTION_CAMPAIGN)

#: statuses of work still to do (the rest are finished)
OPEN_STATUSES = frozenset({CaseStatus.PENDING.value, CaseStatus.IN_PROGRESS.value})


@dataclass(frozen=True)
class Tile:
    """One figure of the overview and what clicking it opens."""

    key: str
    title: str
    value: int
    note: str = ""
    section: str = SECTION_REGISTER
    case_filter: CaseFilter | None = None  # opens the register on exactly these cases
    pane: str | None = None  # or opens this pane
    pane_filter: object = None  # narrowed to this (the pane's apply_named_filter understands it)
    alert: bool = False  # needs attention
    text: str | None = None  # shown instead of the number (e.g. "还有 27 天")

    @property
    def display(self) -> str:
        return self.text if self.text is not None else f"{self.value:,}"


def count_cases(
    session: Session, actor: Actor, case_filter: CaseFilter, today: dt.date | None = None
) -> int:
    """Cases matching ``case_filter`` within the actor's scope (what the register shows)."""
    stmt = scope_to_unit(select(func.count()).select_from(Case), actor, Case.unit_id)
    return int(session.scalar(apply_to_select(stmt, case_filter, today)) or 0)


def current_campaign(session: Session) -> Campaign | None:
    """The newest campaign."""
    return session.scalar(select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc()))


def current_stage(session: Session, today: dt.date) -> CampaignStage | None:
    """The stage of the newest campaign whose period holds ``today`` (or the next one)."""
    campaign = current_campaign(session)
    if campaign is None:
        return None
    for stage in campaign.stages:
        if stage.deadline is None or stage.deadline >= today:
            return stage
    return campaign.stages[-1] if campaign.stages else None


def returns_stage(session: Session, today: dt.date) -> CampaignStage | None:
    """The stage whose county returns are tracked now: of the newest campaign's stages that
    ask for returns (全面自查, or any stage returns were recorded for), the latest one that
    has started, else the next one."""
    campaign = current_campaign(session)
    if campaign is None:
        return None
    with_returns = set(
        session.scalars(
            select(CountyReturn.stage_id).where(CountyReturn.stage_id.is_not(None)).distinct()
        )
    )
    asking = [
        s for s in campaign.stages if s.kind == StageKind.SELF_INSPECTION or s.id in with_returns
    ]
    started = [s for s in asking if s.starts_on is None or s.starts_on <= today]
    if started:
        return started[-1]
    return asking[0] if asking else None


@dataclass(frozen=True)
class ReturnsState:
    """Which units have not returned, or returned late, for a stage."""

    stage: CampaignStage | None
    expected: int  # units in scope
    missing: list[str]  # unit names without a valid return
    late: list[str]  # unit names whose return came after the deadline (or is missing past it)


def returns_state(session: Session, actor: Actor, today: dt.date) -> ReturnsState:
    """Missing and late returns of the units in the actor's scope for :func:`returns_stage`."""
    stage = returns_stage(session, today)
    units_stmt = select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.sort_order)
    scope = unit_scope(actor)
    if scope is not None:
        units_stmt = units_stmt.where(Unit.id == scope)
    units = session.execute(units_stmt).all()
    if stage is None:
        return ReturnsState(None, len(units), [], [])
    first_received: dict[int, dt.date | None] = {}
    for unit_id, received in session.execute(
        select(CountyReturn.unit_id, func.min(CountyReturn.received_on))
        .where(
            CountyReturn.stage_id == stage.id,
            CountyReturn.status != ReturnStatus.RETURNED,
            or_(CountyReturn.received_on.is_(None), CountyReturn.received_on <= today),
        )
        .group_by(CountyReturn.unit_id)
    ):
        first_received[unit_id] = received
    missing, late = [], []
    past_deadline = stage.deadline is not None and today > stage.deadline
    for unit_id, name in units:
        if unit_id not in first_received:
            missing.append(name)
            if past_deadline:
                late.append(name)
        else:
            received = first_received[unit_id]
            if stage.deadline and received and received > stage.deadline:
                late.append(name)
    return ReturnsState(stage, len(units), missing, late)


def _stage_tile(stage: CampaignStage | None, today: dt.date) -> Tile:
    if stage is None:
        return Tile("stage", "当前阶段", 0, "尚未建立专项行动", SECTION_CAMPAIGN, text="—")
    if stage.deadline is None:
        return Tile(
            "stage",
            f"当前阶段：{stage.name}",
            0,
            "本阶段无截止日期",
            SECTION_CAMPAIGN,
            pane="returns",
            text="—",
        )
    days = (stage.deadline - today).days
    text = f"还有 {days} 天" if days >= 0 else f"已过 {-days} 天"
    return Tile(
        "stage",
        f"当前阶段：{stage.name}",
        days,
        f"截止 {stage.deadline.isoformat()}",
        SECTION_CAMPAIGN,
        pane="returns",
        alert=0 <= days <= 7 or days < 0,
        text=text,
    )


def overview_tiles(session: Session, actor: Actor, today: dt.date | None = None) -> list[Tile]:
    """The tiles of the overview, in display order, within the actor's scope."""
    require(actor, Permission.VIEW)
    today = today or dt.date.today()

    def case_tile(
        key: str,
        title: str,
        f: CaseFilter,
        note: str = "",
        section: str = SECTION_REGISTER,
        alert_when_any: bool = False,
    ) -> Tile:
        n = count_cases(session, actor, f, today)
        return Tile(key, title, n, note, section, case_filter=f, alert=alert_when_any and n > 0)

    everything = CaseFilter()
    total = count_cases(session, actor, everything, today)
    tiles = [
        Tile(
            "cases_total",
            "清单企业",
            total,
            "全部“散乱污”企业",
            SECTION_REGISTER,
            case_filter=everything,
        ),
    ]
    for status in CaseStatus:
        tiles.append(
            case_tile(
                f"status_{status.value}",
                status.label,
                CaseFilter(statuses=frozenset({status.value})),
                "按整治状态",
            )
        )
    for cls in Classification:
        tiles.append(
            case_tile(
                f"class_{cls.value}",
                cls.label,
                CaseFilter(classifications=frozenset({cls.value})),
                "按整治类型",
            )
        )

    month_start = today.replace(day=1)
    tiles += [
        case_tile(
            "cases_open",
            "未完成整治",
            CaseFilter(statuses=OPEN_STATUSES),
            "待整治或整治中",
            SECTION_ATTENTION,
        ),
        case_tile(
            "closed_month",
            "本月销号",
            CaseFilter(closed_from=month_start, closed_to=today),
            f"{month_start.year}年{month_start.month}月1日至今",
            SECTION_ATTENTION,
        ),
        case_tile(
            "overdue",
            "逾期未完成",
            CaseFilter(overdue=True),
            "超过完成时限仍未完成整治",
            SECTION_ATTENTION,
            alert_when_any=True,
        ),
        case_tile(
            "relapsed",
            "反弹",
            CaseFilter(relapsed=True),
            "回头看发现死灰复燃、异地转移等",
            SECTION_ATTENTION,
            alert_when_any=True,
        ),
        case_tile(
            "quasi",
            "类散乱污",
            CaseFilter(quasi=True),
            "原址或附近重新开工、补办手续",
            SECTION_ATTENTION,
            alert_when_any=True,
        ),
    ]

    tiles.append(_stage_tile(current_stage(session, today), today))
    state = returns_state(session, actor, today)
    if state.stage is None:
        returns_note = "尚无需要上报的阶段"
    else:
        on_time = state.expected - len(set(state.missing) | set(state.late))
        returns_note = f"{state.stage.name}：按时上报 {on_time}/{state.expected} 个单位"
        if state.missing:
            returns_note += f"，未上报 {len(state.missing)} 个"
    problem_units = len(set(state.missing) | set(state.late))
    tiles.append(
        Tile(
            "returns_missing",
            "上报缺失或逾期",
            problem_units,
            returns_note,
            SECTION_CAMPAIGN,
            pane="returns",
            pane_filter=None
            if state.stage is None
            else {
                "stage_id": state.stage.id,
                "unit_names": sorted(set(state.missing) | set(state.late)),
                "label": "上报缺失或逾期",
            },
            alert=problem_units > 0,
        )
    )

    letters = scope_to_unit(
        select(Letter.status, func.count()).group_by(Letter.status), actor, Letter.unit_id
    )
    campaign = current_campaign(session)
    if campaign is not None:
        letters = letters.where(Letter.campaign_id == campaign.id)
    by_status = {str(s): int(n) for s, n in session.execute(letters)}
    out = by_status.get(LetterStatus.ISSUED.value, 0)
    back = by_status.get(LetterStatus.SIGNED.value, 0) + by_status.get(
        LetterStatus.ARCHIVED.value, 0
    )
    tiles.append(
        Tile(
            "letters_out",
            "承诺书未返回",
            out,
            f"已印发未签署；已签署 {back} 份",
            SECTION_CAMPAIGN,
            pane="letters",
            pane_filter="issued",
            alert=out > 0,
        )
    )

    pending = int(
        session.scalar(
            scope_to_unit(
                select(func.count())
                .select_from(AccountabilityRecord)
                .where(accountability_pending()),
                actor,
                AccountabilityRecord.unit_id,
            )
        )
        or 0
    )
    # the current campaign's checks, as the 督导抽查 pane and the stage report count them
    checks = select(func.count(SpotCheckFinding.id)).join(SpotCheck)
    if campaign is not None:
        checks = checks.where(of_campaign(session, campaign.id))
    findings = int(session.scalar(scope_to_unit(checks, actor, SpotCheck.unit_id)) or 0)
    tiles.append(
        Tile(
            "spot_check_findings",
            "督导抽查发现问题",
            findings,
            "本次专项行动：新增企业、反弹、整治不到位等"
            if campaign is not None
            else "新增企业、反弹、整治不到位等",
            SECTION_CAMPAIGN,
            pane="spot_checks",
        )
    )
    tiles.append(
        Tile(
            "accountability_pending",
            "问责未办结",
            pending,
            "拟问责或已决定未执行",
            SECTION_CAMPAIGN,
            pane="accountability",
            pane_filter="pending",
            alert=pending > 0,
        )
    )
    return tiles


def scope_title(session: Session, actor: Actor) -> str:
    """Whose figures the overview shows: 全市, or the county clerk's unit (灵寿县)."""
    require(actor, Permission.VIEW)
    unit_id = unit_scope(actor)
    if unit_id is None:
        return "全市"
    return session.scalar(select(Unit.name).where(Unit.id == unit_id)) or "本单位"
