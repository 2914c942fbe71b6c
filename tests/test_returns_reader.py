"""Reading county returns: every format, every layout and mess, and every unreadable file."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import func, select

from controllers.actor import SYSTEM
from controllers.cases.columns import REGISTER_COLUMNS
from controllers.returns.check import check_return
from controllers.returns.headers import SYNONYMS, find_header, place_header
from controllers.returns.normalise import CellError, to_codes, to_date, to_text
from controllers.returns.reader import ReadLimits, UnreadableFile
from models import Case, CountyReturn, Township
from models.codes import CaseStatus, Classification, PollutionType, ProblemType, Source
from tests.factories import unit
from tests.returns_fixtures import (
    excel_serial,
    make_stage,
    standard_row,
    write_csv,
    write_ods,
    write_xls,
    write_xlsm,
    write_xlsx,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lingshou(sqlite_db):
    """(database, unit id of 灵寿县, id of the 全面自查 stage)."""
    with sqlite_db.session() as s:
        stage = make_stage(s)
        unit_id = unit(s).id
        s.commit()
        return sqlite_db, unit_id, stage.id


def run_check(db, unit_id, stage_id, path, **kw):
    with db.session() as s:
        return check_return(s, SYSTEM, path, unit_id, stage_id, **kw)


def messy_workbook(path: Path) -> Path:
    """A county's own layout: merged title and 填报单位 rows, synonyms, a two-row header, a
    numbering row, full-width text, every date form, aliases, blank rows, formulas, a 合计
    row, a signature line, a second sheet in another layout, a notes sheet and an empty one."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("灵寿县清单")
    date = wb.add_format({"num_format": "yyyy年m月d日"})
    headers = ["序 号", "县（市、区）", "乡镇", "村", "企业（单位）名称", "业主", "电话", "详细地址",
               "所属行业", "主要产品", "问题类型（散、乱、污）", "污染类型", "整治方式", "整改措施",
               "完成期限", "责任人", None, None, "线索来源", "发现时间", "完成情况", "状态"]  # fmt: skip
    ws.merge_range(0, 0, 0, len(headers) - 1, "灵寿县2026年“散乱污”企业全面自查清单")
    ws.merge_range(1, 0, 1, 8, "填报单位：灵寿县人民政府（盖章）")
    ws.write(1, 15, "填报日期：2026年5月20日")
    for c, h in enumerate(headers):
        if h:
            ws.write(3, c, h)
    ws.merge_range(3, 15, 3, 17, "责任人")
    ws.write_row(4, 15, ["第一责任人", "直接责任人", "具体责任人"])
    ws.write_row(5, 0, list(range(1, len(headers) + 1)))
    rows = [
        [1, "灵寿县", "灵寿镇", " 东关村 ", "灵寿县东关村ＡＢＣ蛭石厂１号", "  王　建国 ", 13800001111,
         "灵寿镇东关村　１号", "蛭石加工", "膨胀蛭石", "散乱污", "废气、固废", "取缔关停", "断水断电",
         dt.date(2026, 6, 30), "李镇长", "张副镇长", "赵干事", "网格员巡查", "2026年5月8日", "", "整治中"],
        None,  # a blank row in the middle
        [2, "灵寿", "青同镇", "西村", "青同镇西村拔丝厂", "刘二", "13800002222", "青同镇西村2号",
         "拔丝", "钢丝", "散、污", "废气", "搬迁入园", "整体搬迁入园", excel_serial(dt.date(2026, 7, 31)),
         "孙", "周", "吴", "群众举报", "2026.5.9", "", ""],
        [3, "灵寿县", "灵寿镇", "北关村", None, "陈三", "", "灵寿镇北关村3号", "其他", "", "乱",
         "噪声", "整改提升", "", "2026/7/15", "", "", "", "自查", "2026-05-11", "", ""],
        ["=A9+1", "灵寿县", "灵寿镇", "南关村", "灵寿镇南关村石材厂", "郑四", "13800004444",
         "灵寿镇南关村4号", "石材加工", '="石材"&"板材"', "散", "废气", "限期搬迁", "", "5月25日", "",
         "", "", "回头看", "20260512", "", "待整治"],
        [5, "灵寿县", "新建乡", "新村", "新建乡新村油毡厂", "钱五", "13800005555", "新建乡新村5号",
         "油毡", "油毡", "污", "废气", "升级改造", "", "2026年6月底", "", "", "", "", "5月13日", "", ""],
        [6, "灵寿县", "灵寿镇", "东关村", "灵寿县东关村铸造厂", "冯六", "13800006666", "灵寿镇东关村6号",
         "铸造", "铸件", "散、乱、污", "废气", "关停", "", dt.date(2026, 6, 15), "", "", "", "电力研判",
         dt.date(2026, 5, 14), "已完成", "已完成"],
        ["合计", None, None, None, "6家"],
        ["填表人：张三    审核人：李四    联系电话：0311-88888888"],
    ]  # fmt: skip
    for r, values in enumerate(rows, start=6):
        if values is None:
            continue
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date)
            elif isinstance(v, str) and v.startswith("="):
                ws.write_formula(r, c, v, None, 4 if c == 0 else "石材板材")
            else:
                ws.write(r, c, v)
    added = wb.add_worksheet("新增企业")
    added.write_row(0, 0, ["序号", "单位名称", "地址", "业主/法人", "联系电话", "整治类型", "发现日期",
                           "完成时限", "发现来源"])  # fmt: skip
    added.write_row(1, 0, [1, "灵寿县慈峪镇小板材厂", "慈峪镇慈峪村", "褚七", "13800007777",
                           "关停取缔类", "2026-05-15", "2026-05-30", "督导抽查"])  # fmt: skip
    added.write_row(2, 0, [2, "名称", "慈峪镇北村", "卫八", "", "提升改造", "2026-05-16",
                           "2026-08-31", "信访举报"])  # fmt: skip
    notes = wb.add_worksheet("填表说明")
    notes.write(0, 0, "1. 本表由各乡镇填报。")
    notes.write(1, 0, "2. 日期格式为 2026-05-25。")
    wb.add_worksheet("Sheet3")
    wb.close()
    return path


