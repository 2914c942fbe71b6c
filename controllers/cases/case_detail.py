"""One case as its detail dialog shows it: fields, checklist, look-backs, attachments, history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.auth.display_names import display_names
from controllers.cases.case_edit import case_values, get_case
from controllers.cases.validation import FIELD_LABELS
from controllers.permissions import Permission, can, require, scope_to_unit
from models import (
    Attachment,
    Batch,
    Case,
    CaseChange,
    CaseLink,
    CaseLookback,
    Industry,
    Township,
    Unit,
)
from models.codes import (
    AttachmentKind,
    CaseStatus,
    CheckItem,
    Classification,
    LookbackResult,
    PollutionType,
    ProblemType,
    Source,
    labels_of_codes,
)
from models.leads import LeadKind


@dataclass(frozen=True)
class CheckRow:
    item: CheckItem
    done_on: dt.date | None = None
    note: str | None = None
    evidence_id: int | None = None
    evidence_name: str | None = None
    version: int | None = None  # None: no row yet


@dataclass(frozen=True)
class LookbackRow:
    id: int
    checked_on: dt.date
    result: LookbackResult
    inspector: str | None
    note: str | None
    attachment_id: int | None


@dataclass(frozen=True)
class LinkRow:
    """A case linked to this one by a confirmed 线索 (relocation, relapse, 类散乱污)."""

    case_id: int  # the other case
    kind: LeadKind
    #: True: the other case is the old, closed one; False: the newer case found later
    other_is_old: bool
    name: str
    unit: str
    status: CaseStatus
    linked_at: dt.datetime | None
    #: the actor may open the other case (a county clerk: only its own unit's)
    can_open: bool

    @property
    def relation(self) -> str:
        side = "原企业（已关停）" if self.other_is_old else "后发现的企业"
        return f"{self.kind.label} · {side}"


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    filename: str
    kind: AttachmentKind
    size: int
    mime: str
    created_at: dt.datetime | None
    note: str | None


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: dt.datetime
    username: str
    field: str
    label: str
    old: str
    new: str
    note: str | None
    #: the person's display name (张市级); the login name when it cannot be read
    person: str = ""


@dataclass
class CaseRecord:
    """Everything the detail dialog shows of one case."""

    id: int
    version: int
    values: dict[str, Any]  # editable fields and status, codes as plain strings
    display_name: str
    is_relapsed: bool
    relapse_count: int
    checks: dict[CheckItem, CheckRow] = field(default_factory=dict)
    lookbacks: list[LookbackRow] = field(default_factory=list)
    attachments: list[AttachmentRow] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)

    @property
    def status(self) -> CaseStatus:
        return CaseStatus(self.values["status"])


@dataclass(frozen=True)
class FormChoices:
    """What the case form's lists offer."""

    units: list[tuple[int, str]]
    townships: dict[int, list[tuple[int, str]]]  # unit id → (id, name)
    industries: list[tuple[int, str]]
    batches: list[tuple[int, str]]

    @property
    def township_units(self) -> dict[int, int]:
        return {t: u for u, towns in self.townships.items() for t, _ in towns}


def form_choices(session: Session, actor: Actor) -> FormChoices:
    """Units in the actor's scope, their townships, industries and batches."""
    units = [
        (r.id, r.name)
        for r in session.execute(
            scope_to_unit(select(Unit.id, Unit.name), actor, Unit.id).order_by(Unit.sort_order)
        )
    ]
    unit_ids = {u for u, _ in units}
    townships: dict[int, list[tuple[int, str]]] = {u: [] for u in unit_ids}
    for r in session.execute(
        select(Township.id, Township.unit_id, Township.name).order_by(
            Township.unit_id, Township.sort_order, Township.name
        )
    ):
        if r.unit_id in unit_ids:
            townships[r.unit_id].append((r.id, r.name))
    industries = [(r.id, r.name) for r in session.execute(
        select(Industry.id, Industry.name).order_by(Industry.sort_order, Industry.name))]  # fmt: skip
    batches = [(r.id, r.name) for r in session.execute(
        select(Batch.id, Batch.name).order_by(Batch.sort_order, Batch.id))]  # fmt: skip
    return FormChoices(units, townships, industries, batches)


