"""The register's columns from PostgreSQL in one statement, without a Python object per cell.

Every column comes as one aggregate over all the cases: each integer column as a ``bytea`` of
4-byte big-endian integers (``string_agg(int4send(…), '')``, read by numpy in one step), the
names and the search fields as one text each (split and normalised in C by the caller). One
statement reads one snapshot, and one aggregate node feeds every row to all its aggregates in
the same order, so position *i* of every column is the same case.

A psycopg cursor fetching the same rows builds a Python object per cell; a binary ``COPY``
hands libpq one message per row. This builds about thirty objects in all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: row separator and field separator in the text aggregates (a text holding one of them is
#: noticed by counting; the caller then reads row by row)
ROW_SEP = "\x01"
FIELD_SEP = "\x02"


@dataclass
class RegisterColumns:
    count: int
    ints: list[np.ndarray] | None  # int64 arrays; None if a value was NULL (skipped)
    names: str  # every row's name ('' for NULL), ROW_SEP between rows
    search: str  # every row's search fields, FIELD_SEP between fields, ROW_SEP between rows


def fetch_register_columns(
    dbapi_conn, inner_sql: str, int_labels: Sequence[str], name_label: str,
    search_labels: Sequence[str],
) -> RegisterColumns:  # fmt: skip
    """Aggregates over ``inner_sql``, whose integer columns (``int_labels``, int4, never NULL)
    come back as arrays and whose text columns come back joined."""
    row, field = f"chr({ord(ROW_SEP)})", f"chr({ord(FIELD_SEP)})"
    search = f", {field}, ".join(f"coalesce({s}, '')" for s in search_labels)
    parts = ["count(*)"]
    parts += [f"string_agg(int4send({c}), ''::bytea)" for c in int_labels]
    parts += [
        f"string_agg(coalesce({name_label}, ''), {row})",
        f"string_agg(concat({search}), {row})",
    ]
    sql = f"SELECT {', '.join(parts)} FROM ({inner_sql}) AS register_rows"
    with dbapi_conn.cursor() as cur:
        cur.execute(sql, binary=True)
        values = cur.fetchone()
    count = int(values[0])
    ints: list[np.ndarray] | None = []
    for blob in values[1 : 1 + len(int_labels)]:
        blob = blob or b""
        if len(blob) != 4 * count:
            ints = None  # a NULL was left out: the positions no longer line up
            break
        ints.append(np.frombuffer(blob, dtype=">i4").astype(np.int64))
    names, search_text = values[1 + len(int_labels) :]
    return RegisterColumns(count, ints, names or "", search_text or "")
