"""统计图表: monthly progress and cases by status per unit, classification, industry and
source — filtered by period, units and classification; hover for exact values, click a bar
to open the register on those cases, export to PNG/PDF or copy to the clipboard."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from PySide6.QtCore import QDate, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from controllers.stats import (
    StatsFilter,
    breakdown,
    month_end,
    month_start,
    monthly_bar_filter,
    monthly_series,
    segment_filter,
)
from controllers.stats.exports import check_export, record_chart_export
from controllers.stats.filters import filter_units
from models.codes import Classification
from ui import events, file_dialogs
from ui.busy import wait_cursor
from ui.charts.base import BarRef, ChartView
from ui.charts.export import copy_to_clipboard, save_pdf, save_png
from ui.charts.monthly import MonthlyChart
from ui.charts.stacked import StackedBarChart
from ui.operations import show_error
from ui.panes.base import Pane, pane_header

logger = logging.getLogger(__name__)

#: tab key → tab title; "monthly" first, the rest are breakdown dimensions
TABS = {
    "monthly": "月度进展",
    "unit": "按责任单位",
    "classification": "按整治类型",
    "industry": "按行业",
    "source": "按发现来源",
}
SETTINGS_GROUP = "ChartsPane"


class CheckMenu(QMenu):
    """A menu of check boxes that stays open while the clerk ticks several."""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.activeAction()
        if action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class ChartsPane(Pane):
    title = "统计图表"
    topics = frozenset({events.CASES, events.UNITS})

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.today: dt.date | None = None  # fixed in tests; None means today
        self.charts: dict[str, ChartView] = {}
        self._drawn: set[str] = set()  # tabs drawn with the filter in force
        self.unit_actions: dict[int, QAction] = {}

        # filters
        self.all_periods = QCheckBox("全部期间")
        self.all_periods.setChecked(True)
        self.all_periods.setToolTip("不限期间：月度图显示最近 36 个月，分类统计包含全部企业")
        today = QDate.currentDate()
        self.from_edit = QDateEdit(QDate(today.year(), today.month(), 1).addMonths(-11))
        self.to_edit = QDateEdit(QDate(today.year(), today.month(), 1))
        for edit in (self.from_edit, self.to_edit):
            edit.setDisplayFormat("yyyy年MM月")
            edit.setEnabled(False)
        self.units_button = QToolButton()
        self.units_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.units_menu = CheckMenu(self.units_button)
        self.units_button.setMenu(self.units_menu)
        self.units_button.setText("全部单位")
        self.class_combo = QComboBox()
        self.class_combo.addItem("全部整治类型", None)
        for member in Classification:
            self.class_combo.addItem(member.label, member.value)
        self.reset_button = QPushButton("重置")
        self.reset_button.setToolTip("清除所有筛选条件")

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.pages: dict[str, QWidget] = {}
        for key, label in TABS.items():
            page = QWidget()
            QVBoxLayout(page).setContentsMargins(0, 4, 0, 0)
            self.pages[key] = page
            self.tabs.addTab(page, label)

        self.hover_label = QLabel("将鼠标移到柱形上查看数值，点击柱形在企业清单中查看这些企业")
        self.hover_label.setObjectName("chartHover")
        self.hover_label.setWordWrap(True)
        self.copy_button = QPushButton("复制图表")
        self.copy_button.setToolTip("复制为图片，可直接粘贴到 WPS / Word（Ctrl+Shift+C）")
        self.png_button = QPushButton("导出 PNG…")
        self.png_button.setToolTip("导出为 300 dpi 的图片，适合打印")
        self.pdf_button = QPushButton("导出 PDF…")
        self.report_button = QPushButton("阶段报告…")
        self.report_button.setToolTip("按所选日期的数据生成阶段工作报告（PDF / Word）")

        top = QHBoxLayout()
        top.addWidget(pane_header("统计图表", "月度进展与分类统计，数据来自企业清单"), 1)
        top.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignBottom)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("期间："))
        filters.addWidget(self.all_periods)
        filters.addWidget(self.from_edit)
        filters.addWidget(QLabel("至"))
        filters.addWidget(self.to_edit)
        filters.addSpacing(12)
        filters.addWidget(QLabel("单位："))
        filters.addWidget(self.units_button)
        filters.addSpacing(12)
        filters.addWidget(self.class_combo)
        filters.addWidget(self.reset_button)
        filters.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hover_label, 1)
        for w in (self.copy_button, self.png_button, self.pdf_button):
            bottom.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(filters)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(bottom)

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(150)
        self._connect_callbacks()
        self._restore_settings()

    def _connect_callbacks(self) -> None:
        self.all_periods.toggled.connect(self._on_period_mode)
        self.from_edit.dateChanged.connect(self._filters_changed)
        self.to_edit.dateChanged.connect(self._filters_changed)
        self.class_combo.currentIndexChanged.connect(self._filters_changed)
        self.reset_button.clicked.connect(self.reset_filters)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._redraw_timer.timeout.connect(self.draw_current)
        self.copy_button.clicked.connect(self.copy_chart)
        self.png_button.clicked.connect(lambda: self.choose_and_export("png"))
        self.pdf_button.clicked.connect(lambda: self.choose_and_export("pdf"))
        self.report_button.clicked.connect(self.open_report_dialog)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self, activated=self.copy_chart)

    # -- filters --------------------------------------------------------------------------
    def stats_filter(self) -> StatsFilter:
        """The filter the clerk has set."""
        start = end = None
        if not self.all_periods.isChecked():
            start = month_start(self.from_edit.date().toPython())
            end = month_end(self.to_edit.date().toPython())
        units = frozenset(uid for uid, a in self.unit_actions.items() if a.isChecked())
        code = self.class_combo.currentData()
        return StatsFilter(
            start=start,
            end=end,
            unit_ids=units,
            classifications=frozenset({code}) if code else frozenset(),
        )

    def set_filter(self, flt: StatsFilter) -> None:
        """Show ``flt`` in the filter widgets (and redraw)."""
        blockers = [self.all_periods, self.from_edit, self.to_edit, self.class_combo]
        for w in blockers:
            w.blockSignals(True)
        self.all_periods.setChecked(flt.start is None and flt.end is None)
        self.from_edit.setEnabled(not self.all_periods.isChecked())
        self.to_edit.setEnabled(not self.all_periods.isChecked())
        if flt.start:
            self.from_edit.setDate(QDate(flt.start))
        if flt.end:
            self.to_edit.setDate(QDate(flt.end))
        for uid, action in self.unit_actions.items():
            action.setChecked(uid in flt.unit_ids)
        code = next(iter(flt.classifications), None)
        self.class_combo.setCurrentIndex(max(self.class_combo.findData(code), 0))
        for w in blockers:
            w.blockSignals(False)
        self._update_units_text()
        self._filters_changed()

    def reset_filters(self) -> None:
        self.set_filter(StatsFilter())

    def _on_period_mode(self, all_periods: bool) -> None:
        self.from_edit.setEnabled(not all_periods)
        self.to_edit.setEnabled(not all_periods)
        self._filters_changed()

    def _fill_units(self) -> None:
        chosen = {uid for uid, a in self.unit_actions.items() if a.isChecked()}
        self.units_menu.clear()
        self.unit_actions.clear()
        clear = self.units_menu.addAction("全部单位（清除选择）")
        clear.triggered.connect(self._clear_units)
        self.units_menu.addSeparator()
        for uid, name in self.ctx.call(filter_units, self.ctx.actor):
            action = self.units_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(uid in chosen)
            action.toggled.connect(self._on_unit_toggled)
            self.unit_actions[uid] = action
        self._update_units_text()

    def _clear_units(self) -> None:
        for action in self.unit_actions.values():
            action.blockSignals(True)
            action.setChecked(False)
            action.blockSignals(False)
        self._on_unit_toggled()

    def _on_unit_toggled(self, *_args: object) -> None:
        self._update_units_text()
        self._filters_changed()

    def _update_units_text(self) -> None:
        names = [a.text() for a in self.unit_actions.values() if a.isChecked()]
        if not names:
            self.units_button.setText("全部单位")
        elif len(names) <= 2:
            self.units_button.setText("、".join(names))
        else:
            self.units_button.setText(f"{names[0]}等 {len(names)} 个单位")

    def _filters_changed(self, *_args: object) -> None:
        self._drawn.clear()
        if self._loaded:
            self._redraw_timer.start()

    # -- drawing ------------------------------------------------------------------------
    def current_key(self) -> str:
        return list(TABS)[self.tabs.currentIndex()]

    def chart(self, key: str) -> ChartView:
        """The chart of a tab, created on first use."""
        if key not in self.charts:
            chart: ChartView = MonthlyChart() if key == "monthly" else StackedBarChart()
            chart.hovered.connect(self._on_hovered)
            chart.bar_clicked.connect(lambda bar, k=key: self.open_bar(k, bar))
            self.pages[key].layout().addWidget(chart)
            self.charts[key] = chart
        return self.charts[key]

    def as_of(self) -> dt.date:
        """The day the figures are counted to (today, or the day fixed by tests)."""
        return self.today or dt.date.today()

    def load(self) -> None:
        # a period cannot run past the as-of month: the monthly chart ends there
        last = QDate(self.as_of().year, self.as_of().month, 1)
        for edit in (self.from_edit, self.to_edit):
            edit.setMaximumDate(last)
        self._fill_units()
        self._drawn.clear()
        self.draw_current()

    def _on_tab_changed(self, _index: int) -> None:
        if self._loaded and self.current_key() not in self._drawn:
            self.draw_current()
        self._save_settings()

    def draw_current(self) -> None:
        """Query and draw the visible chart for the filter in force."""
        key = self.current_key()
        flt = self.stats_filter()
        try:
            with wait_cursor():
                chart = self.chart(key)
                if key == "monthly":
                    series = self.ctx.call(monthly_series, self.ctx.actor, flt, self.today)
                    chart.set_series(series, self._title("月度整治进展", flt))
                else:
                    data = self.ctx.call(breakdown, self.ctx.actor, key, flt, self.today)
                    chart.set_breakdown(data, self._title(f"{data.title}统计（按整治状态）", flt))
        except Exception as exc:  # noqa: BLE001 (shown to the clerk, logged if unexpected)
            show_error(self, "统计图表", exc)
            return
        self._drawn.add(key)

    def _title(self, base: str, flt: StatsFilter) -> str:
        parts = []
        if flt.start or flt.end:
            end = min(flt.end, self.as_of()) if flt.end else None
            a = f"{flt.start.year}年{flt.start.month}月" if flt.start else ""
            b = f"{end.year}年{end.month}月" if end else ""
            parts.append(f"{a}—{b}")
        if flt.unit_ids:
            parts.append(self.units_button.text())
        if flt.classifications:
            parts.append(self.class_combo.currentText())
        return base + (f"（{'，'.join(parts)}）" if parts else "")

    def _on_hovered(self, text: str) -> None:
        self.hover_label.setText(
            text or "将鼠标移到柱形上查看数值，点击柱形在企业清单中查看这些企业"
        )

    # -- click-through --------------------------------------------------------------------
    def bar_filter(self, key: str, bar: BarRef):
        """The register filter of exactly the cases of a bar."""
        flt = self.stats_filter()
        if key == "monthly":
            return self.ctx.call(
                monthly_bar_filter, self.ctx.actor, flt, bar.series, bar.key, self.today
            )
        return self.ctx.call(
            segment_filter, self.ctx.actor, key, flt, bar.key, bar.series, self.today
        )

    def open_bar(self, key: str, bar: BarRef) -> None:
        """Open the register on the cases of a clicked bar."""
        try:
            case_filter = self.bar_filter(key, bar)
        except Exception as exc:  # noqa: BLE001
            show_error(self, "统计图表", exc)
            return
        self.ctx.events.open_register.emit(case_filter)

    # -- export ---------------------------------------------------------------------------
    def current_chart(self) -> ChartView:
        return self.chart(self.current_key())

    def export_png(self, path: str | Path) -> Path:
        """Write the visible chart as a print-resolution PNG (audited)."""
        return self._export("png", path, save_png)

    def export_pdf(self, path: str | Path) -> Path:
        """Write the visible chart as a vector PDF (audited)."""
        return self._export("pdf", path, save_pdf)

    def _export(self, fmt: str, path: str | Path, writer) -> Path:
        check_export(self.ctx.actor)
        chart = self.current_chart()
        try:
            written = writer(chart, path)
        except Exception:
            self.ctx.call(record_chart_export, self.ctx.actor, chart.title, path, fmt, ok=False)
            raise
        self.ctx.call(record_chart_export, self.ctx.actor, chart.title, written, fmt)
        return written

    def copy_chart(self) -> None:
        """Put the visible chart on the clipboard as an image (audited)."""
        try:
            check_export(self.ctx.actor)
            chart = self.current_chart()
            copy_to_clipboard(chart)
            self.ctx.call(record_chart_export, self.ctx.actor, chart.title, "clipboard", "image")
        except Exception as exc:  # noqa: BLE001
            show_error(self, "复制图表", exc)
            return
        self.hover_label.setText("图表已复制，可粘贴到 WPS / Word 中。")

    def choose_and_export(self, fmt: str) -> None:
        """Ask where to save, then export."""
        settings = QSettings()
        folder = settings.value(
            f"{SETTINGS_GROUP}/exportDir",
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation),
        )
        name = f"{self.current_chart().title or '统计图表'}_{dt.date.today():%Y%m%d}.{fmt}"
        filters = "PNG 图片 (*.png)" if fmt == "png" else "PDF 文件 (*.pdf)"
        path, _ = file_dialogs.get_save_file_name(
            self, "导出图表", str(Path(folder) / name), filters
        )
        if not path:
            return
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"
        try:
            written = self.export_png(path) if fmt == "png" else self.export_pdf(path)
        except Exception as exc:  # noqa: BLE001
            show_error(self, "导出图表", exc)
            return
        settings.setValue(f"{SETTINGS_GROUP}/exportDir", str(Path(written).parent))
        self.hover_label.setText(f"已导出：{written}")

    def open_report_dialog(self) -> None:
        from ui.report.dialog import ReportDialog

        ReportDialog(self.ctx, self).open()

    # -- remembered state -------------------------------------------------------------------
    def _save_settings(self) -> None:
        QSettings().setValue(f"{SETTINGS_GROUP}/tab", self.current_key())

    def _restore_settings(self) -> None:
        key = QSettings().value(f"{SETTINGS_GROUP}/tab", "monthly")
        if key in TABS:
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(list(TABS).index(key))
            self.tabs.blockSignals(False)
