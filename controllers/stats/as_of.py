"""Figures as they stood on a chosen date, from the dates the records carry.

A case counts from its 发现日期 (or, without one, from when it was entered); it is finished
from its 完成日期 (or acceptance/close-out date) unless a look-back found it relapsed after
that; closed out from its 销号日期. Every count is a conditional SUM or a GROUP BY in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.permissions import Permission, require, scope_to_unit, unit_scope
from controllers.spot_checks.totals import check_totals, narrow, of_campaign
from controllers.stats.monthly import RELAPSE_RESULTS
from models import (
    Batch,
    Case,
    CaseLookback,
    CountyReturn,
    Industry,
    Letter,
    SpotCheck,
    Unit,
)
from models.codes import BatchKind, Classification, LetterStatus, ReturnStatus


def _next_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def last_relapse(as_of: dt.date):
    """Subquery: each relapsed case and the date of its latest relapse up to ``as_of``."""
    return (
        select(
            CaseLookback.case_id.label("case_id"),
            func.max(CaseLookback.checked_on).label("relapsed_on"),
        )
        .where(CaseLookback.result.in_(RELAPSE_RESULTS), CaseLookback.checked_on <= as_of)
        .group_by(CaseLookback.case_id)
        .subquery()
    )


@dataclass(frozen=True)
class CaseConditions:
    """The SQL conditions of a case's state on a date (over Case and :func:`last_relapse`)."""

    exists: object
    finished: object
    closed: object
    overdue: object
    relapsed: object


def conditions(as_of: dt.date, relapse) -> CaseConditions:
    """Conditions for ``as_of``; ``relapse`` is :func:`last_relapse` joined (outer) to Case."""
    exists = or_(
        Case.discovered_on <= as_of,
        and_(Case.discovered_on.is_(None), Case.created_at < _next_day(as_of)),
    )
    done_on = func.coalesce(Case.completed_on, Case.accepted_on, Case.closed_on)
    finished = and_(
        done_on.is_not(None),  # never NULL: "not finished" must be true for open cases
        done_on <= as_of,
        or_(relapse.c.relapsed_on.is_(None), relapse.c.relapsed_on < done_on),
    )
    closed = and_(Case.closed_on <= as_of, finished)
    overdue = and_(exists, ~finished, Case.deadline < as_of)
    relapsed = relapse.c.relapsed_on.is_not(None)
    return CaseConditions(exists, finished, closed, overdue, relapsed)