def test_messy_workbook_is_read_with_every_normalisation(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    check = run_check(db, unit_id, stage_id, messy_workbook(tmp_path / "灵寿县.xlsx"))
    assert check.errors == [], [e.text() for e in check.errors]
    assert [(s.name, s.read) for s in check.sheets] == [
        ("灵寿县清单", True), ("新增企业", True), ("填表说明", False), ("Sheet3", False),
    ]  # fmt: skip
    main, added, notes, empty = check.sheets
    assert main.header_row == 4
    assert added.header_row == 1
    assert notes.reason.startswith("没有找到清单表头")
    assert empty.reason == "空白工作表"
    placed = {key: header for _col, header, key in main.columns}
    assert placed["serial_no"] == "序 号"
    assert placed["name"] == "企业（单位）名称"
    assert placed["resp_first"] == "第一责任人"
    assert placed["resp_specific"] == "具体责任人"
    assert placed["classification"] == "整治方式"
    assert placed["deadline"] == "完成期限"
    assert placed["status"] == "状态"
    assert placed["source"] == "线索来源"
    assert main.unplaced == []
    assert main.rows == 6
    assert added.rows == 2
    rows = {r.row: r for r in check.rows if check.sheet_of(r) == "灵寿县清单"}
    # Excel row numbers: the blank row 8, the 合计 row 14 and the signature line 15 are skipped
    assert sorted(rows) == [7, 9, 10, 11, 12, 13]
    first = rows[7]
    assert first.get("name") == "灵寿县东关村ABC蛭石厂1号"  # full-width folded
    assert first.get("owner") == "王 建国"
    assert first.get("village") == "东关村"
    assert first.get("phone") == "13800001111"  # a number cell without ".0"
    assert first.get("address") == "灵寿镇东关村 1号"
    assert first.get("problem_types") == "scattered,disorderly,polluting"
    assert first.get("pollution_types") == "air,solid"
    assert first.get("classification") == Classification.SHUTDOWN  # 取缔关停
    assert first.get("status") == CaseStatus.IN_PROGRESS
    assert first.get("source") == Source.GRID_PATROL
    assert first.get("deadline") == dt.date(2026, 6, 30)  # a date cell
    assert first.get("discovered_on") == dt.date(2026, 5, 8)  # "2026年5月8日"
    with db.session() as s:
        assert check.industry_names[first.get("industry")] == "蛭石"  # "蛭石加工"
        del s
    second = rows[9]
    assert second.get("classification") == Classification.RELOCATE  # 搬迁入园
    assert second.get("deadline") == dt.date(2026, 7, 31)  # an Excel serial number
    assert second.get("discovered_on") == dt.date(2026, 5, 9)  # "2026.5.9"
    assert second.get("source") == Source.COMPLAINT
    assert second.get("township") == "青同镇"
    unnamed = rows[10]
    assert unnamed.get("name") is None
    assert unnamed.get("classification") == Classification.UPGRADE
    assert unnamed.get("deadline") == dt.date(2026, 7, 15)  # "2026/7/15"
    assert unnamed.get("discovered_on") == dt.date(2026, 5, 11)  # "2026-05-11"
    formula = rows[11]
    assert formula.get("serial_no") == 4
    assert formula.get("main_products") == "石材板材"
    assert formula.get("deadline") == dt.date(2026, 5, 25)  # "5月25日": the stage's year
    assert formula.get("discovered_on") == dt.date(2026, 5, 12)  # 20260512
    assert formula.get("classification") == Classification.RELOCATE  # 限期搬迁
    assert formula.get("source") == Source.LOOKBACK
    assert formula.get("status") == CaseStatus.PENDING
    new_town = rows[12]
    assert new_town.get("classification") == Classification.UPGRADE  # 升级改造
    assert new_town.get("deadline") == dt.date(2026, 6, 30)  # "2026年6月底"
    assert new_town.get("discovered_on") == dt.date(2026, 5, 13)
    assert rows[13].get("classification") == Classification.SHUTDOWN  # 关停
    assert rows[13].get("status") == CaseStatus.COMPLETED
    assert rows[13].get("source") == Source.POWER_DATA
    assert check.new_townships == ["新建乡"]
    other = [r for r in check.rows if check.sheet_of(r) == "新增企业"]
    assert [r.row for r in other] == [2, 3]
    assert other[0].get("classification") == Classification.SHUTDOWN  # 关停取缔类
    assert other[0].get("source") == Source.SPOT_CHECK
    assert other[1].get("name") == "名称"  # a value, not a header, below the header row
    assert check.diff.counts()["new"] == 8
    assert check.valid
    assert check.rows_valid == 8


def five_rows() -> list[dict]:
    rows = [standard_row(i) for i in range(1, 6)]
    rows[1]["整治类型"] = "搬迁入园"
    rows[2]["企业名称"] = None  # an unnamed site: address + owner identify it
    rows[3]["问题类型"] = "散乱污"
    rows[4]["完成时限"] = dt.date(2026, 8, 31)
    return rows


FORMATS = {
    "xlsx": lambda p, rows: write_xlsx(p.with_suffix(".xlsx"), rows),
    "xlsm": lambda p, rows: write_xlsm(p.with_suffix(".xlsm"), rows),
    "xls": lambda p, rows: write_xls(p.with_suffix(".xls"), rows),
    "ods": lambda p, rows: write_ods(p.with_suffix(".ods"), rows),
    "csv-utf8": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, "utf-8"),
    "csv-utf8-bom": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, "utf-8-sig"),
    "csv-gbk": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, "gbk"),
    "csv-gb18030": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, "gb18030"),
    "csv-utf16-tab": lambda p, rows: write_csv(
        p.with_suffix(".csv"), rows, "utf-16", delimiter="\t"
    ),
}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_reads_the_same_values(lingshou, tmp_path, fmt):
    db, unit_id, stage_id = lingshou
    path = FORMATS[fmt](tmp_path / "return", five_rows())
    check = run_check(db, unit_id, stage_id, path)
    assert check.errors == [], [e.text() for e in check.errors]
    assert len(check.rows) == 5
    got = [(r.get("name"), r.get("owner"), r.get("phone"), r.get("classification"),
            r.get("problem_types"), r.get("deadline"), r.get("discovered_on"), r.get("township"))
           for r in check.rows]  # fmt: skip
    expected = [
        (f"灵寿县东关村蛭石加工厂{i}" if i != 3 else None, f"王建{i}", f"1380000{i:04d}",
         Classification.RELOCATE if i == 2 else Classification.SHUTDOWN,
         "scattered,disorderly,polluting", dt.date(2026, 8, 31) if i == 5 else dt.date(2026, 6, 30),
         dt.date(2026, 5, 10), "灵寿镇")
        for i in range(1, 6)
    ]  # fmt: skip
    assert got == expected


