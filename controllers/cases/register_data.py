"""The register (企业清单) as column arrays: what the table filters and sorts in memory.

Every case becomes one position in a set of numpy integer arrays (ids, codes as enum indices,
dates as day numbers, flags) plus one search key; the long text columns (name, address,
measures…) are fetched for the rows on screen only (:func:`fetch_details`). At 200,000 cases
this keeps the register at tens of megabytes and lets filters and sorts run in numpy.

Positions are in the register's default order: unit, list batch, 序号, id.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
from sqlalchemy import Integer, case, cast, func, select, type_coerce
from sqlalchemy.exc import CompileError
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from controllers.actor import Actor
from controllers.cases import register_pg
from controllers.cases.filters import CaseFilter, apply_to_select
from controllers.cases.sql_days import NULL_INT, day_number
from controllers.permissions import Permission, require, scope_to_unit
from controllers.text_order import sort_key, sort_keys
from models import Batch, Case, Industry, Township, Unit
from models.codes import CaseStatus, Classification, CodedEnum, Source

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]

#: coded columns held as the index of the member in its enum (-1 for an unknown code)
CODE_ENUMS: dict[str, type[CodedEnum]] = {
    "classification": Classification,
    "status": CaseStatus,
    "source": Source,
}
DATE_KEYS = (
    "deadline",
    "discovered_on",
    "completed_on",
    "township_checked_on",
    "accepted_on",
    "closed_on",
)
#: the integer column arrays, in query order
INT_KEYS = (
    "id",
    "unit_id",
    "township_id",
    "industry_id",
    "batch_id",
    "serial_no",
    *CODE_ENUMS,
    *DATE_KEYS,
    "is_quasi",
    "is_relapsed",
    "relapse_count",
)
#: text columns fetched only for the rows in view
DETAIL_KEYS = (
    "name",
    "owner",
    "phone",
    "address",
    "village",
    "main_products",
    "problem_types",
    "pollution_types",
    "measures",
    "resp_first",
    "resp_direct",
    "resp_specific",
    "progress_note",
    "remark",
    "approved_by",
)
DETAIL_INDEX = {k: i for i, k in enumerate(DETAIL_KEYS)}
#: the columns the instant search looks at
SEARCH_KEYS = ("name", "address", "owner", "phone")
#: separates the fields inside one search key (never part of a search term)
SEARCH_SEP = "\x00"
#: ``RegisterData.total`` of a preview that has not counted the register
TOTAL_UNKNOWN = -1
#: ORDER BY stand-in for NULL, so NULLs sort last on every backend
_LAST = 2**30

Details = tuple[str | None, ...]


def code_index(enum_cls: type[CodedEnum]) -> dict[str, int]:
    """Code → position of the member in its enum."""
    return {m.value: i for i, m in enumerate(enum_cls)}


def normalise_search(text: str | None) -> str:
    """Width folded, every space removed, lower-cased (as ``models.textnorm.search_key``)."""
    if not text:
        return ""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass(frozen=True)
class Vocabulary:
    """Names of the referenced rows (units, townships…) and their rank in display order."""

    names: dict[int, str] = field(default_factory=dict)
    rank: dict[int, int] = field(default_factory=dict)
    parent: dict[int, int] = field(default_factory=dict)  # township → unit

    def rank_array(self) -> np.ndarray:
        """rank_array()[id] is the row's rank (ids not in the vocabulary rank last)."""
        size = max(self.names, default=0) + 1
        out = np.full(size, _LAST, dtype=np.int64)
        for key, r in self.rank.items():
            out[key] = r
        return out

    def ordered(self) -> list[tuple[int, str]]:
        """(id, name) in display order."""
        return sorted(self.names.items(), key=lambda kv: self.rank[kv[0]])


@dataclass(frozen=True)
class Lookups:
    units: Vocabulary
    townships: Vocabulary
    industries: Vocabulary
    batches: Vocabulary


