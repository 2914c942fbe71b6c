"""Every figure of the stage report, computed from the data as it stood on a chosen date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.letters.templates import current_template
from controllers.overview import current_campaign, returns_stage
from controllers.permissions import Permission, require, unit_scope
from controllers.settings import CITY_NAME, get_setting
from controllers.stats import StatsFilter, add_months, monthly_series
from controllers.stats.as_of import (
    CaseCounts,
    LetterFigures,
    NewCaseFigures,
    ProblemFigures,
    ReturnFigures,
    SpotCheckFigures,
    batch_kinds,
    batches_as_of,
    case_grid,
    letters_as_of,
    new_cases_as_of,
    problems_as_of,
    returns_as_of,
    spot_checks_as_of,
    totals_as_of,
    units_as_of,
)
from controllers.stats.monthly import MonthlySeries
from models import CampaignEvent, Unit
from models.codes import BatchKind, UnitKind

#: months of the embedded monthly chart (ending with the report's month)
CHART_MONTHS = 36


@dataclass(frozen=True)
class StageInfo:
    name: str
    starts_on: dt.date | None
    deadline: dt.date | None
    description: str = ""


@dataclass(frozen=True)
class EventInfo:
    """A dated step of the campaign the report cites (调度会, 转发通知 …)."""

    occurred_on: dt.date
    title: str
    summary: str


@dataclass(frozen=True)
class CampaignInfo:
    name: str
    year: int
    plan_title: str
    started_on: dt.date | None
    requirements: list[str]
    stages: list[StageInfo]


@dataclass
class ReportFigures:
    """What the report says, as numbers; the wording is made by :mod:`controllers.report.content`."""

    as_of: dt.date
    city_name: str
    scope_name: str  # 全市, or the county clerk's unit
    unit_scoped: bool
    campaign: CampaignInfo | None
    totals: CaseCounts
    annual: list[tuple[int | None, CaseCounts]]  # (year, counts) of each annual list
    added: list[CaseCounts]  # batches of cases found later (新增)
    units: list[CaseCounts]
    problems: ProblemFigures
    spot_checks: SpotCheckFigures
    letters: LetterFigures
    notice_title: str
    issuer_name: str
    unit_kinds: dict[str, str]  # unit name → kind code (县/市/区/园区)
    counterparties: dict[str, str]  # unit name → the letter's 乙方 ('' when not set)
    returns: ReturnFigures
    returns_stage: StageInfo | None
    new_cases: NewCaseFigures
    monthly: MonthlySeries
    events: list[EventInfo] = field(default_factory=list)  # the campaign's, up to the date
    notes: list[str] = field(default_factory=list)

    @property
    def annual_years(self) -> list[int]:
        return [y for y, _ in self.annual if y is not None]

    @property
    def annual_relapsed(self) -> int:
        return sum(c.relapsed for _, c in self.annual)

    @property
    def annual_open(self) -> int:
        return sum(c.open for _, c in self.annual)


def _campaign_info(campaign) -> CampaignInfo | None:
    if campaign is None:
        return None
    requirements = [
        line.strip().rstrip("。；;")
        for line in (campaign.requirements or "").splitlines()
        if line.strip()
    ]
    stages = [
        StageInfo(s.name, s.starts_on, s.deadline, s.description or "") for s in campaign.stages
    ]
    return CampaignInfo(
        campaign.name,
        campaign.year,
        campaign.plan_title or "",
        campaign.started_on,
        requirements,
        stages,
    )


def report_figures(session: Session, actor: Actor, as_of: dt.date) -> ReportFigures:
    """All the report's figures as of ``as_of``, within the actor's scope."""
    require(actor, Permission.VIEW)
    city = str(get_setting(session, CITY_NAME) or "本市")
    scope = unit_scope(actor)
    scope_name = "全市"
    if scope is not None:
        unit = session.get(Unit, scope)
        scope_name = unit.name if unit else "本单位"
    campaign = current_campaign(session)
    campaign_id = campaign.id if campaign else None
    grid = case_grid(session, actor, as_of)  # one scan of the cases for most figures
    kinds = batch_kinds(session)
    annual, added = [], []
    for counts in batches_as_of(session, actor, as_of, grid):
        kind, year = kinds.get(counts.key, (BatchKind.ADDED, None))
        if kind == BatchKind.ANNUAL:
            annual.append((year, counts))
        else:
            added.append(counts)
    stage = returns_stage(session, as_of)
    template = current_template(session)
    issuer = (template.issuer_name if template else "{city_name}生态环境局").replace(
        "{city_name}", city
    )
    notice = f"《关于签订{template.name if template else '“散乱污”企业持续整治工作承诺书'}的通知》"
    unit_rows = session.execute(select(Unit.name, Unit.kind, Unit.counterparty)).all()
    unit_kinds = {name: str(kind) for name, kind, _cp in unit_rows}
    counterparties = {name: (cp or "").strip() for name, _kind, cp in unit_rows}
    events = []
    if campaign_id is not None:
        events = [
            EventInfo(e.occurred_on, e.title, e.summary or e.title)
            for e in session.scalars(
                select(CampaignEvent)
                .where(CampaignEvent.campaign_id == campaign_id, CampaignEvent.occurred_on <= as_of)
                .order_by(CampaignEvent.occurred_on, CampaignEvent.id)
            )
        ]
    monthly = monthly_series(
        session, actor, StatsFilter(start=add_months(as_of, -(CHART_MONTHS - 1))), as_of
    )
    first_nonzero = next(
        (i for i, row in enumerate(monthly.rows()) if any(row[1:5])), len(monthly.months)
    )
    if 0 < first_nonzero < len(monthly.months):  # start the chart where the data starts
        monthly = monthly_series(
            session, actor, StatsFilter(start=monthly.months[first_nonzero]), as_of
        )
    return ReportFigures(
        as_of=as_of,
        city_name=city,
        scope_name=scope_name,
        unit_scoped=scope is not None,
        campaign=_campaign_info(campaign),
        totals=totals_as_of(session, actor, as_of, grid),
        annual=annual,
        added=added,
        units=units_as_of(session, actor, as_of, grid),
        problems=problems_as_of(session, actor, as_of, grid),
        spot_checks=spot_checks_as_of(session, actor, as_of, campaign_id),
        letters=letters_as_of(session, actor, as_of, campaign_id),
        notice_title=notice,
        issuer_name=issuer,
        unit_kinds=unit_kinds,
        counterparties=counterparties,
        returns=returns_as_of(session, actor, as_of, stage.id if stage else None),
        returns_stage=StageInfo(stage.name, stage.starts_on, stage.deadline) if stage else None,
        new_cases=new_cases_as_of(session, actor, as_of, campaign.started_on if campaign else None),
        monthly=monthly,
        events=events,
    )


def is_park(kind: str) -> bool:
    return kind == UnitKind.PARK.value
