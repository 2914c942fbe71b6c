"""Accountability records: 拟问责 → 已决定 → 已执行, and amendments of decided records.

A proposed record may be edited or deleted. Deciding needs the measure, the rule clause, at
least one person and one problem, the document number (文号) and the decision date; carrying
out needs the execution date. Once decided a record never changes (the database refuses it
too, see migration 0005): a correction is an :class:`AccountabilityAmendment` — who, when,
what (field: old → new), why — and the record's effective values are its own with the
amendments applied in order.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.accountability.rules import current_rules
from controllers.accountability.tally import Problem, tally_units
from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.auth.display_names import display_names
from controllers.editing import apply_edit
from controllers.errors import NotFoundError, ValidationError, WorkflowError
from controllers.permissions import Permission, require, scope_to_unit
from models import (
    AccountabilityAmendment,
    AccountabilityPerson,
    AccountabilityProblem,
    AccountabilityRecord,
    Unit,
)
from models.codes import AccountabilityLevel, AccountabilityStatus, Measure, ProblemKind

#: fields an amendment may correct, with their Chinese labels
AMENDABLE = {
    "measure": "问责措施",
    "clause": "依据条款",
    "doc_no": "文号",
    "decided_on": "决定日期",
    "executed_on": "执行日期",
    "summary": "问题摘要",
    "persons": "被问责人员",
}
EDITABLE = ("measure", "clause", "summary", "doc_no", "decided_on")


@dataclass(frozen=True)
class PersonInput:
    name: str
    post: str | None = None


@dataclass(frozen=True)
class ProblemInput:
    kind: ProblemKind
    description: str | None = None
    found_on: dt.date | None = None
    case_id: int | None = None
    finding_id: int | None = None
    lookback_id: int | None = None

    @classmethod
    def of(cls, p: Problem) -> ProblemInput:
        return cls(p.kind, p.description, p.found_on, p.case_id, p.finding_id, p.lookback_id)


@dataclass
class RecordView:
    """A record as shown: stored values, effective values after amendments, its history."""

    id: int
    version: int
    unit_id: int
    unit: str
    status: AccountabilityStatus
    stored: dict[str, Any]
    effective: dict[str, Any]
    persons: list[tuple[str, str]]
    problems: list[dict[str, Any]]
    amendments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_frozen(self) -> bool:
        return self.status != AccountabilityStatus.PROPOSED


def _clean(text: str | None) -> str | None:
    text = " ".join((text or "").split())
    return text or None


def _get(session: Session, record_id: int) -> AccountabilityRecord:
    rec = session.get(AccountabilityRecord, record_id)
    if rec is None:
        raise NotFoundError(f"编号 {record_id} 的问责记录不存在。")
    return rec


def _persons(persons: Sequence[PersonInput]) -> list[AccountabilityPerson]:
    out, seen = [], set()
    for p in persons:
        name = _clean(p.name)
        if name and (name, _clean(p.post)) not in seen:
            seen.add((name, _clean(p.post)))
            out.append(AccountabilityPerson(name=name, post=_clean(p.post)))
    return out


def _problems(problems: Sequence[ProblemInput]) -> list[AccountabilityProblem]:
    return [
        AccountabilityProblem(kind=ProblemKind(p.kind), description=_clean(p.description),
                              found_on=p.found_on, case_id=p.case_id, finding_id=p.finding_id,
                              lookback_id=p.lookback_id)
        for p in problems
    ]  # fmt: skip


def create_record(
    session: Session,
    actor: Actor,
    unit_id: int,
    measure: Measure | str,
    *,
    persons: Sequence[PersonInput] = (),
    problems: Sequence[ProblemInput] = (),
    clause: str | None = None,
    summary: str | None = None,
    period: tuple[dt.date | None, dt.date | None] = (None, None),
) -> int:
    """A new record, 拟问责 (never commits). Returns its id."""
    require(actor, Permission.EDIT_ACCOUNTABILITY, unit_id)
    if session.get(Unit, unit_id) is None:
        raise ValidationError("请选择责任单位。", field="unit_id")
    if Measure.parse(str(measure)) is None:
        raise ValidationError("请选择问责措施。", field="measure")
    rules = current_rules(session)
    rec = AccountabilityRecord(
        unit_id=unit_id, measure=Measure.parse(str(measure)), clause=_clean(clause),
        summary=_clean(summary), status=AccountabilityStatus.PROPOSED,
        created_by_id=actor.user_id, rule_set_id=rules.id,
        period_from=period[0], period_to=period[1],
    )  # fmt: skip
    rec.persons.extend(_persons(persons))
    rec.problems.extend(_problems(problems))
    session.add(rec)
    session.flush()
    record(session, actor, "create", "accountability", rec.id, detail={
        "unit_id": unit_id, "measure": rec.measure.value, "clause": rec.clause,
        "persons": [p.name for p in rec.persons], "problems": len(rec.problems),
        "rule_set": rules.version_no,
    })  # fmt: skip
    return rec.id


def start_from_tally(
    session: Session,
    actor: Actor,
    unit_id: int,
    date_from: dt.date | None,
    date_to: dt.date | None,
    *,
    persons: Sequence[PersonInput] = (),
    measure: Measure | str | None = None,
) -> int:
    """A proposed record for a unit with the problems of its tally already linked."""
    require(actor, Permission.EDIT_ACCOUNTABILITY, unit_id)
    rules = current_rules(session)
    tally = next((t for t in tally_units(session, actor, date_from, date_to, rules=rules)
                  if t.unit_id == unit_id), None)  # fmt: skip
    if tally is None or not tally.problems:
        raise WorkflowError("该单位在所选期间没有统计到问题，无需启动问责。")
    top = tally.top_rung
    if measure is None:
        level = tally.proposed_level.value if tally.proposed_level else None
        choices = rules.measures.get(level or "", []) or [Measure.INTERVIEW.value]
        measure = choices[0]
    counts = "、".join(f"{ProblemKind.label_of(k)}{n}个" for k, n in tally.counts.items() if n)
    crossed = "；".join(r.clause or r.label for r in tally.crossed)
    clause = f"{rules.basis}：{crossed}" if top else rules.basis
    level_text = (f"，拟问责层级：{AccountabilityLevel.label_of(tally.proposed_level)}"
                  if tally.proposed_level else "")  # fmt: skip
    return create_record(
        session, actor, unit_id, measure, persons=persons,
        problems=[ProblemInput.of(p) for p in tally.problems], clause=clause,
        summary=f"{tally.unit}：{counts}{level_text}", period=(date_from, date_to),
    )  # fmt: skip


def _frozen_error(rec: AccountabilityRecord) -> WorkflowError:
    return WorkflowError(
        f"该问责记录已{AccountabilityStatus.label_of(rec.status)}，不能修改或删除；"
        "如需更正，请“追加更正”（写明更正内容和原因）。"
    )


def edit_record(
    session: Session,
    actor: Actor,
    record_id: int,
    expected_version: int,
    changes: dict[str, Any],
    *,
    persons: Sequence[PersonInput] | None = None,
    problems: Sequence[ProblemInput] | None = None,
) -> int:
    """Change a proposed record (optimistic lock). Returns its new version."""
    rec = _get(session, record_id)
    require(actor, Permission.EDIT_ACCOUNTABILITY, rec.unit_id)
    if rec.status != AccountabilityStatus.PROPOSED:
        raise _frozen_error(rec)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"无法修改这些字段：{'、'.join(sorted(unknown))}。")
    clean = {k: (_clean(v) if isinstance(v, str) else v) for k, v in changes.items()}
    if "measure" in clean:
        clean["measure"] = Measure.parse(str(clean["measure"]))
        if clean["measure"] is None:
            raise ValidationError("请选择问责措施。", field="measure")
    diffs = apply_edit(session, rec, expected_version, clean)
    if persons is not None:
        old = [(p.name, p.post) for p in rec.persons]
        new = [(p.name, p.post) for p in _persons(persons)]
        if old != new:
            rec.persons.clear()
            rec.persons.extend(AccountabilityPerson(name=n, post=p) for n, p in new)
            diffs["persons"] = (old, new)
    if problems is not None:
        rec.problems.clear()
        rec.problems.extend(_problems(problems))
        diffs["problems"] = (None, len(problems))
    session.flush()
    if diffs:
        record(session, actor, "update", "accountability", rec.id,
               detail={k: [str(o), str(n)] for k, (o, n) in diffs.items()})  # fmt: skip
    return rec.version


def delete_record(session: Session, actor: Actor, record_id: int, expected_version: int) -> None:
    """Delete a proposed record entered by mistake."""
    rec = _get(session, record_id)
    require(actor, Permission.EDIT_ACCOUNTABILITY, rec.unit_id)
    if rec.status != AccountabilityStatus.PROPOSED:
        raise _frozen_error(rec)
    apply_edit(session, rec, expected_version, {})
    session.delete(rec)
    session.flush()
    record(session, actor, "delete", "accountability", record_id)


def _step_from(session: Session, actor: Actor, record_id: int, status: AccountabilityStatus,
               status_label: str, step: str):  # fmt: skip
    """The record, when ``actor`` may edit it and it stands at ``status`` for this step."""
    rec = _get(session, record_id)
    require(actor, Permission.EDIT_ACCOUNTABILITY, rec.unit_id)
    if rec.status != status:
        raise WorkflowError(
            f"该问责记录现为“{AccountabilityStatus.label_of(rec.status)}”，"
            f"只有{status_label}的记录才能{step}。"
        )
    return rec


def decide(
    session: Session,
    actor: Actor,
    record_id: int,
    doc_no: str,
    decided_on: dt.date,
    *,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> int:
    """拟问责 → 已决定. Returns the new version."""
    today = today or dt.date.today()
    rec = _step_from(session, actor, record_id, AccountabilityStatus.PROPOSED, "拟问责", "作出决定")
    missing = []
    if not _clean(doc_no):
        missing.append("文号")
    if decided_on is None:
        missing.append("决定日期")
    if not rec.persons:
        missing.append("被问责人员")
    if not rec.problems:
        missing.append("问题")
    if not _clean(rec.clause):
        missing.append("依据条款")
    if missing:
        raise ValidationError(f"作出决定前须填写：{'、'.join(missing)}。")
    if decided_on > today:
        raise ValidationError("决定日期不能晚于今天。", field="decided_on")
    version = rec.version if expected_version is None else expected_version
    apply_edit(session, rec, version, {"status": AccountabilityStatus.DECIDED,
                                       "doc_no": _clean(doc_no), "decided_on": decided_on})  # fmt: skip
    record(session, actor, "decide", "accountability", rec.id,
           detail={"doc_no": rec.doc_no, "decided_on": decided_on.isoformat()})  # fmt: skip
    return rec.version


def execute(
    session: Session,
    actor: Actor,
    record_id: int,
    executed_on: dt.date,
    *,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> int:
    """已决定 → 已执行. Returns the new version."""
    today = today or dt.date.today()
    rec = _step_from(session, actor, record_id, AccountabilityStatus.DECIDED, "已决定", "登记执行")
    if executed_on is None:
        raise ValidationError("请填写执行日期。", field="executed_on")
    if executed_on > today:
        raise ValidationError("执行日期不能晚于今天。", field="executed_on")
    if rec.decided_on and executed_on < rec.decided_on:
        raise ValidationError("执行日期不能早于决定日期。", field="executed_on")
    version = rec.version if expected_version is None else expected_version
    apply_edit(session, rec, version,
               {"status": AccountabilityStatus.EXECUTED, "executed_on": executed_on})  # fmt: skip
    record(session, actor, "execute", "accountability", rec.id,
           detail={"executed_on": executed_on.isoformat()})  # fmt: skip
    return rec.version


def _text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def effective_values(rec: AccountabilityRecord) -> dict[str, Any]:
    """The record's values with its amendments applied in order (JSON-ready)."""
    values: dict[str, Any] = {k: _text(getattr(rec, k)) for k in AMENDABLE if k != "persons"}
    values["persons"] = [[p.name, p.post or ""] for p in rec.persons]
    for a in rec.amendments:
        for key, (_old, new) in json.loads(a.changes).items():
            values[key] = new
    return values


