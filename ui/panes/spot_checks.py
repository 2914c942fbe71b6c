"""督导抽查: the city's enforcement groups in the units."""

from __future__ import annotations

from controllers.listings import spot_checks_listing
from ui import events
from ui.panes.base import ListPane


class SpotChecksPane(ListPane):
    title = "督导抽查"
    subtitle = "执法检查组督导抽查记录：人员、检查点位与发现问题"
    loader = staticmethod(spot_checks_listing)
    topics = frozenset({events.SPOT_CHECKS, events.CASES})
