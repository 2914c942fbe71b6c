"""阶段工作报告: choose the date, edit sections 五 and 六 (kept in the database), preview the
report written from the data, and generate it as PDF (official layout) or Word (.docx)."""

from __future__ import annotations

import datetime as dt
import html
import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QDate, QSettings, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from controllers.editing import EditConflict
from controllers.permissions import Permission, can
from controllers.report.content import StageReport
from controllers.report.generate import generate_report, prepare_report
from controllers.report.texts import (
    DEFAULT_NEXT_STEPS,
    DEFAULT_PROPOSALS,
    ReportTexts,
    load_current_texts,
    save_current_texts,
)
from ui import file_dialogs
from ui.context import AppContext
from ui.operations import Operation, run_operation, show_error

logger = logging.getLogger(__name__)
SETTINGS_GROUP = "ReportDialog"
#: previews still computing (kept alive until done, even if their dialog has closed)
PENDING_PREVIEWS: set[Operation] = set()


class ReportDialog(QDialog):
    """The stage report: figures from the data as of a date, the clerk's wording for 五 and 六."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("reportDialog")
        self.setWindowTitle("阶段工作报告")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(1000, 700)
        self.loaded = ReportTexts()  # what the database holds (with its version)
        self.last_written: Path | None = None
        self._preview_op: Operation | None = None
        self._preview_serial = 0
        self.operation: Operation | None = None  # the running generation

        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy年M月d日")
        self.date_edit.setToolTip("报告中所有数字按这一天的数据统计")
        self.proposals_edit = QPlainTextEdit()
        self.proposals_edit.setObjectName("proposalsEdit")
        self.next_steps_edit = QPlainTextEdit()
        self.next_steps_edit.setObjectName("nextStepsEdit")
        for edit in (self.proposals_edit, self.next_steps_edit):
            edit.setTabChangesFocus(True)
            edit.setPlaceholderText("每段一行")
        self.save_button = QPushButton("保存文字")
        self.save_button.setToolTip(
            "保存“意见建议”和“下一步工作安排”，下次生成报告时沿用（Ctrl+S）"
        )
        self.defaults_button = QPushButton("恢复默认文字")
        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.setWordWrap(True)
        self.preview = QTextBrowser()
        self.preview.setObjectName("reportPreview")
        self.preview_button = QPushButton("刷新预览")
        self.status_label = QLabel()
        self.status_label.setObjectName("reportStatus")
        self.status_label.setWordWrap(True)
        self.pdf_button = QPushButton("生成 PDF…")
        self.pdf_button.setToolTip("公文格式 PDF，可直接打印")
        self.docx_button = QPushButton("生成 Word…")
        self.docx_button.setToolTip("可编辑的 .docx 文件，WPS / Word 均可打开")
        self.open_button = QPushButton("打开文件")
        self.open_button.setEnabled(False)
        self.close_button = QPushButton("关闭")

        editors = QGroupBox("可编辑部分（随报告保存在数据库中）")
        form = QVBoxLayout(editors)
        form.addWidget(QLabel("五、意见建议"))
        form.addWidget(self.proposals_edit, 1)
        form.addWidget(QLabel("六、下一步工作安排"))
        form.addWidget(self.next_steps_edit, 1)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.defaults_button)
        row.addStretch(1)
        form.addLayout(row)
        form.addWidget(self.saved_label)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(QLabel("预览（数字均由数据统计得出）"), 1)
        head.addWidget(self.preview_button)
        rl.addLayout(head)
        rl.addWidget(self.preview, 1)
        splitter = QSplitter()
        splitter.addWidget(editors)
        splitter.addWidget(right)
        splitter.setSizes([380, 620])
        top = QHBoxLayout()
        top.addWidget(QLabel("数据截至："))
        top.addWidget(self.date_edit)
        top.addWidget(QLabel("报告中的所有数字按这一天的数据统计"))
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        for b in (self.open_button, self.pdf_button, self.docx_button, self.close_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(splitter, 1)
        lay.addLayout(buttons)

        may_edit = can(ctx.actor, Permission.EDIT_CASES)
        self.save_button.setEnabled(may_edit)
        if not may_edit:
            self.save_button.setToolTip(
                "您的角色不能保存报告文字；修改的文字仍会用于本次生成的报告"
            )
        may_export = can(ctx.actor, Permission.EXPORT)
        self.pdf_button.setEnabled(may_export)
        self.docx_button.setEnabled(may_export)
        self._connect_callbacks()
        self.load_texts()
        self.refresh_preview()

    def _connect_callbacks(self) -> None:
        self.save_button.clicked.connect(self.save_texts)
        self.defaults_button.clicked.connect(self.restore_defaults)
        self.preview_button.clicked.connect(self.refresh_preview)
        self.date_edit.dateChanged.connect(self.refresh_preview)
        self.pdf_button.clicked.connect(lambda: self.choose_and_generate(".pdf"))
        self.docx_button.clicked.connect(lambda: self.choose_and_generate(".docx"))
        self.open_button.clicked.connect(self.open_last)
        self.close_button.clicked.connect(self.close)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save_texts)

    # -- texts ----------------------------------------------------------------------------
    def as_of(self) -> dt.date:
        return self.date_edit.date().toPython()

    def texts(self) -> ReportTexts:
        """The wording in the editors (with the version it was loaded at)."""
        return ReportTexts(
            proposals=self.proposals_edit.toPlainText(),
            next_steps=self.next_steps_edit.toPlainText(),
            version=self.loaded.version,
        )

    def is_modified(self) -> bool:
        t = self.texts()
        return (t.proposals.strip(), t.next_steps.strip()) != (
            self.loaded.proposals.strip(),
            self.loaded.next_steps.strip(),
        )

    def load_texts(self) -> None:
        self._show_texts(self.ctx.call(load_current_texts, self.ctx.actor))

    def _show_texts(self, texts: ReportTexts) -> None:
        self.loaded = texts
        self.proposals_edit.setPlainText(texts.proposals)
        self.next_steps_edit.setPlainText(texts.next_steps)
        if texts.version is None:
            self.saved_label.setText("尚未保存过，显示的是默认文字。")
        else:
            self.saved_label.setText(f"上次保存：{texts.updated_by} {texts.updated_at}")

    def restore_defaults(self) -> None:
        self.proposals_edit.setPlainText(DEFAULT_PROPOSALS)
        self.next_steps_edit.setPlainText(DEFAULT_NEXT_STEPS)

    def save_texts(self) -> bool:
        """Store the wording; on a conflict show both versions and let the clerk choose."""
        if not self.save_button.isEnabled():
            return False
        mine = self.texts()
        try:
            saved = self.ctx.call(save_current_texts, self.ctx.actor, mine)
        except EditConflict as conflict:
            return self._resolve_conflict(mine, conflict)
        except Exception as exc:  # noqa: BLE001 (shown in Chinese, logged if unexpected)
            show_error(self, "保存报告文字", exc)
            return False
        self._show_texts(saved)
        self.status_label.setText("报告文字已保存。")
        self.refresh_preview()
        return True

    def _resolve_conflict(self, mine: ReportTexts, conflict: EditConflict) -> bool:
        choice = self.choose_version(mine, conflict.theirs)
        if choice == "mine":
            self.loaded = ReportTexts(
                self.loaded.proposals, self.loaded.next_steps, conflict.current_version
            )
            return self.save_texts()
        if choice == "theirs":
            self.load_texts()
            self.refresh_preview()
        return False

    def choose_version(self, mine: ReportTexts, theirs: dict) -> str:
        """Ask which wording to keep: "mine", "theirs" or "" (cancel)."""
        box = QMessageBox(self)
        box.setObjectName("textConflict")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("报告文字已被他人修改")
        box.setText(
            f"{theirs.get('updated_by') or '其他用户'}在 {theirs.get('updated_at') or '刚才'} "
            "保存了新的报告文字，您的修改尚未保存。请选择保留哪一份（详细内容可展开比较）。"
        )
        box.setDetailedText(
            "【他人保存的】\n五、意见建议\n" + theirs.get("proposals", "")
            + "\n六、下一步工作安排\n" + theirs.get("next_steps", "")
            + "\n\n【您的】\n五、意见建议\n" + mine.proposals
            + "\n六、下一步工作安排\n" + mine.next_steps
        )  # fmt: skip
        keep = box.addButton("保留我的", QMessageBox.ButtonRole.AcceptRole)
        use = box.addButton("使用他人的", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is keep:
            return "mine"
        if box.clickedButton() is use:
            return "theirs"
        return ""

    # -- preview --------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        """Recompute the report in the background and show it (the newest request wins)."""
        texts = self.texts()
        as_of = self.as_of()
        actor = self.ctx.actor
        self._preview_serial += 1
        serial = self._preview_serial
        self.status_label.setText("正在统计……")
        # no parent: a preview still running when the dialog closes finishes harmlessly
        op = Operation(
            self.ctx, lambda session, _progress: prepare_report(session, actor, as_of, texts)
        )
        PENDING_PREVIEWS.add(op)
        op.finished.connect(  # an Outcome: its value is the report
            lambda outcome, op=op: self._preview_done(op, serial, self.ctx.publish(outcome), None)
        )
        op.failed.connect(lambda exc, op=op: self._preview_done(op, serial, None, exc))
        self._preview_op = op.start()

    def _preview_done(self, op: Operation, serial: int, report, exc) -> None:
        PENDING_PREVIEWS.discard(op)
        op.deleteLater()
        if not shiboken6.isValid(self) or serial != self._preview_serial:
            return  # the dialog is gone, or a newer preview is on its way
        if exc is not None:
            self.status_label.setText("")
            show_error(self, "预览报告", exc)
            return
        self._show_preview(report)

    def _show_preview(self, report: StageReport) -> None:
        self.status_label.setText("")
        self.preview.setHtml(report_html(report))

    # -- generation -----------------------------------------------------------------------
    def choose_and_generate(self, suffix: str) -> None:
        settings = QSettings()
        folder = settings.value(
            f"{SETTINGS_GROUP}/dir",
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation),
        )
        name = f"“散乱污”企业持续整治工作报告_{self.as_of():%Y%m%d}{suffix}"
        filters = "PDF 文件 (*.pdf)" if suffix == ".pdf" else "Word 文档 (*.docx)"
        path, _ = file_dialogs.get_save_file_name(
            self, "生成报告", str(Path(folder) / name), filters
        )
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        settings.setValue(f"{SETTINGS_GROUP}/dir", str(Path(path).parent))
        self.generate(path)

    def generate(self, path: str | Path) -> Operation | None:
        """Write the report to ``path`` in the background (saving changed wording first)."""
        if self.is_modified() and self.save_button.isEnabled() and not self.save_texts():
            return None
        texts = self.texts()
        as_of = self.as_of()
        actor = self.ctx.actor
        self.status_label.setText("正在生成报告……")
        self.operation = run_operation(
            self,
            self.ctx,
            "生成阶段工作报告",
            lambda session, progress: generate_report(session, actor, path, as_of, texts, progress),
            on_done=self._generated,
        )
        self.operation.failed.connect(lambda _exc: self.status_label.setText("报告未生成。"))
        return self.operation

    def _generated(self, path: Path) -> None:
        self.last_written = Path(path)
        self.open_button.setEnabled(True)
        self.status_label.setText(f"已生成：{path}")

    def open_last(self) -> None:
        if self.last_written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_written)))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_modified() and self.save_button.isEnabled():
            answer = QMessageBox.question(
                self,
                "阶段工作报告",
                "报告文字已修改但尚未保存，是否保存？",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save and not self.save_texts():
                event.ignore()
                return
        super().closeEvent(event)


def report_html(report: StageReport) -> str:
    """The report as simple HTML for the preview."""
    esc = html.escape
    parts = [
        f"<h2 style='text-align:center'>{esc(report.title)}</h2>",
        f"<p style='text-align:center'>{esc(report.subtitle)}</p>",
    ]
    for section in report.sections:
        parts.append(f"<h3>{esc(section.heading)}</h3>")
        parts.extend(f"<p>　　{esc(p)}</p>" for p in section.paragraphs)
        if section.exhibits:
            parts.append(f"<p style='text-align:center'><i>〔{esc(report.chart_title)}〕</i></p>")
            parts.append(f"<p style='text-align:center'><b>{esc(report.table_title)}</b></p>")
            rows = "".join(
                "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
                for row in report.table_rows
            )
            head = "".join(f"<th>{esc(h)}</th>" for h in report.table_headers)
            parts.append(
                f"<table border='1' cellspacing='0' cellpadding='3'><tr>{head}</tr>{rows}</table>"
            )
    parts.append(f"<p style='text-align:right'>{esc(report.issuer)}<br>{esc(report.date_line)}</p>")
    return "".join(parts)
