"""The overview's tiles: each counts exactly the rows its filter gives the register.

The register pane's ``apply_filter`` (issue 3) is not on this branch, so a tile's number is
checked against the register's SQL filter (``case_filter.apply_to_select``, which the
register uses) and against hand-written queries; the GUI tests check the filter reaches the
main window's ``open_register``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from controllers.actor import SYSTEM, Actor
from controllers.cases.filters import apply_to_select
from controllers.overview import count_cases, overview_tiles, returns_stage, returns_state
from controllers.permissions import PermissionDenied
from models import Case
from models.codes import CaseStatus, Classification, Role
from tests.test_stats_fixture import TODAY, build_world

D = dt.date


def _register_rows(session, actor_unit, case_filter, today):
    stmt = select(Case.id)
    if actor_unit is not None:
        stmt = stmt.where(Case.unit_id == actor_unit)
    return set(session.scalars(apply_to_select(stmt, case_filter, today)))


def test_every_case_tile_is_its_filter_counted(database):
    with database.session() as s:
        w = build_world(s)
        tiles = {t.key: t for t in overview_tiles(s, SYSTEM, TODAY)}
        for tile in tiles.values():
            if tile.case_filter is not None:
                assert tile.value == len(_register_rows(s, None, tile.case_filter, TODAY)), tile.key
        # and against queries written by hand
        assert tiles["cases_total"].value == 6
        assert tiles["cases_total"].display == "6"
        by_status = dict(s.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        for status in CaseStatus:
            assert tiles[f"status_{status.value}"].value == by_status.get(status, 0)
        for cls in Classification:
            n = s.scalar(select(func.count()).where(Case.classification == cls))
            assert tiles[f"class_{cls.value}"].value == n
        assert tiles["cases_open"].value == 4  # c3, c4, c5 (reopened), c6
        assert tiles["closed_month"].value == 1  # c1 on 3/1
        assert tiles["overdue"].value == 1  # c3
        assert _register_rows(s, None, tiles["overdue"].case_filter, TODAY) == {w.c3}
        assert tiles["relapsed"].value == 1
        assert tiles["quasi"].value == 1
        assert tiles["overdue"].alert
        assert not tiles["cases_total"].alert


def test_campaign_tiles(database):
    with database.session() as s:
        w = build_world(s)
        tiles = {t.key: t for t in overview_tiles(s, SYSTEM, TODAY)}
        stage = tiles["stage"]
        assert stage.title == "当前阶段：排查问责"
        assert stage.text == "还有 296 天"  # 2026-03-10 → 2026-12-31
        assert stage.pane == "returns"
        returns = tiles["returns_missing"]
        # 23 units never returned (past the 3/5 deadline), 新乐 returned late on 3/8
        assert returns.value == 24
        assert returns.pane == "returns"
        assert "按时上报 1/25" in returns.note
        assert tiles["letters_out"].value == 1
        assert tiles["letters_out"].pane == "letters"
        assert tiles["accountability_pending"].value == 1
        state = returns_state(s, SYSTEM, TODAY)
        assert state.stage.id == w.stage_id
        assert "新乐市" in state.late
        assert "灵寿县" not in state.late
        assert "灵寿县" not in state.missing
        before = returns_state(s, SYSTEM, D(2026, 3, 4))  # before the deadline: missing, not late
        assert len(before.missing) == 24
        assert before.late == []
        assert returns_stage(s, D(2025, 1, 1)).name == "全面自查"


def test_a_county_clerk_sees_the_own_unit(database):
    with database.session() as s:
        w = build_world(s)
        clerk = Actor(5, "xl", Role.COUNTY_CLERK, unit_id=w.xinle)
        tiles = {t.key: t for t in overview_tiles(s, clerk, TODAY)}
        assert tiles["cases_total"].value == 3
        for tile in tiles.values():
            if tile.case_filter is not None:
                assert tile.value == len(_register_rows(s, w.xinle, tile.case_filter, TODAY))
                assert tile.value == count_cases(s, clerk, tile.case_filter, TODAY)
        assert tiles["returns_missing"].value == 1  # only 新乐 (late)
        assert tiles["letters_out"].value == 1
        assert tiles["accountability_pending"].value == 1
        with pytest.raises(PermissionDenied):
            overview_tiles(s, Actor(1, "admin", Role.ADMIN), TODAY)


def test_demo_tiles_match_the_register_filters(demo_db):
    today = D(2026, 11, 30)  # the demo's own date
    with demo_db.session() as s:
        tiles = {t.key: t for t in overview_tiles(s, SYSTEM, today)}
        listed = s.scalar(select(func.count()).select_from(Case))
        assert tiles["cases_total"].value == listed > 20_427  # the lists, and sites found since
        assert tiles["cases_total"].display == f"{listed:,}"
        for tile in tiles.values():
            if tile.case_filter is not None:
                assert tile.value == len(_register_rows(s, None, tile.case_filter, today))
        assert (
            tiles["status_closed"].value
            + tiles["status_accepted"].value
            + tiles["status_completed"].value
            + tiles["status_pending"].value
            + tiles["status_in_progress"].value
            == listed
        )
        assert tiles["overdue"].value > 0  # the campaign goes on after the report
        assert tiles["returns_missing"].value == 0  # all 25 returned on time
        assert tiles["letters_out"].value == 0  # all 25 signed
        assert tiles["accountability_pending"].value == 2  # proposed + decided
        assert tiles["stage"].text == "还有 31 天"