def load_lookups(session: Session, actor: Actor) -> Lookups:
    """Units (in the actor's scope), townships, industries and batches."""
    unit_rows = session.execute(
        scope_to_unit(
            select(Unit.id, Unit.name, Unit.sort_order).order_by(Unit.sort_order, Unit.id),
            actor,
            Unit.id,
        )
    ).all()
    units = Vocabulary(
        {r.id: r.name for r in unit_rows}, {r.id: i for i, r in enumerate(unit_rows)}
    )
    unit_rank = units.rank
    town_rows = [
        r
        for r in session.execute(
            select(Township.id, Township.unit_id, Township.name, Township.sort_order)
        )
        if r.unit_id in unit_rank
    ]
    town_rows.sort(key=lambda r: (unit_rank[r.unit_id], r.sort_order, sort_key(r.name), r.id))
    townships = Vocabulary(
        {r.id: r.name for r in town_rows},
        {r.id: i for i, r in enumerate(town_rows)},
        {r.id: r.unit_id for r in town_rows},
    )
    ind_rows = sorted(
        session.execute(select(Industry.id, Industry.name, Industry.sort_order)),
        key=lambda r: (r.sort_order, sort_key(r.name), r.id),
    )
    industries = Vocabulary(
        {r.id: r.name for r in ind_rows}, {r.id: i for i, r in enumerate(ind_rows)}
    )
    batch_rows = session.execute(
        select(Batch.id, Batch.name).order_by(Batch.sort_order, Batch.id)
    ).all()
    batches = Vocabulary(
        {r.id: r.name for r in batch_rows}, {r.id: i for i, r in enumerate(batch_rows)}
    )
    return Lookups(units, townships, industries, batches)


@dataclass
class RegisterData:
    """The cases of the register as column arrays, in default order."""

    columns: dict[str, np.ndarray]  # INT_KEYS → int64 arrays, NULL as NULL_INT
    search_keys: list[str]
    lookups: Lookups
    today: dt.date
    complete: bool = True  # False for the first page shown while the rest loads
    #: cases the complete register holds (== len(self) when complete; TOTAL_UNKNOWN in a
    #: preview that does not hold them all)
    total: int = 0
    details: dict[int, Details] = field(default_factory=dict)  # prefetched text columns
    #: sort values of text columns worked out while loading (:data:`RANKED_WHILE_LOADING`)
    text_ranks: dict[str, np.ndarray] = field(default_factory=dict)
    _id_order: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.columns["id"])

    @property
    def ids(self) -> np.ndarray:
        return self.columns["id"]

    def positions_of(self, case_ids: Iterable[int]) -> np.ndarray:
        """Positions of the given case ids (ids not in the register are left out)."""
        if self._id_order is None:
            self._id_order = np.argsort(self.ids, kind="stable")
        wanted = np.fromiter(case_ids, dtype=np.int64)
        sorted_ids = self.ids[self._id_order]
        at = np.searchsorted(sorted_ids, wanted)
        at = np.clip(at, 0, max(len(sorted_ids) - 1, 0))
        if not len(sorted_ids):
            return np.empty(0, dtype=np.int64)
        found = sorted_ids[at] == wanted
        return self._id_order[at[found]]

    def replace_rows(self, fresh: RegisterData) -> tuple[np.ndarray, np.ndarray]:
        """Overwrite the rows of ``fresh`` (same cases, newer values) in place; append new ones.

        Returns (positions updated, positions appended).
        """
        pos = {int(self.ids[p]): int(p) for p in self.positions_of(fresh.ids.tolist())}
        upd_src = [i for i, cid in enumerate(fresh.ids.tolist()) if cid in pos]
        upd_dst = [pos[int(fresh.ids[i])] for i in upd_src]
        new_src = [i for i, cid in enumerate(fresh.ids.tolist()) if cid not in pos]
        for key, arr in self.columns.items():
            arr[upd_dst] = fresh.columns[key][upd_src]
        for s, d in zip(upd_src, upd_dst, strict=True):
            self.search_keys[d] = fresh.search_keys[s]
        start = len(self)
        if new_src:
            for key in self.columns:
                self.columns[key] = np.concatenate([self.columns[key], fresh.columns[key][new_src]])
            self.search_keys.extend(fresh.search_keys[i] for i in new_src)
            self._id_order = None
            self.total += len(new_src)
        for cid in fresh.ids.tolist():
            self.details.pop(int(cid), None)
        self.details.update(fresh.details)
        self.text_ranks.clear()  # the edited texts may sort elsewhere now
        return np.asarray(upd_dst, dtype=np.int64), np.arange(start, len(self), dtype=np.int64)

    def remove_ids(self, case_ids: Iterable[int]) -> None:
        """Drop cases (deleted by someone) from the arrays."""
        gone = self.positions_of(case_ids)
        if not len(gone):
            return
        keep = np.ones(len(self), dtype=bool)
        keep[gone] = False
        for key in self.columns:
            self.columns[key] = self.columns[key][keep]
        self.search_keys = [k for k, kept in zip(self.search_keys, keep, strict=True) if kept]
        self.text_ranks = {k: v[keep] for k, v in self.text_ranks.items()}
        self._id_order = None
        self.total -= len(gone)


