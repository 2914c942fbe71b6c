"""Stacked horizontal bars: cases by status per unit, classification, industry or source,
with each bar's completion rate at its end."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from controllers.stats.breakdowns import Breakdown, Category
from controllers.stats.palette import STATUS_COLORS
from controllers.stats.rates import rate_text
from models.codes import CaseStatus
from ui.charts.base import BarRef, ChartView

BAR_HEIGHT = 0.7


class StackedBarChart(ChartView):
    """One bar per category, one coloured segment per status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stackedChart")
        self.breakdown: Breakdown | None = None
        item = self.getPlotItem()
        item.showGrid(x=True, y=False, alpha=0.25)
        self.set_axis_label("bottom", "企业数（家）")
        item.showAxis("right")
        self.set_axis_label("right", "完成率")
        self.legend = self.make_legend(5)
        self._items: list[pg.GraphicsObject] = []

    def set_breakdown(self, data: Breakdown, title: str | None = None) -> None:
        """Draw ``data`` (replacing what was drawn)."""
        self.breakdown = data
        item = self.getPlotItem()
        for old in self._items:
            item.removeItem(old)
        self._items.clear()
        self.legend.clear()
        self.bars = []
        self.set_title(title or f"{data.title}统计（按整治状态）")
        cats = data.categories
        n = len(cats)
        ys = np.array([n - 1 - i for i in range(n)], dtype=float)
        left = np.zeros(n)
        for status in data.statuses:
            counts = np.array([c.counts.get(status.value, 0) for c in cats], dtype=float)
            bar_item = pg.BarGraphItem(
                x0=left.copy(),
                y=ys,
                width=counts,
                height=BAR_HEIGHT,
                brush=pg.mkBrush(STATUS_COLORS[status.value]),
                pen=pg.mkPen(None),
            )
            item.addItem(bar_item)
            self._items.append(bar_item)
            self.legend.addItem(bar_item, status.label)
            for i, cat in enumerate(cats):
                value = int(counts[i])
                if value:
                    x0 = float(left[i])
                    y0 = float(ys[i]) - BAR_HEIGHT / 2
                    bar = BarRef(
                        status.value, i, cat.key, value, x0, x0 + value, y0, y0 + BAR_HEIGHT
                    )
                    self.bars.append(bar)
            left += counts
        widest = max(left) if n else 0
        self.style_legend(self.legend)
        axis = item.getAxis("left")
        axis.setTicks([[(float(ys[i]), c.label) for i, c in enumerate(cats)], []])
        axis.setWidth(max([self.text_width(c.label) for c in cats] + [40]) + 14)
        # each bar's completion rate, level with it on the right-hand axis
        rates = [(float(ys[i]), rate_text(c.rate)) for i, c in enumerate(cats)]
        right = item.getAxis("right")
        right.setTicks([rates, []])
        right.setWidth(self.text_width("100.0%") + self.label_height() + 22)
        item.setXRange(0, max(widest, 1) * 1.04, padding=0)
        item.setYRange(-0.6, max(n, 1) - 0.4, padding=0)

    def describe(self, bar: BarRef) -> str:
        assert self.breakdown is not None
        cat: Category = self.breakdown.categories[bar.index]
        rate = rate_text(cat.rate)
        return (
            f"{cat.full_label}：{CaseStatus.label_of(bar.series)} {bar.value:,} 家"
            f"（合计 {cat.total:,} 家，完成率 {rate}）"
        )

    def category_text(self, index: int) -> str:
        """Every status of one category (for the status line)."""
        assert self.breakdown is not None
        cat = self.breakdown.categories[index]
        parts = [f"{s.label} {cat.counts.get(s.value, 0):,}" for s in self.breakdown.statuses]
        return f"{cat.full_label}：" + "，".join(parts)
