"""Load the office's existing registers: master workbooks with a unit column (县（市、区）),
several files, or a folder of per-unit files (the unit named by the file or sheet).

:func:`check_register` reads every file with the county-return reader (header synonyms,
normalisation, row errors) and writes nothing: rows per unit and status, errors, warnings,
townships to create, duplicates within and across files. :func:`load_register` then writes
every row in one transaction (all or nothing). Statuses and dates are kept as the workbook
says; a case's history starts with "imported from FILE, row N".
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import AuditAction, AuditObject
from controllers.audit.trail import record
from controllers.bulk_columns import indexes_deferred, insert_columns, insert_columns_with_ids
from controllers.cases.validation import STATUS_REQUIRES
from controllers.errors import ValidationError
from controllers.infra.collector import paused_collector
from controllers.onboarding.checklist import (
    capture,
    checklist_problems,
    find_checklist_columns,
    read_dates,
)
from controllers.onboarding.read_ahead import ReadAhead
from controllers.permissions import Permission, require
from controllers.returns.fields import FIELD_INDEX, FIELDS_BY_KEY
from controllers.returns.headers import find_header
from controllers.returns.lookup import load_vocabulary
from controllers.returns.normalise import is_blank
from controllers.returns.reader import (
    DEFAULT_LIMITS,
    WORKBOOK_EXTENSIONS,
    ReadLimits,
    UnreadableFile,
    too_many_rows,
)
from controllers.returns.review import _PLAIN_FIELDS, _resolve_batches, _resolve_townships
from controllers.returns.rows import (
    ReturnRow,
    RowError,
    Vocabulary,
    match_key,
    read_rows,
    resolve_unit,
)
from models import Batch, Case, CaseChange, CaseCheck, Township, Unit
from models.base import now
from models.codes import CaseStatus, CheckItem, Source
from models.textnorm import search_key

logger = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 30
I_UNIT, I_TOWNSHIP, I_BATCH = FIELD_INDEX["unit"], FIELD_INDEX["township"], FIELD_INDEX["batch"]
I_STATUS, I_INDUSTRY = FIELD_INDEX["status"], FIELD_INDEX["industry"]
#: rows written per round trip (progress is reported after each)
LOAD_CHUNK = 50_000
#: the fields whose combination with the status is checked (a closed case keeps its dates)
STATUS_KEYS = ("status", "completed_on", "township_checked_on", "accepted_on", "closed_on",
               "approved_by", "deadline", "discovered_on")  # fmt: skip
Progress = Callable[[int, str], None]


@dataclass(slots=True)
class RegisterRow:
    file: str
    unit: str
    batch: str
    row: ReturnRow
    #: the 两断三清 dates the workbook gives (None: none)
    checks: dict[CheckItem, dt.date] | None = None


@dataclass
class RegisterCheck:
    """What the files hold and what is wrong with them; nothing is written."""

    files: list[str] = field(default_factory=list)
    rows: list[RegisterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_townships: dict[str, list[str]] = field(default_factory=dict)  # unit → names
    error_files: list[str] = field(default_factory=list)  # the file of each error
    paths: list[Path] = field(default_factory=list)  # the files as chosen (for error reports)
    #: (file, sheet) → the columns read: (0-based sheet column, header as shown, field key)
    sheet_columns: dict[tuple[str, str], list[tuple[int, str, str]]] = field(default_factory=dict)
    row_warnings: list[tuple[str, RowError]] = field(default_factory=list)  # (file, warning)
    #: rows of enterprises the register already holds (errors, or skipped with skip_existing)
    existing: int = 0

    @property
    def valid(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def status(self) -> str:
        return "valid" if self.valid else "invalid"

    def by_unit(self) -> dict[str, int]:
        return dict(Counter(map(attrgetter("unit"), self.rows)))

    def by_status(self) -> dict[str, int]:
        labels: Counter[str] = Counter()
        for status, n in Counter(r.row.values[I_STATUS] for r in self.rows).items():
            labels[(status or CaseStatus.PENDING).label] += n
        return dict(labels)

    def by_batch(self) -> dict[str, int]:
        return dict(Counter(map(attrgetter("batch"), self.rows)))

    def as_dict(self, loaded: int = 0) -> dict[str, Any]:
        return {
            "status": "loaded" if loaded else self.status,
            "rows_valid": len(self.rows) if self.valid else 0,
            "by_unit": self.by_unit(),
            "by_status": self.by_status(),
            "errors": [{"file": f, **e.as_dict()} for f, e in zip(self.error_files, self.errors,
                                                                 strict=True)],
            "warnings": self.warnings,
            "new_townships": self.new_townships,
            "loaded": loaded,
        }  # fmt: skip


_I = {k: FIELD_INDEX[k] for k in STATUS_KEYS}
#: the dates' order, as the case form checks it (controllers.cases.validation)
_ORDER = (("discovered_on", "completed_on", "完成日期不能早于发现日期"),
          ("completed_on", "township_checked_on", "乡镇初验日期不能早于完成日期"),
          ("completed_on", "accepted_on", "验收日期不能早于完成日期"),
          ("township_checked_on", "accepted_on", "验收日期不能早于乡镇初验日期"),
          ("accepted_on", "closed_on", "销号日期不能早于验收日期"))  # fmt: skip


_REQUIRED_AT = {s: tuple(_I[k] for k in keys) for s, keys in STATUS_REQUIRES.items()}
_ORDER_AT = tuple((_I[early], _I[late]) for early, late, _message in _ORDER)
_NOT_LATER_AT = tuple(_I[k] for k in ("completed_on", "township_checked_on", "accepted_on",
                                      "closed_on"))  # fmt: skip
_I_CLOSED = _I["closed_on"]


def status_problems(values: tuple[Any, ...], today: dt.date) -> list[tuple[str, str]]:
    """An illegal combination of status and dates (a closed case needs its close-out data)."""
    status = values[I_STATUS] or CaseStatus.PENDING
    for i in _REQUIRED_AT.get(status, ()):  # the common, legal row: checked quickly
        v = values[i]
        if v is None or v == "":
            return _status_problems(values, status, today)
    if status != CaseStatus.CLOSED and values[_I_CLOSED]:
        return _status_problems(values, status, today)
    for early, late in _ORDER_AT:
        a, b = values[early], values[late]
        if a and b and b < a:
            return _status_problems(values, status, today)
    for i in _NOT_LATER_AT:
        v = values[i]
        if v and v > today:
            return _status_problems(values, status, today)
    return []


def _status_problems(values: tuple[Any, ...], status: CaseStatus,
                     today: dt.date) -> list[tuple[str, str]]:  # fmt: skip
    problems = []
    for key in STATUS_REQUIRES.get(status, ()):
        v = values[_I[key]]
        if v is None or v == "":
            problems.append(
                (key, f"状态为“{status.label}”的企业必须填写{FIELDS_BY_KEY[key].header}")
            )
    if status != CaseStatus.CLOSED and values[_I["closed_on"]]:
        problems.append(("closed_on", f"状态为“{status.label}”（未销号）的企业不能有销号日期"))
    for early, late, message in _ORDER:
        a, b = values[_I[early]], values[_I[late]]
        if a and b and b < a:
            problems.append((late, message))
    for key in ("completed_on", "township_checked_on", "accepted_on", "closed_on"):
        v = values[_I[key]]
        if v and v > today:
            problems.append(
                (key, f"{FIELDS_BY_KEY[key].header}不能晚于今天（{today.isoformat()}）")
            )
    return problems


def _multi_vocabulary(session: Session, default_year: int | None) -> Vocabulary:
    any_unit = session.scalars(select(Unit).order_by(Unit.sort_order)).first()
    if any_unit is None:
        raise ValidationError(
            "数据库中还没有责任单位：请先建立本单位的责任单位和乡镇，再导入清单。"
        )
    vocab = load_vocabulary(session, any_unit, default_year)
    vocab.multi_unit = True
    for u in session.scalars(select(Unit)):  # a unit is also named by its code
        vocab.units.setdefault(search_key(u.code), u.name)
    vocab.unit_id, vocab.unit_name, vocab.townships = 0, "", {}
    return vocab


def _unit_from_name(text: str, units: dict[str, str]) -> str | None:
    key = search_key(text)
    found = resolve_unit(key, units) if key else None
    if found is None:  # "新乐市2024年清单": a unit name inside the file or sheet name
        hits = [u for k, u in units.items() if len(k) >= 2 and k in key]
        found = max(hits, key=len) if hits else None
    return found


def _batch_from_name(text: str) -> str | None:
    import re

    m = re.search(r"(20\d\d)\s*年?", text)
    return f"{m[1]}年清单" if m else None


def register_files(paths: Sequence[str | Path]) -> list[Path]:
    """The files to read: each file as given, and the spreadsheets directly inside each folder
    (a folder of per-unit files), by name; Excel's ``~$`` lock files and hidden files skipped."""
    out: list[Path] = []
    for p in map(Path, paths):
        if not p.is_dir():
            out.append(p)
            continue
        found = sorted(
            (f for f in p.iterdir() if f.is_file() and not f.name.startswith(("~$", "."))
             and f.suffix.lower() in (*WORKBOOK_EXTENSIONS, ".csv")),
            key=lambda f: f.name,
        )  # fmt: skip
        if not found:
            raise UnreadableFile(f"文件夹“{p.name}”中没有表格文件（.xlsx、.xls、.ods、.csv）。")
        out.extend(found)
    return out


