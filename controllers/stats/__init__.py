"""Aggregate statistics computed in the database: monthly series, breakdowns, as-of figures.

Every figure is a GROUP BY (or a conditional SUM) in SQL; no function here loads every case.
"""

from controllers.stats.breakdowns import DIMENSIONS, Breakdown, Category, breakdown, segment_filter
from controllers.stats.filters import StatsFilter
from controllers.stats.monthly import SERIES, MonthlySeries, monthly_bar_filter, monthly_series
from controllers.stats.periods import (
    add_months,
    month_end,
    month_label,
    month_start,
    months_between,
)

__all__ = [
    "DIMENSIONS",
    "SERIES",
    "Breakdown",
    "Category",
    "MonthlySeries",
    "StatsFilter",
    "add_months",
    "breakdown",
    "month_end",
    "month_label",
    "month_start",
    "monthly_bar_filter",
    "monthly_series",
    "months_between",
    "segment_filter",
]
