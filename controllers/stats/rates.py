"""The one rounding rule of completion rates, for the charts, tables, texts and overview.

Rates are floored to one decimal, so a rate is never shown higher than it is and never as
100% while any case is unfinished (999 of 1,000 is 99.9%; 980 of 990 is 98.9% everywhere).
"""

from __future__ import annotations

import math


def floor_rate(value: float | None, digits: int = 1) -> float | None:
    """The rate in percent, floored to ``digits`` decimals (None stays None)."""
    if value is None:
        return None
    scale = 10**digits
    # the epsilon absorbs binary noise (0.995 * 1000 = 994.999…) without lifting a real
    # shortfall: n/d with d below a million is at least 1e-6 from the next step
    return math.floor(value * 100 * scale + 1e-7) / scale


def rate_text(value: float | None, digits: int = 1) -> str:
    """98.9% (— when undefined): floored, never 100% while anything is unfinished."""
    floored = floor_rate(value, digits)
    return "—" if floored is None else f"{floored:.{digits}f}%"
