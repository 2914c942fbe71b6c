"""问责: the rule ladder, the tally per unit, the record workflow, amendments, and decided
records refused by the controller and by the database itself — on three backends."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from controllers import unit_of_work
from controllers.accountability.records import (
    PersonInput,
    ProblemInput,
    amend,
    create_record,
    decide,
    delete_record,
    edit_record,
    execute,
    record_view,
    start_from_tally,
)
from controllers.accountability.rules import Rung, current_rules, save_rules
from controllers.accountability.tally import UnitTally, evaluate, tally_units
from controllers.actor import Actor
from controllers.cases.lookbacks import record_lookback
from controllers.errors import ValidationError, WorkflowError
from controllers.permissions import PermissionDenied
from controllers.spot_checks.entry import CheckInput, MemberInput, SiteInput, save_check
from models import (
    AccountabilityAmendment,
    AccountabilityPerson,
    AccountabilityRecord,
    AccountabilityRuleSet,
)
from models.codes import (
    AccountabilityLevel,
    AccountabilityStatus,
    CaseStatus,
    FindingKind,
    LookbackResult,
    Measure,
    ProblemKind,
    Role,
    Source,
)
from tests.factories import make_case, unit

CITY = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")
D, H, S = AccountabilityLevel.DEPUTY_HEAD, AccountabilityLevel.HEAD, AccountabilityLevel.SECRETARY


def _level(rules, **counts):
    t = UnitTally(1, "某县")
    t.counts.update(counts)
    evaluate(t, rules)
    return t.proposed_level


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, None), (1, None), (2, D), (3, D), (4, H), (5, H), (6, S), (7, S)],
)
def test_ladder_of_unfixed_referred_problems(sqlite_db, n, expected):
    with sqlite_db.session() as s:
        assert _level(current_rules(s), referred_unfixed=n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(4, None), (5, D), (6, D), (9, D), (10, H), (11, H), (14, H), (15, S), (16, S)],
)
def test_ladder_of_newly_found_problems(sqlite_db, n, expected):
    """The five kinds sum into the counter: n spread over them crosses at 5 / 10 / 15."""
    kinds = ["relapse", "not_in_place", "off_list", "concealment", "dereliction"]
    counts = {k: n // 5 + (1 if i < n % 5 else 0) for i, k in enumerate(kinds)}
    assert sum(counts.values()) == n
    with sqlite_db.session() as s:
        assert _level(current_rules(s), **counts) == expected


def test_rules_are_versioned_data_a_city_clerk_edits(sqlite_db):
    with sqlite_db.session() as s:
        rules = current_rules(s)
    assert rules.version_no == 1
    assert len(rules.ladder) == 6
    rules.weights["relapse"] = 2
    rules.ladder = [r for r in rules.ladder if r.counter != "new_found"] + [
        Rung("new_found", 3, "deputy_head", "新发现问题达3个"),
        Rung("new_found", 8, "secretary", "新发现问题达8个"),
    ]
    out = unit_of_work.run(sqlite_db, CITY, save_rules, rules, "试行调整")
    assert out.value == 2
    assert "accountability" in out.topics
    with sqlite_db.session() as s:
        new = current_rules(s)
        assert new.version_no == 2
        assert new.weights["relapse"] == 2
        assert _level(new, relapse=1, off_list=1) == D  # 2×1 + 1 = 3
        assert _level(new, relapse=4) == S  # 8
        assert _level(new, relapse=1) is None
        assert s.scalar(select(func.count()).select_from(AccountabilityRuleSet)) == 2
    # the same rules again: no new version
    assert unit_of_work.run(sqlite_db, CITY, save_rules, new).value == 2
    bad = current_rules(sqlite_db.session())
    bad.ladder = [Rung("new_found", 5, "head"), Rung("new_found", 10, "deputy_head")]
    with pytest.raises(ValidationError, match="逐级"):
        unit_of_work.run(sqlite_db, CITY, save_rules, bad)
    county = Actor(None, "ls", Role.COUNTY_CLERK, unit_id=1)
    with pytest.raises(PermissionDenied):
        unit_of_work.run(sqlite_db, county, save_rules, new)


def _closed(s, **kw):
    return make_case(s, status=CaseStatus.CLOSED, completed_on=dt.date(2026, 5, 1),
                     township_checked_on=dt.date(2026, 5, 1), accepted_on=dt.date(2026, 5, 2),
                     approved_by="刘局长", closed_on=dt.date(2026, 5, 3),
                     discovered_on=dt.date(2026, 4, 1), **kw)  # fmt: skip


def test_tally_counts_findings_lookbacks_and_referrals_once(database):
    with database.session() as s:
        ls = unit(s).id
        a, b, c = _closed(s).id, _closed(s).id, _closed(s).id
        referred = [make_case(s, source=Source.REFERRAL, discovered_on=dt.date(2026, 5, 9)).id
                    for _ in range(2)]  # fmt: skip
        make_case(s, source=Source.COMPLAINT, discovered_on=dt.date(2026, 5, 10))
        make_case(s, source=Source.REFERRAL, discovered_on=dt.date(2026, 3, 1))  # before
        s.commit()
    check = CheckInput(dt.date(2026, 5, 8), "第1执法检查组", ls, (MemberInput("王强"),),
                       sites=(SiteInput(case_id=a, outcome=FindingKind.RELAPSE),
                              SiteInput(case_id=b, outcome=FindingKind.FAKE),
                              SiteInput("新点", "灵寿镇某村", outcome=FindingKind.NEW_CASE)),
                       leader="王强")  # fmt: skip
    unit_of_work.run(database, CITY, save_check, check)
    unit_of_work.run(database, CITY, record_lookback, c, dt.date(2026, 5, 12),
                     LookbackResult.RELOCATED)  # fmt: skip
    with database.session() as s:
        tallies = {t.unit: t for t in tally_units(s, CITY, dt.date(2026, 5, 1),
                                                  dt.date(2026, 5, 31))}  # fmt: skip
    t = tallies["灵寿县"]
    # relapse: finding on a + look-back on c (the finding's own look-back on a not again)
    assert t.counts["relapse"] == 2
    assert t.counts["not_in_place"] == 1
    assert t.counts["off_list"] == 1
    assert t.counts["concealment"] == 3  # two referrals and one complaint in the period
    assert t.counts["referred_unfixed"] == 2
    assert t.counters == {"referred_unfixed": 2, "new_found": 7}
    assert t.proposed_level == D
    assert [r.threshold for r in t.crossed] == [2, 5]
    assert sum(x.counters["new_found"] for x in tallies.values()) == 7
    assert tallies["新乐市"].proposed_level is None
    assert {p.case_id for p in t.problems if p.kind == ProblemKind.REFERRED_UNFIXED} == set(
        referred
    )
    rid = unit_of_work.run(database, CITY, start_from_tally, t.unit_id, dt.date(2026, 5, 1),
                           dt.date(2026, 5, 31),
                           persons=[PersonInput("李某", "副县长")]).value  # fmt: skip
    with database.session() as s:
        view = record_view(s, CITY, rid)
        assert view.status == AccountabilityStatus.PROPOSED
        assert len(view.problems) == len(t.problems) == 9
        assert view.effective["clause"].endswith("：交办问题未整改达2个；新发现问题达5个")
        assert view.effective["measure"] == Measure.INTERVIEW.value
        assert s.get(AccountabilityRecord, rid).rule_set_id == current_rules(s).id


def _proposed(database):
    with database.session() as s:
        ls = unit(s).id
        cid = make_case(s).id
        s.commit()
    return unit_of_work.run(
        database, CITY, create_record, ls, Measure.INTERVIEW,
        persons=[PersonInput("张某", "乡镇分管负责同志")],
        problems=[ProblemInput(ProblemKind.RELAPSE, "原址复产", dt.date(2026, 5, 8), cid)],
        clause="《省“散乱污”量化问责管理办法》第八条", summary="反弹1起",
    ).value  # fmt: skip


def test_workflow_decide_execute_amend(database):
    rid = _proposed(database)
    with database.session() as s:
        v = s.get(AccountabilityRecord, rid).version
    v = unit_of_work.run(database, CITY, edit_record, rid, v, {"summary": "反弹1起（原址复产）"},
                         persons=[PersonInput("张某", "乡镇分管负责同志"),
                                  PersonInput("王某", "村支书")]).value  # fmt: skip
    with pytest.raises(WorkflowError, match="只有已决定"):
        unit_of_work.run(database, CITY, execute, rid, dt.date(2026, 6, 1))
    with pytest.raises(ValidationError, match="文号"):
        unit_of_work.run(database, CITY, decide, rid, " ", dt.date(2026, 6, 1))
    leader = Actor(None, "leader", Role.LEADER)
    with pytest.raises(PermissionDenied):
        unit_of_work.run(database, leader, decide, rid, "灵寿县〔2026〕3号", dt.date(2026, 6, 1))
    out = unit_of_work.run(database, CITY, decide, rid, "灵寿县〔2026〕3号", dt.date(2026, 6, 1),
                           expected_version=v)  # fmt: skip
    assert ("decide", "accountability", str(rid)) in out.entries
    with pytest.raises(WorkflowError, match="只有拟问责"):
        unit_of_work.run(database, CITY, decide, rid, "x", dt.date(2026, 6, 1))
    with pytest.raises(ValidationError, match="早于决定日期"):
        unit_of_work.run(database, CITY, execute, rid, dt.date(2026, 5, 1))
    unit_of_work.run(database, CITY, execute, rid, dt.date(2026, 6, 10))
    aid = unit_of_work.run(database, CITY, amend, rid, "文号录入错误",
                           {"doc_no": "灵寿县〔2026〕5号"}).value  # fmt: skip
    unit_of_work.run(database, CITY, amend, rid, "补充被问责人员职务",
                     {"persons": [("张某", "副镇长"), ("王某", "村支书")]})  # fmt: skip
    with pytest.raises(ValidationError, match="原因"):
        unit_of_work.run(database, CITY, amend, rid, "", {"doc_no": "x"})
    with pytest.raises(ValidationError, match="相同"):
        unit_of_work.run(database, CITY, amend, rid, "重复", {"doc_no": "灵寿县〔2026〕5号"})
    with database.session() as s:
        view = record_view(s, CITY, rid)
        assert view.status == AccountabilityStatus.EXECUTED
        assert view.stored["doc_no"] == "灵寿县〔2026〕3号"  # the record itself never changed
        assert view.effective["doc_no"] == "灵寿县〔2026〕5号"
        assert view.effective["persons"][0] == ["张某", "副镇长"]
        assert [a["reason"] for a in view.amendments] == ["文号录入错误", "补充被问责人员职务"]
        assert view.amendments[0]["changes"] == {
            "doc_no": ["灵寿县〔2026〕3号", "灵寿县〔2026〕5号"]
        }
        assert s.get(AccountabilityAmendment, aid).doc_no == "灵寿县〔2026〕5号"


def test_decided_record_refused_by_the_controller(database):
    rid = _proposed(database)
    v = unit_of_work.run(
        database, CITY, decide, rid, "灵寿县〔2026〕3号", dt.date(2026, 6, 1)
    ).value
    with pytest.raises(WorkflowError, match="追加更正"):
        unit_of_work.run(database, CITY, edit_record, rid, v, {"summary": "改"})
    with pytest.raises(WorkflowError, match="追加更正"):
        unit_of_work.run(database, CITY, delete_record, rid, v)
    with database.session() as s:
        assert s.get(AccountabilityRecord, rid).summary == "反弹1起"
    # a proposed record may still be deleted
    other = _proposed(database)
    with database.session() as s:
        ov = s.get(AccountabilityRecord, other).version
    unit_of_work.run(database, CITY, delete_record, other, ov)
    with database.session() as s:
        assert s.get(AccountabilityRecord, other) is None


RAW_REFUSED = [
    "UPDATE accountability_records SET doc_no = 'x' WHERE id = :id",
    "UPDATE accountability_records SET status = 'proposed' WHERE id = :id",
    "DELETE FROM accountability_records WHERE id = :id",
    "UPDATE accountability_persons SET name = 'x' WHERE record_id = :id",
    "DELETE FROM accountability_persons WHERE record_id = :id",
    "INSERT INTO accountability_persons (record_id, name, version) VALUES (:id, 'x', 1)",
    "DELETE FROM accountability_problems WHERE record_id = :id",
    "UPDATE accountability_amendments SET reason = 'x' WHERE record_id = :id",
    "DELETE FROM accountability_amendments WHERE record_id = :id",
]


def test_decided_record_refused_by_raw_sql(database):
    rid = _proposed(database)
    unit_of_work.run(database, CITY, decide, rid, "灵寿县〔2026〕3号", dt.date(2026, 6, 1))
    unit_of_work.run(database, CITY, amend, rid, "更正", {"summary": "反弹1起（更正）"})
    for statement in RAW_REFUSED:
        with database.engine.connect() as conn, pytest.raises(DBAPIError) as err:
            conn.execute(text(statement), {"id": rid})
        assert "问责" in str(err.value), statement
    with database.engine.begin() as conn:  # 已决定 → 已执行 is the one move allowed
        conn.execute(text("UPDATE accountability_records SET status = 'executed', "
                          "executed_on = :d, version = version + 1 WHERE id = :id"),
                     {"id": rid, "d": dt.date(2026, 6, 9)})  # fmt: skip
    with database.engine.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text("UPDATE accountability_records SET executed_on = NULL WHERE id = :id"),
                     {"id": rid})  # fmt: skip
    with database.session() as s:
        rec = s.get(AccountabilityRecord, rid)
        assert (rec.doc_no, rec.summary, rec.status) == ("灵寿县〔2026〕3号", "反弹1起",
                                                         AccountabilityStatus.EXECUTED)  # fmt: skip
        assert s.scalar(select(func.count()).select_from(AccountabilityPerson)) == 1
        amendments = s.scalars(select(AccountabilityAmendment)).all()
        assert [json.loads(a.changes)["summary"][1] for a in amendments] == ["反弹1起（更正）"]


def test_county_clerks_see_only_their_unit(database):
    rid = _proposed(database)
    with database.session() as s:
        ls, xl = unit(s).id, unit(s, "新乐市").id
        own = Actor(None, "ls", Role.COUNTY_CLERK, unit_id=ls)
        other = Actor(None, "xl", Role.COUNTY_CLERK, unit_id=xl)
        assert [t.unit for t in tally_units(s, own)] == ["灵寿县"]
        from controllers.accountability.records import record_rows

        assert [r.id for r in record_rows(s, own)] == [rid]
        assert record_rows(s, other) == []
        with pytest.raises(PermissionDenied):
            record_view(s, other, rid)
    with pytest.raises(PermissionDenied):
        unit_of_work.run(database, own, decide, rid, "x", dt.date(2026, 6, 1))