def amend(
    session: Session,
    actor: Actor,
    record_id: int,
    reason: str,
    changes: dict[str, Any],
) -> int:
    """Append a correction to a decided record. Returns the amendment's id."""
    rec = _get(session, record_id)
    require(actor, Permission.EDIT_ACCOUNTABILITY, rec.unit_id)
    if rec.status == AccountabilityStatus.PROPOSED:
        raise WorkflowError("拟问责的记录可直接修改，无需追加更正。")
    if not _clean(reason):
        raise ValidationError("请填写更正原因。", field="reason")
    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise ValidationError(f"这些内容不能更正：{'、'.join(sorted(unknown))}。")
    current = effective_values(rec)
    diff: dict[str, list[Any]] = {}
    for key, new in changes.items():
        if key == "measure":
            member = Measure.parse(str(new))
            if member is None:
                raise ValidationError("请选择问责措施。", field="measure")
            new = member.value
        elif key in ("decided_on", "executed_on") and new is not None:
            if not isinstance(new, dt.date):
                raise ValidationError(f"{AMENDABLE[key]}应为日期。", field=key)
            new = new.isoformat()
        elif key == "persons":
            new = [[_clean(n) or "", _clean(p) or ""] for n, p in new if _clean(n)]
        elif isinstance(new, str):
            new = _clean(new)
        if current.get(key) != new:
            diff[key] = [current.get(key), new]
    if not diff:
        raise ValidationError("更正内容与现有内容相同，未追加。")
    amendment = AccountabilityAmendment(
        record_id=rec.id, created_by_id=actor.user_id, reason=_clean(reason),
        changes=json.dumps(diff, ensure_ascii=False),
        doc_no=diff.get("doc_no", [None, None])[1],
        decided_on=dt.date.fromisoformat(diff["decided_on"][1])
        if diff.get("decided_on", [None, None])[1] else None,
    )  # fmt: skip
    session.add(amendment)
    session.flush()
    record(session, actor, "amend", "accountability", rec.id,
           detail={"amendment": amendment.id, "reason": amendment.reason, "changes": diff})  # fmt: skip
    return amendment.id


