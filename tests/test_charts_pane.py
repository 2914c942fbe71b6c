"""The chart pane with real widgets: the drawn series are the database's, hover shows exact
values, clicking a bar opens the register on exactly those cases, filters narrow the
charts, Chinese labels have a CJK font, and exports are valid files."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QImage
from sqlalchemy import select

from controllers.actor import Actor
from controllers.overview import count_cases
from controllers.stats import StatsFilter, breakdown, monthly_series
from controllers.stats.rates import rate_text
from models import AuditEntry
from models.codes import Role
from ui.app import local_actor
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.panes.charts import ChartsPane

pytestmark = pytest.mark.gui
TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def pane(app, qtbot, demo_db):
    p = ChartsPane(AppContext(demo_db, local_actor()))
    p.today = TODAY
    p.resize(780, 560)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    p.activate()
    return p


def test_monthly_chart_draws_the_database_series(pane):
    chart = pane.chart("monthly")
    expected = pane.ctx.call(monthly_series, pane.ctx.actor, StatsFilter(), TODAY)
    assert chart.series == expected
    assert len(chart.bars) == 4 * len(expected.months)
    assert {(b.series, b.key): b.value for b in chart.bars}[("found", dt.date(2024, 5, 1))] == (
        expected.found[4]
    )
    rate = chart.rate_curve.getData()[1]
    assert rate[-1] == pytest.approx(expected.cumulative_rate[-1] * 100)


def test_chinese_labels_have_a_cjk_font(pane):
    chart = pane.chart("monthly")
    for name in ("left", "bottom", "right"):
        axis = chart.getPlotItem().getAxis(name)
        metrics = QFontMetrics(axis.style["tickFont"])
        assert metrics.inFontUcs4(ord("月")), name
        assert QFontMetrics(axis.label.font()).inFontUcs4(ord("企"))
    assert QFontMetrics(chart.getPlotItem().titleLabel.item.font()).inFontUcs4(ord("整"))
    for _sample, label in chart.legend.items:
        assert QFontMetrics(label.item.font()).inFontUcs4(ord("销"))
    ticks = chart.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert ticks[0][1] == "24年1月"


def test_hover_shows_exact_values(pane, qtbot):
    chart = pane.chart("monthly")
    bar = max(chart.bars, key=lambda b: b.value)
    with qtbot.waitSignal(chart.hovered) as blocker:
        qtbot.mouseMove(chart.viewport(), chart.view_point(bar).toPoint())
    i = bar.index
    s = chart.series
    text = blocker.args[0]
    assert text.startswith(f"{bar.key.year}年{bar.key.month}月：")
    assert f"新发现 {s.found[i]:,} 家" in text
    assert f"完成整治 {s.rectified[i]:,} 家" in text
    assert f"销号 {s.closed[i]:,} 家" in text
    assert f"累计完成率 {rate_text(s.cumulative_rate[i])}" in text  # the one rounding rule
    assert pane.hover_label.text() == text
    assert chart.viewport().toolTip() == text


def test_clicking_a_bar_opens_the_register_on_its_cases(pane, qtbot):
    chart = pane.chart("monthly")
    for series in ("found", "rectified", "closed"):
        bar = max((b for b in chart.bars if b.series == series), key=lambda b: b.value)
        with qtbot.waitSignal(pane.ctx.events.open_register) as blocker:
            qtbot.mouseClick(
                chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.view_point(bar).toPoint()
            )
        case_filter = blocker.args[0]
        assert pane.ctx.call(count_cases, pane.ctx.actor, case_filter, TODAY) == bar.value


def test_stacked_charts_and_their_segments(pane, qtbot):
    pane.tabs.setCurrentIndex(1)  # 按责任单位
    chart = pane.chart("unit")
    qtbot.waitUntil(chart.isVisible)  # the new tab is laid out on the next event loop turn
    data = pane.ctx.call(breakdown, pane.ctx.actor, "unit", StatsFilter(), TODAY)
    assert [c.key for c in chart.breakdown.categories] == [c.key for c in data.categories]
    assert len(chart.breakdown.categories) == 25
    right_ticks = chart.getPlotItem().getAxis("right")._tickLevels[0]
    assert right_ticks[0][1] == "100.0%"
    bar = max(chart.bars, key=lambda b: b.value)
    with qtbot.waitSignal(chart.hovered) as hovered:
        qtbot.mouseMove(chart.viewport(), chart.view_point(bar).toPoint())
    category = chart.breakdown.categories[bar.index]
    assert hovered.args[0].startswith(f"{category.full_label}：已销号 {bar.value:,} 家")
    with qtbot.waitSignal(pane.ctx.events.open_register) as blocker:
        qtbot.mouseClick(
            chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.view_point(bar).toPoint()
        )
    case_filter = blocker.args[0]
    assert case_filter.unit_ids == {category.key}
    assert case_filter.statuses == {bar.series}
    assert pane.ctx.call(count_cases, pane.ctx.actor, case_filter, TODAY) == bar.value
    for index, key in ((2, "classification"), (3, "industry"), (4, "source")):
        pane.tabs.setCurrentIndex(index)
        drawn = pane.chart(key).breakdown
        assert (
            drawn.totals()
            == pane.ctx.call(breakdown, pane.ctx.actor, key, StatsFilter(), TODAY).totals()
        )


def test_filters_narrow_the_charts(pane, qtbot):
    pane.class_combo.setCurrentIndex(pane.class_combo.findData("upgrade"))
    first_unit = next(iter(pane.unit_actions))
    pane.unit_actions[first_unit].trigger()
    assert pane.units_button.text() == "长安区"
    pane.all_periods.setChecked(False)
    pane.from_edit.setDate(dt.date(2024, 3, 1))
    pane.to_edit.setDate(dt.date(2024, 8, 1))
    qtbot.waitUntil(lambda: "monthly" in pane._drawn, timeout=3000)
    flt = pane.stats_filter()
    assert flt == StatsFilter(
        dt.date(2024, 3, 1), dt.date(2024, 8, 31), frozenset({first_unit}), frozenset({"upgrade"})
    )
    chart = pane.chart("monthly")
    assert chart.series == pane.ctx.call(monthly_series, pane.ctx.actor, flt, TODAY)
    assert len(chart.series.months) == 6
    assert "长安区" in chart.title
    assert "提升改造" in chart.title
    pane.reset_filters()
    qtbot.waitUntil(lambda: "monthly" in pane._drawn, timeout=3000)
    assert pane.stats_filter() == StatsFilter()
    assert pane.units_button.text() == "全部单位"


def test_exports_are_valid_files(pane, tmp_path):
    png = pane.export_png(tmp_path / "月度.png")
    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() == 1843  # 156 mm at 300 dpi
    assert abs(image.dotsPerMeterX() - 11811) < 5
    assert image.pixelColor(image.width() // 2, 5).name() == "#ffffff"
    pdf = pane.export_pdf(tmp_path / "月度.pdf")
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1
    assert abs(float(reader.pages[0].mediabox.width) - 156 * 72 / 25.4) < 1
    # Qt maps some glyphs to compatibility characters (⽉ for 月): compare NFKC forms
    text = unicodedata.normalize("NFKC", reader.pages[0].extract_text())
    assert "月度整治进展" in text
    assert "24年1月" in text
    pane.copy_chart()
    copied = QGuiApplication.clipboard().image()
    assert not copied.isNull()
    assert copied.width() == round(156 / 25.4 * 200)
    with pane.ctx.database.session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "export_chart")).all()
    assert [e.detail.count('"format"') for e in entries] == [1, 1, 1]
    assert {e.object_id for e in entries} == {"月度整治进展"}


def test_exports_need_the_export_permission(app, qtbot, demo_db, tmp_path, monkeypatch):
    from controllers.permissions import PermissionDenied
    from ui.panes import charts as charts_module

    shown = []
    monkeypatch.setattr(charts_module, "show_error", lambda _w, title, exc: shown.append(str(exc)))
    p = ChartsPane(AppContext(demo_db, Actor(None, "admin", Role.ADMIN)))
    qtbot.addWidget(p)
    with pytest.raises(PermissionDenied):
        p.export_png(tmp_path / "x.png")
    p.copy_chart()
    assert shown
    assert "导出" in shown[0]
    assert not (tmp_path / "x.png").exists()


def test_main_window_routes_a_bar_click_to_the_register(app, qtbot, demo_db):
    w = MainWindow(AppContext(demo_db, local_actor()))
    qtbot.addWidget(w)
    w.show()
    pane = w.show_pane("charts")
    chart = pane.chart("monthly")
    bar = max(chart.bars, key=lambda b: b.value)
    qtbot.mouseClick(
        chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.view_point(bar).toPoint()
    )
    assert w.current_key() == "register"


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_the_chart_library_is_preloaded_once_the_window_is_idle():
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    code = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QTimer
        from ui.app import create_application, local_actor
        from ui.charts import preload
        from ui.context import AppContext
        from ui.main_window import MainWindow
        from models.database import Database, make_engine
        from models.migrate import upgrade
        import tempfile, os
        app = create_application()
        from PySide6.QtCore import QSettings
        QSettings().setValue("MainWindow/pane", "letters")  # whichever pane opens first
        path = os.path.join(tempfile.mkdtemp(), "x.db")
        engine = make_engine("sqlite:///" + path)
        upgrade(engine, backup=False)
        w = MainWindow(AppContext(Database.from_engine(engine), local_actor()))
        w.show()
        app.processEvents()
        print("AT_START", "pyqtgraph" in sys.modules)
        QTimer.singleShot(preload.PRELOAD_DELAY_MS + 500, app.quit)
        app.exec()
        print("LATER", "pyqtgraph" in sys.modules)
        """
    )
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "AT_START False" in proc.stdout
    assert "LATER True" in proc.stdout


