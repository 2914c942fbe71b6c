"""督导抽查 as a workflow: entry, findings acting on the register in one transaction,
idempotent saves, totals against hand-counted fixtures and the demo — on three backends."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.cases.case_edit import EvidenceFile
from controllers.editing import EditConflict
from controllers.errors import ValidationError, WorkflowError
from controllers.permissions import PermissionDenied
from controllers.spot_checks.daily import load_check
from controllers.spot_checks.entry import (
    CheckInput,
    MemberInput,
    NewSite,
    SiteInput,
    delete_check,
    save_check,
)
from controllers.spot_checks.totals import check_totals
from models import (
    Attachment,
    AuditEntry,
    Case,
    CaseLookback,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
)
from models.codes import CaseStatus, FindingKind, LookbackResult, Role, Source
from tests.factories import make_case, unit

CITY = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")
DAY = dt.date(2026, 5, 7)
PNG = b"\x89PNG\r\n\x1a\n" + b"1" * 64


def _closed_case(s, **kw):
    return make_case(
        s, status=CaseStatus.CLOSED, completed_on=dt.date(2026, 5, 1),
        township_checked_on=dt.date(2026, 5, 1), accepted_on=dt.date(2026, 5, 2),
        approved_by="刘局长", closed_on=dt.date(2026, 5, 3), discovered_on=dt.date(2026, 4, 1),
        **kw,
    )  # fmt: skip


@pytest.fixture
def register(database):
    """Two cases of 灵寿县: one closed (to relapse), one in progress; one of 井陉县."""
    with database.session() as s:
        closed = _closed_case(s).id
        open_ = make_case(s, status=CaseStatus.IN_PROGRESS).id
        other = make_case(s, unit=unit(s, "井陉县")).id
        lingshou, jingxing = unit(s).id, unit(s, "井陉县").id
        s.commit()
    return {"closed": closed, "open": open_, "other": other, "lingshou": lingshou,
            "jingxing": jingxing}  # fmt: skip


def _check(reg, *, day=DAY, group="第1执法检查组", sites=(), members=None, unit_id=None):
    members = members or (MemberInput("王强", "支队长"), MemberInput("李明"), MemberInput("赵刚"))
    return CheckInput(checked_on=day, group_name=group, unit_id=unit_id or reg["lingshou"],
                      leader="王强", members=tuple(members), sites=tuple(sites))  # fmt: skip


def _count(database, model, *where):
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_new_site_becomes_a_case_and_relapse_reopens_in_one_save(database, register):
    data = _check(register, sites=[
        SiteInput(case_id=register["open"]),
        SiteInput(case_id=register["closed"], outcome=FindingKind.RELAPSE, note="原址恢复生产"),
        SiteInput("无名蛭石加工点", "灵寿镇北关村12号", outcome=FindingKind.NEW_CASE,
                  new_site=NewSite(owner="孙某", phone="13900000000"), photos=(
                      EvidenceFile("现场.png", PNG),)),
    ])  # fmt: skip
    out = unit_of_work.run(database, CITY, save_check, data)
    res = out.value
    assert res.created
    assert len(res.cases_created) == 1
    assert len(res.lookbacks) == 1
    assert {"spot_checks", "cases"} <= out.topics
    with database.session() as s:
        new = s.get(Case, res.cases_created[0])
        assert new.source == Source.SPOT_CHECK
        assert new.status == CaseStatus.PENDING
        assert new.discovered_on == DAY
        assert new.address == "灵寿镇北关村12号"
        assert "第1执法检查组" in new.remark
        reopened = s.get(Case, register["closed"])
        assert reopened.status == CaseStatus.IN_PROGRESS
        assert reopened.is_relapsed
        assert reopened.relapse_count == 1
        assert reopened.closed_on is None
        lb = s.get(CaseLookback, res.lookbacks[0])
        assert lb.result == LookbackResult.RELAPSE
        assert lb.checked_on == DAY
        check = s.get(SpotCheck, res.check_id)
        assert [m.name for m in check.members] == ["王强", "李明", "赵刚"]
        assert check.members[0].is_leader
        assert check.leader == "王强"
        kinds = {f.kind: f for f in check.findings}
        assert kinds[FindingKind.NEW_CASE].case_id == new.id
        assert kinds[FindingKind.RELAPSE].lookback_id == lb.id
        site = next(x for x in check.sites if x.site_name == "无名蛭石加工点")
        assert site.case_id == new.id
        actions = [(e.action, e.object_type) for e in s.scalars(select(AuditEntry))]
        assert ("create", "case") in actions
        assert ("lookback", "case") in actions
        assert ("create", "spot_check") in actions
        photos = s.scalars(select(Attachment).where(Attachment.spot_check_id == check.id)).all()
        assert [(p.filename, p.note) for p in photos] == [("现场.png", "无名蛭石加工点")]
        assert True
    # saved again (a double click, the CLI run twice): nothing is written twice
    before = _count(database, AuditEntry)
    again = unit_of_work.run(database, CITY, save_check, data).value
    assert again.check_id == res.check_id
    assert not again.created
    assert not again.changed
    assert again.cases_created == []
    assert again.lookbacks == []
    assert _count(database, Case, Case.source == Source.SPOT_CHECK) == 1
    assert _count(database, CaseLookback) == 1
    assert _count(database, SpotCheck) == 1
    assert _count(database, SpotCheckFinding) == 2
    assert _count(database, AuditEntry) == before


def test_a_failure_midway_leaves_nothing(database, register):
    """The new case and the look-back are written, then a later site fails: all rolled back."""
    with database.session() as s:
        audit_before = s.scalar(select(func.count()).select_from(AuditEntry))
        status_before = s.get(Case, register["closed"]).status
    data = _check(register, sites=[
        SiteInput("新发现塑料颗粒点", "灵寿镇西关村3号", outcome=FindingKind.NEW_CASE,
                  new_site=NewSite(owner="周某")),
        SiteInput(case_id=register["closed"], outcome=FindingKind.RELAPSE),
        SiteInput("另一新点", "灵寿镇南关村", outcome=FindingKind.NEW_CASE,
                  photos=(EvidenceFile("空.png", b""),)),  # an empty photo fails at the end
    ])  # fmt: skip
    with pytest.raises(ValidationError):
        unit_of_work.run(database, CITY, save_check, data)
    assert _count(database, SpotCheck) == 0
    assert _count(database, Case, Case.source == Source.SPOT_CHECK) == 0
    assert _count(database, CaseLookback) == 0
    assert _count(database, AuditEntry) == audit_before
    with database.session() as s:
        assert s.get(Case, register["closed"]).status == status_before


def test_validation_and_permissions(database, register):
    with pytest.raises(ValidationError, match="不属于被检查单位"):
        unit_of_work.run(database, CITY, save_check,
                         _check(register, sites=[SiteInput(case_id=register["other"])]))  # fmt: skip
    with pytest.raises(ValidationError, match="须针对清单中的企业"):
        unit_of_work.run(database, CITY, save_check, _check(register, sites=[
            SiteInput("某点", "某地", outcome=FindingKind.RELAPSE)]))  # fmt: skip
    with pytest.raises(ValidationError, match="晚于今天"):
        unit_of_work.run(
            database, CITY, save_check, _check(register, day=dt.date.today() + dt.timedelta(days=1))
        )
    county = Actor(None, "ls", Role.COUNTY_CLERK, unit_id=register["lingshou"])
    with pytest.raises(PermissionDenied):
        unit_of_work.run(database, county, save_check, _check(register))
    assert _count(database, SpotCheck) == 0


def test_edit_with_optimistic_lock_and_delete(database, register):
    first = unit_of_work.run(database, CITY, save_check, _check(register, sites=[
        SiteInput(case_id=register["open"])])).value  # fmt: skip
    edited = _check(register, sites=[SiteInput(case_id=register["open"]),
                                     SiteInput("加油站", "灵寿镇东街")],
                    members=(MemberInput("王强"), MemberInput("李明")))  # fmt: skip
    second = unit_of_work.run(database, CITY, save_check, edited, check_id=first.check_id,
                              expected_version=first.version).value  # fmt: skip
    assert second.changed
    assert second.version > first.version
    with database.session() as s:
        check = s.get(SpotCheck, first.check_id)
        assert len(check.sites) == 2
        assert len(check.members) == 2
    with pytest.raises(EditConflict):
        unit_of_work.run(database, CITY, save_check, _check(register), check_id=first.check_id,
                         expected_version=first.version)  # fmt: skip
    unit_of_work.run(database, CITY, delete_check, first.check_id, second.version)
    assert _count(database, SpotCheck) == 0
    assert _count(database, SpotCheckSite) == 0


def test_a_site_whose_finding_acted_cannot_be_dropped(database, register):
    data = _check(register, sites=[SiteInput("新点", "灵寿镇", outcome=FindingKind.NEW_CASE)])
    res = unit_of_work.run(database, CITY, save_check, data).value
    with pytest.raises(WorkflowError):
        unit_of_work.run(database, CITY, save_check, _check(register), check_id=res.check_id,
                         expected_version=res.version)  # fmt: skip
    with pytest.raises(WorkflowError):
        unit_of_work.run(database, CITY, delete_check, res.check_id, res.version)
    # opened in the form and saved again unchanged: accepted, nothing written
    with database.session() as s:
        loaded, version = load_check(s, CITY, res.check_id)
    again = unit_of_work.run(database, CITY, save_check, loaded, check_id=res.check_id,
                             expected_version=version).value  # fmt: skip
    assert not again.changed
    assert _count(database, Case, Case.source == Source.SPOT_CHECK) == 1


def test_totals_against_a_hand_counted_fixture(database, register):
    """Three checks led by 王强: 3 + 1 (王强 listed twice counts once) + 4 people, 2+1+3 sites."""
    jx = register["jingxing"]
    runs = [
        _check(register, sites=[SiteInput(case_id=register["open"]),
                                SiteInput("新点甲", "灵寿镇甲村", outcome=FindingKind.NEW_CASE)]),
        _check(register, day=DAY + dt.timedelta(days=1), group="第2执法检查组",
               members=(MemberInput("王强"), MemberInput("王强")),
               sites=[SiteInput(case_id=register["closed"], outcome=FindingKind.SUBSTANDARD)]),
        _check(register, day=DAY + dt.timedelta(days=5), unit_id=jx,
               members=(MemberInput("甲"), MemberInput("乙"), MemberInput("丙")),
               sites=[SiteInput(case_id=register["other"], outcome=FindingKind.OTHER),
                      SiteInput("新点乙", "井陉县某村", outcome=FindingKind.NEW_CASE),
                      SiteInput("某厂", "井陉县某路")]),
    ]  # fmt: skip
    for data in runs:
        unit_of_work.run(database, CITY, save_check, data)
    with database.session() as s:
        t = check_totals(s, CITY)
        assert (t.groups, t.person_times, t.sites, t.new_found) == (3, 8, 6, 2)
        assert t.by_kind["substandard"] == 1
        assert t.by_kind["other"] == 1
        assert t.by_kind["relapse"] == 0
        t = check_totals(s, CITY, DAY, DAY + dt.timedelta(days=1))
        assert (t.groups, t.person_times, t.sites, t.new_found) == (2, 4, 3, 1)
        t = check_totals(s, CITY, unit_id=jx)
        assert (t.groups, t.person_times, t.sites, t.new_found) == (1, 4, 3, 1)
        county = Actor(None, "jx", Role.COUNTY_CLERK, unit_id=jx)
        assert check_totals(s, county).groups == 1
        assert s.scalar(select(func.count()).select_from(SpotCheckMember)) == 8


def test_demo_totals_are_the_reports(demo_db):
    with demo_db.session() as s:
        t = check_totals(s, CITY, dt.date(2026, 5, 7), dt.date(2026, 5, 25))
    assert (t.groups, t.person_times, t.sites, t.new_found) == (33, 127, 199, 4)


def test_checks_follow_the_campaign_like_the_overview_and_the_report(database, register):
    """A check is saved under the campaign in force on its day; one saved without a campaign
    (older records) counts for the campaign whose window holds its day. The pane's totals,
    the overview's tile and the stage report's figures all count the same checks."""
    from sqlalchemy import update

    from controllers.campaigns import campaign_on, campaign_windows
    from controllers.overview import overview_tiles
    from controllers.report.figures import report_figures
    from controllers.stats.as_of import spot_checks_as_of
    from models import Campaign

    with database.session() as s:
        old = Campaign(name="2025年专项行动", year=2025, started_on=dt.date(2025, 3, 1))
        new = Campaign(name="2026年专项行动", year=2026, started_on=dt.date(2026, 3, 1))
        s.add_all([old, new])
        s.commit()
        old_id, new_id = old.id, new.id
        windows = {w.campaign_id: w for w in campaign_windows(s)}
        assert windows[old_id].ends_on == dt.date(2026, 2, 28)
        assert windows[new_id].ends_on is None
        assert campaign_on(s, dt.date(2025, 2, 1)) is None  # before the first campaign
    runs = [
        _check(register, sites=[SiteInput(case_id=register["closed"],
                                          outcome=FindingKind.RELAPSE)]),
        _check(register, day=dt.date(2026, 2, 10), group="第9执法检查组",
               sites=[SiteInput(case_id=register["open"], outcome=FindingKind.SUBSTANDARD)]),
        _check(register, day=DAY + dt.timedelta(days=1), group="第2执法检查组",
               sites=[SiteInput(case_id=register["open"], outcome=FindingKind.OTHER)]),
    ]  # fmt: skip
    ids = [unit_of_work.run(database, CITY, save_check, d).value.check_id for d in runs]
    with database.session() as s:
        assert [s.get(SpotCheck, i).campaign_id for i in ids] == [new_id, old_id, new_id]
        # the look-back the relapse wrote belongs to the check's campaign
        assert s.scalars(select(CaseLookback.campaign_id)).all() == [new_id]
        # a check recorded before checks knew their campaign
        s.execute(update(SpotCheck).where(SpotCheck.id == ids[2]).values(campaign_id=None))
        s.commit()
    with database.session() as s:
        assert check_totals(s, CITY).groups == 3
        t = check_totals(s, CITY, campaign_id=new_id)
        assert (t.groups, t.by_kind["relapse"], t.by_kind["other"]) == (2, 1, 1)
        assert check_totals(s, CITY, campaign_id=old_id).by_kind["substandard"] == 1
        assert check_totals(s, CITY, campaign_id=old_id).groups == 1
        # the stage report (current campaign = the newest) and the overview agree
        fig = spot_checks_as_of(s, CITY, dt.date(2026, 5, 31), new_id)
        assert (fig.groups, fig.first_day) == (2, DAY)
        assert report_figures(s, CITY, dt.date(2026, 5, 31)).spot_checks.groups == 2
        tiles = {t.key: t for t in overview_tiles(s, CITY, dt.date(2026, 5, 31))}
        assert tiles["spot_check_findings"].value == 2
        assert "本次专项行动" in tiles["spot_check_findings"].note


def test_a_site_is_found_with_the_registers_search(database, register):
    """Spaces, full-width characters and letter case do not matter, as in the register."""
    from controllers.spot_checks.daily import search_cases

    with database.session() as s:
        make_case(s, name="ABC砖厂", owner="孙 某", phone="13912345678")
        s.commit()
        ls = register["lingshou"]

        def names(text):
            return {h.name for h in search_cases(s, CITY, ls, text)}

        assert names("abc 砖厂") == {"ABC砖厂"}
        assert names("孙某") == {"ABC砖厂"}
        assert names("１３９１２") == {"ABC砖厂"}  # full-width digits
        assert len(names("东关村 蛭石")) == 2  # the two cases of 灵寿县 in the fixture
        assert names("100%") == set()  # % taken literally


def test_a_finding_on_a_case_not_closed_goes_into_its_history(database, register):
    """No look-back for a case still being rectified (the register's rule), but the finding
    is written on the case all the same: once, in its history."""
    from models import CaseChange

    data = _check(register, sites=[
        SiteInput(case_id=register["open"], outcome=FindingKind.SUBSTANDARD, note="设备未拆除"),
        SiteInput(case_id=register["closed"], outcome=FindingKind.OTHER, note="台账缺失"),
    ])  # fmt: skip
    for _ in range(2):  # saved twice: written once
        unit_of_work.run(database, CITY, save_check, data)
    with database.session() as s:
        rows = s.scalars(select(CaseChange).where(CaseChange.field == "spot_check")
                         .order_by(CaseChange.case_id)).all()  # fmt: skip
        assert [(r.case_id, r.new_value) for r in rows] == sorted([
            (register["open"], f"{DAY.isoformat()} 整治不到位"),
            (register["closed"], f"{DAY.isoformat()} 其他问题"),
        ])  # fmt: skip
        assert "设备未拆除" in rows[[r.case_id for r in rows].index(register["open"])].note
        assert s.scalar(select(func.count()).select_from(CaseLookback)) == 0
        assert s.get(Case, register["open"]).status == CaseStatus.IN_PROGRESS
