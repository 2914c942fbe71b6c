"""What accepting a return will do, said before (the confirmation), and what it did, kept
with the return afterwards: the cases it created, the fields it changed (old → new) and the
matches the clerk confirmed — shown when the return is reopened, with links to the cases."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.returns.check import ReturnCheck
from controllers.returns.fields import FIELDS_BY_KEY
from controllers.returns.matching import ReturnDiff
from controllers.returns.records import get_return
from models import Case, ReturnMergeItem

CREATED, CHANGED, CONFIRMED = "created", "changed", "confirmed"
CONFIRMED_REASON = "业务员确认"


@dataclass(frozen=True)
class AcceptPreview:
    """The counts the clerk confirms before accepting."""

    new: int
    changed: int
    fields: int
    confirmed: int  # uncertain matches the clerk took as the same enterprise
    as_new: int  # uncertain matches the clerk took as new enterprises
    undecided: int
    missing: int
    warnings: int

    def summary(self) -> str:
        """ "新增 10 家、变更 2 家（12 个字段）、待确认 1 家"."""
        parts = [f"新增 {self.new:,} 家", f"变更 {self.changed:,} 家（{self.fields:,} 个字段）"]
        if self.confirmed:
            parts.append(f"确认为同一企业 {self.confirmed:,} 家")
        if self.undecided:
            parts.append(f"待确认 {self.undecided:,} 家")
        return "、".join(parts)

    def confirmation(self, unit_name: str) -> str:
        """The question asked before accepting."""
        text = f"将把{unit_name}的上报并入台账：{self.summary()}。"
        if self.missing:
            text += f"台账中有而上报中没有的 {self.missing:,} 家不受影响。"
        if self.warnings:
            text += f"另有 {self.warnings:,} 处警告（如行业按相近行业归入），通过后仍可修改。"
        return text + "通过后将一次性写入，不能撤销。确定审核通过吗？"


def accept_preview(
    check: ReturnCheck, decisions: dict[int, int | None] | None = None
) -> AcceptPreview:
    """What accepting the check would do with the clerk's decisions so far."""
    diff = check.diff or ReturnDiff([], [], [], [], [])
    decisions = decisions or {}
    confirmed = [m for m in diff.uncertain if decisions.get(m.row) == m.case_id]
    as_new = [m for m in diff.uncertain if m.row in decisions and decisions[m.row] is None]
    undecided = len(diff.uncertain) - len(confirmed) - len(as_new)
    changed = [*diff.changed, *(m for m in confirmed if m.changes)]
    return AcceptPreview(
        new=len(diff.new) + len(as_new),
        changed=len(changed),
        fields=sum(len(m.changes) for m in changed),
        confirmed=len(confirmed),
        as_new=len(as_new),
        undecided=undecided,
        missing=len(diff.missing) + len(as_new),
        warnings=len(check.warnings),
    )


def merge_items(check: ReturnCheck, return_id: int, new_ids: list[int]) -> list[dict]:
    """The rows of :class:`ReturnMergeItem` for an accept that created ``new_ids``."""
    diff = check.diff
    assert diff is not None
    out: list[dict] = []
    base = {"return_id": return_id, "field": None, "old_value": None, "new_value": None}
    for i, case_id in zip(diff.new, new_ids, strict=True):
        out.append({**base, "case_id": case_id, "kind": CREATED,
                    "sheet_row": check.rows[i].row})  # fmt: skip
    for m in (*diff.changed, *diff.unchanged):
        row = check.rows[m.row].row
        if m.reason == CONFIRMED_REASON:
            out.append({**base, "case_id": m.case_id, "kind": CONFIRMED, "sheet_row": row,
                        "new_value": check.rows[m.row].label()})  # fmt: skip
        for c in m.changes:
            out.append({**base, "case_id": m.case_id, "kind": CHANGED, "sheet_row": row,
                        "field": c.key, "old_value": c.old_text or None,
                        "new_value": c.new_text})  # fmt: skip
    return out


@dataclass
class MergedCase:
    """One case the return created, changed or matched, with what happened to it."""

    case_id: int
    label: str
    sheet_row: int | None
    #: (field header, old, new) of each changed field
    changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class MergeRecord:
    """What an accepted return merged into the register."""

    created: list[MergedCase]
    changed: list[MergedCase]
    confirmed: list[MergedCase]

    def is_empty(self) -> bool:
        return not (self.created or self.changed or self.confirmed)

    def summary(self) -> str:
        fields = sum(len(c.changes) for c in self.changed)
        text = f"新增 {len(self.created):,} 家、变更 {len(self.changed):,} 家（{fields:,} 个字段）"
        if self.confirmed:
            text += f"、确认为同一企业 {len(self.confirmed):,} 家"
        return text


def merge_record(session: Session, actor: Actor, return_id: int) -> MergeRecord:
    """The kept record of what a return merged (empty for returns not accepted)."""
    get_return(session, actor, return_id)
    rows = session.execute(
        select(ReturnMergeItem.case_id, ReturnMergeItem.kind, ReturnMergeItem.sheet_row,
               ReturnMergeItem.field, ReturnMergeItem.old_value, ReturnMergeItem.new_value,
               Case.name, Case.address)
        .join(Case, Case.id == ReturnMergeItem.case_id)
        .where(ReturnMergeItem.return_id == return_id)
        .order_by(ReturnMergeItem.id)
    )  # fmt: skip
    created: list[MergedCase] = []
    changed: dict[int, MergedCase] = {}
    confirmed: list[MergedCase] = []
    for case_id, kind, sheet_row, key, old, new, name, address in rows:
        label = name or f"（无名称）{address or ''}"
        if kind == CREATED:
            created.append(MergedCase(case_id, label, sheet_row))
        elif kind == CONFIRMED:
            confirmed.append(MergedCase(case_id, label, sheet_row))
        else:
            entry = changed.setdefault(case_id, MergedCase(case_id, label, sheet_row))
            header = FIELDS_BY_KEY[key].header if key in FIELDS_BY_KEY else str(key)
            entry.changes.append((header, old or "", new or ""))
    return MergeRecord(created, list(changed.values()), confirmed)
