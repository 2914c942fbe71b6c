"""The demo reproduces the figures of the city's work report."""

import pytest
from sqlalchemy import func, select

from controllers.demo import DemoRefused, generate_demo
from controllers.summary import summary
from controllers.unit_of_work import call
from models import Batch, Case, Industry, Township, Unit
from models.codes import FINISHED_STATUSES, FindingKind, Source


def _check_report_figures(session):
    data = summary(session)
    assert data["units"] == 25
    by_batch = dict(
        session.execute(
            select(Batch.name, func.count(Case.id)).join(Case).group_by(Batch.name)
        ).all()
    )
    assert by_batch["2024年清单"] == 18_959
    assert by_batch["2025年清单"] == 1_464
    assert by_batch["新增"] == 4
    assert data["cases"]["total"] == 18_959 + 1_464 + 4
    assert data["spot_checks"] == {"groups": 33, "person_times": 127, "sites": 199, "new_found": 4}
    assert data["letters"]["by_status"]["signed"] == 25
    assert data["accountability"]["records"] >= 2
    # every listed case is finished (the report: 基本实现动态“清零”)
    finished = sum(data["cases"]["by_status"][s.value] for s in FINISHED_STATUSES)
    assert finished == data["cases"]["total"]
    # every unit has townships, every case a classification, focus industries present
    assert session.scalar(select(func.count(func.distinct(Township.unit_id)))) == 25
    focus = set(session.scalars(
        select(Industry.name).join(Case, Case.industry_id == Industry.id).where(Industry.is_focus.is_(True))
    ))  # fmt: skip
    assert focus == {"油毡", "蛭石", "钙镁", "拔丝", "小板材"}
    new_cases = session.scalars(select(Case).join(Batch).where(Batch.name == "新增")).all()
    assert {c.source for c in new_cases} == {Source.SPOT_CHECK}
    assert all(c.closed_on.isoformat() <= "2026-05-25" for c in new_cases)
    assert all(len(c.checks) == 5 for c in new_cases)
    assert sum(data["cases"]["by_unit"].values()) == data["cases"]["total"]
    months = session.scalar(select(func.count(func.distinct(Case.discovered_on))))
    assert months > 200  # dates spread over the year, not one day
    assert FindingKind.NEW_CASE.value == "new_case"


def test_demo_figures_on_sqlite(demo_db):
    with demo_db.session() as s:
        _check_report_figures(s)
        names = s.scalars(select(Case.name).where(Case.name.is_not(None)).limit(50)).all()
        assert len(set(names)) > 40


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ],
    indirect=True,
)
def test_demo_figures_on_servers(database):
    call(database, generate_demo)
    with database.session() as s:
        _check_report_figures(s)


def test_demo_is_reproducible_with_a_seed(demo_db, sqlite_db):
    call(sqlite_db, generate_demo, seed=2026)
    with sqlite_db.session() as s:
        again = s.execute(select(Case.name, Case.address).order_by(Case.id).limit(50)).all()
    with demo_db.session() as s:
        first = s.execute(select(Case.name, Case.address).order_by(Case.id).limit(50)).all()
    assert again == first


def test_demo_refuses_a_database_with_data(demo_db):
    with demo_db.session() as s:
        before = s.scalar(select(func.count()).select_from(Case))
        with pytest.raises(DemoRefused):
            generate_demo(s)
        assert s.scalar(select(func.count()).select_from(Case)) == before
        assert s.scalar(select(func.count()).select_from(Unit)) == 25
