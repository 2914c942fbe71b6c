"""Print preview of a real PDF (QtPdf renders it), printing at 300 dpi, the system viewer."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings, QSize, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QImage,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QLabel, QToolBar, QVBoxLayout, QWidget

from controllers.errors import UserError

logger = logging.getLogger(__name__)

PRINT_DPI = 300
SETTINGS_GROUP = "PdfPreview"


def load_pdf(document: QPdfDocument, data: bytes, parent: QWidget | None = None) -> QBuffer:
    """Load PDF bytes into a QPdfDocument; keep the returned buffer alive while it is shown."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    return buffer


def make_printer(printer: QPrinter | None = None) -> QPrinter:
    """A printer at 300 dpi on A4, actual size, printing on both sides when it can."""
    printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setResolution(PRINT_DPI)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)  # the PDF carries the official margins itself
    if printer.outputFormat() == QPrinter.OutputFormat.NativeFormat:
        info = QPrinterInfo(printer)
        modes = info.supportedDuplexModes() if not info.isNull() else []
        if QPrinter.DuplexMode.DuplexLongSide in modes:
            printer.setDuplex(QPrinter.DuplexMode.DuplexLongSide)
        elif QPrinter.DuplexMode.DuplexAuto in modes:
            printer.setDuplex(QPrinter.DuplexMode.DuplexAuto)
    return printer


def print_document(document: QPdfDocument, printer: QPrinter) -> int:
    """Print every page at the printer's resolution, at actual size; returns pages printed."""
    count = document.pageCount()
    if count <= 0:
        raise UserError("没有可打印的页面。")
    dpi = printer.resolution()
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError("无法开始打印：打印机不可用或已取消。")
    try:
        first, last = 0, count - 1
        if printer.printRange() == QPrinter.PrintRange.PageRange:
            first = max(printer.fromPage() - 1, 0)
            last = min(printer.toPage() - 1, count - 1)
        for index in range(first, last + 1):
            if index > first:
                printer.newPage()
            points = document.pagePointSize(index)
            size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
            image = document.render(index, size)
            if image.isNull():
                raise UserError(f"第 {index + 1} 页无法渲染，打印已中止。")
            image = image.convertToFormat(QImage.Format.Format_RGB32)
            painter.drawImage(0, 0, image)
    finally:
        painter.end()
    return last - first + 1


def open_in_system_viewer(path: Path) -> bool:
    """Open a PDF in the system's PDF viewer."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def temp_pdf_path(name: str) -> Path:
    """A file in the per-user temporary folder for handing a PDF to another program."""
    folder = Path(tempfile.gettempdir()) / "RectifyDesk"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


class PdfPreviewDialog(QDialog):
    """Shows the real PDF page by page; prints it or opens it in the system viewer."""

    def __init__(self, data: bytes, file_name: str, parent: QWidget | None = None,
                 path: Path | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self.setWindowTitle(f"打印预览 — {file_name}")
        self.file_name = file_name
        self.data = data
        self.path = path  # the file on disk, if it came from one
        self.document = QPdfDocument(self)
        self._buffer = load_pdf(self.document, data, self)
        self.view = QPdfView()
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.page_label = QLabel()
        self.print_action = QAction("打印…", self, shortcut=QKeySequence.StandardKey.Print)
        self.open_action = QAction("用系统 PDF 阅读器打开", self, shortcut=QKeySequence("Ctrl+O"))
        self.zoom_in_action = QAction("放大", self, shortcut=QKeySequence.StandardKey.ZoomIn)
        self.zoom_out_action = QAction("缩小", self, shortcut=QKeySequence.StandardKey.ZoomOut)
        self.fit_action = QAction("适合宽度", self, shortcut=QKeySequence("Ctrl+0"))
        self.whole_action = QAction("整页", self)
        bar = QToolBar()
        for action in (self.print_action, self.open_action):
            bar.addAction(action)
        bar.addSeparator()
        for action in (
            self.zoom_out_action,
            self.zoom_in_action,
            self.fit_action,
            self.whole_action,
        ):
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(self.page_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(bar)
        lay.addWidget(self.view, 1)
        self.print_dialog: QPrintDialog | None = None
        self.printer: QPrinter | None = None
        self._connect_callbacks()
        self._update_label()
        self._restore_size()

    def _connect_callbacks(self) -> None:
        self.print_action.triggered.connect(self.show_print_dialog)
        self.open_action.triggered.connect(self.open_externally)
        self.zoom_in_action.triggered.connect(lambda: self._zoom(1.25))
        self.zoom_out_action.triggered.connect(lambda: self._zoom(0.8))
        self.fit_action.triggered.connect(
            lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        )
        self.whole_action.triggered.connect(
            lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        )
        self.view.pageNavigator().currentPageChanged.connect(self._update_label)

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.1, min(self.view.zoomFactor() * factor, 8.0)))

    def _update_label(self, *_args) -> None:
        page = self.view.pageNavigator().currentPage() + 1
        self.page_label.setText(f"  第 {page} 页 / 共 {self.document.pageCount()} 页")

    def page_count(self) -> int:
        return self.document.pageCount()

    # -- printing ------------------------------------------------------------------------
    def create_print_dialog(self) -> QPrintDialog:
        """The print dialog for a 300-dpi printer (constructed, not yet shown)."""
        self.printer = make_printer()
        dialog = QPrintDialog(self.printer, self)
        dialog.setWindowTitle(f"打印 {self.file_name}")
        dialog.setMinMax(1, max(self.document.pageCount(), 1))
        dialog.accepted.connect(lambda: self.print_to(self.printer))
        self.print_dialog = dialog
        return dialog

    def show_print_dialog(self) -> None:
        self.create_print_dialog().open()

    def print_to(self, printer: QPrinter) -> int:
        """Print the PDF on ``printer``; errors are shown to the clerk."""
        from ui.operations import show_error

        try:
            return print_document(self.document, printer)
        except UserError as exc:
            show_error(self, "打印", exc)
            return 0

    # -- the system viewer ---------------------------------------------------------------
    def file_on_disk(self) -> Path:
        """The PDF as a file (written to the temporary folder if it came from the database)."""
        if self.path is not None and self.path.exists():
            return self.path
        path = temp_pdf_path(self.file_name)
        path.write_bytes(self.data)
        self.path = path
        return path

    def open_externally(self) -> bool:
        from ui.operations import show_error

        try:
            path = self.file_on_disk()
        except OSError as exc:
            show_error(self, "打开", UserError(f"无法写入临时文件：{exc.strerror or exc}"))
            return False
        if not open_in_system_viewer(path):
            show_error(self, "打开", UserError(f"没有可以打开 PDF 的程序。文件位于：{path}"))
            return False
        return True

    # -- layout memory -------------------------------------------------------------------
    def _restore_size(self) -> None:
        geometry = QSettings().value(f"{SETTINGS_GROUP}/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(760, 900)

    def done(self, result: int) -> None:
        QSettings().setValue(f"{SETTINGS_GROUP}/geometry", self.saveGeometry())
        super().done(result)


def preview_file(path: Path, parent: QWidget | None = None) -> PdfPreviewDialog:
    """A preview dialog of a PDF file on disk (shown with ``open()``)."""
    dialog = PdfPreviewDialog(path.read_bytes(), path.name, parent, path=path)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog
