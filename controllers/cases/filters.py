"""A filter over the register: what the clerk has chosen, as data.

The same filter drives the register's table, saved views, exports and the overview's tiles,
so a tile's count and the rows it opens are always the same. ``apply_to_select`` narrows a
SQLAlchemy query; the register may also evaluate it over in-memory column arrays.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqlalchemy import Select, func, or_

from models import Case
from models.codes import FINISHED_STATUSES
from models.textnorm import search_key


@dataclass(frozen=True)
class CaseFilter:
    """Every field narrows; an empty set or None means "any"."""

    unit_ids: frozenset[int] = field(default_factory=frozenset)
    township_ids: frozenset[int] = field(default_factory=frozenset)
    classifications: frozenset[str] = field(default_factory=frozenset)
    statuses: frozenset[str] = field(default_factory=frozenset)
    sources: frozenset[str] = field(default_factory=frozenset)
    batch_ids: frozenset[int] = field(default_factory=frozenset)
    industry_ids: frozenset[int] = field(default_factory=frozenset)
    overdue: bool = False  # past 完成时限 and not finished
    quasi: bool | None = None  # 类散乱污 flag
    relapsed: bool | None = None
    case_ids: frozenset[int] | None = None  # an explicit set (e.g. a chart bar's cases)
    discovered_from: dt.date | None = None
    discovered_to: dt.date | None = None
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    search: str = ""  # over name, address, owner and phone

    def is_empty(self) -> bool:
        return self == CaseFilter()

    def with_(self, **changes: Any) -> CaseFilter:
        return replace(self, **changes)

    # -- saved views ---------------------------------------------------------------
    def to_json(self) -> str:
        """The fields that differ from "any", as JSON (for saved views)."""
        default = CaseFilter()
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            data[f.name] = value
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CaseFilter:
        data = json.loads(text) if text else {}
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in _SET_FIELDS and value is not None:
                value = frozenset(value)
            elif f.name in _DATE_FIELDS and value:
                value = dt.date.fromisoformat(value)
            kwargs[f.name] = value
        return cls(**kwargs)


_SET_FIELDS = {f.name for f in fields(CaseFilter) if "frozenset" in str(f.type)}
_DATE_FIELDS = {f.name for f in fields(CaseFilter) if "dt.date" in str(f.type)}


def apply_to_select(stmt: Select, f: CaseFilter, today: dt.date | None = None) -> Select:
    """Narrow a query that selects from :class:`Case` by the filter."""
    if f.unit_ids:
        stmt = stmt.where(Case.unit_id.in_(f.unit_ids))
    if f.township_ids:
        stmt = stmt.where(Case.township_id.in_(f.township_ids))
    if f.classifications:
        stmt = stmt.where(Case.classification.in_(f.classifications))
    if f.statuses:
        stmt = stmt.where(Case.status.in_(f.statuses))
    if f.sources:
        stmt = stmt.where(Case.source.in_(f.sources))
    if f.batch_ids:
        stmt = stmt.where(Case.batch_id.in_(f.batch_ids))
    if f.industry_ids:
        stmt = stmt.where(Case.industry_id.in_(f.industry_ids))
    if f.overdue:
        stmt = stmt.where(
            Case.deadline < (today or dt.date.today()),
            Case.status.not_in([s.value for s in FINISHED_STATUSES]),
        )
    if f.quasi is not None:
        stmt = stmt.where(Case.is_quasi.is_(f.quasi))
    if f.relapsed is not None:
        stmt = stmt.where(Case.is_relapsed.is_(f.relapsed))
    if f.case_ids is not None:
        stmt = stmt.where(Case.id.in_(f.case_ids))
    if f.discovered_from:
        stmt = stmt.where(Case.discovered_on >= f.discovered_from)
    if f.discovered_to:
        stmt = stmt.where(Case.discovered_on <= f.discovered_to)
    if f.closed_from:
        stmt = stmt.where(Case.closed_on >= f.closed_from)
    if f.closed_to:
        stmt = stmt.where(Case.closed_on <= f.closed_to)
    term = search_key(f.search)
    if term:
        # As the register's in-memory search: width folded, spaces and case ignored,
        # % and _ taken literally.
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                *(
                    _squeezed(column).like(like, escape="\\")
                    for column in (Case.name, Case.address, Case.owner, Case.phone)
                )
            )
        )
    return stmt


def _squeezed(column):
    """A text column lower-cased and without spaces (ASCII or ideographic), for matching."""
    return func.lower(func.replace(func.replace(column, " ", ""), "\u3000", ""))
