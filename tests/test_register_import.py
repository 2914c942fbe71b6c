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
from models import Batch, Case, CaseChange, Township
from models.codes import CaseStatus, Role
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
    ])  # fmt: skip
    b = write_register(tmp_path / "b.xlsx", [_row("灵寿县", None, "甲厂")])
    with sqlite_db.session() as s:
        check = check_register(s, CITY, [a, b])
    assert not check.valid
    texts = [f"{f}：{e.text()}" for f, e in zip(check.error_files, check.errors, strict=True)]
    assert any("第 4 行“县（市、区）”列：无法识别的县（市、区）“火星县”" in t for t in texts)
    assert any(t.startswith("a.xlsx：") and "第 5 行" in t and "销号审批人" in t for t in texts)
    assert any(t.startswith("b.xlsx：") and "重复" in t for t in texts)
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
