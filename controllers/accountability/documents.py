"""Accountability records as .xlsx and a 问责决定 notice as an official PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from controllers.accountability.records import AMENDABLE, record_rows, record_view
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
from controllers.errors import WorkflowError
from controllers.permissions import Permission, require
from controllers.settings import CITY_NAME, get_setting
from models.codes import AccountabilityStatus, Measure

HEADERS = [
    ("编号", 6), ("责任单位", 14), ("被问责人员", 28), ("问题", 40), ("依据条款", 30),
    ("问责措施", 14), ("文号", 20), ("决定日期", 12), ("执行日期", 12), ("状态", 8),
    ("更正", 40),
]  # fmt: skip


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def export_records(
    session: Session, actor: Actor, path: str | Path, *, unit_id: int | None = None
) -> int:
    """A unit's (or every unit's in scope) records, effective values, amendments listed."""
    require(actor, Permission.EXPORT)
    dest = check_target(path)
    rows = []
    views = record_rows(session, actor, unit_id=unit_id)
    for v in views:
        e = v.effective
        amendments = "；".join(
            f"{a['at']:%Y-%m-%d} {a['by']}：{a['reason']}（"
            + "，".join(f"{AMENDABLE.get(k, k)}" for k in a["changes"]) + "）"
            for a in v.amendments
        )  # fmt: skip
        rows.append([
            v.id, v.unit, "、".join(f"{n}（{p}）" if p else n for n, p in e["persons"]),
            "；".join(f"{p['label']}：{p['description']}" for p in v.problems),
            e["clause"] or "", Measure.label_of(e["measure"]), e["doc_no"] or "",
            _date(e["decided_on"]), _date(e["executed_on"]),
            AccountabilityStatus.label_of(v.status), amendments,
        ])  # fmt: skip
    city = get_setting(session, CITY_NAME) or ""
    scope = views[0].unit if unit_id is not None and views else "全市"
    n = write_table(dest, "问责记录", f"{city}“散乱污”问责记录（{scope}）",
                    f"导出日期：{dt.date.today().isoformat()}　共 {len(rows)} 条"
                    "（已决定记录按追加更正后的内容列出）", HEADERS, rows)  # fmt: skip
    record(session, actor, "export", "accountability", None,
           detail={"file": dest.name, "rows": n, "unit_id": unit_id})  # fmt: skip
    return n


def decision_paragraphs(session: Session, actor: Actor, record_id: int) -> list[str]:
    v = record_view(session, actor, record_id)
    e = v.effective
    persons = "、".join(f"{p}{n}同志" if p else f"{n}同志" for n, p in e["persons"])
    out = [
        f"{v.unit}人民政府：",
        f"经查，{v.unit}在“散乱污”企业持续整治工作中存在以下问题：",
    ]
    for i, p in enumerate(v.problems, 1):
        out.append(f"{i}. {p['label']}：{p['description'] or ''}")
    out.append(
        f"依据{e['clause'] or '《省“散乱污”量化问责管理办法》'}，经研究，决定对{persons or '相关责任人'}"
        f"予以{Measure.label_of(e['measure'])}。"
    )
    out.append(
        "请你单位接此决定后，认真落实整改要求，举一反三，于十五个工作日内将整改及处理情况书面报送市“散乱污”整治办。"
    )
    for a in v.amendments:
        what = "，".join(f"{AMENDABLE.get(k, k)}由“{_show(old)}”更正为“{_show(new)}”"
                        for k, (old, new) in a["changes"].items())  # fmt: skip
        out.append(f"更正（{a['at']:%Y年%m月%d日}）：{what}。原因：{a['reason']}。")
    return out


def _show(value) -> str:
    if isinstance(value, list):
        return "、".join(f"{n}（{p}）" if p else str(n) for n, p in value)
    if value in (None, ""):
        return "（空）"
    return Measure.label_of(value) if Measure.parse(str(value)) else str(value)


def write_decision(
    session: Session, actor: Actor, record_id: int, path: str | Path, *, fonts=None
) -> int:
    """The 问责决定 notice of a decided record, in the official layout. Returns pages."""
    require(actor, Permission.EXPORT)
    v = record_view(session, actor, record_id)
    if v.status == AccountabilityStatus.PROPOSED:
        raise WorkflowError("拟问责的记录尚未作出决定，不能生成问责决定书。")
    city = get_setting(session, CITY_NAME) or ""
    e = v.effective
    title = f"关于对{v.unit}“散乱污”整治问题予以问责的决定"
    blocks = [Title(title)]
    if e["doc_no"]:
        blocks.append(Paragraph(f"（{e['doc_no']}）"))
    blocks += [Paragraph(p) for p in decision_paragraphs(session, actor, record_id)]
    decided = _date(e["decided_on"])
    blocks.append(Signatures([SignatureBlock(org=f"{city}生态环境局", date=decided)], columns=1))
    doc = OfficialDocument(fonts, title=title, author=f"{city}生态环境局", subject="问责决定")
    pages = doc.build([blocks], Path(path)).pages
    record(session, actor, "export", "accountability", record_id,
           detail={"file": Path(path).name, "document": "decision",
                   "decided_on": format_date(decided) if decided else None})  # fmt: skip
    return pages
