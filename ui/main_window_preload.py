"""Import the main window's modules while the clerk types the password.

The login dialog is up and idle for seconds while someone types; the modules the main window
and its first pane need (about half a second of imports) are loaded then, one module per turn
of the event loop, so pressing 登录 leads straight to the window. A module not yet loaded when
登录 is pressed is simply imported then, as before.
"""

from __future__ import annotations

import importlib
import logging
import sys

from PySide6.QtCore import QTimer

logger = logging.getLogger(__name__)

#: what ``ui.app.run_main_window`` and the first pane (概览) import, in that order
MAIN_WINDOW_MODULES = (
    "ui.context",
    "ui.first_start_dialog",
    "ui.main_window",
    "ui.clerk_session",
    "ui.panes.overview",
)


def preload_while_idle(modules: tuple[str, ...] = MAIN_WINDOW_MODULES) -> None:
    """Import ``modules`` one per turn of the event loop, starting at its next turn."""
    pending = [m for m in modules if m not in sys.modules]

    def step() -> None:
        if not pending:
            return
        name = pending.pop(0)
        try:
            importlib.import_module(name)
        except Exception:  # a failed preload only means the real import reports it later
            logger.exception("could not preload %s", name)
        if pending:
            QTimer.singleShot(0, step)

    if pending:
        QTimer.singleShot(0, step)
