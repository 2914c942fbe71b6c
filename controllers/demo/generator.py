"""Fill an empty database with demo data that tells the story of the city's work report.

As of the report's date (5月31日) the figures are the report's (``../shared/seed-report.md``):
two annual lists of 18,959 and 1,464 classified cases, all finished; spot checks from 5月7日
to 25日 with 33 groups, 127 person-times, 199 sites and 4 new cases found (banned before
5月25日); 25 commitment letters signed on 5月17日; the 5月10日 scheduling meeting and the
5月31日 forwarded notice. After that date the campaign goes on (:mod:`controllers.demo.story`)
up to the as-of date: the world is built as it stood on that date.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from controllers.actor import SYSTEM, Actor
from controllers.audit.trail import record
from controllers.demo import names, story
from controllers.demo.accounts import create_demo_accounts
from controllers.demo.leads_story import plant_leads_story
from controllers.demo.timeline import cut_row
from controllers.letters.templates import ensure_default_template
from controllers.settings import CITY_NAME, set_setting
from models import (
    AccountabilityPerson,
    AccountabilityProblem,
    AccountabilityRecord,
    AccountabilityRule,
    Batch,
    Campaign,
    CampaignStage,
    Case,
    CaseCheck,
    CaseLookback,
    CountyReturn,
    Industry,
    Letter,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
    Township,
    Unit,
)
from models.codes import (
    AccountabilityStatus,
    BatchKind,
    CaseStatus,
    CheckItem,
    Classification,
    FindingKind,
    LetterStatus,
    LookbackResult,
    Measure,
    PollutionType,
    ProblemKind,
    ProblemType,
    ReturnStatus,
    SiteResult,
    Source,
    StageKind,
    join_codes,
)

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class DemoFigures:
    """The report's figures the demo reproduces."""

    list_sizes: tuple[tuple[int, int], ...] = ((2024, 18_959), (2025, 1_464))
    campaign_year: int = 2026
    spot_check_first: dt.date = dt.date(2026, 5, 7)
    spot_check_last: dt.date = dt.date(2026, 5, 25)
    groups: int = 33
    person_times: int = 127
    sites: int = 199
    new_found: int = 4
    self_check_deadline: dt.date = dt.date(2026, 5, 25)
    letters_issued_on: dt.date = dt.date(2026, 5, 17)
    report_day: dt.date = dt.date(2026, 5, 31)  # the report's date; the story goes on after it
    city_name: str = "石家庄市"


class DemoRefused(Exception):
    """The database already holds data; the demo never touches it."""


#: relative size of each unit's lists (urban districts small, big counties large)
UNIT_WEIGHTS = {
    "changan": 2, "qiaoxi": 2, "xinhua": 3, "yuhua": 2, "jingxingkuangqu": 4, "gaocheng": 8,
    "luquan": 7, "luancheng": 6, "jingxing": 6, "zhengding": 7, "xingtang": 6, "lingshou": 6,
    "gaoyi": 4, "shenze": 4, "zanhuang": 4, "wuji": 7, "pingshan": 6, "yuanshi": 6,
    "zhaoxian": 7, "xinji": 8, "jinzhou": 7, "xinle": 6, "zhengdingxinqu": 2, "gaoxinqu": 3,
    "xunhuanhuagong": 2,
}  # fmt: skip
#: the problem industries the ministry's group named, and where
FOCUS_INDUSTRY = {
    "xinle": "asphalt_felt",
    "lingshou": "vermiculite",
    "jingxing": "calcium_magnesium",
    "jinzhou": "wire_drawing",
    "wuji": "small_board",
}
CLASS_WEIGHTS = ((Classification.SHUTDOWN, 0.56), (Classification.UPGRADE, 0.33),
                 (Classification.RELOCATE, 0.11))  # fmt: skip
SOURCE_WEIGHTS = ((Source.SELF_CHECK, 0.62), (Source.GRID_PATROL, 0.12), (Source.REFERRAL, 0.08),
                  (Source.SPOT_CHECK, 0.07), (Source.COMPLAINT, 0.06), (Source.POWER_DATA, 0.05))  # fmt: skip
HEAD_TITLE = {"county": "县长", "city": "市长", "district": "区长", "park": "管委会主任"}


def database_has_data(session: Session) -> bool:
    """True when any case, letter, return, spot check or accountability record exists."""
    for model in (Case, Letter, CountyReturn, SpotCheck, AccountabilityRecord, Campaign):
        if session.scalar(select(func.count()).select_from(model)):
            return True
    return False


