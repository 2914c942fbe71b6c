"""A return: its file, received date, the principal head's signature (with the scanned page),
the publication on the unit's website, and the review — check, 通过 or 退回 with reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from controllers.listings import Listing
from controllers.permissions import Permission, can
from controllers.returns.check import ReturnCheck, check_return
from controllers.returns.error_report import export_error_report
from controllers.returns.merge_record import MergeRecord, merge_record
from controllers.returns.records import (
    ReturnDetail,
    attach_signature_page,
    export_attachment,
    return_detail,
    stored_file,
    update_return_details,
)
from controllers.returns.review import accept_return, send_back
from controllers.returns.send_back import ReturnVersion, error_report_attachment, return_versions
from models.codes import ReturnStatus
from ui import file_dialogs
from ui.context import AppContext
from ui.dates import optional_date, optional_date_edit, set_optional_date
from ui.formatting import display
from ui.listing_model import ListingModel
from ui.operations import run_operation, show_error
from ui.register.case_dialog import CaseDialog
from ui.returns.confirm import confirm_accept
from ui.returns.diff_view import DiffView


def _versions_text(versions: list[ReturnVersion], return_id: int) -> str:
    """ "第 2 版（共 2 版）；第 1 版 2026-05-20 收到，退回" — the unit's uploads for the stage."""
    this = next((v for v in versions if v.return_id == return_id), None)
    if this is None:
        return ""
    text = f"第 {this.version_no} 版（共 {len(versions)} 版）"
    others = [f"第 {v.version_no} 版 {v.received_on.isoformat() if v.received_on else ''} "
              f"{v.status.label}（编号 {v.return_id}）"
              for v in versions if v.return_id != return_id]  # fmt: skip
    return text + ("；" + "；".join(others) if others else "")


def merged_listing(record: MergeRecord) -> Listing:
    """One row per created case, per changed field and per confirmed match."""
    rows: list[tuple] = []
    for c in record.created:
        rows.append(("新增", c.case_id, c.label, c.sheet_row, "", "", ""))
    for c in record.changed:
        for header, old, new in c.changes:
            rows.append(("变更", c.case_id, c.label, c.sheet_row, header, old or "（空）", new))
    for c in record.confirmed:
        rows.append(("确认同一企业", c.case_id, c.label, c.sheet_row, "", "", ""))
    return Listing(["类别", "台账编号", "企业", "上报行号", "字段", "原值", "新值"], rows)


