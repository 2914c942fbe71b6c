"""问责: accountability records under the quantified rules."""

from __future__ import annotations

from typing import ClassVar

from controllers.listings import accountability_listing
from ui import events
from ui.panes.base import ListPane


class AccountabilityPane(ListPane):
    title = "问责"
    subtitle = "按《省“散乱污”量化问责管理办法》记录的问责事项"
    loader = staticmethod(accountability_listing)
    topics = frozenset({events.ACCOUNTABILITY})
    views: ClassVar[dict[str, tuple[str, dict]]] = {
        "all": ("全部", {}),
        "pending": ("未办结", {"pending_only": True}),
    }