def split_total(rng: random.Random, total: int, parts: int, low: int, high: int) -> list[int]:
    """``parts`` integers within [low, high] summing exactly to ``total``."""
    if not low * parts <= total <= high * parts:
        raise ValueError("total out of reach")
    values = [low] * parts
    for _ in range(total - low * parts):
        i = rng.choice([k for k in range(parts) if values[k] < high])
        values[i] += 1
    return values


def apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``total`` by weight."""
    wsum = sum(weights.values())
    raw = {k: total * w / wsum for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[:rest]:
        out[k] += 1
    return out


def _pick(rng: random.Random, weighted: Sequence[tuple[object, float]]):
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


class _DemoBuilder:
    def __init__(
        self,
        session: Session,
        seed: int,
        figures: DemoFigures,
        progress: Progress,
        as_of: dt.date,
    ):
        self.s = session
        self.seed = seed
        self.rng = random.Random(seed)
        self.f = figures
        self.as_of = as_of
        self.progress = progress
        self.units = list(session.scalars(select(Unit).order_by(Unit.sort_order)))
        if len(self.units) != 25:
            raise DemoRefused(f"演示数据需要 25 个责任单位，数据库中有 {len(self.units)} 个")
        self.industries = {i.code: i for i in session.scalars(select(Industry))}
        self.common_industries = [c for c in self.industries if c not in FOCUS_INDUSTRY.values()]
        self.townships: dict[int, list[Township]] = {}
        self.heads: dict[int, tuple[str, str]] = {}

    # -- reference data --------------------------------------------------------------
    def units_and_townships(self) -> None:
        rng = self.rng
        for unit in self.units:
            head = names.person(rng)
            unit.head_name = head
            unit.head_title = HEAD_TITLE.get(str(unit.kind), "负责人")
            unit.contact_name = names.person(rng)
            unit.contact_phone = f"0311-{rng.randrange(10**7, 10**8)}"
            if not unit.townships:
                count = 3 if unit.kind == "park" else rng.randint(6, 12)
                urban = unit.kind in ("district", "park")
                for i, name in enumerate(names.township_names(rng, count, urban), start=1):
                    unit.townships.append(Township(name=name, sort_order=i))
        self.s.flush()
        for unit in self.units:
            self.townships[unit.id] = list(unit.townships)
        set_setting(self.s, CITY_NAME, self.f.city_name)

    def campaign(self) -> tuple[Campaign, dict[StageKind, CampaignStage]]:
        year = self.f.campaign_year
        camp = Campaign(
            name=f"{year}年“散乱污”企业持续排查整治专项行动",
            year=year,
            plan_title=f"《{self.f.city_name}“散乱污”企业持续整治专项行动方案》",
            started_on=dt.date(year, 3, 1),
            requirements="\n".join(
                [
                    "对照以往年度“散乱污”企业整治清单，全面开展“回头看”",
                    "持续排查整治，发现一起、查处一起、取缔一起",
                    "建立动态整治清单，实行销号制度，完成整治一起，销号一起",
                    "强化督查问责，依纪依规追究相关责任人责任",
                ]
            ),
        )
        deadline = self.f.self_check_deadline
        stages = {
            StageKind.MOBILISE: CampaignStage(
                kind=StageKind.MOBILISE, name="动员部署", sort_order=1,
                starts_on=dt.date(year, 3, 1), deadline=dt.date(year, 4, 30),
            ),
            StageKind.SELF_INSPECTION: CampaignStage(
                kind=StageKind.SELF_INSPECTION, name="全面自查", sort_order=2,
                starts_on=dt.date(year, 5, 1), deadline=deadline,
            ),
            StageKind.ACCOUNTABILITY: CampaignStage(
                kind=StageKind.ACCOUNTABILITY, name="排查问责", sort_order=3,
                starts_on=deadline + dt.timedelta(days=1), deadline=dt.date(year, 12, 31),
            ),
        }  # fmt: skip
        camp.stages.extend(stages.values())
        self.s.add(camp)
        self.s.flush()
        return camp, stages

    def batches(self) -> dict[int | None, Batch]:
        out: dict[int | None, Batch] = {}
        for i, (year, _size) in enumerate(self.f.list_sizes, start=1):
            out[year] = Batch(name=f"{year}年清单", year=year, kind=BatchKind.ANNUAL, sort_order=i)
        out[None] = Batch(name="新增", year=None, kind=BatchKind.ADDED, sort_order=99)
        self.s.add_all(out.values())
        self.s.flush()
        return out

    # -- cases -----------------------------------------------------------------------
    def _case_row(self, unit: Unit, year: int, batch_id: int, serial: int) -> dict:
        rng = self.rng
        town = rng.choice(self.townships[unit.id])
        vill = names.village(rng)
        focus = FOCUS_INDUSTRY.get(unit.code)
        if focus and rng.random() < 0.38:
            icode = focus
        else:
            icode = rng.choice(self.common_industries)
            if rng.random() < 0.04:
                icode = rng.choice(list(FOCUS_INDUSTRY.values()))
        classification = _pick(rng, CLASS_WEIGHTS)
        discovered = _day(rng, dt.date(year, 1, 5), dt.date(year, 9, 30))
        deadline = discovered + dt.timedelta(days=rng.choice((30, 45, 60, 90, 120)))
        completed = discovered + dt.timedelta(days=rng.randint(7, (deadline - discovered).days))
        checked = completed + dt.timedelta(days=rng.randint(2, 10))
        accepted = checked + dt.timedelta(days=rng.randint(3, 20))
        closed = accepted + dt.timedelta(days=rng.randint(1, 15))
        roll = rng.random()
        if roll < 0.93:
            status = CaseStatus.CLOSED
        elif roll < 0.985:
            status, closed = CaseStatus.ACCEPTED, None
        else:
            status, closed, accepted = CaseStatus.COMPLETED, None, None
        owner = names.person(rng)
        unnamed = rng.random() < 0.04
        problems = {ProblemType.POLLUTING}
        problems.update(
            p for p in (ProblemType.SCATTERED, ProblemType.DISORDERLY) if rng.random() < 0.7
        )
        pollution = {PollutionType.AIR} if rng.random() < 0.8 else {PollutionType.SOLID}
        pollution.update(p for p in PollutionType if rng.random() < 0.15)
        done_note = {
            Classification.SHUTDOWN: "已完成“两断三清”，依法取缔",
            Classification.RELOCATE: "已搬迁入园",
            Classification.UPGRADE: "已完成提升改造，手续齐全，达标排放",
        }[classification]
        return dict(
            serial_no=serial,
            unit_id=unit.id,
            township_id=town.id,
            village=vill,
            name=None if unnamed else names.enterprise_name(rng, vill, icode),
            owner=owner,
            phone=names.phone(rng) if rng.random() < 0.93 else None,
            address=f"{town.name}{vill}{rng.choice(('村东', '村西', '村南', '村北', ''))}"
            f"{rng.randint(1, 300)}号",
            industry_id=self.industries[icode].id,
            main_products=names.products_of(rng, icode),
            problem_types=join_codes(problems),
            pollution_types=join_codes(pollution),
            classification=classification,
            measures=names.MEASURES[classification.value],
            deadline=deadline,
            resp_first=f"{names.person(rng)}",
            resp_direct=f"{names.person(rng)}",
            resp_specific=f"{names.person(rng)}",
            source=_pick(rng, SOURCE_WEIGHTS),
            discovered_on=discovered,
            progress_note=done_note,
            status=status,
            completed_on=completed,
            township_checked_on=checked,
            accepted_on=accepted,
            approved_by=names.person(rng) if closed else None,
            closed_on=closed,
            batch_id=batch_id,
            created_at=dt.datetime.combine(discovered, dt.time(9, 0)),
            updated_at=dt.datetime.combine(closed or accepted or completed, dt.time(17, 0)),
        )

    def annual_lists(self, batches: dict[int | None, Batch]) -> list[tuple[int, dict]]:
        """Insert both annual lists; returns (case id, row) of every case."""
        weights = {u.code: UNIT_WEIGHTS.get(u.code, 4) for u in self.units}
        by_code = {u.code: u for u in self.units}
        table = Case.__table__
        conn = self.s.connection()
        inserted: list[tuple[int, dict]] = []
        for year, size in self.f.list_sizes:
            batch_id = batches[year].id
            counts = apportion(size, weights)
            planned: list[dict] = []
            for code, n in counts.items():
                planned.extend(
                    self._case_row(by_code[code], year, batch_id, k + 1) for k in range(n)
                )
            rows = [r for r in (cut_row(p, self.as_of) for p in planned) if r is not None]
            if not rows:
                continue
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start : start + 5000])
            # (unit, batch, serial) identifies a row: map the new ids back without RETURNING,
            # which is several times slower for wide rows on PostgreSQL.
            ids = {
                (u, k): i
                for i, u, k in conn.execute(
                    select(table.c.id, table.c.unit_id, table.c.serial_no).where(
                        table.c.batch_id == batch_id
                    )
                )
            }
            inserted.extend((ids[(r["unit_id"], r["serial_no"])], r) for r in rows)
            self.progress(30 if year == self.f.list_sizes[0][0] else 45, f"{year}年清单 {size} 家")
        return inserted

    def checklists(self, cases: list[tuple[int, dict]]) -> None:
        """两断三清 of every finished 关停取缔 case, dated around its completion."""
        rows = []
        for case_id, row in cases:
            if row["classification"] != Classification.SHUTDOWN or row["completed_on"] is None:
                continue
            for item in CheckItem:
                done = row["completed_on"] - dt.timedelta(days=self.rng.randint(0, 5))
                rows.append(
                    dict(
                        case_id=case_id,
                        item=item,
                        done_on=max(done, row["discovered_on"]),
                        version=1,
                    )
                )
        for start in range(0, len(rows), 10000):
            self.s.connection().execute(insert(CaseCheck.__table__), rows[start : start + 10000])

    def lookbacks(self, cases: list[tuple[int, dict]], campaign: Campaign) -> None:
        """The campaign's 回头看 of every closed case: all still clean (no relapse found)."""
        year = self.f.campaign_year
        rows = []
        for case_id, row in cases:
            if row["status"] != CaseStatus.CLOSED:
                continue
            day = _day(self.rng, dt.date(year, 3, 10), dt.date(year, 5, 20))
            person = names.person(self.rng)
            if day <= self.as_of and row["closed_on"] < day:
                rows.append(
                    dict(
                        case_id=case_id,
                        campaign_id=campaign.id,
                        checked_on=day,
                        result=LookbackResult.NORMAL,
                        inspector=person,
                        version=1,
                    )
                )
        for start in range(0, len(rows), 10000):
            self.s.connection().execute(insert(CaseLookback.__table__), rows[start : start + 10000])

    # -- spot checks -----------------------------------------------------------------
    def spot_checks(self, campaign: Campaign, cases: list[tuple[int, dict]], added: Batch) -> None:
        rng, f = story.stream(self.seed, "spot_checks"), self.f
        days = [f.spot_check_first + dt.timedelta(days=i)
                for i in range((f.spot_check_last - f.spot_check_first).days + 1)]  # fmt: skip
        per_day = split_total(rng, f.groups, len(days), 1, 2)
        members = split_total(rng, f.person_times, f.groups, 3, 5)
        sites = split_total(rng, f.sites, f.groups, 4, 8)
        finders = set(rng.sample(range(f.groups), f.new_found))
        by_unit: dict[int, list[tuple[int, dict]]] = {}
        for case_id, row in cases:
            by_unit.setdefault(row["unit_id"], []).append((case_id, row))
        unit_cycle = self.units[:]
        rng.shuffle(unit_cycle)
        g = 0
        for day, n in zip(days, per_day, strict=True):
            if day > self.as_of:
                break
            for k in range(n):
                unit = unit_cycle[g % len(unit_cycle)]
                check = SpotCheck(
                    campaign_id=campaign.id,
                    checked_on=day,
                    group_name=f"第{k + 1}执法检查组",
                    unit_id=unit.id,
                    created_at=dt.datetime.combine(day, dt.time(18, 0)),
                )
                people = [names.person(rng) for _ in range(members[g])]
                check.leader = people[0]
                for i, person in enumerate(people):
                    check.members.append(
                        SpotCheckMember(
                            name=person, post="执法大队" if i else "带队领导", is_leader=i == 0
                        )
                    )
                n_sites = sites[g]
                if g in finders:
                    n_sites -= 1
                    check.sites.append(self._new_case_site(rng, check, unit, day, added))
                pool = by_unit.get(unit.id, [])
                for case_id, row in rng.sample(pool, min(n_sites, len(pool))):
                    check.sites.append(
                        SpotCheckSite(
                            case_id=case_id,
                            site_name=row["name"] or f"{row['address']}（{row['owner']}）",
                            address=row["address"],
                            result=SiteResult.OK,
                        )
                    )
                self.s.add(check)
                g += 1
        self.s.flush()

    def _new_case_site(
        self, rng: random.Random, check: SpotCheck, unit: Unit, day: dt.date, added: Batch
    ) -> SpotCheckSite:
        """A new unlisted site found by the group: becomes a case, banned before the deadline."""
        town = rng.choice(self.townships[unit.id])
        vill = names.village(rng)
        icode = FOCUS_INDUSTRY.get(unit.code, "plastic_pellet")
        done = min(
            day + dt.timedelta(days=rng.randint(2, 6)),
            self.f.self_check_deadline - dt.timedelta(days=1),
        )
        closed = self.f.self_check_deadline
        planned = dict(
            unit_id=unit.id,
            township_id=town.id,
            village=vill,
            name=names.enterprise_name(rng, vill, icode),
            owner=names.person(rng),
            phone=names.phone(rng),
            address=f"{town.name}{vill}{rng.randint(1, 200)}号",
            industry_id=self.industries[icode].id,
            main_products=names.products_of(rng, icode),
            problem_types=join_codes(list(ProblemType)),
            pollution_types=join_codes([PollutionType.AIR]),
            classification=Classification.SHUTDOWN,
            measures=names.MEASURES["shutdown"],
            deadline=self.f.self_check_deadline,
            resp_first=names.person(rng),
            resp_direct=names.person(rng),
            resp_specific=names.person(rng),
            source=Source.SPOT_CHECK,
            discovered_on=day,
            progress_note="已完成“两断三清”，依法取缔",
            status=CaseStatus.CLOSED,
            completed_on=done,
            township_checked_on=done,
            accepted_on=done + dt.timedelta(days=1),
            approved_by=names.person(rng),
            closed_on=closed,
            batch_id=added.id,
            remark=f"市级督导抽查（{check.group_name}）发现",
        )
        case = Case(**cut_row(planned, self.as_of, "已断水断电，正在清除原料、产品和设备"))
        case.checks.extend(
            CaseCheck(item=item, done_on=done if done <= self.as_of else None) for item in CheckItem
        )
        self.s.add(case)
        self.s.flush()
        site = SpotCheckSite(case_id=case.id, site_name=case.name, address=case.address,
                             result=SiteResult.PROBLEM, note="无审批手续，污染环境")  # fmt: skip
        check.findings.append(
            SpotCheckFinding(
                kind=FindingKind.NEW_CASE, case_id=case.id, description="新增“散乱污”企业，已取缔"
            )
        )
        return site

    # -- letters, returns, accountability -------------------------------------------
    def letters(self, campaign: Campaign) -> None:
        """The 25 letters, issued and signed with every unit on the same day (5月17日)."""
        template = ensure_default_template(self.s)
        issued = self.f.letters_issued_on
        for unit in self.units:
            issued_by_then = issued <= self.as_of
            self.s.add(
                Letter(
                    unit_id=unit.id,
                    campaign_id=campaign.id,
                    template_id=template.id,
                    status=LetterStatus.SIGNED if issued_by_then else LetterStatus.DRAFT,
                    letter_date=issued,
                    issued_on=issued if issued_by_then else None,
                    due_on=issued + dt.timedelta(days=7),
                    signer_name=unit.head_name if issued_by_then else None,
                    signed_on=issued if issued_by_then else None,
                )
            )

    def returns(self, stage: CampaignStage) -> None:
        rng = story.stream(self.seed, "returns")
        for unit in self.units:
            received = stage.deadline - dt.timedelta(days=rng.randint(0, 6))
            if received > self.as_of:
                continue
            self.s.add(
                CountyReturn(
                    unit_id=unit.id,
                    stage_id=stage.id,
                    file_name=f"{unit.name}“散乱污”企业全面自查清单.xlsx",
                    received_on=received,
                    signer_name=unit.head_name,
                    signed_on=received - dt.timedelta(days=1),
                    published_url=f"http://www.{unit.code}.gov.cn/zwgk/sanluanwu/{received:%Y%m%d}.html",
                    published_on=received,
                    status=ReturnStatus.APPROVED
                    if received + dt.timedelta(days=1) <= self.as_of
                    else ReturnStatus.PENDING,
                    reviewed_at=dt.datetime.combine(
                        received + dt.timedelta(days=1), dt.time(16, 30)
                    )
                    if received + dt.timedelta(days=1) <= self.as_of
                    else None,
                )
            )

    def accountability(self) -> None:
        rule = self.s.scalar(
            select(AccountabilityRule).where(AccountabilityRule.code == "referred_2")
        )
        by_code = {u.code: u for u in self.units}
        samples = [
            ("wuji", Measure.INTERVIEW, AccountabilityStatus.EXECUTED, "无极县〔2025〕12号",
             dt.date(2025, 9, 12), ProblemKind.RELAPSE, "已取缔小板材加工点在原址恢复生产"),
            ("xinle", Measure.CIRCULAR, AccountabilityStatus.DECIDED, "新乐市〔2025〕7号",
             dt.date(2025, 11, 3), ProblemKind.NOT_IN_PLACE, "油毡企业提升改造长期未达标"),
            ("jingxing", Measure.INTERVIEW, AccountabilityStatus.PROPOSED, None, None,
             ProblemKind.OFF_LIST, "钙镁加工点未纳入整治清单"),
        ]  # fmt: skip
        rng = story.stream(self.seed, "accountability")
        for code, measure, status, doc_no, decided, kind, text in samples:
            person = names.person(rng)
            if self.as_of < dt.date(2025, 8, 20):  # the problems were found then
                continue
            if decided is not None and decided > self.as_of:
                status, doc_no, decided = AccountabilityStatus.PROPOSED, None, None
            elif decided is not None and decided + dt.timedelta(days=10) > self.as_of:
                status = AccountabilityStatus.DECIDED
            # proposed with its persons and problems, then decided and carried out: the
            # database freezes a record (and its persons and problems) once decided
            rec = AccountabilityRecord(
                unit_id=by_code[code].id,
                rule_id=rule.id if rule else None,
                clause=rule.clause if rule else None,
                measure=measure,
                status=AccountabilityStatus.PROPOSED,
                summary=text,
            )
            rec.persons.append(AccountabilityPerson(name=person, post="乡镇分管负责同志"))
            rec.problems.append(
                AccountabilityProblem(kind=kind, description=text, found_on=dt.date(2025, 8, 20))
            )
            self.s.add(rec)
            self.s.flush()
            if status != AccountabilityStatus.PROPOSED:
                rec.status, rec.doc_no, rec.decided_on = (
                    AccountabilityStatus.DECIDED,
                    doc_no,
                    decided,
                )
                self.s.flush()
            if status == AccountabilityStatus.EXECUTED:
                rec.status = status
                rec.executed_on = decided + dt.timedelta(days=10)
                self.s.flush()


