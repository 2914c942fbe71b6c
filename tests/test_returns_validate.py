"""Row-level validation: sheet, Excel row, column header and a Chinese message for each problem."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter
from sqlalchemy import func, select

from controllers.actor import Actor
from controllers.permissions import PermissionDenied
from controllers.returns.check import check_return
from controllers.returns.mappings import remembered_mappings, save_mappings
from models import AuditEntry, Case
from models.codes import Role
from tests.factories import make_case, unit
from tests.returns_fixtures import (
    STANDARD_HEADERS,
    make_actor,
    make_stage,
    standard_row,
    write_xlsx,
)

CITY = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")


@pytest.fixture
def lingshou(sqlite_db):
    with sqlite_db.session() as s:
        stage = make_stage(s)
        unit_id = unit(s).id
        s.commit()
        return sqlite_db, unit_id, stage.id


def check(db, unit_id, stage_id, path, actor=CITY):
    with db.session() as s:
        return check_return(s, actor, path, unit_id, stage_id)


def test_every_row_level_problem_is_reported_where_it_is(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    rows = [standard_row(i) for i in range(1, 12)]
    rows[0]["企业名称"] = None  # no name and no owner: cannot identify the site
    rows[0]["业主/法人"] = None
    rows[1]["整治类型"] = "拆除"  # unknown classification
    rows[2]["发现日期"] = "2026年2月30日"  # impossible date
    rows[3]["完成时限"] = dt.date(2026, 5, 1)  # before discovery (5月10日)
    rows[4]["县（市、区）"] = "新乐市"  # another unit's row
    rows[5] = dict(rows[6])  # duplicate of the next row inside the file
    rows[5]["序号"] = 6
    rows[7]["整治类型"] = None  # a new case needs a classification
    rows[8]["行业"] = "航天制造"  # not in the industry vocabulary: a warning, not an error
    rows[9]["企业名称"] = "长" * 201  # longer than the register holds
    rows[10]["县（市、区）"] = "火星县"
    path = write_xlsx(tmp_path / "errors.xlsx", rows)
    result = check(db, unit_id, stage_id, path)
    got = [(e.sheet, e.row, e.column, e.message) for e in result.errors]
    # the title, the 填报单位 line and the header take rows 1-3: data row n is on Excel row n + 3
    expected = [
        ("清单", 4, "企业名称", "缺少企业名称：没有名称的点位须同时填写地址和业主/法人"),
        ("清单", 5, "整治类型", "无法识别的整治类型“拆除”，应为：关停取缔、整合搬迁、提升改造"),
        ("清单", 6, "发现日期", "日期不存在：“2026年2月30日”（2026年没有2月30日）"),
        ("清单", 7, "完成时限", "完成时限 2026-05-01 早于发现日期 2026-05-10"),
        ("清单", 8, "县（市、区）", "该行属于“新乐市”，不属于本次上报的“灵寿县”"),
        ("清单", 10, "企业名称", "与第 9 行重复：同一企业（名称和地址相同）在文件中出现了两次"),
        ("清单", 11, "整治类型",
         "新企业必须填写整治类型（关停取缔、整合搬迁或提升改造）：台账中没有这家企业"),
        ("清单", 13, "企业名称", "内容过长（201 个字），最多 200 个字"),
        ("清单", 14, "县（市、区）", "无法识别的县（市、区）“火星县”，本次上报单位为“灵寿县”"),
    ]  # fmt: skip
    by_row = {g[1]: g for g in got}
    for e in expected:
        assert by_row.get(e[1]) == e, (e, by_row.get(e[1]))
    assert 12 not in by_row
    assert [(w.row, w.column, w.subject) for w in result.warnings] == [(12, "行业", "航天制造")]
    assert "暂归入“其他”" in result.warnings[0].message
    assert result.status == "invalid"
    assert result.rows_valid == 2  # rows 9 (10 duplicates it) and 12 (a warning only)
    assert result.errors[1].text() == "工作表“清单”第 5 行“整治类型”列：" + expected[1][3]
    assert result.errors[1].col == STANDARD_HEADERS.index("整治类型")


def test_duplicates_across_sheets_name_the_first_sheet(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    path = tmp_path / "two.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for name in ("灵寿镇", "青同镇"):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["企业名称", "地址", "业主/法人", "整治类型"])
        ws.write_row(1, 0, ["同一家厂", "灵寿镇东关村", "王", "关停取缔"])
    wb.close()
    result = check(db, unit_id, stage_id, path)
    assert [(e.sheet, e.row, e.message) for e in result.errors] == [
        ("青同镇", 2, "与工作表“灵寿镇”第 2 行重复：同一企业（名称和地址相同）在文件中出现了两次"),
    ]


def test_a_row_matching_the_register_needs_no_classification(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    with db.session() as s:
        make_case(s, name="已在台账的厂", address="灵寿镇东关村1号")
        s.commit()
    path = write_xlsx(tmp_path / "r.xlsx", [standard_row(1, 企业名称="已在台账的厂", 地址="灵寿镇东关村1号",
                                                         整治类型=None)])  # fmt: skip
    result = check(db, unit_id, stage_id, path)
    assert result.valid, [e.text() for e in result.errors]
    assert result.diff.counts()["new"] == 0


def test_unplaced_columns_are_mapped_once_and_remembered_per_unit(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    path = tmp_path / "own.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("表1")
    ws.write_row(0, 0, ["企业名称", "地址", "业主/法人", "整治类型", "包村干部", "经纬度"])
    ws.write_row(1, 0, ["甲厂", "灵寿镇甲村", "甲", "关停取缔", "钱干部", "114.2,38.3"])
    wb.close()
    first = check(db, unit_id, stage_id, path)
    assert [(u.sheet, u.header, u.samples) for u in first.unplaced] == [
        ("表1", "包村干部", ["钱干部"]), ("表1", "经纬度", ["114.2,38.3"]),
    ]  # fmt: skip
    assert first.rows[0].get("resp_specific") is None
    with db.session() as s:
        county = make_actor(s, Role.COUNTY_CLERK, unit_id)
        s.commit()
    with db.session() as s:
        assert save_mappings(s, county, unit_id, {"包村干部": "resp_specific", "经纬度": ""}) == 2
        s.commit()
    again = check(db, unit_id, stage_id, path)
    assert again.unplaced == []
    assert again.rows[0].get("resp_specific") == "钱干部"
    with db.session() as s:
        xinle = unit(s, "新乐市").id
        assert remembered_mappings(s, xinle) == {}
        with pytest.raises(PermissionDenied, match="只能处理本单位"):
            save_mappings(s, county, xinle, {"包村干部": "resp_specific"})
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.object_type == "return_column_mapping")) == 1  # fmt: skip


def test_a_county_clerk_checks_only_their_own_unit(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    path = write_xlsx(tmp_path / "r.xlsx", [standard_row(1)])
    with db.session() as s:
        xinle = unit(s, "新乐市").id
    county = Actor(7, "ls", Role.COUNTY_CLERK, unit_id=unit_id)
    assert check(db, unit_id, stage_id, path, county).valid
    with pytest.raises(PermissionDenied):
        check(db, xinle, stage_id, path, county)
    leader = Actor(8, "boss", Role.LEADER)
    with pytest.raises(PermissionDenied):
        check(db, unit_id, stage_id, path, leader)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
