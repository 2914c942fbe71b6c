"""How plain values are shown to a clerk."""

from __future__ import annotations

import datetime as dt
from typing import Any


def display(value: Any) -> str:
    """Dates as 2026-05-25, None as empty, numbers with thousands separators."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def chinese_date(value: dt.date | None) -> str:
    """2026年5月25日."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"
