"""Check a return without writing anything: read every sheet, validate every row, compare with
the register. The result tells the clerk what is wrong (sheet, row, column) and what would change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.errors import NotFoundError
from controllers.infra.collector import paused_collector
from controllers.infra.freed_memory import release_freed_memory
from controllers.permissions import Permission, can, require
from controllers.returns.fields import FIELDS_BY_KEY
from controllers.returns.headers import HEADER_SCAN_ROWS, find_header
from controllers.returns.lookup import load_vocabulary, stage_year
from controllers.returns.mappings import remembered_mappings
from controllers.returns.matching import (
    RegisterCase,
    RegisterIndex,
    ReturnDiff,
    compare_rows,
    filled_fields,
    load_packed_register,
    load_register,
    unpacked_index,
)
from controllers.returns.normalise import is_blank, to_text
from controllers.returns.reader import (
    DEFAULT_LIMITS,
    ReadLimits,
    UnreadableFile,
    open_return_file,
    too_many_rows,
)
from controllers.returns.rows import ReturnRow, RowError, read_rows
from models import Batch, Case, Township, Unit

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

#: a register up to this size is read (and indexed) while calamine parses the return in a
#: worker thread, and held beside the parsed sheets as objects, about 1 KB a case (measured
#: with 160,000 cases: 200,000 rows peaked at 715 MB instead of 552 MB). A larger register is
#: read meanwhile too, but held packed (pickled: 23 MB for 160,000 cases instead of 120) until
#: the rows are read and the sheets freed; the pages the worker's parse freed are then given
#: back to the system (its malloc arena is not reused for the rows and cases), and the cases
#: unpacked and indexed: 200,000 rows peak as when the register was read after the rows,
#: without its 1.5 s of reading
READ_AHEAD_CASES = 30_000


@dataclass
class UnplacedColumn:
    """A header no synonym or remembered mapping places; the clerk maps it by hand."""

    sheet: str
    header: str
    samples: list[str] = field(default_factory=list)


@dataclass
class SheetReport:
    """What happened to one sheet: read (with its header row and columns) or skipped (why)."""

    name: str
    read: bool
    reason: str = ""
    header_row: int | None = None  # as Excel shows it
    rows: int = 0
    #: (0-based sheet column, header text, field key) of each placed column
    columns: list[tuple[int, str, str]] = field(default_factory=list)
    unplaced: list[UnplacedColumn] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (header, field) ignored


@dataclass
class ReturnCheck:
    """The result of checking one file for one unit and stage."""

    filename: str
    sha256: str
    size: int
    unit_id: int
    unit_name: str
    stage_id: int | None
    default_year: int | None
    sheets: list[SheetReport]
    sheet_names: list[str]  # ReturnRow.sheet indexes this
    rows: list[ReturnRow]
    errors: list[RowError]
    new_townships: list[str]
    new_batches: list[str]
    industry_names: dict[int, str]
    diff: ReturnDiff | None = None
    #: rows taken, but the clerk should look (an industry outside the catalog…)
    warnings: list[RowError] = field(default_factory=list)
    #: ``register_state`` of the unit when ``diff`` was made without decisions (None after a
    #: comparison with decisions): accepting skips comparing again while it still holds
    register_state: int | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        return "valid" if self.valid else "invalid"

    @property
    def rows_valid(self) -> int:
        bad = {(e.sheet, e.row) for e in self.errors}
        names = self.sheet_names
        return sum(1 for r in self.rows if (names[r.sheet], r.row) not in bad)

    def industry_words(self) -> list[str]:
        """The county's industry words outside the catalog, each once, in order of appearance."""
        return list(dict.fromkeys(w.subject for w in self.warnings if w.subject))

    @property
    def unplaced(self) -> list[UnplacedColumn]:
        return [u for s in self.sheets for u in s.unplaced]

    @property
    def skipped_sheets(self) -> list[SheetReport]:
        return [s for s in self.sheets if not s.read]

    def sheet_of(self, row: ReturnRow) -> str:
        return self.sheet_names[row.sheet]

    def message(self) -> str:
        """One Chinese sentence summing up the check."""
        read = [s for s in self.sheets if s.read]
        parts = [f"读取工作表 {len(read)} 个、数据 {len(self.rows):,} 行"]
        if self.skipped_sheets:
            parts.append("跳过 " + "、".join(f"“{s.name}”" for s in self.skipped_sheets))
        if self.errors:
            bad_rows = len({(e.sheet, e.row) for e in self.errors})
            parts.append(
                f"发现 {len(self.errors):,} 处错误（涉及 {bad_rows:,} 行），请改正后重新上报"
            )
        else:
            parts.append("没有发现错误")
        if self.warnings:
            parts.append(f"{len(self.warnings):,} 处警告（可以通过，但请查看）")
        if self.diff is not None:
            c = self.diff.counts()
            parts.append(
                f"与台账相比：新增 {c['new']:,} 家，变更 {c['changed']:,} 家，"
                f"未变 {c['unchanged']:,} 家，待确认 {c['uncertain']:,} 家，"
                f"台账中有而上报中没有 {c['missing']:,} 家"
            )
        if self.unplaced:
            parts.append("未识别的列 " + "、".join(f"“{u.header}”" for u in self.unplaced))
        return "；".join(parts) + "。"


