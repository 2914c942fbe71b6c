"""Campaigns (专项行动) and their stages: what returns are asked for and by when.

A campaign is saved as a whole (its fields and its stages) under the campaign's version, so
two clerks editing the same campaign never overwrite each other. A stage that returns were
filed for is never removed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.editing import EditConflict, FieldConflict, apply_edit
from controllers.errors import NotFoundError, ValidationError
from controllers.permissions import Permission, require
from models import Campaign, CampaignStage, CountyReturn, Letter, SpotCheck
from models.codes import StageKind


@dataclass
class StageInput:
    kind: StageKind
    name: str
    starts_on: dt.date | None
    deadline: dt.date | None
    id: int | None = None  # an existing stage; None for a new one

    def summary(self) -> str:
        start = self.starts_on.isoformat() if self.starts_on else "—"
        end = self.deadline.isoformat() if self.deadline else "—"
        return f"{self.name}（{start} 至 {end}）"


@dataclass
class CampaignInput:
    name: str
    year: int
    plan_title: str = ""
    started_on: dt.date | None = None
    requirements: str = ""  # one requirement a line
    stages: list[StageInput] = field(default_factory=list)

    def stages_summary(self) -> str:
        return "；".join(s.summary() for s in self.stages)


@dataclass(frozen=True)
class CampaignRow:
    id: int
    name: str
    year: int
    stages: str
    current_deadline: dt.date | None
    returns: int
    version: int


def default_campaign(year: int) -> CampaignInput:
    """A new campaign prefilled with the usual three stages (self-inspection due 5月25日)."""
    return CampaignInput(
        name=f"{year}年“散乱污”企业持续排查整治专项行动",
        year=year,
        started_on=dt.date(year, 3, 1),
        requirements="\n".join(
            [
                "对照以往年度“散乱污”企业整治清单，全面开展“回头看”",
                "持续排查整治，发现一起、查处一起、取缔一起",
                "建立动态整治清单，实行销号制度，完成整治一起，销号一起",
                "强化督查问责，依纪依规追究相关责任人责任",
            ]
        ),
        stages=[
            StageInput(StageKind.MOBILISE, "动员部署", dt.date(year, 3, 1), dt.date(year, 4, 30)),
            StageInput(
                StageKind.SELF_INSPECTION, "全面自查", dt.date(year, 5, 1), dt.date(year, 5, 25)
            ),
            StageInput(
                StageKind.ACCOUNTABILITY, "排查问责", dt.date(year, 5, 26), dt.date(year, 12, 31)
            ),
        ],
    )


def list_campaigns(
    session: Session, actor: Actor, today: dt.date | None = None
) -> list[CampaignRow]:
    """Every campaign, newest first, with its stages and how many returns were filed."""
    require(actor, Permission.VIEW)
    today = today or dt.date.today()
    returns = dict(
        session.execute(
            select(CampaignStage.campaign_id, func.count(CountyReturn.id))
            .join(CountyReturn, CountyReturn.stage_id == CampaignStage.id)
            .group_by(CampaignStage.campaign_id)
        ).all()
    )
    rows = []
    for camp in session.scalars(
        select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc())
    ):
        upcoming = [s.deadline for s in camp.stages if s.deadline and s.deadline >= today]
        rows.append(
            CampaignRow(
                id=camp.id,
                name=camp.name,
                year=camp.year,
                stages="；".join(_stage_input(s).summary() for s in camp.stages),
                current_deadline=min(upcoming) if upcoming else None,
                returns=int(returns.get(camp.id, 0)),
                version=camp.version,
            )
        )
    return rows


def campaign_detail(session: Session, actor: Actor, campaign_id: int) -> tuple[CampaignInput, int]:
    """A campaign as the form edits it, and the version it was read at."""
    require(actor, Permission.VIEW)
    camp = _campaign(session, campaign_id)
    return _as_input(camp), camp.version


def save_campaign(
    session: Session,
    actor: Actor,
    data: CampaignInput,
    campaign_id: int | None = None,
    expected_version: int | None = None,
) -> int:
    """Create (``campaign_id`` None) or change a campaign and its stages.

    Raises :class:`ValidationError` for bad input and :class:`EditConflict` (with both
    versions) when another clerk saved the campaign since ``expected_version``.
    """
    require(actor, Permission.MANAGE_CAMPAIGNS)
    clean = _validate(data)
    try:
        _check_unique_name(session, clean.name, campaign_id)
        if campaign_id is None:
            camp = Campaign(
                name=clean.name, year=clean.year, plan_title=clean.plan_title or None,
                started_on=clean.started_on, requirements=clean.requirements or None,
            )  # fmt: skip
            camp.stages = [_new_stage(s, i) for i, s in enumerate(clean.stages, start=1)]
            session.add(camp)
            session.flush()
            record(session, actor, "create", "campaign", camp.id,
                   detail={"name": camp.name, "stages": clean.stages_summary()})  # fmt: skip
        else:
            camp = _campaign(session, campaign_id)
            before = _as_input(camp)
            if expected_version is None or camp.version != expected_version:
                raise _conflict(camp, clean)
            diffs = apply_edit(
                session,
                camp,
                expected_version,
                {"name": clean.name, "year": clean.year, "plan_title": clean.plan_title or None,
                 "started_on": clean.started_on, "requirements": clean.requirements or None},
            )  # fmt: skip
            _replace_stages(session, camp, clean.stages)
            if before.stages_summary() != clean.stages_summary():
                diffs["stages"] = (before.stages_summary(), clean.stages_summary())
                flag_modified(camp, "name")  # a change of stages moves the campaign's version on
            session.flush()
            record(session, actor, "update", "campaign", camp.id,
                   detail={k: [str(o), str(n)] for k, (o, n) in diffs.items()})  # fmt: skip
        return camp.id
    except Exception:
        session.rollback()
        raise


def delete_campaign(
    session: Session, actor: Actor, campaign_id: int, expected_version: int
) -> None:
    """Remove a campaign nothing refers to yet (no returns, letters or spot checks)."""
    require(actor, Permission.MANAGE_CAMPAIGNS)
    try:
        camp = _campaign(session, campaign_id)
        if camp.version != expected_version:
            raise _conflict(camp, _as_input(camp))
        stage_ids = [s.id for s in camp.stages]
        used = (
            _count(
                session, CountyReturn, CountyReturn.stage_id.in_(stage_ids) if stage_ids else None
            )
            + _count(session, Letter, Letter.campaign_id == camp.id)
            + _count(session, SpotCheck, SpotCheck.campaign_id == camp.id)
        )
        if used:
            raise ValidationError(
                f"专项行动“{camp.name}”已有上报、承诺书或督导抽查记录，不能删除。"
            )
        record(session, actor, "delete", "campaign", camp.id, detail={"name": camp.name})
        session.delete(camp)
    except Exception:
        session.rollback()
        raise


# -- helpers ----------------------------------------------------------------------------
def _count(session: Session, model, condition) -> int:
    if condition is None:
        return 0
    return int(session.scalar(select(func.count()).select_from(model).where(condition)) or 0)


def _campaign(session: Session, campaign_id: int) -> Campaign:
    camp = session.get(Campaign, campaign_id)
    if camp is None:
        raise NotFoundError("该专项行动已不存在（可能已被删除）。")
    return camp


def _stage_input(stage: CampaignStage) -> StageInput:
    return StageInput(StageKind(stage.kind), stage.name, stage.starts_on, stage.deadline, stage.id)


def _as_input(camp: Campaign) -> CampaignInput:
    return CampaignInput(
        name=camp.name,
        year=camp.year,
        plan_title=camp.plan_title or "",
        started_on=camp.started_on,
        requirements=camp.requirements or "",
        stages=[_stage_input(s) for s in camp.stages],
    )


def _new_stage(stage: StageInput, order: int) -> CampaignStage:
    return CampaignStage(kind=stage.kind, name=stage.name, starts_on=stage.starts_on,
                         deadline=stage.deadline, sort_order=order)  # fmt: skip


def _validate(data: CampaignInput) -> CampaignInput:
    name = " ".join((data.name or "").split())
    if not name:
        raise ValidationError("请填写专项行动名称。", "name")
    if len(name) > 120:
        raise ValidationError("专项行动名称不能超过 120 个字。", "name")
    if not 2000 <= int(data.year) <= 2100:
        raise ValidationError(f"年度“{data.year}”不正确，应在 2000 到 2100 之间。", "year")
    if len(data.plan_title or "") > 200:
        raise ValidationError("行动方案名称不能超过 200 个字。", "plan_title")
    if not data.stages:
        raise ValidationError("专项行动至少要有一个阶段。", "stages")
    stages = []
    previous: StageInput | None = None
    for n, stage in enumerate(data.stages, start=1):
        sname = " ".join((stage.name or "").split())
        if not sname:
            raise ValidationError(f"第 {n} 个阶段缺少名称。", "stages")
        if len(sname) > 60:
            raise ValidationError(f"第 {n} 个阶段的名称不能超过 60 个字。", "stages")
        if stage.starts_on and stage.deadline and stage.deadline < stage.starts_on:
            raise ValidationError(
                f"阶段“{sname}”的截止日期（{stage.deadline:%Y-%m-%d}）早于开始日期"
                f"（{stage.starts_on:%Y-%m-%d}）。",
                "stages",
            )
        if previous and previous.deadline and stage.deadline and stage.deadline < previous.deadline:
            raise ValidationError(
                f"阶段“{sname}”的截止日期早于上一阶段“{previous.name}”，请按时间先后排列阶段。",
                "stages",
            )
        clean = StageInput(StageKind(stage.kind), sname, stage.starts_on, stage.deadline, stage.id)
        stages.append(clean)
        previous = clean
    if len({s.name for s in stages}) != len(stages):
        raise ValidationError("阶段名称不能重复。", "stages")
    return CampaignInput(
        name=name,
        year=int(data.year),
        plan_title=(data.plan_title or "").strip(),
        started_on=data.started_on,
        requirements="\n".join(
            line.strip() for line in (data.requirements or "").splitlines() if line.strip()
        ),
        stages=stages,
    )


def _check_unique_name(session: Session, name: str, campaign_id: int | None) -> None:
    stmt = select(Campaign.id).where(Campaign.name == name)
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id != campaign_id)
    if session.scalar(stmt) is not None:
        raise ValidationError(f"已有名为“{name}”的专项行动。", "name")


def _replace_stages(session: Session, camp: Campaign, wanted: list[StageInput]) -> None:
    """Update stages in place by id, add new ones, remove dropped ones that nothing uses."""
    by_id = {s.id: s for s in camp.stages}
    keep_ids = {s.id for s in wanted if s.id is not None}
    for stage in list(camp.stages):
        if stage.id in keep_ids:
            continue
        if _count(session, CountyReturn, CountyReturn.stage_id == stage.id):
            raise ValidationError(f"阶段“{stage.name}”已有县区上报记录，不能删除。", "stages")
        camp.stages.remove(stage)
    for order, s in enumerate(wanted, start=1):
        if s.id is not None and s.id in by_id:
            stage = by_id[s.id]
            stage.kind, stage.name = s.kind, s.name
            stage.starts_on, stage.deadline, stage.sort_order = s.starts_on, s.deadline, order
        else:
            camp.stages.append(_new_stage(s, order))


def _conflict(current: Campaign, mine: CampaignInput) -> EditConflict:
    theirs_input = _as_input(current)
    theirs = {
        "name": theirs_input.name,
        "year": theirs_input.year,
        "plan_title": theirs_input.plan_title,
        "started_on": theirs_input.started_on,
        "requirements": theirs_input.requirements,
        "stages": theirs_input.stages_summary(),
    }
    wanted = {
        "name": mine.name,
        "year": mine.year,
        "plan_title": mine.plan_title,
        "started_on": mine.started_on,
        "requirements": mine.requirements,
        "stages": mine.stages_summary(),
    }
    conflicts = [FieldConflict(k, v, theirs[k]) for k, v in wanted.items() if theirs[k] != v]
    return EditConflict("Campaign", current.id, current.version, conflicts, theirs)


@dataclass(frozen=True)
class CampaignWindow:
    """The days a campaign is in force: from its start until it ended or the next one began."""

    campaign_id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date | None  # None: still in force

    def holds(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def campaign_windows(session: Session) -> list[CampaignWindow]:
    """Every campaign's window, oldest first. A campaign starts on ``started_on`` (1 January
    of its year when not set) and is in force until its ``ended_on`` or the day before the
    next campaign starts, whichever comes first; the windows never overlap."""
    camps = sorted(
        session.scalars(select(Campaign)),
        key=lambda c: (c.started_on or dt.date(c.year, 1, 1), c.year, c.id),
    )
    out = []
    for i, c in enumerate(camps):
        start = c.started_on or dt.date(c.year, 1, 1)
        ends = [c.ended_on] if c.ended_on else []
        if i + 1 < len(camps):
            nxt = camps[i + 1]
            ends.append((nxt.started_on or dt.date(nxt.year, 1, 1)) - dt.timedelta(days=1))
        out.append(CampaignWindow(c.id, c.name, start, min(ends) if ends else None))
    return out


def campaign_on(session: Session, day: dt.date) -> int | None:
    """The id of the campaign in force on ``day`` (None before the first or after one ended)."""
    return next((w.campaign_id for w in campaign_windows(session) if w.holds(day)), None)


def campaign_window(session: Session, campaign_id: int) -> CampaignWindow:
    found = next((w for w in campaign_windows(session) if w.campaign_id == campaign_id), None)
    if found is None:
        raise NotFoundError("该专项行动不存在。")
    return found
