"""Merging units (a district merger) and townships, with the versions the clerk saw: every
table that points at a unit decided, cases renumbered with their old numbers in history,
conflicts refused, all or nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.editing import EditConflict
from controllers.errors import ValidationError
from controllers.permissions import PermissionDenied
from controllers.units.merge import merge_townships, merge_units, plan_unit_merge
from controllers.units.records import list_units, rename_township, update_unit
from models import AuditEntry, Township
from models.codes import Role
from tests import unit_merge_story as story
from tests.factories import make_case, unit
from tests.test_units import _input

CITY = Actor(None, "city", Role.CITY_CLERK)
ADMIN = Actor(None, "admin", Role.ADMIN)
OTHER = Actor(None, "li", Role.CITY_CLERK)
COUNTY = Actor(None, "lingshou", Role.COUNTY_CLERK, unit_id=12)


def _rows(db, actor=CITY) -> dict:
    with db.session() as s:
        return {u.name: u for u in list_units(s, actor)}


def test_merge_a_unit_into_another_table_by_table(database):
    with database.session() as s:
        ids = story.build(s)
    plan = unit_of_work.call(database, plan_unit_merge, CITY, ids["a"], ids["b"]).value
    assert plan.counts == story.EXPECTED_COUNTS
    assert plan.question() == (
        "将灵寿县的14 个乡镇、4 家企业、1 份上报、1 份承诺书（起草）、1 次督导抽查、"
        "1 条问责记录（拟问责）、1 条线索、1 个县区业务员账户、1 家排污许可企业并入新乐市，"
        "灵寿县随后停用。此操作不可撤销。"
    )
    assert plan.same_named == ("灵寿镇",)
    assert "2 份已印发、签署或归档的承诺书（原单位负责同志签署的文件）留在原单位" in plan.details()
    rows = _rows(database)
    source, target = rows["灵寿县"], rows["新乐市"]
    outcome = unit_of_work.run(database, ADMIN, merge_units, source, target)
    assert {"units", "cases", "letters", "users"} <= outcome.topics
    assert outcome.value.summary().startswith("已把灵寿县并入新乐市：14 个乡镇、4 家企业")
    with database.session() as s:
        story.check_merged(s, ids)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).one()
        detail = json.loads(entry.detail)
        assert (entry.object_type, entry.object_id) == ("unit", str(ids["b"]))
        assert detail["from"] == "灵寿县"
        assert detail["cases"] == 4
        assert detail["same_named_townships"] == ["灵寿镇"]
    # the merged unit is inactive: it cannot be merged again, nor receive a unit
    rows = _rows(database)
    with pytest.raises(ValidationError, match="已停用"):
        unit_of_work.run(database, CITY, merge_units, rows["灵寿县"], rows["无极县"])
    with pytest.raises(ValidationError, match="停用的单位"):
        unit_of_work.run(database, CITY, merge_units, rows["无极县"], rows["灵寿县"])


def test_a_unit_changed_since_it_was_seen_is_a_conflict_and_nothing_moves(sqlite_db):
    with sqlite_db.session() as s:
        ids = story.build(s)
        before = story.snapshot(s)
        u = unit(s, "新乐市")
        renamed = _input(u, name="新乐区")
    rows = _rows(sqlite_db)
    unit_of_work.run(sqlite_db, OTHER, update_unit, ids["b"], rows["新乐市"].version, renamed)
    with pytest.raises(EditConflict) as err:
        unit_of_work.run(sqlite_db, CITY, merge_units, rows["灵寿县"], rows["新乐市"])
    [conflict] = err.value.conflicts
    assert conflict.field == "target_unit"
    assert (conflict.mine, conflict.theirs) == ("新乐市（第 1 版）", "新乐区（第 2 版）")
    with sqlite_db.session() as s:
        after = story.snapshot(s)
        assert after["cases"] == before["cases"]
        assert after["changes"] == before["changes"]
        assert after["merges"] == 0


def test_a_failure_half_way_leaves_everything_as_it_was(sqlite_db):
    """A real failure late in the merge (the database refuses re-pointing accounts, after the
    cases, townships and returns moved): the whole merge rolls back."""
    with sqlite_db.session() as s:
        story.build(s)
        s.execute(text("CREATE TRIGGER refuse_users BEFORE UPDATE OF unit_id ON users "
                       "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"))  # fmt: skip
        s.commit()
        before = story.snapshot(s)
    rows = _rows(sqlite_db)
    with pytest.raises(Exception, match="refused for the test"):
        unit_of_work.run(sqlite_db, CITY, merge_units, rows["灵寿县"], rows["新乐市"])
    with sqlite_db.session() as s:
        assert story.snapshot(s) == before
        assert len(unit(s, "灵寿县").townships) == 14


@pytest.mark.parametrize("actor", [COUNTY, Actor(None, "leader", Role.LEADER)])
def test_only_city_clerks_and_administrators_merge(sqlite_db, actor):
    rows = _rows(sqlite_db)
    with pytest.raises(PermissionDenied):
        unit_of_work.run(sqlite_db, actor, merge_units, rows["灵寿县"], rows["新乐市"])
    with pytest.raises(PermissionDenied):
        unit_of_work.call(sqlite_db, plan_unit_merge, actor, rows["灵寿县"].id, rows["新乐市"].id)
    with sqlite_db.session() as s:
        assert unit(s, "灵寿县").active


def test_a_township_renamed_or_merged_meanwhile_is_a_conflict(database):
    with database.session() as s:
        ling = unit(s)
        make_case(s, township_id=ling.townships[0].id)
        s.commit()
    towns = {t.name: t for t in _rows(database)["灵寿县"].townships}
    a, b, c = towns["灵寿镇"], towns["青同镇"], towns["塔上镇"]
    # another clerk renames the target after this clerk opened the list
    unit_of_work.run(database, OTHER, rename_township, b.id, b.version, "青同镇（新）")
    with pytest.raises(EditConflict) as err:
        unit_of_work.run(database, CITY, merge_townships, a, b)
    [conflict] = err.value.conflicts
    assert (conflict.field, conflict.mine, conflict.theirs) == (
        "target", "青同镇（第 1 版）", "青同镇（新）（第 2 版）")  # fmt: skip
    with database.session() as s:
        assert s.get(Township, a.id) is not None  # nothing merged
    # another clerk merges the source away: this clerk's merge names it gone
    unit_of_work.run(database, OTHER, merge_townships, a, c)
    fresh = {t.name: t for t in _rows(database)["灵寿县"].townships}
    with pytest.raises(EditConflict) as err:
        unit_of_work.run(database, CITY, merge_townships, a, fresh["青同镇（新）"])
    assert [(c.field, c.theirs) for c in err.value.conflicts] == [
        ("source", "已不存在（可能已被合并）")]  # fmt: skip
    with database.session() as s:
        assert len(unit(s).townships) == 13
        assert s.get(Township, c.id).version == 2  # claimed once by the merge into it


def test_two_clerks_merging_the_same_township_at_once_one_wins(sqlite_db):
    towns = _rows(sqlite_db)["灵寿县"].townships
    a, b, c = towns[0], towns[1], towns[2]
    assert unit_of_work.run(sqlite_db, CITY, merge_townships, a, b).value == 0
    with pytest.raises(EditConflict):
        unit_of_work.run(sqlite_db, OTHER, merge_townships, a, c)
    with sqlite_db.session() as s:
        assert len(unit(s).townships) == 13
        assert s.get(Township, c.id).version == 1
