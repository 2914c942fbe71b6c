"""The .xlsx export, read back with openpyxl; and ``main.py export cases`` headless."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from controllers.actor import SYSTEM, Actor
from controllers.cases.columns import REGISTER_COLUMNS
from controllers.cases.export import EXPORT_COLUMNS, export_cases
from controllers.cases.export_name import export_file_name
from controllers.cases.filters import CaseFilter
from controllers.cases.register_data import load_lookups
from controllers.errors import UserError
from controllers.permissions import PermissionDenied
from models import AuditEntry, Case
from models.codes import CaseStatus, Role
from tests.factories import make_case, unit

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 7, 1)


@pytest.fixture
def cases(database):
    with database.session() as s:
        xinle = unit(s, "新乐市")
        ids = [
            make_case(s, name="=HYPERLINK(\"http://x\",\"点我\")", owner="+86张三", remark="@备注",
                      main_products="-1+2", measures="\t断水", progress_note="\r回车").id,
            make_case(s, name="普通企业", deadline=None, status=CaseStatus.CLOSED,
                      completed_on=dt.date(2026, 5, 1), accepted_on=dt.date(2026, 5, 20),
                      closed_on=dt.date(2026, 5, 25), approved_by="刘", progress_note="已取缔").id,
            make_case(s, unit=xinle, name="新乐油毡厂", phone="0311-8888\x016666",
                      is_relapsed=True).id,
        ]  # fmt: skip
        s.commit()
    return ids


def _sheet(path):
    wb = openpyxl.load_workbook(path)
    return wb, wb["动态整治清单"]


def test_export_reads_back_with_layout_values_and_dates(database, cases, tmp_path):
    out = tmp_path / "清单.xlsx"
    with database.session() as s:
        n = export_cases(s, SYSTEM, out, today=TODAY)
        s.commit()
    assert n == 3
    _wb, ws = _sheet(out)
    headers = [c.value for c in ws[3]]
    published = [c.header for c in REGISTER_COLUMNS]
    assert headers[: len(published)] == published  # the published order first, the rest after
    assert headers[len(published) :] == ["状态", "完成日期", "乡镇初验日期", "销号审批人",
                                         "清单批次", "类散乱污", "反弹"]  # fmt: skip
    assert "“散乱污”企业动态整治清单" in ws["A1"].value
    assert "A1:AE1" in {str(r) for r in ws.merged_cells.ranges}
    assert "共 3 家" in ws["A2"].value
    assert "全部企业" in ws["A2"].value
    assert all(c.font.b for c in ws[3])  # bold header
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:AE6"
    assert ws.column_dimensions["E"].width > 25  # 企业名称 is wide
    rows = {r[4].value: r for r in ws.iter_rows(min_row=4)}
    closed = rows["普通企业"]
    col = {c.header: i for i, c in enumerate(EXPORT_COLUMNS)}
    assert closed[col["状态"]].value == "已销号"  # a column of its own, to filter on
    assert closed[col["完成日期"]].value == dt.datetime(2026, 5, 1)
    assert closed[col["销号审批人"]].value == "刘"
    assert closed[col["清单批次"]].value
    assert closed[col["类散乱污"]].value is None
    assert rows["新乐油毡厂"][col["反弹"]].value == "是"
    assert closed[col["序号"]].value in (1, 2, 3)
    assert closed[col["销号日期"]].value == dt.datetime(2026, 5, 25)  # a real date
    assert closed[col["销号日期"]].is_date
    assert closed[col["验收日期"]].number_format == "yyyy-mm-dd"
    assert closed[col["完成时限"]].value is None
    assert closed[col["整治完成情况"]].value == "已销号：已取缔"
    assert closed[col["整治类型"]].value == "关停取缔"
    assert closed[col["问题类型"]].value == "散、污"
    assert closed[col["县（市、区）"]].value == "灵寿县"
    assert closed[col["行业"]].value == "蛭石"
    formula = next(r for name, r in rows.items() if name.startswith("="))
    for header, text in [("企业名称", '=HYPERLINK("http://x","点我")'), ("业主/法人", "+86张三"),
                         ("备注", "@备注"), ("主要产品", "-1+2"), ("整治措施", "\t断水")]:  # fmt: skip
        cell = formula[col[header]]
        assert cell.data_type == "s", header  # text, never a formula
        assert cell.value == text
        assert cell.quotePrefix
    assert rows["新乐油毡厂"][col["联系电话"]].value == "0311-88886666"  # control char dropped
    with database.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert json.loads(entry.detail)["rows"] == 3


def test_export_of_a_selection_keeps_its_order_and_scope(database, cases, tmp_path):
    out = tmp_path / "所选.xlsx"
    with database.session() as s:
        lingshou = s.get(Case, cases[0]).unit_id
        n = export_cases(s, SYSTEM, out, case_ids=[cases[2], cases[0]], description="所选 2 家")
        s.commit()
        assert n == 2
        _, ws = _sheet(out)
        assert [r[4].value for r in ws.iter_rows(min_row=4)] == [
            "新乐油毡厂",
            '=HYPERLINK("http://x","点我")',
        ]
        assert ws["A2"].value.startswith("导出日期")
        assert "所选 2 家" in ws["A2"].value
        clerk = Actor(None, "ls", Role.COUNTY_CLERK, unit_id=lingshou)
        assert export_cases(s, clerk, tmp_path / "本单位.xlsx", today=TODAY) == 2
        s.commit()
        with pytest.raises(PermissionDenied):
            export_cases(s, Actor(None, "a", Role.ADMIN), tmp_path / "x.xlsx")
        with pytest.raises(UserError, match=r"\.xlsx"):
            export_cases(s, SYSTEM, tmp_path / "x.csv")


def test_failed_export_leaves_no_file(database, cases, tmp_path):
    with database.session() as s, pytest.raises(UserError, match="文件夹不存在"):
        export_cases(s, SYSTEM, tmp_path / "missing" / "x.xlsx")
    assert not list(tmp_path.glob("**/*.xlsx"))


def test_export_filter_narrows(database, cases, tmp_path):
    with database.session() as s:
        n = export_cases(s, SYSTEM, tmp_path / "closed.xlsx",
                         case_filter=CaseFilter(statuses=frozenset({"closed"})), today=TODAY)  # fmt: skip
        s.commit()
    assert n == 1
    _, ws = _sheet(tmp_path / "closed.xlsx")
    assert "状态：已销号" in ws["A2"].value


def test_export_page_setup_prints_on_landscape_paper_with_titles_and_filter(database, cases,
                                                                          tmp_path):  # fmt: skip
    with database.session() as s:
        export_cases(s, SYSTEM, tmp_path / "a3.xlsx", today=TODAY,
                     case_filter=CaseFilter(overdue=True, search="A&B"))  # fmt: skip
        s.commit()
        export_cases(s, SYSTEM, tmp_path / "a4.xlsx", today=TODAY, paper="A4")
        s.commit()
        with pytest.raises(UserError, match="纸张"):
            export_cases(s, SYSTEM, tmp_path / "b5.xlsx", paper="B5")
    _, ws = _sheet(tmp_path / "a3.xlsx")
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 8  # A3
    assert ws.print_title_rows == "$1:$3"  # title, information and header rows on every page
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1, "1")  # one page wide (1 is the default)
    assert int(ws.page_setup.fitToHeight) == 0
    header = ws.oddHeader.left.text
    assert "逾期未完成" in header
    assert "搜索“A&&B”" in header
    assert "&P" in ws.oddFooter.center.text
    _, ws = _sheet(tmp_path / "a4.xlsx")
    assert int(ws.page_setup.paperSize) == 9
    assert "全部企业" in ws.oddHeader.left.text


def test_default_file_name_is_built_from_the_filter(database, cases):
    today = dt.date(2026, 12, 1)
    with database.session() as s:
        lookups = load_lookups(s, SYSTEM)
        lingshou = unit(s).id
    name = export_file_name(CaseFilter(unit_ids=frozenset({lingshou}), overdue=True), lookups,
                            today)  # fmt: skip
    assert name == "灵寿县_逾期未完成_2026-12-01.xlsx"
    assert export_file_name(CaseFilter(), lookups, today) == "企业清单_2026-12-01.xlsx"
    odd = export_file_name(CaseFilter(search='a/b:c*"d"'), lookups, today)
    assert not any(ch in odd for ch in '\\/:*?"<>|')
    assert odd.endswith("_2026-12-01.xlsx")


def _cli(*args, env_db):
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", env_db, *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_cli_export_cases(sqlite_url, tmp_path):
    from models.database import Database, make_engine

    db = Database.from_engine(make_engine(sqlite_url))
    with db.session() as s:
        make_case(s, status=CaseStatus.IN_PROGRESS)
        make_case(s)
        make_case(s, unit=unit(s, "新乐市"))
        s.commit()
    db.dispose()
    out = tmp_path / "灵寿.xlsx"
    proc = _cli(
        "export", "cases", str(out), "--unit", "灵寿县", "--status", "待整治", env_db=sqlite_url
    )
    assert proc.returncode == 0, proc.stderr
    assert "已导出 1 家" in proc.stdout
    _, ws = _sheet(out)
    assert ws.max_row == 4
    proc = _cli("export", "cases", str(out), "--status", "pending,in_progress", env_db=sqlite_url)
    assert proc.returncode == 0
    assert "已导出 3 家" in proc.stdout
    bad = _cli("export", "cases", str(out), "--unit", "火星县", env_db=sqlite_url)
    assert bad.returncode == 1
    assert "火星县" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    bad = _cli("export", "cases", str(out), "--status", "done", env_db=sqlite_url)
    assert bad.returncode == 1
    assert "无法识别的状态" in bad.stderr
    bad = _cli("export", "cases", str(tmp_path / "no" / "x.xlsx"), env_db=sqlite_url)
    assert bad.returncode == 1
    assert "文件夹不存在" in bad.stderr
