"""Monthly progress series: exact values on a hand-built world (all three databases), the
same numbers as direct queries on the demo, and bars that open exactly their cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from controllers.actor import SYSTEM, Actor
from controllers.cases.filters import apply_to_select
from controllers.errors import ValidationError
from controllers.permissions import PermissionDenied
from controllers.stats import (
    SERIES,
    StatsFilter,
    add_months,
    month_end,
    month_label,
    monthly_bar_filter,
    monthly_series,
    months_between,
)
from controllers.stats.periods import month_key, month_of, parse_month_key
from models import Case, CaseLookback
from models.codes import Classification, LookbackResult, Role
from tests.test_stats_fixture import AS_OF, build_world

D = dt.date


def _count(session, case_filter, today=AS_OF) -> int:
    return session.scalar(
        apply_to_select(select(func.count()).select_from(Case), case_filter, today)
    )


def test_month_helpers():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 1)
    assert add_months(D(2026, 1, 15), -1) == D(2025, 12, 1)
    assert month_end(D(2024, 2, 3)) == D(2024, 2, 29)
    assert months_between(D(2025, 11, 20), D(2026, 2, 1)) == [
        D(2025, 11, 1),
        D(2025, 12, 1),
        D(2026, 1, 1),
        D(2026, 2, 1),
    ]
    assert month_key(D(2026, 5, 25)) == "2026-05"
    assert parse_month_key("2026-05") == D(2026, 5, 1)
    assert month_label(D(2026, 5, 1)) == "2026年5月"
    assert month_label(D(2026, 5, 1), short=True) == "26年5月"


def test_month_bucket_is_computed_by_each_database(database):
    with database.session() as s:
        build_world(s)
        bucket = month_of(Case.discovered_on)
        rows = dict(s.execute(select(bucket, func.count()).group_by(bucket)).all())
    assert rows == {"2026-01": 2, "2026-02": 2, "2026-05": 1, None: 1}


def test_series_of_the_hand_built_world(database):
    with database.session() as s:
        w = build_world(s)
        m = monthly_series(s, SYSTEM, as_of=AS_OF)
    assert m.months == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]
    assert m.found == [2, 2, 0, 0]  # c6 was found after the date
    assert m.rectified == [0, 2, 1, 0]
    assert m.closed == [0, 1, 1, 0]
    assert m.relapses == [0, 0, 1, 0]
    assert m.undated == 1  # c4, entered in January, counts as found from the start
    assert m.cumulative_rate == [0.0, 2 / 5, 3 / 5, 3 / 5]
    assert m.totals == {"found": 4, "rectified": 3, "closed": 2, "relapses": 1}
    assert w.c6  # the later case exists but is not counted


def test_series_narrowed_by_unit_classification_and_period(database):
    with database.session() as s:
        w = build_world(s)
        lingshou = monthly_series(s, SYSTEM, StatsFilter(unit_ids=frozenset({w.lingshou})), AS_OF)
        assert lingshou.found == [2, 1, 0, 0]
        assert lingshou.undated == 0
        assert lingshou.cumulative_rate[-1] == 1.0  # c1, c2, c5 all rectified (by dates)
        shutdown = monthly_series(
            s,
            SYSTEM,
            StatsFilter(classifications=frozenset({Classification.SHUTDOWN.value})),
            AS_OF,
        )
        assert shutdown.found == [1, 2, 0, 0]
        period = monthly_series(
            s, SYSTEM, StatsFilter(start=D(2026, 2, 1), end=D(2026, 3, 31)), AS_OF
        )
        assert period.months == [D(2026, 2, 1), D(2026, 3, 1)]
        assert period.found == [2, 0]
        # the cumulative rate counts what happened before the period too
        assert period.cumulative_rate == [2 / 5, 3 / 5]
        with pytest.raises(ValidationError, match="早于开始月份"):
            monthly_series(s, SYSTEM, StatsFilter(start=D(2026, 3, 1), end=D(2026, 2, 1)), AS_OF)


def test_every_bar_opens_exactly_its_cases(database):
    with database.session() as s:
        w = build_world(s)
        flt = StatsFilter()
        m = monthly_series(s, SYSTEM, flt, AS_OF)
        for key in SERIES:
            for month, value in zip(m.months, m.values(key), strict=True):
                f = monthly_bar_filter(s, SYSTEM, flt, key, month, AS_OF)
                assert _count(s, f) == value, (key, month)
        feb_rectified = monthly_bar_filter(s, SYSTEM, flt, "rectified", D(2026, 2, 1), AS_OF)
        assert feb_rectified.case_ids == {w.c1, w.c5}
        march_relapse = monthly_bar_filter(s, SYSTEM, flt, "relapses", D(2026, 3, 1), AS_OF)
        assert march_relapse.case_ids == {w.c5}
        with pytest.raises(ValidationError):
            monthly_bar_filter(s, SYSTEM, flt, "nonsense", D(2026, 3, 1), AS_OF)


def test_a_county_clerk_sees_only_the_own_unit(database):
    with database.session() as s:
        w = build_world(s)
        clerk = Actor(5, "xl", Role.COUNTY_CLERK, unit_id=w.xinle)
        m = monthly_series(s, clerk, as_of=AS_OF)
        assert m.months == [D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]
        assert m.found == [1, 0, 0]
        assert m.undated == 1
        assert m.rectified == [0, 0, 0]
        assert m.cumulative_rate == [0.0, 0.0, 0.0]
        # asking for another unit's cases gives nothing, not that unit's figures
        other = monthly_series(s, clerk, StatsFilter(unit_ids=frozenset({w.lingshou})), AS_OF)
        assert sum(other.found) == 0
        with pytest.raises(PermissionDenied):
            monthly_series(s, Actor(1, "admin", Role.ADMIN), as_of=AS_OF)


def _direct(session, column, first, last) -> int:
    stmt = select(func.count()).select_from(Case).where(column >= first, column <= last)
    return session.scalar(stmt)


def test_demo_series_match_direct_queries(demo_db):
    as_of = D(2026, 11, 30)  # the demo's own date
    with demo_db.session() as s:
        m = monthly_series(s, SYSTEM, as_of=as_of)
        assert m.months[0] == D(2024, 1, 1)
        assert m.months[-1] == D(2026, 11, 1)
        for i, month in enumerate(m.months):
            last = month_end(month)
            assert m.found[i] == _direct(s, Case.discovered_on, month, last)
            assert m.rectified[i] == _direct(s, Case.completed_on, month, last)
            assert m.closed[i] == _direct(s, Case.closed_on, month, last)
            relapsed = s.scalar(
                select(func.count(func.distinct(CaseLookback.case_id))).where(
                    CaseLookback.result != LookbackResult.NORMAL,
                    CaseLookback.checked_on.between(month, last),
                )
            )
            assert m.relapses[i] == relapsed
            done = _direct(s, Case.completed_on, D(1900, 1, 1), last)
            found = _direct(s, Case.discovered_on, D(1900, 1, 1), last)
            assert m.cumulative_rate[i] == pytest.approx(min(1.0, done / found))
        assert m.totals["found"] == s.scalar(select(func.count()).select_from(Case))
        assert 0.99 < m.cumulative_rate[-1] < 1.0  # a few found since the report are open
