"""承诺书: the commitment letters of the 25 units and their return."""

from __future__ import annotations

from controllers.listings import letters_listing
from ui import events
from ui.panes.base import ListPane


class LettersPane(ListPane):
    title = "承诺书"
    subtitle = "“散乱污”企业持续整治工作承诺书：印发、签署与归档"
    loader = staticmethod(letters_listing)
    topics = frozenset({events.LETTERS})
