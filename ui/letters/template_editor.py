"""The letter template editor: title, paragraphs, signature blocks, defaults — with a live
preview of the real PDF for a chosen unit. Saving makes a new version."""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from controllers.errors import UserError
from controllers.letters.templates import (
    DEFAULTABLE,
    PLACEHOLDERS,
    SignatureSpec,
    TemplateContent,
    current_template,
    default_content,
    editor_state,
    get_template,
    save_template_version,
    template_content,
    validate_content,
)
from controllers.permissions import Permission, can
from ui.context import AppContext
from ui.letters.pdf_preview import load_pdf
from ui.operations import error_text, show_error

logger = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 350
SETTINGS_GROUP = "TemplateEditor"
DEFAULT_LABELS = {
    "plan_title": "方案名称",
    "list_years": "以往年度清单",
    "mobilise_deadline": "动员部署截止",
    "self_check_deadline": "全面自查截止",
    "accountability_deadline": "排查问责截止",
    "year": "年度",
    "campaign_name": "专项行动名称",
}


def _save(session, actor, content, based_on) -> int:
    return save_template_version(session, actor, content, based_on).version_no


def _render_preview(session, actor, content, unit_id):
    from controllers.letters.render import preview_pdf

    return preview_pdf(session, content, unit_id, actor=actor)


