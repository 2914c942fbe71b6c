"""Months: calendar helpers and the month bucket of a date column in SQL.

``month_of(column)`` is the text ``YYYY-MM`` of a date, written in each database's own
dialect (SQLite ``substr``, PostgreSQL ``to_char``, MariaDB/MySQL ``date_format``), so that
monthly figures are one GROUP BY in the database on all three backends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class MonthOf(FunctionElement):
    """``YYYY-MM`` of a DATE or DATETIME column (NULL stays NULL)."""

    type = String()
    name = "month_of"
    inherit_cache = True


def month_of(column: Any) -> MonthOf:
    """The month bucket (``'2026-05'``) of a date column, portable across the backends."""
    return MonthOf(column)


@compiles(MonthOf)
def _month_of_default(element: MonthOf, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    # ANSI: EXTRACT gives numbers; the backends of this project use the forms below.
    return "CAST(EXTRACT(YEAR FROM {0}) AS VARCHAR(4)) || '-' || LPAD(CAST(EXTRACT(MONTH FROM {0}) AS VARCHAR(2)), 2, '0')".format(
        compiler.process(arg, **kw)
    )


@compiles(MonthOf, "sqlite")
def _month_of_sqlite(element: MonthOf, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    # SQLAlchemy stores dates on SQLite as ISO text: the first 7 characters are the month.
    return f"substr({compiler.process(arg, **kw)}, 1, 7)"


@compiles(MonthOf, "postgresql")
def _month_of_postgresql(element: MonthOf, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"to_char({compiler.process(arg, **kw)}, 'YYYY-MM')"


@compiles(MonthOf, "mysql")
@compiles(MonthOf, "mariadb")
def _month_of_mysql(element: MonthOf, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    # a literal column, so the percent signs are escaped for the driver's paramstyle
    fmt = compiler.process(literal_column("'%Y-%m'"), **kw)
    return f"date_format({compiler.process(arg, **kw)}, {fmt})"


def month_start(day: dt.date) -> dt.date:
    """The first day of the month of ``day``."""
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of the month of ``day``."""
    return add_months(day, 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month from the month of ``first`` to the month of ``last``."""
    out: list[dt.date] = []
    current = month_start(first)
    stop = month_start(last)
    while current <= stop:
        out.append(current)
        current = add_months(current, 1)
    return out


def month_key(day: dt.date) -> str:
    """``'2026-05'``: the key :func:`month_of` gives in SQL."""
    return f"{day.year:04d}-{day.month:02d}"


def parse_month_key(key: str) -> dt.date:
    """The first day of the month of a ``'2026-05'`` key."""
    year, month = key[:7].split("-")
    return dt.date(int(year), int(month), 1)


def month_label(day: dt.date, *, short: bool = False) -> str:
    """``2026年5月`` (or ``26年5月`` when short)."""
    year = f"{day.year % 100:02d}" if short else str(day.year)
    return f"{year}年{day.month}月"
