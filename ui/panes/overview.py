"""概览: the figures that matter now, as tiles that open exactly the rows they count."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from controllers.overview import SECTIONS, Tile, overview_tiles, scope_title
from ui import events
from ui.panes.base import Pane, pane_header

COLUMNS = 5
TILE_STYLE = """
QFrame#tile { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }
QFrame#tile:hover, QFrame#tile:focus { border: 1px solid palette(highlight); }
QFrame#tile[alert="true"] { border-left: 4px solid #c0392b; }
QFrame#tile[alert="true"] QLabel#tileValue { color: #c0392b; }
"""


class TileWidget(QFrame):
    """One figure; click, Enter or Space opens what it counts."""

    activated = Signal(object)  # the Tile

    def __init__(self, tile: Tile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tile = tile
        self.setObjectName("tile")
        self.setProperty("alert", tile.alert)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        self.title_label = QLabel(tile.title)
        self.title_label.setWordWrap(True)
        self.value_label = QLabel(tile.display)
        self.value_label.setObjectName("tileValue")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.value_label.setFont(font)
        self.note_label = QLabel(tile.note)
        self.note_label.setObjectName("tileNote")
        self.note_label.setWordWrap(True)
        for w in (self.title_label, self.value_label, self.note_label):
            lay.addWidget(w)
        lay.addStretch(1)
        if tile.case_filter is not None:
            self.setToolTip(f"在企业清单中查看这 {tile.value:,} 家企业")
        elif tile.pane:
            self.setToolTip("打开相应页面查看明细")
        self.setAccessibleName(f"{tile.title} {tile.display}")

    def minimumSizeHint(self) -> QSize:
        """Never narrower than its figure: "还有 30 天" in the large font needs more than the
        usual minimum at 150 % (a fixed minimum size would override the layout's own)."""
        return super().minimumSizeHint().expandedTo(QSize(130, 84))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.activated.emit(self.tile)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.tile)
            return
        super().keyPressEvent(event)


class OverviewPane(Pane):
    title = "概览"
    topics = frozenset(
        {events.CASES, events.RETURNS, events.LETTERS, events.ACCOUNTABILITY, events.SPOT_CHECKS}
    )

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.tiles: dict[str, TileWidget] = {}
        self.today: dt.date | None = None  # fixed in tests; None means today
        self.setStyleSheet(TILE_STYLE)
        self.stamp_label = QLabel()
        self.stamp_label.setObjectName("overviewStamp")
        self.charts_button = QPushButton("统计图表")
        self.charts_button.setToolTip("打开月度进展与分类统计图表")
        self.report_button = QPushButton("阶段报告…")
        self.report_button.setToolTip("按所选日期的数据生成阶段工作报告（PDF / Word）")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新统计（F5）")
        top = QHBoxLayout()
        self.header = pane_header("概览", self._subtitle("全市"))
        top.addWidget(self.header, 1)
        for w in (self.stamp_label, self.charts_button, self.report_button, self.refresh_button):
            top.addWidget(w, 0, Qt.AlignmentFlag.AlignBottom)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.grids: dict[str, QGridLayout] = {}
        for section in SECTIONS:
            header = QLabel(section)
            header.setObjectName("overviewSection")
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            grid = QGridLayout()
            grid.setSpacing(10)
            self.grids[section] = grid
            self.body_layout.addWidget(header)
            self.body_layout.addLayout(grid)
        self.body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(scroll, 1)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.charts_button.clicked.connect(lambda: self.navigate("charts"))
        self.report_button.clicked.connect(self.open_report_dialog)

    @staticmethod
    def _subtitle(scope: str) -> str:
        return f"{scope}“散乱污”企业整治工作现状：点击数字查看明细"

    def load(self) -> None:
        scope = self.ctx.call(scope_title, self.ctx.actor)
        self.header.findChild(QLabel, "paneSubtitle").setText(self._subtitle(scope))
        for w in self.tiles.values():
            w.setParent(None)
            w.deleteLater()
        self.tiles.clear()
        counters = dict.fromkeys(SECTIONS, 0)
        for tile in self.ctx.call(overview_tiles, self.ctx.actor, self.today):
            w = TileWidget(tile)
            w.activated.connect(self.open_tile)
            self.tiles[tile.key] = w
            i = counters[tile.section]
            counters[tile.section] += 1
            self.grids[tile.section].addWidget(w, i // COLUMNS, i % COLUMNS)
        self.stamp_label.setText(f"统计时间 {dt.datetime.now():%H:%M}")

    def open_tile(self, tile: Tile) -> None:
        """Open the register on the tile's cases, or the pane that lists its records."""
        if tile.case_filter is not None:
            self.ctx.events.open_register.emit(tile.case_filter)
        elif tile.pane:
            self.ctx.events.open_pane.emit(tile.pane, tile.pane_filter)

    def navigate(self, key: str) -> None:
        """Show another pane of the main window."""
        show_pane = getattr(self.window(), "show_pane", None)
        if show_pane is not None:
            show_pane(key)

    def open_report_dialog(self) -> None:
        from ui.report.dialog import ReportDialog

        ReportDialog(self.ctx, self).open()
