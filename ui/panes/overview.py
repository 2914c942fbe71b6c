"""概览: the figures that matter now, as tiles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from controllers.overview import Tile, overview_tiles
from ui import events
from ui.panes.base import Pane, pane_header

COLUMNS = 4


class TileWidget(QFrame):
    def __init__(self, tile: Tile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumSize(150, 110)
        lay = QVBoxLayout(self)
        self.title_label = QLabel(tile.title)
        self.value_label = QLabel(tile.value)
        self.value_label.setObjectName("tileValue")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.value_label.setFont(font)
        self.note_label = QLabel(tile.note)
        self.note_label.setObjectName("tileNote")
        self.note_label.setWordWrap(True)
        for w in (self.title_label, self.value_label, self.note_label):
            lay.addWidget(w)
        lay.addStretch(1)


class OverviewPane(Pane):
    title = "概览"
    topics = frozenset(
        {events.CASES, events.RETURNS, events.LETTERS, events.ACCOUNTABILITY, events.SPOT_CHECKS}
    )

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.grid = QGridLayout()
        self.grid.setSpacing(12)
        lay = QVBoxLayout(self)
        lay.addWidget(pane_header("概览", "全市“散乱污”企业整治工作现状"))
        lay.addLayout(self.grid)
        lay.addStretch(1)
        self.tiles: dict[str, TileWidget] = {}

    def load(self) -> None:
        for w in self.tiles.values():
            w.setParent(None)
            w.deleteLater()
        self.tiles.clear()
        for i, tile in enumerate(self.ctx.call(overview_tiles, actor=self.ctx.actor)):
            w = TileWidget(tile)
            self.tiles[tile.key] = w
            self.grid.addWidget(w, i // COLUMNS, i % COLUMNS, Qt.AlignmentFlag.AlignTop)
