"""Load the chart library once the window is idle, so the chart pane opens without waiting.

Start-up never imports pyqtgraph (about half a second); a few seconds after the first pane
is shown it is imported in the background of the event loop, before a clerk opens 统计图表.
This module itself imports nothing heavy.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer

logger = logging.getLogger(__name__)

PRELOAD_DELAY_MS = 3000


class _State:
    scheduled = False


def schedule_preload(delay_ms: int = PRELOAD_DELAY_MS) -> None:
    """Import the chart pane (and pyqtgraph) ``delay_ms`` from now, once per application."""
    if _State.scheduled:
        return
    _State.scheduled = True
    QTimer.singleShot(delay_ms, preload)


def preload() -> None:
    """Import the chart pane's modules now."""
    try:
        import ui.panes.charts  # noqa: F401 (pyqtgraph and the chart widgets)
    except Exception:  # a failed preload only means the first opening is slower
        logger.exception("could not preload the charts")
