"""Plain lists of records for the basic panes (rows of display-ready Python values)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from models import AccountabilityRecord, Unit
from models.codes import AccountabilityStatus


@dataclass
class Listing:
    """Column headers and rows of plain values (str, int, date…)."""

    headers: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def unit_names_by_id(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every unit, in the configured order."""
    return [
        (i, n) for i, n in session.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order))
    ]


def units_listing(session: Session) -> Listing:
    rows = session.execute(
        select(Unit.sort_order, Unit.name, Unit.short_name, Unit.kind, Unit.head_name,
               Unit.contact_name, Unit.contact_phone).order_by(Unit.sort_order)
    )  # fmt: skip
    return Listing(
        ["序号", "单位名称", "简称", "类别", "主要负责同志", "联系人", "联系电话"],
        [(r[0], r[1], r[2], r[3].label, r[4] or "", r[5] or "", r[6] or "") for r in rows],
    )


def accountability_pending() -> ColumnElement[bool]:
    """Records not yet carried out (拟问责 or 已决定): what the overview counts as pending."""
    return AccountabilityRecord.status != AccountabilityStatus.EXECUTED
