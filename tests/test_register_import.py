"""The office's existing registers: master workbooks checked (dry run), then loaded at once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from cli.main import run as cli_main
from controllers import unit_of_work
from controllers.actor import Actor
from controllers.errors import ValidationError
from controllers.onboarding.register_import import check_register, load_register
from models import AuditEntry, Batch, Case, CaseChange, Township
from models.codes import CaseStatus, Role
from models.database import Database, make_engine
from tests.factories import unit

CITY = Actor(None, "city", Role.CITY_CLERK)
HEADERS = ["序号", "县（市、区）", "乡镇（街道）", "企业名称", "业主/法人", "地址", "整治类型",
           "发现来源", "发现日期", "状态", "完成日期", "验收日期", "销号审批人", "销号日期"]  # fmt: skip
D = dt.date


def write_register(path: Path, rows: list[list], title: str = "2024年散乱污企业整治清单") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2024年清单"
    ws.append([title])
    ws.append(HEADERS)
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r])
    ws.append(["合计", f"{len(rows)}家"])
    wb.save(path)
    return path


def _row(unit_name, town, name, status="已销号", closed=True):
    return [unit_name, town, name, "张三", f"{name}地址", "关停取缔", "自查", D(2024, 3, 1),
            status, D(2024, 4, 1) if status != "待整治" else None,
            D(2024, 4, 10) if status in ("已验收", "已销号") else None,
            "李局长" if closed else None, D(2024, 4, 20) if closed else None]  # fmt: skip


def test_a_master_workbook_of_three_units_dry_run_then_load(database, tmp_path):
    path = write_register(tmp_path / "2024年清单.xlsx", [
        _row("灵寿县", "灵寿镇", "甲蛭石厂"),
        _row("灵寿", "新建镇", "乙蛭石厂", "已验收", closed=False),
        _row("xinle", None, "丙油毡厂", "待整治", closed=False),
        _row("新乐市", "东街道", "丁油毡厂"),
    ])  # fmt: skip
    with database.session() as s:
        check = check_register(s, CITY, [path])
    assert check.valid, [e.text() for e in check.errors]
    assert check.by_unit() == {"灵寿县": 2, "新乐市": 2}
    assert check.by_status() == {"已销号": 2, "已验收": 1, "待整治": 1}
    assert check.new_townships == {"灵寿县": ["新建镇"], "新乐市": ["东街道"]}
    assert {r.batch for r in check.rows} == {"2024年清单"}
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0  # the check wrote nothing
    loaded = unit_of_work.run(database, CITY, load_register, check).value
    assert loaded == 4
    with database.session() as s:
        closed = s.scalars(select(Case).where(Case.name == "甲蛭石厂")).one()
        assert closed.status == CaseStatus.CLOSED
        assert (closed.closed_on, closed.approved_by) == (D(2024, 4, 20), "李局长")
        assert closed.batch_id == s.scalar(select(Batch.id).where(Batch.name == "2024年清单"))
        note = s.scalars(select(CaseChange.note).where(CaseChange.case_id == closed.id)).one()
        assert note.startswith("imported from 2024年清单.xlsx, row 3")
        assert s.scalar(select(Township.id).where(Township.name == "新建镇",
                                                  Township.unit_id == unit(s).id))  # fmt: skip


def test_errors_and_duplicates_refuse_the_whole_load(sqlite_db, tmp_path):
    a = write_register(tmp_path / "a.xlsx", [
        _row("灵寿县", None, "甲厂"),
        _row("火星县", None, "乙厂"),
        ["灵寿县", None, "丙厂", "张三", "丙地址", "关停取缔", "自查", D(2024, 3, 1), "已销号",
         D(2024, 4, 1), D(2024, 4, 10), None, None],
        ["灵寿县", None, "丁厂", "张三", "丁地址", "关停取缔", "自查", D(2024, 5, 1),
         "已完成待验收", D(2024, 4, 1), None, None, None],
    ])  # fmt: skip
    b = write_register(tmp_path / "b.xlsx", [_row("灵寿县", None, "甲厂")])
    with sqlite_db.session() as s:
        check = check_register(s, CITY, [a, b])
    assert not check.valid
    texts = [f"{f}：{e.text()}" for f, e in zip(check.error_files, check.errors, strict=True)]
    assert any("第 4 行“县（市、区）”列：无法识别的县（市、区）“火星县”" in t for t in texts)
    assert any(t.startswith("a.xlsx：") and "第 5 行" in t and "销号审批人" in t for t in texts)
    assert "a.xlsx：工作表“2024年清单”第 6 行“完成日期”列：完成日期不能早于发现日期" in texts
    assert any(t.startswith("b.xlsx：") and "第 3 行“企业名称”列：与“a.xlsx”工作表“2024年清单”第 3 行重复"
               in t for t in texts)  # fmt: skip
    with pytest.raises(ValidationError):
        unit_of_work.run(sqlite_db, CITY, load_register, check)
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_per_unit_files_take_the_unit_from_the_file_name(sqlite_db, tmp_path):
    rows = [r[:0] + r[1:] for r in [_row("", "灵寿镇", "甲厂"), _row("", None, "乙厂")]]
    wb = openpyxl.Workbook()
    wb.active.append([h for h in HEADERS if h != "县（市、区）"])
    for i, r in enumerate(rows, start=1):
        wb.active.append([i, *r])
    path = tmp_path / "灵寿县2025年清单.xlsx"
    wb.save(path)
    with sqlite_db.session() as s:
        check = check_register(s, CITY, [path])
    assert check.valid, [e.text() for e in check.errors]
    assert check.by_unit() == {"灵寿县": 2}
    assert {r.batch for r in check.rows} == {"2025年清单"}


def test_import_register_on_the_command_line(sqlite_url, tmp_path, capsys, monkeypatch):
    path = write_register(tmp_path / "总表.xlsx", [_row("灵寿县", None, "甲厂"),
                                                   _row("新乐市", None, "乙厂", "待整治", False)])  # fmt: skip
    code = cli_main(["--db", sqlite_url, "import-register", str(path), "--batch", "2024年清单",
                     "--dry-run", "--json"])  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(data) == {"status", "rows_valid", "by_unit", "by_status", "errors", "warnings",
                         "new_townships", "loaded"}  # fmt: skip
    assert (data["status"], data["rows_valid"], data["loaded"]) == ("valid", 2, 0)
    code = cli_main(["--db", sqlite_url, "import-register", str(path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert (code, data["status"], data["loaded"]) == (0, "loaded", 2)
    bad = write_register(tmp_path / "bad.xlsx", [_row("火星县", None, "丙厂")])
    assert cli_main(["--db", sqlite_url, "import-register", str(bad), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["file"] == "bad.xlsx"
    (tmp_path / "x.xlsx").write_bytes(b"junk")
    assert cli_main(["--db", sqlite_url, "import-register", str(tmp_path / "x.xlsx")]) == 2


@pytest.mark.slow
def test_a_large_register_over_three_files(sqlite_db, tmp_path):
    """The shape of bench/onboarding.py (200,000 rows there), at a size the suite can afford."""
    from bench.onboarding import write_files

    paths = write_files(tmp_path, 30_000)
    with sqlite_db.session() as s:
        check = check_register(s, CITY, paths)
    assert check.valid, [e.text() for e in check.errors[:3]]
    assert sum(check.by_unit().values()) == 30_000
    assert len(check.by_unit()) == 25
    assert {r.batch for r in check.rows} == {"2023年清单", "2024年清单", "2025年清单"}
    assert unit_of_work.run(sqlite_db, CITY, load_register, check).value == 30_000
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 30_000
        assert s.scalar(select(func.count()).select_from(CaseChange)) == 30_000


def test_an_unknown_industry_is_a_warning_not_an_error(sqlite_db, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["县（市、区）", "企业名称", "地址", "业主/法人", "整治类型", "行业"])
    wb.active.append(["灵寿县", "甲厂", "甲地址", "张三", "关停取缔", "造纸"])
    wb.active.append(["灵寿县", "乙厂", "乙地址", "李四", "关停取缔", "蛭石"])
    path = tmp_path / "总表.xlsx"
    wb.save(path)
    with sqlite_db.session() as s:
        check = check_register(s, CITY, [path])
    assert check.valid
    assert len(check.warnings) == 1
    assert check.warnings[0].startswith(
        "总表.xlsx：工作表“Sheet”第 2 行“行业”列：行业“造纸”不在行业目录中"
    )


def write_office_register(path: Path, rows: list[list]) -> Path:
    """A register as offices keep it: merged title, a 填报单位 line, a two-row header with
    责任人 and 两断三清 groups over their sub-columns, a numbering row, a footer."""
    from openpyxl.styles import Alignment

    top = ["序号", "县（市、区）", "企业名称", "业主/法人", "地址", "整治类型", "状态",
           "完成日期", "验收日期", "销号审批人", "销号日期", "责任人", None, "两断三清",
           None, None, None, None]  # fmt: skip
    sub = [None] * 11 + ["第一责任人", "直接责任人", "断水", "断电", "清除原料",
                         "清除产品", "清除设备"]  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2024年清单"
    ws.append(["2024年散乱污企业动态整治清单"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(top))
    ws.append(
        ["填报单位（盖章）：", None, None, None, None, None, None, None, "填报日期：2024年12月"]
    )
    ws.append(top)
    ws.append(sub)
    for col in range(1, 12):  # single headers merged over both rows
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.merge_cells(start_row=3, start_column=12, end_row=3, end_column=13)
    ws.merge_cells(start_row=3, start_column=14, end_row=3, end_column=18)
    ws["N3"].alignment = Alignment(horizontal="center")
    ws.append(list(range(1, len(top) + 1)))
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r])
    ws.append(["合计", f"{len(rows)}家"])
    ws.append(["填表人：王五", None, None, None, "审核人：赵六"])
    wb.save(path)
    return path


MARCH_20, APRIL_20 = D(2024, 3, 20), D(2024, 4, 20)


def _shut(name, status="已销号", checks=(MARCH_20,) * 5, *, kind="关停取缔", closed=APRIL_20):
    done = status in ("已完成待验收", "已验收", "已销号")
    return ["灵寿县", name, "张三", f"{name}地址", kind, status,
            D(2024, 4, 1) if done else None,
            D(2024, 4, 10) if status in ("已验收", "已销号") else None,
            "李局长" if status == "已销号" else None,
            closed if status == "已销号" else None,
            "王镇长", "刘所长", *checks]  # fmt: skip


def test_two_break_three_clear_dates_are_kept(database, tmp_path):
    path = write_office_register(tmp_path / "灵寿县2024年清单.xlsx", [
        _shut("甲石材厂"),
        _shut("乙石材厂", "整治中", (D(2024, 3, 5), D(2024, 3, 6), None, None, None)),
        _shut("丙石材厂", "整治中", (None,) * 5),
    ])  # fmt: skip
    with database.session() as s:
        check = check_register(s, CITY, [path])
    assert check.valid, [e.text() for e in check.errors]
    assert len(check.rows) == 3
    unit_of_work.run(database, CITY, load_register, check)
    from models import CaseCheck
    from models.codes import CheckItem

    with database.session() as s:

        def items(name):
            case = s.scalars(select(Case).where(Case.name == name)).one()
            return {CheckItem(c.item): c.done_on for c in case.checks}, case

        closed, case = items("甲石材厂")
        assert closed == dict.fromkeys(CheckItem, D(2024, 3, 20))
        assert (case.status, case.closed_on, case.resp_first) == (
            CaseStatus.CLOSED,
            D(2024, 4, 20),
            "王镇长",
        )
        started, _ = items("乙石材厂")
        assert started == {CheckItem.WATER_CUT: D(2024, 3, 5), CheckItem.POWER_CUT: D(2024, 3, 6)}
        assert items("丙石材厂")[0] == {}
        assert s.scalar(select(func.count()).select_from(CaseCheck)) == 7
        assert all(c.version == 1 for c in s.scalars(select(CaseCheck)))


def test_illegal_two_break_three_clear_dates_are_row_errors(sqlite_db, tmp_path):
    path = write_office_register(tmp_path / "灵寿县2024年清单.xlsx", [
        _shut("甲厂", checks=(D(2024, 3, 20), None, D(2024, 3, 20), D(2024, 3, 20), None)),
        _shut("乙厂", "整治中", (D(2024, 3, 5), "是", None, None, None)),
        _shut("丙厂", "整治中", (D(2024, 3, 5), None, None, None, None), kind="提升改造"),
        _shut("丁厂", checks=(D(2024, 3, 20),) * 4 + (D(2024, 5, 1),)),
        _shut("戊厂", "整治中", (D(2099, 1, 1), None, None, None, None)),
    ])  # fmt: skip
    with sqlite_db.session() as s:
        check = check_register(s, CITY, [path])
    texts = [e.text() for e in check.errors]
    assert not check.valid
    assert len(texts) == 5, texts
    # data start at Excel row 6 (title, 填报单位, two header rows, numbering row)
    assert (
        "第 6 行“断电”列：已销号的关停取缔企业须填写两断三清日期，缺少：断电、清除设备" in texts[0]
    )
    assert "第 7 行“断电”列：断电应填写完成日期（如 2024-04-01），不能只写“是”" in texts[1]
    assert "第 8 行“断水”列：只有“关停取缔”类企业填写两断三清日期（本行为“提升改造”）" in texts[2]
    assert "第 9 行“清除设备”列：清除设备日期 2024-05-01 晚于销号日期 2024-04-20" in texts[3]
    assert "第 10 行“断水”列：断水日期不能晚于今天" in texts[4]
    assert [e.col for e in check.errors][:2] == [14, 14]  # the sheet's column O: 断电


def test_two_break_three_clear_headers_as_offices_write_them():
    from controllers.onboarding.checklist import ALL, place_check_header
    from models.codes import CheckItem

    assert place_check_header("断水日期") == CheckItem.WATER_CUT
    assert place_check_header("断电时间（年月日）") == CheckItem.POWER_CUT
    assert place_check_header("两断三清·清除原料") == CheckItem.MATERIALS_CLEARED
    assert place_check_header("清设备") == CheckItem.EQUIPMENT_CLEARED
    assert place_check_header("两断三清完成时间") == ALL
    assert place_check_header("两断三清") is None  # may hold 已完成: left alone
    assert place_check_header("企业名称") is None


def test_errors_out_writes_each_bad_file_annotated(sqlite_url, tmp_path, capsys):
    from controllers.onboarding.register_errors import SUFFIX

    bad = write_office_register(tmp_path / "灵寿县2024年清单.xlsx", [
        _shut("甲厂"),
        _shut("乙厂", "整治中", (D(2024, 3, 5), "是", None, None, None)),
    ])  # fmt: skip
    also_bad = write_register(tmp_path / "总表.xlsx", [_row("火星县", None, "丙厂")])
    good = write_register(tmp_path / "好表.xlsx", [_row("新乐市", None, "丁厂")])
    out = tmp_path / "报告"
    code = cli_main(["--db", sqlite_url, "import-register", str(bad), str(also_bad), str(good),
                     "--errors-out", str(out), "--json"])  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert (code, data["status"], data["loaded"]) == (1, "invalid", 0)
    assert sorted(Path(p).name for p in data["error_reports"]) == [
        f"总表{SUFFIX}", f"灵寿县2024年清单{SUFFIX}"]  # fmt: skip
    wb = openpyxl.load_workbook(out / f"灵寿县2024年清单{SUFFIX}")
    try:
        assert wb.sheetnames[0] == "错误清单"
        listing = [[c.value for c in row] for row in wb["错误清单"].iter_rows(min_row=3)]
        assert listing == [["2024年清单", 7, "断电", "O7",
                            "断电应填写完成日期（如 2024-04-01），不能只写“是”"]]  # fmt: skip
        assert "整个清单未导入" in wb["错误清单"]["A1"].value
        cell = wb["2024年清单"]["O7"]
        assert cell.value == "是"
        assert "不能只写“是”" in cell.comment.text
        assert wb["2024年清单"]["A1"].value == "2024年散乱污企业动态整治清单"  # the office's copy
    finally:
        wb.close()
    wb = openpyxl.load_workbook(out / f"总表{SUFFIX}")
    try:
        rows = [[c.value for c in row] for row in wb["错误清单"].iter_rows(min_row=3)]
        assert [r[:4] for r in rows] == [["2024年清单", 3, "县（市、区）", "B3"]]
        assert "火星县" in wb["2024年清单"]["B3"].comment.text
    finally:
        wb.close()
    db = Database.from_engine(make_engine(sqlite_url))
    try:
        with db.session() as s:
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
            assert entry.object_type == "return_error_report"
            assert json.loads(entry.detail)["register_import"] is True
    finally:
        db.dispose()
    one = tmp_path / "只一个.xlsx"
    assert cli_main(["--db", sqlite_url, "import-register", str(also_bad), str(good),
                     "--errors-out", str(one)]) == 1  # fmt: skip
    assert "错误报告已保存" in capsys.readouterr().out
    assert one.is_file()


def test_rows_already_in_the_register_are_listed_or_skipped(sqlite_db, sqlite_url, tmp_path,
                                                            capsys):  # fmt: skip
    first = write_register(tmp_path / "2024年清单.xlsx", [_row("灵寿县", None, "甲厂"),
                                                         _row("新乐市", None, "乙厂")])  # fmt: skip
    assert cli_main(["--db", sqlite_url, "import-register", str(first)]) == 0
    capsys.readouterr()
    # the same file again, with a new row and 乙厂 under another unit (not the same case)
    again = write_register(tmp_path / "2024年清单（补充）.xlsx", [
        _row("灵寿县", None, "甲厂", closed=False),  # also missing its 销号 data: skipped all the same
        _row("灵寿县", None, "乙厂"), _row("灵寿县", None, "丙厂")])  # fmt: skip
    code = cli_main(["--db", sqlite_url, "import-register", str(again), "--dry-run", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(e["row"], e["column"]) for e in data["errors"]] == [
        (3, "企业名称"), (3, "销号审批人"), (3, "销号日期")]  # fmt: skip
    assert data["errors"][0]["message"].startswith("与台账中已有的企业重复（编号 1，2024年清单）")
    code = cli_main(["--db", sqlite_url, "import-register", str(again), "--skip-existing"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1 行的企业已在台账中，已跳过（2024年清单第 3 行）" in out
    assert "已导入 2 家企业" in out
    with sqlite_db.session() as s:
        names = sorted(s.scalars(select(Case.name)))
    assert names == ["丙厂", "乙厂", "乙厂", "甲厂"]


def test_a_folder_of_per_unit_files_on_the_command_line(sqlite_url, tmp_path, capsys):
    folder = tmp_path / "2025年各县清单"
    folder.mkdir()
    for unit_name in ("灵寿县", "新乐市"):
        rows = [r[1:] for r in [_row("", None, f"{unit_name}甲厂", "待整治", False)]]
        wb = openpyxl.Workbook()
        wb.active.title = "2025年清单"
        wb.active.append([h for h in HEADERS if h != "县（市、区）"])
        for i, r in enumerate(rows, start=1):
            wb.active.append([i, *r])
        wb.save(folder / f"{unit_name}.xlsx")
    code = cli_main(["--db", sqlite_url, "import-register", str(folder), "--dry-run", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0, data["errors"]
    assert data["by_unit"] == {"新乐市": 1, "灵寿县": 1}
    empty = tmp_path / "空"
    empty.mkdir()
    assert cli_main(["--db", sqlite_url, "import-register", str(empty)]) == 2
    assert "没有表格文件" in capsys.readouterr().err
