"""承诺书: every unit's commitment letter at a glance, and its whole life from here —
generate (batch with progress), preview and print, issue, record the signature, archive the
scan, step back; the template editor with its live preview."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from controllers.errors import UserError
from controllers.letters.overview import LetterRow, letters_overview
from controllers.permissions import Permission, can
from models.codes import LetterStatus
from ui import events
from ui.context import AppContext
from ui.letters.dialogs import ArchiveDialog, BatchDialog, IssueDialog, SignDialog, StepBackDialog
from ui.letters.table_model import COL_MISSING, COL_UNIT, LettersTableModel
from ui.operations import run_operation, show_error
from ui.panes.base import Pane, pane_header

logger = logging.getLogger(__name__)

FILTERS = [
    ("全部单位", "all"),
    ("未签署返回", "unsigned"),
    ("已印发未签署", "issued"),
    ("逾期未返回", "late"),
    ("未归档", "unarchived"),
]
SETTINGS_GROUP = "LettersPane"


def _matches(row: LetterRow, key: str) -> bool:
    if key == "unsigned":
        return row.status in (None, LetterStatus.DRAFT, LetterStatus.ISSUED)
    if key == "issued":
        return row.status == LetterStatus.ISSUED
    if key == "late":
        return row.late
    if key == "unarchived":
        return row.status != LetterStatus.ARCHIVED
    return True


class LettersPane(Pane):
    title = "承诺书"
    subtitle = "“散乱污”企业持续整治工作承诺书：生成、打印、印发、签署与归档"
    topics = frozenset({events.LETTERS, events.UNITS, events.SETTINGS})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.may_manage = can(ctx.actor, Permission.MANAGE_LETTERS)
        self.all_rows: list[LetterRow] = []
        self.last_batch = None
        self._sized = False
        self.open_dialog: QWidget | None = None  # the dialog last opened (tests drive it)
        self.model = LettersTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("lettersTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("lettersSummary")
        self.summary_label.setWordWrap(True)
        self.legend = QLabel("红底：签署件逾期未返回")
        self.legend.setStyleSheet("color: #b71c1c;")
        self.filter_box = QComboBox()
        self.table.setProperty("scrollsSideways", True)  # 11 columns: the unit's name first
        for label, key in FILTERS:
            self.filter_box.addItem(label, key)
        self.generate_button = QPushButton("生成承诺书…")
        self.preview_button = QPushButton("打印预览")
        self.issue_button = QPushButton("印发…")
        self.sign_button = QPushButton("登记签署…")
        self.archive_button = QPushButton("归档扫描件…")
        self.scan_button = QPushButton("查看扫描件")
        self.back_button = QPushButton("撤回一步…")
        self.template_button = QPushButton("编辑模板…")
        self.refresh_button = QPushButton("刷新")
        tips = {
            self.generate_button: "为全部或所选单位生成 PDF（Ctrl+G）",
            self.preview_button: "预览并打印所选单位的承诺书（Ctrl+P）",
            self.issue_button: "将所选“起草”承诺书登记为已印发",
            self.sign_button: "登记所选承诺书已签署返回",
            self.archive_button: "上传签署件扫描件并归档",
            self.template_button: "编辑承诺书模板，实时预览（Ctrl+E）",
            self.refresh_button: "重新读取（F5）",
        }
        for button, tip in tips.items():
            button.setToolTip(tip)
        # the workflow's steps in the bar, the template and refresh beside the title: one row
        # of buttons fits a 1366×768 screen at 150 %
        bar = QHBoxLayout()
        for w in (self.generate_button, self.preview_button, self.issue_button, self.sign_button,
                  self.archive_button, self.scan_button, self.back_button):  # fmt: skip
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(QLabel("显示："))
        bar.addWidget(self.filter_box)
        top = QHBoxLayout()
        top.addWidget(pane_header(self.title, self.subtitle), 1)
        for w in (self.template_button, self.refresh_button):
            top.addWidget(w, 0, Qt.AlignmentFlag.AlignBottom)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary_label)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.legend)
        self._connect_callbacks()
        self._update_buttons()

    def _connect_callbacks(self) -> None:
        self.refresh_button.clicked.connect(self.refresh)
        self.filter_box.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.preview_selected())
        self.generate_button.clicked.connect(self.open_batch_dialog)
        self.preview_button.clicked.connect(self.preview_selected)
        self.issue_button.clicked.connect(self.open_issue_dialog)
        self.sign_button.clicked.connect(self.open_sign_dialog)
        self.archive_button.clicked.connect(self.open_archive_dialog)
        self.scan_button.clicked.connect(self.show_scan)
        self.back_button.clicked.connect(self.open_step_back_dialog)
        self.template_button.clicked.connect(self.open_template_editor)
        generate = QShortcut(QKeySequence("Ctrl+G"), self, activated=self.open_batch_dialog)
        generate.setEnabled(self.may_manage)  # like its button: only for who may generate
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.preview_selected)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.open_template_editor)

    # -- data ------------------------------------------------------------------------------
    def load(self) -> None:
        overview = self.ctx.call(letters_overview, self.ctx.actor)
        self.all_rows = overview.rows
        self.summary_label.setText(f"{overview.campaign_name}：{overview.summary()}")
        self._apply_filter()
        if not self._sized:  # column widths: remembered, or from the first rows
            self._sized = True
            state = QSettings().value(f"{SETTINGS_GROUP}/header")
            if state is None or not self.table.horizontalHeader().restoreState(state):
                self._size_columns()

    def apply_named_filter(self, key: object) -> None:
        """Show only the letters of a FILTERS key (e.g. "issued", from the overview's tile)."""
        self.activate()
        index = self.filter_box.findData(key)
        if index >= 0:
            self.filter_box.setCurrentIndex(index)
            self._apply_filter()

    def _apply_filter(self) -> None:
        selected = {r.unit_id for r in self.selected_rows()}
        key = self.filter_box.currentData()
        self.model.set_rows([r for r in self.all_rows if _matches(r, key)])
        selection = self.table.selectionModel()
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).unit_id in selected:
                selection.select(
                    self.model.index(row, 0),
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )
        self._update_buttons()

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            width = max(header.sectionSizeHint(col), self.table.sizeHintForColumn(col))
            header.resizeSection(col, min(max(width + 12, 56), 240))
        header.resizeSection(COL_UNIT, max(header.sectionSize(COL_UNIT), 110))
        header.resizeSection(COL_MISSING, 200)  # the last column: stretched to the edge

    def hideEvent(self, event) -> None:
        QSettings().setValue(f"{SETTINGS_GROUP}/header", self.table.horizontalHeader().saveState())
        super().hideEvent(event)

    def selected_rows(self) -> list[LetterRow]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.row_at(r) for r in rows]

    def select_units(self, names: list[str]) -> None:
        """Select the rows of these units (keyboard users and tests)."""
        self.table.clearSelection()
        selection = self.table.selectionModel()
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).unit_name in names:
                selection.select(
                    self.model.index(row, 0),
                    selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                )

    def _update_buttons(self) -> None:
        rows = self.selected_rows()
        one = rows[0] if len(rows) == 1 else None
        status = one.status if one else None
        m = self.may_manage
        for button in (self.generate_button, self.issue_button, self.sign_button,
                       self.archive_button, self.back_button):  # fmt: skip
            button.setVisible(m)  # a read-only role is not offered the workflow's steps
        self.generate_button.setEnabled(m)
        self.template_button.setEnabled(True)
        self.preview_button.setEnabled(len(rows) >= 1 and all(r.letter_id for r in rows))
        self.issue_button.setEnabled(
            m and bool(rows) and all(r.status == LetterStatus.DRAFT for r in rows)
        )
        self.sign_button.setEnabled(m and status == LetterStatus.ISSUED)
        self.archive_button.setEnabled(m and status == LetterStatus.SIGNED)
        self.scan_button.setEnabled(bool(one and one.scans))
        self.back_button.setEnabled(
            m and one is not None and status not in (None, LetterStatus.DRAFT)
        )

    def _done(self) -> None:
        self.refresh()

    def _show(self, dialog: QWidget) -> QWidget:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_dialog = dialog
        dialog.open()
        return dialog

    # -- generate --------------------------------------------------------------------------
    def open_batch_dialog(self) -> BatchDialog | None:
        if not self.may_manage:
            return None
        selected = self.selected_rows()
        names = [r.unit_name for r in selected]
        ids = [r.unit_id for r in selected]

        def submit(values: dict) -> None:
            self.generate(values["folder"], ids if values["selected_only"] else None,
                          values["letter_date"])  # fmt: skip

        dialog = BatchDialog(len(self.all_rows), names, submit, self)
        return self._show(dialog)

    def generate(self, folder: Path, unit_ids: list[int] | None, letter_date) -> None:
        """Write the letters in the background with a progress dialog."""
        from controllers.documents.fonts import discover_fonts
        from controllers.letters.batch import generate_letters

        actor = self.ctx.actor

        def work(session, progress):
            return generate_letters(session, actor, folder, unit_ids=unit_ids,
                                    letter_date=letter_date, progress=progress,
                                    fonts=discover_fonts())  # fmt: skip

        self.operation = run_operation(self, self.ctx, "生成承诺书", work, on_done=self._generated)  # fmt: skip

    def _generated(self, result) -> None:
        self.last_batch = result
        self.refresh()
        box = QMessageBox(QMessageBox.Icon.Information, "生成承诺书",
                          f"已生成 {len(result.files)} 份承诺书及合订本（{result.pages} 页），保存在：\n{result.folder}",
                          QMessageBox.StandardButton.Close, self)  # fmt: skip
        box.setObjectName("batchDone")
        preview = box.addButton("预览并打印合订本", QMessageBox.ButtonRole.ActionRole)
        folder = box.addButton("打开文件夹", QMessageBox.ButtonRole.ActionRole)

        def clicked(button) -> None:
            if button is preview and result.combined:
                self.preview_file(result.combined)
            elif button is folder:
                from ui.letters.pdf_preview import open_in_system_viewer

                open_in_system_viewer(result.folder)

        box.buttonClicked.connect(clicked)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.batch_box = box
        box.open()

    # -- preview and print -----------------------------------------------------------------
    def preview_selected(self):
        """Print preview of the selected letters (several: one file, each numbered from 1)."""
        rows = [r for r in self.selected_rows() if r.letter_id]
        if not rows:
            return None
        from controllers.letters.render import letter_pdf, letters_pdf

        try:
            if len(rows) == 1:
                name, data = self.ctx.call(letter_pdf, self.ctx.actor, rows[0].letter_id)
            else:
                name, data = self.ctx.call(letters_pdf, self.ctx.actor, [r.letter_id for r in rows])
        except UserError as exc:
            show_error(self, "打印预览", exc)
            return None
        from ui.letters.pdf_preview import PdfPreviewDialog

        return self._show(PdfPreviewDialog(data, name, self))

    def preview_file(self, path: Path):
        from ui.letters.pdf_preview import preview_file

        dialog = preview_file(path, self)
        self.open_dialog = dialog
        dialog.open()
        return dialog

    # -- the workflow ----------------------------------------------------------------------
    def open_issue_dialog(self) -> IssueDialog | None:
        rows = [r for r in self.selected_rows() if r.status == LetterStatus.DRAFT]
        if not rows or not self.may_manage:
            return None
        from controllers.letters.workflow import issue_letters

        versions = {r.letter_id: r.version for r in rows}

        def submit(values: dict) -> None:
            self.ctx.run(issue_letters, versions, values["issued_on"], values["due_on"])  # fmt: skip
            self._done()

        return self._show(IssueDialog([r.unit_name for r in rows], submit, self))

    def open_sign_dialog(self) -> SignDialog | None:
        rows = self.selected_rows()
        if len(rows) != 1 or rows[0].status != LetterStatus.ISSUED:
            return None
        row = rows[0]
        from controllers.letters.workflow import record_signature

        def submit(values: dict) -> None:
            self.ctx.run(record_signature, row.letter_id, row.version,
                         values["signer_name"], values["signed_on"])  # fmt: skip
            self._done()

        return self._show(SignDialog(row.unit_name, row.head_name or "", submit, self))

    def open_archive_dialog(self) -> ArchiveDialog | None:
        rows = self.selected_rows()
        if len(rows) != 1 or rows[0].status != LetterStatus.SIGNED:
            return None
        row = rows[0]
        from controllers.letters.workflow import archive_letter, read_scan

        def submit(values: dict) -> None:
            content, name = read_scan(values["path"])
            self.ctx.run(archive_letter, row.letter_id, row.version,
                         content, name, values["archived_on"])  # fmt: skip
            self._done()

        return self._show(ArchiveDialog(row.unit_name, submit, self))

    def open_step_back_dialog(self) -> StepBackDialog | None:
        rows = self.selected_rows()
        if len(rows) != 1 or rows[0].status in (None, LetterStatus.DRAFT):
            return None
        row = rows[0]
        from controllers.letters.workflow import step_back

        def submit(values: dict) -> None:
            self.ctx.run(step_back, row.letter_id, row.version, values["reason"])  # fmt: skip
            self._done()

        return self._show(StepBackDialog(row.unit_name, row.status_label, submit, self))

    def show_scan(self) -> None:
        """Open the newest archived scan of the selected letter (PDFs in the preview)."""
        rows = self.selected_rows()
        if len(rows) != 1 or not rows[0].scans:
            return
        from controllers.letters.workflow import signed_scan

        try:
            att, data = self.ctx.call(signed_scan, self.ctx.actor, rows[0].letter_id)
        except UserError as exc:
            show_error(self, "查看扫描件", exc)
            return
        if att.filename.lower().endswith(".pdf"):
            from ui.letters.pdf_preview import PdfPreviewDialog

            self._show(PdfPreviewDialog(data, att.filename, self))
            return
        from ui.letters.pdf_preview import open_in_system_viewer

        path = Path(tempfile.gettempdir()) / "RectifyDesk" / att.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        open_in_system_viewer(path)

    # -- the template ----------------------------------------------------------------------
    def open_template_editor(self):
        from ui.letters.template_editor import TemplateEditor

        editor = TemplateEditor(self.ctx, self)
        editor.saved.connect(lambda _n: self.refresh())
        return self._show(editor)
