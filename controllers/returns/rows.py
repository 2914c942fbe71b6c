"""Read the data rows of a sheet into register values and say what is wrong with each.

Every problem is a :class:`RowError` with the sheet, the row number as Excel shows it, the
column header as the sheet shows it and a Chinese message a county clerk understands.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

from controllers.cases.columns import ColumnKind
from controllers.returns.fields import FIELD_INDEX, FIELD_KEYS, FIELDS_BY_KEY, ReturnField
from controllers.returns.headers import HeaderMatch
from controllers.returns.industries import IndustryGuess, IndustryMatcher
from controllers.returns.normalise import (
    WIDE_ALNUM,
    WIDE_ALNUM_TABLE,
    CellError,
    digits,
    digits_of,
    fold_text,
    is_blank,
    is_footer_row,
    is_total_row,
    split_status_prefix,
    to_code,
    to_codes,
    to_date,
    to_int,
    to_text,
)
from models.textnorm import search_key, shared_keys

N_FIELDS = len(FIELD_KEYS)
I_NAME, I_ADDRESS, I_OWNER, I_PHONE = (
    FIELD_INDEX[k] for k in ("name", "address", "owner", "phone")
)
I_DEADLINE, I_DISCOVERED = FIELD_INDEX["deadline"], FIELD_INDEX["discovered_on"]
I_PROGRESS, I_STATUS = FIELD_INDEX["progress_note"], FIELD_INDEX["status"]


@dataclass(frozen=True)
class RowError:
    """One problem: where (sheet, Excel row, column header) and what, in Chinese."""

    sheet: str
    row: int  # as Excel shows it (1-based)
    column: str  # the header as the sheet shows it ('' for the whole row)
    message: str
    col: int | None = None  # 0-based sheet column, when the problem is one cell
    #: what a warning is about, for resolving it (the county's industry word)
    subject: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }
        if self.subject:
            out["word"] = self.subject
        return out

    def text(self) -> str:
        where = f"工作表“{self.sheet}”第 {self.row} 行"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}"


def _key(text: str | None) -> str:
    """Matching key of a cleaned text (the same as :func:`models.textnorm.search_key`)."""
    if not text:
        return ""
    return text.replace(" ", "").lower() if text.isascii() else search_key(text)


#: the matching key of a stored text, as a row's keys are made (register import)
match_key = _key


class ReturnRow:
    """A data row read from the return: where it was and its register values (by field index)."""

    __slots__ = ("guessed_industry", "keys", "row", "sheet", "values")

    def __init__(
        self,
        sheet: int,
        row: int,
        values: tuple[Any, ...],
        keys: tuple[str, str, str, str] | None = None,
    ) -> None:
        self.sheet = sheet  # index into ReturnCheck.sheet_names
        self.row = row  # Excel row number
        self.values = values
        #: the county's industry word when the industry was guessed (a warning), else ''
        self.guessed_industry = ""
        #: matching keys of name, address, owner and phone digits (given when already made)
        self.keys = keys or (
            _key(values[I_NAME]),
            _key(values[I_ADDRESS]),
            _key(values[I_OWNER]),
            digits(values[I_PHONE]),
        )

    def get(self, key: str) -> Any:
        return self.values[FIELD_INDEX[key]]

    def identity_key(self) -> tuple[str, str, str] | None:
        """Name + address, or for an unnamed site address + owner; None without either."""
        name, address, owner, _phone = self.keys
        if name:
            return ("n", name, address)
        if address and owner:
            return ("a", address, owner)
        return None

    def label(self) -> str:
        """Name, or address and owner of an unnamed site."""
        v = self.values
        if v[I_NAME]:
            return v[I_NAME]
        return "（无名称）" + " ".join(p for p in (v[I_ADDRESS], v[I_OWNER]) if p)


@dataclass
class Vocabulary:
    """What the database knows, for reading a return of one unit."""

    unit_id: int
    unit_name: str
    units: dict[str, str]  # search key of every unit's name and short name → unit name
    townships: dict[str, str]  # search key → township name of this unit
    industries: IndustryMatcher
    industry_names: dict[int, str]
    batches: dict[str, str]  # search key → batch name
    default_year: int | None  # for "5月25日"
    new_townships: dict[str, str] = field(default_factory=dict)  # key → name, found in the file
    new_batches: dict[str, str] = field(default_factory=dict)
    #: a master workbook of every unit: the unit column names each row's unit (kept in the
    #: row's values) and townships are resolved later, per unit
    multi_unit: bool = False


Converter = Callable[[Any], Any]


def resolve_unit(key: str, units: dict[str, str]) -> str | None:
    """The unit a text names: an exact name or short name, else the longest one it starts with."""
    if key in units:
        return units[key]
    best = max((k for k in units if len(k) >= 2 and key.startswith(k)), key=len, default=None)
    return None if best is None else units[best]


def _converter(f: ReturnField, header: str, vocab: Vocabulary) -> Converter:
    kind = f.kind
    limit = f.max_length

    def text(value: Any) -> str | None:
        out = to_text(value)
        if out is not None and limit and len(out) > limit:
            raise CellError(f"内容过长（{len(out)} 个字），最多 {limit} 个字")
        return out

    if kind == ColumnKind.TEXT:
        return text
    if kind == ColumnKind.INT:
        return to_int
    if kind == ColumnKind.DATE:
        year = vocab.default_year
        return lambda v: to_date(v, year)
    if kind == ColumnKind.CODE:
        enum_cls = f.enum
        return lambda v: to_code(v, enum_cls, header)
    if kind == ColumnKind.CODES:
        enum_cls = f.enum
        return lambda v: to_codes(v, enum_cls, header)
    if kind == ColumnKind.UNIT:

        def unit(value: Any) -> None:
            name = to_text(value)
            key = search_key(name)
            if not key:
                return None
            found = resolve_unit(key, vocab.units)
            if vocab.multi_unit:
                if found is None:
                    raise CellError(f"无法识别的县（市、区）“{name}”（不是本市的责任单位）")
                return found
            if found == vocab.unit_name:
                return None
            if found is not None:
                raise CellError(f"该行属于“{found}”，不属于本次上报的“{vocab.unit_name}”")
            raise CellError(f"无法识别的县（市、区）“{name}”，本次上报单位为“{vocab.unit_name}”")

        return unit
    if kind == ColumnKind.TOWNSHIP:

        def township(value: Any) -> str | None:
            name = text(value)
            if name is None or vocab.multi_unit:
                return name
            key = search_key(name)
            known = vocab.townships.get(key)
            if known is not None:
                return known
            return vocab.new_townships.setdefault(key, name)

        return township
    if kind == ColumnKind.INDUSTRY:

        def industry(value: Any) -> int | IndustryGuess | None:
            name = to_text(value)
            if name is None:
                return None
            return vocab.industries.resolve(name)  # a guess is a warning, not an error

        return industry
    if kind == ColumnKind.BATCH:

        def batch(value: Any) -> str | None:
            name = text(value)
            if name is None:
                return None
            if name.isdigit() and len(name) == 4:
                name = f"{name}年清单"
            elif name.endswith("年") and name[:-1].isdigit():
                name = f"{name}清单"
            key = search_key(name)
            known = vocab.batches.get(key)
            if known is not None:
                return known
            return vocab.new_batches.setdefault(key, name)

        return batch
    raise ValueError(f"unknown column kind {kind}")  # pragma: no cover


def _plan(
    header: HeaderMatch, vocab: Vocabulary
) -> list[tuple[int, int, Converter | None, int, str]]:
    """(position, field index, converter or None for plain text, text limit, header text)."""
    plan = []
    for pos, key in sorted(header.columns.items()):
        f = FIELDS_BY_KEY[key]
        text = header.headers[pos]
        if f.kind == ColumnKind.TEXT:
            plan.append((pos, FIELD_INDEX[key], None, f.max_length or 0, text))
            continue
        plan.append((pos, FIELD_INDEX[key], _converter(f, text, vocab), 0, text))
    return plan


CHUNK_ROWS = 4096


def _chunks(rows: Iterator[list[Any]], size: int) -> Iterator[list[list[Any]]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _cell_text(v: Any) -> str | None:
    """A cell that is not a string as clean text (numbers without a needless '.0')."""
    if v is None:
        return None
    if v.__class__ is float and v.is_integer():
        return str(int(v))
    return to_text(v)


#: joins a column's texts for cleaning them in one pass: never in a cell of an .xlsx or .ods
#: (XML cannot hold it); a column holding it is cleaned cell by cell
_JOIN = "\x00"
_ONLY_STR = frozenset((str,))


_WIDE_RUN = re.compile(WIDE_ALNUM.pattern + "+")
#: a space as str.split() sees one (regex \s is exactly those)
_SPACE = re.compile(r"\s")


def _narrow(match: re.Match[str]) -> str:
    return match[0].translate(WIDE_ALNUM_TABLE)


def _fold_texts(texts: Sequence[str]) -> list[str]:
    """:func:`fold_text` of every text, done on the column joined into one string."""
    if not texts:
        return []
    joined = _JOIN.join(texts)
    if joined.count(_JOIN) != len(texts) - 1:
        return [fold_text(t) for t in texts]
    if not joined.isascii() and WIDE_ALNUM.search(joined):
        joined = _WIDE_RUN.sub(_narrow, joined)
    elif not _SPACE.search(joined):
        return list(texts)  # every text is clean as it is (the usual column)
    # every run of spaces one space, then none next to a separator (each text trimmed)
    joined = " ".join(joined.split()).replace(" " + _JOIN, _JOIN).replace(_JOIN + " ", _JOIN)
    return joined.split(_JOIN)


#: cell types that are never blank
_FILLED = frozenset((float, int, bool, dt.datetime, dt.date, dt.time, dt.timedelta))


def _clean_column(values: Sequence[Any]) -> list[Any]:
    """Plain text cells to clean text (see :func:`fold_text`: Chinese punctuation kept),
    column-wise."""
    if _ONLY_STR.issuperset(map(type, values)):
        folded = _fold_texts(values)  # type: ignore[arg-type]
        # one object per distinct text (a column repeats its townships, measures, names of
        # officials…): less memory, and comparing with the register touches less of it
        canonical: dict[str, str] = {}
        folded = list(map(canonical.setdefault, folded, folded))
        return [t or None for t in folded] if "" in folded else folded
    if _whole_floats(values):  # phone numbers typed as numbers: no '.0'
        return list(map(str, map(int, values)))
    texts = [v for v in values if v.__class__ is str]
    folded = _fold_texts(texts)
    it = iter(folded)
    return [(next(it) or None) if v.__class__ is str else _cell_text(v) for v in values]


def _columns(raws: list[list[Any]], width: int) -> list[tuple[Any, ...]]:
    """The chunk's cells column by column (at least ``width`` columns; missing cells None)."""
    if min(map(len, raws)) < width:
        raws = [r if len(r) >= width else [*r, *[None] * (width - len(r))] for r in raws]
    return list(zip(*raws, strict=False))