def require_check(actor: Actor, unit_id: int) -> None:
    """Checking a unit's return needs the right to submit it or to review returns."""
    if can(actor, Permission.REVIEW_RETURNS, unit_id):
        return
    require(actor, Permission.SUBMIT_RETURNS, unit_id)


def file_digest(path: str | Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _samples(rows: list[list[Any]], pos: int, n: int = 3) -> list[str]:
    out = []
    for row in rows:
        if pos < len(row):
            text = to_text(row[pos])
            if text:
                out.append(text[:40])
                if len(out) == n:
                    break
    return out


def check_return(
    session: Session,
    actor: Actor,
    path: str | Path,
    unit_id: int,
    stage_id: int | None = None,
    *,
    filename: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ReturnCheck:
    """Read, validate and compare a return; writes nothing. Raises :class:`UnreadableFile`."""
    require_check(actor, unit_id)
    with paused_collector():
        return _check_return(session, actor, path, unit_id, stage_id, filename=filename,
                             limits=limits, progress=progress, today=today)  # fmt: skip


def _check_return(
    session: Session,
    actor: Actor,
    path: str | Path,
    unit_id: int,
    stage_id: int | None,
    *,
    filename: str | None,
    limits: ReadLimits,
    progress: Progress | None,
    today: dt.date | None,
) -> ReturnCheck:
    report = progress or (lambda _pct, _msg: None)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFoundError("所选责任单位已不存在。")
    year = stage_year(session, stage_id) or (today or dt.date.today()).year
    vocab = load_vocabulary(session, unit, year)
    remembered = remembered_mappings(session, unit_id)
    name = filename or Path(path).name
    report(1, f"正在打开“{name}”…")
    book = open_return_file(path, name, limits)
    try:
        sha, size = file_digest(path)
        prepared: tuple[list[RegisterCase], RegisterIndex] | None = None
        packs: list[bytes] | None = None
        # calamine parses the sheets without the GIL: meanwhile this thread reads the register
        # (the session stays on this thread) — indexed at once when small, else held packed
        # until the rows are read and the sheets freed
        read_ahead = register_size(session, unit_id) <= READ_AHEAD_CASES
        with ThreadPoolExecutor(1, thread_name_prefix="return-parse") as pool:
            parsing = pool.submit(list, book.sheets())
            try:
                if read_ahead:
                    register = load_register(session, unit_id)
                    prepared = (register, RegisterIndex(register))
                    del register
                else:
                    packs = load_packed_register(session, unit_id)
            finally:
                sheets: list[Any] = parsing.result()
        sheet_names = [s.name for s in sheets]
        total = sum(s.height for s in sheets)
        if total > limits.max_rows:
            raise too_many_rows(name, total, limits)
        done = 0

        def on_rows(n: int) -> None:
            nonlocal done
            done += n
            report(5 + int(80 * done / max(total, 1)), f"已读取 {done:,} / {total:,} 行")

        reports: list[SheetReport] = []
        rows: list[ReturnRow] = []
        errors: list[RowError] = []
        warnings: list[RowError] = []
        seen: dict[tuple[str, str, str], tuple[str, int]] = {}
        any_content = False
        for index, sheet in enumerate(sheets):
            head = list(itertools.islice(sheet.rows, HEADER_SCAN_ROWS))
            header = find_header(head, remembered)
            if header is None:
                rest_blank = all(is_blank(r) for r in head)
                if rest_blank:
                    rest_blank = all(is_blank(r) for r in sheet.rows)
                any_content = any_content or not rest_blank
                reason = (
                    "空白工作表" if rest_blank else "没有找到清单表头（应有“企业名称”“地址”等列）"
                )
                reports.append(SheetReport(sheet.name, False, reason))
                continue
            any_content = True
            data_head = head[header.data_start :]
            sheet_report = SheetReport(
                sheet.name,
                True,
                header_row=sheet.first_row + header.row_index + 1,
                columns=[(sheet.first_col + p, header.headers[p], k)
                         for p, k in sorted(header.columns.items())],
                unplaced=[UnplacedColumn(sheet.name, text, _samples(data_head, pos))
                          for pos, text in header.unplaced],
                duplicates=[(text, k) for _p, text, k in header.duplicates],
            )  # fmt: skip
            before = len(rows)
            rows.extend(
                read_rows(index, sheet.name, itertools.chain(data_head, sheet.rows), header,
                          sheet.first_row, sheet.first_col, vocab, errors, seen, on_rows, warnings)
            )  # fmt: skip
            sheet_report.rows = len(rows) - before
            reports.append(sheet_report)
            sheets[index] = None  # let calamine free the sheet
            del head, data_head, sheet
    finally:
        book.close()
    if not any(r.read for r in reports):
        if not any_content:
            raise UnreadableFile(f"文件“{name}”中没有任何内容。")
        listed = "、".join(f"“{r.name}”" for r in reports)
        raise UnreadableFile(
            f"在文件“{name}”的工作表（{listed}）中都没有找到清单表头。表头行应包含“企业名称”“地址”"
            "“业主/法人”“整治类型”等列；可下载空白上报模板对照填写。"
        )
    check = ReturnCheck(
        filename=name, sha256=sha, size=size, unit_id=unit.id, unit_name=unit.name,
        stage_id=stage_id, default_year=year, sheets=reports,
        sheet_names=sheet_names, rows=rows, errors=errors,
        new_townships=sorted(vocab.new_townships.values()),
        new_batches=sorted(vocab.new_batches.values()),
        industry_names=vocab.industry_names, warnings=warnings,
    )  # fmt: skip
    report(88, "正在与台账比对…")
    if packs is not None:
        release_freed_memory()  # the parse's pages (its own arena), before the cases fill memory
        prepared = unpacked_index(packs)
        del packs
    compare(session, check, register=prepared)
    del prepared
    report(100, "核对完成")
    logger.info("checked return %s for %s: %d rows, %d errors", name, unit.name, len(rows),
                len(check.errors))  # fmt: skip
    return check


def compare(
    session: Session,
    check: ReturnCheck,
    decisions: dict[int, int | None] | None = None,
    *,
    register: tuple[list[RegisterCase], RegisterIndex] | None = None,
) -> None:
    """Match the check's rows to the unit's register now; new rows need a classification.
    ``register``: the unit's register and its index when already read in this session's
    transaction."""
    if register is None:
        cases = load_register(session, check.unit_id, filled_fields(check.rows))
        index = None
    else:
        cases, index = register
    check.diff = compare_rows(check.rows, cases, check.industry_names, decisions, index)
    check.register_state = (
        None
        if decisions
        else register_state(session, check.unit_id, [(c.id, c.version) for c in cases])
    )
    check.errors = [e for e in check.errors if not e.message.startswith(NEEDS_CLASSIFICATION)]
    check.errors.extend(missing_classification(check, check.diff.new))
    order = {n: i for i, n in enumerate(check.sheet_names)}
    check.errors.sort(key=lambda e: (order.get(e.sheet, 0), e.row))


def register_state(
    session: Session, unit_id: int, cases: Sequence[tuple[int, int]] | None = None
) -> int:
    """A fingerprint of what a comparison with the unit's register depends on: its cases'
    ids and versions (every edit bumps the version), the names of townships and batches.
    ``cases``: the unit's (id, version) pairs in id order when already read."""
    if cases is None:
        cases = session.execute(
            select(Case.id, Case.version).where(Case.unit_id == unit_id).order_by(Case.id)
        ).all()
    towns = session.execute(select(Township.id, Township.name).order_by(Township.id)).all()
    batches = session.execute(select(Batch.id, Batch.name).order_by(Batch.id)).all()
    return hash((tuple(map(tuple, cases)), tuple(map(tuple, towns)), tuple(map(tuple, batches))))


def register_size(session: Session, unit_id: int) -> int:
    """How many cases the unit's register holds."""
    return session.scalar(select(func.count(Case.id)).where(Case.unit_id == unit_id)) or 0


NEEDS_CLASSIFICATION = "新企业必须填写整治类型"


def missing_classification(check: ReturnCheck, new_rows: list[int]) -> list[RowError]:
    """Errors for rows that would become new cases without a 整治类型."""
    out = []
    flagged = {(e.sheet, e.row, e.column) for e in check.errors}
    for i in new_rows:
        row = check.rows[i]
        if row.get("classification") is None:
            sheet = check.sheet_of(row)
            col, header = next(
                ((c, h) for r in check.sheets if r.name == sheet for c, h, k in r.columns
                 if k == "classification"),
                (None, FIELDS_BY_KEY["classification"].header),
            )  # fmt: skip
            if (sheet, row.row, header) in flagged:
                continue  # its value is already reported as unknown
            out.append(
                RowError(sheet, row.row, header,
                         f"{NEEDS_CLASSIFICATION}（关停取缔、整合搬迁或提升改造）：台账中没有这家企业",
                         col)
            )  # fmt: skip
    return out