def dense_ranks(keys: Sequence[str | None]) -> np.ndarray:
    """Rank of each key among the distinct keys in order (equal keys share a rank;
    None → NULL_INT)."""
    index = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    distinct = list(index)
    order = sorted((i for i, k in enumerate(distinct) if k is not None),
                   key=distinct.__getitem__)  # fmt: skip
    rank_by_index = np.full(len(distinct), NULL_INT, dtype=np.int64)
    rank_by_index[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
    at = np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=len(keys))
    return rank_by_index[at]


def name_ranks(names: Sequence[str | None]) -> np.ndarray:
    """``dense_ranks(name_sort_keys(names))``, keying each distinct name once (blank → NULL_INT)."""
    distinct = [n for n in dict.fromkeys(names) if n]
    keys = sort_keys(distinct)
    order = sorted(range(len(distinct)), key=keys.__getitem__)
    rank: dict[str | None, int] = {None: NULL_INT, "": NULL_INT}
    rank.update(zip(map(distinct.__getitem__, order), range(len(order)), strict=True))
    return np.fromiter(map(rank.__getitem__, names), dtype=np.int64, count=len(names))


def search_keys_of_text(text: str, rows: int) -> list[str] | None:
    """The search keys of ``rows`` rows given as one text (rows joined by ``ROW_SEP``, each
    row's :data:`SEARCH_KEYS` fields by ``FIELD_SEP``): :func:`normalise_search` of each row's
    fields joined by :data:`SEARCH_SEP`, worked out on the whole text at once (in C).

    None when the text holds a separator character itself (the rows cannot be told apart).
    """
    if not rows:
        return []
    row_sep, field_sep = register_pg.ROW_SEP, register_pg.FIELD_SEP
    if text.count(row_sep) != rows - 1 or text.count(field_sep) != rows * (len(SEARCH_KEYS) - 1):
        return None
    # The separators are control characters: NFKC leaves them and never composes across them,
    # they are not spaces and have no case, so each row comes out as normalise_search makes it.
    text = unicodedata.normalize("NFKC", text.replace(field_sep, SEARCH_SEP))
    return "".join(text.split()).lower().split(row_sep)


def name_sort_keys(names: Iterable[str | None]) -> list[str | None]:
    """The pinyin sort key of each name (None for a blank one)."""
    names = list(names)
    present = [n for n in names if n]
    keyed = iter(sort_keys(present))
    return [next(keyed) if n else None for n in names]


def _int_exprs() -> list:
    exprs = [
        Case.id,
        func.coalesce(Case.unit_id, NULL_INT),
        func.coalesce(Case.township_id, NULL_INT),
        func.coalesce(Case.industry_id, NULL_INT),
        func.coalesce(Case.batch_id, NULL_INT),
        func.coalesce(Case.serial_no, NULL_INT),
    ]
    for key, enum_cls in CODE_ENUMS.items():
        column = type_coerce(getattr(Case, key), String())
        exprs.append(case(code_index(enum_cls), value=column, else_=-1))
    exprs.extend(func.coalesce(day_number(getattr(Case, k)), NULL_INT) for k in DATE_KEYS)
    exprs.extend(
        [
            cast(Case.is_quasi, Integer),
            cast(Case.is_relapsed, Integer),
            func.coalesce(Case.relapse_count, 0),
        ]
    )
    return exprs


