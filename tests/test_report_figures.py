"""The stage report's wording and figures: the seed report's numbers come out of the demo,
every figure of the hand-built world is what the data says on the chosen date, and the
editable sections are kept in the database with optimistic locking."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from controllers.actor import SYSTEM, Actor
from controllers.editing import EditConflict
from controllers.errors import ValidationError
from controllers.permissions import PermissionDenied
from controllers.report.generate import prepare_report
from controllers.report.texts import (
    DEFAULT_PROPOSALS,
    ReportTexts,
    load_current_texts,
    save_current_texts,
)
from controllers.report.wording import cn_number, numbered, percent, short_date
from controllers.unit_of_work import call, run
from models import AuditEntry
from models.codes import Role
from tests.test_stats_fixture import AS_OF, build_world

D = dt.date
CITY_CLERK = Actor(None, "clerk", Role.CITY_CLERK, display_name="张三")


def test_wording_helpers():
    assert [cn_number(n) for n in (1, 2, 10, 12, 20, 33)] == [
        "一",
        "二",
        "十",
        "十二",
        "二十",
        "三十三",
    ]
    assert cn_number(2, liang=True) == "两"
    assert numbered(["甲", "乙。"]) == "一是甲；二是乙。"
    assert percent(0.98765) == "98.7%"  # floored: one rounding rule
    assert percent(None) == "—"
    assert short_date(D(2026, 5, 25), D(2026, 11, 1)) == "5月25日"
    assert short_date(D(2025, 5, 25), D(2026, 11, 1)) == "2025年5月25日"


def test_demo_report_tells_the_living_present(demo_db):
    """The demo as of 11月30日: the report's structure, and problems found after 5月31日.
    (The figures of the city's own report, as of 5月31日: tests/test_demo.py.)"""
    with demo_db.session() as s:
        report = prepare_report(s, SYSTEM, D(2026, 11, 30))
    text = report.plain_text()
    assert report.title == "石家庄市“散乱污”企业持续整治工作报告"
    assert [sec.heading[:2] for sec in report.sections] == [
        "一、",
        "二、",
        "三、",
        "四、",
        "五、",
        "六、",
    ]
    for expected in (
        "从2024年开始，已经持续开展了两年",
        "要求自今年3月起在全市范围内开展2026年“散乱污”企业持续排查整治专项行动",
        "专项行动明确了四项要求，一是",
        "新乐油毡、灵寿蛭石、井陉钙镁、晋州拔丝、无极小板材",
        "5月17日，石家庄市生态环境局下发了《关于签订“散乱污”企业持续整治工作承诺书的通知》",
        "分别与23个分局及高新区、循环化工园区生态环境局签订了“散乱污”企业持续整治工作承诺书",
        "5月10日，针对各县（市、区）全面排查情况",
        "5月31日，我市转发了省大气办",
        "企业超过完成时限仍未完成整治",
        "提升改造类企业，已提出整改和补办手续的要求",
        "“类散乱污”问题",
        "“回头看”发现已整治企业死灰复燃、异地转移",
        DEFAULT_PROPOSALS,
    ):
        assert expected in text, expected
    assert "100.0%" not in report.table_rows[-1][-1]
    assert len(report.table_rows) == 26  # 25 units and the total
    total = report.table_rows[-1]
    assert total[1] == "合计"
    assert sum(int(r[2]) for r in report.table_rows[:-1]) == int(total[2])
    assert int(total[5]) > 0
    assert int(total[6]) > 0
    assert report.monthly.months[0] == D(2024, 1, 1)  # the chart starts where the data does


def test_demo_report_on_an_earlier_date(demo_db):
    with demo_db.session() as s:
        report = prepare_report(s, SYSTEM, D(2026, 5, 15))
    text = report.plain_text()
    assert "承诺书" not in text.split("四、")[1]  # letters went out on 5/17
    assert "5月10日，针对" in text  # the scheduling meeting was before
    assert "自5月7日至5月15日" in text
    assert "共出动33个执法组" not in text
    assert "正在整治" in text or "已于" in text  # new cases found so far, some not yet banned


def test_hand_built_world_report(database):
    with database.session() as s:
        build_world(s)
        report = prepare_report(s, SYSTEM, AS_OF)
    text = report.plain_text()
    assert "2026年清单5家、已完成分类整治2家" in text
    assert "尚有3家未完成整治" in text
    assert "1家企业超过完成时限仍未完成整治（关停取缔1家）" in text
    assert "发现1家淘汰类企业" in text  # 类散乱污
    assert "反弹问题1家，主要集中在蛭石1家等行业" in text
    assert "已签署返回1份，尚未返回1份（新乐市）" in text
    assert "应上报25个单位，已上报2个" in text
    assert "尚未上报23个" in text
    assert (
        "共出动1个执法组，共出动执法人员2人次，检查企业（点位）数2个，发现新增“散乱污”企业1家"
        in text
    )
    assert "发现2026年“散乱污”企业整治反弹1家、整治未完成3家" in text
    assert "未发现新增“散乱污”企业" in text  # c6 was found after the date
    rows = {r[1]: r for r in report.table_rows}
    assert rows["灵寿县"][2:8] == ["3", "2", "1", "1", "0", "1"]
    assert rows["新乐市"][2:8] == ["2", "0", "0", "2", "1", "0"]
    assert rows["合计"][2] == "5"


def test_county_clerk_report_is_about_the_own_unit(database):
    with database.session() as s:
        w = build_world(s)
        clerk = Actor(5, "xl", Role.COUNTY_CLERK, unit_id=w.xinle)
        report = prepare_report(s, clerk, AS_OF)
    assert report.title == "新乐市“散乱污”企业持续整治工作报告"
    assert [r[1] for r in report.table_rows] == ["新乐市"]
    assert "灵寿" not in report.plain_text().split("三、")[0]


def test_texts_are_kept_with_optimistic_locking(database):
    with database.session() as s:
        build_world(s)
        s.commit()
    first = call(database, load_current_texts, CITY_CLERK).value
    assert first.version is None
    assert first.proposals == DEFAULT_PROPOSALS
    saved = run(
        database, CITY_CLERK, save_current_texts,
        ReportTexts("第一段\n第二段", "下一步安排", first.version),
    ).value  # fmt: skip
    assert saved.version == 1
    assert saved.updated_by == "张三"
    assert ReportTexts.paragraphs(saved.proposals) == ["第一段", "第二段"]
    with database.session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "save_report_text")).all()
        assert len(audit) == 1
    # another clerk saves over version 1
    run(database, CITY_CLERK, save_current_texts, ReportTexts("他人的意见", "他人的安排", 1))
    with pytest.raises(EditConflict) as err:
        run(database, CITY_CLERK, save_current_texts, ReportTexts("我的意见", "我的安排", 1))
    assert err.value.current_version == 2
    assert err.value.theirs["proposals"] == "他人的意见"
    assert {c.field for c in err.value.conflicts} == {"五、意见建议", "六、下一步工作安排"}
    assert call(database, load_current_texts, CITY_CLERK).value.proposals == "他人的意见"
    # choosing "mine" after seeing both: save at the current version
    run(database, CITY_CLERK, save_current_texts, ReportTexts("我的意见", "我的安排", 2))
    assert call(database, load_current_texts, CITY_CLERK).value.proposals == "我的意见"
    with pytest.raises(EditConflict):  # a first save racing another first save
        run(database, CITY_CLERK, save_current_texts, ReportTexts("x", "y", None))
    with pytest.raises(ValidationError, match="五、意见建议"):
        run(database, CITY_CLERK, save_current_texts, ReportTexts("  ", "y", 3))
    with database.session() as s:
        with pytest.raises(PermissionDenied):
            save_current_texts(s, Actor(None, "boss", Role.LEADER), ReportTexts("a", "b", 3))
        # a county clerk keeps the own unit's wording, apart from the city's
        county = Actor(None, "xl", Role.COUNTY_CLERK, unit_id=1)
        assert load_current_texts(s, county).version is None
        save_current_texts(s, county, ReportTexts("县里的意见", "县里的安排", None))
        assert load_current_texts(s, CITY_CLERK).proposals == "我的意见"
        report = prepare_report(s, CITY_CLERK, AS_OF)
        assert report.sections[4].paragraphs == ["我的意见"]
