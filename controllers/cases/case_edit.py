"""Creating, editing and (only while 待整治) deleting a case, with its 两断三清 checklist.

Every write checks the clerk's permission and unit, validates the whole record with the
form's own rules, keeps the optimistic lock (``version``), writes one history row per changed
field and one audit entry, committed by the runner — or leaves the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.attachments import add_attachment
from controllers.audit.trail import record
from controllers.cases.history import as_text, record_changes
from controllers.cases.validation import (
    CASE_FIELDS,
    FIELDS_BY_KEY,
    WORKFLOW_FIELDS,
    clean_value,
    raise_if_invalid,
    validate_case,
)
from controllers.editing import apply_edit
from controllers.errors import NotFoundError, ValidationError, WorkflowError
from controllers.permissions import Permission, require
from models import (
    AccountabilityProblem,
    Attachment,
    Case,
    CaseCheck,
    ReturnMergeItem,
    SpotCheckFinding,
    SpotCheckSite,
    Township,
)
from models.codes import AttachmentKind, CaseStatus, CheckItem, Classification

EDITABLE_KEYS = tuple(f.key for f in CASE_FIELDS)


@dataclass(frozen=True)
class EvidenceFile:
    """A file chosen as evidence, stored when the edit is saved."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckEdit:
    """The new state of one 两断三清 item."""

    item: CheckItem
    done_on: dt.date | None
    note: str | None = None
    evidence: EvidenceFile | None = None  # a new evidence file
    clear_evidence: bool = False
    expected_version: int | None = None  # the check row's version when opened (None: no row)


def check_field(item: CheckItem) -> str:
    """The history field name of a checklist item (``check_water_cut``)."""
    return f"check_{item.value}"


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"编号 {case_id} 的企业不存在（可能已被删除）。")
    return case


def case_values(case: Case) -> dict[str, Any]:
    """The editable fields of a case as stored (codes as plain strings)."""
    out: dict[str, Any] = {}
    for key in (*EDITABLE_KEYS, "status"):
        value = getattr(case, key)
        out[key] = str(value.value) if hasattr(value, "value") else value
    return out


def township_units(session: Session) -> dict[int, int]:
    """Township id → unit id (to check that a township belongs to the chosen unit)."""
    return dict(session.execute(select(Township.id, Township.unit_id)).all())


def _clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    bad = sorted(set(changes) & WORKFLOW_FIELDS)
    if bad:
        raise WorkflowError("状态和反弹标记只能通过“推进/退回”和“回头看”操作改变，不能直接修改。")
    unknown = sorted(set(changes) - set(EDITABLE_KEYS))
    if unknown:
        raise ValidationError(f"无法修改这些字段：{'、'.join(unknown)}。", field=unknown[0])
    out: dict[str, Any] = {}
    for key, value in changes.items():
        value = clean_value(key, value)
        spec = FIELDS_BY_KEY[key]
        if spec.kind == "code" and value is not None and spec.enum is not None:
            member = spec.enum.parse(str(value))
            value = member if member is not None else value
        out[key] = value
    return out


def _stored(case: Case, key: str) -> Any:
    value = getattr(case, key)
    return str(value.value) if hasattr(value, "value") else value


