"""The demo's planted truth for 线索: relocations, relapses, 类散乱污, a power list, a permit list.

Planted (each in villages of their own, so the rest of the demo does not blur the count):
owners who reappear in another unit after their site was closed (same owner and phone; the
phone alone; a changed phone but the same rare name, trade and products), sites restarted a
few doors away, 类散乱污 (a banned site's address now holds an upgraded, permitted business of
the same trade), and power-company premises of closed sites whose consumption resumes. And
look-alikes that are not the same: a common name (王伟) in other villages and units, a village
committee's phone several sites gave, premises whose consumption stays low. And a permit list
(排污许可): banned sites whose address, or the next door, was permitted to a business of the
same trade after the close-out — with look-alikes: another trade at the old address, the same
trade permitted before the close-out, the same trade far down the village.

:func:`truth_of` finds the planted cases again by their names, so tests can measure precision
and recall of the scan on any database the story was planted in.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from models import Case, Industry, Permit, PowerImport, PowerRecord, Township, Unit
from models.codes import CaseStatus, Classification

logger = logging.getLogger(__name__)
VILLAGES = ["红旗营", "杏花峪", "石门坨", "卧龙岗", "青石沟", "白沙滩", "柳林铺", "枣园屯",
            "槐荫堡", "金牛湾", "凤鸣岭", "龙泉寨", "桃源坊", "梅花渡", "松涛岗", "芦苇洼",
            "月牙泉", "双井铺", "三岔沟", "五里屯", "鹿角湾", "燕子窝", "羊栏口", "马蹄坡"]  # fmt: skip
RARE = ["欧阳明远", "司马俊峰", "上官志强", "诸葛建平", "东方振华", "皇甫立新", "慕容德胜",
        "尉迟文博", "公孙永利", "令狐国庆", "夏侯长青", "端木春生", "宇文海涛", "长孙守业",
        "独孤兴邦", "南宫振东", "西门宝山", "百里德旺", "呼延广才", "轩辕立本"]  # fmt: skip
POWER_MONTHS = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)][:22]  # to 2026-10
POWER_FILE = "演示电力数据（供电公司2026年10月）.xlsx"
PERMIT_FILE = "演示排污许可名单（生态环境局2026年）.xlsx"
PERMIT_HEADERS = [
    "单位名称",
    "统一社会信用代码",
    "生产经营场所地址",
    "行业类别",
    "发证日期",
    "许可证编号",
]


@dataclass
class Truth:
    """What the scan should find: (newer case, old case, kind); power: (户号, old case)."""

    pairs: set[tuple[int, int, str]] = field(default_factory=set)
    power: set[tuple[str, int]] = field(default_factory=set)
    #: every planted case (true and look-alike): candidates touching them are judged
    planted: set[int] = field(default_factory=set)
    power_accounts: set[str] = field(default_factory=set)
    #: (许可证编号, old case) of the permits planted as 类散乱污; every planted permit's number
    permits: set[tuple[str, int]] = field(default_factory=set)
    permit_numbers: set[str] = field(default_factory=set)


def _business_name(key: str, village: str, product: str | None) -> str:
    """Unique among the planted cases: each planted village holds one old and one newer site."""
    suffix = {"旧": "加工厂", "新": "加工点"}.get(key[-1], "作坊")
    if key.startswith("戊") and key.endswith("新"):
        suffix = "制品有限公司"
    return f"{village.removesuffix('村')}{product or '五金'}{suffix}"


def _phone(n: int) -> str:
    return f"1990311{n:04d}"


class _Story:
    """Picks register rows to rewrite: old closed 关停取缔 cases of the first list, newer cases
    found later; the counts by list, status and classification stay those of the report."""

    def __init__(self, session: Session, year: int) -> None:
        self.s = session
        self.year = year
        self.units = {u.id: u for u in session.scalars(select(Unit))}
        self.towns = {t.id: t for t in session.scalars(select(Township))}
        self.industries = {i.code: i for i in session.scalars(select(Industry))}
        c = Case.__table__.c
        rows = session.execute(
            select(c.id, c.unit_id, c.township_id, type_coerce(c.classification, String),
                   type_coerce(c.status, String), c.closed_on, c.discovered_on).order_by(c.id)
        ).all()  # fmt: skip
        cut_old, cut_new = dt.date(year - 1, 1, 1), dt.date(year - 1, 3, 1)
        self.olds = [r for r in rows if r[4] == CaseStatus.CLOSED.value
                     and r[3] == Classification.SHUTDOWN.value and r[5] and r[5] < cut_old]  # fmt: skip
        self.news = [r for r in rows if r[6] and r[6] >= cut_new]
        self.used: set[int] = set()
        self.updates: dict[int, dict] = {}
        self.keys: dict[str, dict] = {}
        self.village_no = 0
        self.turn = 0
        self.permits: list[dict] = []

    def _take(self, pool: list, accept) -> Any:
        if not pool:
            raise RuntimeError("演示线索需要已有的整治清单（先写入演示数据）")
        self.turn += 1
        start = (self.turn * 7919) % len(pool)
        for i in range(len(pool)):
            row = pool[(start + i) % len(pool)]
            if row[0] not in self.used and accept(row):
                self.used.add(row[0])
                return row
        raise RuntimeError("演示线索找不到合适的企业")

    def take_old(self, unit_not: int | None = None) -> Any:
        return self._take(self.olds, lambda r: r[1] != unit_not)

    def take_new(self, *, unit: int | None = None, unit_not: int | None = None,
                 upgrade: bool | None = None) -> Any:  # fmt: skip
        def accept(r) -> bool:
            if unit is not None and r[1] != unit:
                return False
            if unit_not is not None and r[1] == unit_not:
                return False
            return upgrade is None or (r[3] == Classification.UPGRADE.value) == upgrade

        return self._take(self.news, accept)

    def village(self) -> str:
        n = self.village_no
        self.village_no += 1
        return ("", "前", "后", "新")[n // len(VILLAGES) % 4] + VILLAGES[n % len(VILLAGES)] + "村"

    def address(self, row: Any, village: str, number: int) -> str:
        town = self.towns.get(row[2])
        return f"{town.name if town else ''}{village}{number}号"

    def case(self, key: str, row: Any, village: str, number: int, owner: str, phone: str,
             industry: str | None, product: str | None, *, township_id: int | None = None) -> dict:  # fmt: skip
        """Rewrite one register row as a planted case."""
        values = dict(
            village=village, owner=owner, phone=phone,
            name=_business_name(key, village, product),
            address=self.address((row[0], row[1], township_id or row[2]), village, number),
        )  # fmt: skip
        if township_id is not None:
            values["township_id"] = township_id
        if industry is not None:
            values["industry_id"] = self.industries[industry].id
            values["main_products"] = product
        self.updates[row[0]] = values
        self.keys[key] = {"id": row[0], "unit_id": row[1], **values}
        return self.keys[key]


def _plan(story: _Story) -> tuple[list[tuple[str, str, str]], list[dict]]:
    """Choose and rewrite the cases; returns the expected (newer key, old key, kind) and the
    power list's rows."""
    expected: list[tuple[str, str, str]] = []
    power: list[dict] = []
    trades = [("vermiculite", "膨胀蛭石"), ("wire_drawing", "镀锌丝"), ("asphalt_felt", "沥青油毡"),
              ("small_board", "胶合板"), ("calcium_magnesium", "氧化钙")]  # fmt: skip
    names = iter(RARE)
    mark = "甲乙丙丁戊己"
    # 1. the same owner and phone, in another unit
    for i in range(4):
        trade, product = trades[i % len(trades)]
        owner, phone = next(names), _phone(100 + i)
        old = story.take_old()
        new = story.take_new(unit_not=old[1])
        story.case(f"甲{i}旧", old, story.village(), 10 + i, owner, phone, trade, product)
        story.case(f"甲{i}新", new, story.village(), 40 + i, owner, phone, None, None)
        expected.append((f"甲{i}新", f"甲{i}旧", "relocation"))
    # 2. the phone alone (a relative registered the new site), same trade, another unit
    for i in range(3):
        trade, product = trades[(i + 1) % len(trades)]
        phone = _phone(200 + i)
        old = story.take_old()
        new = story.take_new(unit_not=old[1])
        story.case(f"乙{i}旧", old, story.village(), 5 + i, next(names), phone, trade, product)
        story.case(f"乙{i}新", new, story.village(), 60 + i, next(names), phone, trade, product)
        expected.append((f"乙{i}新", f"乙{i}旧", "relocation"))
    # 3. a changed phone but the same (rare) name, trade and products, in another unit
    for i in range(4):
        trade, product = trades[(i + 2) % len(trades)]
        owner = next(names)
        old = story.take_old()
        new = story.take_new(unit_not=old[1])
        story.case(f"丙{i}旧", old, story.village(), 20 + i, owner, _phone(300 + i), trade, product)
        story.case(f"丙{i}新", new, story.village(), 80 + i, owner, _phone(350 + i), trade, product)
        expected.append((f"丙{i}新", f"丙{i}旧", "relocation"))
    # 4. restarted a few doors away in the same village (another name on the books)
    for i in range(4):
        trade, product = trades[(i + 3) % len(trades)]
        old = story.take_old()
        new = story.take_new(unit=old[1], upgrade=False)
        v = story.village()
        story.case(f"丁{i}旧", old, v, 30, f"赵{mark[i]}成", _phone(400 + i), trade, product)
        story.case(f"丁{i}新", new, v, 31 + i % 3, f"钱{mark[i]}林", _phone(450 + i), trade, product,
                   township_id=old[2])  # fmt: skip
        expected.append((f"丁{i}新", f"丁{i}旧", "relapse"))
    # 5. 类散乱污: the banned site's address holds an upgraded business of the same trade
    for i in range(4):
        trade, product = trades[i % len(trades)]
        old = story.take_old()
        new = story.take_new(unit=old[1], upgrade=True)
        v = story.village()
        story.case(f"戊{i}旧", old, v, 50 + i, f"孙{mark[i]}旺", _phone(500 + i), trade, product)
        story.case(f"戊{i}新", new, v, 50 + i, f"李{mark[i]}发", _phone(550 + i), trade, product,
                   township_id=old[2])  # fmt: skip
        expected.append((f"戊{i}新", f"戊{i}旧", "similar"))
    # 6. power: closed sites whose consumption resumes, and some whose stays low
    for i in range(6):
        trade, product = trades[i % len(trades)]
        owner = next(names)
        row = story.take_old()
        old = story.case(
            f"己{i}旧", row, story.village(), 70 + i, owner, _phone(600 + i), trade, product
        )
        resumes = i < 4
        readings = {
            m: (1500.0 + 100 * i if resumes and m >= "2026-05" else (0.0 if resumes else 12.0))
            for m in POWER_MONTHS
        }
        power.append({"户名": owner, "户号": f"13{700000 + i:08d}",
                      "用电地址": f"{story.units[old['unit_id']].name}{old['address']}",
                      "行业": "制造业", "readings": readings,
                      "_old": f"己{i}旧" if resumes else None})  # fmt: skip
    # look-alikes: a common name in other villages and units (same trade, different phones)
    for i in range(6):
        row = story.take_old() if i % 2 == 0 else story.take_new()
        story.case(
            f"庚{i}",
            row,
            story.village(),
            90 + i,
            "王伟",
            _phone(700 + i),
            "vermiculite",
            "膨胀蛭石",
        )
    # look-alikes: the village committee's phone given by four unrelated sites, far apart
    first = story.take_old()
    v = story.village()
    for i in range(4):
        trade, product = trades[i % len(trades)]
        row = first if i == 0 else (story.take_old() if i % 2 == 0 else story.take_new())
        story.case(f"辛{i}", (row[0], first[1], first[2]), v, 10 + 40 * i, f"周{mark[i]}山",
                   "0311-88886666", trade, product, township_id=first[2])  # fmt: skip
        story.updates[row[0]]["unit_id"] = first[1]
    # look-alikes in power: unrelated premises with high consumption
    for i in range(3):
        row = story.take_old()
        unit = story.units[row[1]]
        power.append({"户名": f"吴{mark[i]}强", "户号": f"13{800000 + i:08d}",
                      "用电地址": f"{unit.name}{story.address(row, story.village(), 200)}",
                      "行业": "制造业", "readings": dict.fromkeys(POWER_MONTHS, 3000.0),
                      "_old": None})  # fmt: skip
        story.used.discard(row[0])
    _plan_permits(story, trades, mark)
    return expected, power


