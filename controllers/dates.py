"""Dates and months as a clerk types them, one rule for the forms and the command line.

A date: 2026-05-25, 2026/5/25, 2026.5.25, 2026年5月25日 or 20260525 (full-width digits too).
A month: 2026-05, 2026/5, 2026.5 or 2026年5月.
"""

from __future__ import annotations

import datetime as dt
import re

from models.textnorm import fold_width

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


def parse_date(text: str | None) -> dt.date | None:
    """A date typed by a clerk: 2026-05-25, 2026/5/25, 2026.5.25, 2026年5月25日, 20260525.

    Blank gives None; anything else raises ValueError with a Chinese message.
    """
    if text is None:
        return None
    value = fold_width(str(text)).strip().replace(" ", "")
    if not value:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            y, m, d = (int(g) for g in match.groups())
            try:
                return dt.date(y, m, d)
            except ValueError:
                raise ValueError(f"“{text}”不是有效日期（{y}年没有{m}月{d}日）") from None
    raise ValueError(f"“{text}”不是日期，请按 2026-05-25 的格式填写")


def parse_month(text: str | None) -> dt.date | None:
    """A month (its first day): 2026-05, 2026/5, 2026.5, 2026年5月. Blank gives None;
    anything else raises ValueError with a Chinese message."""
    if text is None:
        return None
    value = fold_width(str(text)).strip().replace(" ", "")
    if not value:
        return None
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(value)
        if match:
            y, m = (int(g) for g in match.groups())
            if 1 <= m <= 12:
                return dt.date(y, m, 1)
            break
    raise ValueError(f"“{text}”不是月份，请按 2026-05 的格式填写")