def test_a_misnamed_file_is_read_by_its_content(lingshou, tmp_path):
    db, unit_id, stage_id = lingshou
    real = write_xls(tmp_path / "real.xls", five_rows())
    misnamed = tmp_path / "看起来像新版.xlsx"
    misnamed.write_bytes(real.read_bytes())
    check = run_check(db, unit_id, stage_id, misnamed)
    assert check.valid
    assert len(check.rows) == 5


def test_the_synonym_table_covers_every_register_column():
    for column in REGISTER_COLUMNS:
        assert column.key in SYNONYMS, column.key
        assert place_header(column.header) == column.key
        for text in SYNONYMS[column.key]:
            assert place_header(text) == column.key, text
    assert place_header("企业(单位)名称") == "name"
    assert place_header("名称") == "name"
    assert place_header("单位名称") == "name"
    assert place_header("企业名称（全称）") == "name"
    assert place_header("* 企业名称（必填）") == "name"
    assert place_header("业主／法人") == "owner"
    assert place_header("某某列") is None


def test_header_row_found_below_titles_and_unplaced_columns_listed():
    rows = [
        ["某县散乱污企业排查清单", "", "", "", ""],
        ["填报单位：某县", "", "", "", ""],
        ["", "", "", "", ""],
        ["序号", "企业名称", "地址", "经纬度", "整治类型"],
        [1, "甲厂", "甲村", "114.1,38.2", "关停取缔"],
    ]
    header = find_header(rows)
    assert header.row_index == 3
    assert header.data_start == 4
    assert header.columns == {0: "serial_no", 1: "name", 2: "address", 4: "classification"}
    assert header.unplaced == [(3, "经纬度")]
    remembered = find_header(rows, {"经纬度": "remark"})
    assert remembered.columns[3] == "remark"
    assert remembered.unplaced == []
    ignored = find_header(rows, {"经纬度": ""})
    assert 3 not in ignored.columns
    assert ignored.unplaced == []
    assert find_header([["说明"], ["1. 本表……"]]) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 5, 25), dt.date(2026, 5, 25)),
        (dt.datetime(2026, 5, 25, 14, 30), dt.date(2026, 5, 25)),
        (float(excel_serial(dt.date(2026, 5, 25))), dt.date(2026, 5, 25)),
        ("2026年5月25日", dt.date(2026, 5, 25)),
        ("２０２６年５月２５日", dt.date(2026, 5, 25)),
        ("2026.5.25", dt.date(2026, 5, 25)),
        ("2026/5/25", dt.date(2026, 5, 25)),
        ("2026-05-25", dt.date(2026, 5, 25)),
        ("2026-05-25 00:00:00", dt.date(2026, 5, 25)),
        ("5月25日", dt.date(2026, 5, 25)),
        ("5月25日前", dt.date(2026, 5, 25)),
        ("2026年6月底", dt.date(2026, 6, 30)),
        ("20260525", dt.date(2026, 5, 25)),
        (" ", None),
    ],
)
def test_dates_in_every_form(value, expected):
    assert to_date(value, 2026) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026年2月30日", "日期不存在"),
        ("2026.13.1", "日期不存在"),
        ("明年", "无法识别的日期"),
        ("1899-01-01", "年份不合理"),
        (5.5, "无法识别的日期"),
    ],
)
def test_impossible_dates_are_refused_in_chinese(value, message):
    with pytest.raises(CellError, match=message):
        to_date(value, 2026)
    with pytest.raises(CellError, match="没有年份"):
        to_date("5月25日", None)


