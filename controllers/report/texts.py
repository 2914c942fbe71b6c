"""The report's editable sections (五、意见建议 and 六、下一步工作安排), kept in the database.

One record per campaign and scope (the city, or a unit for a county clerk) in the
``app_settings`` table, saved with optimistic locking and audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.editing import EditConflict, FieldConflict, apply_edit
from controllers.errors import ValidationError
from controllers.permissions import Permission, require, unit_scope
from models import AppSetting
from models.base import now

MAX_CHARS = 20_000

DEFAULT_PROPOSALS = (
    "进一步强化主体责任，各县（市、区）人民政府，高新区、循环化工园区管委会，是推进我市“散乱污”"
    "企业持续整治专项行动的责任主体，要进一步加强领导、完善机制、精准施策、挂图作战、限时销号，"
    "确保实现我市“散乱污”企业持续整治工作取得实效。"
)
DEFAULT_NEXT_STEPS = (
    "目前，“散乱污”企业持续整治工作排查问责阶段，下一步，我市将进一步强化工作措施、加大工作力度，"
    "一是扎实做好已关停企业的“回头看”工作，坚决杜绝反弹，严厉打击偷排偷开、超标排放、恶意排污问题。"
    "二是强化环保网格化监管责任落实，加大对已整治类企业监管，确保治污设施正常运行，污染物达标排放。"
    "三是持续开展排查，确保关停取缔到位、整改提升到位，严防已整治“散乱污”企业死灰复燃、异地转移，"
    "真正实现“散乱污”企业动态清零。"
)

SECTION_LABELS = {"proposals": "五、意见建议", "next_steps": "六、下一步工作安排"}


@dataclass(frozen=True)
class ReportTexts:
    """The clerk's wording of sections 五 and 六."""

    proposals: str = DEFAULT_PROPOSALS
    next_steps: str = DEFAULT_NEXT_STEPS
    version: int | None = None  # the stored version it was loaded at; None: not saved yet
    updated_by: str = ""
    updated_at: str = ""

    @staticmethod
    def paragraphs(text: str) -> list[str]:
        """Non-empty lines of a section, each a paragraph."""
        return [line.strip() for line in text.splitlines() if line.strip()]


def texts_key(actor: Actor, campaign_id: int | None) -> str:
    """The settings key of a campaign's texts for the actor's scope."""
    scope = unit_scope(actor)
    return f"report.stage.c{campaign_id or 0}." + ("city" if scope is None else f"unit{scope}")


def load_texts(session: Session, actor: Actor, campaign_id: int | None = None) -> ReportTexts:
    """The stored texts, or the defaults (from the seed report) when none were saved."""
    require(actor, Permission.VIEW)
    row = session.get(AppSetting, texts_key(actor, campaign_id))
    if row is None:
        return ReportTexts()
    data = json.loads(row.value)
    return ReportTexts(
        proposals=data.get("proposals", DEFAULT_PROPOSALS),
        next_steps=data.get("next_steps", DEFAULT_NEXT_STEPS),
        version=row.version,
        updated_by=data.get("updated_by", ""),
        updated_at=data.get("updated_at", ""),
    )


def validate_texts(texts: ReportTexts) -> None:
    """Raise ValidationError (naming the section) for empty or overlong text."""
    for name, label in SECTION_LABELS.items():
        value = getattr(texts, name)
        if not value.strip():
            raise ValidationError(f"“{label}”不能为空，请填写内容。", field=name)
        if len(value) > MAX_CHARS:
            raise ValidationError(
                f"“{label}”过长（{len(value):,} 字），最多 {MAX_CHARS:,} 字。", field=name
            )


def _conflict(
    session: Session, actor: Actor, mine: ReportTexts, campaign_id: int | None
) -> EditConflict:
    """Both versions of the texts, for the clerk to choose."""
    theirs = load_texts(session, actor, campaign_id)
    conflicts = [
        FieldConflict(label, getattr(mine, name), getattr(theirs, name))
        for name, label in SECTION_LABELS.items()
        if getattr(mine, name).strip() != getattr(theirs, name).strip()
    ]
    return EditConflict(
        "ReportTexts",
        texts_key(actor, campaign_id),
        theirs.version or 0,
        conflicts,
        {
            "proposals": theirs.proposals,
            "next_steps": theirs.next_steps,
            "updated_by": theirs.updated_by,
            "updated_at": theirs.updated_at,
        },
    )


def save_texts(
    session: Session, actor: Actor, texts: ReportTexts, campaign_id: int | None = None
) -> ReportTexts:
    """Store the texts if nobody saved since they were loaded (else EditConflict)."""
    require(actor, Permission.EDIT_CASES)
    validate_texts(texts)
    key = texts_key(actor, campaign_id)
    stamp = now().isoformat(sep=" ")
    value = json.dumps(
        {
            "proposals": texts.proposals.strip(),
            "next_steps": texts.next_steps.strip(),
            "updated_by": actor.label,
            "updated_at": stamp,
        },
        ensure_ascii=False,
    )
    row = session.get(AppSetting, key)
    if row is None:
        if texts.version is not None:  # it was saved before, and has been deleted since
            raise _conflict(session, actor, texts, campaign_id)
        session.add(AppSetting(key=key, value=value))
        try:
            session.flush()
        except IntegrityError:  # another clerk saved the first version at the same moment
            session.rollback()
            raise _conflict(session, actor, texts, campaign_id) from None
    else:
        try:
            apply_edit(session, row, texts.version or 0, {"value": value})
        except EditConflict:
            session.rollback()
            raise _conflict(session, actor, texts, campaign_id) from None
    record(
        session,
        actor,
        "save_report_text",
        "report",
        key,
        detail={"chars": len(texts.proposals) + len(texts.next_steps)},
    )
    return load_texts(session, actor, campaign_id)


def _campaign_id(session: Session) -> int | None:
    from controllers.overview import current_campaign

    campaign = current_campaign(session)
    return campaign.id if campaign else None


def load_current_texts(session: Session, actor: Actor) -> ReportTexts:
    """The texts of the current campaign's report (see :func:`load_texts`)."""
    return load_texts(session, actor, _campaign_id(session))


def save_current_texts(session: Session, actor: Actor, texts: ReportTexts) -> ReportTexts:
    """Save the texts of the current campaign's report (see :func:`save_texts`)."""
    return save_texts(session, actor, texts, _campaign_id(session))
