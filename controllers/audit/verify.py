"""Checking the audit trail: every entry intact, in order, none missing (``audit verify``),
and the chain as it was when last sealed with the audit key (:mod:`controllers.audit.seal`)."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.audit import seal as sealing
from controllers.audit.trail import action_label, entry_digest, entry_fields
from models import AuditArchive, AuditEntry, AuditHead


@dataclass(frozen=True)
class BrokenEntry:
    """The first place the chain does not hold."""

    entry_id: int
    #: "edited", "missing", "out_of_order", "tail_removed", "rewritten", "forged_seal"
    reason: str
    message: str  # Chinese, names the entry


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    archived: int
    last_id: int
    broken: BrokenEntry | None = None
    #: "unchecked" (not asked), "no_key" (this machine lacks the audit key), "unsealed"
    #: (never sealed), "sealed" (the newest seal holds)
    seal_status: str = "unchecked"
    last_seal: sealing.Seal | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def message(self) -> str:
        """One line for the clerk (and the command line)."""
        if self.broken is None:
            return (
                f"审计日志完整：共 {self.checked:,} 条（其中已归档 {self.archived:,} 条），"
                f"哈希链校验通过。{self.seal_message()}"
            )
        return f"审计日志已被篡改：{self.broken.message}"

    def seal_message(self) -> str:
        """What the seals prove (empty when they were not checked)."""
        if self.seal_status == "no_key":
            return (
                "这台电脑上没有审计密钥，未核对封存：能改写数据库的人可以重新计算整条哈希链，"
                "只有审计管理员用密钥核对才能发现。"
            )
        if self.seal_status == "unsealed":
            return "审计日志尚未封存，无法证明没有被整体改写或截断。"
        if self.seal_status == "sealed" and self.last_seal is not None:
            s = self.last_seal
            at = f"{s.at:%Y-%m-%d %H:%M}" if s.at else "?"
            after = self.last_id - s.last_id
            tail = f"；此后的 {after:,} 条尚未封存" if after > 0 else ""
            return f"与最近一次封存（{at}，至第 {s.last_id} 条）一致{tail}。"
        return ""


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


def verify_chain(
    session: Session,
    *,
    seals: bool = True,
    key: bytes | str | None = "default",
    outside: list[sealing.Seal] | None = None,
) -> VerifyReport:
    """Verify the archive and the live log as one chain, the chain head, and the seals.

    ``key``: the audit key ("default": this machine's, if any); ``outside``: seals kept
    outside the database (default: this database's lines in the seal log beside the key).
    """
    head = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)
    ).first()
    report = verify_entries(_entries(session), None if head is None else (head[0], head[1]))
    if not seals or not report.intact:
        return report
    if key == "default":
        try:
            key = sealing.load_key()
        except sealing.SealError:
            key = None
    if key is None:
        return replace(report, seal_status="no_key")
    if outside is None:
        outside = sealing.logged_seals(sealing.database_identity(session))
    return check_seals(session, report, key, [*sealing.entry_seals(session), *outside])


def _seal_where(s: sealing.Seal) -> str:
    at = f"{s.at:%Y-%m-%d %H:%M}" if s.at else "时间不明"
    return f"第 {s.entry_id} 条的封存（{at}）" if s.entry_id else f"封存记录（{at}，数据库外）"


def check_seals(
    session: Session, report: VerifyReport, key: bytes, seals: list[sealing.Seal]
) -> VerifyReport:
    """Each seal genuine, and the chain still holds the entry each one sealed."""
    if not seals:
        return replace(report, seal_status="unsealed")
    good_upto = 0  # the newest sealed entry found as sealed
    for s in sorted(seals, key=lambda s: (s.last_id, s.entry_id or 0)):
        expected = sealing.seal_mac(key, s.last_id, s.last_hash)
        if not hmac.compare_digest(s.mac, expected):
            where = s.entry_id or max(s.last_id, 1)
            return replace(report, broken=BrokenEntry(where, "forged_seal",
                f"{_seal_where(s)}签名无效：不是用审计密钥生成的，该封存或其记录被伪造或改写。"))  # fmt: skip
        if s.last_id > report.last_id:
            gone = (f"第 {report.last_id + 1}–{s.last_id} 条" if s.last_id > report.last_id + 1
                    else f"第 {s.last_id} 条")  # fmt: skip
            return replace(report, broken=BrokenEntry(report.last_id + 1, "tail_removed",
                f"{_seal_where(s)}时日志已到第 {s.last_id} 条，现在只到第 {report.last_id} 条："
                f"{gone}被删除（链头被回退）。"))  # fmt: skip
        exists, entry_hash = sealing.hash_at(session, s.last_id)
        if not exists or entry_hash != s.last_hash:
            first = good_upto + 1
            span = f"第 {first}–{s.last_id} 条" if s.last_id > first else f"第 {s.last_id} 条"
            return replace(report, broken=BrokenEntry(first, "rewritten",
                f"{span}之间有记录被修改、删除、插入或替换后重新计算了哈希链"
                f"（与{_seal_where(s)}不符）。"))  # fmt: skip
        good_upto = max(good_upto, s.last_id)
    newest = max(seals, key=lambda s: (s.last_id, s.at or dt.datetime.min))
    return replace(report, seal_status="sealed", last_seal=newest)