def record_version(session: Session, actor: Actor, record_id: int) -> int:
    rec = _get(session, record_id)
    require(actor, Permission.VIEW, rec.unit_id)
    return rec.version


def record_view(session: Session, actor: Actor, record_id: int) -> RecordView:
    rec = _get(session, record_id)
    require(actor, Permission.VIEW, rec.unit_id)
    names = display_names(session, (a.created_by_id for a in rec.amendments))
    amendments = [
        {"id": a.id, "at": a.created_at, "by": names.get(a.created_by_id) or "",
         "reason": a.reason, "changes": json.loads(a.changes)}
        for a in rec.amendments
    ]  # fmt: skip
    return RecordView(
        id=rec.id, version=rec.version, unit_id=rec.unit_id, unit=rec.unit.name,
        status=AccountabilityStatus(rec.status),
        stored={k: _text(getattr(rec, k)) for k in AMENDABLE if k != "persons"},
        effective=effective_values(rec),
        persons=[(p.name, p.post or "") for p in rec.persons],
        problems=[{"kind": p.kind.value, "label": ProblemKind.label_of(p.kind),
                   "found_on": p.found_on, "description": p.description or "",
                   "case_id": p.case_id, "finding_id": p.finding_id} for p in rec.problems],
        amendments=amendments,
    )  # fmt: skip


def record_rows(
    session: Session, actor: Actor, *, unit_id: int | None = None, pending_only: bool = False
) -> list[RecordView]:
    """Every record in scope (optionally one unit's, or only those not yet carried out)."""
    require(actor, Permission.VIEW)
    stmt = select(AccountabilityRecord.id).order_by(AccountabilityRecord.id)
    if unit_id is not None:
        stmt = stmt.where(AccountabilityRecord.unit_id == unit_id)
    if pending_only:
        stmt = stmt.where(AccountabilityRecord.status != AccountabilityStatus.EXECUTED)
    ids = session.scalars(scope_to_unit(stmt, actor, AccountabilityRecord.unit_id)).all()
    return [record_view(session, actor, i) for i in ids]