class ReturnDialog(QDialog):
    """One return; ``changed`` after any write (the pane refreshes through ui.events too)."""

    changed = Signal()

    def __init__(self, ctx: AppContext, return_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.return_id = return_id
        self.detail: ReturnDetail | None = None
        self.check: ReturnCheck | None = None
        self.operation = None
        self.setObjectName("returnDialog")
        self.title = QLabel()
        self.title.setObjectName("returnTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.file_label = QLabel()
        self.export_file_button = QPushButton("导出原文件…")
        self.received_edit = optional_date_edit("未填写")
        self.signer_edit = QLineEdit()
        self.signer_edit.setObjectName("signerEdit")
        self.signed_edit = optional_date_edit("未填写")
        self.pages_list = QListWidget()
        self.pages_list.setMaximumHeight(54)
        self.add_page_button = QPushButton("添加签字页扫描件…")
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("urlEdit")
        self.url_edit.setPlaceholderText("http://www.xxx.gov.cn/…（单位政府网站公示页面）")
        self.published_edit = optional_date_edit("未填写")
        self.save_button = QPushButton("保存信息(&S)")
        self.save_button.setObjectName("saveButton")
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        self.reasons_edit = QPlainTextEdit()
        self.reasons_edit.setObjectName("reasonsEdit")
        self.reasons_edit.setPlaceholderText("退回原因：写明需要单位改正的内容（退回时必填）")
        self.reasons_edit.setMaximumHeight(64)
        self.check_button = QPushButton("核对差异")
        self.check_button.setObjectName("checkButton")
        self.accept_button = QPushButton("审核通过")
        self.accept_button.setObjectName("acceptButton")
        self.return_button = QPushButton("退回")
        self.return_button.setObjectName("returnButton")
        self.report_button = QPushButton("导出错误报告…")
        self.summary = QLabel()
        self.summary.setObjectName("summaryLabel")
        self.summary.setWordWrap(True)
        self.diff = DiffView()
        self.versions_label = QLabel()
        self.versions_label.setObjectName("versionsLabel")
        self.versions_label.setWordWrap(True)
        self.merged_box = QGroupBox("并入台账的内容（双击打开企业）")
        self.merged_box.setObjectName("mergedBox")
        self.merged_summary = QLabel()
        self.merged_model = ListingModel(parent=self)
        self.merged_view = QTableView()
        self.merged_view.setObjectName("mergedTable")
        self.merged_view.setModel(self.merged_model)
        self.merged_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.merged_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.merged_view.verticalHeader().setVisible(False)
        self.merged_view.horizontalHeader().setStretchLastSection(True)
        self.merged = None
        self.error_report_id: int | None = None
        self.confirm_box = None
        self.case_dialogs: list[CaseDialog] = []
        self.close_button = QPushButton("关闭")
        self._build_layout()
        self._connect_callbacks()
        self.resize(1000, 700)
        self.reload()

    def _build_layout(self) -> None:
        info = QGroupBox("上报信息")
        form = QFormLayout(info)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(self.export_file_button)
        form.addRow("上报文件：", file_row)
        form.addRow("版本：", self.versions_label)
        form.addRow("收到日期：", self.received_edit)
        sign_row = QHBoxLayout()
        sign_row.addWidget(self.signer_edit, 1)
        sign_row.addWidget(QLabel("签字日期："))
        sign_row.addWidget(self.signed_edit)
        form.addRow("主要负责同志签字：", sign_row)
        pages = QHBoxLayout()
        pages.addWidget(self.pages_list, 1)
        pages.addWidget(self.add_page_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow("签字页：", pages)
        pub_row = QHBoxLayout()
        pub_row.addWidget(self.url_edit, 1)
        pub_row.addWidget(QLabel("公示日期："))
        pub_row.addWidget(self.published_edit)
        form.addRow("政府网站公示：", pub_row)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        form.addRow(save_row)
        review = QGroupBox("审核")
        rlay = QVBoxLayout(review)
        rlay.addWidget(self.status_label)
        rlay.addWidget(self.reasons_edit)
        buttons = QHBoxLayout()
        for b in (self.check_button, self.report_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.accept_button, self.return_button):
            buttons.addWidget(b)
        rlay.addLayout(buttons)
        rlay.addWidget(self.summary)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        # the details scroll on a small screen (1366×768 at 150 %), the diff keeps its room
        details = QWidget()
        dlay = QVBoxLayout(details)
        dlay.setContentsMargins(0, 0, 0, 0)
        dlay.addWidget(info)
        dlay.addWidget(review)
        scroll = QScrollArea()
        scroll.setObjectName("returnDetails")
        scroll.setWidget(details)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMinimumHeight(160)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(scroll)
        merged_lay = QVBoxLayout(self.merged_box)
        merged_lay.addWidget(self.merged_summary)
        merged_lay.addWidget(self.merged_view)
        splitter.addWidget(self.merged_box)  # what an accept merged (shown once accepted)
        splitter.addWidget(self.diff)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(splitter, 1)
        lay.addLayout(bottom)
        splitter.setSizes([details.sizeHint().height(), 240, 400])

    def _connect_callbacks(self) -> None:
        self.save_button.clicked.connect(self.save_details)
        self.add_page_button.clicked.connect(lambda: self.add_signature_page())
        self.export_file_button.clicked.connect(lambda: self.export_file())
        self.check_button.clicked.connect(self.run_check)
        self.accept_button.clicked.connect(self.accept_return)
        self.return_button.clicked.connect(self.send_back)
        self.report_button.clicked.connect(lambda: self.export_report())
        self.close_button.clicked.connect(self.close)
        self.merged_view.doubleClicked.connect(
            lambda index: self.open_case(self.merged_model.row_values(index.row())[1])
        )
        self.diff.uncertain_model.decisions_changed.connect(self._update_buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save_details)

    # -- state -------------------------------------------------------------------------
    def reload(self) -> None:
        d = self.ctx.call(return_detail, self.ctx.actor, self.return_id)
        self.detail = d
        self.setWindowTitle(f"县区上报 — {d.unit_name}")
        self.title.setText(f"{d.unit_name} · {d.stage_label or '（无阶段）'} · {d.status.label}")
        late = (
            f"（晚于截止日期 {d.stage_deadline.isoformat()}）"
            if d.late and d.stage_deadline
            else ""
        )
        rows = f"  共 {d.rows_total:,} 行" if d.rows_total is not None else ""
        self.file_label.setText(f"{d.file_name or '（未保存文件）'}{rows}{late}")
        set_optional_date(self.received_edit, d.received_on)
        self.signer_edit.setText(d.signer_name)
        self.signer_edit.setPlaceholderText(d.head_name or "主要负责同志姓名")
        set_optional_date(self.signed_edit, d.signed_on)
        self.pages_list.clear()
        for _att_id, name in d.signature_pages:
            self.pages_list.addItem(name)
        self.url_edit.setText(d.published_url)
        set_optional_date(self.published_edit, d.published_on)
        status = f"审核状态：{d.status.label}"
        if d.reviewed_at:
            status += f"，审核人：{d.reviewer or '—'}，审核时间：{display(d.reviewed_at)}"
        if d.status == ReturnStatus.RETURNED:
            status += f"。退回原因：{d.review_reasons}"
        if d.status == ReturnStatus.APPROVED and d.rows_new is not None:
            status += f"。并入台账：新增 {d.rows_new or 0:,} 家，变更 {d.rows_changed or 0:,} 家"
        self.status_label.setText(status)
        self.reasons_edit.setVisible(d.status == ReturnStatus.PENDING)
        versions = self.ctx.call(return_versions, self.ctx.actor, d.id)
        self.versions_label.setText(_versions_text(versions, d.id))
        self.error_report_id = self.ctx.call(error_report_attachment, d.id)
        self.merged = self.ctx.call(merge_record, self.ctx.actor, d.id)
        self.merged_box.setVisible(not self.merged.is_empty())
        self.merged_summary.setText(f"本次上报并入台账：{self.merged.summary()}")
        self.merged_model.set_listing(merged_listing(self.merged))
        self._update_buttons()

    def _update_buttons(self) -> None:
        d = self.detail
        if d is None:
            return
        busy = self.operation is not None
        pending = d.status == ReturnStatus.PENDING
        reviewer = can(self.ctx.actor, Permission.REVIEW_RETURNS, d.unit_id)
        editor = can(self.ctx.actor, Permission.SUBMIT_RETURNS, d.unit_id)
        for w in (self.received_edit, self.signer_edit, self.signed_edit, self.url_edit,
                  self.published_edit, self.save_button, self.add_page_button):  # fmt: skip
            w.setEnabled(editor and not busy)
        self.export_file_button.setEnabled(d.file_attachment_id is not None and not busy)
        self.check_button.setEnabled(d.file_attachment_id is not None and not busy)
        c = self.check
        undecided = self.diff.uncertain_model.undecided()
        self.accept_button.setEnabled(
            reviewer and pending and not busy and bool(c and c.valid) and undecided == 0
        )
        self.accept_button.setToolTip(
            "先“核对差异”，确认新增、变更和待确认的企业后再通过" if c is None
            else (f"还有 {undecided} 行匹配待确认" if undecided else "在一个事务中并入台账")
        )  # fmt: skip
        self.return_button.setEnabled(reviewer and pending and not busy)
        self.report_button.setEnabled(
            (bool(c and c.errors) or self.error_report_id is not None) and not busy
        )

    def _start(self, title: str, work, done) -> None:
        def finished(result: Any) -> None:
            self.operation = None
            done(result)
            self._update_buttons()

        def failed(_exc: Exception) -> None:
            self.operation = None
            self._update_buttons()

        self.operation = run_operation(self, self.ctx, title, work, on_done=finished)
        self.operation.failed.connect(failed)
        self._update_buttons()

    # -- details -----------------------------------------------------------------------
    def save_details(self) -> None:
        d = self.detail
        if d is None or not self.save_button.isEnabled():
            return
        changes = {
            "received_on": optional_date(self.received_edit),
            "signer_name": self.signer_edit.text().strip() or None,
            "signed_on": optional_date(self.signed_edit),
            "published_url": self.url_edit.text().strip() or None,
            "published_on": optional_date(self.published_edit),
        }

        try:
            self.ctx.run(update_return_details, d.id, d.version, changes)
        except Exception as exc:  # noqa: BLE001 (shown to the clerk, logged by show_error's caller)
            show_error(self, "保存上报信息", exc)
            return
        self.reload()
        self.summary.setText("上报信息已保存。")
        self.changed.emit()

    def add_signature_page(self, path: str | Path | None = None) -> None:
        if path is None:
            name, _ = file_dialogs.get_open_file_name(
                self,
                "选择签字页扫描件",
                "",
                "扫描件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有文件 (*)",
            )
            if not name:
                return
            path = name
        p = Path(path)

        try:
            self.ctx.run(attach_signature_page, self.return_id, p.read_bytes(), p.name)
        except Exception as exc:  # noqa: BLE001
            show_error(self, "添加签字页", exc)
            return
        self.reload()
        self.changed.emit()

    def export_file(self, target: str | Path | None = None, attachment_id: int | None = None,
                    title: str = "导出上报原文件") -> None:  # fmt: skip
        d = self.detail
        attachment_id = attachment_id or (d.file_attachment_id if d else None)
        if d is None or attachment_id is None:
            return
        if target is None:
            name, _ = file_dialogs.get_save_file_name(self, title, d.file_name)
            if not name:
                return
            target = name

        try:
            out = self.ctx.run(export_attachment, attachment_id, target)
        except Exception as exc:  # noqa: BLE001
            show_error(self, title, exc)
            return
        self.summary.setText(f"已导出：{out}")

    # -- review ------------------------------------------------------------------------
    def run_check(self) -> None:
        actor, d = self.ctx.actor, self.detail
        if d is None:
            return
        self.summary.setText("正在核对上报文件…")

        def work(session, progress) -> ReturnCheck:
            with stored_file(session, actor, d.id) as (path, name):
                return check_return(session, actor, path, d.unit_id, d.stage_id, filename=name,
                                    progress=progress)  # fmt: skip

        def done(check: ReturnCheck) -> None:
            self.check = check
            self.diff.set_check(check)
            self.summary.setText(check.message())

        self._start("核对上报文件", work, done)

    def open_case(self, case_id: int) -> CaseDialog:
        """A case the return created, changed or matched."""
        dialog = CaseDialog(self.ctx, int(case_id), self)
        self.case_dialogs.append(dialog)
        dialog.open()
        return dialog

    def accept_return(self, confirmed: bool = False) -> None:
        d, check = self.detail, self.check
        if d is None or check is None or not self.accept_button.isEnabled():
            return
        decisions = self.diff.uncertain_model.decisions()
        if not confirmed:
            self.confirm_box = confirm_accept(
                self, check, decisions, lambda: self.accept_return(confirmed=True)
            )
            return
        actor = self.ctx.actor

        def work(session, progress):
            return accept_return(session, actor, d.id, d.version, check, decisions, progress)

        def done(result) -> None:
            self.reload()
            self.summary.setText(result.message())
            self.changed.emit()

        self._start("审核通过", work, done)

    def send_back(self) -> None:
        d = self.detail
        if d is None or not self.return_button.isEnabled():
            return
        reasons = self.reasons_edit.toPlainText().strip()
        if not reasons:
            self.summary.setText("请先在“退回原因”中写明需要单位改正的内容。")
            self.reasons_edit.setFocus()
            return
        actor = self.ctx.actor

        def work(session, _progress) -> None:
            send_back(session, actor, d.id, d.version, reasons)

        def done(_result) -> None:
            self.reload()
            self.summary.setText("已退回，退回原因已记录。")
            self.changed.emit()

        self._start("退回上报", work, done)

    def export_report(self, target: str | Path | None = None) -> None:
        d, check = self.detail, self.check
        if d is not None and (check is None or not check.errors) and self.error_report_id:
            self.export_file(target, self.error_report_id, "导出错误报告")
            return
        if d is None or check is None or not check.errors:
            return
        if target is None:
            default = Path(check.filename).stem + "（错误报告）.xlsx"
            name, _ = file_dialogs.get_save_file_name(
                self, "导出错误报告", default, "Excel 工作簿 (*.xlsx)"
            )
            if not name:
                return
            target = name
        actor = self.ctx.actor

        def work(session, _progress) -> Path:
            with stored_file(session, actor, d.id) as (path, _name):
                return export_error_report(session, actor, path, check, target)

        self._start(
            "导出错误报告", work, lambda out: self.summary.setText(f"已导出错误报告：{out}")
        )
