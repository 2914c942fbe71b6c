"""Cases by status per unit, classification, industry and source: the numbers of direct
queries, units sorted by completion rate, and segments that open exactly their cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from controllers.actor import SYSTEM, Actor
from controllers.cases.filters import apply_to_select
from controllers.errors import ValidationError
from controllers.stats import DIMENSIONS, StatsFilter, breakdown, segment_filter
from controllers.stats.breakdowns import NO_INDUSTRY
from models import Case, Industry, Unit
from models.codes import CaseStatus, Classification, Role, Source
from tests.factories import make_case, unit
from tests.test_stats_fixture import TODAY, build_world

D = dt.date


def _count(session, case_filter) -> int:
    return session.scalar(
        apply_to_select(select(func.count()).select_from(Case), case_filter, TODAY)
    )


def test_units_sorted_by_completion_rate(database):
    with database.session() as s:
        w = build_world(s)
        b = breakdown(s, SYSTEM, "unit")
    assert len(b.categories) == 25  # every unit, those without cases last
    first, second = b.categories[:2]
    assert (first.key, second.key) == (w.lingshou, w.xinle)
    # 灵寿: c1 closed, c2 completed, c5 back in progress → 2 of 3 finished
    assert first.counts == {"closed": 1, "completed": 1, "in_progress": 1}
    assert first.rate == pytest.approx(2 / 3)
    assert second.rate == 0.0
    assert all(c.rate is None for c in b.categories[2:])
    assert first.label == "灵寿"
    assert first.full_label == "灵寿县"
    assert b.totals()["pending"] == 2


def test_every_segment_opens_exactly_its_cases(database):
    with database.session() as s:
        build_world(s)
        ls = unit(s, "灵寿县")
        make_case(
            s, unit=ls, industry_id=None, status=CaseStatus.PENDING, discovered_on=D(2026, 2, 3)
        )
        s.commit()
        for dimension in DIMENSIONS:
            for flt in (StatsFilter(), StatsFilter(start=D(2026, 2, 1), end=D(2026, 2, 28))):
                b = breakdown(s, SYSTEM, dimension, flt)
                for cat in b.categories:
                    whole = segment_filter(s, SYSTEM, dimension, flt, cat.key)
                    assert _count(s, whole) == cat.total, (dimension, cat.label)
                    for status, n in cat.counts.items():
                        part = segment_filter(s, SYSTEM, dimension, flt, cat.key, status)
                        assert _count(s, part) == n, (dimension, cat.label, status)
        industries = breakdown(s, SYSTEM, "industry")
        assert industries.categories[-1].label == NO_INDUSTRY
        assert industries.categories[-1].total == 1
        with pytest.raises(ValidationError):
            breakdown(s, SYSTEM, "colour")


def test_period_and_classification_filters(database):
    with database.session() as s:
        build_world(s)
        feb = breakdown(
            s, SYSTEM, "classification", StatsFilter(start=D(2026, 2, 1), end=D(2026, 2, 28))
        )
        assert {c.key: c.total for c in feb.categories} == {
            "shutdown": 2,
            "relocate": 0,
            "upgrade": 0,
        }
        only = StatsFilter(classifications=frozenset({Classification.UPGRADE.value}))
        assert [c.key for c in breakdown(s, SYSTEM, "classification", only).categories] == [
            "upgrade"
        ]
        sources = breakdown(s, SYSTEM, "source")
        assert [c.key for c in sources.categories][: len(Source)] == [m.value for m in Source]
        assert sources.categories[0].total == 6  # the factory's 自查


def test_county_clerk_breakdown_is_the_own_unit(database):
    with database.session() as s:
        w = build_world(s)
        clerk = Actor(5, "xl", Role.COUNTY_CLERK, unit_id=w.xinle)
        b = breakdown(s, clerk, "unit")
        assert [c.key for c in b.categories] == [w.xinle]
        assert breakdown(s, clerk, "classification").totals()["closed"] == 0


def test_demo_breakdowns_match_direct_queries(demo_db):
    with demo_db.session() as s:
        for dimension, (_title, column) in DIMENSIONS.items():
            b = breakdown(s, SYSTEM, dimension)
            direct = {
                (str(k) if isinstance(k, str) else k, str(st)): n
                for k, st, n in s.execute(
                    select(column, Case.status, func.count()).group_by(column, Case.status)
                )
            }
            drawn = {(c.key, st): n for c in b.categories for st, n in c.counts.items()}
            assert drawn == direct, dimension
        units = breakdown(s, SYSTEM, "unit").categories
        rates = [c.rate for c in units]
        assert rates == sorted(rates, reverse=True)
        assert len(units) == s.scalar(select(func.count()).select_from(Unit))
        industries = breakdown(s, SYSTEM, "industry").categories
        assert {c.label for c in industries} <= set(s.scalars(select(Industry.name)))
