"""统计图表: progress per unit (charts follow)."""

from __future__ import annotations

from controllers.listings import cases_by_unit_listing
from ui import events
from ui.panes.base import ListPane


class ChartsPane(ListPane):
    title = "统计图表"
    subtitle = "各县（市、区）整治进度：按状态统计与完成率"
    loader = staticmethod(cases_by_unit_listing)
    topics = frozenset({events.CASES})
