"""Figures as they stood on a date: cases, units, batches, problems, spot checks, letters,
returns and new cases — on the hand-built world (all three databases) and the demo."""

from __future__ import annotations

import datetime as dt

from controllers.actor import SYSTEM, Actor
from controllers.stats.as_of import (
    batches_as_of,
    letters_as_of,
    new_cases_as_of,
    problems_as_of,
    returns_as_of,
    spot_checks_as_of,
    totals_as_of,
    units_as_of,
)
from models.codes import Role
from tests.test_stats_fixture import AS_OF, build_world

D = dt.date


def test_cases_on_two_dates(database):
    with database.session() as s:
        w = build_world(s)
        april = totals_as_of(s, SYSTEM, AS_OF)
        # c1..c5 on the list (c4 by its entry date); c6 found later
        assert (april.total, april.finished, april.closed) == (5, 2, 1)
        assert april.overdue == 1  # c3, deadline 3/1
        assert april.relapsed == 1  # c5 relapsed on 3/20, which undoes its rectification
        february = totals_as_of(s, SYSTEM, D(2026, 2, 28))
        assert (february.total, february.finished, february.closed, february.relapsed) == (
            5,
            2,
            1,
            0,
        )
        january = totals_as_of(s, SYSTEM, D(2026, 1, 15))
        assert (january.total, january.finished) == (2, 0)  # c1 and c4
        units = {u.key: u for u in units_as_of(s, SYSTEM, AS_OF)}
        assert len(units) == 25
        assert (units[w.lingshou].total, units[w.lingshou].finished) == (3, 2)
        assert (units[w.xinle].total, units[w.xinle].open, units[w.xinle].overdue) == (2, 2, 1)
        clerk = Actor(5, "xl", Role.COUNTY_CLERK, unit_id=w.xinle)
        assert [u.key for u in units_as_of(s, clerk, AS_OF)] == [w.xinle]
        assert totals_as_of(s, clerk, AS_OF).total == 2


def test_batches_problems_and_new_cases(database):
    with database.session() as s:
        build_world(s)
        batches = {b.label: b for b in batches_as_of(s, SYSTEM, D(2026, 5, 31))}
        assert batches["2026年清单"].total == 5
        assert batches["2026年清单"].by_classification == {
            "shutdown": 3,
            "upgrade": 1,
            "relocate": 1,
        }
        assert batches["新增"].total == 1
        p = problems_as_of(s, SYSTEM, AS_OF)
        assert p.overdue == 1
        assert p.overdue_by_class["shutdown"] == 1
        assert p.stalled_upgrades == 0
        assert p.quasi == 1
        assert p.relapses_by_industry == [("蛭石", 1)]
        assert p.focus_industries == [("灵寿", "蛭石", 5, 2)]
        later = problems_as_of(s, SYSTEM, D(2026, 4, 2))
        assert later.stalled_upgrades == 0  # c2 was finished before its deadline
        new = new_cases_as_of(s, SYSTEM, D(2026, 5, 31), D(2026, 1, 1))
        assert (new.counts.total, new.counts.finished, new.shutdown) == (1, 0, 0)
        assert new_cases_as_of(s, SYSTEM, AS_OF, D(2026, 1, 1)).counts.total == 0


def test_spot_checks_letters_and_returns(database):
    with database.session() as s:
        w = build_world(s)
        sc = spot_checks_as_of(s, SYSTEM, AS_OF)
        assert (sc.groups, sc.person_times, sc.sites, sc.new_found) == (1, 2, 2, 1)
        assert (sc.first_day, sc.min_per_day, sc.max_per_day) == (D(2026, 2, 12), 1, 1)
        assert spot_checks_as_of(s, SYSTEM, D(2026, 2, 11)).groups == 0
        letters = letters_as_of(s, SYSTEM, AS_OF)
        assert (letters.issued, letters.signed, letters.not_back) == (2, 1, ["新乐市"])
        assert letters_as_of(s, SYSTEM, D(2026, 2, 16)).signed == 0
        r = returns_as_of(s, SYSTEM, AS_OF, w.stage_id)
        assert (r.expected, r.received, r.signed, r.published, r.approved) == (25, 2, 1, 1, 1)
        assert len(r.missing) == 23
        early = returns_as_of(s, SYSTEM, D(2026, 3, 1), w.stage_id)
        assert (early.received, early.approved) == (1, 0)  # reviewed on 3/2


def test_demo_figures_of_the_seed_report(demo_db):
    """The living demo as of the report's day: the lists' sizes and the spot checks are the
    report's; a case that relapsed since had its close-out cleared (tests/test_demo.py checks
    the world built as of 5月31日, where every case is finished)."""
    as_of = D(2026, 5, 31)
    with demo_db.session() as s:
        batches = {b.label: b for b in batches_as_of(s, SYSTEM, as_of)}
        for label, size in (("2024年清单", 18_959), ("2025年清单", 1_464)):
            assert batches[label].total == size
            later = batches_as_of(s, SYSTEM, D(2026, 11, 30))
            relapsed = next(b.relapsed for b in later if b.label == label)
            assert batches[label].finished == size - relapsed
        sc = spot_checks_as_of(s, SYSTEM, as_of)
        assert (sc.groups, sc.person_times, sc.sites, sc.new_found) == (33, 127, 199, 4)
        assert (sc.first_day, sc.last_day) == (D(2026, 5, 7), D(2026, 5, 25))
        assert (sc.min_per_day, sc.max_per_day) == (1, 2)
        letters = letters_as_of(s, SYSTEM, as_of)
        assert (letters.issued, letters.signed, letters.issued_on) == (25, 25, D(2026, 5, 17))
        new = new_cases_as_of(s, SYSTEM, as_of, D(2026, 3, 1))
        assert (new.counts.total, new.counts.finished, new.shutdown) == (4, 4, 4)
        assert new.last_done_on == D(2026, 5, 25)
        focus = problems_as_of(s, SYSTEM, as_of).focus_industries
        assert [f"{u}{i}" for u, i, _, _ in focus] == [
            "新乐油毡",
            "灵寿蛭石",
            "井陉钙镁",
            "晋州拔丝",
            "无极小板材",
        ]
        # before the spot checks ended, fewer groups had gone out
        assert spot_checks_as_of(s, SYSTEM, D(2026, 5, 15)).groups < 33
