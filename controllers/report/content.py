"""The stage report's text, written from its figures in the structure of the city's report:
一、现状 … 六、下一步工作安排, with the monthly chart and the per-unit table in section 一."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from controllers.report.figures import ReportFigures, is_park
from controllers.report.texts import ReportTexts
from controllers.report.wording import (
    cn_date,
    cn_number,
    join_list,
    numbered,
    percent,
    short_date,
)
from controllers.stats.monthly import MonthlySeries
from models.codes import Classification, FindingKind

TABLE_HEADERS = [
    "序号",
    "县（市、区）",
    "清单企业",
    "已完成整治",
    "已销号",
    "未完成",
    "逾期未完成",
    "反弹",
    "完成率",
]


@dataclass
class Section:
    heading: str
    paragraphs: list[str]
    exhibits: bool = False  # the monthly chart and the per-unit table follow the paragraphs


@dataclass
class StageReport:
    """Everything a writer (PDF or .docx) puts on paper."""

    title: str
    subtitle: str
    sections: list[Section]
    chart_title: str
    table_title: str
    table_headers: list[str]
    table_rows: list[list[str]]
    monthly: MonthlySeries
    as_of: dt.date
    issuer: str
    date_line: str
    figures: ReportFigures | None = field(default=None, repr=False)

    def plain_text(self) -> str:
        """The whole report as plain text (for previews and tests)."""
        lines = [self.title, self.subtitle]
        for section in self.sections:
            lines.append(section.heading)
            lines.extend(section.paragraphs)
            if section.exhibits:
                lines.append(self.chart_title)
                lines.append(self.table_title)
                lines.extend("\t".join(row) for row in [self.table_headers, *self.table_rows])
        lines += [self.issuer, self.date_line]
        return "\n".join(lines)


def build_report(figures: ReportFigures, texts: ReportTexts) -> StageReport:
    """Write the report from its figures and the clerk's texts for 五 and 六."""
    f = figures
    subject = f"{f.city_name}" if not f.unit_scoped else f.scope_name
    return StageReport(
        title=f"{subject}“散乱污”企业持续整治工作报告",
        subtitle=f"（数据截至{cn_date(f.as_of)}）",
        sections=[
            Section(f"一、{f.scope_name}“散乱污”整治工作现状", _current_state(f), exhibits=True),
            Section("二、有关工作开展部署情况", _deployment(f)),
            Section("三、存在问题", _problems(f)),
            Section("四、调度情况及工作进展", _progress(f)),
            Section("五、意见建议", ReportTexts.paragraphs(texts.proposals)),
            Section("六、下一步工作安排", ReportTexts.paragraphs(texts.next_steps)),
        ],
        chart_title=f"图1　{f.scope_name}月度整治进展（截至{cn_date(f.as_of)}）",
        table_title="表1　各县（市、区）整治情况（单位：家）",
        table_headers=list(TABLE_HEADERS),
        table_rows=_table(f),
        monthly=f.monthly,
        as_of=f.as_of,
        issuer=f.issuer_name,
        date_line=cn_date(f.as_of),
        figures=f,
    )


def _units_word(f: ReportFigures) -> str:
    return f.scope_name if f.unit_scoped else "各县（市、区）"


