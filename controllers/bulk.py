"""Bulk inserts inside the caller's transaction: many rows of one table in a few round trips.

- SQLite: one driver-level ``executemany`` with the values converted as the column types
  convert them (by equivalent plain conversions, several times faster than SQLAlchemy's);
- PostgreSQL: ``COPY … FROM STDIN`` through psycopg 3 on the SQLAlchemy connection's own
  driver connection, so in the same transaction (row triggers fire for COPY as for INSERT).
  PostgreSQL refuses COPY FROM into a table whose row-level security binds the current role
  (``db secure``'s clerk roles): there, and on MariaDB, one ``executemany`` (the drivers send
  INSERTs as multi-row statements);
- rows whose ids the caller needs (children refer to them): on SQLite the ids are allocated
  from ``MAX(id)`` (this transaction already holds the write lock), on PostgreSQL reserved from
  the table's sequence before the COPY, elsewhere returned by ``INSERT … RETURNING``.

Every row of one call has the same keys. Columns not given take their Python-side default,
as an ORM ``insert()`` would give them. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models.base import Code

Row = dict[str, Any]


def _sqlite_converter(column_type: Any) -> Callable[[Any], Any] | None:
    """How SQLAlchemy stores a value of this type in SQLite, for values of the expected type."""
    if isinstance(column_type, Code):
        return None  # members are str: stored as their code, as Code would store them
    if isinstance(column_type, DateTime):
        return lambda v: v.isoformat(" ", "microseconds")
    if isinstance(column_type, Date):
        return lambda v: v.isoformat()
    if isinstance(column_type, Boolean):
        return int
    return None


def _default_filler(table: Table, first: Row) -> tuple[list[str], Callable[[Row], None]]:
    """The columns written (``first``'s keys, plus columns with a Python-side default the rows
    do not give) and the function that fills those defaults into a row, as ``insert()``
    through SQLAlchemy fills them."""
    columns = list(first)
    missing = [c for c in table.c if c.key not in first and c.default is not None
               and not c.primary_key and (c.default.is_scalar or c.default.is_callable)]  # fmt: skip
    scalars = [(c.key, c.default.arg) for c in missing if c.default.is_scalar]  # type: ignore[union-attr]
    callables = [(c.key, c.default.arg) for c in missing if not c.default.is_scalar]  # type: ignore[union-attr]
    columns += [c.key for c in missing]

    def fill(row: Row) -> None:
        for key, value in scalars:
            row[key] = value
        for key, make in callables:
            row[key] = make(None)

    return columns, fill


def _with_defaults(table: Table, rows: Sequence[Row]) -> list[str]:
    """The columns written: the rows' keys, plus columns with a Python-side default the rows do
    not give (filled in, as ``insert()`` through SQLAlchemy fills them)."""
    columns, fill = _default_filler(table, rows[0])
    if len(columns) > len(rows[0]):
        for r in rows:
            fill(r)
    return columns


def fast_insert(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """INSERT many rows in one driver-level executemany, values converted as the column types
    convert them (on SQLite by the equivalent plain conversions, which is several times faster)."""
    if not rows:
        return
    columns = _with_defaults(table, rows)
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    if dialect.name == "sqlite" and compiled.positional:
        order = list(compiled.positiontup or [])
        getter = itemgetter(*order)
        convert = [(i, f) for i, name in enumerate(order)
                   if (f := _sqlite_converter(table.c[name].type)) is not None]  # fmt: skip
        params: list[Any] = []
        for r in rows:
            values = list(getter(r))
            for i, f in convert:
                v = values[i]
                if v is not None:
                    values[i] = f(v)
            params.append(tuple(values))
    else:
        procs = {c: table.c[c].type._cached_bind_processor(dialect) for c in columns}
        if compiled.positional:
            plan = [(name, procs[name]) for name in (compiled.positiontup or [])]
            params = [tuple(p(r[n]) if p is not None else r[n] for n, p in plan) for r in rows]
        else:
            plan = [(name, procs[name]) for name in columns]
            params = [{n: (p(r[n]) if p is not None else r[n]) for n, p in plan} for r in rows]
    conn.exec_driver_sql(str(compiled), params)


def copy_allowed(conn: Connection, table: Table) -> bool:
    """True on PostgreSQL when COPY FROM may write this table as the current role (no row-level
    security binds it: PostgreSQL refuses COPY FROM there)."""
    if conn.dialect.name != "postgresql":
        return False
    bound = conn.execute(text("SELECT row_security_active(CAST(:t AS regclass))"),
                         {"t": table.name}).scalar()  # fmt: skip
    return not bound


@contextmanager
def raised_as_statement_error(conn: Connection, raw: Any, statement_text: str) -> Iterator[None]:
    """Around work done on ``raw``, the connection's own driver connection (a COPY): a driver
    error is raised as SQLAlchemy raises a statement's error, a :class:`DBAPIError` naming
    ``statement_text``; a lost server is recognised as one and the connection invalidated."""
    dialect = conn.dialect
    error = dialect.loaded_dbapi.Error
    try:
        yield
    except error as exc:
        lost = dialect.is_disconnect(exc, raw, None)
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(statement_text, None, exc, error,
                                  connection_invalidated=lost, dialect=dialect) from exc  # fmt: skip


@contextmanager
def copy_rows(
    conn: Connection, table: Table, names: Sequence[str]
) -> Iterator[Callable[[Any], None]]:
    """PostgreSQL: ``COPY table (names) FROM STDIN`` on the connection's own driver connection,
    in its current transaction; yields the function that writes one row (values in ``names``'
    order, already converted). Its errors are raised as SQLAlchemy raises a statement's."""
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    raw = conn.connection.driver_connection
    with (
        raised_as_statement_error(conn, raw, statement.as_string(raw)),
        raw.cursor() as cur,
        cur.copy(statement) as copy,
    ):
        yield copy.write_row


