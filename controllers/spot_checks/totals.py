"""Totals of the checks for a period, unit and campaign, computed from the records.

A check belongs to the campaign it was saved under (``campaign_id``, set on saving to the
campaign in force on its day); a check saved without one counts for the campaign whose
window holds its day. The pane, the overview and the stage report all use
:func:`of_campaign`, so their figures agree.

:func:`check_totals` is the one definition of the spot-check figures (groups, 人次, sites,
new sites, findings by kind): the pane and ``checks`` command (a period, unit, campaign), the
stage report (``controllers.stats.as_of.spot_checks_as_of``: up to its date, of its
campaign) and ``summary`` (every check) all read them from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.permissions import Permission, require, scope_to_unit
from models import SpotCheck, SpotCheckFinding, SpotCheckMember, SpotCheckSite
from models.codes import FindingKind


@dataclass
class CheckTotals:
    groups: int = 0  # 执法组（checks)
    person_times: int = 0  # 人次: each person once per check
    sites: int = 0  # 企业（点位）
    new_found: int = 0  # 新增“散乱污”企业
    by_kind: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in FindingKind})

    def as_json(self) -> dict:
        return {
            "groups": self.groups,
            "person_times": self.person_times,
            "sites": self.sites,
            "new_found": self.new_found,
            "by_kind": dict(self.by_kind),
        }


def of_campaign(session: Session, campaign_id: int) -> ColumnElement[bool]:
    """The checks of a campaign: saved under it, or saved without one on a day it held."""
    from controllers.campaigns import campaign_window  # not for ``summary``: its imports stay few

    w = campaign_window(session, campaign_id)
    undated = [SpotCheck.campaign_id.is_(None), SpotCheck.checked_on >= w.starts_on]
    if w.ends_on is not None:
        undated.append(SpotCheck.checked_on <= w.ends_on)
    return or_(SpotCheck.campaign_id == campaign_id, and_(*undated))


def narrow(
    stmt: Select,
    actor: Actor,
    date_from: dt.date | None,
    date_to: dt.date | None,
    unit_id: int | None,
    campaign: ColumnElement[bool] | None = None,
) -> Select:
    """Checks of the period (bounds included), unit and campaign (an :func:`of_campaign`
    condition), within the actor's scope."""
    if campaign is not None:
        stmt = stmt.where(campaign)
    if date_from is not None:
        stmt = stmt.where(SpotCheck.checked_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(SpotCheck.checked_on <= date_to)
    if unit_id is not None:
        stmt = stmt.where(SpotCheck.unit_id == unit_id)
    return scope_to_unit(stmt, actor, SpotCheck.unit_id)


def check_totals(
    session: Session,
    actor: Actor,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    unit_id: int | None = None,
    campaign_id: int | None = None,
) -> CheckTotals:
    """Groups, person-times, sites, new sites found and problems by kind (of one campaign's
    checks when ``campaign_id`` is given)."""
    require(actor, Permission.VIEW)
    campaign = None if campaign_id is None else of_campaign(session, campaign_id)

    def n(stmt: Select) -> int:
        return int(session.scalar(narrow(stmt, actor, date_from, date_to, unit_id, campaign)) or 0)

    out = CheckTotals()
    out.groups = n(select(func.count(SpotCheck.id)))
    people = narrow(
        select(SpotCheckMember.check_id, SpotCheckMember.name).join(SpotCheck).distinct(),
        actor, date_from, date_to, unit_id, campaign,
    ).subquery()  # fmt: skip
    out.person_times = int(session.scalar(select(func.count()).select_from(people)) or 0)
    out.sites = n(select(func.count(SpotCheckSite.id)).join(SpotCheck))
    rows = session.execute(
        narrow(
            select(SpotCheckFinding.kind, func.count()).join(SpotCheck).group_by(SpotCheckFinding.kind),
            actor, date_from, date_to, unit_id, campaign,
        )
    )  # fmt: skip
    for kind, count in rows:
        out.by_kind[str(getattr(kind, "value", kind))] = int(count)
    out.new_found = out.by_kind.get(FindingKind.NEW_CASE.value, 0)
    return out
