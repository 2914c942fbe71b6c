"""The campaign after the report's date: what the demo adds between 5月31日 and the as-of date.

One function per story element, each ``element(world) -> counts`` with its own random stream
(:func:`controllers.demo.timeline.stream`), planning whole lives and cutting them at the as-of
date. Add an element by appending it to :data:`ELEMENTS`.

- :func:`campaign_events`: the dated meetings and notices the report cites (5月10日 调度会,
  5月31日 转发省大气办通知, and the ones after);
- :func:`quasi_cases`: 类散乱污 — banned sites restarted near the old spot and given permits;
- :func:`new_sites`: the dynamic list keeps receiving sites (网格巡查, 信访举报, 督导抽查,
  电力数据研判, 上级督查交办), each on its way from 待整治 to 已销号, some late;
- :func:`stalled_upgrades`: 提升改造 cases told to rectify that never reached the standard;
- :func:`lookback_relapses`: look-back rounds that find 死灰复燃 / 异地转移 / 整改不到位.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from controllers.demo import names
from controllers.demo.timeline import cut_row, stream
from models import (
    Batch,
    Campaign,
    CampaignEvent,
    Case,
    CaseChange,
    CaseCheck,
    CaseLookback,
    Industry,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
    Township,
    Unit,
)
from models.codes import (
    CampaignEventKind,
    CaseStatus,
    CheckItem,
    Classification,
    FindingKind,
    LookbackResult,
    PollutionType,
    ProblemType,
    SiteResult,
    Source,
    join_codes,
)

__all__ = ["ELEMENTS", "World", "stream"]

#: where the ministry's group found the problem trades (unit code → industry code)
FOCUS = {
    "xinle": "asphalt_felt",
    "lingshou": "vermiculite",
    "jingxing": "calcium_magnesium",
    "jinzhou": "wire_drawing",
    "wuji": "small_board",
}
NEW_SOURCES = (
    (Source.GRID_PATROL, 0.34),
    (Source.COMPLAINT, 0.24),
    (Source.SPOT_CHECK, 0.14),
    (Source.POWER_DATA, 0.16),
    (Source.REFERRAL, 0.08),
    (Source.SELF_CHECK, 0.04),
)
NEW_CLASSES = (
    (Classification.SHUTDOWN, 0.62),
    (Classification.UPGRADE, 0.26),
    (Classification.RELOCATE, 0.12),
)
DONE_NOTE = {
    Classification.SHUTDOWN: "已完成“两断三清”，依法取缔",
    Classification.RELOCATE: "已搬迁入园",
    Classification.UPGRADE: "已完成提升改造，手续齐全，达标排放",
}
OPEN_NOTE = {
    Classification.SHUTDOWN: "已断水断电，正在清除原料、产品和设备",
    Classification.RELOCATE: "正在办理入园手续，已停产",
    Classification.UPGRADE: "正在建设治污设施、补办环评手续，已停产",
}


@dataclass
class World:
    """What the story elements build on (made by :func:`controllers.demo.generate_demo`)."""

    session: Session
    seed: int
    as_of: dt.date
    report_day: dt.date  # the story after the report starts the next day
    units: list[Unit]
    townships: dict[int, list[Township]]
    industries: dict[str, Industry]
    campaign: Campaign
    added: Batch  # the 新增 batch
    annual: list[tuple[int, dict]]  # (case id, row) of the annual lists' cases

    def annual_of(self, unit_id: int) -> list[tuple[int, dict]]:
        """The annual lists' cases of a unit."""
        if not hasattr(self, "_by_unit"):
            self._by_unit: dict[int, list[tuple[int, dict]]] = {}
            for cid, row in self.annual:
                self._by_unit.setdefault(row["unit_id"], []).append((cid, row))
        return self._by_unit.get(unit_id, [])

    def days_after_report(self) -> list[dt.date]:
        first = self.report_day + dt.timedelta(days=1)
        return [first + dt.timedelta(days=i) for i in range((self.as_of - first).days + 1)]


def _pick(rng: random.Random, weighted) -> object:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