def load_case(session: Session, actor: Actor, case_id: int) -> CaseRecord:
    """A case with its checklist, look-backs, attachments and history (newest first)."""
    case = get_case(session, case_id)
    require(actor, Permission.VIEW, case.unit_id)
    atts = list(session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                                .order_by(Attachment.id)))  # fmt: skip
    names = {a.id: a.filename for a in atts}
    checks = {
        CheckItem(c.item): CheckRow(CheckItem(c.item), c.done_on, c.note, c.evidence_attachment_id,
                                    names.get(c.evidence_attachment_id), c.version)
        for c in case.checks
    }  # fmt: skip
    lookbacks = [
        LookbackRow(lb.id, lb.checked_on, LookbackResult(lb.result), lb.inspector, lb.note,
                    lb.attachment_id)
        for lb in session.scalars(select(CaseLookback).where(CaseLookback.case_id == case.id)
                                  .order_by(CaseLookback.checked_on, CaseLookback.id))
    ]  # fmt: skip
    attachments = [
        AttachmentRow(
            a.id, a.filename, AttachmentKind(a.kind), a.size, a.mime, a.created_at, a.note
        )
        for a in atts
    ]
    return CaseRecord(
        id=case.id,
        version=case.version,
        values=case_values(case),
        display_name=case.display_name,
        is_relapsed=bool(case.is_relapsed),
        relapse_count=int(case.relapse_count or 0),
        checks=checks,
        lookbacks=lookbacks,
        attachments=attachments,
        history=case_history(session, case.id),
        links=case_links(session, actor, case.id),
    )


def case_links(session: Session, actor: Actor, case_id: int) -> list[LinkRow]:
    """The cases a confirmed 线索 linked to this one (either side), oldest link first."""
    links = list(
        session.scalars(
            select(CaseLink)
            .where((CaseLink.case_id == case_id) | (CaseLink.other_case_id == case_id))
            .order_by(CaseLink.created_at, CaseLink.id)
        )
    )
    if not links:
        return []
    others = {ln.other_case_id if ln.case_id == case_id else ln.case_id for ln in links}
    rows = {
        r.id: r
        for r in session.execute(
            select(Case.id, Case.name, Case.address, Case.owner, Case.unit_id, Case.status,
                   Unit.name.label("unit")).join(Unit, Unit.id == Case.unit_id)
            .where(Case.id.in_(others))
        )
    }  # fmt: skip
    out = []
    for ln in links:
        other_is_old = ln.case_id == case_id
        r = rows.get(ln.other_case_id if other_is_old else ln.case_id)
        if r is None:
            continue
        name = r.name or "（无名称）" + " ".join(p for p in (r.address, r.owner) if p)
        out.append(
            LinkRow(r.id, LeadKind(ln.kind), other_is_old, name, r.unit, CaseStatus(r.status),
                    ln.created_at, can(actor, Permission.VIEW, r.unit_id))
        )  # fmt: skip
    return out


class _Names:
    """Names of referenced rows, for history text."""

    def __init__(self, session: Session) -> None:
        self.maps = {
            "unit_id": dict(session.execute(select(Unit.id, Unit.name)).all()),
            "township_id": dict(session.execute(select(Township.id, Township.name)).all()),
            "industry_id": dict(session.execute(select(Industry.id, Industry.name)).all()),
            "batch_id": dict(session.execute(select(Batch.id, Batch.name)).all()),
        }

    def text(self, field_name: str, stored: str | None) -> str:
        if stored is None or stored == "":
            return "（空）"
        if field_name in self.maps:
            try:
                return self.maps[field_name].get(int(stored), stored)
            except ValueError:
                return stored
        return value_text(field_name, stored)


def value_text(field_name: str, stored: str) -> str:
    """A stored history value as a clerk reads it (labels for codes, 是/否 for flags)."""
    if field_name == "status":
        return CaseStatus.label_of(stored)
    if field_name == "classification":
        return Classification.label_of(stored)
    if field_name == "source":
        return Source.label_of(stored)
    if field_name == "problem_types":
        return labels_of_codes(ProblemType, stored) or stored
    if field_name == "pollution_types":
        return labels_of_codes(PollutionType, stored) or stored
    if field_name in ("is_quasi", "is_relapsed"):
        return {"1": "是", "0": "否", "True": "是", "False": "否"}.get(stored, stored)
    return stored


def case_history(session: Session, case_id: int) -> list[HistoryEntry]:
    """Every change of a case, newest first, with labels and names."""
    names = _Names(session)
    rows = session.scalars(
        select(CaseChange)
        .where(CaseChange.case_id == case_id)
        .order_by(CaseChange.changed_at.desc(), CaseChange.id.desc())
    ).all()
    # read through rectify_display_names() on PostgreSQL: a county clerk's role reads only
    # its own users row, and the history names everyone who changed the case
    people = display_names(session, (r.user_id for r in rows))
    return [
        HistoryEntry(
            changed_at=r.changed_at,
            username=r.username or "（系统）",
            field=r.field,
            label=FIELD_LABELS.get(r.field, r.field),
            old=names.text(r.field, r.old_value),
            new=names.text(r.field, r.new_value),
            note=r.note,
            person=people.get(r.user_id) or r.username or "（系统）",
        )
        for r in rows
    ]
