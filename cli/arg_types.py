"""Argument types of the command line: dates and months read by the same rule as the forms."""

from __future__ import annotations

import argparse
import datetime as dt

from controllers.dates import parse_date, parse_month


def date_arg(text: str) -> dt.date:
    """``--as-of 2026-05-25`` (also 2026/5/25, 2026.5.25, 2026年5月25日, 20260525)."""
    try:
        value = parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} / invalid date, use YYYY-MM-DD") from None
    if value is None:
        raise argparse.ArgumentTypeError("日期不能为空 / empty date, use YYYY-MM-DD")
    return value


def month_arg(text: str) -> dt.date:
    """``--from 2026-05`` (the month's first day; also 2026/5, 2026年5月)."""
    try:
        value = parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc} / invalid month, use YYYY-MM") from None
    if value is None:
        raise argparse.ArgumentTypeError("月份不能为空 / empty month, use YYYY-MM")
    return value
