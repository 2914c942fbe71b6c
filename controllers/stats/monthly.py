"""Monthly progress: cases found, rectified, closed out and relapsed per month, and the
cumulative completion rate — one grouped scan of the cases and one of the look-backs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.cases.filters import CaseFilter, apply_to_select
from controllers.errors import ValidationError
from controllers.permissions import Permission, require, scope_to_unit
from controllers.stats.filters import StatsFilter
from controllers.stats.periods import (
    add_months,
    month_end,
    month_key,
    month_of,
    month_start,
    months_between,
    parse_month_key,
)
from models import Case, CaseLookback
from models.codes import LookbackResult

#: series keys and their labels, in drawing order
SERIES: dict[str, str] = {
    "found": "新发现",
    "rectified": "完成整治",
    "closed": "销号",
    "relapses": "反弹",
}
RATE_LABEL = "累计完成率"
#: look-back results that count as a relapse (every one but 正常); IN uses the index
RELAPSE_RESULTS = [r.value for r in LookbackResult if r != LookbackResult.NORMAL]
#: the longest period drawn when the clerk has not chosen one
DEFAULT_MONTHS = 36


@dataclass
class MonthlySeries:
    """Per-month counts (index i is the month ``months[i]``) and the cumulative rate."""

    months: list[dt.date]
    found: list[int]
    rectified: list[int]
    closed: list[int]
    relapses: list[int]
    #: cases rectified / cases found, both counted up to the month's end (at most 1)
    cumulative_rate: list[float | None]
    as_of: dt.date
    #: cases without a 发现日期 (entered by the date): not in "found", in the rate from the start
    undated: int = 0
    totals: dict[str, int] = field(default_factory=dict)  # sums over the months shown

    def values(self, key: str) -> list[int]:
        """The counts of one series by its key (see :data:`SERIES`)."""
        return getattr(self, key)

    def rows(self) -> list[tuple[dt.date, int, int, int, int, float | None]]:
        """(month, found, rectified, closed, relapses, rate) for each month."""
        return list(
            zip(
                self.months,
                self.found,
                self.rectified,
                self.closed,
                self.relapses,
                self.cumulative_rate,
                strict=True,
            )
        )


def _next_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def _scoped_cases(stmt: Select, actor: Actor, base: CaseFilter, as_of: dt.date) -> Select:
    return scope_to_unit(apply_to_select(stmt, base, as_of), actor, Case.unit_id)


def _per_month(
    session: Session, actor: Actor, base: CaseFilter, column, as_of: dt.date
) -> dict[str, int]:
    """Cases per month of a date column (up to ``as_of``), grouped in the database.

    The inner GROUP BY on the date itself walks the column's index in order; the outer one
    buckets the few hundred days into months.
    """
    days = _scoped_cases(
        select(column.label("day"), func.count().label("n"))
        .select_from(Case)
        .where(column <= as_of)
        .group_by(column),
        actor,
        base,
        as_of,
    ).subquery()
    month = month_of(days.c.day)
    rows = session.execute(select(month, func.sum(days.c.n)).group_by(month))
    return {str(m): int(n) for m, n in rows if m}


def monthly_series(
    session: Session, actor: Actor, flt: StatsFilter | None = None, as_of: dt.date | None = None
) -> MonthlySeries:
    """The monthly progress of the cases in ``flt`` (units, classification; the period picks
    the months shown), counting events up to ``as_of`` (default today)."""
    require(actor, Permission.VIEW)
    flt = flt or StatsFilter()
    as_of = as_of or dt.date.today()
    if flt.end is not None and flt.start is not None and flt.end < flt.start:
        raise ValidationError("统计期间的结束月份早于开始月份，请重新选择。", field="period")
    base = flt.case_filter(with_period=False)
    found = _per_month(session, actor, base, Case.discovered_on, as_of)
    rectified = _per_month(session, actor, base, Case.completed_on, as_of)
    closed = _per_month(session, actor, base, Case.closed_on, as_of)
    undated = int(
        session.scalar(
            _scoped_cases(
                select(func.count())
                .select_from(Case)
                .where(Case.discovered_on.is_(None), Case.created_at < _next_day(as_of)),
                actor,
                base,
                as_of,
            )
        )
        or 0
    )
    lookback_month = month_of(CaseLookback.checked_on)
    relapse_rows = session.execute(
        _scoped_cases(
            select(lookback_month, func.count(func.distinct(CaseLookback.case_id)))
            .select_from(CaseLookback)
            .join(Case, Case.id == CaseLookback.case_id)
            .where(
                CaseLookback.result.in_(RELAPSE_RESULTS),
                CaseLookback.checked_on <= as_of,
            )
            .group_by(lookback_month),
            actor,
            base,
            as_of,
        )
    ).all()
    relapses = {str(m): int(n) for m, n in relapse_rows if m}

    months = _months_shown(flt, as_of, [*found, *rectified, *closed, *relapses])
    keys = [month_key(m) for m in months]
    first = keys[0] if keys else ""
    # cases without a discovery date count as found from the start
    cum_found = undated + sum(n for k, n in found.items() if k < first)
    cum_done = sum(n for k, n in rectified.items() if k < first)
    rates: list[float | None] = []
    for k in keys:
        cum_found += found.get(k, 0)
        cum_done += rectified.get(k, 0)
        rates.append(min(1.0, cum_done / cum_found) if cum_found else None)
    series = MonthlySeries(
        months=months,
        found=[found.get(k, 0) for k in keys],
        rectified=[rectified.get(k, 0) for k in keys],
        closed=[closed.get(k, 0) for k in keys],
        relapses=[relapses.get(k, 0) for k in keys],
        cumulative_rate=rates,
        as_of=as_of,
        undated=undated,
    )
    series.totals = {key: sum(series.values(key)) for key in SERIES}
    return series


def _months_shown(flt: StatsFilter, as_of: dt.date, keys: list[str]) -> list[dt.date]:
    last = month_start(min(flt.end, as_of) if flt.end else as_of)
    if flt.start is not None:
        first = month_start(flt.start)
    elif keys:
        first = max(parse_month_key(min(keys)), add_months(last, -(DEFAULT_MONTHS - 1)))
    else:
        return []
    return months_between(first, last) if first <= last else []


def monthly_bar_filter(
    session: Session,
    actor: Actor,
    flt: StatsFilter,
    series: str,
    month: dt.date,
    as_of: dt.date | None = None,
) -> CaseFilter:
    """The register filter of exactly the cases counted in one bar of the monthly chart."""
    require(actor, Permission.VIEW)
    if series not in SERIES:
        raise ValidationError(f"未知的统计项：{series}", field="series")
    as_of = as_of or dt.date.today()
    base = flt.case_filter(with_period=False)
    first, last = month_start(month), min(month_end(month), as_of)
    if series == "found":
        return base.with_(discovered_from=first, discovered_to=last)
    if series == "closed":
        return base.with_(closed_from=first, closed_to=last)
    if series == "rectified":
        stmt = select(Case.id).where(Case.completed_on >= first, Case.completed_on <= last)
    else:
        stmt = (
            select(CaseLookback.case_id)
            .join(Case, Case.id == CaseLookback.case_id)
            .where(
                CaseLookback.result.in_(RELAPSE_RESULTS),
                CaseLookback.checked_on >= first,
                CaseLookback.checked_on <= last,
            )
            .distinct()
        )
    ids = frozenset(session.scalars(_scoped_cases(stmt, actor, base, as_of)))
    return base.with_(case_ids=ids)