def check_register(
    session: Session,
    actor: Actor,
    paths: Sequence[str | Path],
    batch: str | None = None,
    *,
    limits: ReadLimits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    skip_existing: bool = False,
) -> RegisterCheck:
    """Read and check the files; raises UnreadableFile for a file that is not a spreadsheet.

    A row naming an enterprise the register already holds (same unit, and the same name and
    address — or address and owner for an unnamed site — as a county return is matched) is an
    error; with ``skip_existing`` it is left out and counted in a warning per file. The cyclic
    garbage collector waits meanwhile (every row read stays alive until the load).
    """
    require(actor, Permission.MANAGE_UNITS)
    with paused_collector():
        return _check_register(session, paths, batch, limits, progress, skip_existing)


def _check_register(session: Session, paths: Sequence[str | Path], batch: str | None,
                    limits: ReadLimits, progress: Progress | None,
                    skip_existing: bool) -> RegisterCheck:  # fmt: skip
    report = progress or (lambda _pct, _msg: None)
    vocab = _multi_vocabulary(session, None)
    registered = _registered_cases(session)
    today = dt.date.today()
    check = RegisterCheck()
    #: identity key → index of the earlier file that has it (the keys are the files' own)
    in_files: dict[tuple[str, str, str], int] = {}
    #: per file: identity key → (sheet, Excel row) of its first row in the file
    seen_in: list[dict[tuple[str, str, str], tuple[str, int]]] = []
    files = register_files(paths)
    with ReadAhead(files, limits) as files_ahead:
        for fi, path in enumerate(files):
            _check_file(check, fi, path, files, files_ahead, batch, limits, vocab, registered,
                        in_files, seen_in, today, skip_existing, report)  # fmt: skip
    _find_new_townships(session, check)
    report(100, "核对完成")
    return check


