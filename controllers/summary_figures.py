"""The figures of ``summary`` as plain SQL, for an ORM session or a bare DB-API connection.

No SQLAlchemy here: ``python main.py summary`` runs these statements on a plain connection
(``models.direct``) and so starts without importing SQLAlchemy or the models; the session path
(:func:`controllers.summary.summary`) runs the same statements, so both give the same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.codes import CaseStatus, Classification, FindingKind, LetterStatus, ReturnStatus

#: runs one statement and returns its rows
Rows = Callable[[str], list[tuple]]

#: the unit an actor sees: ALL (city-wide), NOTHING, or a unit's id
ALL: None = None
NOTHING = "nothing"
Scope = int | str | None


def _where(scope: Scope, column: str, *more: str) -> str:
    """`` WHERE …`` narrowing to the scope's unit, plus any further conditions."""
    conditions = list(more)
    if scope == NOTHING:
        conditions.append("1 = 0")
    elif scope is not None:
        conditions.append(f"{column} = {int(scope)}")
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _count(rows: Rows, sql: str) -> int:
    found = rows(sql)
    return int(found[0][0] or 0) if found else 0


def _grouped(rows: Rows, table: str, column: str, codes: list[str], scope: Scope) -> dict:
    """Counts per code, every known code present (0 when none)."""
    out = dict.fromkeys(codes, 0)
    sql = f"SELECT {column}, COUNT(*) FROM {table}{_where(scope, 'unit_id')} GROUP BY {column}"
    for code, n in rows(sql):
        out[str(code)] = int(n)
    return out


def spot_check_figures(rows: Rows, scope: Scope = ALL) -> dict[str, int]:
    """The spot-check figures: groups, person-times, sites, new cases found.

    The same figures as :func:`controllers.spot_checks.totals.check_totals` over every check
    (the definition the pane, the ``checks`` command and the stage report share), written
    again in plain SQL on purpose: the quick ``summary`` command runs without SQLAlchemy.
    人次 counts member rows where ``check_totals`` counts distinct (check, name) pairs; the two
    agree because recording a check keeps each name once per group
    (``controllers.spot_checks.entry``), and tests/test_demo.py checks both on the demo.
    """

    def per_check(table: str, *more: str) -> int:
        return _count(
            rows,
            f"SELECT COUNT(*) FROM {table} x JOIN spot_checks s ON s.id = x.check_id"
            + _where(scope, "s.unit_id", *more),
        )

    new_case = FindingKind.NEW_CASE.value
    return {
        "groups": _count(rows, "SELECT COUNT(*) FROM spot_checks" + _where(scope, "unit_id")),
        "person_times": per_check("spot_check_members"),
        "sites": per_check("spot_check_sites"),
        "new_found": per_check("spot_check_findings", f"x.kind = '{new_case}'"),
    }


def summary_figures(rows: Rows, scope: Scope = ALL) -> dict[str, Any]:
    """One dict of the figures that matter, keyed by stable codes (within the scope's unit);
    the caller adds ``schema_version``."""
    units = rows("SELECT code FROM units" + _where(scope, "id") + " ORDER BY sort_order")
    by_unit = dict.fromkeys((code for (code,) in units), 0)
    for code, n in rows(
        "SELECT u.code, COUNT(c.id) FROM units u JOIN cases c ON c.unit_id = u.id"
        + _where(scope, "c.unit_id")
        + " GROUP BY u.code"
    ):
        by_unit[code] = int(n)
    return {
        "units": len(by_unit),
        "cases": {
            "total": _count(rows, "SELECT COUNT(*) FROM cases" + _where(scope, "unit_id")),
            "by_status": _grouped(rows, "cases", "status", [c.value for c in CaseStatus], scope),
            "by_classification": _grouped(
                rows, "cases", "classification", [c.value for c in Classification], scope
            ),
            "by_unit": by_unit,
        },
        "spot_checks": spot_check_figures(rows, scope),
        "letters": {
            "by_status": _grouped(rows, "letters", "status", [c.value for c in LetterStatus], scope)
        },
        "returns": {
            "by_status": _grouped(
                rows, "county_returns", "status", [c.value for c in ReturnStatus], scope
            )
        },
        "accountability": {
            "records": _count(
                rows, "SELECT COUNT(*) FROM accountability_records" + _where(scope, "unit_id")
            )
        },
    }
