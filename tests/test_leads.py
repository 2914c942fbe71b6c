"""线索 on SQLite, PostgreSQL and MariaDB: the scan's kinds and evidence, storage, dismissal
that holds until new evidence, confirmation (look-back, link, 类散乱污 flag), unit scope, audit."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.errors import ValidationError, WorkflowError
from controllers.leads.address import AddressParser, chinese_number, phone_key
from controllers.leads.decisions import confirm_lead, dismiss_lead, links_of
from controllers.leads.scanning import scan_leads
from controllers.leads.store import list_leads
from controllers.permissions import PermissionDenied
from models import AuditEntry, Case, CaseLookback, Lead
from models.codes import CaseStatus, Classification, LookbackResult, Role
from models.leads import LeadKind, LeadStatus
from tests.factories import make_case, unit

CITY = Actor(user_id=None, username="city_t", role=Role.CITY_CLERK, display_name="市级")


def county(unit_id: int) -> Actor:
    return Actor(user_id=None, username="county_t", role=Role.COUNTY_CLERK, unit_id=unit_id)


def test_addresses_are_normalised_once_with_the_township_list():
    parser = AddressParser([(1, "灵寿镇"), (1, "北洼乡"), (2, "城关街道")])
    a = parser.parse("河北省灵寿县灵寿镇东关村委会３组十二号", 1)
    assert (a.township, a.village, a.group, a.number) == ("灵寿", "东关", 3, 12)
    b = parser.parse("灵寿 东关村 村东 12 号", 1)  # the township's short form, spaces
    assert (b.township, b.village, b.number) == ("灵寿", "东关", 12)
    assert a.near(b, 0)
    c = parser.parse("北洼乡西村一百零三号", 1)
    assert (c.township, c.village, c.number) == ("北洼", "西", 103)
    assert parser.unit_of("城关街道南街5号", [(1, "灵寿县", "灵寿"), (2, "新乐市", "新乐")]) == 2
    assert parser.unit_of("灵寿县某某村", [(1, "灵寿县", "灵寿"), (2, "新乐市", "新乐")]) == 1
    assert chinese_number("二〇三") == 203
    assert phone_key("+86 139-1111-2222；0311-1234567") == "13911112222"
    assert phone_key("０３１１－８８８８６６６６") == "031188886666"


@pytest.fixture
def story(database):
    """An old closed case in 灵寿县 and the cases that look like it later."""
    with database.session() as s:
        _lingshou, xinle = unit(s, "灵寿县"), unit(s, "新乐市")
        closed = dict(status=CaseStatus.CLOSED, discovered_on=dt.date(2025, 3, 1),
                      completed_on=dt.date(2025, 6, 1), accepted_on=dt.date(2025, 6, 20),
                      closed_on=dt.date(2025, 6, 30))  # fmt: skip
        later = dict(discovered_on=dt.date(2026, 3, 1), status=CaseStatus.IN_PROGRESS)
        ids = {
            "old": make_case(s, owner="欧阳明远", phone="13911112222", village="东关村",
                             address="灵寿镇东关村12号", **closed).id,
            # the same owner and phone in another unit
            "moved": make_case(s, unit=xinle, owner="欧阳明远", phone="139 1111 2222",
                               village="南街村", address="长寿街道南街村5号", **later).id,
            # two doors away in the same village, another owner, the same trade and products
            "restart": make_case(s, owner="钱林", phone="13800009999", village="东关村委会",
                                 address="灵寿镇东关村委会14号", **later).id,
            # the same address, upgraded with paperwork: 类散乱污
            "quasi": make_case(s, owner="李发", phone="13700001111", village="东关村",
                               address="灵寿镇东关村12号",
                               classification=Classification.UPGRADE, **later).id,
            # found before the old case was closed: never a candidate
            "earlier": make_case(s, unit=xinle, owner="欧阳明远", phone="13911112222",
                                 village="北街村", address="北街村7号",
                                 discovered_on=dt.date(2025, 1, 5)).id,
            # a far number in the same village, nothing else in common
            "far": make_case(s, owner="孙某", phone="13600000000", village="东关村",
                             address="灵寿镇东关村80号", industry_id=None, main_products=None,
                             **later).id,
        }  # fmt: skip
        s.commit()
    return ids


def _open(database, actor=CITY):
    return unit_of_work.run(database, actor, scan_leads).value.open


def test_scan_finds_each_kind_with_its_evidence_and_stores_it(database, story):
    outcome = unit_of_work.run(database, CITY, scan_leads)
    found = {(c.case_id, c.other_case_id): c for c in outcome.value.open}
    assert set(found) == {(story[k], story["old"]) for k in ("moved", "restart", "quasi")}
    moved = found[(story["moved"], story["old"])]
    assert moved.kind == "relocation"
    fields = {e["field"]: e for e in moved.evidence}
    assert {"phone", "owner"} <= set(fields)
    assert fields["phone"]["this"] == "139 1111 2222"
    assert fields["phone"]["other"] == "13911112222"
    restart = found[(story["restart"], story["old"])]
    assert restart.kind == "relapse"
    assert {e["field"]: e["how"] for e in restart.evidence}["address"] == "同村相距 2 个门牌号"
    assert found[(story["quasi"], story["old"])].kind == "similar"
    scores = [c.score for c in outcome.value.open]
    assert scores == sorted(scores, reverse=True)
    assert "leads" in outcome.topics
    with database.session() as s:
        rows = list_leads(s, CITY)
        assert len(rows) == 3
        assert rows[0].other_side["owner"] == "欧阳明远"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "leads_scan")).one()
        assert json.loads(entry.detail)["new"] == 3
    # a second scan finds nothing new and keeps the three
    again = unit_of_work.run(database, CITY, scan_leads).value
    assert (again.new, len(again.open)) == (0, 3)


def test_a_dismissed_pair_stays_dismissed_until_new_evidence(database, story):
    _open(database)
    with database.session() as s:
        lead_id = s.scalar(select(Lead.id).where(Lead.case_id == story["restart"]))
    with pytest.raises(ValidationError):
        unit_of_work.run(database, CITY, dismiss_lead, lead_id, "  ")
    unit_of_work.run(database, CITY, dismiss_lead, lead_id, "已现场核实，为合法经营的其他企业")
    assert story["restart"] not in {c.case_id for c in _open(database)}
    with database.session() as s:
        lead = s.get(Lead, lead_id)
        assert lead.status == LeadStatus.DISMISSED
        assert lead.reason.startswith("已现场核实")
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "dismiss", AuditEntry.object_type == "lead")) == 1  # fmt: skip
        # new evidence: the newer case turns out to use the old owner's phone
        case = s.get(Case, story["restart"])
        case.phone = "13911112222"
        s.commit()
    reopened = {c.case_id: c for c in _open(database)}
    assert story["restart"] in reopened
    assert "phone" in {e["field"] for e in reopened[story["restart"]].evidence}
    with database.session() as s:
        assert s.get(Lead, lead_id).status == LeadStatus.OPEN
    unit_of_work.run(database, CITY, confirm_lead, lead_id)
    with pytest.raises(WorkflowError):  # not twice
        unit_of_work.run(database, CITY, confirm_lead, lead_id)


def test_confirming_writes_the_look_back_links_the_cases_or_flags_quasi(database, story):
    _open(database)
    with database.session() as s:
        by_case = {case_id: i for i, case_id in s.execute(select(Lead.id, Lead.case_id))}
    outcome = unit_of_work.run(database, CITY, confirm_lead, by_case[story["moved"]],
                               note="经现场核实为同一业主")  # fmt: skip
    assert {"leads", "cases"} <= outcome.topics
    with database.session() as s:
        old = s.get(Case, story["old"])
        assert old.status == CaseStatus.IN_PROGRESS
        assert old.is_relapsed
        assert old.relapse_count == 1
        lookback = s.scalars(select(CaseLookback).where(CaseLookback.case_id == old.id)).one()
        assert lookback.result == LookbackResult.RELOCATED
        assert "经现场核实为同一业主" in lookback.note
        links = links_of(s, story["moved"])
        assert [(k.case_id, k.other_case_id, k.kind) for k in links] == [
            (story["moved"], story["old"], LeadKind.RELOCATION)
        ]
        actions = set(
            s.scalars(select(AuditEntry.action).where(AuditEntry.object_type.in_(("lead", "case"))))
        )
        assert {"confirm", "lookback"} <= actions
    # the old case is open again: the 类散乱污 confirmation still flags and links
    unit_of_work.run(database, CITY, confirm_lead, by_case[story["quasi"]])
    with database.session() as s:
        assert s.get(Case, story["quasi"]).is_quasi is True
        assert s.get(Lead, by_case[story["quasi"]]).status == LeadStatus.CONFIRMED
        assert len(links_of(s, story["old"])) == 2
    # confirmed pairs are not raised again; the old case is open again (no longer closed), so
    # the next scan drops the candidate still open against it
    assert _open(database) == []
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 2


def test_county_clerks_see_and_decide_only_their_units_leads(database, story):
    _open(database)
    with database.session() as s:
        lingshou, xinle, jinzhou = unit(s, "灵寿县"), unit(s, "新乐市"), unit(s, "晋州市")
        moved = s.scalar(select(Lead.id).where(Lead.case_id == story["moved"]))
        assert len(list_leads(s, county(lingshou.id))) == 3
        assert [r.case_id for r in list_leads(s, county(xinle.id))] == [story["moved"]]
        assert list_leads(s, county(jinzhou.id)) == []
    # 新乐's clerk may not write the look-back on 灵寿's case
    with pytest.raises(PermissionDenied):
        unit_of_work.run(database, county(xinle.id), confirm_lead, moved)
    with database.session() as s:
        assert s.get(Lead, moved).status == LeadStatus.OPEN
        assert s.get(Case, story["old"]).status == CaseStatus.CLOSED
    # a county clerk's scan sees only its unit's cases and removes nothing found city-wide
    unit_of_work.run(database, county(xinle.id), scan_leads)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 3


def test_blocking_finds_what_comparing_every_pair_finds():
    """The blocked, pruned search raises exactly the candidates that scoring every pair of a
    small register raises (shared and rare phones and names, villages, trades, dates)."""
    import random

    from controllers.leads.scan import find_candidates
    from controllers.leads.scoring import Site, after_closure, compare, is_old

    rng = random.Random(17)
    # a common name, names 5 and 6 cases share, close names (one character apart), unique ones
    owners = ["王伟"] * 40 + ["李强"] * 6 + ["张敏"] * 5 + ["", ""] * 10
    owners += [
        f"{stem}{end}" for stem in ("欧阳明远", "司马俊峰", "上官志强") for end in "山川河"
    ] * 3
    owners += [f"业主{n}" for n in range(240 - len(owners))]
    rng.shuffle(owners)
    phones = ["031188886666", "", *(f"138{n:08d}" for n in range(100))]
    sites = []
    for case_id, owner in enumerate(owners, start=1):
        closed = rng.random() < 0.5
        seen = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(900))
        unit_id, town = rng.choice([(1, "灵寿"), (1, "北洼"), (2, "城关")])
        village = rng.choice(["东关", "西关", ""])  # a village's name is its own
        sites.append(Site(
            case_id, unit_id, town, village and f"{town}{village}",
            rng.choice([None, *range(1, 12)]), owner,
            rng.choice(phones), rng.choice(["东关蛭石厂", "东关蛭石加工厂", "西关五金"]),
            rng.choice([None, 1, 1, 1, 2]), rng.choice(["", "膨胀蛭石", "膨胀蛭石"]),
            rng.choice(["shutdown", "relocate", "upgrade"]),
            "closed" if closed else "in_progress", seen,
            seen + dt.timedelta(days=rng.randrange(30, 200)) if closed else None,
        ))  # fmt: skip
    phone_counts = Counter(s.phone for s in sites if s.phone)
    owner_counts = Counter(s.owner for s in sites if s.owner)
    every = {
        (c.case_id, c.other_case_id, c.kind, round(c.score, 9))
        for this in sites
        for old in sites
        if is_old(old) and after_closure(this, old)
        and (c := compare(this, old, phone_counts, owner_counts)) is not None
    }  # fmt: skip
    blocked = {
        (c.case_id, c.other_case_id, c.kind, round(c.score, 9)) for c in find_candidates(sites)
    }
    assert len(every) > 20
    assert {k for _i, _j, k, _s in every} == {"relocation", "relapse", "similar"}
    assert blocked == every