def _check_file(check: RegisterCheck, fi: int, path: Path, files: list[Path],
                files_ahead: ReadAhead, batch: str | None, limits: ReadLimits,
                vocab: Vocabulary, registered: dict[tuple[str, Any], tuple[int, str]],
                in_files: dict[tuple[str, str, str], int],
                seen_in: list[dict[tuple[str, str, str], tuple[str, int]]], today: dt.date,
                skip_existing: bool, report: Progress) -> None:  # fmt: skip
    """Read and check one file's rows into ``check``."""
    name = path.name
    seen: dict[tuple[str, str, str], tuple[str, int]] = {}
    seen_in.append(seen)
    check.files.append(name)
    check.paths.append(path)
    report(int(80 * fi / len(files)), f"正在读取“{name}”…")
    skipped: list[str] = []
    book, sheets = files_ahead.take()  # opened while the file before was checked
    try:
        total = sum(s.height for s in sheets)
        if total > limits.max_rows:
            raise too_many_rows(name, total, limits)
        read_any = False
        for index, sheet in enumerate(sheets):
            head = list(itertools.islice(sheet.rows, HEADER_SCAN_ROWS))
            header = find_header(head, {})
            if header is None:
                if not all(is_blank(r) for r in head):
                    check.warnings.append(f"“{name}”的工作表“{sheet.name}”没有清单表头，已跳过")
                continue
            read_any = True
            has_unit_column = "unit" in header.columns.values()
            checklist = find_checklist_columns(head, header)
            fallback_unit = None if has_unit_column else (
                _unit_from_name(sheet.name, vocab.units) or _unit_from_name(path.stem, vocab.units)
            )  # fmt: skip
            sheet_batch = batch or _batch_from_name(sheet.name) or _batch_from_name(path.stem)
            errors: list[RowError] = []
            row_warnings: list[RowError] = []
            data: Any = itertools.chain(head[header.data_start :], sheet.rows)
            check_cells: dict[int, list[Any]] = {}
            check_pos = sorted(checklist.columns) if checklist else []
            if checklist:
                data = capture(data, check_pos, sheet.first_row + header.data_start + 1,
                               check_cells)  # fmt: skip
            for row in read_rows(index, sheet.name, data, header, sheet.first_row,
                                 sheet.first_col, vocab, errors, seen, None,
                                 row_warnings):  # fmt: skip
                unit = row.values[I_UNIT] or fallback_unit
                if unit is None:
                    unit_header = header.header_of("unit") or FIELDS_BY_KEY["unit"].header
                    if not any(e.row == row.row and e.column == unit_header for e in errors[-5:]):
                        errors.append(RowError(sheet.name, row.row, unit_header,
                                               "没有县（市、区）：请填写，或按单位命名文件/工作表"))  # fmt: skip
                    continue
                identity = row.identity_key() if registered or in_files else None
                known = registered.get((unit, identity)) if registered else None
                if known is not None:
                    check.existing += 1
                    if skip_existing:  # the row goes, and whatever was wrong with it
                        while errors and errors[-1].row == row.row:
                            errors.pop()
                        skipped.append(f"{sheet.name}第 {row.row} 行")
                        continue
                    errors.append(RowError(
                        sheet.name, row.row, header.header_of("name") or "企业名称",
                        f"与台账中已有的企业重复（编号 {known[0]}，{known[1]}）："
                        "同一企业（名称和地址相同）不能再导入一次",
                        _column_of(header, "name", sheet.first_col),
                    ))  # fmt: skip
                earlier = in_files.get(identity) if in_files and identity else None
                if earlier is not None:  # within a file the reader names the row already
                    first_sheet, first_row = seen_in[earlier][identity]
                    errors.append(RowError(
                        sheet.name, row.row, header.header_of("name") or "企业名称",
                        f"与“{files[earlier].name}”工作表“{first_sheet}”第 {first_row} 行"
                        "重复：同一企业（名称和地址相同）在两个文件中都出现了",
                        _column_of(header, "name", sheet.first_col),
                    ))  # fmt: skip
                for key, message in status_problems(row.values, today):
                    errors.append(RowError(
                        sheet.name, row.row, header.header_of(key) or FIELDS_BY_KEY[key].header,
                        message, _column_of(header, key, sheet.first_col),
                    ))  # fmt: skip
                dates = None
                if checklist:
                    cells = check_cells.pop(row.row, None)
                    dates = read_dates(checklist, check_pos, cells, sheet.name, row.row,
                                       sheet.first_col, errors) if cells else {}  # fmt: skip
                    for pos, message in checklist_problems(row.values, dates, checklist, today):
                        col_header = checklist.headers[pos] if pos is not None else ""
                        col = None if pos is None else sheet.first_col + pos
                        errors.append(RowError(sheet.name, row.row, col_header, message, col))
                row_batch = row.values[I_BATCH] or sheet_batch or path.stem
                check.rows.append(RegisterRow(name, unit, row_batch, row, dates or None))
            errors.sort(key=lambda e: e.row)
            check.warnings.extend(f"{name}：{w.text()}" for w in row_warnings)
            check.row_warnings.extend((name, w) for w in row_warnings)
            placed = [(sheet.first_col + p, header.headers[p], k)
                      for p, k in sorted(header.columns.items())]  # fmt: skip
            if checklist:
                placed += [(sheet.first_col + p, checklist.headers[p], f"check_{v}")
                           for p, v in sorted(checklist.columns.items())]  # fmt: skip
            check.sheet_columns[(name, sheet.name)] = placed
            check.errors.extend(errors)
            check.error_files.extend([name] * len(errors))
            sheets[index] = None
        if not read_any:
            check.warnings.append(f"“{name}”中没有找到清单表头（应有“企业名称”“地址”等列）")
        for key in seen:
            in_files.setdefault(key, fi)
        if skipped:
            check.warnings.append(
                f"“{name}”中 {len(skipped):,} 行的企业已在台账中，已跳过（"
                + "、".join(skipped[:10])
                + ("等" if len(skipped) > 10 else "")
                + "）"
            )
    finally:
        book.close()


