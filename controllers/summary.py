"""The database at a glance: counts by the stable codes (``main.py summary --json``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import SYSTEM, Actor
from controllers.permissions import Permission, require, scope_to_unit
from controllers.spot_checks.totals import check_totals
from models import (
    AccountabilityRecord,
    Case,
    CountyReturn,
    Letter,
    Unit,
)
from models.codes import CaseStatus, Classification, LetterStatus, ReturnStatus
from models.migrate import current_revision


def _count(session: Session, stmt) -> int:
    return int(session.scalar(stmt) or 0)


def _grouped(
    session: Session, column, codes: list[str], actor: Actor = SYSTEM, unit_column=None
) -> dict[str, int]:
    """Counts per code, every known code present (0 when none)."""
    out = dict.fromkeys(codes, 0)
    stmt = select(column, func.count()).group_by(column)
    if unit_column is not None:
        stmt = scope_to_unit(stmt, actor, unit_column)
    for code, n in session.execute(stmt):
        out[str(code)] = int(n)
    return out


def spot_check_totals(session: Session, actor: Actor = SYSTEM) -> dict[str, int]:
    """The report's spot-check figures of every check: groups, person-times, sites, new cases
    found (:func:`controllers.spot_checks.totals.check_totals`)."""
    t = check_totals(session, actor)
    return {"groups": t.groups, "person_times": t.person_times, "sites": t.sites,
            "new_found": t.new_found}  # fmt: skip


def summary(session: Session, actor: Actor = SYSTEM) -> dict[str, Any]:
    """One dict of the figures that matter, keyed by stable codes (within the actor's unit)."""
    require(actor, Permission.VIEW)
    units = scope_to_unit(select(Unit.code).order_by(Unit.sort_order), actor, Unit.id)
    by_unit = dict.fromkeys(session.scalars(units), 0)
    for code, n in session.execute(
        scope_to_unit(
            select(Unit.code, func.count(Case.id))
            .join(Case, Case.unit_id == Unit.id)
            .group_by(Unit.code),
            actor,
            Case.unit_id,
        )
    ):
        by_unit[code] = int(n)
    return {
        "units": len(by_unit),
        "cases": {
            "total": _count(
                session, scope_to_unit(select(func.count()).select_from(Case), actor, Case.unit_id)
            ),
            "by_status": _grouped(
                session, Case.status, [c.value for c in CaseStatus], actor, Case.unit_id
            ),
            "by_classification": _grouped(
                session,
                Case.classification,
                [c.value for c in Classification],
                actor,
                Case.unit_id,
            ),
            "by_unit": by_unit,
        },
        "spot_checks": spot_check_totals(session, actor),
        "letters": {
            "by_status": _grouped(
                session, Letter.status, [c.value for c in LetterStatus], actor, Letter.unit_id
            )
        },
        "returns": {
            "by_status": _grouped(
                session,
                CountyReturn.status,
                [c.value for c in ReturnStatus],
                actor,
                CountyReturn.unit_id,
            )
        },
        "accountability": {
            "records": _count(
                session,
                scope_to_unit(
                    select(func.count()).select_from(AccountabilityRecord),
                    actor,
                    AccountabilityRecord.unit_id,
                ),
            )
        },
        "schema_version": current_revision(session.connection().engine),
    }
