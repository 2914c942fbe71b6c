"""Bulk work on selected cases: a status move where the workflow allows it, the responsible
person. All or nothing: a bulk change either applies to every case it names or to none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.cases.history import record_changes
from controllers.cases.validation import FIELDS_BY_KEY
from controllers.cases.workflow import (
    BACK,
    CLOSING_TARGETS,
    check_states,
    evidence_counts,
    move_problems,
    transition_changes,
)
from controllers.editing import set_changed
from controllers.errors import ValidationError, WorkflowError
from controllers.permissions import Permission, can, require
from models import Case
from models.codes import CaseStatus
from models.textnorm import clean_text

Progress = Callable[[int, str], None]
CHUNK = 500
#: the responsible-person fields bulk work may set
RESPONSIBLE_FIELDS = ("resp_first", "resp_direct", "resp_specific")
#: at most this many case ids are listed in one audit entry (the history has every case)
AUDIT_ID_LIMIT = 500


@dataclass
class BulkPlan:
    """Which of the selected cases a move applies to, and why the others are refused."""

    target: CaseStatus
    allowed: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # case id → reason
    names: dict[int, str] = field(default_factory=dict)

    def refusal_summary(self, limit: int = 5) -> str:
        lines = [f"{self.names.get(i, i)}：{why.rstrip('。')}"
                 for i, why in list(self.refused.items())[:limit]]  # fmt: skip
        more = len(self.refused) - limit
        return "；".join(lines) + (f"；另有 {more:,} 家同样不能处理" if more > 0 else "")


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _load(session: Session, ids: list[int]) -> list[Case]:
    return list(session.scalars(
        select(Case).options(selectinload(Case.checks)).where(Case.id.in_(ids)).order_by(Case.id)
    ))  # fmt: skip


def _permission(case: Case, target: CaseStatus) -> Permission:
    if BACK.get(CaseStatus(case.status)) == target:
        return Permission.EDIT_CASES
    return Permission.CLOSE_CASES if target in CLOSING_TARGETS else Permission.EDIT_CASES


def plan_bulk_move(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    target: CaseStatus | str,
    *,
    reason: str | None = None,
    progress: Progress | None = None,
) -> BulkPlan:
    """Check every selected case against the workflow (nothing is written)."""
    require(actor, Permission.EDIT_CASES)
    target = CaseStatus(target)
    plan = BulkPlan(target)
    ids = sorted({int(i) for i in case_ids})
    done = 0
    for part in _chunks(ids):
        cases = _load(session, part)
        evidence = evidence_counts(session, [c.id for c in cases])
        for case in cases:
            plan.names[case.id] = case.display_name
            if not can(actor, _permission(case, target), case.unit_id):
                plan.refused[case.id] = "无权处理（权限或单位不符）"
                continue
            problems = move_problems(
                case.status, target,
                {k: getattr(case, k) for k in ("completed_on", "accepted_on", "approved_by",
                                               "classification")},
                evidence_count=evidence.get(case.id, 0), checks=check_states(case), reason=reason,
            )  # fmt: skip
            if problems:
                plan.refused[case.id] = "；".join(problems)
            else:
                plan.allowed.append(case.id)
        missing = set(part) - {c.id for c in cases}
        for i in missing:
            plan.refused[i] = "该企业不存在（可能已被删除）"
        done += len(part)
        if progress:
            progress(done * 50 // max(len(ids), 1), f"已检查 {done:,} / {len(ids):,} 家")
    return plan


def _audit_ids(ids: Sequence[int]) -> dict[str, object]:
    listed = list(ids[:AUDIT_ID_LIMIT])
    return {"count": len(ids), "case_ids": listed, "ids_truncated": len(ids) > len(listed)}


def bulk_move(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    target: CaseStatus | str,
    *,
    reason: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> int:
    """Move every listed case to ``target`` in one transaction. Returns the count.

    Refuses the whole batch (WorkflowError, nothing written) if any case may not move.
    """
    today = today or dt.date.today()
    target = CaseStatus(target)
    ids = sorted({int(i) for i in case_ids})
    try:
        plan = plan_bulk_move(session, actor, ids, target, reason=reason, progress=progress)
        if plan.refused:
            raise WorkflowError(
                f"批量改为“{target.label}”未执行（{len(plan.refused):,} 家不符合条件，"
                f"数据未作任何修改）：{plan.refusal_summary()}。"
            )
        note = (reason or "").strip() or f"批量改为“{target.label}”"
        done = 0
        for part in _chunks(ids):
            for case in _load(session, part):
                diffs = set_changed(case, transition_changes(case, target, today))
                if actor.user_id is not None:
                    case.updated_by_id = actor.user_id
                record_changes(session, case, actor, diffs, note=note)
            session.flush()
            done += len(part)
            if progress:
                progress(50 + done * 50 // max(len(ids), 1), f"已处理 {done:,} / {len(ids):,} 家")
        record(session, actor, "bulk_status", "case", None,
               detail={"to": target.value, "reason": (reason or "").strip() or None,
                       **_audit_ids(ids)})  # fmt: skip
        return len(ids)
    except StaleDataError:
        session.rollback()
        raise WorkflowError("其中有企业刚被其他用户修改，批量操作未执行，请刷新后重试。") from None
    except Exception:
        session.rollback()
        raise


def bulk_set_responsible(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    field_name: str,
    value: str | None,
    *,
    progress: Progress | None = None,
) -> int:
    """Set one responsible person (第一/直接/具体责任人) on every listed case.

    Returns the number of cases that changed. Refuses the whole batch if any case is outside
    the clerk's unit.
    """
    if field_name not in RESPONSIBLE_FIELDS:
        raise ValidationError(f"不能批量设置“{field_name}”。", field=field_name)
    spec = FIELDS_BY_KEY[field_name]
    person = clean_text(value)
    if person and len(person) > (spec.max_len or 60):
        raise ValidationError(f"{spec.label}最多 {spec.max_len} 个字。", field=field_name)
    require(actor, Permission.EDIT_CASES)
    ids = sorted({int(i) for i in case_ids})
    changed = 0
    try:
        done = 0
        for part in _chunks(ids):
            for case in _load(session, part):
                require(actor, Permission.EDIT_CASES, case.unit_id)
                old = getattr(case, field_name)
                if old == person:
                    continue
                setattr(case, field_name, person)
                if actor.user_id is not None:
                    case.updated_by_id = actor.user_id
                record_changes(session, case, actor, {field_name: (old, person)},
                               note=f"批量设置{spec.label}")  # fmt: skip
                changed += 1
            session.flush()
            done += len(part)
            if progress:
                progress(done * 100 // max(len(ids), 1), f"已处理 {done:,} / {len(ids):,} 家")
        record(session, actor, "bulk_update", "case", None,
               detail={"field": field_name, "value": person, "changed": changed,
                       **_audit_ids(ids)})  # fmt: skip
        return changed
    except StaleDataError:
        session.rollback()
        raise WorkflowError("其中有企业刚被其他用户修改，批量操作未执行，请刷新后重试。") from None
    except Exception:
        session.rollback()
        raise
