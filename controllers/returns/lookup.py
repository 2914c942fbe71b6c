"""Find units and campaign stages by what a clerk types, and what a unit's return may name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.errors import NotFoundError
from controllers.permissions import Permission, can
from controllers.returns.industries import load_matcher
from controllers.returns.rows import Vocabulary
from models import Batch, Campaign, CampaignStage, CountyReturn, Township, Unit
from models.codes import StageKind
from models.textnorm import search_key


@dataclass(frozen=True)
class StageChoice:
    id: int
    label: str  # 2026年专项行动 · 全面自查（截止 2026-05-25）
    name: str
    deadline: dt.date | None
    year: int


def stage_choices(session: Session) -> list[StageChoice]:
    """Every campaign stage, newest campaign first, in stage order."""
    rows = session.execute(
        select(CampaignStage, Campaign.year, Campaign.name)
        .join(Campaign, Campaign.id == CampaignStage.campaign_id)
        .order_by(Campaign.year.desc(), Campaign.id.desc(), CampaignStage.sort_order)
    )
    out = []
    for stage, year, _campaign in rows:
        due = f"（截止 {stage.deadline.isoformat()}）" if stage.deadline else ""
        out.append(StageChoice(stage.id, f"{year}年 · {stage.name}{due}", stage.name,
                               stage.deadline, year))  # fmt: skip
    return out


def find_stage(session: Session, text: str) -> CampaignStage:
    """A stage by id, name (全面自查), code (self_inspection) or "2026 全面自查"."""
    raw = text.strip()
    if raw.isdigit():
        stage = session.get(CampaignStage, int(raw))
        if stage is not None:
            return stage
    year = None
    parts = raw.replace("年", " ").split()
    if len(parts) == 2 and parts[0].isdigit():
        year, raw = int(parts[0]), parts[1]
    kind = StageKind.parse(raw)
    key = search_key(raw)
    for choice in stage_choices(session):
        if year is not None and choice.year != year:
            continue
        stage = session.get(CampaignStage, choice.id)
        if search_key(stage.name) == key or (kind is not None and stage.kind == kind):
            return stage
    names = "、".join(dict.fromkeys(c.name for c in stage_choices(session))) or "（尚无专项行动）"
    raise NotFoundError(f"找不到阶段“{text}”。可用的阶段：{names}。")


def stage_year(session: Session, stage_id: int | None) -> int | None:
    """The year a "5月25日" in a return means: the stage's deadline year, else its campaign's."""
    if stage_id is None:
        return None
    stage = session.get(CampaignStage, stage_id)
    if stage is None:
        raise NotFoundError("所选阶段已不存在。")
    if stage.deadline is not None:
        return stage.deadline.year
    return stage.campaign.year


def load_vocabulary(session: Session, unit: Unit, default_year: int | None) -> Vocabulary:
    """Units, the unit's townships, industries and batches, keyed for reading a return."""
    units: dict[str, str] = {}
    for u in session.scalars(select(Unit)):
        for text in (u.name, u.short_name):
            units.setdefault(search_key(text), u.name)
    industries = load_matcher(session)
    names = industries.names
    townships = {
        search_key(t.name): t.name
        for t in session.scalars(select(Township).where(Township.unit_id == unit.id))
    }
    batches = {search_key(b.name): b.name for b in session.scalars(select(Batch))}
    return Vocabulary(unit.id, unit.name, units, townships, industries, names, batches,
                      default_year)  # fmt: skip


def submit_units(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the units whose returns the actor may import (a county clerk: their own)."""
    units = session.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order)).all()
    return [(i, n) for i, n in units if can(actor, Permission.SUBMIT_RETURNS, i)]


def default_stage_id(session: Session, today: dt.date | None = None) -> int | None:
    """The stage a returns screen opens on: the newest return's, else the first not yet due."""
    newest = session.scalar(
        select(CountyReturn.stage_id)
        .where(CountyReturn.stage_id.is_not(None))
        .order_by(CountyReturn.received_on.desc(), CountyReturn.id.desc())
        .limit(1)
    )
    if newest is not None:
        return newest
    today = today or dt.date.today()
    choices = stage_choices(session)
    for c in choices:
        if c.deadline is None or c.deadline >= today:
            return c.id
    return choices[0].id if choices else None