def _current_state(f: ReportFigures) -> list[str]:
    t = f.totals
    if t.total == 0:
        return [f"截至{cn_date(f.as_of)}，{f.scope_name}“散乱污”企业动态整治清单中暂无企业记录。"]
    years = f.annual_years
    batches = []
    for year, counts in f.annual:
        label = f"{year}年" if year else counts.label
        if counts.finished == counts.total:
            batches.append(f"{label}完成分类整治{counts.total}家")
        else:
            batches.append(f"{label}清单{counts.total}家、已完成分类整治{counts.finished}家")
    if t.open == 0 and t.closed == t.total:
        zero = "实现动态“清零”"
    elif t.open == 0:
        zero = "基本实现动态“清零”"
    else:
        zero = f"尚有{t.open}家未完成整治"
    if years:
        span = max(f.as_of.year - min(years), 1)
        opening = (
            f"按照市委市政府统一安排部署，“散乱污”企业整治工作从{min(years)}年开始，"
            f"已经持续开展了{cn_number(span, liang=True)}年，"
        )
    else:
        opening = "按照市委市政府统一安排部署，"
    first = (
        f"{opening}{_units_word(f)}按照“关停取缔、提升改造、整合搬迁”分类施策，"
        f"全面彻底的开展排查整治，{join_list(batches, '，')}，{zero}，"
        "为我市大气环境质量持续改善发挥了重要作用。"
    )
    by_class = {}
    for _, counts in f.annual:
        for code, n in counts.by_classification.items():
            by_class[code] = by_class.get(code, 0) + n
    for counts in f.added:
        for code, n in counts.by_classification.items():
            by_class[code] = by_class.get(code, 0) + n
    split = join_list(
        [f"{m.label}{by_class[m.value]}家" for m in Classification if by_class.get(m.value)]
    )
    added = sum(c.total for c in f.added)
    second = (
        f"截至{cn_date(f.as_of)}，{f.scope_name}动态整治清单共有“散乱污”企业{t.total}家"
        + (f"（{split}）" if split else "")
        + (f"，其中新增{added}家" if added else "")
        + f"；已完成整治{t.finished}家，完成率{percent(t.rate)}；已销号{t.closed}家。"
        f"{f.scope_name}月度整治进展见图1，各县（市、区）整治情况见表1。"
    )
    return [first, second]


def _deployment(f: ReportFigures) -> list[str]:
    c = f.campaign
    out = []
    if c is None:
        out.append(f"截至{cn_date(f.as_of)}，尚未建立“散乱污”企业持续整治专项行动。")
    else:
        start = ""
        if c.started_on:
            year = "今年" if c.started_on.year == f.as_of.year else f"{c.started_on.year}年"
            start = f"自{year}{c.started_on.month}月起"
        plan = f"印发了{c.plan_title}，" if c.plan_title else ""
        out.append(
            "“散乱污”企业排查整治工作是打好蓝天保卫战的重要举措、推进环境质量持续改善的重要抓手，"
            f"为此，我市{plan}要求{start}在全市范围内开展{c.name}。"
        )
        if c.requirements:
            out.append(
                f"专项行动明确了{cn_number(len(c.requirements))}项要求，{numbered(c.requirements)}"
            )
        if c.stages:
            out.append(_stages(f))
    out.append(_spot_checks(f))
    return out


def _stages(f: ReportFigures) -> str:
    c = f.campaign
    assert c is not None
    items = []
    for stage in c.stages:
        when = ""
        if stage.starts_on and stage.deadline:
            when = (
                f"（{short_date(stage.starts_on, f.as_of)}至{short_date(stage.deadline, f.as_of)}）"
            )
        elif stage.deadline:
            when = f"（{short_date(stage.deadline, f.as_of)}前）"
        if stage.deadline and stage.deadline < f.as_of:
            state = "，已结束"
        elif stage.starts_on and stage.starts_on > f.as_of:
            state = "，尚未开始"
        else:
            state = "，目前正在进行"
        text = f"{stage.name}阶段{when}{state}"
        if stage.description:
            text += f"，{stage.description.rstrip('。')}"
        if f.returns_stage is not None and stage.name == f.returns_stage.name:
            text += "，" + _returns_clause(f)
        items.append(text)
    return f"专项行动分为{cn_number(len(items))}个阶段进行，{numbered(items)}"


def _returns_clause(f: ReportFigures) -> str:
    r = f.returns
    text = (
        f"排查结果由{_units_word(f)}政府主要负责同志签字确认后上报并在当地政府网站公示；"
        f"截至{short_date(f.as_of, f.as_of)}，应上报{r.expected}个单位，已上报{r.received}个，"
        f"其中经主要负责同志签字确认{r.signed}个、在政府网站公示{r.published}个"
    )
    if r.missing:
        text += f"，尚未上报{len(r.missing)}个（{join_list(r.missing)}）"
    return text


