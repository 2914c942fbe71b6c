"""What every pane shares: a title, lazy first load, refresh; and a simple list pane."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from controllers.listings import Listing
from ui.context import AppContext
from ui.listing_model import ListingModel

logger = logging.getLogger(__name__)


class Pane(QWidget):
    """A page of the main window. ``load()`` runs the first time it is shown."""

    title = ""
    #: change topics (ui.events) that make this pane's data stale
    topics: frozenset[str] = frozenset()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._loaded = False
        self._stale = False

    def activate(self) -> None:
        """Called each time the pane is shown."""
        if not self._loaded or self._stale:
            self._loaded = True
            self._stale = False
            self.load()

    def on_data_changed(self, topics: frozenset[str]) -> None:
        """Reload now if shown, else on the next show, when a topic concerns this pane."""
        if not self._loaded or not (topics & self.topics):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def load(self) -> None:
        """Fill the pane from the database (first show and refresh)."""

    def refresh(self) -> None:
        self.load()


def pane_header(title: str, subtitle: str = "") -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 4)
    label = QLabel(title)
    label.setObjectName("paneTitle")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    label.setFont(font)
    lay.addWidget(label)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setObjectName("paneSubtitle")
        sub.setWordWrap(True)
        lay.addWidget(sub)
    return box


def scrolled(content: QWidget) -> QScrollArea:
    """``content`` filling the room it gets, and scrolled when it needs more (a page of
    settings on a small or scaled screen)."""
    area = QScrollArea()
    area.setObjectName(f"{content.objectName() or 'content'}Scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


class ListPane(Pane):
    """A titled, sortable, read-only table filled by a controller's listing function."""

    subtitle = ""
    loader: Callable[..., Listing]  # loader(session, actor=…): narrowed to the actor's unit
    #: named views: key → (label, extra keyword arguments of the loader); first is the default
    views: ClassVar[dict[str, tuple[str, dict]]] = {}

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = ListingModel(parent=self)
        self.view_combo = QComboBox()
        self.view_combo.setObjectName("viewCombo")
        for key, (label, _kwargs) in self.views.items():
            self.view_combo.addItem(label, key)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.count_label = QLabel()
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新读取数据库（F5）")
        top = QHBoxLayout()
        top.addWidget(pane_header(self.title, self.subtitle), 1)
        if len(self.views) > 1:
            top.addWidget(QLabel("显示："), 0, Qt.AlignmentFlag.AlignBottom)
            top.addWidget(self.view_combo, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignBottom)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.view_combo.currentIndexChanged.connect(lambda _i: self._loaded and self.refresh())

    def current_view(self) -> str | None:
        return self.view_combo.currentData()

    def apply_named_filter(self, key: object) -> None:
        """Show a named view (e.g. "pending"), as an overview tile asks."""
        index = self.view_combo.findData(key)
        if index >= 0 and index != self.view_combo.currentIndex():
            self.view_combo.setCurrentIndex(index)  # reloads when already loaded
        self.activate()

    def load(self) -> None:
        _label, kwargs = self.views.get(self.current_view() or "", ("", {}))
        listing = self.ctx.call(type(self).loader, actor=self.ctx.actor, **kwargs)
        self.model.set_listing(listing)
        self.count_label.setText(f"共 {len(listing.rows):,} 条")
        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            # Size from the header and the first rows only, never the whole table.
            width = max(header.sectionSizeHint(col), self.table.sizeHintForColumn(col))
            header.resizeSection(col, min(max(width + 16, 70), 360))
