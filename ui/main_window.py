"""The main window: it only assembles the panes, the menus and the status bar."""

from __future__ import annotations

import logging

from PySide6.QtCore import QPoint, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from controllers.permissions import Permission, can
from ui.about_dialog import AboutDialog
from ui.busy import wait_cursor
from ui.charts.preload import schedule_preload
from ui.context import AppContext
from ui.panes import PANES, PaneSpec
from ui.panes.base import Pane
from ui.restart import request_restart

logger = logging.getLogger(__name__)

SETTINGS_GROUP = "MainWindow"
#: the window's size on a screen it has not been shown on yet (it is then fitted to the screen)
DEFAULT_SIZE = QSize(1280, 800)
#: permissions that change business data: a role with none of them only reads
WRITE_PERMISSIONS = frozenset({
    Permission.EDIT_CASES, Permission.CLOSE_CASES, Permission.SUBMIT_RETURNS,
    Permission.REVIEW_RETURNS, Permission.MANAGE_LETTERS, Permission.MANAGE_CAMPAIGNS,
    Permission.EDIT_SPOT_CHECKS, Permission.EDIT_ACCOUNTABILITY, Permission.MANAGE_USERS,
    Permission.MANAGE_SETTINGS, Permission.BACKUP,
})  # fmt: skip


def is_read_only(actor) -> bool:
    """True for a role that may change nothing (a leader, an auditor)."""
    return not any(can(actor, p) for p in WRITE_PERMISSIONS)


def screen_key(screen: QScreen | None) -> str:
    """Names a screen by its name and size: the layout is remembered per screen."""
    if screen is None:
        return "none"
    size = screen.size()
    name = "".join(ch if ch.isalnum() else "_" for ch in screen.name()) or "screen"
    return f"{name}_{size.width()}x{size.height()}"