def generate_demo(
    session: Session,
    seed: int = 2026,
    *,
    as_of: dt.date | None = None,
    figures: DemoFigures | None = None,
    actor: Actor = SYSTEM,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Fill an empty (migrated) database with the demo world as it stood on ``as_of`` (default
    today). Returns counts written.

    Raises :class:`DemoRefused` if the database already holds data.
    """
    figures = figures or DemoFigures()
    as_of = as_of or dt.date.today()
    report = progress or (lambda _pct, _msg: None)
    if database_has_data(session):
        raise DemoRefused(
            "数据库中已有业务数据，演示数据只能写入空数据库 / database already has data"
        )
    b = _DemoBuilder(session, seed, figures, report, as_of)
    report(5, "责任单位与乡镇")
    b.units_and_townships()
    campaign, stages = b.campaign()
    batches = b.batches()
    report(10, "整治清单")
    cases = b.annual_lists(batches)
    report(55, "两断三清")
    b.checklists(cases)
    report(70, "回头看")
    b.lookbacks(cases, campaign)
    report(80, "督导抽查")
    b.spot_checks(campaign, cases, batches[None])
    report(85, "承诺书、县区上报、问责")
    b.letters(campaign)
    b.returns(stages[StageKind.SELF_INSPECTION])
    b.accountability()
    # 线索: the planted truth (leads_story), before the campaign's story, which then leaves
    # the planted cases alone: every as-of world holds the same planted pairs
    planted = plant_leads_story(session, figures.campaign_year).get("case_ids", frozenset())
    report(88, "专项行动进展")
    story_cases = [c for c in cases if c[0] not in planted]
    world = story.World(session, seed, as_of, figures.report_day, b.units, b.townships,
                        b.industries, campaign, batches[None], story_cases)  # fmt: skip
    counts = {"cases": 0, "units": len(b.units)}
    for element in story.ELEMENTS:
        for key, n in element(world).items():
            counts[key] = counts.get(key, 0) + n
    session.flush()
    counts["cases"] = int(session.scalar(select(func.count()).select_from(Case)) or 0)
    counts["accounts"] = len(create_demo_accounts(session))
    record(
        session,
        actor,
        "demo",
        "database",
        None,
        detail={"seed": seed, "as_of": as_of.isoformat(), **counts},
    )
    report(100, "完成")
    logger.info("demo data written: %s", json.dumps(counts))
    return counts
