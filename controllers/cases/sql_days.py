"""Dates as whole day numbers (days since 1970-01-01) computed by the database itself.

Loading 200,000 cases is dominated by turning values into Python objects; a date arriving as
an integer is converted by numpy in one step instead of one ``datetime.date`` per cell.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: the stand-in for SQL NULL in every integer column array
NULL_INT = -(2**31)
#: Excel's serial number of 1970-01-01 (serial = day number + this)
EXCEL_EPOCH_OFFSET = 25569


class day_number(FunctionElement):  # noqa: N801 (an SQL function reads like one)
    """``day_number(date_column)``: days since 1970-01-01 as an integer (NULL stays NULL)."""

    type = Integer()
    inherit_cache = True
    name = "day_number"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '1970-01-01')"


@compiles(day_number, "mysql")
@compiles(day_number, "mariadb")
def _day_number_mysql(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"(TO_DAYS({compiler.process(element.clauses, **kw)}) - 719528)"
