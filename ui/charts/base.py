"""What every chart shares: explicit CJK fonts, a white background, bars that know what
they count (for hover and click), no accidental pan or zoom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent
from PySide6.QtWidgets import QToolTip, QWidget

from controllers.stats.palette import GRID_COLOR, TEXT_COLOR
from ui.fonts import ensure_cjk_family, font_families


def chart_font(point_size: float = 9.0, *, bold: bool = False) -> QFont:
    """A CJK font for chart text (Chinese labels must not fall back to boxes)."""
    font = QFont()
    font.setFamilies(font_families(ensure_cjk_family()))
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


@dataclass(frozen=True)
class BarRef:
    """One drawn bar (or stacked segment): what it counts and where it is (view coords)."""

    series: str  # monthly series key, or a status code for stacked bars
    index: int  # category (month or unit …) index
    key: Any  # the category's key (month date, unit id, code …)
    value: int
    x0: float
    x1: float
    y0: float
    y1: float

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


class ChartView(pg.PlotWidget):
    """A static chart: hover shows exact values, clicking a bar emits what it counts."""

    #: the hover text (empty when leaving a bar)
    hovered = Signal(str)
    #: a BarRef
    bar_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("chartView")
        self.bars: list[BarRef] = []
        self.title = ""
        self.font_small = chart_font(9)
        self.font_title = chart_font(11, bold=True)
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.showGrid(x=False, y=True, alpha=0.25)
        for name in ("left", "bottom", "right"):
            axis = item.getAxis(name)
            axis.setTickFont(self.font_small)
            axis.setPen(pg.mkPen(TEXT_COLOR))
            axis.setTextPen(pg.mkPen(TEXT_COLOR))
            axis.label.setFont(self.font_small)
            # never "(x0.001)" or "(x1000)" after a label: the ticks say what they are
            axis.enableAutoSIPrefix(False)
        item.titleLabel.item.setFont(self.font_title)
        self.grid_pen = pg.mkPen(GRID_COLOR)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        # pyqtgraph's own (English) "Export..." is not offered: the pane has its exports
        for action in self.scene().contextMenu:
            action.setParent(None)  # then owned by the list below alone, and freed with it
        self.scene().contextMenu = []
        self._last_hover = ""

    # -- drawing helpers ------------------------------------------------------------------
    def set_title(self, text: str) -> None:
        self.title = text
        self.getPlotItem().setTitle(text, color=TEXT_COLOR, size="11pt")
        self.getPlotItem().titleLabel.item.setFont(self.font_title)

    def set_axis_label(self, name: str, text: str) -> None:
        axis = self.getPlotItem().getAxis(name)
        axis.setLabel(text, color=TEXT_COLOR)
        axis.label.setFont(self.font_small)

    def make_legend(self, columns: int) -> pg.LegendItem:
        """A legend in one row under the plot, never over the data."""
        item = self.getPlotItem()
        legend = pg.LegendItem(
            offset=None,
            colCount=columns,
            labelTextSize="9pt",
            labelTextColor=TEXT_COLOR,
            frame=False,
        )
        legend.setParentItem(item)
        # pyqtgraph keeps legends at screen size; an exported chart must scale it too
        legend.setFlag(legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
        item.layout.addItem(legend, 4, 1, alignment=pg.QtCore.Qt.AlignmentFlag.AlignHCenter)
        return legend

    def prepare_export(self, scale: float) -> None:
        """Called before rendering at ``scale`` × screen size (thicken lines to match)."""

    def finish_export(self) -> None:
        """Called after an export render."""

    def style_legend(self, legend: pg.LegendItem) -> None:
        for _sample, label in legend.items:
            label.item.setFont(self.font_small)
            label.item.setDefaultTextColor(QColor(TEXT_COLOR))
        legend.updateSize()

    def text_width(self, text: str) -> int:
        return QFontMetrics(self.font_small).horizontalAdvance(text)

    def label_height(self) -> int:
        """The height of a line of axis text (an axis title turned on its side)."""
        return QFontMetrics(self.font_small).height()

    # -- hover and click ----------------------------------------------------------------
    def bar_at(self, scene_pos: QPointF) -> BarRef | None:
        """The bar under a scene position, if any."""
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        for bar in self.bars:
            if bar.contains(p.x(), p.y()):
                return bar
        return None

    def hover_text(self, scene_pos: QPointF) -> str:
        """The exact values shown for a position ("" outside the data)."""
        bar = self.bar_at(scene_pos)
        return self.describe(bar) if bar is not None else ""

    def describe(self, bar: BarRef) -> str:
        return f"{bar.value:,}"

    def view_point(self, bar: BarRef) -> QPointF:
        """The widget (viewport) position of the centre of a bar, for tests and tooltips."""
        vb = self.getPlotItem().getViewBox()
        scene = vb.mapViewToScene(QPointF((bar.x0 + bar.x1) / 2, (bar.y0 + bar.y1) / 2))
        return self.mapFromScene(scene).toPointF()

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:
        super().mouseMoveEvent(ev)
        # every move, not pyqtgraph's rate-limited scene signal: the text must match where
        # the pointer came to rest
        pos = ev.position().toPoint()
        self._on_mouse_moved(self.mapToScene(pos), pos)

    def leaveEvent(self, ev: QEvent) -> None:
        super().leaveEvent(ev)
        self._on_mouse_moved(QPointF(-1e9, -1e9), None)

    def _on_mouse_moved(self, scene_pos: QPointF, pos: QPoint | None) -> None:
        text = self.hover_text(scene_pos)
        if text and pos is not None:
            # the exact value beside the pointer, at once (not only in the status line)
            QToolTip.showText(self.viewport().mapToGlobal(pos) + QPoint(14, 18), text,
                              self.viewport())  # fmt: skip
        elif not text:
            QToolTip.hideText()
        if text == self._last_hover:
            return
        self._last_hover = text
        self.viewport().setToolTip(text)
        self.hovered.emit(text)

    def _on_mouse_clicked(self, event: Any) -> None:
        if event.button() != pg.QtCore.Qt.MouseButton.LeftButton:
            return
        bar = self.bar_at(event.scenePos())
        if bar is not None:
            self.bar_clicked.emit(bar)
