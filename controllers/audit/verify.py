"""Checking the audit trail: every entry intact, in order, none missing (``audit verify``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.audit.trail import action_label, entry_digest, entry_fields
from models import AuditArchive, AuditEntry, AuditHead


@dataclass(frozen=True)
class BrokenEntry:
    """The first place the chain does not hold."""

    entry_id: int
    reason: str  # "edited", "missing", "out_of_order", "tail_removed"
    message: str  # Chinese, names the entry


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    archived: int
    last_id: int
    broken: BrokenEntry | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def message(self) -> str:
        """One line for the clerk (and the command line)."""
        if self.broken is None:
            return (
                f"审计日志完整：共 {self.checked:,} 条（其中已归档 {self.archived:,} 条），"
                "哈希链校验通过。"
            )
        return f"审计日志已被篡改：{self.broken.message}"


def _describe(e: Any) -> str:
    at = e.at.strftime("%Y-%m-%d %H:%M:%S") if e.at is not None else "?"
    obj = f" {e.object_type}#{e.object_id}" if e.object_type else ""
    return f"第 {e.id} 条（{at}，{e.username or '?'}，{action_label(e.action)}{obj}）"


def _entries(session: Session, batch: int = 2000) -> Iterator[Any]:
    """Archived entries, then the live log, each in id order (read in batches)."""
    for model in (AuditArchive, AuditEntry):
        after: int | None = None
        while True:
            stmt = select(model).order_by(model.id).limit(batch)
            if after is not None:
                stmt = stmt.where(model.id > after)
            rows = list(session.scalars(stmt))
            yield from rows
            if len(rows) < batch:
                break
            after = rows[-1].id
            session.expunge_all()  # keep memory flat on a long trail


def verify_entries(entries: Iterable[Any], head: tuple[int, str | None] | None) -> VerifyReport:
    """Check a sequence of entries (ordered by id) and the chain head against each other."""
    prev_id: int | None = None
    prev_hash: str | None = None
    prev_entry: Any = None
    checked = archived = 0
    for e in entries:
        checked += 1
        if isinstance(e, AuditArchive):
            archived += 1
        if prev_id is not None and e.id != prev_id + 1:
            if e.id <= prev_id:
                return VerifyReport(
                    checked,
                    archived,
                    prev_id,
                    BrokenEntry(
                        e.id,
                        "out_of_order",
                        f"{_describe(e)}的编号不在应有的位置（条目顺序被调换）。",
                    ),
                )
            missing = (
                f"第 {prev_id + 1} 条"
                if e.id == prev_id + 2
                else (f"第 {prev_id + 1}–{e.id - 1} 条")
            )
            return VerifyReport(
                checked,
                archived,
                prev_id,
                BrokenEntry(
                    prev_id + 1,
                    "missing",
                    f"{missing}缺失（已被删除）：{_describe(prev_entry)}之后紧接着是{_describe(e)}。",
                ),
            )
        if prev_id is not None and e.prev_hash != prev_hash:
            return VerifyReport(
                checked,
                archived,
                prev_id,
                BrokenEntry(
                    e.id,
                    "out_of_order",
                    f"{_describe(e)}与前一条不衔接（条目被删除、插入或调换了顺序）。",
                ),
            )
        if e.entry_hash != entry_digest(e.prev_hash, entry_fields(e)):
            return VerifyReport(
                checked,
                archived,
                prev_id or 0,
                BrokenEntry(e.id, "edited", f"{_describe(e)}的内容被修改（与其哈希值不符）。"),
            )
        prev_id, prev_hash, prev_entry = e.id, e.entry_hash, e
    last_id = prev_id or 0
    if head is not None:
        head_id, head_hash = head
        if head_id != last_id or (head_id and head_hash != prev_hash):
            if head_id > last_id:
                what = (
                    f"最后的第 {last_id + 1}–{head_id} 条缺失（已被删除）"
                    if head_id > last_id + 1
                    else f"最后的第 {head_id} 条缺失（已被删除）"
                )
            else:
                what = f"链头记录（第 {head_id} 条）与日志末尾（第 {last_id} 条）不一致"
            return VerifyReport(
                checked,
                archived,
                last_id,
                BrokenEntry(min(head_id, last_id + 1) or 1, "tail_removed", f"{what}。"),
            )
    return VerifyReport(checked, archived, last_id)


def verify_chain(session: Session) -> VerifyReport:
    """Verify the archive and the live log as one chain, and the chain head."""
    head = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)
    ).first()
    return verify_entries(_entries(session), None if head is None else (head[0], head[1]))
