"""The error report and the blank template, read back from the real files."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select

from controllers.actor import SYSTEM
from controllers.returns.check import check_return
from controllers.returns.error_report import LIST_SHEET, build_error_report, export_error_report
from controllers.returns.template import HEADER_ROW, build_template, export_template
from models import AuditEntry
from models.codes import Role
from tests.factories import unit
from tests.returns_fixtures import make_actor, make_stage, standard_row, write_xls, write_xlsx


@pytest.fixture
def lingshou(sqlite_db):
    with sqlite_db.session() as s:
        stage = make_stage(s)
        unit_id = unit(s).id
        s.commit()
        return sqlite_db, unit_id, stage.id


def bad_rows():
    return [
        standard_row(1),
        standard_row(2, 整治类型="拆除", 发现日期="2026年2月30日"),
        standard_row(3, 企业名称=None, **{"业主/法人": None}),
    ]


def test_error_report_highlights_each_bad_cell_with_its_message(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    path = write_xlsx(tmp_path / "灵寿县.xlsx", bad_rows())
    with db.session() as s:
        check = check_return(s, SYSTEM, path, unit_id, stage_id)
        actor = make_actor(s, Role.CITY_CLERK)
        out = export_error_report(s, actor, path, check, tmp_path / "错误报告.xlsx")
        s.commit()
        assert (
            s.scalar(
                select(AuditEntry.action).where(AuditEntry.object_type == "return_error_report")
            )
            == "export"
        )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [LIST_SHEET, "清单"]
    ws = wb["清单"]
    # row 5 (data row 2): 整治类型 in column M, 发现日期 in column T
    assert ws["M5"].comment.text == "• 无法识别的整治类型“拆除”，应为：关停取缔、整合搬迁、提升改造"
    assert ws["T5"].comment.text.startswith("• 日期不存在")
    assert ws["M5"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["E6"].comment.text.startswith("• 缺少企业名称")  # the name cell of row 6
    assert ws["M4"].comment is None
    assert ws["E4"].value == "灵寿县东关村蛭石加工厂1"
    assert ws["A1"].value == "灵寿县“散乱污”企业动态整治清单"
    listing = [[c.value for c in r] for r in wb[LIST_SHEET].iter_rows(min_row=3)]
    assert [(r[0], r[1], r[2], r[3]) for r in listing] == [
        ("清单", 5, "整治类型", "M5"), ("清单", 5, "发现日期", "T5"), ("清单", 6, "企业名称", "E6"),
    ]  # fmt: skip
    assert wb[LIST_SHEET]["D3"].hyperlink.location == "'清单'!M5"


def test_error_report_of_a_legacy_xls_is_a_value_copy(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    path = write_xls(tmp_path / "灵寿县.xls", bad_rows())
    with db.session() as s:
        check = check_return(s, SYSTEM, path, unit_id, stage_id)
    wb = openpyxl.load_workbook(io.BytesIO(build_error_report(path, check)))
    ws = wb["清单"]
    assert ws["M5"].value == "拆除"
    assert "拆除" in ws["M5"].comment.text
    assert ws["O4"].value == dt.datetime(2026, 6, 30)


def test_the_blank_template_has_dropdowns_dates_and_instructions_and_imports_back(
    lingshou, tmp_path
):
    db, unit_id, stage_id = lingshou
    with db.session() as s:
        actor = make_actor(s, Role.COUNTY_CLERK, unit_id)
        path = export_template(s, actor, tmp_path / "模板.xlsx", unit_id, stage_id)
        s.commit()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["上报清单", "代码表", "填表说明"]
    assert wb["代码表"].sheet_state == "hidden"
    ws = wb["上报清单"]
    assert ws["A1"].value == "灵寿县“散乱污”企业动态整治清单（2026年全面自查）"
    headers = [c.value for c in ws[HEADER_ROW + 1]]
    assert headers[:5] == ["序号", "县（市、区）", "乡镇（街道）", "村（社区）", "企业名称"]
    assert {"整治类型", "发现来源", "完成时限", "状态", "清单批次"} <= set(headers)
    col = {h: openpyxl.utils.get_column_letter(i) for i, h in enumerate(headers, start=1)}
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    cls = validations[f"{col['整治类型']}4"]
    assert cls.type == "list"
    assert cls.formula1.startswith("'代码表'!")
    lists = wb["代码表"]
    values = {lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)
                                       if lists.cell(r, c).value] for c in range(1, lists.max_column + 1)}  # fmt: skip
    assert values["整治类型"] == ["关停取缔", "整合搬迁", "提升改造"]
    assert "蛭石" in values["行业"]
    assert "灵寿镇" in values["乡镇（街道）"]
    assert values["状态"][0] == "待整治"
    assert validations[f"{col['完成时限']}4"].type == "date"
    assert validations[f"{col['发现日期']}4"].type == "date"
    help_text = "\n".join(str(c.value) for c in wb["填表说明"]["A"] if c.value)
    assert "整治类型只能填：关停取缔、整合搬迁、提升改造" in help_text
    assert "5月25日" in help_text
    # a unit fills the template in and it imports without a problem
    for r, row in enumerate([standard_row(1), standard_row(2)], start=HEADER_ROW + 2):
        for h, v in row.items():
            if h in col and v not in (None, ""):
                ws[f"{col[h]}{r}"] = v
    filled = tmp_path / "填好的模板.xlsx"
    wb.save(filled)
    with db.session() as s:
        check = check_return(s, SYSTEM, filled, unit_id, stage_id)
    assert check.valid
    assert len(check.rows) == 2
    assert [s.read for s in check.sheets] == [True, False, False]
    assert check.rows[0].get("deadline") == dt.date(2026, 6, 30)


def test_template_without_a_unit(lingshou):
    db, _unit_id, _stage_id = lingshou
    with db.session() as s:
        wb = openpyxl.load_workbook(io.BytesIO(build_template(s)))
    assert wb["上报清单"]["A1"].value == "（县市区）“散乱污”企业动态整治清单"


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_table_that_starts_at_b3_is_reported_at_the_right_cells(lingshou, tmp_path, suffix):
    """Rows and columns above and left of the table are empty: numbers stay those Excel shows."""
    db, unit_id, stage_id = lingshou
    path = tmp_path / f"offset{suffix}"
    if suffix == ".xlsx":
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("表")
        ws.write_row(2, 1, ["企业名称", "地址", "业主/法人", "整治类型"])
        ws.write_row(3, 1, ["甲厂", "甲村", "甲", "拆除"])
        wb.close()
    else:
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        ws = wb.add_sheet("表")
        for c, v in enumerate(["企业名称", "地址", "业主/法人", "整治类型"], start=1):
            ws.write(2, c, v)
        for c, v in enumerate(["甲厂", "甲村", "甲", "拆除"], start=1):
            ws.write(3, c, v)
        wb.save(str(path))
    with db.session() as s:
        check = check_return(s, SYSTEM, path, unit_id, stage_id)
    assert [(e.row, e.col, e.column) for e in check.errors] == [(4, 4, "整治类型")]
    assert check.sheets[0].header_row == 3
    ws = openpyxl.load_workbook(io.BytesIO(build_error_report(path, check)))["表"]
    assert ws["E4"].value == "拆除"
    assert "拆除" in ws["E4"].comment.text