def copy_insert(conn: Connection, table: Table, rows: Iterable[Row]) -> None:
    """PostgreSQL: write the rows with ``COPY table (columns) FROM STDIN`` in the connection's
    current transaction; values converted as the column types convert them. ``rows`` may be
    an iterator that builds each row as it is asked for: rows are sent as they come (in
    chunks), so the server inserts the first ones while the next are built."""
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    columns, fill = _default_filler(table, first)
    if len(columns) == len(first):
        fill = None  # nothing to fill in
    dialect = conn.dialect
    plan = [(name, table.c[name].type._cached_bind_processor(dialect)) for name in columns]
    plain = [n for n, p in plan if p is None]
    converted = [(n, p) for n, p in plan if p is not None]
    order = plain + [n for n, _p in converted]
    get_plain = itemgetter(*plain) if plain else (lambda _r: ())
    if len(plain) == 1:
        one = get_plain
        get_plain = lambda r: (one(r),)  # noqa: E731
    with copy_rows(conn, table, order) as write:
        for r in chain((first,), it):
            if fill is not None:
                fill(r)
            values = list(get_plain(r))
            for n, p in converted:
                v = r[n]
                values.append(p(v) if v is not None else None)
            write(values)


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Insert many rows of one table: COPY on PostgreSQL where allowed, else one executemany."""
    if not rows:
        return
    if copy_allowed(conn, table):
        copy_insert(conn, table, rows)
    else:
        fast_insert(conn, table, rows)


def reserve_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """PostgreSQL: ``n`` new ids from the table's sequence, ascending (another session may take
    ids meanwhile: they need not be consecutive); fetched as one array, not a row per id."""
    ids = conn.execute(
        text("SELECT array_agg(nextval(CAST(:s AS regclass))) FROM generate_series(1, :n)"),
        {"s": conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}),
         "n": n},
    ).scalar_one()  # fmt: skip
    return sorted(ids)


def allocated_ids(conn: Connection, table: Table, n: int) -> list[int] | None:
    """Ids for ``n`` new rows, given before the rows are written: on SQLite from ``MAX(id)``
    (one writer at a time, and this transaction already holds the write lock), on PostgreSQL
    reserved from the table's sequence where COPY is allowed; None elsewhere (the INSERT
    returns them)."""
    if conn.dialect.name == "sqlite":
        start = int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0)))) + 1
        return list(range(start, start + n))
    if copy_allowed(conn, table):
        return reserve_ids(conn, table, n)
    return None


def insert_with_ids(
    session: Session, table: Table, rows: Iterable[Row], count: int | None = None
) -> list[int]:
    """Insert rows and return their new ids, in the rows' order (each row also gets its ``id``).

    On SQLite (one writer at a time, and this transaction already holds the write lock) ids are
    allocated here and rows go through one executemany; on PostgreSQL they are reserved from
    the table's sequence and the rows copied (COPY), unless row-level security forbids COPY;
    elsewhere ``INSERT … RETURNING``.

    ``rows`` is a list, or with ``count`` (how many) an iterator that builds each row as it is
    asked for: COPY sends each row as it is built, so building overlaps the server's work.
    """
    n = len(rows) if count is None else count  # type: ignore[arg-type]
    if not n:
        return []
    session.flush()
    conn = session.connection()
    ids = allocated_ids(conn, table, n)
    if ids is not None:

        def with_ids() -> Iterator[Row]:
            for row, new_id in zip(rows, ids, strict=True):
                row["id"] = new_id
                yield row

        if conn.dialect.name == "sqlite":
            fast_insert(conn, table, list(with_ids()))
        else:
            copy_insert(conn, table, with_ids())
        return ids
    listed = list(rows)
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                          listed)  # fmt: skip
    ids = list(result.scalars())
    for row, new_id in zip(listed, ids, strict=True):
        row["id"] = new_id
    return ids
