"""Bulk updates of versioned rows inside the caller's transaction: many rows of one table,
each by its id and the version the caller read (optimistic locking, as the ORM does it).

- PostgreSQL: one ``UPDATE … FROM unnest(ids, versions, values…)`` — the new values sent as
  one array per column, so the server runs one statement instead of one per row;
- elsewhere: one driver-level ``executemany`` of the per-row UPDATE.

Every row gets ``version = version + 1`` and the ``fixed`` values (the same for all rows,
e.g. ``updated_at``). The number of rows updated is returned: fewer than given means another
session changed (or deleted) some of them since they were read. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam

Row = Mapping[str, Any]


def update_versioned(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row],
    fixed: Mapping[str, Any],
) -> int | None:  # fmt: skip
    """Set ``columns`` of each row (a mapping with ``id``, ``version`` and those columns) where
    its id still has that version; ``fixed`` columns take the same value in every row.

    Returns how many rows were updated, or None where the driver cannot tell for an
    executemany (checked by the caller as ``done is not None and done != len(rows)``)."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        return _update_from_arrays(conn, table, columns, rows, fixed)
    stmt = (
        table.update()
        .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
        .values(version=table.c.version + 1, **fixed,
                **{c: bindparam(f"v_{c}") for c in columns})
    )  # fmt: skip
    params = [{"b_id": r["id"], "b_version": r["version"], **{f"v_{c}": r[c] for c in columns}}
              for r in rows]  # fmt: skip
    done = conn.execute(stmt, params).rowcount
    return done if conn.dialect.supports_sane_multi_rowcount else None


def _update_from_arrays(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row],
    fixed: Mapping[str, Any],
) -> int:  # fmt: skip
    """PostgreSQL: one UPDATE joined to the rows given as arrays (``unnest`` of one array per
    column, cast to the column's type); values converted as the column types convert them."""
    dialect = conn.dialect
    _q = dialect.identifier_preparer.quote
    keyed = ["id", "version", *columns]
    arrays: dict[str, list[Any]] = {}
    casts = []
    for i, name in enumerate(keyed):
        column = table.c[name]
        convert = column.type._cached_bind_processor(dialect)
        values = [r[name] for r in rows]
        if convert is not None:
            values = [None if v is None else convert(v) for v in values]
        arrays[f"a{i}"] = values
        casts.append(f"CAST(%(a{i})s AS {column.type.compile(dialect=dialect)}[])")
    params: dict[str, Any] = dict(arrays)
    sets = ["version = t.version + 1"]
    for j, (name, value) in enumerate(fixed.items()):
        convert = table.c[name].type._cached_bind_processor(dialect)
        params[f"f{j}"] = convert(value) if convert is not None and value is not None else value
        sets.append(f"{_q(name)} = %(f{j})s")
    sets += [f"{_q(name)} = v.{_q(name)}" for name in columns]
    statement = (
        f"UPDATE {_q(table.name)} AS t SET {', '.join(sets)}"
        f" FROM unnest({', '.join(casts)}) AS v({', '.join(map(_q, keyed))})"
        " WHERE t.id = v.id AND t.version = v.version"
    )
    return conn.exec_driver_sql(statement, params).rowcount