def test_percent_axis_is_fixed_with_room_for_its_title_and_no_si_prefix(pane, qtbot):
    chart = pane.chart("monthly")
    right = chart.getPlotItem().getAxis("right")
    assert [t for _v, t in right._tickLevels[0]] == ["0%", "20%", "40%", "60%", "80%", "100%"]
    assert chart.rate_box.viewRange()[1] == pytest.approx([0, 105])
    # the title turned on its side and the widest tick both fit in the axis
    assert right.width() >= chart.text_width("100%") + chart.label_height() + 10
    for view in (chart, pane.chart("unit")):
        for name in ("left", "bottom", "right"):
            axis = view.getPlotItem().getAxis(name)
            assert not axis.autoSIPrefix, name  # never "完成率 (x0.001)"
            assert "(x" not in axis.labelString()


@pytest.mark.qt_log_ignore("This plugin does not support .*")
def test_hover_shows_a_tooltip_by_the_bar(pane, qtbot):
    from PySide6.QtWidgets import QToolTip

    chart = pane.chart("monthly")
    bar = max(chart.bars, key=lambda b: b.value)
    qtbot.mouseMove(chart.viewport(), chart.view_point(bar).toPoint())
    qtbot.waitUntil(QToolTip.isVisible)
    assert QToolTip.text() == chart.month_text(bar.index)
    qtbot.mouseMove(chart.viewport(), chart.viewport().rect().topLeft())  # off the bars
    qtbot.waitUntil(lambda: not QToolTip.isVisible())


