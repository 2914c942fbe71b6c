"""What a letter says: the placeholder values of a unit and the letter's document blocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.letters.templates import PLACEHOLDERS, TemplateContent, fill
from controllers.settings import CITY_NAME, get_setting
from models import Batch, Campaign, Unit
from models.codes import BatchKind, StageKind, UnitKind

_DIGITS = "零一二三四五六七八九"
_CLOSING = "。；！？"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (up to 99)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def cn_date(day: dt.date | None) -> str:
    """``2026年5月25日`` (Arabic numerals, as GB/T 9704 wants), '' for None."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def current_campaign(session: Session) -> Campaign | None:
    """The campaign letters are made for: the newest one, or None if none was set up."""
    return session.scalar(
        select(Campaign).order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1)
    )


def unit_org(unit: Unit) -> str:
    """The letter's 乙方: the unit's counterparty (its sub-bureau, or a park's 生态环境局) as the
    city's report names it; without one, the unit's people's government or park committee."""
    if unit.counterparty and unit.counterparty.strip():
        return unit.counterparty.strip()
    return f"{unit.name}{'管委会' if unit.kind == UnitKind.PARK else '人民政府'}"


@dataclass(frozen=True)
class LetterText:
    """Everything printed on one letter."""

    unit_name: str
    title: str
    paragraphs: list[str]
    signatures: list[tuple[str, str, str, dt.date | None]]  # party, org, signer, date
    letter_date: dt.date | None


def shared_values(
    session: Session, campaign: Campaign | None, content: TemplateContent
) -> dict[str, str]:
    """Placeholder values common to every unit: city, campaign, stages, earlier lists."""
    values = {k: fill(v, {"city_name": get_setting(session, CITY_NAME)}) for k, v in content.defaults.items()}  # fmt: skip
    values["city_name"] = str(get_setting(session, CITY_NAME))
    if campaign is not None:
        values["year"] = str(campaign.year)
        values["campaign_name"] = campaign.name
        if campaign.plan_title:
            values["plan_title"] = campaign.plan_title
        if campaign.requirements and campaign.requirements.strip():
            values["requirements"] = campaign.requirements.strip()
        for stage in campaign.stages:
            key = {
                StageKind.MOBILISE: "mobilise_deadline",
                StageKind.SELF_INSPECTION: "self_check_deadline",
                StageKind.ACCOUNTABILITY: "accountability_deadline",
            }.get(stage.kind)
            if key and stage.deadline:
                values[key] = cn_date(stage.deadline)
        years = session.scalars(
            select(Batch.year)
            .where(Batch.kind == BatchKind.ANNUAL, Batch.year < campaign.year)
            .order_by(Batch.year)
        ).all()
        if years:
            values["list_years"] = "、".join(str(y) for y in years) + "年"
    values["issuer_name"] = fill(content.issuer_name, values)
    return values


def letter_values(
    shared: dict[str, str],
    unit: Unit,
    letter_date: dt.date | None,
    due_on: dt.date | None = None,
) -> dict[str, str]:
    """All placeholder values of one unit's letter (missing ones are empty)."""
    values = dict.fromkeys(PLACEHOLDERS, "")
    values.update(shared)
    values.update(
        unit_name=unit.name,
        unit_short_name=unit.short_name or unit.name,
        unit_org=unit_org(unit),
        head_name=unit.head_name or "",
        head_title=unit.head_title or "",
        letter_date=cn_date(letter_date),
        due_date=cn_date(due_on),
    )
    if not values.get("year") and letter_date:
        values["year"] = str(letter_date.year)
    return values


def expand_paragraphs(paragraphs: list[str], values: dict[str, str]) -> list[str]:
    """Fill the placeholders; a paragraph that is only ``{requirements}`` becomes one
    paragraph per requirement, numbered （一）（二）…"""
    out: list[str] = []
    for para in paragraphs:
        if para.strip() == "{requirements}":
            items = [r.strip() for r in values.get("requirements", "").splitlines() if r.strip()]
            for n, item in enumerate(items, start=1):
                if item.startswith(("（", "(")):
                    out.append(item)
                else:
                    end = "" if item[-1] in _CLOSING else "。"
                    out.append(f"（{chinese_number(n)}）{item}{end}")
            continue
        text = para
        if "{requirements}" in text:
            inline = "；".join(
                r.strip().rstrip("。；")
                for r in values.get("requirements", "").splitlines()
                if r.strip()
            )
            text = text.replace("{requirements}", inline)
        out.append(fill(text, values))
    return [p for p in out if p.strip()]


def letter_text(
    content: TemplateContent, values: dict[str, str], letter_date: dt.date | None
) -> LetterText:
    """The text of one letter from a template and a unit's values."""
    signatures = [
        (fill(s.party, values), fill(s.org, values), fill(s.signer, values),
         letter_date if s.dated else None)
        for s in content.signatures
    ]  # fmt: skip
    return LetterText(
        unit_name=values.get("unit_name", ""),
        title=fill(content.title, values),
        paragraphs=expand_paragraphs(content.paragraphs, values),
        signatures=signatures,
        letter_date=letter_date,
    )
