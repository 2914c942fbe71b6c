"""企业清单: the dynamic rectification list of every unit."""

from __future__ import annotations

from controllers.listings import cases_listing
from ui import events
from ui.panes.base import ListPane


class RegisterPane(ListPane):
    title = "企业清单"
    subtitle = "各县（市、区）“散乱污”企业动态整治清单"
    loader = staticmethod(cases_listing)
    topics = frozenset({events.CASES})
