"""附件 of a case: add a photo or scanned PDF, preview it, save a copy."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from controllers.attachments import MAX_ATTACHMENT_BYTES
from controllers.cases.case_detail import AttachmentRow
from controllers.cases.case_files import attach_to_case, read_case_attachment, save_attachment_copy
from controllers.errors import UserError, ValidationError
from models.codes import AttachmentKind
from ui import file_dialogs
from ui.context import AppContext
from ui.empty_state import EmptyStack
from ui.operations import show_error

logger = logging.getLogger(__name__)
ID_ROLE = Qt.ItemDataRole.UserRole
CASE_KINDS = (AttachmentKind.PHOTO, AttachmentKind.EVIDENCE, AttachmentKind.POWER_RECORD,
              AttachmentKind.OTHER)  # fmt: skip
PREVIEW_SIZE = QSize(680, 520)


def _size_text(size: int) -> str:
    if size >= 1048576:
        return f"{size / 1048576:.1f} MB"
    return f"{max(size / 1024, 0.1):.1f} KB"


class PreviewDialog(QDialog):
    """A picture, or the pages of a PDF; other files are named with how to open them."""

    def __init__(self, filename: str, mime: str, content: bytes, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("attachmentPreview")
        self.setWindowTitle(f"预览：{filename}")
        self.page = 0
        self._doc = None
        self.image_label = QLabel()
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.image_label)
        scroll.setWidgetResizable(True)
        self.page_label = QLabel()
        self.prev_button = QPushButton("上一页")
        self.next_button = QPushButton("下一页")
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.page_label, 1, Qt.AlignmentFlag.AlignCenter)
        nav.addWidget(self.next_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll, 1)
        lay.addLayout(nav)
        lay.addWidget(buttons)
        self.resize(720, 640)
        self.kind = self._show(filename, mime, content)
        for w in (self.prev_button, self.next_button, self.page_label):
            w.setVisible(self.kind == "pdf" and self.page_count > 1)
        self.prev_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))

    @property
    def page_count(self) -> int:
        return self._doc.pageCount() if self._doc is not None else 0

    def _show(self, filename: str, mime: str, content: bytes) -> str:
        is_pdf = mime == "application/pdf" or filename.lower().endswith(".pdf")
        if is_pdf:
            from PySide6.QtPdf import QPdfDocument

            self._buffer = QBuffer(self)
            self._buffer.setData(QByteArray(content))
            self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self._doc = QPdfDocument(self)
            self._doc.load(self._buffer)
            if self._doc.pageCount() > 0:
                self.show_page(0)
                return "pdf"
            self._doc = None
        else:
            image = QImage.fromData(content)
            if not image.isNull():
                self._set_image(image)
                return "image"
        self.image_label.setText(
            f"无法在此预览“{filename}”。\n请点“另存为…”保存副本后用相应程序打开。"
        )
        return "none"

    def show_page(self, page: int) -> None:
        if self._doc is None or not 0 <= page < self._doc.pageCount():
            return
        self.page = page
        points = self._doc.pagePointSize(page)
        scale = min(PREVIEW_SIZE.width() / max(points.width(), 1),
                    PREVIEW_SIZE.height() / max(points.height(), 1)) * 1.0  # fmt: skip
        size = QSize(int(points.width() * scale), int(points.height() * scale))
        self._set_image(self._doc.render(page, size))
        self.page_label.setText(f"第 {page + 1} / {self._doc.pageCount()} 页")
        self.prev_button.setEnabled(page > 0)
        self.next_button.setEnabled(page + 1 < self._doc.pageCount())

    def _set_image(self, image: QImage) -> None:
        pixmap = QPixmap.fromImage(image)
        if pixmap.width() > PREVIEW_SIZE.width() or pixmap.height() > PREVIEW_SIZE.height():
            pixmap = pixmap.scaled(PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)  # fmt: skip
        self.image_label.setPixmap(pixmap)


class AttachmentsPanel(QWidget):
    """The files of a case; ``changed`` after one is added."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case_id: int | None = None
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("attachmentsTable")
        self.table.setHorizontalHeaderLabels(["文件名", "类型", "大小", "上传时间", "说明"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):  # type, size and time shown whole
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.stack = EmptyStack(self.table)
        self.kind = QComboBox()
        for kind in CASE_KINDS:
            self.kind.addItem(kind.label, kind.value)
        self.add_button = QPushButton("添加附件…")
        self.add_button.setToolTip(
            f"现场照片、扫描的 PDF 等，单个文件不超过 {MAX_ATTACHMENT_BYTES // 1048576} MB"
        )
        self.preview_button = QPushButton("预览")
        self.save_button = QPushButton("另存为…")
        row = QHBoxLayout()
        row.addWidget(QLabel("类型"))
        row.addWidget(self.kind)
        row.addWidget(self.add_button)
        row.addStretch(1)
        row.addWidget(self.preview_button)
        row.addWidget(self.save_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.stack, 1)
        lay.addLayout(row)
        self.add_button.clicked.connect(self._choose_file)
        self.preview_button.clicked.connect(lambda: self._with_selected(self.preview))
        self.save_button.clicked.connect(lambda: self._with_selected(self._ask_save))
        self.table.doubleClicked.connect(lambda _i: self._with_selected(self.preview))

    def set_case(self, case_id: int | None, rows: list[AttachmentRow], *, can_edit: bool) -> None:
        self.case_id = case_id
        self.table.setRowCount(len(rows))
        for r, att in enumerate(rows):
            cells = [att.filename, att.kind.label, _size_text(att.size),
                     f"{att.created_at:%Y-%m-%d %H:%M}" if att.created_at else "", att.note or ""]  # fmt: skip
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, att.id)
                self.table.setItem(r, c, item)
        self.add_button.setEnabled(can_edit and case_id is not None)
        for w in (self.kind, self.add_button):
            w.setVisible(can_edit)
        has_rows = bool(rows)
        if has_rows:
            self.stack.show_empty(None)
        elif can_edit:
            self.stack.show_empty(
                "还没有附件。\n在下方选择类型（现场照片、佐证材料、断电记录…），"
                f"再点“添加附件…”上传照片或扫描的 PDF（单个不超过 {MAX_ATTACHMENT_BYTES // 1048576} MB）。"
            )
        else:
            self.stack.show_empty("还没有附件。")
        for w in (self.preview_button, self.save_button):
            w.setVisible(has_rows)
        self.preview_button.setEnabled(has_rows)
        self.save_button.setEnabled(has_rows)

    def selected_id(self) -> int | None:
        item = self.table.item(self.table.currentRow(), 0) if self.table.currentRow() >= 0 else None
        return item.data(ID_ROLE) if item else None

    def _with_selected(self, action) -> None:
        att_id = self.selected_id()
        if att_id is None and self.table.rowCount():
            att_id = self.table.item(0, 0).data(ID_ROLE)
        if att_id is not None:
            action(att_id)

    def _choose_file(self) -> None:
        path, _ = file_dialogs.get_open_file_name(self, "添加附件", "",
                                              "照片或扫描件 (*.jpg *.jpeg *.png *.bmp *.gif *.tif *.tiff *.pdf);;所有文件 (*)")  # fmt: skip
        if path:
            self.add_file(path, AttachmentKind(self.kind.currentData()))

    def add_file(self, path: str | Path, kind: AttachmentKind = AttachmentKind.PHOTO) -> int | None:
        """Store a file on the case (size checked before reading); None if refused."""
        p = Path(path)
        try:
            size = p.stat().st_size
            if size > MAX_ATTACHMENT_BYTES:
                raise ValidationError(
                    f"文件“{p.name}”有 {size / 1048576:.1f} MB，超过附件上限 "
                    f"{MAX_ATTACHMENT_BYTES // 1048576} MB。请压缩图片或拆分扫描件后再添加。"
                )
            att_id = self.ctx.call(attach_to_case, self.ctx.actor, self.case_id, p.name,
                                   p.read_bytes(), kind)  # fmt: skip
        except Exception as exc:
            logger.warning("%s", exc, exc_info=not isinstance(exc, UserError))
            show_error(self, "添加附件", exc)
            return None
        self.changed.emit()
        return att_id

    def preview(self, attachment_id: int) -> PreviewDialog | None:
        try:
            name, mime, content = self.ctx.call(read_case_attachment, self.ctx.actor, attachment_id)
        except Exception as exc:
            logger.warning("%s", exc, exc_info=not isinstance(exc, UserError))
            show_error(self, "预览附件", exc)
            return None
        dialog = PreviewDialog(name, mime, content, self)
        dialog.open()
        return dialog

    def _ask_save(self, attachment_id: int) -> None:
        row = self.table.currentRow() if self.table.currentRow() >= 0 else 0
        name = self.table.item(row, 0).text()
        path, _ = file_dialogs.get_save_file_name(self, "另存为", str(Path.home() / name))
        if path:
            self.save_copy(attachment_id, path)

    def save_copy(self, attachment_id: int, path: str | Path) -> Path | None:
        try:
            return self.ctx.call(save_attachment_copy, self.ctx.actor, attachment_id, path)
        except Exception as exc:
            logger.warning("%s", exc, exc_info=not isinstance(exc, UserError))
            show_error(self, "另存附件", exc)
            return None