def _spot_checks(f: ReportFigures) -> str:
    s = f.spot_checks
    if s.groups == 0:
        return f"截至{cn_date(f.as_of)}，尚未开展“散乱污”整治督导抽查。"
    if s.min_per_day == s.max_per_day:
        per_day = f"每日派出{cn_number(s.max_per_day)}组执法检查组"
    else:
        per_day = f"每日派出{cn_number(s.min_per_day)}至{cn_number(s.max_per_day)}组执法检查组"
    period = (
        f"自{short_date(s.first_day, f.as_of)}至{short_date(s.last_day, f.as_of)}"
        if s.first_day != s.last_day
        else f"{short_date(s.first_day, f.as_of)}"
    )
    return (
        f"针对{_units_word(f)}的排查结果，市生态环境局组织开展“散乱污”企业专项整治督导抽查，"
        f"{period}，{per_day}对所属辖区内“散乱污”整治情况进行督导抽查；共出动{s.groups}个执法组，"
        f"共出动执法人员{s.person_times}人次，检查企业（点位）数{s.sites}个，"
        f"发现新增“散乱污”企业{s.new_found}家。"
    )


def _problems(f: ReportFigures) -> list[str]:
    p = f.problems
    items = []
    if p.overdue:
        split = join_list(
            [
                f"{m.label}{p.overdue_by_class[m.value]}家"
                for m in Classification
                if p.overdue_by_class.get(m.value)
            ]
        )
        items.append(f"{p.overdue}家企业超过完成时限仍未完成整治（{split}）")
    else:
        items.append("清单内企业无超过完成时限未完成整治的情况")
    if p.stalled_upgrades:
        items.append(
            f"之前发现的{p.stalled_upgrades}家提升改造类企业，已提出整改和补办手续的要求，"
            "但超过完成时限仍未达到整改标准，长期处于停产状态"
        )
    else:
        items.append("未发现提升改造类企业长期未达到整改标准的情况")
    if p.quasi:
        items.append(
            f"发现{p.quasi}家淘汰类企业“两断三清”后在原址或附近重新开工建设、补办手续后产能和治污设施"
            "未有明显提升的“类散乱污”问题"
        )
    else:
        items.append("未发现“类散乱污”问题")
    if p.relapsed:
        where = join_list([f"{name}{n}家" for name, n in p.relapses_by_industry[:5]])
        items.append(
            f"“回头看”发现已整治企业死灰复燃、异地转移、虚假整改等反弹问题{p.relapsed}家，"
            f"主要集中在{where}等行业"
        )
    else:
        items.append("“回头看”未发现已整治企业反弹问题")
    found = [
        (k, n) for k, n in f.spot_checks.by_kind.items() if n and k != FindingKind.NEW_CASE.value
    ]
    if found:
        items.append(
            "督导抽查发现"
            + join_list([f"{FindingKind.label_of(k)}问题{n}处" for k, n in found])
            + "，已责成属地整改，已销号企业的问题记入“回头看”并重新纳入整治"
        )
    elif f.spot_checks.groups:
        items.append("督导抽查未发现已整治企业反弹和整治不到位问题")
    if p.focus_industries:
        named = join_list([f"{unit}{industry}" for unit, industry, _, _ in p.focus_industries])
        total = sum(n for *_, n, _ in p.focus_industries)
        done = sum(d for *_, d in p.focus_industries)
        items.append(
            f"生态环境部重点区域强化监督帮扶组指出，我市存在例如{named}等行业规模小，工艺落后，"
            f"效益低下，污染严重等问题；清单内上述行业企业共{total}家，已完成整治{done}家，"
            "需加大整合淘汰、提标升级的力度"
        )
    return [
        f"截至{cn_date(f.as_of)}，在当前我市排查整治、上级督导检查及日常督导抽查过程中，"
        "发现的问题和情况如下：",
        numbered(items),
    ]


