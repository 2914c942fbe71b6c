"""The default unit list (resources/units.csv): for the demo and for 试用演示数据."""

from __future__ import annotations

import csv

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import AuditAction, AuditObject
from controllers.audit.trail import record
from controllers.units.records import UnitInput
from models import Township, Unit
from models.codes import UnitKind
from resources import resource_path


def reference_units() -> list[UnitInput]:
    """The 25 units of resources/units.csv with their townships and letters' 乙方."""
    with resource_path("units.csv").open(encoding="utf-8") as fh:
        return [
            UnitInput(
                name=row["name"],
                short_name=row["short_name"],
                code=row["code"],
                kind=UnitKind.parse(row["kind"]) or UnitKind.COUNTY,
                sort_order=int(row["sort"]),
                townships=[t for t in (row.get("townships") or "").split(";") if t],
                counterparty=(row.get("counterparty") or "").strip() or None,
            )
            for row in csv.DictReader(fh)
        ]


def load_reference_units(session: Session, actor: Actor | None = None) -> int:
    """Write the default units into a database that has none; returns how many were written.

    With an ``actor`` (a clerk choosing the default list) the load is audited as one entry;
    the demo and the test fixtures pass none (the demo audits itself).
    """
    if session.scalar(select(func.count()).select_from(Unit)):
        return 0
    units = reference_units()
    for value in units:
        unit = Unit(**value.values())
        unit.townships = [
            Township(name=name, sort_order=i, active=True)
            for i, name in enumerate(value.townships, start=1)
        ]
        session.add(unit)
    session.flush()
    if actor is not None:
        record(session, actor, AuditAction.IMPORT, AuditObject.UNIT, None,
               detail={"source": "units.csv", "units": len(units)})  # fmt: skip
    return len(units)
