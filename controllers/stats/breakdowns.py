"""Cases by status per unit, classification, industry or source (stacked-bar data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.cases.filters import CaseFilter, apply_to_select
from controllers.errors import ValidationError
from controllers.permissions import Permission, require, scope_to_unit, unit_scope
from controllers.stats.filters import StatsFilter
from models import Case, Industry, Unit
from models.codes import FINISHED_STATUSES, CaseStatus, Classification, Source

#: dimension key → (title, Case column)
DIMENSIONS: dict[str, tuple[str, Any]] = {
    "unit": ("按责任单位", Case.unit_id),
    "classification": ("按整治类型", Case.classification),
    "industry": ("按行业", Case.industry_id),
    "source": ("按发现来源", Case.source),
}
#: the CaseFilter field a category narrows
_FILTER_FIELD = {
    "unit": "unit_ids",
    "classification": "classifications",
    "industry": "industry_ids",
    "source": "sources",
}
NO_INDUSTRY = "未填行业"
_FINISHED = {s.value for s in FINISHED_STATUSES}


@dataclass
class Category:
    """One bar: a unit, classification, industry or source, and its cases by status."""

    key: Any  # unit id, classification code, industry id (None: not filled), source code
    label: str  # short, for the axis
    full_label: str  # for hover and tables
    counts: dict[str, int] = field(default_factory=dict)  # status code → cases

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def finished(self) -> int:
        return sum(n for s, n in self.counts.items() if s in _FINISHED)

    @property
    def rate(self) -> float | None:
        """Completion rate (整治完成 / 合计); None without cases."""
        return self.finished / self.total if self.total else None


@dataclass
class Breakdown:
    dimension: str
    title: str
    categories: list[Category]
    statuses: list[CaseStatus] = field(default_factory=lambda: list(CaseStatus))

    def totals(self) -> dict[str, int]:
        """Cases per status over every category."""
        return {
            s.value: sum(c.counts.get(s.value, 0) for c in self.categories) for s in self.statuses
        }


def breakdown(
    session: Session,
    actor: Actor,
    dimension: str,
    flt: StatsFilter | None = None,
    today: dt.date | None = None,
) -> Breakdown:
    """Cases per category and status (GROUP BY in the database), categories sorted for the
    chart: units by completion rate (best first), industries by size, codes in their order."""
    require(actor, Permission.VIEW)
    if dimension not in DIMENSIONS:
        raise ValidationError(f"未知的统计维度：{dimension}", field="dimension")
    flt = flt or StatsFilter()
    title, column = DIMENSIONS[dimension]
    stmt = select(column, Case.status, func.count()).select_from(Case).group_by(column, Case.status)
    stmt = scope_to_unit(apply_to_select(stmt, flt.case_filter(), today), actor, Case.unit_id)
    counts: dict[Any, dict[str, int]] = {}
    for key, status, n in session.execute(stmt):
        key = str(key) if isinstance(key, str) else key
        counts.setdefault(key, {})[str(status)] = int(n)
    categories = _categories(session, actor, dimension, flt, counts)
    return Breakdown(dimension, title, categories)


def _categories(
    session: Session, actor: Actor, dimension: str, flt: StatsFilter, counts: dict[Any, dict]
) -> list[Category]:
    if dimension == "unit":
        stmt = select(Unit.id, Unit.short_name, Unit.name, Unit.active).order_by(Unit.sort_order)
        scope = unit_scope(actor)
        out = []
        for uid, short, name, active in session.execute(stmt):
            if scope is not None and uid != scope:
                continue
            if flt.unit_ids and uid not in flt.unit_ids:
                continue
            if not active and uid not in counts:
                continue
            out.append(Category(uid, short or name, name, counts.get(uid, {})))
        # best completion first; units without cases last; the list order breaks ties
        order = {c.key: i for i, c in enumerate(out)}
        out.sort(key=lambda c: (c.rate is None, -(c.rate or 0.0), -c.total, order[c.key]))
        return out
    if dimension == "classification":
        return [
            Category(m.value, m.label, m.label, counts.get(m.value, {}))
            for m in Classification
            if m.value in counts or not flt.classifications or m.value in flt.classifications
        ]
    if dimension == "source":
        known = [Category(m.value, m.label, m.label, counts.get(m.value, {})) for m in Source]
        extra = [
            Category(k, str(k), str(k), v)
            for k, v in counts.items()
            if k not in {m.value for m in Source}
        ]
        return known + extra
    names = dict(session.execute(select(Industry.id, Industry.name)).all())
    out = [
        Category(
            key,
            names.get(key, NO_INDUSTRY) if key is not None else NO_INDUSTRY,
            names.get(key, NO_INDUSTRY) if key is not None else NO_INDUSTRY,
            c,
        )
        for key, c in counts.items()
    ]
    out.sort(key=lambda c: (c.key is None, -c.total, c.label))
    return out


def segment_filter(
    session: Session,
    actor: Actor,
    dimension: str,
    flt: StatsFilter,
    key: Any,
    status: str | None = None,
    today: dt.date | None = None,
) -> CaseFilter:
    """The register filter of exactly the cases of one bar (or one status segment of it)."""
    require(actor, Permission.VIEW)
    if dimension not in DIMENSIONS:
        raise ValidationError(f"未知的统计维度：{dimension}", field="dimension")
    base = flt.case_filter()
    if status is not None:
        base = base.with_(statuses=frozenset({str(status)}))
    if dimension == "industry" and key is None:
        # "industry not filled" has no register filter of its own: name the cases
        stmt = select(Case.id).where(Case.industry_id.is_(None))
        stmt = scope_to_unit(apply_to_select(stmt, base, today), actor, Case.unit_id)
        return base.with_(case_ids=frozenset(session.scalars(stmt)))
    return base.with_(**{_FILTER_FIELD[dimension]: frozenset({key})})
