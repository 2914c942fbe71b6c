"""The database at a glance: counts by the stable codes (``main.py summary --json``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    AccountabilityRecord,
    Case,
    CountyReturn,
    Letter,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
    Unit,
)
from models.codes import CaseStatus, Classification, FindingKind, LetterStatus, ReturnStatus
from models.migrate import current_revision


def _count(session: Session, stmt) -> int:
    return int(session.scalar(stmt) or 0)


def _grouped(session: Session, column, codes: list[str]) -> dict[str, int]:
    """Counts per code, every known code present (0 when none)."""
    out = dict.fromkeys(codes, 0)
    for code, n in session.execute(select(column, func.count()).group_by(column)):
        out[str(code)] = int(n)
    return out


def spot_check_totals(session: Session) -> dict[str, int]:
    """The report's spot-check figures: groups, person-times, sites, new cases found."""
    return {
        "groups": _count(session, select(func.count()).select_from(SpotCheck)),
        "person_times": _count(session, select(func.count()).select_from(SpotCheckMember)),
        "sites": _count(session, select(func.count()).select_from(SpotCheckSite)),
        "new_found": _count(
            session,
            select(func.count())
            .select_from(SpotCheckFinding)
            .where(SpotCheckFinding.kind == FindingKind.NEW_CASE),
        ),
    }


def summary(session: Session) -> dict[str, Any]:
    """One dict of the figures that matter, keyed by stable codes."""
    by_unit = dict.fromkeys(session.scalars(select(Unit.code).order_by(Unit.sort_order)), 0)
    for code, n in session.execute(
        select(Unit.code, func.count(Case.id))
        .join(Case, Case.unit_id == Unit.id)
        .group_by(Unit.code)
    ):
        by_unit[code] = int(n)
    return {
        "units": _count(session, select(func.count()).select_from(Unit)),
        "cases": {
            "total": _count(session, select(func.count()).select_from(Case)),
            "by_status": _grouped(session, Case.status, [c.value for c in CaseStatus]),
            "by_classification": _grouped(
                session, Case.classification, [c.value for c in Classification]
            ),
            "by_unit": by_unit,
        },
        "spot_checks": spot_check_totals(session),
        "letters": {"by_status": _grouped(session, Letter.status, [c.value for c in LetterStatus])},
        "returns": {
            "by_status": _grouped(session, CountyReturn.status, [c.value for c in ReturnStatus])
        },
        "accountability": {
            "records": _count(session, select(func.count()).select_from(AccountabilityRecord))
        },
        "schema_version": current_revision(session.connection().engine),
    }
