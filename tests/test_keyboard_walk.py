"""Every pane, as each role sees it, from the keyboard: each button is reached by Tab, each
action has a shortcut or sits in a menu a Tab-reachable button opens, each shortcut of the
pane is told in a tooltip (or the text) of something visible, each shortcut a tooltip tells
exists, and no key means two things at once (Qt then does nothing at all).

The walk is generic over ui.panes.PANES: a new pane is walked without changing this test."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QMenu, QTabBar, QWidget

from controllers.actor import Actor
from models import Unit
from models.codes import Role
from tests.factories import make_case, unit
from tests.pane_walk import open_pane, tab_pages
from ui.context import AppContext
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui

#: a key a tooltip or a label names: with modifiers, or a function / Enter / Delete key
KEY_TEXT = re.compile(
    r"(?<![A-Za-z0-9+])(?:(?:Ctrl|Alt|Shift)\+)+(?:F\d{1,2}|Enter|Return|Delete|Del|Left|Right"
    r"|Up|Down|[A-Z0-9])(?![A-Za-z0-9])|(?<![A-Za-z0-9+])(?:F\d{1,2}|Enter|Delete)(?![A-Za-z0-9])"
)


def canon(text: str) -> str:
    """One spelling per key: Enter and Return are the same key to a clerk, Del is Delete."""
    return QKeySequence(text.replace("Enter", "Return")).toString(
        QKeySequence.SequenceFormat.PortableText
    )


def _told(widget: QWidget) -> str:
    """What a widget tells the clerk: its tooltip, its text, a field's hint."""
    parts = [widget.toolTip()]
    if isinstance(widget, QAbstractButton):
        parts.append(widget.text())
    if isinstance(widget, QLineEdit):
        parts.append(widget.placeholderText())
    return " ".join(p for p in parts if p)


def _pane_shortcuts(pane: QWidget) -> list[QShortcut]:
    """The shortcuts that work now: enabled, on a widget shown (e.g. the tab in front)."""
    return [s for s in pane.findChildren(QShortcut)
            if s.isEnabled() and not s.key().isEmpty() and s.parent().isVisible()]  # fmt: skip


def _openers(menu: QMenu, buttons: list[QAbstractButton]) -> list[QAbstractButton]:
    """The buttons that open a menu (or the menu it is a sub-menu of)."""
    node: QWidget | None = menu
    while isinstance(node, QMenu):
        found = [b for b in buttons if getattr(b, "menu", lambda: None)() is node]
        if found:
            return found
        parents = [a for a in node.menuAction().associatedObjects() if isinstance(a, QMenu)]
        node = parents[0] if parents else None
    return []


def keyboard_problems(window: MainWindow, pane: QWidget) -> list[str]:
    out: list[str] = []
    window_keys = [canon(a.shortcut().toString()) for a in window.findChildren(QAction)
                   if not a.shortcut().isEmpty()]  # fmt: skip
    shortcuts = _pane_shortcuts(pane)
    # one key, one meaning: shortcuts of the same reach (the window, or one widget)
    by_reach: dict[object, list[str]] = {"window": list(window_keys)}
    for s in shortcuts:
        reach = "window" if s.context() != Qt.ShortcutContext.WidgetShortcut else id(s.parent())
        by_reach.setdefault(reach, []).extend(k.toString() for k in s.keys())  # noqa: SIM118
    for keys in by_reach.values():
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            out.append(f"快捷键 {key} 有两个用途（按下后什么也不会发生）")
    visible = [w for w in pane.findChildren(QWidget) if w.isVisible()]
    told = {canon(k) for w in visible for k in KEY_TEXT.findall(_told(w))}
    for s in shortcuts:
        key = canon(s.key().toString())
        if key not in told:
            out.append(f"快捷键 {key} 在页面上没有任何提示")
    bound = set(window_keys) | {canon(k.toString()) for s in shortcuts for k in s.keys()}  # noqa: SIM118
    for w in visible:
        for text in KEY_TEXT.findall(_told(w)):
            own = isinstance(w, QAbstractButton) and canon(w.shortcut().toString()) == canon(text)
            if canon(text) not in bound and not own:
                out.append(f"提示写着 {text}，但没有这个快捷键：{_told(w)[:40]}")
    buttons = [w for w in visible if isinstance(w, QAbstractButton) and w.isEnabled()
               and not isinstance(w.parentWidget(), QTabBar | QLineEdit)]  # fmt: skip
    for b in buttons:
        if not b.focusPolicy() & Qt.FocusPolicy.TabFocus:
            out.append(f"按钮不能用 Tab 键到达：{b.text() or b.toolTip()}")
    every_button = pane.findChildren(QAbstractButton)
    for action in pane.findChildren(QAction):
        if action.isSeparator() or not action.text() or not action.isVisible():
            continue
        if not action.shortcut().isEmpty():
            shown = [w for w in action.associatedObjects()
                     if isinstance(w, QWidget) and not isinstance(w, QMenu)]  # fmt: skip
            key = canon(action.shortcut().toString())
            for w in shown:  # a tool button shows the action's tooltip: it names the key
                if key not in {canon(k) for k in KEY_TEXT.findall(w.toolTip())}:
                    out.append(f"“{action.text()}”的提示没有写快捷键 {key}")
            continue
        openers = [b for m in action.associatedObjects() if isinstance(m, QMenu)
                   for b in _openers(m, every_button)]  # fmt: skip
        if openers and not any(b.isVisible() for b in openers):
            continue  # its button is not offered here (another tab, or not to this role)
        if not any(b.isVisible() and b.isEnabled() and b.focusPolicy() & Qt.FocusPolicy.TabFocus
                   for b in openers):  # fmt: skip
            out.append(f"操作“{action.text()}”既没有快捷键，也不在键盘能打开的菜单里")
    return out


