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
