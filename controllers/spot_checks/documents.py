"""The period's checks as .xlsx (one row per site) and its 督导抽查情况通报 as an official PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.documents.official import (
    OfficialDocument,
    Paragraph,
    SignatureBlock,
    Signatures,
    Title,
    format_date,
)
from controllers.documents.xlsx_table import check_target, write_table
from controllers.permissions import Permission, require
from controllers.settings import CITY_NAME, get_setting
from controllers.spot_checks.entry import findings_at
from controllers.spot_checks.totals import check_totals, narrow, of_campaign
from models import SpotCheck
from models.codes import FindingKind, SiteResult

HEADERS = [
    ("序号", 6), ("检查日期", 12), ("检查组", 16), ("带队", 10), ("检查人员", 28), ("人次", 6),
    ("被检查单位", 14), ("企业（点位）", 30), ("地址", 30), ("清单企业编号", 10),
    ("检查结果", 16), ("情况说明", 36),
]  # fmt: skip


def period_text(date_from: dt.date | None, date_to: dt.date | None) -> str:
    if date_from and date_to:
        return f"{format_date(date_from)}至{format_date(date_to)}"
    if date_from:
        return f"{format_date(date_from)}以来"
    if date_to:
        return f"截至{format_date(date_to)}"
    return "全部"


def checks_of_period(
    session: Session, actor: Actor, date_from: dt.date | None, date_to: dt.date | None,
    unit_id: int | None = None, campaign_id: int | None = None,
) -> list[SpotCheck]:  # fmt: skip
    stmt = select(SpotCheck).options(
        selectinload(SpotCheck.members), selectinload(SpotCheck.sites),
        selectinload(SpotCheck.findings), selectinload(SpotCheck.unit),
    ).order_by(SpotCheck.checked_on, SpotCheck.group_name, SpotCheck.id)  # fmt: skip
    campaign = None if campaign_id is None else of_campaign(session, campaign_id)
    return list(session.scalars(narrow(stmt, actor, date_from, date_to, unit_id, campaign)))


def export_checks(
    session: Session,
    actor: Actor,
    path: str | Path,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    unit_id: int | None = None,
    *,
    campaign_id: int | None = None,
) -> int:
    """Write the period's checks, one row per site (group and members repeated). Returns rows."""
    require(actor, Permission.EXPORT)
    dest = check_target(path)
    checks = checks_of_period(session, actor, date_from, date_to, unit_id, campaign_id)
    rows = []
    for c in checks:
        people = "、".join(m.name for m in c.members)
        for site in c.sites or [None]:
            mine = findings_at(c, site) if site else []
            finding = mine[0] if mine else None
            if site is None:
                result = ""
            elif finding is not None:
                result = FindingKind.label_of(finding.kind)
            else:
                result = SiteResult.label_of(site.result)
            rows.append([len(rows) + 1, c.checked_on, c.group_name, c.leader or "", people,
                         len(c.members), c.unit.name, site.site_name if site else "（未记录点位）",
                         site.address if site else "", site.case_id if site else None, result,
                         (site.note if site else None) or ""])  # fmt: skip
    t = check_totals(session, actor, date_from, date_to, unit_id, campaign_id)
    city = get_setting(session, CITY_NAME) or ""
    n = write_table(
        dest, "督导抽查", f"{city}“散乱污”企业督导抽查记录",
        f"期间：{period_text(date_from, date_to)}　执法组 {t.groups} 个　执法人员 {t.person_times} 人次　"
        f"检查企业（点位）{t.sites} 个　发现新增“散乱污”企业 {t.new_found} 家",
        HEADERS, rows,
    )  # fmt: skip
    record(session, actor, "export", "spot_check", None, detail={
        "file": dest.name, "rows": n, "from": date_from, "to": date_to})  # fmt: skip
    return n


def circular_paragraphs(
    session: Session, actor: Actor, date_from: dt.date | None, date_to: dt.date | None,
    campaign_id: int | None = None,
) -> list[str]:  # fmt: skip
    """The body of the 督导抽查情况通报, every figure from the records."""
    t = check_totals(session, actor, date_from, date_to, campaign_id=campaign_id)
    checks = checks_of_period(session, actor, date_from, date_to, campaign_id=campaign_id)
    units = sorted({c.unit.name for c in checks})
    problems = [(k, n) for k, n in t.by_kind.items() if n and k != FindingKind.NEW_CASE.value]
    out = [
        "各县（市、区）生态环境分局，高新区、循环化工园区生态环境局：",
        f"按照《“散乱污”企业专项整治督导抽查方案》，{period_text(date_from, date_to)}，"
        f"市生态环境局每日派出执法检查组对各县（市、区）“散乱污”企业整治情况进行督导抽查。"
        f"共出动{t.groups}个执法组，出动执法人员{t.person_times}人次，检查企业（点位）{t.sites}个，"
        f"发现新增“散乱污”企业{t.new_found}家。现将有关情况通报如下。",
        "一、抽查基本情况",
        f"本期抽查覆盖{len(units)}个县（市、区）：{'、'.join(units) or '无'}。",
        "二、发现的问题",
    ]
    if not t.new_found and not problems:
        out.append("本期抽查未发现新增“散乱污”企业及反弹、整治不到位等问题。")
    else:
        parts = [f"新增“散乱污”企业{t.new_found}家"] if t.new_found else []
        parts += [f"{FindingKind.label_of(k)}{n}处" for k, n in problems]
        out.append(f"抽查发现：{'，'.join(parts)}。具体如下：")
        i = 0
        for c in checks:
            for f in c.findings:
                i += 1
                site = next((x for x in c.sites if f in findings_at(c, x)), None)
                where = site.site_name if site else ""
                desc = f"，{f.description}" if f.description else ""
                out.append(f"（{_cn(i)}）{c.unit.name}{where}：{FindingKind.label_of(f.kind)}"
                           f"{desc}（{format_date(c.checked_on)}，{c.group_name}）。")  # fmt: skip
    out += [
        "三、工作要求",
        "各县（市、区）要对抽查发现的问题立即组织整改，新增“散乱污”企业纳入动态整治清单，"
        "实行销号管理；对反弹和整治不到位的问题举一反三，严防死灰复燃、异地转移和虚假整改。"
        "对问题突出的，将按照《省“散乱污”量化问责管理办法》予以问责。",
    ]
    return out


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def write_circular(
    session: Session,
    actor: Actor,
    path: str | Path,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    *,
    issued_on: dt.date | None = None,
    fonts=None,
    campaign_id: int | None = None,
) -> int:
    """Write the 督导抽查情况通报 as PDF in the official layout. Returns its page count."""
    require(actor, Permission.EXPORT)
    issued_on = issued_on or dt.date.today()
    city = get_setting(session, CITY_NAME) or ""
    title = f"关于{city}“散乱污”企业督导抽查情况的通报"
    blocks = [Title(title), *(Paragraph(p) for p in circular_paragraphs(
        session, actor, date_from, date_to, campaign_id))]  # fmt: skip
    blocks.append(Signatures([SignatureBlock(org=f"{city}生态环境局", date=issued_on)], columns=1))
    doc = OfficialDocument(
        fonts, title=title, author=f"{city}生态环境局", subject="督导抽查情况通报"
    )
    result = doc.build([blocks], Path(path))
    record(session, actor, "export", "spot_check", None, detail={
        "file": Path(path).name, "document": "circular", "from": date_from, "to": date_to})  # fmt: skip
    return result.pages