_ONLY_FLOAT = frozenset((float,))


def _whole_floats(values: Sequence[Any]) -> bool:
    """Every cell a number without a fraction (whole columns checked in C)."""
    return _ONLY_FLOAT.issuperset(map(type, values)) and all(map(float.is_integer, values))


def _serials(values: Sequence[Any]) -> list[int | None]:
    """:func:`_serial` of a column."""
    if _whole_floats(values) and max(map(abs, values), default=0) < 2**31:
        return list(map(int, values))
    return [_serial(v) for v in values]


def _serial(v: Any) -> int | None:
    """:func:`to_int` of a cell (a blank one: None)."""
    if v.__class__ is float:
        return int(v) if v.is_integer() and abs(v) < 2**31 else None
    if v == "" or v is None:
        return None
    return to_int(v)


_first_cell = itemgetter(0)


def _first_filled(raw: list[Any]) -> Any:
    for v in raw:
        if v != "" and v is not None:
            return v
    return None


def _may_be_total(raw: list[Any]) -> bool:
    for v in raw:
        if v == "" or v is None:
            continue
        return isinstance(v, str) and v.lstrip()[:1] in "合总小共"
    return False


def read_rows(
    sheet_index: int,
    sheet_name: str,
    rows: Iterator[list[Any]],
    header: HeaderMatch,
    first_row: int,
    first_col: int,
    vocab: Vocabulary,
    errors: list[RowError],
    seen: dict[tuple[str, str, str], tuple[str, int]],
    on_rows: Callable[[int], None] | None = None,
    warnings: list[RowError] | None = None,
) -> Iterator[ReturnRow]:
    """Yield the sheet's data rows (blank, 合计 and signature lines skipped); append problems.

    Rows are converted a chunk at a time, column by column (much faster in Python than cell by
    cell), so memory stays bounded by the chunk size.
    """
    plan = _plan(header, vocab)
    name_header = header.header_of("name") or FIELDS_BY_KEY["name"].header
    name_col = next((p for p, k in header.columns.items() if k == "name"), None)
    deadline_header = header.header_of("deadline")
    deadline_col = next((p for p, k in header.columns.items() if k == "deadline"), None)
    next_row = first_row + header.data_start + 1  # Excel row number of the first data row
    width = max((p for p, *_rest in plan), default=-1) + 1
    for chunk in _chunks(rows, CHUNK_ROWS):
        numbers = range(next_row, next_row + len(chunk))
        next_row += len(chunk)
        if on_rows is not None:
            on_rows(len(chunk))
        # a row starting with a number or a date (its 序号) is not blank: no look at the rest
        if all(chunk) and _FILLED.issuperset(map(type, map(_first_cell, chunk))):
            kept = list(zip(numbers, chunk, strict=True))  # every row numbered (the usual)
            raws = chunk
        else:
            kept = [(n, raw) for n, raw in zip(numbers, chunk, strict=True)
                    if (raw and raw[0].__class__ in _FILLED) or not is_blank(raw)]  # fmt: skip
            if not kept:
                continue
            raws = [raw for _n, raw in kept]
        cells = _columns(raws, width)
        none_column = [None] * len(raws)
        columns: list[Sequence[Any]] = [none_column] * N_FIELDS
        cell_errors: dict[int, list[RowError]] = {}
        cell_warnings: dict[int, list[RowError]] = {}
        guessed: dict[int, str] = {}
        for pos, index, convert, limit, text in plan:
            values = cells[pos]
            if convert is None:
                out = _clean_column(values)
                if limit and max(map(len, filter(None, out)), default=0) > limit:
                    for j, v in enumerate(out):
                        if v is not None and len(v) > limit:
                            out[j] = None
                            cell_errors.setdefault(j, []).append(
                                RowError(sheet_name, kept[j][0], text,
                                         f"内容过长（{len(v)} 个字），最多 {limit} 个字", first_col + pos)
                            )  # fmt: skip
            elif convert is to_int:  # 序号: a row label, every value distinct
                out = _serials(values)
            else:
                # coded columns, dates, townships… repeat: convert each distinct value once
                results: dict[Any, Any] = {}
                for v in set(values):
                    if v == "" or v is None:
                        results[v] = None
                        continue
                    try:
                        results[v] = convert(v)
                    except CellError as exc:
                        results[v] = exc
                out = list(map(results.__getitem__, values))
                if any(isinstance(r, IndustryGuess) for r in results.values()):
                    for j, r in enumerate(out):
                        if isinstance(r, IndustryGuess):
                            out[j] = r.industry_id
                            guessed[j] = r.word
                            cell_warnings.setdefault(j, []).append(
                                RowError(sheet_name, kept[j][0], text,
                                         r.message(vocab.industry_names), first_col + pos, r.word)
                            )  # fmt: skip
                if any(isinstance(r, CellError) for r in results.values()):
                    for j, r in enumerate(out):
                        if isinstance(r, CellError):
                            out[j] = None
                            cell_errors.setdefault(j, []).append(
                                RowError(sheet_name, kept[j][0], text, str(r), first_col + pos)
                            )
            columns[index] = out
        if columns[I_PROGRESS] is not none_column:
            _split_progress(columns)
        n = len(raws)
        no_keys = [""] * n
        name_keys, address_keys, owner_keys = (
            no_keys if columns[i] is none_column else shared_keys(columns[i])
            for i in (I_NAME, I_ADDRESS, I_OWNER)
        )  # fmt: skip
        names, addresses, owners = columns[I_NAME], columns[I_ADDRESS], columns[I_OWNER]
        # the checks of whole rows, column-wise; a row's problems stay in the order: its
        # cells', a missing name, a deadline before discovery, a duplicate
        skip = _skipped_rows(raws, names, addresses, owners, columns, cell_errors)
        for j in [j for j, v in enumerate(names) if v is None]:
            if j not in skip and not (addresses[j] and owners[j]):
                cell_errors.setdefault(j, []).append(
                    RowError(sheet_name, kept[j][0], name_header,
                             "缺少企业名称：没有名称的点位须同时填写地址和业主/法人",
                             None if name_col is None else first_col + name_col)
                )  # fmt: skip
        deadlines, discovered = columns[I_DEADLINE], columns[I_DISCOVERED]
        if deadlines is not none_column and discovered is not none_column:
            for j, d, f in [(j, d, f) for j, (d, f) in enumerate(zip(deadlines, discovered, strict=True))
                            if d is not None and f is not None and d < f]:  # fmt: skip
                if j not in skip:
                    cell_errors.setdefault(j, []).append(
                        RowError(sheet_name, kept[j][0], deadline_header or "完成时限",
                                 f"完成时限 {d.isoformat()} 早于发现日期 {f.isoformat()}",
                                 None if deadline_col is None else first_col + deadline_col)
                    )  # fmt: skip
        keys = zip(name_keys, address_keys, owner_keys, digits_of(columns[I_PHONE]), strict=True)
        excel_rows = list(map(_first_cell, kept))
        made = list(map(ReturnRow, repeat(sheet_index), excel_rows, zip(*columns, strict=True),
                        keys))  # fmt: skip
        # identity of each row (as row.identity_key()); a skipped row has none
        if all(name_keys):  # (every row named: the usual)
            idents = list(zip(repeat("n"), name_keys, address_keys, strict=False))
        else:
            idents = [
                ("n", a, b) if a else ("a", b, c) if b and c else None
                for a, b, c in zip(name_keys, address_keys, owner_keys, strict=True)
            ]
        for j in skip:
            idents[j] = None
        wheres = list(zip(repeat(sheet_name), excel_rows, strict=False))
        # the first row of each identity, at C speed when no identity repeats (the usual)
        firsts = dict(zip(reversed(idents), reversed(wheres), strict=True))
        firsts.pop(None, None)
        # (two views: isdisjoint walks the shorter one, the chunk's)
        if len(firsts) == n - idents.count(None) and firsts.keys().isdisjoint(seen.keys()):
            seen.update(firsts)
        else:
            for j, key in enumerate(idents):
                if key is None:
                    continue
                first = seen.setdefault(key, wheres[j])
                if first is not wheres[j]:
                    where = (
                        f"第 {first[1]} 行"
                        if first[0] == sheet_name
                        else f"工作表“{first[0]}”第 {first[1]} 行"
                    )
                    cell_errors.setdefault(j, []).append(
                        RowError(sheet_name, excel_rows[j], name_header,
                                 f"与{where}重复：同一企业（名称和地址相同）在文件中出现了两次",
                                 None if name_col is None else first_col + name_col)
                    )  # fmt: skip
        if not (skip or guessed or cell_errors):
            yield from made
            continue
        # each row's problems are appended just before it is yielded (a caller reading the
        # rows one by one looks at the last ones)
        for j, row in enumerate(made):
            if j in skip:
                continue
            if j in guessed:
                row.guessed_industry = guessed[j]
                if warnings is not None:
                    warnings.extend(cell_warnings[j])
            if j in cell_errors:
                errors.extend(cell_errors[j])
            yield row


