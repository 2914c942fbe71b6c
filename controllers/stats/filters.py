"""What a chart is narrowed to: period, units and classification."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.cases.filters import CaseFilter
from controllers.permissions import Permission, require, unit_scope
from models import Unit


@dataclass(frozen=True)
class StatsFilter:
    """The chart pane's filters; empty means "all"."""

    start: dt.date | None = None  # first day of the period (inclusive)
    end: dt.date | None = None  # last day of the period (inclusive)
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    classifications: frozenset[str] = field(default_factory=frozenset)

    def with_(self, **changes: Any) -> StatsFilter:
        return replace(self, **changes)

    def case_filter(self, *, with_period: bool = True) -> CaseFilter:
        """The register filter of the same cases (the period applies to the discovery date)."""
        return CaseFilter(
            unit_ids=frozenset(self.unit_ids),
            classifications=frozenset(self.classifications),
            discovered_from=self.start if with_period else None,
            discovered_to=self.end if with_period else None,
        )


def filter_units(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the units a chart may be narrowed to: the actor's scope, in list order."""
    require(actor, Permission.VIEW)
    stmt = select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.sort_order)
    scope = unit_scope(actor)
    if scope is not None:
        stmt = stmt.where(Unit.id == scope)
    return [(int(i), str(n)) for i, n in session.execute(stmt)]