def _plan_permits(story: _Story, trades: list[tuple[str, str]], mark: str) -> None:
    """7. 类散乱污 by permit: the permit list's rows (``story.permits``), true and look-alike."""

    def permit(i: int, kind: str, row: Any, village: str, number: int, industry: str,
               issued: dt.date, old: str | None) -> None:  # fmt: skip
        unit = story.units[row[1]].name
        story.permits.append({
            "单位名称": f"{village.removesuffix('村')}{kind}", "统一社会信用代码": f"91130100MA0{i:06d}X",
            "生产经营场所地址": f"{unit}{story.address(row, village, number)}", "行业类别": industry,
            "发证日期": issued, "许可证编号": f"91130100MA0{i:06d}X001P", "_old": old,
        })  # fmt: skip

    for i in range(4):
        trade, product = trades[i % len(trades)]
        row = story.take_old()
        v = story.village()
        story.case(f"壬{i}旧", row, v, 20 + i, f"冯{mark[i]}贵", _phone(800 + i), trade, product)
        word = story.industries[trade].name + "制品制造"
        closed = row[5]
        # the true restarts: the old address, or the next door, a year or so after the close-out
        permit(i, f"{product}科技有限公司", row, v, 20 + i + i % 2, word,
               closed + dt.timedelta(days=300 + 30 * i), f"壬{i}旧")  # fmt: skip
        # look-alikes: another trade at the old address; the same trade permitted before the
        # close-out next door; the same trade far down the village
        permit(10 + i, "豆制品有限公司", row, v, 20 + i, "豆制品加工",
               closed + dt.timedelta(days=200), None)  # fmt: skip
        if i % 2 == 0:
            permit(
                20 + i, "建材有限公司", row, v, 21 + i, word, closed - dt.timedelta(days=90), None
            )
        else:
            permit(
                20 + i, "建材有限公司", row, v, 60 + i, word, closed + dt.timedelta(days=90), None
            )