# -- campaign events --------------------------------------------------------------------
EVENTS = [
    (
        dt.date(2026, 5, 10),
        CampaignEventKind.MEETING,
        "全市生态环境系统“散乱污”工作专项调度",
        "针对各县（市、区）全面排查情况，结合上级督查交办及市生态环境局督导抽查的结果，对全市生态环境"
        "系统“散乱污”工作进展情况进行了专项调度。通报了全市“散乱污”专项整治工作情况进展及存在问题，"
        "对“散乱污”工作进行了再部署再提醒，对下一步工作提出了具体要求：要求各县（市、区）严密组织"
        "自查自纠，举一反三，下苦功，用实招，采取坚决果断措施，加大整改力度，尽快落地见效，上报材料"
        "时主要领导要签字背书，确保5月25日前全面排查动态清零。",
    ),
    (
        dt.date(2026, 5, 31),
        CampaignEventKind.NOTICE,
        "转发省大气办《关于继续加强“散乱污”企业再排查再整治工作的通知》",
        "我市转发了省大气办《关于继续加强“散乱污”企业再排查再整治工作的通知》，同时对市领导指出的"
        "“类散乱污”问题提出了明确要求，要求各县（市、区）继续加强“散乱污”企业再排查再整治工作，加大"
        "检查力度，增密检查频次，做到不留死角、不留盲区、不留隐患。",
    ),
    (
        dt.date(2026, 7, 3),
        CampaignEventKind.MEETING,
        "“回头看”工作部署调度会",
        "市“散乱污”整治办召开“回头看”工作部署调度会，要求各县（市、区）对已销号企业逐一开展"
        "“回头看”，重点排查“小微型”“家庭化”“作坊化”企业死灰复燃、异地转移问题。",
    ),
    (
        dt.date(2026, 9, 15),
        CampaignEventKind.NOTICE,
        "印发《关于开展“类散乱污”问题专项整改的通知》",
        "市“散乱污”整治办印发《关于开展“类散乱污”问题专项整改的通知》，对原址或附近重新开工并补办"
        "手续的淘汰类企业逐一复核，产能和治污设施未明显提升的重新纳入动态整治清单。",
    ),
    (
        dt.date(2026, 11, 10),
        CampaignEventKind.MEETING,
        "四季度“散乱污”整治工作调度会",
        "市生态环境局召开四季度“散乱污”整治工作调度会，通报逾期未完成整治和“回头看”发现反弹的"
        "企业，要求相关县（市、区）限期整改到位、销号一起。",
    ),
]


def campaign_events(w: World) -> dict[str, int]:
    """The dated meetings and notices up to the as-of date."""
    n = 0
    for day, kind, title, summary in EVENTS:
        if day <= w.as_of:
            w.campaign.events.append(
                CampaignEvent(occurred_on=day, kind=kind, title=title, summary=summary)
            )
            n += 1
    w.session.flush()
    return {"events": n}


# -- 类散乱污 -----------------------------------------------------------------------------
QUASI_UNITS = ("lingshou", "jingxing", "wuji")


def quasi_cases(w: World) -> dict[str, int]:
    """Three banned sites in the problem trades restarted at or near the old address and were
    given permits without a real upgrade: flagged 类散乱污 (the report's problem 二)."""
    rng = stream(w.seed, "quasi")
    by_code = {u.id: u.code for u in w.units}
    picked = []
    for code in QUASI_UNITS:
        pool = [
            (cid, row)
            for cid, row in w.annual
            if by_code.get(row["unit_id"]) == code
            and row["classification"] == Classification.SHUTDOWN
            and row["status"] == CaseStatus.CLOSED
        ]
        if pool:
            picked.append(rng.choice(pool))
    for cid, _row in picked:
        w.session.execute(
            update(Case)
            .where(Case.id == cid)
            .values(
                is_quasi=True,
                remark="“两断三清”后在原址附近重新开工建设，县区为其补办手续，"
                "产能和治污设施未有明显提升（“类散乱污”）",
            )
            .execution_options(synchronize_session=False)
        )
    return {"quasi": len(picked)}