class MainWindow(QMainWindow):
    """Navigation on the left, the current pane on the right."""

    pane_changed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("MainWindow")
        self.read_only = is_read_only(ctx.actor)
        self.setWindowTitle("散乱污整治管理台" + ("（只读）" if self.read_only else ""))
        self.specs: list[PaneSpec] = [s for s in PANES if s.visible_to(ctx.actor)]
        self.panes: dict[str, Pane] = {}
        self._placeholders: dict[str, QWidget] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setMinimumWidth(112)  # the longest title and its icon: fits 150 % on 1366 px
        self.nav.setMaximumWidth(220)
        self.stack = QStackedWidget()
        style = self.style()
        for spec in self.specs:
            item = QListWidgetItem(style.standardIcon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setSizeHint(QSize(0, 36))
            self.nav.addItem(item)
            placeholder = QWidget()
            self._placeholders[spec.key] = placeholder
            self.stack.addWidget(placeholder)
        self.splitter = QSplitter()
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([160, 1000])
        central = QWidget()
        self.banner_area = QVBoxLayout(central)  # e.g. the lost-connection banner
        self.banner_area.setContentsMargins(0, 0, 0, 0)
        self.banner_area.setSpacing(0)
        self.banner_area.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.db_label = QLabel(f"数据库：{ctx.database.info.display}")
        mark = "，只读" if self.read_only else ""
        self.user_label = QLabel(f"用户：{ctx.actor.label}（{ctx.actor.role.label}{mark}）")
        self.statusBar().addPermanentWidget(self.db_label)
        self.statusBar().addPermanentWidget(self.user_label)
        self._build_menus()
        self._connect_callbacks()
        self.restore_layout()
        schedule_preload()  # the chart library, once the window is idle

    # -- construction ---------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = file_menu = bar.addMenu("文件(&F)")
        self.quit_action = QAction("退出(&X)", self, shortcut=QKeySequence("Ctrl+Q"))
        file_menu.addAction(self.quit_action)
        view_menu = bar.addMenu("视图(&V)")
        self.pane_actions: list[QAction] = []
        for i, spec in enumerate(self.specs, start=1):
            # Ctrl+1 … Ctrl+9, then Ctrl+0 for a tenth pane (the auditor has ten)
            key = QKeySequence(f"Ctrl+{i % 10}") if i <= 10 else QKeySequence()
            action = QAction(spec.title, self, shortcut=key)
            action.setData(spec.key)
            view_menu.addAction(action)
            self.pane_actions.append(action)
        view_menu.addSeparator()
        self.refresh_action = QAction("刷新当前页(&R)", self, shortcut=QKeySequence("F5"))
        view_menu.addAction(self.refresh_action)
        help_menu = bar.addMenu("帮助(&H)")
        self.about_action = QAction("关于(&A)", self, shortcut=QKeySequence("F1"))
        help_menu.addAction(self.about_action)

    def _connect_callbacks(self) -> None:
        self.nav.currentRowChanged.connect(self._on_nav_row)
        self.ctx.events.changed.connect(self._on_data_changed)
        self.ctx.events.open_register.connect(self.open_register)
        self.ctx.events.open_pane.connect(self.open_pane)
        self.ctx.events.restart_requested.connect(self.restart_application)
        self.quit_action.triggered.connect(self.close)
        self.refresh_action.triggered.connect(self.refresh_current)
        self.about_action.triggered.connect(self.show_about)
        for action in self.pane_actions:
            action.triggered.connect(lambda _=False, a=action: self.show_pane(a.data()))

    # -- panes ----------------------------------------------------------------------
    def pane(self, key: str) -> Pane:
        """The pane for a key, created on first use."""
        if key not in self.panes:
            spec = next(s for s in self.specs if s.key == key)
            pane = spec.load()(self.ctx)
            pane.setObjectName(f"pane_{key}")
            placeholder = self._placeholders.pop(key)
            index = self.stack.indexOf(placeholder)
            self.stack.insertWidget(index, pane)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.panes[key] = pane
        return self.panes[key]

    def show_pane(self, key: str) -> Pane:
        row = next(i for i, s in enumerate(self.specs) if s.key == key)
        if self.nav.currentRow() != row:
            self.nav.setCurrentRow(row)  # → _on_nav_row
        return self.panes[key]

    def current_key(self) -> str:
        row = self.nav.currentRow()
        return self.specs[row].key if row >= 0 else ""

    def _on_nav_row(self, row: int) -> None:
        if row < 0:
            return
        key = self.specs[row].key
        with wait_cursor():
            pane = self.pane(key)
            self.stack.setCurrentWidget(pane)
            pane.activate()
        self.pane_changed.emit(key)

    def open_register(self, case_filter: object) -> None:
        """Show the register narrowed to ``case_filter`` (a CaseFilter), e.g. from a tile."""
        pane = self.show_pane("register")
        apply_filter = getattr(pane, "apply_filter", None)
        if apply_filter is not None:
            apply_filter(case_filter)

    def open_pane(self, key: str, pane_filter: object = None) -> None:
        """Show a pane narrowed to ``pane_filter`` (e.g. the letters not back, from a tile)."""
        if key not in {spec.key for spec in self.specs}:
            return  # not available to this clerk's role
        pane = self.show_pane(key)
        apply = getattr(pane, "apply_named_filter", None)
        if pane_filter is not None and apply is not None:
            apply(pane_filter)

    def _on_data_changed(self, topics: frozenset[str]) -> None:
        for pane in self.panes.values():
            pane.on_data_changed(topics)

    def refresh_current(self) -> None:
        key = self.current_key()
        if key in self.panes:
            self.panes[key].refresh()

    def add_banner(self, banner: QWidget) -> None:
        """Show a strip (hidden until needed) above the panes."""
        self.banner_area.insertWidget(self.banner_area.count() - 1, banner)

    def show_about(self) -> None:
        AboutDialog(self.ctx, self).open()

    # -- layout memory --------------------------------------------------------------
    def restore_layout(self) -> None:
        s = QSettings()
        s.beginGroup(SETTINGS_GROUP)
        # the screen it was last closed on, if still connected (a laptop docked or not)
        screens = {screen_key(sc): sc for sc in QGuiApplication.screens()}
        screen = screens.get(s.value("screen", "")) or QGuiApplication.primaryScreen()
        geometry = s.value(f"geometry/{screen_key(screen)}")
        if geometry is None or not self.restoreGeometry(geometry):
            self.fit_to_screen(screen)
        state = s.value("state")
        if state is not None:
            self.restoreState(state)
        splitter = s.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        last = s.value("pane", "overview")
        s.endGroup()
        keys = [spec.key for spec in self.specs]
        self.show_pane(last if last in keys else keys[0])

    def save_layout(self) -> None:
        s = QSettings()
        s.beginGroup(SETTINGS_GROUP)
        s.setValue(f"geometry/{screen_key(self.screen())}", self.saveGeometry())
        s.setValue("screen", screen_key(self.screen()))
        s.setValue("state", self.saveState())
        s.setValue("splitter", self.splitter.saveState())
        s.setValue("pane", self.current_key())
        s.endGroup()
        s.sync()

    def fit_to_screen(self, screen: QScreen | None) -> None:
        """The default size, made smaller to fit the screen's free area, centred on it."""
        if screen is None:
            self.resize(DEFAULT_SIZE)
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar and borders
        size = DEFAULT_SIZE.boundedTo(area.size() - frame)
        self.resize(size)
        self.move(area.center() - QPoint(size.width() // 2, size.height() // 2))

    def restart_application(self) -> None:
        """Close the window; the application then starts again (after a restore)."""
        request_restart()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(event)
