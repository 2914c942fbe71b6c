"""Column-wise bulk inserts inside the caller's transaction, for loads of a hundred thousand
rows and more (an office's existing registers).

The caller gives a table's values column by column (``{"name": [...], "status": [...]}``,
every column as long as the others) instead of a dict per row: no dict is built per row,
and each column is converted to what the driver takes once per *distinct* value (dates,
codes and timestamps repeat across a register). Then, as :mod:`controllers.bulk`:

- SQLite: one driver-level ``executemany`` (ids allocated from ``MAX(id)`` when asked:
  the transaction already holds the write lock);
- PostgreSQL: ``COPY … FROM STDIN`` on the connection's own driver connection, in the same
  transaction (ids reserved from the table's sequence first), unless row-level security binds
  the table; there, and on MariaDB, one ``executemany`` (``INSERT … RETURNING`` for ids).

:func:`indexes_deferred` drops an SQLite table's indexes for a load at least as large as the
table and builds them again afterwards, in the same transaction (a rollback restores them).
Columns not given take their Python-side default, as ``insert()`` would give them. Nothing
here commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from controllers.bulk import _sqlite_converter, allocated_ids, copy_allowed, copy_rows

logger = logging.getLogger(__name__)

Columns = dict[str, Sequence[Any]]
#: loads smaller than this keep the SQLite indexes (rebuilding costs more than it saves)
DEFER_MIN_ROWS = 20_000
#: the SQLite page cache during a deferred-index load (KiB; the default is 2 MiB)
BULK_CACHE_KIB = 131_072


def _length(data: Columns) -> int:
    lengths = {len(v) for v in data.values()}
    if len(lengths) != 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    return lengths.pop()


def _with_defaults(table: Table, data: Columns, n: int) -> Columns:
    """The columns written: those given, plus columns with a Python-side default not given."""
    out = dict(data)
    for c in table.c:
        if c.key in out or c.default is None or c.primary_key:
            continue
        default: Any = c.default
        if default.is_scalar:
            out[c.key] = [default.arg] * n
        elif default.is_callable:
            out[c.key] = [default.arg(None) for _ in range(n)]
    return out


def _convert(values: Sequence[Any], convert: Callable[[Any], Any] | None) -> Sequence[Any]:
    """The column converted; each distinct value once (a column repeats its dates and codes)."""
    if convert is None:
        return values
    try:
        done = {v: convert(v) for v in set(values) if v is not None}
    except TypeError:  # an unhashable value: one at a time
        return [None if v is None else convert(v) for v in values]
    done[None] = None
    return list(map(done.__getitem__, values))


def _converters(conn: Connection, table: Table, names: Sequence[str]) -> list[Any]:
    dialect = conn.dialect
    if dialect.name == "sqlite":
        return [_sqlite_converter(table.c[n].type) for n in names]
    return [table.c[n].type._cached_bind_processor(dialect) for n in names]


def _executemany(conn: Connection, table: Table, data: Columns) -> None:
    names = list(data)
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=names)
    converters = dict(zip(names, _converters(conn, table, names), strict=True))
    if compiled.positional:
        order = list(compiled.positiontup or [])
        params: list[Any] = list(
            zip(*(_convert(data[n], converters[n]) for n in order), strict=True)
        )
    else:
        converted = [_convert(data[n], converters[n]) for n in names]
        params = [dict(zip(names, row, strict=True)) for row in zip(*converted, strict=True)]
    conn.exec_driver_sql(str(compiled), params)


def _copy(conn: Connection, table: Table, data: Columns) -> None:
    names = list(data)
    columns = [_convert(data[n], p) for n, p in zip(names, _converters(conn, table, names),
                                                    strict=True)]  # fmt: skip
    with copy_rows(conn, table, names) as write:
        for row in zip(*columns, strict=True):
            write(row)


def insert_columns(conn: Connection, table: Table, data: Columns) -> None:
    """Insert the rows the columns make: COPY on PostgreSQL where allowed, else one
    executemany."""
    n = _length(data) if data else 0
    if not n:
        return
    data = _with_defaults(table, data, n)
    if copy_allowed(conn, table):
        _copy(conn, table, data)
    else:
        _executemany(conn, table, data)


def insert_columns_with_ids(session: Session, table: Table, data: Columns) -> list[int]:
    """Insert the rows the columns make and return their new ids, in the rows' order."""
    n = _length(data) if data else 0
    if not n:
        return []
    session.flush()
    conn = session.connection()
    ids = allocated_ids(conn, table, n)
    if ids is None:
        data = _with_defaults(table, data, n)
        names = list(data)
        rows = [dict(zip(names, r, strict=True)) for r in zip(*data.values(), strict=True)]
        returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(conn.execute(returning, rows).scalars())
    insert_columns(conn, table, {"id": ids, **data})
    return ids


@contextmanager
def indexes_deferred(conn: Connection, table: Table, adding: int) -> Iterator[None]:
    """SQLite, adding at least :data:`DEFER_MIN_ROWS` rows and no fewer than the table holds:
    the table's indexes are dropped for the body and built again after it, in the caller's
    transaction (one sort per index instead of a B-tree insert per row and index), with a
    larger page cache meanwhile. A failure rolls the transaction back, indexes and all. Other
    databases, and smaller loads, are left as they are."""
    if conn.dialect.name != "sqlite" or adding < DEFER_MIN_ROWS:
        yield
        return
    holds = conn.scalar(select(func.count()).select_from(table)) or 0
    if holds > adding:
        yield
        return
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL ORDER BY name",
        (table.name,),
    ).all()
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        yield
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
    finally:
        try:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
        except DBAPIError:  # the connection failed with the load: it is discarded anyway
            logger.warning("could not restore the SQLite page cache size", exc_info=True)
    logger.info("%s: %d indexes rebuilt after adding %d rows", table.name, len(indexes), adding)