def _letters(f: ReportFigures) -> str | None:
    lt = f.letters
    if lt.issued == 0:
        return None
    if f.unit_scoped:
        with_whom = f.counterparties.get(f.scope_name) or f.scope_name
    else:
        with_whom = counterparties_phrase(
            [n for n in f.unit_kinds if n not in lt.not_back], f.unit_kinds, f.counterparties
        )
    text = f"{short_date(lt.issued_on, f.as_of)}，{f.issuer_name}下发了{f.notice_title}，"
    if not lt.not_back:
        return text + f"分别与{with_whom}签订了“散乱污”企业持续整治工作承诺书，传导压力、落实责任。"
    return text + (
        f"向{lt.issued}个单位印发“散乱污”企业持续整治工作承诺书；截至{short_date(f.as_of, f.as_of)}，"
        f"已签署返回{lt.signed}份，尚未返回{len(lt.not_back)}份（{join_list(lt.not_back)}），"
        "需督促尽快签署，传导压力、落实责任。"
    )


def counterparties_phrase(
    signed: list[str], kinds: dict[str, str], counterparties: dict[str, str]
) -> str:
    """Who the letters were signed with, as the city's report says it: "23个分局及高新区、
    循环化工园区生态环境局" (the units' counterparties: sub-bureaus counted, the rest named)."""
    bureaus, named = 0, []
    for name in signed:
        party = counterparties.get(name, "")
        if party.endswith("分局") or (not party and not is_park(kinds.get(name, ""))):
            bureaus += 1
        else:
            named.append(party.removesuffix("生态环境局") if party else name)
    parts = ([f"{bureaus}个分局"] if bureaus else []) + (
        [f"{join_list(named)}生态环境局"] if named else []
    )
    return "及".join(parts)


def _progress(f: ReportFigures) -> list[str]:
    """四、调度情况及工作进展: the campaign's dated steps (meetings, notices, the letters) in
    date order, the returns, and what the checks found."""
    dated: list[tuple[dt.date, int, str]] = [
        (e.occurred_on, 0, f"{short_date(e.occurred_on, f.as_of)}，{e.summary}") for e in f.events
    ]
    letters = _letters(f)
    if letters and f.letters.issued_on is not None:
        dated.append((f.letters.issued_on, 1, letters))
    out = [text for *_, text in sorted(dated, key=lambda d: (d[0], d[1]))]
    r = f.returns
    if f.returns_stage is not None:
        text = (
            f"{f.returns_stage.name}阶段，{_units_word(f)}应上报{r.expected}个单位，"
            f"截至{short_date(f.as_of, f.as_of)}已上报{r.received}个，审核通过{r.approved}个"
        )
        if r.sent_back:
            text += f"，退回修改{r.sent_back}个"
        if r.received - r.approved - r.sent_back > 0:
            text += f"，待审核{r.received - r.approved - r.sent_back}个"
        if r.missing:
            text += f"，尚未上报{len(r.missing)}个（{join_list(r.missing)}）"
        out.append(text + "。")
    years = "、".join(str(y) for y in f.annual_years)
    lists = f"{years}年“散乱污”企业整治" if years else "“散乱污”企业整治清单"
    if f.annual_relapsed == 0 and f.annual_open == 0:
        check = f"未发现{lists}关停取缔反弹及整治未完成情况"
    else:
        check = f"发现{lists}反弹{f.annual_relapsed}家、整治未完成{f.annual_open}家"
    n = f.new_cases
    if n.counts.total == 0:
        found = "未发现新增“散乱污”企业"
    elif n.counts.open == 0:
        work = "取缔" if n.shutdown == n.counts.total else "整治"
        found = (
            f"共发现新增“散乱污”企业{n.counts.total}家，"
            f"并已于{short_date(n.last_done_on, f.as_of)}前完成{work}工作"
        )
    else:
        found = (
            f"共发现新增“散乱污”企业{n.counts.total}家，已完成整治{n.counts.finished}家，"
            f"其余{n.counts.open}家正在整治"
        )
    out.append(f"经排查，截至{cn_date(f.as_of)}，{check}。{found}。")
    return out


def _table(f: ReportFigures) -> list[list[str]]:
    rows = []
    for i, u in enumerate(f.units, start=1):
        rows.append(_row(str(i), u.label, u))
    if not f.unit_scoped:
        rows.append(_row("", "合计", f.totals))
    return rows


def _row(no: str, name: str, c) -> list[str]:
    return [
        no,
        name,
        str(c.total),
        str(c.finished),
        str(c.closed),
        str(c.open),
        str(c.overdue),
        str(c.relapsed),
        percent(c.rate),
    ]
