"""Walking a main window's panes as a clerk opens them, for the checks that look at every
pane (tests/test_keyboard_walk.py) and the layout walk (tests/layout_walk.py).

``wait`` is how the caller waits for a condition (``qtbot.waitUntil`` in a test, a plain
event loop in the layout walk's own process).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

Wait = Callable[[Callable[[], bool]], object]


def open_pane(window, key: str, wait: Wait):
    """Show the pane ``key`` and wait until it has loaded; the pane."""
    pane = window.show_pane(key)
    wait(lambda: not getattr(pane, "is_loading", False))
    return pane


def tab_pages(pane, wait: Wait) -> Iterator[tuple[object, int]]:
    """Every further page of the pane's visible tab widgets (系统设置's tabs…), each shown and
    loaded in turn: (tab widget, index). Each tab widget is back on its first page after."""
    from PySide6.QtWidgets import QTabWidget

    for tabs in [t for t in pane.findChildren(QTabWidget) if t.isVisible()]:
        for index in range(1, tabs.count()):
            tabs.setCurrentIndex(index)
            wait(lambda: not getattr(pane, "is_loading", False))
            yield tabs, index
        tabs.setCurrentIndex(0)
