"""Review a return: accept it into the register in one transaction, or send it back with reasons.

Accepting writes the new cases (source, batch, status from the row or the defaults; unknown
townships and batches created), changes the matched cases field by field with their history,
and marks the return 已通过 — all in the caller's transaction: either all of it lands or none.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.bulk import bulk_insert, insert_with_ids
from controllers.bulk_update import update_versioned
from controllers.cases.columns import ColumnKind
from controllers.cases.history import as_text
from controllers.editing import EditConflict
from controllers.errors import UserError, ValidationError, WorkflowError
from controllers.permissions import Permission, require
from controllers.returns.check import (
    ReturnCheck,
    compare,
    missing_classification,
    register_state,
)
from controllers.returns.fields import FIELD_INDEX
from controllers.returns.matching import COMPARED, RowMatch
from controllers.returns.merge_record import merge_items
from controllers.returns.records import get_return, mark_reviewed, return_file_attachment
from models import Batch, Case, CaseChange, CountyReturn, ReturnMergeItem, Township
from models.base import now
from models.codes import BatchKind, CaseStatus, ReturnStatus, Source
from models.textnorm import search_key

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

DEFAULT_BATCH = "新增"
#: register attribute written for each field of a row (relations by their id column)
ATTRIBUTE = {f.key: f.key for f in COMPARED} | {
    "township": "township_id", "industry": "industry_id", "batch": "batch_id",
}  # fmt: skip
CHUNK = 500


@dataclass
class AcceptResult:
    """What accepting a return wrote."""

    return_id: int
    created: int
    updated: int
    unchanged: int
    missing: int
    new_case_ids: list[int] = field(default_factory=list)
    townships_created: list[str] = field(default_factory=list)
    batches_created: list[str] = field(default_factory=list)
    #: the comparison with the register as it was written (a new value: the clerk's check
    #: is never changed, it may be shown on another thread)
    check: ReturnCheck | None = field(default=None, repr=False, compare=False)

    def message(self) -> str:
        extra = ""
        if self.townships_created:
            extra += "；新建乡镇 " + "、".join(self.townships_created)
        if self.batches_created:
            extra += "；新建清单批次 " + "、".join(self.batches_created)
        return (
            f"上报已通过并并入台账：新增企业 {self.created:,} 家，更新 {self.updated:,} 家，"
            f"未变 {self.unchanged:,} 家，台账中有而上报中没有 {self.missing:,} 家{extra}。"
        )


def _pending(session: Session, actor: Actor, return_id: int, expected_version: int) -> CountyReturn:
    ret = get_return(session, actor, return_id)
    require(actor, Permission.REVIEW_RETURNS, ret.unit_id)
    if ret.version != expected_version:
        raise EditConflict("CountyReturn", ret.id, ret.version, [], {"status": ret.status})
    if ret.status != ReturnStatus.PENDING:
        raise WorkflowError(
            f"该上报已是“{ReturnStatus.label_of(ret.status)}”状态，只能审核“待审核”的上报。"
            "单位改正后重新上报的文件请作为新的上报导入。"
        )
    return ret


def send_back(
    session: Session, actor: Actor, return_id: int, expected_version: int, reasons: str
) -> CountyReturn:
    """退回: record the reasons; the unit corrects its list and returns it again. Flushes."""
    ret = _pending(session, actor, return_id, expected_version)
    text = (reasons or "").strip()
    if not text:
        raise ValidationError("请填写退回原因，单位需要知道要改正什么。", field="review_reasons")
    mark_reviewed(ret, actor, ReturnStatus.RETURNED, text)
    _flush(session, ret)
    record(session, actor, "return", "county_return", ret.id, detail={"reasons": text})
    return ret


def _batch_kind(name: str) -> tuple[BatchKind, int | None]:
    m = re.fullmatch(r"(\d{4})年?(清单)?", name.replace(" ", ""))
    if m:
        return BatchKind.ANNUAL, int(m[1])
    m = re.match(r"(\d{4})年", name)
    return BatchKind.ADDED, int(m[1]) if m else None


def _resolve_batches(session: Session, names: set[str]) -> tuple[dict[str, int], list[str]]:
    """Batch ids by search key; missing batches (the default 新增 included) are created."""
    existing = {search_key(b.name): b for b in session.scalars(select(Batch))}
    created = []
    for name in sorted(names):
        key = search_key(name)
        if key in existing:
            continue
        kind, year = _batch_kind(name)
        if name == DEFAULT_BATCH:
            kind = BatchKind.ADDED
        batch = Batch(
            name=name, year=year, kind=kind, sort_order=99 if kind == BatchKind.ADDED else 0
        )
        session.add(batch)
        existing[key] = batch
        created.append(name)
    session.flush()
    return {k: b.id for k, b in existing.items()}, created


def _resolve_townships(
    session: Session, unit_id: int, names: set[str]
) -> tuple[dict[str, int], list[str]]:
    """Township ids of the unit by search key; townships the database does not know are created."""
    existing = {
        search_key(t.name): t
        for t in session.scalars(select(Township).where(Township.unit_id == unit_id))
    }
    order = max((t.sort_order for t in existing.values()), default=0)
    created = []
    for name in sorted(names):
        key = search_key(name)
        if key in existing:
            continue
        order += 1
        township = Township(unit_id=unit_id, name=name, sort_order=order)
        session.add(township)
        existing[key] = township
        created.append(name)
    session.flush()
    return {k: t.id for k, t in existing.items()}, created


def insert_cases(
    session: Session, rows: Iterable[dict[str, Any]], count: int | None = None
) -> list[int]:
    """Insert new cases; returns their ids in order (see :func:`controllers.bulk.insert_with_ids`:
    COPY on PostgreSQL, one executemany on SQLite, INSERT … RETURNING elsewhere). With
    ``count``, ``rows`` may be an iterator building each case as it is asked for."""
    return insert_with_ids(session, Case.__table__, rows, count)


#: (field key, position in a row's values) of the plain fields a new case takes from its row
_PLAIN_FIELDS = tuple(
    (f.key, FIELD_INDEX[f.key])
    for f in COMPARED
    if f.kind not in (ColumnKind.TOWNSHIP, ColumnKind.INDUSTRY, ColumnKind.BATCH)
)
_I_TOWNSHIP, _I_BATCH, _I_INDUSTRY = (
    FIELD_INDEX["township"],
    FIELD_INDEX["batch"],
    FIELD_INDEX["industry"],
)


def _new_case_row(values: tuple[Any, ...], unit_id: int, actor: Actor, at: dt.datetime,
                  townships: dict[str, int], batches: dict[str, int]) -> dict[str, Any]:  # fmt: skip
    """The full column values of a new case from a return row (defaults where it is blank);
    ``townships`` and ``batches`` map the names the rows use to ids."""
    v = values
    township = v[_I_TOWNSHIP]
    batch = v[_I_BATCH] or DEFAULT_BATCH
    row = {key: v[i] for key, i in _PLAIN_FIELDS}
    row.update(
        unit_id=unit_id,
        township_id=townships[township] if township else None,
        industry_id=v[_I_INDUSTRY],
        batch_id=batches[batch],
        problem_types=row["problem_types"] or "",
        pollution_types=row["pollution_types"] or "",
        source=row["source"] or Source.SELF_CHECK,
        status=row["status"] or CaseStatus.PENDING,
        is_quasi=False, is_relapsed=False, relapse_count=0, version=1,
        created_at=at, updated_at=at, created_by_id=actor.user_id, updated_by_id=actor.user_id,
    )  # fmt: skip
    return row


def next_serial_no(session: Session, unit_id: int) -> int:
    """The register numbers its cases: new ones follow the unit's last 序号, in the return's
    order (a county's 序号 is only a label of its row, and would collide)."""
    last = session.scalar(
        select(func.coalesce(func.max(Case.serial_no), 0)).where(Case.unit_id == unit_id)
    )
    return int(last or 0) + 1


def _expected_counts(check: ReturnCheck, decisions: dict[int, int | None]) -> tuple[int, int, int]:
    """(new, matched, missing) once the clerk's decisions settle every uncertain match."""
    diff = check.diff
    if diff is None:
        raise WorkflowError("该上报尚未与台账比对，请先核对。")
    undecided = [m for m in diff.uncertain if m.row not in decisions]
    if undecided:
        raise WorkflowError(
            f"还有 {len(undecided)} 行与台账的匹配不确定（例如第 {undecided[0].row + 1} 条："
            f"{check.rows[undecided[0].row].label()}），请逐一确认是否为同一企业后再通过。"
        )
    confirmed = sum(1 for m in diff.uncertain if decisions.get(m.row) == m.case_id)
    rejected = len(diff.uncertain) - confirmed
    matched = len(diff.changed) + len(diff.unchanged) + confirmed
    return len(diff.new) + rejected, matched, len(diff.missing) + rejected


def _flush(session: Session, ret: CountyReturn) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict("CountyReturn", ret.id, ret.version + 1, [], {}) from None


def accept_return(
    session: Session,
    actor: Actor,
    return_id: int,
    expected_version: int,
    check: ReturnCheck,
    decisions: dict[int, int | None] | None = None,
    progress: Progress | None = None,
) -> AcceptResult:
    """通过: write the return into the register and mark it 已通过. The runner commits
    (or rolls back on any error, so that nothing of it lands).

    ``check`` is the check of this return's stored file the clerk looked at; ``decisions``
    settles its uncertain matches (row index → case id, or None for a new case).
    """
    report = progress or (lambda _pct, _msg: None)
    check = replace(check, errors=list(check.errors))  # compared again below: a copy
    ret = _pending(session, actor, return_id, expected_version)
    stored = return_file_attachment(session, ret.id)
    if check.unit_id != ret.unit_id or (stored is not None and stored.sha256 != check.sha256):
        raise WorkflowError("核对结果与该上报的文件不符，请重新核对该上报后再审核。")
    if not check.valid:
        raise ValidationError(
            f"上报文件还有 {len(check.errors):,} 处错误，不能通过。请退回并说明原因。"
        )
    decisions = _with_decisions(check, decisions or {})
    expected = _expected_counts(check, decisions)
    assert check.diff is not None
    seen_versions = {
        m.case_id: m.case_version
        for m in (*check.diff.changed, *check.diff.unchanged, *check.diff.uncertain)
    }
    report(2, "正在锁定上报记录…")
    # The first write takes the database's write lock (SQLite) before anything is read again.
    mark_reviewed(ret, actor, ReturnStatus.APPROVED, None)
    _flush(session, ret)
    report(5, "正在与最新台账比对…")
    # Compared again unless nothing it depends on changed since the check (no decisions to
    # apply, the same cases at the same versions): at 20,000 rows that is most of the time.
    if (
        diff_has_decisions(check)
        or check.register_state is None
        or register_state(session, check.unit_id) != check.register_state
    ):
        compare(session, check, decisions)
    diff = check.diff
    assert diff is not None
    got = diff.counts()
    if diff.uncertain or expected != (
        got["new"],
        got["changed"] + got["unchanged"],
        got["missing"],
    ):
        raise WorkflowError(
            "台账在核对之后被修改过（其他业务员新增或修改了该单位的企业），与您看到的差异不同。"
            "未写入任何内容，请重新核对后再审核通过。"
        )
    for m in (*diff.changed, *diff.unchanged):
        if seen_versions.get(m.case_id, m.case_version) != m.case_version:
            raise _stale(m.case_label)
    lacking = missing_classification(check, diff.new)
    if lacking:
        raise ValidationError(
            f"有 {len(lacking)} 行将作为新企业写入台账但没有整治类型，例如{lacking[0].text()}。"
        )
    new_rows = [check.rows[i] for i in diff.new]
    matched = diff.changed
    townships_needed = {r.values[FIELD_INDEX["township"]] for r in new_rows} | {
        c.new for m in matched for c in m.changes if c.key == "township"
    }
    batches_needed = {r.values[FIELD_INDEX["batch"]] or DEFAULT_BATCH for r in new_rows} | {
        c.new for m in matched for c in m.changes if c.key == "batch"
    }
    townships, towns_created = _resolve_townships(
        session, ret.unit_id, {t for t in townships_needed if t}
    )
    batches, batches_created = _resolve_batches(session, {b for b in batches_needed if b})
    at = now()
    note = f"县区上报导入：{ret.unit.name}（上报 #{ret.id}，{check.filename}）"[:255]
    report(15, f"正在写入新增企业 {len(new_rows):,} 家…")
    town_ids = {n: townships[search_key(n)] for n in townships_needed if n}
    batch_ids = {n: batches[search_key(n)] for n in batches_needed if n}
    rows: list[dict[str, Any]] = []
    first_serial_no = next_serial_no(session, ret.unit_id)

    def built() -> Iterator[dict[str, Any]]:
        """Each new case as it is written (on PostgreSQL the server inserts the ones before
        while the next is built)."""
        for serial_no, r in enumerate(new_rows, start=first_serial_no):
            row = _new_case_row(r.values, ret.unit_id, actor, at, town_ids, batch_ids)
            if r.guessed_industry:  # the county's own word beside the industry it was filed under
                word = f"上报行业：{r.guessed_industry}"
                row["remark"] = f"{row['remark']}；{word}" if row["remark"] else word
            row["serial_no"] = serial_no
            rows.append(row)
            yield row

    new_ids = insert_cases(session, built(), len(new_rows))
    report(60, "正在记录企业历史…")
    history = [
        {"case_id": case_id, "changed_at": at, "user_id": actor.user_id, "username": actor.username,
         "field": "status", "old_value": None, "new_value": as_text(row["status"]), "note": note}
        for case_id, row in zip(new_ids, rows, strict=True)
    ]  # fmt: skip
    bulk_insert(session.connection(), CaseChange.__table__, history)
    report(75, f"正在更新变更企业 {len(matched):,} 家…")
    _apply_changes(session, actor, matched, townships, batches, note)
    report(90, "正在记录本次并入的内容…")
    bulk_insert(session.connection(), ReturnMergeItem.__table__,
                merge_items(check, ret.id, new_ids))  # fmt: skip
    ret.rows_total = len(check.rows)
    ret.rows_new = len(new_ids)
    ret.rows_changed = len(matched)
    ret.rows_missing = len(diff.missing)
    session.flush()
    result = AcceptResult(ret.id, len(new_ids), len(matched), len(diff.unchanged), len(diff.missing),
                          new_ids, towns_created, batches_created, check)  # fmt: skip
    record(session, actor, "accept", "county_return", ret.id,
           detail={"unit": ret.unit.name, "file": check.filename, "created": result.created,
                   "updated": result.updated, "unchanged": result.unchanged,
                   "missing": result.missing, "townships_created": towns_created,
                   "batches_created": batches_created,
                   "new_case_ids": [new_ids[0], new_ids[-1]] if new_ids else []})  # fmt: skip
    report(100, "已写入")
    logger.info("accepted return %s: %s", ret.id, result.message())
    return result


def diff_has_decisions(check: ReturnCheck) -> bool:
    """True when the check's diff has uncertain matches (decisions apply by comparing again)."""
    return check.diff is None or bool(check.diff.uncertain)


def _with_decisions(check: ReturnCheck, decisions: dict[int, int | None]) -> dict[int, int | None]:
    return {i: d for i, d in decisions.items() if 0 <= i < len(check.rows)}


def _apply_changes(
    session: Session, actor: Actor, matched: list[RowMatch], townships: dict[str, int],
    batches: dict[str, int], note: str,
) -> None:  # fmt: skip
    """Write the changed fields of matched cases and their history, in batches: the cases'
    current values read as plain rows, one version-checked UPDATE executemany per set of
    changed fields (one UPDATE … FROM arrays on PostgreSQL), one INSERT of all history rows
    (no ORM object per case)."""
    table = Case.__table__
    by_id = {m.case_id: m for m in matched}
    ids = list(by_id)
    attrs = sorted({ATTRIBUTE[c.key] for m in matched for c in m.changes})
    conn = session.connection()
    at = now()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    history: list[dict[str, Any]] = []
    columns = [table.c.id, table.c.version, *(table.c[a] for a in attrs)]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for case_id, version, *values in conn.execute(
            select(*columns).where(table.c.id.in_(chunk))
        ):
            m = by_id[case_id]
            if version != m.case_version:
                raise _stale(m.case_label)
            current = dict(zip(attrs, values, strict=True))
            diffs: dict[str, tuple[Any, Any]] = {}
            for change in m.changes:
                attr = ATTRIBUTE[change.key]
                new = change.new
                if change.key == "township":
                    new = townships[search_key(new)]
                elif change.key == "batch":
                    new = batches[search_key(new)]
                if current[attr] != new:
                    diffs[attr] = (current[attr], new)
            if not diffs:
                continue
            row = {a: new for a, (_old, new) in diffs.items()}
            row.update(id=case_id, version=version)
            groups.setdefault(tuple(diffs), []).append(row)
            history.extend(
                {"case_id": case_id, "changed_at": at, "user_id": actor.user_id,
                 "username": actor.username, "field": a, "old_value": as_text(old),
                 "new_value": as_text(new), "note": note}
                for a, (old, new) in diffs.items()
            )  # fmt: skip
    for names, rows in groups.items():
        done = update_versioned(conn, table, names, rows,
                                {"updated_at": at, "updated_by_id": actor.user_id})  # fmt: skip
        if done is not None and done != len(rows):
            raise _stale("台账中的企业")
    bulk_insert(conn, CaseChange.__table__, history)
    for obj in list(session.identity_map.values()):  # loaded cases now hold old values
        if isinstance(obj, Case) and obj.id in by_id:
            session.expire(obj)


def _stale(label: str) -> UserError:
    return WorkflowError(
        f"“{label}”在核对之后被其他业务员修改过。未写入任何内容，请重新核对后再审核通过。"
    )
