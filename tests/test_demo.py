"""The demo tells the report's story: the report's figures as of 5月31日, a living present after."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from cli.main import run as cli_main
from controllers.actor import SYSTEM
from controllers.demo import DemoRefused, generate_demo
from controllers.overview import overview_tiles
from controllers.report.figures import report_figures
from controllers.report.generate import prepare_report
from controllers.summary import summary
from controllers.unit_of_work import call
from models import Batch, CampaignEvent, Case, CaseLookback, Industry, Letter, Township, Unit
from models.codes import FINISHED_STATUSES, CaseStatus, Classification, LookbackResult, Source
from models.database import Database, make_engine
from tests.conftest import DEMO_AS_OF

REPORT_DAY = dt.date(2026, 5, 31)


@pytest.fixture(scope="module")
def report_day_url(tmp_path_factory, sqlite_template):
    """A demo world built as of the report's day (``demo --as-of 2026-05-31``)."""
    import shutil

    path = tmp_path_factory.mktemp("demo_0531") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    db = Database.from_engine(make_engine(url))
    call(db, generate_demo, as_of=REPORT_DAY)
    db.dispose()
    return url


@pytest.fixture
def report_day_db(report_day_url):
    db = Database.from_engine(make_engine(report_day_url))
    yield db
    db.dispose()


def _check_report_figures(session):
    data = summary(session)
    assert data["units"] == 25
    by_batch = dict(
        session.execute(
            select(Batch.name, func.count(Case.id)).join(Case).group_by(Batch.name)
        ).all()
    )
    assert by_batch == {"2024年清单": 18_959, "2025年清单": 1_464, "新增": 4}
    assert data["spot_checks"] == {"groups": 33, "person_times": 127, "sites": 199, "new_found": 4}
    assert data["letters"]["by_status"]["signed"] == 25
    assert data["accountability"]["records"] >= 2
    # every listed case is finished (the report: 基本实现动态“清零”)
    finished = sum(data["cases"]["by_status"][s.value] for s in FINISHED_STATUSES)
    assert finished == data["cases"]["total"] == 18_959 + 1_464 + 4
    assert session.scalar(select(func.count(func.distinct(Township.unit_id)))) == 25
    focus = set(session.scalars(
        select(Industry.name).join(Case, Case.industry_id == Industry.id).where(Industry.is_focus.is_(True))
    ))  # fmt: skip
    assert focus == {"油毡", "蛭石", "钙镁", "拔丝", "小板材"}
    new_cases = session.scalars(select(Case).join(Batch).where(Batch.name == "新增")).all()
    assert {c.source for c in new_cases} == {Source.SPOT_CHECK}
    assert all(c.closed_on.isoformat() <= "2026-05-25" for c in new_cases)
    assert all(len(c.checks) == 5 for c in new_cases)
    # the letters were signed with every unit on 5月17日
    assert set(session.scalars(select(Letter.signed_on))) == {dt.date(2026, 5, 17)}
    # the two dated campaign events the report cites
    events = session.execute(select(CampaignEvent.occurred_on, CampaignEvent.title)).all()
    assert [d for d, _ in events] == [dt.date(2026, 5, 10), REPORT_DAY]
    assert "《关于继续加强“散乱污”企业再排查再整治工作的通知》" in events[1][1]
    days = session.scalar(select(func.count(func.distinct(Case.discovered_on))))
    assert days > 200  # dates spread over the year, not one day


def test_demo_as_of_the_report_day_has_the_reports_figures(report_day_db):
    with report_day_db.session() as s:
        _check_report_figures(s)
        names = s.scalars(select(Case.name).where(Case.name.is_not(None)).limit(50)).all()
        assert len(set(names)) > 40


def test_report_as_of_the_report_day_says_what_the_city_said(report_day_db):
    with report_day_db.session() as s:
        f = report_figures(s, SYSTEM, REPORT_DAY)
        assert [(y, c.total, c.finished) for y, c in f.annual] == [
            (2024, 18_959, 18_959),
            (2025, 1_464, 1_464),
        ]
        sc = f.spot_checks
        assert (sc.groups, sc.person_times, sc.sites, sc.new_found) == (33, 127, 199, 4)
        assert (sc.first_day, sc.last_day) == (dt.date(2026, 5, 7), dt.date(2026, 5, 25))
        assert (f.letters.issued, f.letters.signed) == (25, 25)
        text = prepare_report(s, SYSTEM, REPORT_DAY).plain_text()
    assert "2024年完成分类整治18959家，2025年完成分类整治1464家，基本实现动态“清零”" in text
    assert (
        "共出动33个执法组，共出动执法人员127人次，检查企业（点位）数199个，发现新增“散乱污”企业4家"
        in text
    )
    assert "5月10日，针对各县（市、区）全面排查情况" in text
    assert (
        "5月17日，石家庄市生态环境局下发了《关于签订“散乱污”企业持续整治工作承诺书的通知》，"
        in text
    )
    assert "分别与23个分局及高新区、循环化工园区生态环境局签订了" in text
    assert "5月31日，我市转发了省大气办《关于继续加强“散乱污”企业再排查再整治工作的通知》" in text
    assert "未发现2024、2025年“散乱污”企业整治关停取缔反弹及整治未完成情况" in text
    assert "共发现新增“散乱污”企业4家，并已于5月25日前完成取缔工作" in text
    # the events come in date order around the letters
    assert text.index("5月10日，") < text.index("5月17日，") < text.index("5月31日，我市转发")


