"""回头看: re-checking a closed case; any result but 正常 reopens it as a relapse.

Decisions: only a 已销号 case is re-checked. A result other than 正常 moves it back to 整治中,
sets ``is_relapsed`` and adds one to ``relapse_count``; the former close-out no longer holds,
so its completion, township-check, acceptance and close-out dates and the approver are cleared,
and for 关停取缔 the five 两断三清 items must be done (and proven) again. Every cleared value
stays in the history; an optional new 完成时限 can be set in the same step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from controllers.actor import Actor
from controllers.attachments import add_attachment
from controllers.audit.trail import record
from controllers.cases.case_edit import EvidenceFile, check_field, get_case
from controllers.cases.history import as_text, record_changes
from controllers.editing import set_changed
from controllers.errors import ValidationError, WorkflowError
from controllers.permissions import Permission, require
from models import CaseLookback
from models.codes import AttachmentKind, CaseStatus, LookbackResult

#: what a relapse clears: the close-out no longer holds
CLEARED_BY_RELAPSE = (
    "completed_on",
    "township_checked_on",
    "accepted_on",
    "approved_by",
    "closed_on",
)


def record_lookback(
    session: Session,
    actor: Actor,
    case_id: int,
    checked_on: dt.date,
    result: LookbackResult | str,
    *,
    inspector: str | None = None,
    note: str | None = None,
    attachment: EvidenceFile | None = None,
    new_deadline: dt.date | None = None,
    campaign_id: int | None = None,
    today: dt.date | None = None,
) -> int:
    """Record a look-back of a closed case (reopening it on a relapse). Returns its id."""
    today = today or dt.date.today()
    result = LookbackResult(result)
    try:
        case = get_case(session, case_id)
        require(actor, Permission.EDIT_CASES, case.unit_id)
        if case.status != CaseStatus.CLOSED:
            raise WorkflowError(
                f"“{case.display_name}”现为“{CaseStatus.label_of(case.status)}”，"
                "只有已销号的企业才做“回头看”。"
            )
        if checked_on is None:
            raise ValidationError("请填写回头看日期。", field="checked_on")
        if checked_on > today:
            raise ValidationError("回头看日期不能晚于今天。", field="checked_on")
        if case.closed_on and checked_on < case.closed_on:
            raise ValidationError(
                f"回头看日期不能早于销号日期（{case.closed_on.isoformat()}）。", field="checked_on"
            )
        if new_deadline is not None and new_deadline < checked_on:
            raise ValidationError("新的完成时限不能早于回头看日期。", field="new_deadline")
        lookback = CaseLookback(
            case_id=case.id,
            campaign_id=campaign_id,
            checked_on=checked_on,
            result=result,
            inspector=(inspector or "").strip() or None,
            note=(note or "").strip() or None,
            created_by_id=actor.user_id,
        )
        session.add(lookback)
        session.flush()
        if attachment is not None:
            att = add_attachment(session, actor, attachment.content, attachment.filename,
                                 AttachmentKind.PHOTO, note=f"回头看 {checked_on.isoformat()}",
                                 case_id=case.id)  # fmt: skip
            lookback.attachment_id = att.id
        text = f"{checked_on.isoformat()} {result.label}"
        record_changes(session, case, actor, {"lookback": (None, text)}, note=lookback.note)
        diffs: dict[str, tuple[Any, Any]] = {}
        if result != LookbackResult.NORMAL:
            diffs = _reopen(session, actor, case, result, new_deadline)
        record(session, actor, "lookback", "case", case.id, detail={
            "result": result.value, "checked_on": checked_on.isoformat(),
            "reopened": bool(diffs),
            "changes": {k: [as_text(o), as_text(n)] for k, (o, n) in diffs.items()},
        })  # fmt: skip
        return lookback.id
    except StaleDataError:
        session.rollback()
        raise WorkflowError("该企业刚被其他用户修改，回头看未保存，请重新打开后再试。") from None
    except Exception:
        session.rollback()
        raise


def _reopen(session: Session, actor: Actor, case, result: LookbackResult,
            new_deadline: dt.date | None) -> dict[str, tuple[Any, Any]]:  # fmt: skip
    note = f"回头看：{result.label}"
    changes: dict[str, Any] = {
        "status": CaseStatus.IN_PROGRESS,
        "is_relapsed": True,
        "relapse_count": (case.relapse_count or 0) + 1,
        **{k: None for k in CLEARED_BY_RELAPSE},
    }
    if new_deadline is not None:
        changes["deadline"] = new_deadline
    diffs = set_changed(case, changes)
    if actor.user_id is not None:
        case.updated_by_id = actor.user_id
    for check in case.checks:
        if check.done_on is None and check.evidence_attachment_id is None:
            continue
        old_text = check.done_on.isoformat() if check.done_on else "（未填日期）"
        diffs[check_field(check.item)] = (old_text, None)
        check.done_on = None
        check.evidence_attachment_id = None
    session.flush()
    record_changes(session, case, actor, diffs, note=note)
    return diffs
