"""Match the rows of a return to the unit's register and say what differs.

A row is the same enterprise as a register case when the normalised name and address agree
(for an unnamed site: address and owner). Weaker evidence — the same name at another address,
the same owner and phone, the same address and owner under another name — gives an
*uncertain* match that the clerk confirms or rejects.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import compress, repeat
from operator import attrgetter, is_not, itemgetter
from typing import Any

from sqlalchemy import select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.sqltypes import NULLTYPE

from controllers.cases.columns import ColumnKind
from controllers.returns.fields import FIELD_INDEX, FIELDS_BY_KEY, NOT_WRITTEN, RETURN_FIELDS
from controllers.returns.normalise import digits_of, fold
from controllers.returns.rows import ReturnRow
from models import Batch, Case, Township
from models.codes import CaseStatus, CodedEnum, labels_of_codes
from models.textnorm import search_key, shared_keys

#: register fields a return row fills (the unit is the return's own)
COMPARED = tuple(f for f in RETURN_FIELDS if f.key not in NOT_WRITTEN)
#: fields whose difference is a change of the case (a renumbered 序号 is not)
CHANGE_FIELDS = tuple(f for f in COMPARED if f.key != "serial_no")
_CHANGE_KEYS = tuple(f.key for f in CHANGE_FIELDS)
_row_values = itemgetter(*(FIELD_INDEX[k] for k in _CHANGE_KEYS))
_CASE_COLUMNS = {
    f.key: getattr(Case, f.key)
    for f in COMPARED
    if f.kind not in (ColumnKind.TOWNSHIP, ColumnKind.INDUSTRY, ColumnKind.BATCH)
}


_case_row = attrgetter("row")
_case_id = attrgetter("id")
_row_keys = attrgetter("keys")

#: the fields of a register case, in the order :func:`load_register` reads them
REGISTER_KEYS = (*_CASE_COLUMNS, "township", "industry", "batch")
_REGISTER_POSITION = {k: i for i, k in enumerate(REGISTER_KEYS)}
_NAME_POSITION = _REGISTER_POSITION["name"]
_stored_values = itemgetter(*(_REGISTER_POSITION[k] for k in _CHANGE_KEYS))


class RegisterCase:
    """A register case of the unit, its values in the same form as a return row's.

    Read from the database it keeps its values as one tuple (``REGISTER_KEYS`` order); the
    ``values`` dict is made only when asked for."""

    __slots__ = ("_values", "id", "row", "version")

    def __init__(
        self,
        id: int,  # noqa: A002 (the case's id)
        version: int,
        values: dict[str, Any] | None = None,
        row: tuple[Any, ...] | None = None,
    ) -> None:
        self.id = id
        self.version = version
        self._values = values
        #: the values in ``REGISTER_KEYS`` order (None when made from a dict)
        self.row = row

    @property
    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._values = dict(zip(REGISTER_KEYS, self.row or (), strict=False))
        return self._values

    def get(self, key: str) -> Any:
        if self.row is not None:
            return self.row[_REGISTER_POSITION[key]]
        return self.values.get(key)

    def label(self) -> str:
        name = self.get("name")
        if name:
            return name
        parts = [p for p in (self.get("address"), self.get("owner")) if p]
        return "（无名称）" + " ".join(parts)


def _raw(column: Any, dialect: Any) -> tuple[Any, Any]:
    """A column selected without result processing, and what its type would do to a value
    (the enum member of a code, the date of SQLite's text…), or None when nothing."""
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    if process is None:
        return column, None
    return type_coerce(column, NULLTYPE), process


#: rows of the register read at a time (their columns are converted and shared per chunk)
REGISTER_CHUNK = 4096


#: the fields of a register case every comparison reads (matching keys, label, state)
ALWAYS_READ = frozenset(("name", "address", "owner", "phone", "status"))


def load_register(
    session: Session, unit_id: int, fields: Collection[str] | None = None
) -> list[RegisterCase]:
    """Every case of a unit with the compared fields (township and batch by name).

    Read as plain rows (no ORM entities), a chunk at a time: coded and date columns are
    converted each distinct value once, and every column keeps one object per distinct value
    (a register repeats its townships, measures, officials…), so the memory held is that of
    the distinct values, not of every fetched cell.

    ``fields``: only these of the compared fields are read (besides :data:`ALWAYS_READ`), the
    others are None in every case — what a comparison of rows that fill only these needs
    (see :func:`filled_fields`); None reads them all."""
    n = len(REGISTER_KEYS)
    return [RegisterCase(r[n], r[n + 1], row=r)
            for part in _register_rows(session, unit_id, fields) for r in part]  # fmt: skip


def _register_rows(
    session: Session,
    unit_id: int,
    fields: Collection[str] | None,
    shared_rows: int = 0,
    with_keys: bool = False,
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of :func:`load_register` (``REGISTER_KEYS``, then id and version), a fetched
    chunk at a time; ``shared_rows``: the values are shared within that many rows only."""
    if session.autoflush:
        session.flush()  # as a query through the session would
    connection = session.connection()
    wanted = None if fields is None else ALWAYS_READ.union(fields)
    columns_of = {**_CASE_COLUMNS, "township": Township.name, "industry": Case.industry_id,
                  "batch": Batch.name}  # fmt: skip
    read = [k for k in REGISTER_KEYS if wanted is None or k in wanted]
    selected = [_raw(columns_of[k], connection.dialect) for k in read]
    stmt = select(*(c for c, _p in selected), Case.id, Case.version)
    if "township" in read:
        stmt = stmt.outerjoin(Township, Township.id == Case.township_id)
    if "batch" in read:
        stmt = stmt.outerjoin(Batch, Batch.id == Case.batch_id)
    stmt = stmt.where(Case.unit_id == unit_id).order_by(Case.id)
    positions = [_REGISTER_POSITION[k] for k in read]
    n = len(REGISTER_KEYS)
    processes = [p for _c, p in selected]
    # per column: value as fetched → value kept (converted, one object per distinct value)
    kept: list[dict[Any, Any]] = []
    since = 0
    result = connection.execute(stmt)
    cursor = result.cursor  # plain tuples from the driver: nothing is processed (see _raw)
    try:
        while part := cursor.fetchmany(REGISTER_CHUNK):
            if not kept or (shared_rows and since >= shared_rows):
                kept = [{None: None} for _ in processes]
                since = 0
            since += len(part)
            fetched = list(zip(*part, strict=True))
            del part
            nones = (None,) * len(fetched[0])
            columns: list[tuple[Any, ...]] = [nones] * n
            for pos, values, process, done in zip(
                positions, fetched, processes, kept, strict=False
            ):  # (fetched: id and version last)
                if process is None:
                    columns[pos] = tuple(map(done.setdefault, values, values))
                    continue
                for v in set(values).difference(done):
                    done[v] = process(v)
                columns[pos] = tuple(map(done.__getitem__, values))
            columns += fetched[-2:]  # id and version: distinct, kept as they are
            del fetched
            if with_keys:  # then the matching keys (see _matching_keys)
                columns += _matching_keys([columns[p] for p in _MATCHED_POSITIONS])
            yield list(zip(*columns, strict=True))
    finally:
        result.close()


#: register rows packed together (pickled): the larger, the more repeated values
#: (townships, measures…) stay one object when unpacked
PACK_ROWS = 32_768


def load_packed_register(session: Session, unit_id: int) -> list[bytes]:
    """The cases :func:`load_register` reads (every compared field), pickled some thousands
    at a time: a 160,000-case register takes about 120 MB as objects, 23 MB packed (deflating
    it to 6 MB cost more time than the read it hides under a loaded machine). What is held
    while a large return is parsed and read."""
    packs: list[bytes] = []
    rows: list[tuple[Any, ...]] = []
    for part in _register_rows(session, unit_id, None, PACK_ROWS, with_keys=True):
        rows += part
        if len(rows) >= PACK_ROWS:
            packs.append(_pack(rows))
            rows = []
    if rows:
        packs.append(_pack(rows))
    return packs


def _pack(rows: list[tuple[Any, ...]]) -> bytes:
    return pickle.dumps(rows, pickle.HIGHEST_PROTOCOL)


def unpacked_register(packs: Sequence[bytes]) -> list[RegisterCase]:
    """The cases of :func:`load_packed_register` (only this process's own packs are read)."""
    n = len(REGISTER_KEYS) + 2
    return [RegisterCase(c.id, c.version, row=c.row[:n]) for c in unpacked_index(packs)[0]]


def unpacked_index(packs: Sequence[bytes]) -> tuple[list[RegisterCase], RegisterIndex]:
    """The cases of :func:`load_packed_register` and their index, made with the matching keys
    packed after each case's values (made while the return was parsed, not after its rows are
    read; a key equal to its text is that text, packed once). Only this process's own packs
    are read."""
    n = len(REGISTER_KEYS)
    cases: list[RegisterCase] = []
    keys: list[list[str]] = [[], [], [], []]
    for pack in packs:
        rows = pickle.loads(pack)  # (packed by this process)
        cases.extend([RegisterCase(r[n], r[n + 1], row=r) for r in rows])
        for position, column in enumerate(keys, start=n + 2):
            column += map(itemgetter(position), rows)
    return cases, RegisterIndex(cases, keys)


_MATCHED_POSITIONS = tuple(_REGISTER_POSITION[k] for k in ("name", "address", "owner", "phone"))


def _matching_keys(columns: Sequence[Sequence[Any]]) -> list[list[str]]:
    """The matching keys of the name, address, owner and phone columns of register rows."""
    names, addresses, owners, phones = columns
    return [shared_keys(names), shared_keys(addresses), shared_keys(owners),
            digits_of(phones)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field a return changes: stored values and what the clerk reads."""

    key: str
    old: Any
    new: Any
    old_text: str
    new_text: str

    @property
    def header(self) -> str:
        return FIELDS_BY_KEY[self.key].header


@dataclass(slots=True)
class RowMatch:
    """A return row matched to a register case, with the fields it would change."""

    row: int  # index into ReturnCheck.rows
    case_id: int
    case_version: int
    case_label: str
    sure: bool
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    #: the register's own name, address, owner and phone (for an uncertain match, shown beside
    #: the reported ones)
    register: tuple[str, str, str, str] | None = None


@dataclass(slots=True)
class MissingCase:
    """A register case of the unit that the return does not list."""

    case_id: int
    label: str
    address: str
    owner: str
    status: str


@dataclass
class ReturnDiff:
    """New rows, matched rows (changed or not), uncertain matches and missing register cases."""

    new: list[int]  # indices into ReturnCheck.rows
    changed: list[RowMatch]
    unchanged: list[RowMatch]
    uncertain: list[RowMatch]
    missing: list[MissingCase]

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.changed),
                "unchanged": len(self.unchanged), "uncertain": len(self.uncertain),
                "missing": len(self.missing)}  # fmt: skip


def display_value(key: str, value: Any, industry_names: dict[int, str] | None = None) -> str:
    """A stored value as the clerk reads it (labels for codes, names for ids, ISO dates)."""
    if value is None or value == "":
        return ""
    f = FIELDS_BY_KEY[key]
    if f.kind == ColumnKind.CODE and f.enum is not None:
        return f.enum.label_of(str(value.value if isinstance(value, Enum) else value))
    if f.kind == ColumnKind.CODES and f.enum is not None:
        return labels_of_codes(f.enum, value)
    if f.kind == ColumnKind.INDUSTRY:
        return (industry_names or {}).get(value, str(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _same(key: str, old: Any, new: Any) -> bool:
    if old is None or old == "":
        return False
    if isinstance(new, str) and isinstance(old, str):
        if FIELDS_BY_KEY[key].kind == ColumnKind.TOWNSHIP or key == "batch":
            return search_key(old) == search_key(new)
        # width and punctuation do not make a change ("，" and "," read the same)
        return old == new or fold(old) == fold(new)
    if isinstance(old, CodedEnum) or isinstance(new, CodedEnum):
        return str(old) == str(new)
    return old == new


def field_changes(
    row: ReturnRow, case: RegisterCase, industry_names: dict[int, str]
) -> list[FieldChange]:
    """The fields a row fills with a value other than the register's (blank cells never clear)."""
    if case.row is not None:
        olds = _stored_values(case.row)
    else:
        olds = tuple(case.values.get(k) for k in _CHANGE_KEYS)
    # blank cells and equal values are never a change (what _same says, without its work)
    differ = [(key, new, old)
              for key, new, old in zip(_CHANGE_KEYS, _row_values(row.values), olds, strict=True)
              if new is not None and (new != old or old == "")]  # fmt: skip
    out = []
    for key, new, old in differ:
        if _same(key, old, new):
            continue
        if key == "industry" and row.guessed_industry and old is not None:
            continue  # a guessed industry never overwrites the register's
        out.append(
            FieldChange(key, old, new, display_value(key, old, industry_names),
                        display_value(key, new, industry_names))
        )  # fmt: skip
    return out


def _columns(cases: Sequence[RegisterCase], keys: Sequence[str]) -> list[list[Any]]:
    """Some fields of every case, field by field."""
    rows = list(map(_case_row, cases))
    if all(map(is_not, rows, repeat(None))):
        return [list(map(itemgetter(_REGISTER_POSITION[k]), rows)) for k in keys]
    return [[c.get(k) for c in cases] for k in keys]


def _ids(found: int | list[int] | None) -> list[int]:
    """The ids an index entry holds (one id is kept as it is, several as a list)."""
    if found is None:
        return []
    return found if found.__class__ is list else [found]  # type: ignore[list-item]


class RegisterIndex:
    """Lookups of a unit's register by the keys a return row can be matched on.

    An entry holds one case id, or a list of them when several cases share the key (most keys
    are held by one case: no list for each).

    The lookup by name and address (a sure match) holds every case. The others — by name, by
    address and owner, by owner and phone — serve the rows without a sure match: a comparison
    makes them for those rows' keys only (:meth:`prepare`), else they hold every case too."""

    def __init__(
        self, cases: Sequence[RegisterCase], keys: Sequence[list[str]] | None = None
    ) -> None:
        """``keys``: the cases' matching keys when already made (see :func:`_matching_keys`)."""
        self.cases = {c.id: c for c in cases}
        by_name_address: dict[tuple[str, str], int] = {}
        if keys is None:
            names, addresses, owners, phones = _columns(
                cases, ("name", "address", "owner", "phone")
            )
            names, addresses, owners = (
                shared_keys(names),
                shared_keys(addresses),
                shared_keys(owners),
            )
            phones = digits_of(phones)
        else:
            names, addresses, owners, phones = keys
        ids = list(map(_case_id, cases))
        for name, address, cid in compress(zip(names, addresses, ids, strict=True), names):
            by_name_address.setdefault((name, address), cid)
        self.by_name_address = by_name_address
        self._keys = (ids, names, addresses, owners, phones)
        self._prepared = False
        self.by_name: dict[str, Any] = {}
        self.by_address_owner: dict[tuple[str, str], Any] = {}
        self.by_owner_phone: dict[tuple[str, str], Any] = {}

    def prepare(self, rows: Sequence[ReturnRow] | None = None) -> None:
        """Make the lookups by name, by address and owner and by owner and phone: for the keys
        of these rows only (what looking them up finds is the same; a large register is not
        indexed by keys no row asks for), or, with None, for every case."""
        ids, names, addresses, owners, phones = self._keys

        def address_owner() -> Iterator[tuple[str, str]]:
            return zip(addresses, owners, strict=True)

        def owner_phone() -> Iterator[tuple[str, str]]:
            return zip(owners, phones, strict=True)

        # which cases each lookup holds (C speed: a case is looked at without Python code)
        if rows is None:  # those with the key filled
            named: Iterable[Any] = names
            with_owner: Iterable[bool] = map(all, address_owner())
            with_phone: Iterable[bool] = map(all, owner_phone())
        else:  # those with a key of a row
            keys = list(map(_row_keys, rows))
            wanted_names = {k[0] for k in keys if k[0]}
            wanted_address_owner = {(k[1], k[2]) for k in keys if k[1] and k[2]}
            wanted_owner_phone = {(k[2], k[3]) for k in keys if k[2] and k[3]}
            named = map(wanted_names.__contains__, names)
            with_owner = map(wanted_address_owner.__contains__, address_owner())
            with_phone = map(wanted_owner_phone.__contains__, owner_phone())
        self.by_name = _ids_by_key(compress(zip(names, ids, strict=True), named))
        self.by_address_owner = _ids_by_key(
            compress(zip(address_owner(), ids, strict=True), with_owner)
        )
        self.by_owner_phone = _ids_by_key(
            compress(zip(owner_phone(), ids, strict=True), with_phone)
        )
        self._prepared = True

    def sure(self, row: ReturnRow) -> int | None:
        key = row.identity_key()
        if key is None:
            return None
        if key[0] == "n":
            return self.by_name_address.get((key[1], key[2]))
        if not self._prepared:
            self.prepare()
        found = [
            i for i in _ids(self.by_address_owner.get((key[1], key[2])))
            if not search_key(self.cases[i].get("name"))
        ]  # fmt: skip
        return found[0] if found else None

    def may_match(self, row: ReturnRow) -> bool:
        """False when :meth:`candidates` has nothing for the row: no key of it is indexed."""
        name, address, owner, phone = row.keys
        if not self._prepared:
            self.prepare()
        return bool(
            (name and name in self.by_name)
            or (owner and phone and (owner, phone) in self.by_owner_phone)
            or (address and owner and (address, owner) in self.by_address_owner)
        )

    def candidates(self, row: ReturnRow) -> list[tuple[int, str]]:
        """Possible cases for a row without a sure match, best evidence first."""
        name, address, owner, phone = row.keys
        if not self._prepared:
            self.prepare()
        out: list[tuple[int, str]] = []
        if name:
            ids = _ids(self.by_name.get(name))
            if len(ids) == 1:
                out.append((ids[0], "名称相同，地址不同"))
        if owner and phone:
            out.extend(
                (i, "业主和联系电话相同") for i in _ids(self.by_owner_phone.get((owner, phone)))
            )
        if address and owner:
            out.extend(
                (i, "地址和业主相同") for i in _ids(self.by_address_owner.get((address, owner)))
            )
        return out


def _ids_by_key(entries: Iterable[tuple[Any, int]]) -> dict[Any, Any]:
    """Each key's case id, or the list of its ids (in order) when several cases share it."""
    index: dict[Any, Any] = {}
    for key, cid in entries:
        found = index.setdefault(key, cid)
        if found is not cid:
            _add(index, key, found, cid)
    return index


def _add(index: dict[Any, Any], key: Any, found: Any, case_id: int) -> None:
    """A second (third…) case under a key: the entry becomes a list of ids."""
    if found.__class__ is list:
        found.append(case_id)
    else:
        index[key] = [found, case_id]


def filled_fields(rows: Sequence[ReturnRow]) -> list[str]:
    """The fields a comparison of these rows can change: those some row fills (a blank never
    clears)."""
    values = [r.values for r in rows]
    return [k for k in _CHANGE_KEYS
            if any(map(is_not, map(itemgetter(FIELD_INDEX[k]), values), repeat(None)))]  # fmt: skip


def _filled_getters(rows: Sequence[ReturnRow]) -> tuple[Any, Any]:
    """Getters of the compared fields that some row fills, from a row's values and from a
    register row: when both give the same, the row changes nothing (the other fields are blank
    in every row, and a blank never clears)."""
    keys = filled_fields(rows)
    if not keys:
        return (lambda _v: ()), (lambda _r: ())
    # (one field: both give the value itself)
    return (itemgetter(*(FIELD_INDEX[k] for k in keys)),
            itemgetter(*(_REGISTER_POSITION[k] for k in keys)))  # fmt: skip


def compare_rows(
    rows: Sequence[ReturnRow],
    register: Sequence[RegisterCase],
    industry_names: dict[int, str],
    decisions: dict[int, int | None] | None = None,
    index: RegisterIndex | None = None,
) -> ReturnDiff:
    """Match every row; ``decisions`` (row index → case id, or None for "a new case") settle
    uncertain matches the clerk has looked at. ``index``: the register's, when already made."""
    if index is None:
        index = RegisterIndex(register)
    cases = index.cases
    decisions = decisions or {}
    claimed: set[int] = set()
    sure: dict[int, int] = {}
    # a named row's sure match (index.sure, inline); the other lookups are made for the rows
    # that may have none: unnamed ones, those without, those whose case another row finds too
    by_name_address = index.by_name_address
    found = [by_name_address.get((k[0], k[1])) if k[0] else None for k in map(_row_keys, rows)]
    ids = [i for i in found if i is not None]
    twice = set() if len(set(ids)) == len(ids) else {i for i, n in Counter(ids).items() if n > 1}
    index.prepare([r for r, i in zip(rows, found, strict=True) if i is None or i in twice])
    del ids, twice
    for i, row in enumerate(rows):
        case_id = found[i] if row.keys[0] else index.sure(row)
        if case_id is not None and case_id not in claimed:
            sure[i] = case_id
            claimed.add(case_id)
    new: list[int] = []
    changed: list[RowMatch] = []
    unchanged: list[RowMatch] = []
    uncertain: list[RowMatch] = []

    filled_news, filled_olds = _filled_getters(rows)

    def matched(i: int, case_id: int, is_sure: bool, reason: str) -> RowMatch:
        case = cases[case_id]
        row = rows[i]
        if case.row is not None and filled_news(row.values) == filled_olds(case.row):
            changes: list[FieldChange] = []  # every field the return fills is as registered
        else:
            changes = field_changes(row, case, industry_names)
        return RowMatch(i, case_id, case.version, case.label(), is_sure, reason, changes)

    for i, row in enumerate(rows):
        case_id = sure.get(i)
        if case_id is not None:
            case = cases[case_id]
            stored = case.row
            if stored is not None and filled_news(row.values) == filled_olds(stored):
                # as matched() gives it, inline: the most common row of a return
                unchanged.append(RowMatch(i, case_id, case.version,
                                          stored[_NAME_POSITION] or case.label(), True, "", []))  # fmt: skip
            else:
                m = matched(i, case_id, True, "")
                (changed if m.changes else unchanged).append(m)
            continue
        if i in decisions:
            chosen = decisions[i]
            if chosen is None or chosen not in cases or chosen in claimed:
                new.append(i)
                continue
            claimed.add(chosen)
            m = matched(i, chosen, True, "业务员确认")
            (changed if m.changes else unchanged).append(m)
            continue
        if not index.may_match(row):  # no candidate at all, known without building them
            new.append(i)
            continue
        candidate = next(((c, r) for c, r in index.candidates(row) if c not in claimed), None)
        if candidate is None:
            new.append(i)
            continue
        claimed.add(candidate[0])
        m = matched(i, candidate[0], False, candidate[1])
        v = cases[candidate[0]]
        m.register = tuple(v.get(k) or "" for k in ("name", "address", "owner", "phone"))
        uncertain.append(m)
    missing = [
        MissingCase(c.id, c.label(), c.get("address") or "", c.get("owner") or "",
                    CaseStatus.label_of(str(c.get("status") or "")))
        for c in register
        if c.id not in claimed
    ]  # fmt: skip
    return ReturnDiff(new, changed, unchanged, uncertain, missing)
