"""Small pieces of Chinese official-document wording: numerals, dates, lists."""

from __future__ import annotations

import datetime as dt

from controllers.stats.rates import rate_text

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int, *, liang: bool = False) -> str:
    """一 … 九十九 (两 for 2 when counting things, e.g. 两年); larger numbers as digits."""
    if n == 2 and liang:
        return "两"
    if 0 <= n < 10:
        return _DIGITS[n]
    if 10 <= n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return str(n)


def ordinal(i: int) -> str:
    """一是, 二是 … for the i-th item (1-based)."""
    return f"{cn_number(i)}是"


def cn_date(day: dt.date | None, *, year: bool = True) -> str:
    """2026年5月25日 (or 5月25日)."""
    if day is None:
        return ""
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if year else text


def short_date(day: dt.date | None, reference: dt.date) -> str:
    """5月25日 within the reference year, 2025年5月25日 otherwise."""
    return cn_date(day, year=day is not None and day.year != reference.year)


def percent(value: float | None, digits: int = 1) -> str:
    """98.5% (— when undefined), by the one rounding rule of :mod:`controllers.stats.rates`."""
    return rate_text(value, digits)


def join_list(items: list[str], sep: str = "、") -> str:
    return sep.join(i for i in items if i)


def numbered(items: list[str]) -> str:
    """一是……；二是……。 from clauses without end punctuation."""
    clauses = [f"{ordinal(i)}{text.rstrip('。；;')}" for i, text in enumerate(items, start=1)]
    return "；".join(clauses) + "。" if clauses else ""