def _column_of(header: Any, key: str, first_col: int) -> int | None:
    pos = next((p for p, k in header.columns.items() if k == key), None)
    return None if pos is None else first_col + pos


def _registered_cases(session: Session) -> dict[tuple[str, Any], tuple[int, str]]:
    """(unit name, identity key) → (case id, its batch) of every case in the register; the
    identity key as a return row makes it (name + address, or address + owner unnamed)."""
    out: dict[tuple[str, Any], tuple[int, str]] = {}
    rows = session.execute(
        select(Case.id, Unit.name, Case.name, Case.address, Case.owner, Batch.name)
        .join(Unit, Case.unit_id == Unit.id)
        .outerjoin(Batch, Case.batch_id == Batch.id)
        .order_by(Case.id)
    )
    for case_id, unit, name, address, owner, batch in rows:
        name_key, address_key = match_key(name), match_key(address)
        if name_key:
            key: Any = ("n", name_key, address_key)
        elif address_key and match_key(owner):
            key = ("a", address_key, match_key(owner))
        else:
            continue
        out.setdefault((unit, key), (case_id, batch or "无清单批次"))
    return out


def _find_new_townships(session: Session, check: RegisterCheck) -> None:
    known: dict[str, set[str]] = {}
    for unit_name, town in session.execute(select(Unit.name, Township.name).join(Township)):
        known.setdefault(unit_name, set()).add(search_key(town))
    proposed: dict[str, dict[str, str]] = {}
    # each (unit, township) once, in the order the rows first name it
    for unit, town in dict.fromkeys((r.unit, r.row.values[I_TOWNSHIP]) for r in check.rows):
        if town and search_key(town) not in known.get(unit, set()):
            proposed.setdefault(unit, {}).setdefault(search_key(town), town)
    check.new_townships = {u: sorted(t.values()) for u, t in proposed.items()}


