"""The wait cursor around work the clerk waits for (opening a pane, a first sort, copying)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

_WAIT = Qt.CursorShape.WaitCursor


@contextmanager
def wait_cursor() -> Iterator[None]:
    """Show the wait cursor while the block runs (nothing without a GUI application)."""
    shown = isinstance(QGuiApplication.instance(), QGuiApplication)
    if shown:
        QGuiApplication.setOverrideCursor(_WAIT)
    try:
        yield
    finally:
        if shown:
            QGuiApplication.restoreOverrideCursor()