def _count_if(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _cases_as_of(
    columns: Callable[[CaseConditions], list], actor: Actor, as_of: dt.date
) -> tuple[Select, CaseConditions]:
    """SELECT ``columns(conditions)`` over the actor's cases joined to their last relapse."""
    relapse = last_relapse(as_of)
    cond = conditions(as_of, relapse)
    stmt = select(*columns(cond)).select_from(Case)
    stmt = stmt.outerjoin(relapse, relapse.c.case_id == Case.id)
    return scope_to_unit(stmt, actor, Case.unit_id), cond


@dataclass
class CaseCounts:
    """Cases of a group (a unit, a batch, everything) on the date."""

    key: object = None
    label: str = ""
    total: int = 0  # on the list by the date
    finished: int = 0  # rectification finished (已完成待验收, 已验收 or 已销号)
    closed: int = 0  # closed out (已销号)
    overdue: int = 0  # past 完成时限 and not finished
    relapsed: int = 0  # a look-back found a relapse (死灰复燃 etc.) by the date
    by_classification: dict[str, int] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return self.total - self.finished

    @property
    def rate(self) -> float | None:
        """Completion rate; None without cases."""
        return self.finished / self.total if self.total else None


def _counting_columns(cond: CaseConditions) -> list:
    return [
        _count_if(cond.exists),
        _count_if(and_(cond.exists, cond.finished)),
        _count_if(and_(cond.exists, cond.closed)),
        _count_if(cond.overdue),
        _count_if(and_(cond.exists, cond.relapsed)),
    ]


def _fill(counts: CaseCounts, row) -> CaseCounts:
    counts.total, counts.finished, counts.closed, counts.overdue, counts.relapsed = (
        int(v or 0) for v in row
    )
    return counts


def _add(into: CaseCounts, other: CaseCounts) -> CaseCounts:
    into.total += other.total
    into.finished += other.finished
    into.closed += other.closed
    into.overdue += other.overdue
    into.relapsed += other.relapsed
    return into


@dataclass
class CaseGrid:
    """The cases on the date counted per (unit, batch, classification): one scan of the
    cases from which the totals, the per-unit table, the lists and the problems are read."""

    as_of: dt.date
    cells: list[tuple[int, int | None, str, CaseCounts, int]]  # …, counts, quasi cases

    def totals(self) -> CaseCounts:
        out = CaseCounts(label="合计")
        for *_, counts, _quasi in self.cells:
            _add(out, counts)
        return out


def case_grid(session: Session, actor: Actor, as_of: dt.date) -> CaseGrid:
    """Count the actor's cases on the date per unit, batch and classification (one query)."""
    require(actor, Permission.VIEW)

    def columns(cond: CaseConditions) -> list:
        return [
            Case.unit_id,
            Case.batch_id,
            Case.classification,
            *_counting_columns(cond),
            _count_if(and_(cond.exists, Case.is_quasi.is_(True))),
        ]

    stmt, _ = _cases_as_of(columns, actor, as_of)
    stmt = stmt.group_by(Case.unit_id, Case.batch_id, Case.classification)
    cells = [
        (unit_id, batch_id, str(cls), _fill(CaseCounts(), values[:5]), int(values[5] or 0))
        for unit_id, batch_id, cls, *values in session.execute(stmt)
    ]
    return CaseGrid(as_of, cells)


def totals_as_of(
    session: Session, actor: Actor, as_of: dt.date, grid: CaseGrid | None = None
) -> CaseCounts:
    """Every case in the actor's scope, on the date."""
    return (grid or case_grid(session, actor, as_of)).totals()


def units_as_of(
    session: Session, actor: Actor, as_of: dt.date, grid: CaseGrid | None = None
) -> list[CaseCounts]:
    """One row per unit in the actor's scope (list order), with the cases on the date."""
    grid = grid or case_grid(session, actor, as_of)
    by_unit: dict[int, CaseCounts] = {}
    for unit_id, _batch, _cls, counts, _quasi in grid.cells:
        _add(by_unit.setdefault(unit_id, CaseCounts(unit_id)), counts)
    units = select(Unit.id, Unit.name, Unit.active).order_by(Unit.sort_order)
    scope = unit_scope(actor)
    out = []
    for uid, name, active in session.execute(units):
        if scope is not None and uid != scope:
            continue
        if not active and uid not in by_unit:
            continue
        counts = by_unit.get(uid, CaseCounts(uid))
        counts.label = name
        out.append(counts)
    return out


def batches_as_of(
    session: Session, actor: Actor, as_of: dt.date, grid: CaseGrid | None = None
) -> list[CaseCounts]:
    """One row per list batch (annual lists in order, then 新增), with classification split."""
    grid = grid or case_grid(session, actor, as_of)
    batches = {b.id: b for b in session.scalars(select(Batch).order_by(Batch.sort_order, Batch.id))}
    out: dict[object, CaseCounts] = {}
    for _unit, batch_id, cls, counts, _quasi in grid.cells:
        batch = batches.get(batch_id)
        entry = out.setdefault(batch_id, CaseCounts(batch_id, batch.name if batch else "未分批次"))
        _add(entry, counts)
        entry.by_classification[cls] = entry.by_classification.get(cls, 0) + counts.total
    order = {bid: i for i, bid in enumerate(batches)}
    return sorted(
        (c for c in out.values() if c.total),
        key=lambda c: (order.get(c.key, len(order)), str(c.label)),
    )


def batch_kinds(session: Session) -> dict[int, tuple[BatchKind, int | None]]:
    """Batch id → (kind, year)."""
    return {
        i: (BatchKind(k), y)
        for i, k, y in session.execute(select(Batch.id, Batch.kind, Batch.year))
    }


@dataclass
class ProblemFigures:
    """三、存在问题: what is still wrong on the date."""

    overdue: int = 0
    overdue_by_class: dict[str, int] = field(default_factory=dict)
    stalled_upgrades: int = 0  # 提升改造 past 完成时限, not finished
    quasi: int = 0  # 类散乱污 on the list by the date
    relapsed: int = 0
    relapses_by_industry: list[tuple[str, int]] = field(default_factory=list)
    focus_industries: list[tuple[str, str, int, int]] = field(default_factory=list)
    # (main unit's short name, industry name, cases, finished) of each focus industry


def problems_as_of(
    session: Session, actor: Actor, as_of: dt.date, grid: CaseGrid | None = None
) -> ProblemFigures:
    """Overdue, stalled upgrades, quasi cases, relapses by industry, focus industries."""
    grid = grid or case_grid(session, actor, as_of)
    fig = ProblemFigures()
    fig.overdue_by_class = {m.value: 0 for m in Classification}
    for _unit, _batch, cls, counts, quasi in grid.cells:
        fig.overdue_by_class[cls] = fig.overdue_by_class.get(cls, 0) + counts.overdue
        fig.overdue += counts.overdue
        fig.quasi += quasi
    fig.stalled_upgrades = fig.overdue_by_class.get(Classification.UPGRADE.value, 0)

    # relapsed cases are few: start from them, not from every case
    relapse = last_relapse(as_of)
    cond = conditions(as_of, relapse)
    stmt = (
        select(Industry.name, func.count())
        .select_from(relapse)
        .join(Case, Case.id == relapse.c.case_id)
        .outerjoin(Industry, Industry.id == Case.industry_id)
        .where(cond.exists)
        .group_by(Industry.name)
    )
    stmt = scope_to_unit(stmt, actor, Case.unit_id)
    by_industry = [(name or "未填行业", int(n)) for name, n in session.execute(stmt)]
    fig.relapses_by_industry = sorted(by_industry, key=lambda r: (-r[1], r[0]))
    fig.relapsed = sum(n for _, n in by_industry)

    focus = [
        i
        for (i,) in session.execute(
            select(Industry.id).where(Industry.is_focus.is_(True)).order_by(Industry.sort_order)
        )
    ]
    if not focus:
        return fig
    stmt, cond = _cases_as_of(
        lambda c: [
            Case.industry_id,
            Case.unit_id,
            _count_if(c.exists),
            _count_if(and_(c.exists, c.finished)),
        ],
        actor,
        as_of,
    )
    stmt = stmt.where(Case.industry_id.in_(focus)).group_by(Case.industry_id, Case.unit_id)
    names = dict(session.execute(select(Industry.id, Industry.name)).all())
    shorts = dict(session.execute(select(Unit.id, Unit.short_name)).all())
    per_industry: dict[int, list] = {}
    for iid, unit_id, n, done in session.execute(stmt):
        entry = per_industry.setdefault(iid, [names.get(iid, ""), None, 0, 0, 0])
        entry[2] += int(n)
        entry[3] += int(done)
        if int(n) > entry[4]:
            entry[1], entry[4] = shorts.get(unit_id, ""), int(n)
    fig.focus_industries = [
        (per_industry[i][1] or "", per_industry[i][0], per_industry[i][2], per_industry[i][3])
        for i in focus
        if i in per_industry and per_industry[i][2]
    ]
    return fig


@dataclass
class SpotCheckFigures:
    groups: int = 0
    person_times: int = 0
    sites: int = 0
    new_found: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    min_per_day: int = 0
    max_per_day: int = 0
    #: findings by FindingKind code (new sites, relapses, substandard work…)
    by_kind: dict[str, int] = field(default_factory=dict)


def spot_checks_as_of(
    session: Session, actor: Actor, as_of: dt.date, campaign_id: int | None = None
) -> SpotCheckFigures:
    """Groups, person-times, sites and new cases found by spot checks up to the date (the
    figures of :func:`controllers.spot_checks.totals.check_totals`), with the first and last
    day and the fewest and most checks a day."""
    t = check_totals(session, actor, date_to=as_of, campaign_id=campaign_id)
    fig = SpotCheckFigures(t.groups, t.person_times, t.sites, t.new_found, by_kind=t.by_kind)
    campaign = None if campaign_id is None else of_campaign(session, campaign_id)

    def narrowed(stmt: Select) -> Select:
        return narrow(stmt, actor, None, as_of, None, campaign)

    fig.first_day, fig.last_day = session.execute(
        narrowed(select(func.min(SpotCheck.checked_on), func.max(SpotCheck.checked_on)))
    ).one()
    per_day = narrowed(
        select(SpotCheck.checked_on, func.count().label("n")).group_by(SpotCheck.checked_on)
    ).subquery()
    low, high = session.execute(select(func.min(per_day.c.n), func.max(per_day.c.n))).one()
    fig.min_per_day, fig.max_per_day = int(low or 0), int(high or 0)
    return fig


@dataclass
class LetterFigures:
    total: int = 0
    issued: int = 0  # issued by the date
    signed: int = 0  # signed (returned) by the date
    issued_on: dt.date | None = None  # the earliest issue date
    not_back: list[str] = field(default_factory=list)  # units issued but not signed by the date


def letters_as_of(
    session: Session, actor: Actor, as_of: dt.date, campaign_id: int | None = None
) -> LetterFigures:
    """The campaign's commitment letters: issued and signed by the date."""
    require(actor, Permission.VIEW)
    stmt = select(Unit.name, Letter.issued_on, Letter.signed_on, Letter.status).join(Unit)
    if campaign_id is not None:
        stmt = stmt.where(Letter.campaign_id == campaign_id)
    stmt = scope_to_unit(stmt.order_by(Unit.sort_order), actor, Letter.unit_id)
    fig = LetterFigures()
    signed_states = {LetterStatus.SIGNED.value, LetterStatus.ARCHIVED.value}
    for name, issued_on, signed_on, status in session.execute(stmt):
        fig.total += 1
        if issued_on is not None and issued_on <= as_of:
            fig.issued += 1
            fig.issued_on = min(fig.issued_on or issued_on, issued_on)
            if signed_on is not None and signed_on <= as_of and str(status) in signed_states:
                fig.signed += 1
            else:
                fig.not_back.append(name)
    return fig


@dataclass
class ReturnFigures:
    expected: int = 0  # units in scope
    received: int = 0  # units with a return received by the date
    signed: int = 0  # … signed by the unit's principal head
    published: int = 0  # … published on the unit government's website
    approved: int = 0  # … reviewed and accepted by the date
    sent_back: int = 0
    missing: list[str] = field(default_factory=list)


def returns_as_of(
    session: Session, actor: Actor, as_of: dt.date, stage_id: int | None
) -> ReturnFigures:
    """The units' returns for a stage as they stood on the date."""
    require(actor, Permission.VIEW)
    units = select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.sort_order)
    scope = unit_scope(actor)
    if scope is not None:
        units = units.where(Unit.id == scope)
    fig = ReturnFigures()
    unit_rows = session.execute(units).all()
    fig.expected = len(unit_rows)
    if stage_id is None:
        fig.missing = [n for _, n in unit_rows]
        return fig
    best: dict[int, tuple] = {}
    for uid, _received, signed, published, status, reviewed in session.execute(
        select(
            CountyReturn.unit_id,
            CountyReturn.received_on,
            CountyReturn.signed_on,
            CountyReturn.published_on,
            CountyReturn.status,
            CountyReturn.reviewed_at,
        )
        .where(CountyReturn.stage_id == stage_id, CountyReturn.received_on <= as_of)
        .order_by(CountyReturn.received_on)
    ):
        best[uid] = (signed, published, str(status), reviewed)
    for uid, name in unit_rows:
        if uid not in best:
            fig.missing.append(name)
            continue
        signed, published, status, reviewed = best[uid]
        fig.received += 1
        fig.signed += signed is not None and signed <= as_of
        fig.published += published is not None and published <= as_of
        reviewed_by_date = reviewed is not None and reviewed < _next_day(as_of)
        if status == ReturnStatus.APPROVED.value and reviewed_by_date:
            fig.approved += 1
        elif status == ReturnStatus.RETURNED.value and reviewed_by_date:
            fig.sent_back += 1
    return fig