# -- new sites after the report ------------------------------------------------------------
def _new_row(
    w: World,
    rng: random.Random,
    unit: Unit,
    day: dt.date,
    source: Source,
    classification: Classification,
) -> dict:
    town = rng.choice(w.townships[unit.id])
    vill = names.village(rng)
    focus = FOCUS.get(unit.code)
    icode = focus if focus and rng.random() < 0.4 else rng.choice(sorted(w.industries))
    return dict(
        unit_id=unit.id,
        township_id=town.id,
        village=vill,
        name=None if rng.random() < 0.12 else names.enterprise_name(rng, vill, icode),
        owner=names.person(rng),
        phone=names.phone(rng) if rng.random() < 0.9 else None,
        address=f"{town.name}{vill}{rng.choice(('村东', '村西', '村南', '村北', ''))}"
        f"{rng.randint(1, 300)}号",
        industry_id=w.industries[icode].id,
        main_products=names.products_of(rng, icode),
        problem_types=join_codes(
            [ProblemType.SCATTERED, ProblemType.POLLUTING]
            + ([ProblemType.DISORDERLY] if rng.random() < 0.6 else [])
        ),
        pollution_types=join_codes(
            [PollutionType.AIR]
            if rng.random() < 0.75
            else [PollutionType.SOLID, PollutionType.NOISE]
        ),
        classification=classification,
        measures=names.MEASURES[classification.value],
        resp_first=names.person(rng),
        resp_direct=names.person(rng),
        resp_specific=names.person(rng),
        source=source,
        discovered_on=day,
        batch_id=w.added.id,
        is_quasi=False,
        is_relapsed=False,
        relapse_count=0,
        version=1,
        created_at=dt.datetime.combine(day, dt.time(10, 0)),
        updated_at=dt.datetime.combine(day, dt.time(10, 0)),
    )


def _plan(rng: random.Random, row: dict, day: dt.date, late: bool, never: bool) -> dict:
    """Deadline and the planned dates of the work (None: never finished)."""
    deadline = day + dt.timedelta(days=rng.choice((30, 45, 60, 60, 90)))
    span = (deadline - day).days
    completed = None
    if not never:
        completed = day + dt.timedelta(days=rng.randint(7, span))
        if late:
            completed = deadline + dt.timedelta(days=rng.randint(5, 75))
    row.update(
        deadline=deadline,
        _started_on=day + dt.timedelta(days=rng.randint(1, 10)),
        progress_note=DONE_NOTE[row["classification"]],
        completed_on=completed,
        township_checked_on=completed and completed + dt.timedelta(days=rng.randint(1, 5)),
        accepted_on=completed and completed + dt.timedelta(days=rng.randint(6, 20)),
        approved_by=names.person(rng),
        closed_on=completed and completed + dt.timedelta(days=rng.randint(21, 40)),
        status=CaseStatus.CLOSED,
    )
    return row


def _insert_cases(w: World, rows: list[dict]) -> list[tuple[int, dict]]:
    """Insert cut rows (with their 两断三清 items); returns (id, row) pairs."""
    if not rows:
        return []
    keys = set().union(*rows)
    full = [{k: r.get(k) for k in keys} for r in rows]
    stmt = insert(Case).returning(Case.id, sort_by_parameter_order=True)
    ids = [i for (i,) in w.session.execute(stmt, full)]
    out = list(zip(ids, rows, strict=True))
    checks = []
    for case_id, row in out:
        if row["classification"] == Classification.SHUTDOWN:
            done = row.get("completed_on")
            found = row["discovered_on"]
            for k, item in enumerate(CheckItem):
                # 断水、断电 come first; the three 清 with the completion
                day = done or (found + dt.timedelta(days=2 + k) if k < 2 else None)
                if day is not None and day > w.as_of:
                    day = None
                checks.append(dict(case_id=case_id, item=item, done_on=day, version=1))
    if checks:
        w.session.execute(insert(CaseCheck), checks)
    return out