def apply_case_changes(
    session: Session,
    actor: Actor,
    case: Case,
    expected_version: int,
    changes: Mapping[str, Any],
    checks: Sequence[CheckEdit] = (),
    *,
    today: dt.date | None = None,
    note: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Validate and apply field changes and checklist edits to ``case`` (no commit).

    Returns the history diffs written. Raises ValidationError, EditConflict, PermissionDenied.
    """
    today = today or dt.date.today()
    require(actor, Permission.EDIT_CASES, case.unit_id)
    cleaned = _clean_changes(changes)
    if "unit_id" in cleaned and cleaned["unit_id"] is not None:
        require(actor, Permission.EDIT_CASES, int(cleaned["unit_id"]))
    merged = case_values(case)
    merged.update({k: (str(v.value) if hasattr(v, "value") else v) for k, v in cleaned.items()})
    raise_if_invalid(validate_case(merged, today=today, township_units=township_units(session)))
    real = {k: v for k, v in cleaned.items() if _stored(case, k) != merged[k]}
    diffs: dict[str, tuple[Any, Any]] = {}
    if real:
        if actor.user_id is not None:
            case.updated_by_id = actor.user_id
        diffs = apply_edit(session, case, expected_version, real)
        record_changes(session, case, actor, diffs, note=note)
    if checks:
        check_diffs = apply_checks(session, actor, case, checks, today=today)
        record_changes(session, case, actor, check_diffs, note=note)
        diffs.update(check_diffs)
    return diffs


def _check_text(done_on: dt.date | None, evidence: str | None) -> str | None:
    if done_on is None and not evidence:
        return None
    parts = [done_on.isoformat() if done_on else "（未填日期）"]
    if evidence:
        parts.append(f"佐证：{evidence}")
    return "；".join(parts)


def apply_checks(
    session: Session,
    actor: Actor,
    case: Case,
    edits: Sequence[CheckEdit],
    *,
    today: dt.date | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Apply 两断三清 edits (evidence files stored with their checksum); returns diffs."""
    today = today or dt.date.today()
    if edits and case.classification != Classification.SHUTDOWN:
        raise ValidationError("只有“关停取缔”类企业需要填写两断三清。", field="classification")
    rows = {c.item: c for c in case.checks}
    diffs: dict[str, tuple[Any, Any]] = {}
    for edit in edits:
        item = CheckItem(edit.item)
        if edit.done_on and edit.done_on > today:
            raise ValidationError(
                f"两断三清·{item.label}：完成日期不能晚于今天。", field=check_field(item)
            )
        row = rows.get(item)
        if row is None:
            row = CaseCheck(item=item)
            case.checks.append(row)
            rows[item] = row
            old_text = None
        else:
            if edit.expected_version is not None and edit.expected_version != row.version:
                apply_edit(session, row, edit.expected_version, {"done_on": edit.done_on})
            old_text = _check_text(
                row.done_on, _attachment_name(session, row.evidence_attachment_id)
            )
        evidence_id = row.evidence_attachment_id
        if edit.evidence is not None:
            kind = (
                AttachmentKind.POWER_RECORD
                if item == CheckItem.POWER_CUT
                else AttachmentKind.EVIDENCE
            )
            att = add_attachment(session, actor, edit.evidence.content, edit.evidence.filename,
                                 kind, note=f"两断三清·{item.label}", case_id=case.id)  # fmt: skip
            evidence_id = att.id
        elif edit.clear_evidence:
            evidence_id = None
        note = (edit.note or "").strip() or None
        if (row.done_on, row.evidence_attachment_id, row.note) == (edit.done_on, evidence_id, note):
            continue
        row.done_on, row.evidence_attachment_id, row.note = edit.done_on, evidence_id, note
        session.flush()
        new_text = _check_text(row.done_on, _attachment_name(session, evidence_id))
        if old_text != new_text:
            diffs[check_field(item)] = (old_text, new_text)
    return diffs


def _attachment_name(session: Session, attachment_id: int | None) -> str | None:
    if attachment_id is None:
        return None
    return session.scalar(select(Attachment.filename).where(Attachment.id == attachment_id))


def _audit_detail(diffs: Mapping[str, tuple[Any, Any]]) -> dict[str, Any]:
    return {"changes": {k: [as_text(o), as_text(n)] for k, (o, n) in diffs.items()}}


def save_case(
    session: Session,
    actor: Actor,
    case_id: int,
    expected_version: int,
    changes: Mapping[str, Any],
    checks: Sequence[CheckEdit] = (),
    *,
    today: dt.date | None = None,
) -> int:
    """Save a clerk's edits of a case. Returns the case's new version."""
    try:
        case = get_case(session, case_id)
        diffs = apply_case_changes(session, actor, case, expected_version, changes, checks,
                                   today=today)  # fmt: skip
        if diffs:
            record(session, actor, "update", "case", case.id, detail=_audit_detail(diffs))
    except Exception:
        session.rollback()
        raise
    return get_case(session, case_id).version


def create_case(
    session: Session,
    actor: Actor,
    values: Mapping[str, Any],
    checks: Sequence[CheckEdit] = (),
    *,
    today: dt.date | None = None,
) -> int:
    """Add a new case (status 待整治). Returns its id."""
    today = today or dt.date.today()
    try:
        cleaned = _clean_changes(values)
        unit_id = cleaned.get("unit_id")
        require(actor, Permission.EDIT_CASES, int(unit_id) if unit_id is not None else None)
        merged = {k: (str(v.value) if hasattr(v, "value") else v) for k, v in cleaned.items()}
        merged["status"] = CaseStatus.PENDING.value
        raise_if_invalid(validate_case(merged, today=today, township_units=township_units(session)))
        case = Case(
            **cleaned,
            status=CaseStatus.PENDING,
            is_relapsed=False,
            relapse_count=0,
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
        )
        case.problem_types = case.problem_types or ""
        case.pollution_types = case.pollution_types or ""
        session.add(case)
        session.flush()
        record_changes(session, case, actor, {"status": (None, CaseStatus.PENDING)}, note="新建")
        if checks:
            record_changes(
                session, case, actor, apply_checks(session, actor, case, checks, today=today)
            )
        record(session, actor, "create", "case", case.id,
               detail={"values": {k: as_text(v) for k, v in cleaned.items()}})  # fmt: skip
        return case.id
    except Exception:
        session.rollback()
        raise


def delete_case(
    session: Session, actor: Actor, case_id: int, expected_version: int, reason: str
) -> None:
    """Delete a case entered by mistake (e.g. a duplicate).

    Only a 待整治 case that nothing else refers to may go; a case that entered the workflow —
    and a closed-out case above all — is never deleted.
    """
    try:
        case = get_case(session, case_id)
        require(actor, Permission.EDIT_CASES, case.unit_id)
        if case.status == CaseStatus.CLOSED:
            raise WorkflowError("已销号的企业永久保留，不能删除（“完成整治一起，销号一起”）。")
        if case.status != CaseStatus.PENDING or case.lookbacks:
            raise WorkflowError(
                f"“{case.display_name}”已进入整治流程（{CaseStatus.label_of(case.status)}），"
                "不能删除；只有误录入的待整治企业可以删除。"
            )
        if not (reason or "").strip():
            raise ValidationError("删除企业须填写原因（例如“重复录入”）。", field="reason")
        for model in (SpotCheckSite, SpotCheckFinding, AccountabilityProblem):
            if session.scalar(
                select(func.count()).select_from(model).where(model.case_id == case.id)
            ):
                raise WorkflowError(f"“{case.display_name}”已被督导抽查或问责记录引用，不能删除。")
        if session.scalar(select(ReturnMergeItem.id).where(ReturnMergeItem.case_id == case.id)
                          .limit(1)):  # fmt: skip
            raise WorkflowError(
                f"“{case.display_name}”记录在已审核通过的县区上报的并入清单中（新增或变更），"
                "不能删除（上报并入的记录须保持完整）。"
            )
        if case.version != expected_version:
            apply_edit(session, case, expected_version, {})
        snapshot = {k: as_text(v) for k, v in case_values(case).items()}
        for att in session.scalars(select(Attachment).where(Attachment.case_id == case.id)):
            session.delete(att)
        session.delete(case)
        record(session, actor, "delete", "case", case_id,
               detail={"reason": reason.strip(), "values": snapshot})  # fmt: skip
    except Exception:
        session.rollback()
        raise