def _search_exprs() -> list:
    return [getattr(Case, k) for k in SEARCH_KEYS]


def _rows_to_arrays(rows: Sequence[Sequence]) -> tuple[dict[str, list[np.ndarray]], list[str]]:
    """Split fetched rows (ints…, then the search columns) into arrays and search keys."""
    n_int = len(INT_KEYS)
    if not rows:
        return {k: [] for k in INT_KEYS}, []
    cols = list(zip(*rows, strict=True))
    arrays = {k: [np.array(cols[i], dtype=np.int64)] for i, k in enumerate(INT_KEYS)}
    return arrays, _search_keys(cols[n_int:])


def _empty_columns() -> dict[str, np.ndarray]:
    return {k: np.empty(0, dtype=np.int64) for k in INT_KEYS}


def _build(
    parts: dict[str, list[np.ndarray]],
    keys: list[str],
    lookups: Lookups,
    today: dt.date,
    *,
    reorder: bool = True,
) -> RegisterData:
    columns = {
        k: (np.concatenate(v) if v else np.empty(0, dtype=np.int64)) for k, v in parts.items()
    }
    return _build_columns(columns, keys, lookups, today, reorder=reorder)


def _build_columns(
    columns: dict[str, np.ndarray],
    keys: list[str],
    lookups: Lookups,
    today: dt.date,
    *,
    reorder: bool = True,
    text_ranks: dict[str, np.ndarray] | None = None,
) -> RegisterData:
    data = RegisterData(columns, keys, lookups, today, total=len(columns["id"]))
    data.text_ranks = dict(text_ranks or {})
    if reorder and len(data):
        order = default_order(data)
        for k in list(columns):  # one column at a time: one array's worth of extra memory
            columns[k] = columns[k][order]
        data.search_keys = np.array(keys, dtype=object)[order].tolist()
        data.text_ranks = {k: v[order] for k, v in data.text_ranks.items()}
    return data


def default_order(data: RegisterData) -> np.ndarray:
    """Positions in the register's default order: unit, batch, 序号 (blank last), id."""
    c = data.columns
    unit_rank = vocab_ranks(c["unit_id"], data.lookups.units)
    batch_rank = vocab_ranks(c["batch_id"], data.lookups.batches)
    serial = np.where(c["serial_no"] == NULL_INT, _LAST, c["serial_no"])
    return np.lexsort((c["id"], serial, batch_rank, unit_rank))


def vocab_ranks(ids: np.ndarray, vocab: Vocabulary) -> np.ndarray:
    """Rank of each referenced row (NULL and unknown ids last)."""
    table = vocab.rank_array()
    inside = (ids >= 0) & (ids < len(table))
    out = np.full(len(ids), _LAST, dtype=np.int64)
    out[inside] = table[ids[inside]]
    return out


def _scoped(stmt, actor: Actor, case_filter: CaseFilter | None, today: dt.date):
    stmt = scope_to_unit(stmt, actor, Case.unit_id)
    if case_filter is not None and not case_filter.is_empty():
        stmt = apply_to_select(stmt, case_filter, today)
    return stmt