def _spot_check_for(w: World, rng: random.Random, case_id: int, row: dict, unit: Unit) -> None:
    """The enforcement group that found a site during a city spot check after the report."""
    check = SpotCheck(
        campaign_id=w.campaign.id,
        checked_on=row["discovered_on"],
        group_name="第1执法检查组",
        unit_id=unit.id,
        created_at=dt.datetime.combine(row["discovered_on"], dt.time(18, 0)),
    )
    people = [names.person(rng) for _ in range(rng.randint(3, 5))]
    check.leader = people[0]
    for i, person in enumerate(people):
        check.members.append(
            SpotCheckMember(name=person, post="执法大队" if i else "带队领导", is_leader=i == 0)
        )
    label = row["name"] or f"{row['address']}（{row['owner']}）"
    check.sites.append(
        SpotCheckSite(
            case_id=case_id,
            site_name=label,
            address=row["address"],
            result=SiteResult.PROBLEM,
            note="无审批手续，污染环境",
        )
    )
    unit_cases = w.annual_of(unit.id)
    for cid, r in rng.sample(unit_cases, min(rng.randint(3, 6), len(unit_cases))):
        check.sites.append(
            SpotCheckSite(
                case_id=cid,
                site_name=r["name"] or f"{r['address']}（{r['owner']}）",
                address=r["address"],
                result=SiteResult.OK,
            )
        )
    check.findings.append(
        SpotCheckFinding(
            kind=FindingKind.NEW_CASE,
            case_id=case_id,
            description="新增“散乱污”企业，已纳入动态整治清单",
        )
    )
    w.session.add(check)


def new_sites(w: World) -> dict[str, int]:
    """Sites found day by day after the report: most finished in time, some late, a few not
    yet; city spot checks record the group that found theirs."""
    rng = stream(w.seed, "new_sites")
    weights = [3 if u.kind == "district" else 1 if u.kind == "park" else 6 for u in w.units]
    rows: list[tuple[dict, Unit]] = []
    for day in w.days_after_report():
        for _ in range(rng.choices((0, 1, 2, 3, 4), (0.28, 0.32, 0.22, 0.12, 0.06))[0]):
            unit = rng.choices(w.units, weights)[0]
            source = _pick(rng, NEW_SOURCES)
            cls = _pick(rng, NEW_CLASSES)
            row = _new_row(w, rng, unit, day, source, cls)
            fate = rng.random()
            _plan(rng, row, day, late=0.72 <= fate < 0.9, never=fate >= 0.96)
            cut = cut_row(row, w.as_of, OPEN_NOTE[cls])
            if cut is not None:
                rows.append((cut, unit))
    inserted = _insert_cases(w, [r for r, _ in rows])
    for (case_id, row), (_r, unit) in zip(inserted, rows, strict=True):
        if row["source"] == Source.SPOT_CHECK:
            _spot_check_for(w, rng, case_id, row, unit)
    w.session.flush()
    return {"new_sites": len(inserted)}


def stalled_upgrades(w: World) -> dict[str, int]:
    """提升改造 cases found in June and July, told to upgrade and obtain permits, that never
    reached the standard and sit idle (长期停产) months past their deadline."""
    rng = stream(w.seed, "stalled")
    first = w.report_day + dt.timedelta(days=5)
    rows = []
    for k in range(6):
        unit = w.units[rng.randrange(len(w.units))]
        code = next((c for c in FOCUS if rng.random() < 0.5), None)
        if code is not None:
            unit = next(u for u in w.units if u.code == code)
        day = first + dt.timedelta(days=rng.randint(0, 50) + 3 * k)
        row = _new_row(w, rng, unit, day, _pick(rng, NEW_SOURCES), Classification.UPGRADE)
        _plan(rng, row, day, late=False, never=True)
        row["deadline"] = day + dt.timedelta(days=30)
        row["remark"] = "已提出整改和补办手续要求，至今未达到整改标准，长期处于停产状态"
        cut = cut_row(row, w.as_of, "已停产，治污设施未建成，环评手续未补办")
        if cut is not None:
            rows.append(cut)
    return {"stalled": len(_insert_cases(w, rows))}


# -- look-backs after the report -------------------------------------------------------------
#: (first day, last day, sites re-checked per unit) of each 回头看 round
ROUNDS = (
    (dt.date(2026, 7, 6), dt.date(2026, 7, 24), 8),
    (dt.date(2026, 10, 9), dt.date(2026, 10, 27), 8),
)
RELAPSE_RESULTS = (
    (LookbackResult.RELAPSE, 0.6),
    (LookbackResult.RELOCATED, 0.3),
    (LookbackResult.SUBSTANDARD, 0.1),
)


