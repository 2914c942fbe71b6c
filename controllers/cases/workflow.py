"""The status workflow of a case (销号制度), enforced here and nowhere else.

Decisions (domain.md: 待整治 → 整治中 → 已完成待验收 → 已验收 → 已销号):

* Forward, one stage at a time. 整治中 needs nothing; 已完成待验收 needs the completion date;
  已验收 needs completion and acceptance dates and the 验收销号 permission; 已销号 needs
  completion date, acceptance date, approver, at least one evidence attachment and — for
  关停取缔 — all five 两断三清 items done (each with its date and evidence file), and the
  验收销号 permission. The 销号日期 is the day of the move unless the clerk gave one.
* Back, one stage, only before 已销号 and only with a reason: 整治中 → 待整治,
  已完成待验收 → 整治中 (the completion and township-check dates are cleared),
  已验收 → 已完成待验收 (the acceptance date is cleared). Cleared values stay in the history.
* A closed case never moves back by hand: only a look-back with a result other than 正常
  reopens it (:mod:`controllers.cases.lookbacks`).
* Every move writes a history row for ``status`` (and for every field it clears or sets), one
  audit entry, in one transaction (the runner commits).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.cases.case_edit import CheckEdit, apply_case_changes, get_case
from controllers.cases.history import as_text, record_changes
from controllers.editing import apply_edit
from controllers.errors import WorkflowError
from controllers.permissions import Permission, require
from models import Attachment, Case
from models.codes import CaseStatus, CheckItem, Classification

S = CaseStatus
ORDER = (S.PENDING, S.IN_PROGRESS, S.COMPLETED, S.ACCEPTED, S.CLOSED)
FORWARD = dict(itertools.pairwise(ORDER))
BACK = {S.IN_PROGRESS: S.PENDING, S.COMPLETED: S.IN_PROGRESS, S.ACCEPTED: S.COMPLETED}
#: fields a step back clears (they belonged to the stage being undone)
CLEARED_BY_STEP_BACK: dict[CaseStatus, tuple[str, ...]] = {
    S.IN_PROGRESS: (),
    S.COMPLETED: ("completed_on", "township_checked_on"),
    S.ACCEPTED: ("accepted_on",),
}
#: moves that need the 验收销号 permission
CLOSING_TARGETS = frozenset({S.ACCEPTED, S.CLOSED})
FORWARD_LABELS = {
    S.IN_PROGRESS: "开始整治",
    S.COMPLETED: "整治完成",
    S.ACCEPTED: "验收通过",
    S.CLOSED: "销号",
}
WORKFLOW_TEXT = "待整治 → 整治中 → 已完成待验收 → 已验收 → 已销号"


@dataclass(frozen=True)
class Move:
    """A move the workflow offers from a status."""

    target: CaseStatus
    label: str
    back: bool
    permission: Permission


def moves_from(status: CaseStatus | str) -> list[Move]:
    """The forward move and the step back offered from ``status``."""
    status = CaseStatus(status)
    out: list[Move] = []
    if status in FORWARD:
        target = FORWARD[status]
        perm = Permission.CLOSE_CASES if target in CLOSING_TARGETS else Permission.EDIT_CASES
        out.append(Move(target, FORWARD_LABELS[target], False, perm))
    if status in BACK:
        target = BACK[status]
        out.append(Move(target, f"退回到“{target.label}”", True, Permission.EDIT_CASES))
    return out


@dataclass(frozen=True)
class CheckState:
    done_on: dt.date | None
    evidence_id: int | None


def shutdown_checks_missing(checks: Mapping[CheckItem, CheckState]) -> list[CheckItem]:
    """两断三清 items not done (a done item has its date and its evidence file)."""
    return [
        item
        for item in CheckItem
        if item not in checks or not checks[item].done_on or not checks[item].evidence_id
    ]


def move_problems(
    status: CaseStatus | str,
    target: CaseStatus | str,
    values: Mapping[str, Any],
    *,
    evidence_count: int,
    checks: Mapping[CheckItem, CheckState],
    reason: str | None = None,
) -> list[str]:
    """Why a case with ``values`` cannot move from ``status`` to ``target`` (empty: it can)."""
    status, target = CaseStatus(status), CaseStatus(target)
    if status == target:
        return [f"状态已经是“{target.label}”。"]
    if FORWARD.get(status) == target:
        back = False
    elif BACK.get(status) == target:
        back = True
    elif status == S.CLOSED:
        return ["已销号的企业不能直接改变状态；回头看发现问题时通过“回头看”记录重新打开。"]
    else:
        return [
            f"不能从“{status.label}”直接改为“{target.label}”：状态只能按 {WORKFLOW_TEXT} "
            "逐步推进，或在销号前退回上一步。"
        ]
    if back:
        return [] if (reason or "").strip() else ["退回上一步须填写原因。"]
    problems: list[str] = []

    def need(key: str, label: str) -> None:
        v = values.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            problems.append(f"缺少{label}")

    if target in (S.COMPLETED, S.ACCEPTED, S.CLOSED):
        need("completed_on", "完成日期")
    if target in (S.ACCEPTED, S.CLOSED):
        need("accepted_on", "验收日期")
    if target == S.CLOSED:
        need("approved_by", "销号审批人")
        if evidence_count <= 0:
            problems.append("缺少佐证材料（请在“附件”中添加现场照片、验收材料等）")
        classification = Classification.parse(str(values.get("classification") or ""))
        if classification == Classification.SHUTDOWN:
            missing = shutdown_checks_missing(checks)
            if missing:
                problems.append(
                    "两断三清未全部完成："
                    + "、".join(m.label for m in missing)
                    + "（每项须有完成日期和佐证材料）"
                )
    return problems


def refusal_text(case_name: str, target: CaseStatus, problems: Sequence[str]) -> str:
    """The clerk's message for a refused move."""
    return (
        f"“{case_name}”不能改为“{target.label}”："
        + "；".join(p.rstrip("。") for p in problems)
        + "。"
    )