def test_the_campaign_goes_on_after_the_report(demo_db):
    with demo_db.session() as s:
        after = select(func.count()).select_from(Case).where(Case.discovered_on > REPORT_DAY)
        assert s.scalar(after) > 100
        sources = set(s.scalars(select(Case.source).where(Case.discovered_on > REPORT_DAY)))
        assert {Source.GRID_PATROL, Source.COMPLAINT, Source.SPOT_CHECK} <= sources
        statuses = dict(s.execute(select(Case.status, func.count()).group_by(Case.status)).all())
        assert statuses[CaseStatus.PENDING] > 0
        assert statuses[CaseStatus.IN_PROGRESS] > 10
        open_share = (statuses[CaseStatus.PENDING] + statuses[CaseStatus.IN_PROGRESS]) / sum(
            statuses.values()
        )
        assert 0.001 < open_share < 0.02  # most of the list is done; a realistic few are not
        assert 2 <= s.scalar(select(func.count()).where(Case.is_quasi.is_(True))) <= 3
        relapses = dict(
            s.execute(
                select(CaseLookback.result, func.count())
                .where(CaseLookback.result != LookbackResult.NORMAL)
                .group_by(CaseLookback.result)
            ).all()
        )
        assert relapses.get(LookbackResult.RELAPSE)
        assert relapses.get(LookbackResult.RELOCATED)
        relapsed = s.scalar(select(func.count()).where(Case.is_relapsed.is_(True)))
        assert relapsed == sum(relapses.values())
        # 提升改造 cases stuck for months past their deadline
        stalled = s.scalar(
            select(func.count()).where(
                Case.classification == Classification.UPGRADE,
                Case.status.in_([CaseStatus.PENDING, CaseStatus.IN_PROGRESS]),
                Case.deadline < DEMO_AS_OF - dt.timedelta(days=60),
            )
        )
        assert stalled >= 3
        # every overview tile about cases has something in it
        tiles = {t.key: t.value for t in overview_tiles(s, SYSTEM, DEMO_AS_OF)}
        for key in ("status_pending", "status_in_progress", "status_completed", "overdue",
                    "relapsed", "quasi"):  # fmt: skip
            assert tiles[key] > 0, key
        f = report_figures(s, SYSTEM, DEMO_AS_OF)
        p = f.problems
        assert p.overdue
        assert p.stalled_upgrades
        assert p.quasi
        assert p.relapsed
        assert f.new_cases.counts.open > 0
        assert len(f.events) >= 4
        # every month after the report has new cases and finished ones in the chart
        rows = {r[0]: r for r in f.monthly.rows()}
        assert all(any(rows[m][1:3]) for m in list(rows)[-6:])


def test_an_earlier_world_is_a_prefix_of_a_later_one(demo_db, report_day_db):
    """Same seed: the world as of 5月31日 holds the same cases as today's, found by then."""
    q = (
        select(Case.name, Case.address, Case.discovered_on)
        .where(Case.discovered_on <= REPORT_DAY)
        .order_by(Case.id)
        .limit(300)
    )
    with demo_db.session() as s:
        later = s.execute(q).all()
    with report_day_db.session() as s:
        earlier = s.execute(q).all()
    assert earlier == later


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
    call(database, generate_demo, as_of=REPORT_DAY)
    with database.session() as s:
        _check_report_figures(s)


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_living_demo_on_a_server(database):
    counts = call(database, generate_demo, as_of=DEMO_AS_OF).value
    assert counts["relapses"] > 0
    assert counts["new_sites"] > 100
    with database.session() as s:
        assert (
            s.scalar(select(func.count()).where(Case.is_relapsed.is_(True))) == counts["relapses"]
        )


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_demo_cli_builds_the_world_of_an_early_date(sqlite_url, capsys):
    """Early in the first list's year: only the cases found by then, none finished later."""
    assert cli_main(["--db", sqlite_url, "demo", "--as-of", "2024-02-15"]) == 0
    assert "截至2024-02-15" in capsys.readouterr().out
    db = Database.from_engine(make_engine(sqlite_url))
    try:
        with db.session() as s:
            n = s.scalar(select(func.count()).select_from(Case))
            assert 0 < n < 4_000
            latest = s.scalar(
                select(
                    func.max(func.coalesce(Case.closed_on, Case.completed_on, Case.discovered_on))
                )
            )
            assert str(latest) <= "2024-02-15"
            statuses = set(s.scalars(select(Case.status).distinct()))
            assert CaseStatus.PENDING in statuses or CaseStatus.IN_PROGRESS in statuses
            assert s.scalar(select(func.count()).select_from(Letter)) == 25
            assert s.scalar(select(func.count()).where(Letter.issued_on.is_not(None))) == 0
    finally:
        db.dispose()
    with pytest.raises(SystemExit):
        cli_main(["--db", sqlite_url, "demo", "--as-of", "31.5.2026"])


def test_demo_refuses_a_database_with_data(demo_db):
    with demo_db.session() as s:
        before = s.scalar(select(func.count()).select_from(Case))
        with pytest.raises(DemoRefused):
            generate_demo(s)
        assert s.scalar(select(func.count()).select_from(Case)) == before
        assert s.scalar(select(func.count()).select_from(Unit)) == 25