def load_register(
    session: Session,
    actor: Actor,
    case_filter: CaseFilter | None = None,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    chunk: int = 20_000,
) -> RegisterData:
    """Every case in the actor's scope (narrowed by ``case_filter`` in SQL, if given)."""
    require(actor, Permission.VIEW)
    today = today or dt.date.today()
    lookups = load_lookups(session, actor)
    if session.connection().dialect.driver == "psycopg":
        fast = _load_postgresql(session, actor, case_filter, today, progress)
        if fast is not None:
            columns, keys, names = fast
            ranks = {"name": name_ranks(names)}
            del names
            return _build_columns(columns, keys, lookups, today, text_ranks=ranks)
    total = session.scalar(_scoped(select(func.count(Case.id)), actor, case_filter, today)) or 0
    stmt = _scoped(select(*_int_exprs(), *_search_exprs()), actor, case_filter, today)
    # straight into arrays of the counted size (grown if cases were added since the count)
    size = int(total)
    columns = {k: np.empty(size, dtype=np.int64) for k in INT_KEYS}
    filled = 0
    keys: list[str] = []
    # the names' pinyin keys, ranked at the end: the first sort by name needs no reading
    name_at = len(INT_KEYS) + SEARCH_KEYS.index("name")
    names: list[str | None] = []
    # Core execution (no ORM row processing): a third faster at 200,000 rows.
    result = session.connection().execute(stmt.execution_options(yield_per=chunk))
    for rows in result.partitions():
        n = len(rows)
        if filled + n > size:
            size = filled + n
            columns = {k: np.concatenate([v[:filled], np.empty(n, dtype=np.int64)])
                       for k, v in columns.items()}  # fmt: skip
        keys.extend(_fill(columns, filled, rows))
        names.extend(r[name_at] for r in rows)
        filled += n
        if progress is not None and total:
            progress(min(99, filled * 100 // total), f"已载入 {filled:,} / {total:,} 家")
    del result
    ranks = {"name": name_ranks(names)}
    del names
    columns = {k: v[:filled] for k, v in columns.items()}
    return _build_columns(columns, keys, lookups, today, text_ranks=ranks)


def _load_postgresql(
    session: Session,
    actor: Actor,
    case_filter: CaseFilter | None,
    today: dt.date,
    progress: Progress | None,
) -> tuple[dict[str, np.ndarray], list[str], list[str]] | None:
    """:func:`load_register`'s columns, search keys and names from psycopg in one statement
    (:mod:`controllers.cases.register_pg`); None if that cannot be done (the caller then
    reads row by row)."""
    conn = session.connection()
    int_labels = [f"i{i}" for i in range(len(INT_KEYS))]
    search_labels = [f"s{i}" for i in range(len(SEARCH_KEYS))]
    stmt = _scoped(
        select(
            *(cast(e, Integer).label(c) for e, c in zip(_int_exprs(), int_labels, strict=True)),
            Case.name.label("name"),
            *(getattr(Case, k).label(c) for k, c in zip(SEARCH_KEYS, search_labels, strict=True)),
        ),
        actor,
        case_filter,
        today,
    )
    try:
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    except (CompileError, NotImplementedError) as exc:  # a value with no literal form
        logger.info("register by rows: %s", exc)
        return None
    if progress is not None:
        progress(5, "正在读取企业清单…")
    # A connection of its own, closed afterwards: libpq keeps its input buffer as large as
    # the largest row it has read (tens of MB here) for as long as the connection lives.
    raw = conn.engine.raw_connection()
    try:
        got = register_pg.fetch_register_columns(
            raw.driver_connection, sql, int_labels, "name", search_labels
        )
    finally:
        raw.invalidate()
    if got.ints is None:
        logger.info("register by rows: a NULL where an integer was expected")
        return None
    total = got.count
    if progress is not None:
        progress(90, f"已载入 {total:,} / {total:,} 家")
    names = got.names.split(register_pg.ROW_SEP) if total else []
    keys = search_keys_of_text(got.search, total)
    columns = dict(zip(INT_KEYS, got.ints, strict=True))
    del got
    if keys is None or len(names) != total:
        logger.info("register by rows: a text holds a separator character")
        return None
    return columns, keys, names


def _fill(columns: dict[str, np.ndarray], at: int, rows: Sequence[Sequence]) -> list[str]:
    """Write fetched rows (ints…, then the search columns) into the arrays from ``at``;
    returns their search keys."""
    n_int = len(INT_KEYS)
    cols = list(zip(*rows, strict=True))
    for i, k in enumerate(INT_KEYS):
        columns[k][at : at + len(rows)] = cols[i]
    return _search_keys(cols[n_int:])


def _search_keys(texts: Sequence[Sequence[str | None]]) -> list[str]:
    """The search keys of rows given as the columns of :data:`SEARCH_KEYS`."""
    return [
        normalise_search(SEARCH_SEP.join([t or "" for t in fields]))
        for fields in zip(*texts, strict=True)
    ]


def load_register_rows(
    session: Session, actor: Actor, case_ids: Iterable[int], *, today: dt.date | None = None
) -> RegisterData:
    """Fresh values of some cases (after an edit), in default order, details included."""
    require(actor, Permission.VIEW)
    today = today or dt.date.today()
    ids = sorted({int(i) for i in case_ids})
    lookups = load_lookups(session, actor)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in INT_KEYS}
    keys: list[str] = []
    for start in range(0, len(ids), 1000):
        stmt = scope_to_unit(
            select(*_int_exprs(), *_search_exprs()).where(Case.id.in_(ids[start : start + 1000])),
            actor,
            Case.unit_id,
        )
        arrays, more = _rows_to_arrays(session.connection().execute(stmt).all())
        for k, v in arrays.items():
            parts[k].extend(v)
        keys.extend(more)
    data = _build(parts, keys, lookups, today)
    data.details = fetch_details(session, actor, data.ids.tolist())
    return data


def load_register_preview(
    session: Session,
    actor: Actor,
    case_filter: CaseFilter | None = None,
    *,
    first: int = 100,
    today: dt.date | None = None,
) -> RegisterData:
    """The first ``first`` cases in default order, with their details, fetched unit by unit
    through the indexes (fast on any size): what the table shows while the rest loads.

    Nothing counts the whole register here (a count reads every case: on a server, much of
    the wait for the first rows); ``total`` is -1 unless the preview holds every case."""
    require(actor, Permission.VIEW)
    today = today or dt.date.today()
    lookups = load_lookups(session, actor)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in INT_KEYS}
    keys: list[str] = []
    for unit_id, _name in lookups.units.ordered():
        need = first - len(keys)
        if need <= 0:
            break
        stmt = (
            select(*_int_exprs(), *_search_exprs())
            .outerjoin(Batch, Batch.id == Case.batch_id)
            .where(Case.unit_id == unit_id)
            .order_by(
                func.coalesce(Batch.sort_order, _LAST),
                func.coalesce(Batch.id, _LAST),
                func.coalesce(Case.serial_no, _LAST),
                Case.id,
            )
            .limit(need)
        )
        arrays, more = _rows_to_arrays(
            session.connection().execute(_scoped(stmt, actor, case_filter, today)).all()
        )
        for k, v in arrays.items():
            parts[k].extend(v)
        keys.extend(more)
    data = _build(parts, keys, lookups, today, reorder=False)
    data.complete = False
    data.total = len(data) if len(data) < first else TOTAL_UNKNOWN
    data.details = fetch_details(session, actor, data.ids.tolist())
    return data