class TemplateEditor(QDialog):
    """Edit the commitment letter template; the preview follows every keystroke."""

    saved = Signal(int)  # the new version number

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("templateEditor")
        self.setWindowTitle("承诺书模板")
        self.based_on: int | None = None
        self.dirty = False
        self._loading = False
        self.preview_count = 0  # previews rendered (tests and the status line)
        self._build()
        self._connect_callbacks()
        self.reload()
        self._restore_layout()

    # -- construction ----------------------------------------------------------------------
    def _build(self) -> None:
        self.version_label = QLabel()
        self.versions = QComboBox()
        self.versions.setToolTip("查看以前的版本；在旧版本上修改后保存，将成为新的版本")
        self.name_edit = QLineEdit()
        self.title_edit = QLineEdit()
        self.issuer_edit = QLineEdit()
        self.body_edit = QPlainTextEdit()
        self.body_edit.setPlaceholderText(
            "每行一段。以“一、”开头为一级标题（黑体），以“（一）”开头为二级标题（楷体）。"
        )
        self.sig_edits: list[tuple[QLineEdit, QLineEdit, QLineEdit, QCheckBox]] = []
        sig_box = QGroupBox("签署栏")
        grid = QGridLayout(sig_box)
        for col, text in enumerate(["称谓", "单位", "签字行", "印落款日期"]):
            grid.addWidget(QLabel(text), 0, col)
        for row in (1, 2):
            widgets = (QLineEdit(), QLineEdit(), QLineEdit(), QCheckBox())
            for col, w in enumerate(widgets):
                grid.addWidget(w, row, col)
            self.sig_edits.append(widgets)
        self.default_edits: dict[str, QLineEdit | QPlainTextEdit] = {}
        defaults_box = QWidget()
        dform = QFormLayout(defaults_box)
        dform.addRow(QLabel("专项行动未设置时使用的取值（已建立专项行动的，以专项行动为准）："))
        for key in DEFAULTABLE:
            edit: QLineEdit | QPlainTextEdit
            if key == "requirements":
                edit = QPlainTextEdit()
                edit.setPlaceholderText("每行一条要求")
                edit.setFixedHeight(96)
                label = "四项要求"
            else:
                edit = QLineEdit()
                label = DEFAULT_LABELS.get(key, key)
            self.default_edits[key] = edit
            dform.addRow(f"{label}：", edit)
        self.placeholders = QListWidget()
        self.placeholders.setToolTip("双击插入到正文光标处")
        for name, text in PLACEHOLDERS.items():
            item = QListWidgetItem(f"{{{name}}}  {text}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.placeholders.addItem(item)
        form = QFormLayout()
        form.addRow("模板名称：", self.name_edit)
        form.addRow("标题：", self.title_edit)
        form.addRow("发文单位：", self.issuer_edit)
        text_tab = QWidget()
        tl = QVBoxLayout(text_tab)
        tl.addLayout(form)
        tl.addWidget(QLabel("正文："))
        tl.addWidget(self.body_edit, 1)
        tl.addWidget(sig_box)
        self.tabs = QTabWidget()
        self.tabs.addTab(text_tab, "正文与签署栏")
        self.tabs.addTab(defaults_box, "默认取值")
        self.tabs.addTab(self.placeholders, "占位符")
        self.problem_label = QLabel()
        self.problem_label.setObjectName("templateProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b71c1c;")
        self.save_button = QPushButton("保存为新版本")
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.reset_button = QPushButton("载入内置默认模板")
        self.close_button = QPushButton("关闭")
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        left = QWidget()
        ll = QVBoxLayout(left)
        top = QHBoxLayout()
        top.addWidget(self.version_label, 1)
        top.addWidget(QLabel("版本："))
        top.addWidget(self.versions)
        ll.addLayout(top)
        ll.addWidget(self.tabs, 1)
        ll.addWidget(self.problem_label)
        ll.addLayout(buttons)
        # the live preview
        self.preview_unit = QComboBox()
        self.preview_status = QLabel()
        self.preview_doc = QPdfDocument(self)
        self._preview_buffer = None
        self.preview_view = QPdfView()
        self.preview_view.setDocument(self.preview_doc)
        self.preview_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.preview_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        right = QWidget()
        rl = QVBoxLayout(right)
        row = QHBoxLayout()
        row.addWidget(QLabel("预览单位："))
        row.addWidget(self.preview_unit, 1)
        rl.addLayout(row)
        rl.addWidget(self.preview_view, 1)
        rl.addWidget(self.preview_status)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.splitter)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)
        may_edit = can(self.ctx.actor, Permission.MANAGE_LETTERS)
        self.save_button.setEnabled(may_edit)
        if not may_edit:
            self.save_button.setToolTip("您的角色无权修改承诺书模板")
        self.refresh_action = QAction(self)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.addAction(self.refresh_action)

    def _connect_callbacks(self) -> None:
        for edit in (self.name_edit, self.title_edit, self.issuer_edit):
            edit.textChanged.connect(self._changed)
        self.body_edit.textChanged.connect(self._changed)
        for party, org, signer, dated in self.sig_edits:
            party.textChanged.connect(self._changed)
            org.textChanged.connect(self._changed)
            signer.textChanged.connect(self._changed)
            dated.toggled.connect(self._changed)
        for edit in self.default_edits.values():
            edit.textChanged.connect(self._changed)
        self.placeholders.itemDoubleClicked.connect(self._insert_placeholder)
        self.preview_unit.currentIndexChanged.connect(lambda _i: self.timer.start())
        self.versions.activated.connect(self._load_version)
        self.timer.timeout.connect(self.update_preview)
        self.save_button.clicked.connect(self.save)
        self.reset_button.clicked.connect(lambda: self.set_content(default_content(), dirty=True))
        self.close_button.clicked.connect(self.reject)
        self.refresh_action.triggered.connect(self.update_preview)

    # -- content <-> widgets ---------------------------------------------------------------
    def content(self) -> TemplateContent:
        """The content as typed."""
        paragraphs = [p.strip() for p in self.body_edit.toPlainText().splitlines() if p.strip()]
        signatures = [
            SignatureSpec(party.text().strip(), org.text().strip(), signer.text().strip(),
                          dated.isChecked())
            for party, org, signer, dated in self.sig_edits
            if org.text().strip() or party.text().strip() or signer.text().strip()
        ]  # fmt: skip
        defaults = {}
        for key, edit in self.default_edits.items():
            text = edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()
            if text.strip():
                defaults[key] = text.strip()
        return TemplateContent(
            name=self.name_edit.text().strip(),
            title=self.title_edit.text().strip(),
            issuer_name=self.issuer_edit.text().strip(),
            paragraphs=paragraphs,
            signatures=signatures,
            defaults=defaults,
        )

    def set_content(self, content: TemplateContent, *, dirty: bool = False) -> None:
        self._loading = True
        try:
            self.name_edit.setText(content.name)
            self.title_edit.setText(content.title)
            self.issuer_edit.setText(content.issuer_name)
            self.body_edit.setPlainText("\n".join(content.paragraphs))
            for n, (party, org, signer, dated) in enumerate(self.sig_edits):
                spec = content.signatures[n] if n < len(content.signatures) else SignatureSpec()
                party.setText(spec.party)
                org.setText(spec.org)
                signer.setText(spec.signer)
                dated.setChecked(spec.dated)
            for key, edit in self.default_edits.items():
                value = content.defaults.get(key, "")
                if isinstance(edit, QPlainTextEdit):
                    edit.setPlainText(value)
                else:
                    edit.setText(value)
        finally:
            self._loading = False
        self._set_dirty(dirty)
        self._check()
        self.timer.start()

    def _changed(self, *_args) -> None:
        if self._loading:
            return
        self._set_dirty(True)
        self._check()
        self.timer.start()

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.setWindowTitle("承诺书模板[*]")
        self.setWindowModified(dirty)

    def _check(self) -> str:
        """Validate as the clerk types; the problem is shown under the form."""
        try:
            validate_content(self.content())
        except UserError as exc:
            self.problem_label.setText(str(exc))
            return str(exc)
        self.problem_label.setText("")
        return ""

    def _insert_placeholder(self, item: QListWidgetItem) -> None:
        self.body_edit.insertPlainText("{" + item.data(Qt.ItemDataRole.UserRole) + "}")
        self.tabs.setCurrentIndex(0)
        self.body_edit.setFocus()

    # -- database --------------------------------------------------------------------------
    def reload(self) -> None:
        """Load the newest version, the version list and the units."""
        content, version_no, versions, units = self.ctx.run(editor_state)
        self.based_on = version_no
        self._versions = versions
        self.versions.blockSignals(True)
        self.versions.clear()
        for v in versions:
            when = v.created_at.strftime("%Y-%m-%d %H:%M") if v.created_at else ""
            self.versions.addItem(f"第{v.version_no}版 · {when} · {v.letters} 份承诺书", v.id)
        self.versions.blockSignals(False)
        if self.preview_unit.count() == 0:
            self.preview_unit.blockSignals(True)
            for unit_id, name in units:
                self.preview_unit.addItem(name, unit_id)
            self.preview_unit.blockSignals(False)
        self.version_label.setText(
            f"当前为第 {version_no} 版。保存后成为第 {version_no + 1} 版；已印发的承诺书仍按原版本。"
        )
        self.set_content(content)

    def _load_version(self, index: int) -> None:
        template_id = self.versions.itemData(index)
        tpl_content = self.ctx.call(lambda s: template_content(get_template(s, template_id)))
        self.set_content(tpl_content, dirty=index != 0)

    def save(self) -> int | None:
        """Save as a new version; returns its number (None if refused)."""
        try:
            number = self.ctx.run(_save, self.content(), self.based_on)
        except UserError as exc:
            show_error(self, "保存模板", exc)
            return None
        self.reload()
        self.saved.emit(number)
        return number

    # -- preview ---------------------------------------------------------------------------
    def update_preview(self) -> None:
        """Render the content as typed for the chosen unit into the preview."""
        self.timer.stop()
        unit_id = self.preview_unit.currentData()
        try:
            data = self.ctx.call(_render_preview, self.ctx.actor, self.content(), unit_id)
        except Exception as exc:
            if not isinstance(exc, UserError):
                logger.exception("preview failed")
            self.preview_status.setText(f"预览失败：{error_text(exc)}")
            return
        self._preview_buffer = load_pdf(self.preview_doc, data, self)
        self.preview_count += 1
        pages = self.preview_doc.pageCount()
        now = dt.datetime.now().strftime("%H:%M:%S")
        self.preview_status.setText(
            f"预览：{self.preview_unit.currentText()}，共 {pages} 页（{now} 更新）"
        )

    # -- closing and layout ----------------------------------------------------------------
    def reject(self) -> None:
        """Esc, the close button and the window's X: ask before unsaved edits are lost."""
        if self.dirty:
            box = QMessageBox(QMessageBox.Icon.Question, "承诺书模板", "模板有未保存的修改。放弃这些修改吗？",
                              QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, self)  # fmt: skip
            box.setObjectName("discardChanges")
            discard = box.button(QMessageBox.StandardButton.Discard)
            discard.setText("放弃修改")
            box.button(QMessageBox.StandardButton.Cancel).setText("继续编辑")
            box.buttonClicked.connect(lambda b: self._discard_and_close() if b is discard else None)
            self.discard_box = box
            box.open()
            return
        self._save_layout()
        super().reject()

    def _discard_and_close(self) -> None:
        self._set_dirty(False)
        self.reject()

    def _restore_layout(self) -> None:
        s = QSettings()
        geometry = s.value(f"{SETTINGS_GROUP}/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 800)
        state = s.value(f"{SETTINGS_GROUP}/splitter")
        if state is not None:
            self.splitter.restoreState(state)

    def _save_layout(self) -> None:
        s = QSettings()
        s.setValue(f"{SETTINGS_GROUP}/geometry", self.saveGeometry())
        s.setValue(f"{SETTINGS_GROUP}/splitter", self.splitter.saveState())


def newest_version(session) -> int | None:
    """The newest template version number (for labels)."""
    tpl = current_template(session)
    return tpl.version_no if tpl else None
