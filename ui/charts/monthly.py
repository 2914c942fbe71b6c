"""Monthly progress: grouped bars per month and the cumulative completion rate on a second
(right-hand) axis."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from controllers.stats.monthly import RATE_LABEL, SERIES, MonthlySeries
from controllers.stats.palette import RATE_COLOR, SERIES_COLORS
from controllers.stats.periods import month_label
from controllers.stats.rates import rate_text
from ui.charts.base import BarRef, ChartView

BAR_WIDTH = 0.2
#: a bar shorter than this share of the tallest one has its value written above it
SMALL_BAR_SHARE = 0.03
RATE_PEN_WIDTH = 2


class MonthlyChart(ChartView):
    """新发现 / 完成整治 / 销号 / 反弹 per month; 累计完成率 as a line on the right axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monthlyChart")
        self.series: MonthlySeries | None = None
        item = self.getPlotItem()
        self.rate_box = pg.ViewBox(enableMenu=False)
        self.rate_box.setMouseEnabled(x=False, y=False)
        item.showAxis("right")
        item.scene().addItem(self.rate_box)
        right = item.getAxis("right")
        right.linkToView(self.rate_box)
        self.rate_box.setXLink(item)
        self.rate_box.setYRange(0, 105, padding=0)
        item.getViewBox().sigResized.connect(self._sync_rate_box)
        self.set_axis_label("left", "企业数（家）")
        self.set_axis_label("right", f"{RATE_LABEL}（%）")
        # a fixed 0–100% axis with room for its ticks and its title
        right.setWidth(self.text_width("100%") + self.label_height() + 22)
        self.legend = self.make_legend(5)
        self.rate_curve: pg.PlotDataItem | None = None
        self._bar_items: list[pg.BarGraphItem] = []
        #: the values written on bars too small to read beside the others
        self.value_labels: list[pg.TextItem] = []

    def prepare_export(self, scale: float) -> None:
        if self.rate_curve is not None:
            self.rate_curve.setPen(pg.mkPen(RATE_COLOR, width=RATE_PEN_WIDTH * scale))

    def finish_export(self) -> None:
        if self.rate_curve is not None:
            self.rate_curve.setPen(pg.mkPen(RATE_COLOR, width=RATE_PEN_WIDTH))

    def _sync_rate_box(self) -> None:
        vb = self.getPlotItem().getViewBox()
        self.rate_box.setGeometry(vb.sceneBoundingRect())
        self.rate_box.linkedViewChanged(vb, self.rate_box.XAxis)

    def set_series(self, series: MonthlySeries, title: str = "月度整治进展") -> None:
        """Draw ``series`` (replacing what was drawn)."""
        self.series = series
        item = self.getPlotItem()
        for bar_item in self._bar_items:
            item.removeItem(bar_item)
        self._bar_items.clear()
        if self.rate_curve is not None:
            self.rate_box.removeItem(self.rate_curve)
            self.rate_curve = None
        self.legend.clear()
        for label in self.value_labels:
            item.removeItem(label)
        self.value_labels.clear()
        self.bars = []
        self.set_title(title)
        n = len(series.months)
        xs = np.arange(n, dtype=float)
        top = 0
        offsets = [(-1.5 + k) * BAR_WIDTH for k in range(len(SERIES))]
        for (key, label), offset in zip(SERIES.items(), offsets, strict=True):
            values = series.values(key)
            top = max([top, *values])
            bar_item = pg.BarGraphItem(
                x=xs + offset,
                height=np.array(values, dtype=float),
                width=BAR_WIDTH * 0.95,
                brush=pg.mkBrush(SERIES_COLORS[key]),
                pen=pg.mkPen(None),
            )
            item.addItem(bar_item)
            self._bar_items.append(bar_item)
            self.legend.addItem(bar_item, label)
            for i, value in enumerate(values):
                x0 = i + offset - BAR_WIDTH / 2
                self.bars.append(
                    BarRef(key, i, series.months[i], value, x0, x0 + BAR_WIDTH, 0.0, float(value))
                )
        rates = [r * 100 if r is not None else np.nan for r in series.cumulative_rate]
        self.rate_curve = pg.PlotDataItem(
            xs,
            np.array(rates, dtype=float),
            pen=pg.mkPen(RATE_COLOR, width=RATE_PEN_WIDTH),
            symbol="o",
            symbolSize=5,
            symbolBrush=pg.mkBrush(RATE_COLOR),
            symbolPen=pg.mkPen(RATE_COLOR),
            connect="finite",
        )
        self.rate_box.addItem(self.rate_curve)
        self.legend.addItem(self.rate_curve, RATE_LABEL)
        self.style_legend(self.legend)
        self._label_small_bars(max(top, 1))
        item.setYRange(0, max(top, 1) * 1.08, padding=0)
        item.setXRange(-0.9, max(n - 0.1, 0.9), padding=0)
        self.rate_box.setYRange(0, 105, padding=0)
        step = max(1, math.ceil(n / 12))
        major = [
            (i, month_label(m, short=True)) for i, m in enumerate(series.months) if i % step == 0
        ]
        minor = [(i, "") for i in range(n) if i % step]
        bottom = item.getAxis("bottom")
        bottom.setTicks([major, minor])
        bottom.setStyle(hideOverlappingLabels=False)  # keep the first month's label
        item.getAxis("right").setTicks([[(v, f"{v}%") for v in range(0, 101, 20)], []])
        self._sync_rate_box()

    def _label_small_bars(self, top: int) -> None:
        """Write the value above every bar too short to read beside the others (a few new
        sites or relapses next to thousands closed out)."""
        item = self.getPlotItem()
        stacked: dict[int, int] = {}  # labels already written in a month: the next goes higher
        for bar in self.bars:
            if not 0 < bar.value < top * SMALL_BAR_SHARE:
                continue
            level = stacked.get(bar.index, 0)
            stacked[bar.index] = level + 1
            label = pg.TextItem(f"{bar.value:,}", color=SERIES_COLORS[bar.series],
                                anchor=(0.5, 1.0 + level))  # fmt: skip
            label.setFont(self.font_small)
            label.setPos((bar.x0 + bar.x1) / 2, bar.y1)
            item.addItem(label)
            self.value_labels.append(label)

    def month_at(self, x: float) -> int | None:
        """The month index whose column holds view x."""
        if self.series is None:
            return None
        i = round(x)
        return i if 0 <= i < len(self.series.months) and abs(x - i) <= 0.5 else None

    def hover_text(self, scene_pos) -> str:
        """Every value of the month under the cursor (and which bar, if on one)."""
        if self.series is None:
            return ""
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return ""
        i = self.month_at(vb.mapSceneToView(scene_pos).x())
        if i is None:
            return ""
        return self.month_text(i)

    def month_text(self, i: int) -> str:
        s = self.series
        assert s is not None
        parts = [f"{label} {s.values(key)[i]:,} 家" for key, label in SERIES.items()]
        rate = s.cumulative_rate[i]
        parts.append(f"{RATE_LABEL} {rate_text(rate)}")
        return f"{month_label(s.months[i])}：" + "，".join(parts)

    def describe(self, bar: BarRef) -> str:
        return self.month_text(bar.index)