def plant_leads_story(session: Session, year: int = 2026, *, store_power: bool = True) -> dict:
    """Rewrite register rows into the planted cases (and keep the power and permit lists);
    no commit."""
    story = _Story(session, year)
    try:
        _expected, power = _plan(story)
    except RuntimeError as exc:  # a register too small for the story: the demo goes on without
        logger.warning("leads story not planted: %s", exc)
        return {}
    table = Case.__table__
    for case_id, values in story.updates.items():
        session.execute(update(table).where(table.c.id == case_id).values(**values))
    if store_power:
        imp = PowerImport(filename=POWER_FILE, rows=len(power))
        session.add(imp)
        session.flush()
        session.execute(
            insert(PowerRecord.__table__),
            [dict(import_id=imp.id, unit_id=None, account_no=p["户号"], holder=p["户名"],
                  address=p["用电地址"], industry=p["行业"],
                  readings=json.dumps(p["readings"], ensure_ascii=False)) for p in power],
        )  # fmt: skip
    if store_power:
        _store_permits(session, story)
    return {"planted_cases": len(story.updates), "power_premises": len(power),
            "permits": len(story.permits),
            "case_ids": frozenset(story.updates)}  # fmt: skip


def _store_permits(session: Session, story: _Story) -> None:
    """The permit list kept as its import keeps it: unit from the address, industry filed."""
    from controllers.leads.permits import filed_industry_id
    from controllers.leads.scan import parser_for
    from controllers.returns.industries import load_matcher

    parser, matcher = parser_for(session), load_matcher(session)
    units = [(u.id, u.name, u.short_name) for u in story.units.values()]
    session.add_all(
        Permit(unit_id=parser.unit_of(p["生产经营场所地址"], units), name=p["单位名称"],
               credit_code=p["统一社会信用代码"], address=p["生产经营场所地址"],
               industry=p["行业类别"], industry_id=filed_industry_id(matcher, p["行业类别"]),
               permit_date=p["发证日期"], permit_no=p["许可证编号"], source_file=PERMIT_FILE)
        for p in story.permits
    )  # fmt: skip
    session.flush()


