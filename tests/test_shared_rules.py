"""Permissions, the case filter, optimistic edits and text normalisation."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from controllers.actor import SYSTEM, Actor
from controllers.cases.filters import CaseFilter, apply_to_select
from controllers.cases.history import record_changes
from controllers.editing import EditConflict, apply_edit
from controllers.permissions import Permission, PermissionDenied, can, require, scope_to_unit
from models import Case, CaseChange
from models.codes import CaseStatus, Classification, Role
from models.textnorm import clean_text, search_key
from tests.factories import make_case, unit


def test_roles_and_unit_scope():
    county = Actor(7, "lingshou", Role.COUNTY_CLERK, unit_id=3)
    city = Actor(8, "city", Role.CITY_CLERK)
    admin = Actor(1, "admin", Role.ADMIN)
    auditor = Actor(2, "audit", Role.AUDITOR)
    leader = Actor(3, "boss", Role.LEADER)
    assert can(county, Permission.EDIT_CASES, unit_id=3)
    assert not can(county, Permission.EDIT_CASES, unit_id=4)
    assert not can(county, Permission.REVIEW_RETURNS, unit_id=3)
    assert can(city, Permission.CLOSE_CASES, unit_id=4)
    assert not can(admin, Permission.EDIT_CASES)  # separation of duties
    assert can(admin, Permission.MANAGE_USERS)
    assert not can(auditor, Permission.EDIT_CASES)
    assert can(auditor, Permission.VIEW_AUDIT)
    assert not can(leader, Permission.EDIT_CASES)
    assert can(SYSTEM, Permission.EDIT_CASES, unit_id=99)
    with pytest.raises(PermissionDenied, match="只能处理本单位"):
        require(county, Permission.EDIT_CASES, unit_id=4)
    with pytest.raises(PermissionDenied, match="无权审核县区上报"):
        require(county, Permission.REVIEW_RETURNS)


def test_scope_narrows_queries_of_a_county_clerk(database):
    with database.session() as s:
        lingshou, xinle = unit(s, "灵寿县"), unit(s, "新乐市")
        make_case(s, unit=lingshou)
        make_case(s, unit=xinle)
        s.commit()
        county = Actor(7, "c", Role.COUNTY_CLERK, unit_id=lingshou.id)
        stmt = scope_to_unit(select(func.count()).select_from(Case), county, Case.unit_id)
        assert s.scalar(stmt) == 1
        nobody = Actor(8, "x", Role.COUNTY_CLERK, unit_id=None)
        assert (
            s.scalar(scope_to_unit(select(func.count()).select_from(Case), nobody, Case.unit_id))
            == 0
        )
        city = Actor(9, "y", Role.CITY_CLERK)
        assert (
            s.scalar(scope_to_unit(select(func.count()).select_from(Case), city, Case.unit_id)) == 2
        )


def test_case_filter_in_sql(database):
    today = dt.date(2026, 7, 1)
    with database.session() as s:
        lingshou, xinle = unit(s, "灵寿县"), unit(s, "新乐市")
        overdue = make_case(
            s, unit=lingshou, deadline=dt.date(2026, 6, 1), status=CaseStatus.IN_PROGRESS
        )
        make_case(s, unit=lingshou, deadline=dt.date(2026, 6, 1), status=CaseStatus.CLOSED)
        make_case(
            s,
            unit=xinle,
            classification=Classification.UPGRADE,
            name="新乐油毡厂",
            is_quasi=True,
            deadline=dt.date(2026, 9, 1),
        )
        s.commit()

        def count(f):
            return s.scalar(apply_to_select(select(func.count()).select_from(Case), f, today))

        assert count(CaseFilter()) == 3
        assert count(CaseFilter(unit_ids=frozenset({lingshou.id}))) == 2
        assert count(CaseFilter(overdue=True)) == 1
        assert (
            s.scalar(apply_to_select(select(Case.id), CaseFilter(overdue=True), today))
            == overdue.id
        )
        assert count(CaseFilter(classifications=frozenset({"upgrade"}))) == 1
        assert count(CaseFilter(quasi=True)) == 1
        assert count(CaseFilter(search="油毡")) == 1
        assert count(CaseFilter(statuses=frozenset({"closed", "in_progress"}))) == 2


def test_case_filter_round_trips_as_json():
    f = CaseFilter(
        unit_ids=frozenset({1, 3}), overdue=True, search="蛭石", discovered_from=dt.date(2026, 1, 1)
    )
    assert CaseFilter.from_json(f.to_json()) == f
    assert CaseFilter().to_json() == "{}"
    assert CaseFilter().is_empty()


def test_stale_edit_reports_both_versions(database):
    with database.session() as s:
        case_id = make_case(s).id
        s.commit()
    with database.session() as a:
        case = a.get(Case, case_id)
        opened_at = case.version
        diffs = apply_edit(a, case, opened_at, {"owner": "甲", "phone": "13900000000"})
        assert set(diffs) == {"owner", "phone"}
        record_changes(a, case, SYSTEM, diffs, note="测试")
        a.commit()
    with database.session() as b:
        case = b.get(Case, case_id)
        with pytest.raises(EditConflict) as err:
            apply_edit(b, case, opened_at, {"owner": "乙"})
        conflict = err.value
        assert conflict.current_version == opened_at + 1
        assert conflict.conflicts[0].mine == "乙"
        assert conflict.conflicts[0].theirs == "甲"
        assert "其他用户修改" in str(conflict)
        b.rollback()
        # choosing "mine" after seeing both: save again at the current version
        apply_edit(b, b.get(Case, case_id), conflict.current_version, {"owner": "乙"})
        b.commit()
    with database.session() as s:
        assert s.get(Case, case_id).owner == "乙"
        history = s.scalars(select(CaseChange).where(CaseChange.case_id == case_id)).all()
        assert {(h.field, h.old_value, h.new_value) for h in history} == {
            ("owner", "王建国", "甲"), ("phone", "13800000000", "13900000000"),
        }  # fmt: skip


def test_text_normalisation():
    assert clean_text("  灵寿县　ＡＢＣ１２３  有限公司 ") == "灵寿县 ABC123 有限公司"
    assert clean_text("   ") is None
    assert search_key("灵寿 县Ａ１") == "灵寿县a1"