def test_text_and_multi_codes():
    assert to_text("  灵寿县　ＡＢＣ１２３  有限公司 ") == "灵寿县 ABC123 有限公司"
    assert to_text(13800001111.0) == "13800001111"
    assert to_text("") is None
    assert to_codes("散乱污", ProblemType, "问题类型") == "scattered,disorderly,polluting"
    assert to_codes("污，散", ProblemType, "问题类型") == "scattered,polluting"
    assert to_codes("废气、废水/噪音", PollutionType, "污染类型") == "air,water,noise"
    with pytest.raises(CellError, match="无法识别的污染类型“辐射”"):
        to_codes("废气、辐射", PollutionType, "污染类型")


# -- files that cannot be read ------------------------------------------------------------


def _zip_with(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _encrypted_xlsx(path: Path, source: Path) -> Path:
    import msoffcrypto.format.ooxml

    with source.open("rb") as fh:
        out = io.BytesIO()
        msoffcrypto.format.ooxml.OOXMLFile(fh).encrypt("123456", out)
    path.write_bytes(out.getvalue())
    return path


def _lying_sizes(path: Path, source: Path) -> Path:
    """A zip whose central directory declares a sheet of 3.9 GB."""
    import struct

    raw = bytearray(source.read_bytes())
    offset = raw.find(b"PK\x01\x02")
    while offset != -1:
        struct.pack_into("<I", raw, offset + 24, 3_900_000_000)
        offset = raw.find(b"PK\x01\x02", offset + 4)
    path.write_bytes(bytes(raw))
    return path


def _unreadable_cases(tmp_path: Path) -> dict[str, tuple[Path, str, ReadLimits | None]]:
    good = write_xlsx(tmp_path / "good.xlsx", five_rows())
    data = good.read_bytes()
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (tmp_path / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    (tmp_path / "photo.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    (tmp_path / "page.xls").write_bytes(
        "<html><table><tr><td>企业名称</td></tr></table></html>".encode()
    )
    with zipfile.ZipFile(good) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:900] + b"<<&&"
    _zip_with(tmp_path / "corrupt.xlsx", parts)
    _zip_with(
        tmp_path / "word.xlsx", {"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}
    )
    _zip_with(tmp_path / "bomb.xlsx", {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>",
                                       "xl/worksheets/sheet1.xml": b"\0" * (40 * 1024 * 1024)})  # fmt: skip
    # binary workbooks: calamine would read their sheets unmeasured (a far cell aborts it)
    binary = {"[Content_Types].xml": b"<x/>", "xl/workbook.bin": b"\x83\x01\x00",
              "xl/worksheets/sheet1.bin": b"\x81\x01\x00"}  # fmt: skip
    _zip_with(tmp_path / "binary.xlsb", binary)
    _zip_with(tmp_path / "binary sheets.xlsx", {"[Content_Types].xml": b"<x/>",
              "xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.bin": b"\x81\x01\x00"})  # fmt: skip
    blank = xlsxwriter.Workbook(str(tmp_path / "blank.xlsx"))
    blank.add_worksheet("Sheet1")
    blank.close()
    return {
        "empty": (tmp_path / "empty.xlsx", "是空的", None),
        "truncated": (tmp_path / "truncated.xlsx", "已损坏或不完整", None),
        "not a spreadsheet": (tmp_path / "photo.xlsx", "不是电子表格", None),
        "web page": (tmp_path / "page.xls", "网页或 XML 格式", None),
        "corrupt": (tmp_path / "corrupt.xlsx", "已损坏或不完整", None),
        "word": (tmp_path / "word.xlsx", "Word 文档", None),
        "xlsb": (tmp_path / "binary.xlsb", "另存为 .xlsx", None),
        "binary sheets": (tmp_path / "binary sheets.xlsx", "二进制工作簿", None),
        "password": (_encrypted_xlsx(tmp_path / "locked.xlsx", good), "设置了打开密码", None),
        "password ods": (write_ods(tmp_path / "locked.ods", five_rows(), encrypted=True), "设置了打开密码", None),
        "blank workbook": (tmp_path / "blank.xlsx", "没有任何内容", None),
        "too big": (good, "超过上报文件上限", ReadLimits(max_file_bytes=2000)),
        "too big unpacked": (good, "解压后有", ReadLimits(max_uncompressed_bytes=5000)),
        "zip bomb": (tmp_path / "bomb.xlsx", "压缩炸弹", None),
        "lying sizes": (_lying_sizes(tmp_path / "lying.xlsx", good), "解压后", None),
        "too many rows": (good, "超过上报清单的上限", ReadLimits(max_rows=3)),
    }  # fmt: skip


CASES = ["empty", "truncated", "not a spreadsheet", "web page", "corrupt", "word", "xlsb",
         "binary sheets", "password",
         "password ods", "blank workbook", "too big", "too big unpacked", "zip bomb", "lying sizes",
         "too many rows"]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_unreadable_files_get_one_clear_message_and_nothing_happens(lingshou, tmp_path, case):
    db, unit_id, stage_id = lingshou
    path, words, limits = _unreadable_cases(tmp_path)[case]
    with db.session() as s:
        before = (s.scalar(select(func.count()).select_from(Case)),
                  s.scalar(select(func.count()).select_from(CountyReturn)),
                  s.scalar(select(func.count()).select_from(Township)))  # fmt: skip
    with pytest.raises(UnreadableFile) as err:
        run_check(db, unit_id, stage_id, path, limits=limits or ReadLimits())
    message = str(err.value)
    assert words in message
    assert "\n" not in message
    assert path.name in message
    with db.session() as s:
        after = (s.scalar(select(func.count()).select_from(Case)),
                 s.scalar(select(func.count()).select_from(CountyReturn)),
                 s.scalar(select(func.count()).select_from(Township)))  # fmt: skip
    assert after == before


BOMB_SCRIPT = """
import resource, sys, zipfile
resource.setrlimit(resource.RLIMIT_AS, (700 * 1024 * 1024, 700 * 1024 * 1024))
from controllers.returns.reader import UnreadableFile, open_return_file
try:
    open_return_file(sys.argv[1])
except UnreadableFile as exc:
    print("refused:", exc)
"""


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    """1.5 GB of zeros packed in 7 MB: refused from the declared sizes within 700 MB of memory."""
    import zlib

    path = tmp_path / "bomb.xlsx"
    chunk = b"\0" * (16 * 1024 * 1024)
    comp = zlib.compressobj(1, zlib.DEFLATED, -15)
    packed = b"".join(comp.compress(chunk) for _ in range(96)) + comp.flush()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<x/>")
        zf.writestr("xl/workbook.xml", b"<w/>")
    # append a raw deflated entry with honest sizes
    info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.compress_size = len(chunk) * 96, len(packed)
    info.CRC = 0
    with zipfile.ZipFile(path, "a") as zf:
        info.header_offset = zf.fp.tell()
        zf.fp.write(info.FileHeader())
        zf.fp.write(packed)
        zf.filelist.append(info)
        zf.NameToInfo[info.filename] = info
        zf._didModify = True
    proc = subprocess.run([sys.executable, "-c", BOMB_SCRIPT, str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "压缩炸弹" in proc.stdout
    assert "MemoryError" not in proc.stderr