def _detail_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def fetch_details(session: Session, actor: Actor, case_ids: Sequence[int]) -> dict[int, Details]:
    """The text columns (:data:`DETAIL_KEYS`) of some cases, by id."""
    require(actor, Permission.VIEW)
    out: dict[int, Details] = {}
    ids = [int(i) for i in case_ids]
    cols = [getattr(Case, k) for k in DETAIL_KEYS]
    for start in range(0, len(ids), 1000):
        stmt = scope_to_unit(
            select(Case.id, *cols).where(Case.id.in_(ids[start : start + 1000])),
            actor,
            Case.unit_id,
        )
        for row in session.connection().execute(stmt):
            out[row[0]] = tuple(_detail_value(v) for v in row[1:])
    return out


def fetch_text_column(
    session: Session, actor: Actor, key: str, case_filter: CaseFilter | None = None
) -> tuple[np.ndarray, list[str | None]]:
    """(ids, values) of one text column for every case in scope (to sort by it)."""
    require(actor, Permission.VIEW)
    if key not in DETAIL_INDEX:
        raise ValueError(f"not a text column: {key}")
    stmt = scope_to_unit(select(Case.id, getattr(Case, key)), actor, Case.unit_id)
    ids: list[int] = []
    values: list[str | None] = []
    for rows in session.connection().execute(stmt.execution_options(yield_per=50_000)).partitions():
        cols = list(zip(*rows, strict=True))
        ids.extend(cols[0])
        values.extend(cols[1])
    return np.array(ids, dtype=np.int64), values


def day_of(value: dt.date | None) -> int:
    """A date as the day number the arrays hold (NULL_INT for None)."""
    if value is None:
        return NULL_INT
    return (value - dt.date(1970, 1, 1)).days


def date_of(day: int) -> dt.date | None:
    """The date of a day number (None for NULL_INT)."""
    if day == NULL_INT:
        return None
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))