def _case_columns(part: Sequence[RegisterRow], units: dict[str, int],
                  town_ids: dict[str, dict[str, int]], batch_ids: dict[str, int], actor: Actor,
                  at: dt.datetime) -> dict[str, Sequence[Any]]:  # fmt: skip
    """The new cases' columns, as :func:`controllers.returns.review._new_case_row` makes a
    row (defaults where a cell is blank), built column by column."""
    n = len(part)
    fields = list(zip(*(r.row.values for r in part), strict=True))
    data: dict[str, Sequence[Any]] = {key: fields[i] for key, i in _PLAIN_FIELDS}
    no_towns: dict[str, int] = {}
    data.update(
        unit_id=[units[r.unit] for r in part],
        township_id=[town_ids.get(r.unit, no_towns)[t] if t else None
                     for r, t in zip(part, fields[I_TOWNSHIP], strict=True)],
        industry_id=fields[I_INDUSTRY],
        batch_id=[batch_ids[r.batch] for r in part],
        problem_types=[v or "" for v in data["problem_types"]],
        pollution_types=[v or "" for v in data["pollution_types"]],
        source=[v or Source.SELF_CHECK for v in data["source"]],
        status=[v or CaseStatus.PENDING for v in data["status"]],
        is_quasi=[False] * n, is_relapsed=[False] * n, relapse_count=[0] * n, version=[1] * n,
        created_at=[at] * n, updated_at=[at] * n,
        created_by_id=[actor.user_id] * n, updated_by_id=[actor.user_id] * n,
    )  # fmt: skip
    return data