def evidence_counts(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """Attachments per case (the evidence close-out asks for)."""
    out: dict[int, int] = {}
    ids = list(case_ids)
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        out.update(
            session.execute(
                select(Attachment.case_id, func.count())
                .where(Attachment.case_id.in_(part))
                .group_by(Attachment.case_id)
            ).all()
        )
    return out


def check_states(case: Case) -> dict[CheckItem, CheckState]:
    return {CheckItem(c.item): CheckState(c.done_on, c.evidence_attachment_id) for c in case.checks}


def transition_changes(
    case: Case, target: CaseStatus, today: dt.date, closed_on: dt.date | None = None
) -> dict[str, Any]:
    """The field changes of a move (status, and what the move sets or clears)."""
    status = CaseStatus(case.status)
    changes: dict[str, Any] = {"status": target}
    if BACK.get(status) == target:
        for key in CLEARED_BY_STEP_BACK[status]:
            changes[key] = None
    if target == S.CLOSED:
        changes["closed_on"] = closed_on or case.closed_on or today
    return changes


def move_case(
    session: Session,
    actor: Actor,
    case_id: int,
    expected_version: int,
    target: CaseStatus | str,
    *,
    reason: str | None = None,
    changes: Mapping[str, Any] | None = None,
    checks: Sequence[CheckEdit] = (),
    closed_on: dt.date | None = None,
    today: dt.date | None = None,
) -> int:
    """Move a case one stage along the workflow (saving the form's pending ``changes`` and
    ``checks`` first, in the same transaction). Returns the new version.

    Raises WorkflowError (with every missing requirement), PermissionDenied, EditConflict.
    """
    today = today or dt.date.today()
    target = CaseStatus(target)
    try:
        case = get_case(session, case_id)
        perm = Permission.CLOSE_CASES if target in CLOSING_TARGETS else Permission.EDIT_CASES
        if BACK.get(CaseStatus(case.status)) == target:
            perm = Permission.EDIT_CASES
        require(actor, perm, case.unit_id)
        version = expected_version
        edit_diffs: dict[str, tuple[Any, Any]] = {}
        if changes or checks:
            edit_diffs = apply_case_changes(session, actor, case, expected_version,
                                            changes or {}, checks, today=today)  # fmt: skip
            if any(not k.startswith("check_") for k in edit_diffs):
                version = case.version  # the edit passed the version check and bumped it
        values = {k: getattr(case, k) for k in ("completed_on", "accepted_on", "approved_by",
                                                "classification")}  # fmt: skip
        problems = move_problems(
            case.status, target, values,
            evidence_count=evidence_counts(session, [case.id]).get(case.id, 0),
            checks=check_states(case), reason=reason,
        )  # fmt: skip
        if problems:
            raise WorkflowError(refusal_text(case.display_name, target, problems))
        old_status = CaseStatus(case.status)
        move = transition_changes(case, target, today, closed_on)
        if actor.user_id is not None:
            case.updated_by_id = actor.user_id
        diffs = apply_edit(session, case, version, move)
        note = (reason or "").strip() or FORWARD_LABELS.get(target) or None
        record_changes(session, case, actor, diffs, note=note)
        record(session, actor, "status", "case", case.id, detail={
            "from": old_status.value, "to": target.value, "reason": (reason or "").strip() or None,
            "changes": {k: [as_text(o), as_text(n)] for k, (o, n) in {**edit_diffs, **diffs}.items()},
        })  # fmt: skip
    except Exception:
        session.rollback()
        raise
    return get_case(session, case_id).version