def truth_of(session: Session, year: int = 2026) -> Truth:
    """The planted truth in a database the story was planted in (found by the cases' names)."""
    story = _Story(session, year)
    expected, power = _plan(story)
    by_name = {v["name"]: key for key, v in story.keys.items()}
    ids = {
        by_name[name]: case_id
        for case_id, name in session.execute(
            select(Case.id, Case.name).where(Case.name.in_(list(by_name)))
        )
    }
    truth = Truth(planted=set(ids.values()))
    for new, old, kind in expected:
        truth.pairs.add((ids[new], ids[old], kind))
    for p in power:
        truth.power_accounts.add(p["户号"])
        if p["_old"]:
            truth.power.add((p["户号"], ids[p["_old"]]))
    for p in story.permits:
        truth.permit_numbers.add(p["许可证编号"])
        if p["_old"]:
            truth.permits.add((p["许可证编号"], ids[p["_old"]]))
    return truth


def planted_power(session: Session, year: int = 2026) -> list[dict]:
    """The power list the story kept when it was planted (户名, 户号, 用电地址, 行业, readings).

    Read back from the demo's own import, never planned again: on a living demo the campaign's
    story has since closed, reopened and added cases, so a new plan would pick other register
    rows and give the planted premises other units' and townships' addresses. Only a database
    planted without its power list (``store_power=False``) is planned again, as it stands.
    """
    first = session.scalar(
        select(PowerImport.id).where(PowerImport.filename == POWER_FILE).order_by(PowerImport.id)
    )
    if first is None:
        return _plan(_Story(session, year))[1]
    records = session.scalars(
        select(PowerRecord).where(PowerRecord.import_id == first).order_by(PowerRecord.id)
    )
    return [{"户名": r.holder, "户号": r.account_no, "用电地址": r.address, "行业": r.industry,
             "readings": json.loads(r.readings or "{}")} for r in records]  # fmt: skip