def _history_columns(ids: Sequence[int], status: Sequence[Any], part: Sequence[RegisterRow],
                     actor: Actor, at: dt.datetime) -> dict[str, Sequence[Any]]:  # fmt: skip
    """Each new case's first history line: "imported from FILE, row N"."""
    n = len(ids)
    return {
        "case_id": ids, "changed_at": [at] * n, "user_id": [actor.user_id] * n,
        "username": [actor.username] * n, "field": ["status"] * n, "old_value": [None] * n,
        "new_value": [getattr(v, "value", v) for v in status],
        "note": [f"imported from {r.file}, row {r.row.row}（导入自 {r.file} 第 {r.row.row} 行）"[:255]
                 for r in part],
    }  # fmt: skip


def _checklist_columns(ids: Sequence[int], part: Sequence[RegisterRow]) -> dict[str, list[Any]]:
    """The 两断三清 items of the new cases, with the workbook's dates."""
    items = [(case_id, item, done_on) for case_id, r in zip(ids, part, strict=True) if r.checks
             for item, done_on in r.checks.items()]  # fmt: skip
    if not items:
        return {}
    case_ids, item_col, dates = (list(c) for c in zip(*items, strict=True))
    return {"case_id": case_ids, "item": item_col, "done_on": dates, "version": [1] * len(items)}


def load_register(session: Session, actor: Actor, check: RegisterCheck,
                  progress: Progress | None = None) -> int:  # fmt: skip
    """Write every row of a valid check as a new case (all or nothing); returns the count.

    Column by column and in bulk (see :mod:`controllers.bulk_columns`: COPY on PostgreSQL, one
    executemany on SQLite with the cases' indexes built again afterwards for a large load),
    with the cyclic garbage collector paused: no ORM object per row.
    """
    require(actor, Permission.MANAGE_UNITS)
    require(actor, Permission.EDIT_CASES)
    if not check.valid:
        raise ValidationError(f"清单有 {len(check.errors)} 处错误，未导入任何内容。")
    report = progress or (lambda _pct, _msg: None)
    with paused_collector():
        units = {u.name: u.id for u in session.scalars(select(Unit))}
        batches, batches_created = _resolve_batches(session, {r.batch for r in check.rows})
        batch_ids = {name: batches[search_key(name)] for name in {r.batch for r in check.rows}}
        towns_by_unit: dict[str, set[str]] = {}
        for r in check.rows:
            town = r.row.values[I_TOWNSHIP]
            if town:
                towns_by_unit.setdefault(r.unit, set()).add(town)
        town_ids: dict[str, dict[str, int]] = {}
        towns_created: dict[str, list[str]] = {}
        for unit, names in towns_by_unit.items():
            ids, created = _resolve_townships(session, units[unit], names)
            town_ids[unit] = {n: ids[search_key(n)] for n in names}
            if created:
                towns_created[unit] = created
        session.flush()
        at = now()
        total = 0
        conn = session.connection()
        with indexes_deferred(conn, Case.__table__, len(check.rows)):
            for start in range(0, len(check.rows), LOAD_CHUNK):
                part = check.rows[start : start + LOAD_CHUNK]
                data = _case_columns(part, units, town_ids, batch_ids, actor, at)
                ids = insert_columns_with_ids(session, Case.__table__, data)
                insert_columns(conn, CaseChange.__table__,
                               _history_columns(ids, data["status"], part, actor, at))  # fmt: skip
                insert_columns(conn, CaseCheck.__table__, _checklist_columns(ids, part))
                total += len(ids)
                report(int(100 * total / len(check.rows)), f"已写入 {total:,} 家")
    record(session, actor, AuditAction.IMPORT, AuditObject.CASE, None,
           detail={"files": check.files, "cases": total, "by_unit": check.by_unit(),
                   "batches_created": batches_created, "townships_created": towns_created})  # fmt: skip
    logger.info("register import: %d cases from %s", total, check.files)
    return total