def _skipped_rows(
    raws: list[list[Any]],
    names: Sequence[Any],
    addresses: Sequence[Any],
    owners: Sequence[Any],
    columns: list[Sequence[Any]],
    cell_errors: dict[int, list[RowError]],
) -> set[int]:
    """Positions of the chunk's 合计 and signature lines (the first filled cell a text) and of
    numbered lines with nothing else (without a problem in their cells)."""
    skip: set[int] = set()
    for j in [j for j, raw in enumerate(raws) if raw[0].__class__ is not float]:
        raw = raws[j]
        first = raw[0]  # a 合计 or signature line starts with a text
        if first == "" or first is None:
            first = _first_filled(raw)
        if isinstance(first, str) and (
            (_may_be_total(raw) and is_total_row(raw)) or is_footer_row(raw)
        ):
            skip.add(j)
    for j in [j for j, v in enumerate(names) if v is None]:
        if (
            addresses[j] is None
            and owners[j] is None
            and j not in cell_errors
            and _only_serial(tuple(c[j] for c in columns))
        ):
            skip.add(j)
    return skip


def _split_progress(columns: list[list[Any]]) -> None:
    """A status written before the progress note (as the register's export writes it) is the
    row's status when it has no 状态 column value; the note keeps only its own text."""
    notes = columns[I_PROGRESS]
    statuses = columns[I_STATUS]
    new_notes = list(notes)
    new_statuses = list(statuses)
    changed = False
    split: dict[str, tuple[Any, str | None]] = {}  # notes repeat ("正在整治"): split each once
    for j, note in enumerate(notes):
        if not note:
            continue
        found = split.get(note)
        if found is None:
            found = split[note] = split_status_prefix(note)
        status, rest = found
        if status is None:
            continue
        changed = True
        new_notes[j] = rest
        if new_statuses[j] is None:
            new_statuses[j] = status
    if changed:
        columns[I_PROGRESS] = new_notes
        columns[I_STATUS] = new_statuses


def _only_serial(values: tuple[Any, ...]) -> bool:
    """A row with nothing but a serial number (an empty numbered line of a template)."""
    return all(v is None for i, v in enumerate(values) if i != FIELD_INDEX["serial_no"])
