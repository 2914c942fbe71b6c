"""Every unit's letter at a glance: status, dates, what is missing, which are late."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.letters.compose import current_campaign
from controllers.permissions import Permission, require, scope_to_unit
from models import Attachment, Letter, LetterTemplate, Unit
from models.codes import AttachmentKind, LetterStatus

NOT_MADE = "未生成"


@dataclass(frozen=True)
class LetterRow:
    """One unit's line of the overview."""

    unit_id: int
    unit_name: str
    sort_order: int
    letter_id: int | None
    version: int | None  # the letter row's version (for optimistic locking)
    status: LetterStatus | None  # None: no letter made yet
    template_version: int | None
    letter_date: dt.date | None
    issued_on: dt.date | None
    due_on: dt.date | None
    signer_name: str | None
    signed_on: dt.date | None
    archived_on: dt.date | None
    scans: int
    head_name: str | None
    missing: str  # what is still to be done, in Chinese ('' when archived)
    days_late: int  # > 0: the signed copy is overdue

    @property
    def late(self) -> bool:
        return self.days_late > 0

    @property
    def status_label(self) -> str:
        return self.status.label if self.status else NOT_MADE


@dataclass
class LettersOverview:
    """The overview of one campaign's letters."""

    campaign_name: str
    today: dt.date
    rows: list[LetterRow] = field(default_factory=list)

    def count(self, status: LetterStatus | None) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def late(self) -> int:
        return sum(1 for r in self.rows if r.late)

    def summary(self) -> str:
        """A one-line count in Chinese, e.g. for the pane's header."""
        parts = [f"共 {len(self.rows)} 个单位"]
        for status in reversed(LetterStatus):
            parts.append(f"{status.label} {self.count(status)}")
        if self.count(None):
            parts.append(f"{NOT_MADE} {self.count(None)}")
        if self.late:
            parts.append(f"逾期未返回 {self.late}")
        return "，".join(parts)


def _missing(status: LetterStatus | None, due_on: dt.date | None, scans: int,
             today: dt.date) -> tuple[str, int]:  # fmt: skip
    """What is missing and how many days late."""
    if status is None:
        return "尚未生成承诺书", 0
    if status == LetterStatus.DRAFT:
        return "尚未印发", 0
    if status == LetterStatus.ISSUED:
        if due_on and today > due_on:
            days = (today - due_on).days
            return (
                f"签署件逾期未返回（应于{due_on.month}月{due_on.day}日前返回，已逾期{days}天）",
                days,
            )
        if due_on:
            return f"待签署返回（{due_on.month}月{due_on.day}日前）", 0
        return "待签署返回", 0
    if status == LetterStatus.SIGNED:
        return "缺签署件扫描件，尚未归档", 0
    return ("" if scans else "归档记录缺扫描件"), 0


def letters_overview(
    session: Session, actor: Actor, today: dt.date | None = None
) -> LettersOverview:
    """Each active unit and its letter of the current campaign (a county clerk: own unit)."""
    require(actor, Permission.VIEW)
    day = today or dt.date.today()
    campaign = current_campaign(session)
    cond = Letter.campaign_id.is_(None) if campaign is None else Letter.campaign_id == campaign.id
    scans = (
        select(Attachment.letter_id, func.count().label("n"))
        .where(Attachment.kind == AttachmentKind.SIGNED_LETTER)
        .group_by(Attachment.letter_id)
        .subquery()
    )
    stmt = (
        select(Unit, Letter, LetterTemplate.version_no, func.coalesce(scans.c.n, 0))
        .outerjoin(Letter, (Letter.unit_id == Unit.id) & cond)
        .outerjoin(LetterTemplate, LetterTemplate.id == Letter.template_id)
        .outerjoin(scans, scans.c.letter_id == Letter.id)
        .where(Unit.active.is_(True))
        .order_by(Unit.sort_order, Unit.id)
    )
    stmt = scope_to_unit(stmt, actor, Unit.id)
    overview = LettersOverview(campaign.name if campaign else "（未设专项行动）", day)
    for unit, letter, version_no, n_scans in session.execute(stmt):
        status = letter.status if letter else None
        missing, late = _missing(status, letter.due_on if letter else None, n_scans, day)
        overview.rows.append(
            LetterRow(
                unit_id=unit.id,
                unit_name=unit.name,
                sort_order=unit.sort_order,
                letter_id=letter.id if letter else None,
                version=letter.version if letter else None,
                status=status,
                template_version=version_no,
                letter_date=letter.letter_date if letter else None,
                issued_on=letter.issued_on if letter else None,
                due_on=letter.due_on if letter else None,
                signer_name=letter.signer_name if letter else None,
                signed_on=letter.signed_on if letter else None,
                archived_on=letter.archived_on if letter else None,
                scans=int(n_scans),
                head_name=unit.head_name,
                missing=missing,
                days_late=late,
            )
        )
    return overview
