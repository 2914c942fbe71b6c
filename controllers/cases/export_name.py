"""The file name a register export suggests, built from the filter in force
(e.g. "灵寿县_逾期未完成_2026-12-01.xlsx")."""

from __future__ import annotations

import datetime as dt
import re

from controllers.cases.filters import CaseFilter
from controllers.cases.register_data import Lookups
from controllers.cases.register_view import describe_filter

#: characters Windows does not allow in a file name
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
MAX_STEM = 60


def export_file_name(case_filter: CaseFilter, lookups: Lookups, today: dt.date,
                     *, fallback: str = "企业清单") -> str:  # fmt: skip
    """The filter's parts joined by "_", then the date; the whole register is 企业清单."""
    if case_filter.is_empty():
        stem = fallback
    else:
        parts = [p.strip() for p in describe_filter(case_filter, lookups).split("；")]
        parts = [_FORBIDDEN.sub("", p.replace("：", "").replace("、", "+")) for p in parts]
        stem = "_".join(p for p in parts if p) or fallback
    stem = stem.strip(" .")
    if len(stem) > MAX_STEM:
        stem = stem[: MAX_STEM - 1] + "等"
    return f"{stem}_{today.isoformat()}.xlsx"