def window_problems(window: MainWindow) -> list[str]:
    """The menus: each has an Alt letter, each entry a shortcut; every pane has Ctrl+n."""
    out = []
    for menu in [a.menu() for a in window.menuBar().actions() if a.menu()]:
        if "(&" not in menu.title():
            out.append(f"菜单“{menu.title()}”没有 Alt 字母")
        for action in menu.actions():
            if not action.isSeparator() and action.shortcut().isEmpty() and not action.menu():
                out.append(f"菜单项“{action.text()}”没有快捷键")
    keys = {a.data(): canon(a.shortcut().toString()) for a in window.pane_actions}
    for spec in window.specs:
        if not keys.get(spec.key):
            out.append(f"页面“{spec.title}”没有快捷键")
    if len(set(keys.values())) != len(keys):
        out.append("两个页面用了同一个快捷键")
    return out


@pytest.fixture
def db(sqlite_db):
    with sqlite_db.session() as s:
        make_case(s)
        make_case(s, unit=unit(s, "新乐市"))
        s.commit()
    return sqlite_db


def _actors(db) -> dict[str, Actor]:
    from sqlalchemy import select

    with db.session() as s:
        lingshou = s.scalar(select(Unit.id).where(Unit.name == "灵寿县"))
    return {
        "city": Actor(None, "city", Role.CITY_CLERK, display_name="张市级"),
        "county": Actor(None, "lingshou", Role.COUNTY_CLERK, unit_id=lingshou),
        "leader": Actor(None, "leader", Role.LEADER),
        "admin": Actor(None, "admin", Role.ADMIN),
        "auditor": Actor(None, "auditor", Role.AUDITOR),
    }


@pytest.mark.parametrize("role", ["city", "county", "leader", "admin", "auditor"])
def test_every_pane_works_from_the_keyboard(app, qtbot, db, role):
    window = MainWindow(AppContext(db, _actors(db)[role]))
    qtbot.addWidget(window)
    window.resize(1366, 728)
    window.show()
    problems = [f"窗口：{p}" for p in window_problems(window)]
    walked = []

    def wait(condition):
        qtbot.waitUntil(condition, timeout=20_000)

    for spec in window.specs:
        pane = open_pane(window, spec.key, wait)
        problems += [f"{spec.title}：{p}" for p in keyboard_problems(window, pane)]
        walked.append(spec.key)
        # every page of the pane's tabs (系统设置's 责任单位 has its own shortcuts)
        for tabs, index in tab_pages(pane, wait):
            title = f"{spec.title}·{tabs.tabText(index)}"
            problems += [f"{title}：{p}" for p in keyboard_problems(window, pane)]
    assert walked == [s.key for s in window.specs]
    assert not problems, "\n".join(problems)


def test_the_checks_find_what_they_look_for(app, qtbot, db):
    """The checker itself: a hidden shortcut, a tooltip that names a missing key, a key with
    two meanings, an action nobody can reach and a button Tab skips are all reported."""
    window = MainWindow(AppContext(db, _actors(db)["city"]))
    qtbot.addWidget(window)
    window.show()
    pane = window.show_pane("overview")
    qtbot.waitUntil(lambda: not getattr(pane, "is_loading", False), timeout=20_000)
    assert keyboard_problems(window, pane) == []
    QShortcut(QKeySequence("Ctrl+K"), pane)
    QShortcut(QKeySequence("F5"), pane)  # the window's 刷新当前页 already has it
    pane.charts_button.setToolTip("打开统计图表（Ctrl+J）")
    QAction("悄悄做点什么", pane)
    pane.report_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    found = "\n".join(keyboard_problems(window, pane))
    assert "快捷键 Ctrl+K 在页面上没有任何提示" in found
    assert "快捷键 F5 有两个用途" in found
    assert "提示写着 Ctrl+J" in found
    assert "操作“悄悄做点什么”既没有快捷键" in found
    assert "按钮不能用 Tab 键到达：阶段报告…" in found


def test_f5_refreshes_the_pane_shown(app, qtbot, db):
    """The window's F5 reaches the pane (a pane's own F5 had made the key do nothing)."""
    window = MainWindow(AppContext(db, _actors(db)["city"]))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    pane = window.show_pane("overview")
    pane.stamp_label.setText("")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: pane.stamp_label.text().startswith("统计时间"))