def power_workbook(session: Session, year: int = 2026) -> bytes:
    """The planted power list as the power company sends it (.xlsx, one column per month)."""
    import xlsxwriter

    power = planted_power(session, year)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("用电明细")
    sheet.merge_range(0, 0, 0, 3 + len(POWER_MONTHS), "重点用户用电量明细（单位：千瓦时）")
    headers = [
        "户名",
        "户号",
        "用电地址",
        "行业",
        *(f"{m[:4]}年{int(m[5:])}月" for m in POWER_MONTHS),
    ]
    sheet.write_row(1, 0, headers)
    for r, p in enumerate(power, start=2):
        sheet.write_row(r, 0, [p["户名"], p["户号"], p["用电地址"], p["行业"]])
        sheet.write_row(r, 4, [p["readings"].get(m, 0.0) for m in POWER_MONTHS])
    book.close()
    return out.getvalue()


def planted_permits(session: Session, year: int = 2026) -> list[dict]:
    """The permit list the story kept when it was planted (read back, as :func:`planted_power`)."""
    rows = session.scalars(
        select(Permit).where(Permit.source_file == PERMIT_FILE).order_by(Permit.id)
    ).all()
    if not rows:
        story = _Story(session, year)
        _plan(story)
        return story.permits
    return [{"单位名称": p.name, "统一社会信用代码": p.credit_code, "生产经营场所地址": p.address,
             "行业类别": p.industry, "发证日期": p.permit_date, "许可证编号": p.permit_no}
            for p in rows]  # fmt: skip


def permit_workbook(session: Session, year: int = 2026) -> bytes:
    """The planted permit list as the environment bureau sends it (.xlsx, a title row above)."""
    import xlsxwriter

    permits = planted_permits(session, year)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("许可名单")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, len(PERMIT_HEADERS) - 1, "排污许可证（登记）发放情况")
    sheet.write_row(1, 0, PERMIT_HEADERS)
    for r, p in enumerate(permits, start=2):
        sheet.write_row(r, 0, [p[h] for h in PERMIT_HEADERS[:4]])
        sheet.write_datetime(r, 4, dt.datetime.combine(p["发证日期"], dt.time()), dates)
        sheet.write(r, 5, p["许可证编号"])
    book.close()
    return out.getvalue()