def lookback_relapses(w: World) -> dict[str, int]:
    """Rounds of 回头看 over closed cases (the problem trades more often): most still clean, a
    few restarted on the spot (死灰复燃) or moved (异地转移): reopened as 整治中, like
    :func:`controllers.cases.lookbacks.record_lookback` does, some rectified again since."""
    rng = stream(w.seed, "lookbacks")
    by_unit: dict[int, list[tuple[int, dict]]] = {}
    for cid, row in w.annual:
        if row["status"] == CaseStatus.CLOSED:
            by_unit.setdefault(row["unit_id"], []).append((cid, row))
    focus_ids = {w.industries[c].id for c in FOCUS.values()}
    done: set[int] = set()
    lookbacks, relapses = [], 0
    for first, last, per_unit in ROUNDS:
        if first > w.as_of:
            break
        for unit in w.units:
            pool = [p for p in by_unit.get(unit.id, []) if p[0] not in done]
            for cid, row in rng.sample(pool, min(per_unit, len(pool))):
                day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
                small = row["industry_id"] in focus_ids or row["name"] is None
                relapse = rng.random() < (0.06 if small else 0.012)
                result = _pick(rng, RELAPSE_RESULTS) if relapse else LookbackResult.NORMAL
                if (
                    result == LookbackResult.SUBSTANDARD
                    and row["classification"] != Classification.UPGRADE
                ):
                    result = LookbackResult.RELAPSE
                inspector = names.person(rng)
                again = rng.random() < 0.45  # rectified again since
                redo = day + dt.timedelta(days=rng.randint(12, 40))
                if day > w.as_of:
                    continue
                done.add(cid)
                lookbacks.append(
                    dict(
                        case_id=cid,
                        campaign_id=w.campaign.id,
                        checked_on=day,
                        result=result,
                        inspector=inspector,
                        version=1,
                        note=None if relapse else "现场已无生产迹象",
                    )
                )
                if relapse:
                    relapses += 1
                    _reopen(w, cid, row, result, day, redo if again else None)
    if lookbacks:
        w.session.execute(insert(CaseLookback), lookbacks)
    return {"lookbacks": len(lookbacks), "relapses": relapses}


def _reopen(
    w: World, case_id: int, row: dict, result: LookbackResult, day: dt.date, redone: dt.date | None
) -> None:
    """The case as the look-back left it: back to 整治中 with its close-out cleared (kept in
    the history), a new deadline; rectified again by ``redone`` if the date has come."""
    values: dict = dict(
        status=CaseStatus.IN_PROGRESS,
        is_relapsed=True,
        relapse_count=1,
        completed_on=None,
        township_checked_on=None,
        accepted_on=None,
        approved_by=None,
        closed_on=None,
        deadline=day + dt.timedelta(days=30),
        progress_note=f"回头看发现{result.label}，已责令停产并重新整治",
    )
    if redone is not None and redone <= w.as_of:
        values.update(
            status=CaseStatus.COMPLETED,
            completed_on=redone,
            township_checked_on=redone,
            progress_note=DONE_NOTE[row["classification"]],
        )
    w.session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    at = dt.datetime.combine(day, dt.time(17, 30))
    note = f"回头看：{result.label}"
    changes = [("status", CaseStatus.CLOSED.value, CaseStatus.IN_PROGRESS.value)]
    changes += [
        (k, str(row[k]), None) for k in ("completed_on", "accepted_on", "closed_on") if row.get(k)
    ]
    w.session.execute(
        insert(CaseChange),
        [
            dict(
                case_id=case_id,
                changed_at=at,
                username="system",
                field=f,
                old_value=o,
                new_value=n,
                note=note,
            )
            for f, o, n in changes
        ],
    )
    if row["classification"] == Classification.SHUTDOWN:
        w.session.execute(
            update(CaseCheck)
            .where(CaseCheck.case_id == case_id)
            .values(done_on=redone if redone is not None and redone <= w.as_of else None)
            .execution_options(synchronize_session=False)
        )


ELEMENTS: list[Callable[[World], dict[str, int]]] = [
    campaign_events,
    quasi_cases,
    new_sites,
    stalled_upgrades,
    lookback_relapses,
]
