"""A new database: no units until the office sets up its own (or asks for the demo)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.campaigns import default_campaign, save_campaign
from controllers.letters.batch import prepare_letters
from controllers.letters.compose import current_campaign, letter_values, shared_values
from controllers.letters.templates import ensure_default_template
from controllers.report.generate import prepare_report
from controllers.settings import CITY_NAME, get_setting
from controllers.units.list_file import read_pasted_units, read_unit_list
from controllers.units.setup import needs_first_start, set_up_office
from models import Case, Unit
from models.codes import CaseStatus, Role
from models.database import Database, make_engine
from models.migrate import upgrade
from tests.factories import make_case, unit
from ui.app import create_application
from ui.context import AppContext
from ui.first_start_dialog import OFFICE, FirstStartDialog

ADMIN = Actor(None, "chief", Role.ADMIN)
CITY = Actor(None, "city", Role.CITY_CLERK)


@pytest.fixture
def new_db(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine, backup=False)
    db = Database.from_engine(engine)
    yield db
    db.dispose()


def test_a_new_database_asks_for_its_units(new_db):
    with new_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 0
        assert needs_first_start(s)


@pytest.mark.gui
def test_first_start_dialog_sets_up_the_office_from_a_paste(qtbot, new_db):
    create_application()
    dialog = FirstStartDialog(AppContext(new_db, ADMIN))
    qtbot.addWidget(dialog)
    dialog.city_edit.setText("滨海市")
    dialog.units_edit.setPlainText("东城区\t东城\tdc\t区\t东街道、西街道\n北山县\t北山\tbs\t街区\t")
    dialog.finish()
    assert "第 2 行“类型”列" in dialog.message.text()
    assert dialog.choice is None
    dialog.units_edit.setPlainText(
        "单位\t乡镇\n东城区\t东街道\n东城区\t西街道\n北山县\t北山镇、南河乡\n滨海新区\t"
    )
    dialog.finish()
    assert dialog.choice == OFFICE
    with new_db.session() as s:
        assert get_setting(s, CITY_NAME) == "滨海市"
        assert [u.name for u in s.scalars(select(Unit).order_by(Unit.sort_order))] == [
            "东城区", "北山县", "滨海新区"
        ]  # fmt: skip
        assert [t.name for t in unit(s, "北山县").townships] == ["北山镇", "南河乡"]
        assert not needs_first_start(s)


def test_pasted_list_without_header_takes_the_usual_columns():
    parsed = read_pasted_units("东城区\t东城\tdc\t区\t东街道")
    assert parsed.valid
    u = parsed.units[0]
    assert (u.name, u.short_name, u.code, u.townships) == ("东城区", "东城", "dc", ["东街道"])


def test_another_city_end_to_end(new_db, tmp_path):
    """Units file → the office's units; cases in three units; letters and report name them."""
    path = tmp_path / "units.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["单位", "简称", "代码", "类型", "乡镇"])
    for row in (["东城区", "东城", "dc", "区", "东街道"], ["北山县", "北山", "bs", "县", "北山镇"],
                ["滨海新区", "滨海", "bh", "新区", "港口街道"]):  # fmt: skip
        wb.active.append(row)
    wb.save(path)
    parsed = read_unit_list(path)
    assert parsed.valid
    unit_of_work.run(new_db, ADMIN, set_up_office, "滨海市", parsed.units)
    with new_db.session() as s:
        d = dt.date(2026, 3, 1)
        make_case(s, unit=unit(s, "东城区"), status=CaseStatus.CLOSED, completed_on=d,
                  accepted_on=d, closed_on=d)  # fmt: skip
        make_case(s, unit=unit(s, "北山县"), status=CaseStatus.ACCEPTED, completed_on=d,
                  accepted_on=d)  # fmt: skip
        make_case(s, unit=unit(s, "滨海新区"), status=CaseStatus.PENDING)
        ensure_default_template(s)
        s.commit()
    unit_of_work.run(new_db, CITY, save_campaign, default_campaign(2026))
    with new_db.session() as s:
        letters, drafted = prepare_letters(s, CITY)
        assert drafted == 3
        assert [lt.unit.name for lt in letters] == ["东城区", "北山县", "滨海新区"]
        campaign = current_campaign(s)
        from controllers.letters.templates import current_template, template_content

        shared = shared_values(s, campaign, template_content(current_template(s)))
        values = letter_values(shared, unit(s, "北山县"), dt.date(2026, 5, 17))
        assert values["city_name"] == "滨海市"
        assert values["unit_name"] == "北山县"
        assert "滨海市" in values["issuer_name"]
        s.commit()
    with new_db.session() as s:
        report = prepare_report(s, CITY, dt.date(2026, 6, 1))
        assert "滨海市" in report.title
        names = {row[1] for row in report.table_rows}
        assert {"东城区", "北山县", "滨海新区"} <= names
        by_status = dict(s.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        assert by_status == {CaseStatus.CLOSED: 1, CaseStatus.ACCEPTED: 1, CaseStatus.PENDING: 1}


@pytest.mark.slow
def test_the_demo_writes_its_own_25_units_into_a_new_database(new_db):
    from controllers.demo import generate_demo

    unit_of_work.call(new_db, generate_demo)
    with new_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 25
        assert len(unit(s, "灵寿县").townships) == 14


def test_another_city_from_its_own_files(new_db, tmp_path):
    """The office's own unit list (with 乙方 and 负责人) and its 2025 master workbook of three
    units — a closed 关停取缔 case with its 两断三清 dates, an accepted and a pending one — read
    and loaded as the office would; the letters and the report then name that city's units."""
    from controllers.onboarding.register_import import check_register, load_register
    from models.codes import CheckItem

    units_path = tmp_path / "责任单位.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["滨海市散乱污整治责任单位名单"])
    ws.merge_cells("A1:G1")
    ws.append(["单位", "简称", "代码", "类型", "负责人", "乙方", "乡镇"])
    ws.append(
        ["东城区", "东城", "dc", "区", "王区长", "滨海市生态环境局东城分局", "东街道、西街道"]
    )
    ws.append(["北山县", "北山", "bs", "县", "李县长", "滨海市生态环境局北山分局", "北山镇"])
    ws.append(["滨海新区", "滨海", "bh", "新区", None, None, "港口街道"])
    wb.save(units_path)
    parsed = read_unit_list(units_path)
    assert parsed.valid, [e.text() for e in parsed.errors]
    unit_of_work.run(new_db, ADMIN, set_up_office, "滨海市", parsed.units)

    register = tmp_path / "滨海市2025年散乱污清单.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025年清单"
    ws.append(["滨海市2025年“散乱污”企业动态整治清单"])
    ws.merge_cells("A1:P1")
    ws.append(["序号", "县（市、区）", "乡镇（街道）", "企业名称", "业主/法人", "地址", "整治类型",
               "状态", "完成日期", "验收日期", "销号审批人", "销号日期", "两断三清"])  # fmt: skip
    ws.append([None] * 12 + ["断水", "断电", "清除原料", "清除产品", "清除设备"])
    for col in range(1, 13):
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws.merge_cells("M2:Q2")
    d = dt.date
    ws.append([1, "东城", "东街道", "东城砖厂", "赵一", "东街道1号", "关停取缔", "已销号",
               d(2025, 3, 1), d(2025, 3, 20), "钱局长", d(2025, 4, 1),
               *[d(2025, 2, 20)] * 5])  # fmt: skip
    ws.append([2, "bs", "北山镇", "北山石料厂", "孙二", "北山镇2号", "提升改造", "已验收",
               d(2025, 3, 5), d(2025, 3, 25)])  # fmt: skip
    ws.append([3, "滨海新区", "港口街道", "港口小作坊", "李三", "港口路3号", "整合搬迁", "待整治"])
    ws.append(["合计", "3家"])
    wb.save(register)
    with new_db.session() as s:
        check = check_register(s, CITY, [register])
    assert check.valid, [e.text() for e in check.errors]
    assert check.by_unit() == {"东城区": 1, "北山县": 1, "滨海新区": 1}
    assert check.new_townships == {}
    assert unit_of_work.run(new_db, CITY, load_register, check).value == 3
    with new_db.session() as s:
        closed = s.scalars(select(Case).where(Case.name == "东城砖厂")).one()
        assert (closed.status, closed.closed_on) == (CaseStatus.CLOSED, d(2025, 4, 1))
        assert {CheckItem(c.item): c.done_on for c in closed.checks} == dict.fromkeys(
            CheckItem, d(2025, 2, 20)
        )
        by_status = dict(s.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        assert by_status == {CaseStatus.CLOSED: 1, CaseStatus.ACCEPTED: 1, CaseStatus.PENDING: 1}
        ensure_default_template(s)
        s.commit()
    unit_of_work.run(new_db, CITY, save_campaign, default_campaign(2026))
    with new_db.session() as s:
        letters, drafted = prepare_letters(s, CITY)
        assert drafted == 3
        assert [lt.unit.name for lt in letters] == ["东城区", "北山县", "滨海新区"]
        campaign = current_campaign(s)
        from controllers.letters.templates import current_template, template_content

        shared = shared_values(s, campaign, template_content(current_template(s)))
        east = letter_values(shared, unit(s, "东城区"), dt.date(2026, 5, 17))
        assert (east["unit_org"], east["head_name"]) == ("滨海市生态环境局东城分局", "王区长")
        assert letter_values(shared, unit(s, "滨海新区"), None)["unit_org"] == "滨海新区管委会"
        s.commit()
    with new_db.session() as s:
        report = prepare_report(s, CITY, dt.date(2026, 6, 1))
        assert "滨海市" in report.title
        assert {"东城区", "北山县", "滨海新区"} <= {row[1] for row in report.table_rows}
