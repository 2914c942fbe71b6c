"""A chart as a print-resolution PNG, a vector PDF, or an image on the clipboard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QResizeEvent,
)
from PySide6.QtWidgets import QGraphicsView

from controllers.errors import UserError

#: print resolution of exported images
PRINT_DPI = 300
#: printed width of an exported chart: the type area of an A4 official document (156 mm)
PRINT_WIDTH_MM = 156.0
MM_PER_INCH = 25.4
#: the logical DPI pyqtgraph's recorded axis pictures assume
LOGICAL_DPI = 96


#: an exported chart is laid out no flatter than this (height / width)
MIN_PRINT_ASPECT = 0.55


@contextmanager
def print_layout(view: QGraphicsView, width_mm: float = PRINT_WIDTH_MM) -> Iterator[None]:
    """Lay the chart out at its printed width (in logical pixels at 96 dpi) while it is
    exported, so that 9 pt text is printed at 9 pt, whatever the window's width on screen."""
    old = view.size()
    width = int(width_mm / MM_PER_INCH * LOGICAL_DPI)  # rounded down: text never smaller
    height = round(width * max(old.height() / max(old.width(), 1), MIN_PRINT_ASPECT))
    view.resize(width, height)
    _lay_out(view)
    try:
        yield
    finally:
        view.resize(old)
        _lay_out(view)


def _lay_out(view: QGraphicsView) -> None:
    """Apply a new size to pyqtgraph's layout at once (its own resize handling is deferred)."""
    resize = getattr(view, "resizeEvent", None)
    if resize is not None:
        resize(QResizeEvent(view.size(), view.size()))
    central = getattr(view, "centralWidget", None)
    layout = getattr(central, "layout", None)  # pyqtgraph's PlotItem: an attribute
    if callable(layout):
        layout = layout()
    if layout is not None:
        layout.activate()


def _render(view: QGraphicsView, painter: QPainter, target: QRectF) -> None:
    """Render the view's scene into ``target`` with pyqtgraph's export mode on, so symbols
    and pens are drawn for the target's resolution rather than scaled screen pixels."""
    source = view.mapToScene(view.viewport().rect()).boundingRect()
    scale = target.width() / max(source.width(), 1.0)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    opts = {
        "antialias": True,
        "background": QColor("white"),
        "painter": painter,
        "resolutionScale": scale,
    }
    items = [i for i in view.scene().items() if hasattr(i, "setExportMode")]
    prepare = getattr(view, "prepare_export", None)
    finish = getattr(view, "finish_export", None)
    for item in items:
        item.setExportMode(True, opts)
    if prepare is not None:
        prepare(scale)
    try:
        view.scene().render(painter, target, source)
    finally:
        for item in items:
            item.setExportMode(False)
        if finish is not None:
            finish()


def print_size_px(
    view: QGraphicsView, dpi: int = PRINT_DPI, width_mm: float = PRINT_WIDTH_MM
) -> tuple[int, int]:
    """Pixel size of the chart printed ``width_mm`` wide at ``dpi`` (aspect as on screen)."""
    w, h = max(view.width(), 1), max(view.height(), 1)
    width = round(width_mm / MM_PER_INCH * dpi)
    return width, round(width * h / w)


def render_image(
    view: QGraphicsView, dpi: int = PRINT_DPI, width_mm: float = PRINT_WIDTH_MM
) -> QImage:
    """The chart laid out at its printed width and rendered at print resolution."""
    with print_layout(view, width_mm):
        return _render_image(view, dpi, width_mm)


def _render_image(view: QGraphicsView, dpi: int, width_mm: float) -> QImage:
    width, height = print_size_px(view, dpi, width_mm)
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    _render(view, painter, QRectF(0, 0, width, height))
    painter.end()
    # the resolution is set after painting: pyqtgraph replays recorded axis text by the
    # device's DPI, which would enlarge it
    dots_per_metre = round(dpi / MM_PER_INCH * 1000)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    return image


def save_png(view: QGraphicsView, path: str | Path, dpi: int = PRINT_DPI) -> Path:
    """Write the chart as a PNG at print resolution; raise a UserError if it cannot."""
    path = Path(path)
    image = render_image(view, dpi)
    if not image.save(str(path), "PNG"):
        raise UserError(f"无法写入图片文件：{path}（请检查文件夹是否存在、是否有写入权限）。")
    return path


def save_pdf(view: QGraphicsView, path: str | Path, width_mm: float = PRINT_WIDTH_MM) -> Path:
    """Write the chart as a one-page vector PDF of its printed size."""
    path = Path(path)
    try:
        with open(path, "wb"):
            pass
    except OSError as exc:
        raise UserError(f"无法写入 PDF 文件：{path}（{exc.strerror}）。") from None
    with print_layout(view, width_mm):
        _write_pdf(view, path, width_mm)
    return path


def _write_pdf(view: QGraphicsView, path: Path, width_mm: float) -> None:
    w, h = max(view.width(), 1), max(view.height(), 1)
    size = QSizeF(width_mm, width_mm * h / w)
    writer = QPdfWriter(str(path))
    writer.setTitle(getattr(view, "title", "") or "统计图表")
    writer.setCreator("散乱污整治管理台")
    # vector output: the resolution only sets the coordinate system, and it must be the one
    # pyqtgraph recorded its axis text at (the default logical DPI), or that text is rescaled
    writer.setResolution(LOGICAL_DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(size, QPageSize.Unit.Millimeter, "chart"),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    painter = QPainter(writer)
    if not painter.isActive():
        raise UserError(f"无法写入 PDF 文件：{path}。")
    _render(view, painter, QRectF(0, 0, writer.width(), writer.height()))
    painter.end()


def copy_to_clipboard(view: QGraphicsView, dpi: int = 200) -> QImage:
    """Put the chart on the clipboard as an image (pastes into WPS and Word)."""
    image = render_image(view, dpi)
    QGuiApplication.clipboard().setImage(image)
    return image