def test_monthly_chart_ends_at_the_as_of_month(pane, qtbot):
    pane.set_filter(StatsFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)))
    qtbot.waitUntil(lambda: "monthly" in pane._drawn)
    chart = pane.chart("monthly")
    assert chart.series.months[-1] == dt.date(TODAY.year, TODAY.month, 1)
    assert "2026年11月）" in chart.title  # the title says where it ends
    assert pane.to_edit.maximumDate().toPython() == dt.date(2026, 11, 1)


def test_tiny_bars_have_their_values_written(pane):
    chart = pane.chart("monthly")
    top = max(b.value for b in chart.bars)
    written = {(round(lbl.pos().x(), 3), lbl.toPlainText()) for lbl in chart.value_labels}
    may_2026 = [b for b in chart.bars if b.key == dt.date(2026, 5, 1) and b.value]
    assert [b.value for b in may_2026] == [4, 4, 4]  # the 4 new sites of the report
    tiny = [b for b in chart.bars if 0 < b.value < top * 0.03]
    assert set(may_2026) <= set(tiny)
    for bar in tiny:
        assert (round((bar.x0 + bar.x1) / 2, 3), f"{bar.value:,}") in written
    big = max(chart.bars, key=lambda b: b.value)
    assert (round((big.x0 + big.x1) / 2, 3), f"{big.value:,}") not in written
    assert len(written) == len(tiny)


def test_axis_text_prints_at_least_9_pt_at_a4_width(pane, tmp_path):
    from ui.charts.export import LOGICAL_DPI, MM_PER_INCH, PRINT_WIDTH_MM, print_layout

    pane.resize(1300, 700)  # a wide window: the export must not shrink the text
    for key in ("monthly", "unit"):
        chart = pane.chart(key)
        before = chart.size()
        with print_layout(chart):
            printed_mm = chart.width() / LOGICAL_DPI * MM_PER_INCH
            assert printed_mm == pytest.approx(PRINT_WIDTH_MM, abs=0.5)
            for name in ("left", "bottom", "right"):
                font = chart.getPlotItem().getAxis(name).style["tickFont"]
                assert font.pointSizeF() * PRINT_WIDTH_MM / printed_mm >= 9.0
        assert chart.size() == before  # the window's own layout is back
    out = pane.export_png(tmp_path / "a4.png")
    image = QImage(str(out))
    assert image.width() == round(PRINT_WIDTH_MM / MM_PER_INCH * 300)
