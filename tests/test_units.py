"""Units and townships owned by the office: edit, merge, deactivate, import a list, list."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.cases.case_detail import case_history
from controllers.editing import EditConflict
from controllers.errors import ValidationError
from controllers.permissions import PermissionDenied
from controllers.units.list_file import read_unit_list
from controllers.units.list_import import import_units
from controllers.units.merge import merge_townships
from controllers.units.records import (
    UnitInput,
    add_township,
    create_unit,
    list_units,
    rename_township,
    set_township_active,
    update_unit,
)
from models import AuditEntry, Case, CaseChange, Township, Unit
from models.codes import Role, UnitKind
from tests.factories import make_case, unit

CITY = Actor(None, "city", Role.CITY_CLERK)
ADMIN = Actor(None, "admin", Role.ADMIN)
COUNTY = Actor(None, "lingshou", Role.COUNTY_CLERK, unit_id=12)
LEADER = Actor(None, "leader", Role.LEADER)
ROOT = Path(__file__).resolve().parent.parent


def _input(u: Unit, **changes) -> UnitInput:
    value = UnitInput(u.name, u.short_name, u.code, u.kind, u.head_name, u.sort_order, u.active)
    for k, v in changes.items():
        setattr(value, k, v)
    return value


def test_create_and_edit_a_unit_audited_with_a_conflict_on_a_stale_save(database):
    new_id = unit_of_work.run(
        database, CITY, create_unit,
        UnitInput("滨河新区", "滨河", "binhe", UnitKind.PARK, "王主任", townships=["甲街道", "乙街道"]),
    ).value  # fmt: skip
    with database.session() as s:
        u = s.get(Unit, new_id)
        assert (u.name, u.kind, u.sort_order) == ("滨河新区", UnitKind.PARK, 26)
        assert [t.name for t in u.townships] == ["甲街道", "乙街道"]
        version = u.version
        opened = _input(u)
    outcome = unit_of_work.run(database, ADMIN, update_unit, new_id, version,
                               _input(u, head_name="李主任"))  # fmt: skip
    assert "units" in outcome.topics
    # another clerk still holds the old version: refused with both values
    with pytest.raises(EditConflict) as err:
        unit_of_work.run(database, CITY, update_unit, new_id, version,
                         _input(u, head_name="赵主任", short_name=opened.short_name))  # fmt: skip
    assert any(c.field == "head_name" for c in err.value.conflicts)
    with database.session() as s:
        assert s.get(Unit, new_id).head_name == "李主任"
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "unit")))
        assert actions == ["create", "update"]


def test_a_duplicate_name_is_refused(sqlite_db):
    with pytest.raises(ValidationError, match="已被另一个责任单位使用"):
        unit_of_work.run(sqlite_db, CITY, create_unit, UnitInput("灵寿县", code="x"))


@pytest.mark.parametrize("actor", [COUNTY, LEADER])
def test_county_clerks_and_leaders_only_read(sqlite_db, actor):
    with pytest.raises(PermissionDenied):
        unit_of_work.run(sqlite_db, actor, create_unit, UnitInput("某县"))
    with sqlite_db.session() as s:
        assert len(list_units(s, actor)) == 25
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "permission_refused")) == 1  # fmt: skip


def test_merge_two_townships_moves_their_cases(database):
    with database.session() as s:
        ling = unit(s)
        a, b = ling.townships[0], ling.townships[1]
        make_case(s, township_id=a.id)
        make_case(s, township_id=a.id)
        make_case(s, township_id=b.id)
        s.commit()
        a_id, b_id, a_name = a.id, b.id, a.name
        towns = {t.id: t for r in list_units(s, CITY) for t in r.townships}
    moved = unit_of_work.run(database, CITY, merge_townships, towns[a_id], towns[b_id]).value
    assert moved == 2
    with database.session() as s:
        assert s.get(Township, a_id) is None
        assert s.scalar(select(func.count()).select_from(Case)
                        .where(Case.township_id == b_id)) == 3  # fmt: skip
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).one()
        assert json.loads(entry.detail)["cases"] == 2
        moved_ids = set(s.scalars(select(Case.id).where(Case.township_id == b_id)))
        b_name = s.get(Township, b_id).name
        changes = s.scalars(select(CaseChange).where(CaseChange.field == "township_id")).all()
        assert len(changes) == 2
        assert {c.case_id for c in changes} < moved_ids
        assert {c.note for c in changes} == {f"乡镇合并：{a_name}并入{b_name}"}
        history = case_history(s, changes[0].case_id)
        entry_text = next(h for h in history if h.field == "township_id")
        assert (entry_text.old, entry_text.new) == (a_name, b_name)
        other_unit_town = unit(s, "新乐市")
        xinle_town = Township(unit_id=other_unit_town.id, name="某镇", sort_order=1)
        s.add(xinle_town)
        s.commit()
        xid = xinle_town.id
        towns = {t.id: t for r in list_units(s, CITY) for t in r.townships}
    with pytest.raises(ValidationError, match="同一责任单位"):
        unit_of_work.run(database, CITY, merge_townships, towns[xid], towns[b_id])


def test_add_rename_and_deactivate_a_township(sqlite_db):
    with sqlite_db.session() as s:
        uid = unit(s, "新乐市").id
    tid = unit_of_work.run(sqlite_db, CITY, add_township, uid, "承安镇").value
    with pytest.raises(ValidationError, match="已有乡镇"):
        unit_of_work.run(sqlite_db, CITY, add_township, uid, "承安镇")
    unit_of_work.run(sqlite_db, CITY, rename_township, tid, 1, "承安镇（新）")
    with pytest.raises(EditConflict):
        unit_of_work.run(sqlite_db, CITY, set_township_active, tid, 1, False)
    unit_of_work.run(sqlite_db, CITY, set_township_active, tid, 2, False)
    with sqlite_db.session() as s:
        rows = {u.name: u for u in list_units(s, CITY)}
        town = rows["新乐市"].townships[0]
        assert (town.name, town.active) == ("承安镇（新）", False)


def test_deactivate_a_unit_keeps_its_cases(sqlite_db):
    with sqlite_db.session() as s:
        u = unit(s, "无极县")
        make_case(s, unit=u)
        s.commit()
        uid, version, value = u.id, u.version, _input(u, active=False)
    unit_of_work.run(sqlite_db, CITY, update_unit, uid, version, value)
    with sqlite_db.session() as s:
        row = next(r for r in list_units(s, CITY) if r.id == uid)
        assert (row.active, row.cases) == (False, 1)


def _workbook(path: Path, rows: list[list], title: str | None = "某市责任单位名单") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(["单位", "简称", "代码", "类型", "乡镇"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_read_a_list_one_row_per_township_or_a_separated_list(tmp_path):
    path = _workbook(tmp_path / "units.xlsx", [
        ["东城区", "东城", "dongcheng", "区", "东街道、西街道"],
        ["北山县", "北山", "beishan", "县", "北山镇"],
        ["北山县", None, None, None, "南河乡"],
        [None, None, None, None, None],
        ["经开区", "经开", "jingkai", "开发区", None],
    ])  # fmt: skip
    parsed = read_unit_list(path)
    assert parsed.valid, parsed.errors
    assert [(u.name, u.kind, u.townships) for u in parsed.units] == [
        ("东城区", UnitKind.DISTRICT, ["东街道", "西街道"]),
        ("北山县", UnitKind.COUNTY, ["北山镇", "南河乡"]),
        ("经开区", UnitKind.PARK, []),
    ]


def test_a_list_with_errors_names_sheet_row_and_column(tmp_path):
    path = _workbook(tmp_path / "bad.xlsx", [
        ["东城区", "东城", "dongcheng", "区", ""],
        [None, "空", "x", "县", "某镇"],
        ["西城区", "西城", "xicheng", "街区", ""],
        ["东城区", "东区", None, None, ""],
    ])  # fmt: skip
    parsed = read_unit_list(path)
    assert not parsed.valid
    texts = [e.text() for e in parsed.errors]
    assert texts == [
        "工作表“Sheet”第 4 行“单位”列：单位名称为空。",
        "工作表“Sheet”第 5 行“类型”列：类型“街区”无法识别，应为 县、市、区 或 园区（新区、开发区）。",
        "工作表“Sheet”第 6 行“简称”列：东城区的简称“东区”与第 3 行的“东城”不一致。",
    ]


def test_import_updates_known_units_and_replaces_only_unused_ones(database):
    with database.session() as s:
        make_case(s, unit=unit(s, "灵寿县"), township_id=unit(s, "灵寿县").townships[0].id)
        make_case(s, unit=unit(s, "新乐市"))
        s.commit()
    units = [
        UnitInput("灵寿县", "灵寿", "lingshou", UnitKind.COUNTY, townships=["青同镇", "新镇"]),
        UnitInput("北山县", "北山", "beishan", UnitKind.COUNTY, townships=["北山镇"]),
    ]
    result = unit_of_work.run(database, CITY, import_units, units, True).value
    assert result.created == ["北山县"]
    assert result.townships_added == 2
    assert len(result.removed_units) == 23  # 24 others, 新乐市's case keeps it
    assert "新乐市" in result.kept_with_data
    assert "灵寿县灵寿镇" in result.kept_with_data  # has a case
    assert "灵寿县塔上镇" in result.removed_townships
    with database.session() as s:
        names = [u.name for u in list_units(s, CITY)]
        assert names == ["灵寿县", "北山县", "新乐市"]
        towns = [t.name for t in unit(s, "灵寿县").townships]
        assert towns == ["灵寿镇", "青同镇", "新镇"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_units_import_and_list_on_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    good = _workbook(tmp_path / "units.xlsx", [["东城区", "东城", "dc", "区", "东街道、西街道"]])
    bad = _workbook(tmp_path / "bad.xlsx", [["东城区", "东城", "dc", "街区", ""]])
    proc = _cli("--db", url, "units", "import", str(bad), "--json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "invalid"
    assert data["errors"][0]["column"] == "类型"
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook at all")
    assert _cli("--db", url, "units", "import", str(tmp_path / "junk.xlsx")).returncode == 2
    proc = _cli("--db", url, "units", "import", str(good), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["created"] == ["东城区"]
    listed = json.loads(_cli("--db", url, "units", "list", "--json").stdout)
    assert [(u["name"], [t["name"] for t in u["townships"]]) for u in listed] == [
        ("东城区", ["东街道", "西街道"])
    ]
    assert listed[0]["counterparty"] == ""  # none given: the letters use the unit's own name
    assert "东城区" in _cli("--db", url, "units", "list").stdout


def test_a_list_with_head_and_counterparty_columns(database, tmp_path):
    """乙方 (the letters' counterparty) and 负责人 beside 单位…乡镇, one row per township
    under a merged title; a list without 乙方 later keeps what the units have."""
    path = tmp_path / "units.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某市散乱污整治责任单位名单"])
    ws.merge_cells("A1:G1")
    ws.append(["单位", "简称", "代码", "类型", "负责人", "乙方", "乡镇"])
    ws.append(["东城区", "东城", "dc", "区", "王区长", "市生态环境局东城分局", "东街道"])
    ws.append(["东城区", None, None, None, None, None, "西街道"])
    ws.append(["北山县", "北山", "bs", "县", "李县长", None, "北山镇、南河乡"])
    ws.append(["合计", None, None, None, None, None, None])
    wb.save(path)
    parsed = read_unit_list(path)
    assert parsed.valid, [e.text() for e in parsed.errors]
    assert [(u.name, u.head_name, u.counterparty, u.townships) for u in parsed.units] == [
        ("东城区", "王区长", "市生态环境局东城分局", ["东街道", "西街道"]),
        ("北山县", "李县长", None, ["北山镇", "南河乡"]),
    ]
    unit_of_work.run(database, CITY, import_units, parsed.units)
    again = [UnitInput("东城区", "东城", "dc", UnitKind.DISTRICT, townships=["东街道"])]
    unit_of_work.run(database, CITY, import_units, again)
    with database.session() as s:
        rows = {r.name: r for r in list_units(s, CITY)}
        assert (rows["东城区"].counterparty, rows["东城区"].head_name) == (
            "市生态环境局东城分局", "王区长")  # fmt: skip
        assert rows["北山县"].counterparty == ""


def test_a_list_with_values_too_long_or_disagreeing(tmp_path):
    path = tmp_path / "units.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位", "简称", "代码", "类型", "乙方", "乡镇"])
    ws.append(["东城区", "东城", "dc", "区", "甲" * 81, "东街道"])
    ws.append(["西城区", "西城", "xc", "区", "市生态环境局西城分局", "西街道"])
    ws.append(["西城区", None, None, None, "市生态环境局西城区分局", "北街道"])
    wb.save(path)
    texts = [e.text() for e in read_unit_list(path).errors]
    assert texts == [
        "工作表“Sheet”第 2 行“乙方”列：乙方“甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲…”超过 80 个字。",
        "工作表“Sheet”第 4 行“乙方”列：西城区的乙方“市生态环境局西城区分局”与第 3 行的"
        "“市生态环境局西城分局”不一致。",
    ]
