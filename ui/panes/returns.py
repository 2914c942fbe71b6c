"""县区上报: the units' self-inspection returns and their review."""

from __future__ import annotations

from controllers.listings import returns_listing
from ui import events
from ui.panes.base import ListPane


class ReturnsPane(ListPane):
    title = "县区上报"
    subtitle = "各单位上报的自查清单：签字、公示与审核情况"
    loader = staticmethod(returns_listing)
    topics = frozenset({events.RETURNS, events.CASES})