@dataclass
class NewCaseFigures:
    """Cases found outside the annual lists (新增) during the campaign, by the date."""

    counts: CaseCounts
    shutdown: int = 0  # of which 关停取缔
    last_done_on: dt.date | None = None  # when the last of the finished ones was done


def new_cases_as_of(
    session: Session, actor: Actor, as_of: dt.date, since: dt.date | None = None
) -> NewCaseFigures:
    """New cases (batch 新增 or none) found since ``since`` up to the date."""
    require(actor, Permission.VIEW)
    # the latest step (closed out, accepted, completed) reached by the date
    done_on = case(
        (Case.closed_on <= as_of, Case.closed_on),
        (Case.accepted_on <= as_of, Case.accepted_on),
        (Case.completed_on <= as_of, Case.completed_on),
        else_=None,
    )

    def columns(cond: CaseConditions) -> list:
        return [
            *_counting_columns(cond),
            _count_if(and_(cond.exists, Case.classification == Classification.SHUTDOWN)),
            func.max(case((cond.finished, done_on), else_=None)),
        ]

    stmt, _ = _cases_as_of(columns, actor, as_of)
    added = select(Batch.id).where(Batch.kind == BatchKind.ADDED)
    stmt = stmt.where(or_(Case.batch_id.is_(None), Case.batch_id.in_(added)))
    if since is not None:
        stmt = stmt.where(Case.discovered_on >= since)
    row = session.execute(stmt).one()
    counts = _fill(CaseCounts(label="新增"), row[:5])
    last = row[6]
    if isinstance(last, str):  # SQLite returns MAX() over dates as text
        last = dt.date.fromisoformat(last[:10])
    return NewCaseFigures(counts, int(row[5] or 0), last)
