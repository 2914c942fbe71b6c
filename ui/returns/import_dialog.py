"""导入县区上报: choose the file, unit and stage; check it (nothing is written); see every error
and the difference against the register; export the error report, place unknown columns, then
submit the return — and, for a reviewer, accept it in the same step."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from controllers.permissions import Permission, can
from controllers.returns.check import ReturnCheck, check_return
from controllers.returns.error_report import export_error_report
from controllers.returns.importing import ImportedReturn, import_return
from controllers.returns.industries import file_industry_words, industry_choices
from controllers.returns.lookup import stage_choices, submit_units
from controllers.returns.mappings import save_mappings
from controllers.returns.send_back import log_and_send_back
from ui import file_dialogs
from ui.context import AppContext
from ui.dates import from_qdate, to_qdate
from ui.operations import run_operation, show_error
from ui.returns.confirm import confirm_accept
from ui.returns.diff_view import DiffView
from ui.returns.industry_dialog import IndustryDialog
from ui.returns.mapping_dialog import MappingDialog

logger = logging.getLogger(__name__)

FILE_FILTER = "县区上报文件 (*.xlsx *.xlsm *.xls *.ods *.csv);;所有文件 (*)"


class ImportDialog(QDialog):
    """The import of one file; ``submitted(return_id)`` once the return is recorded."""

    submitted = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, unit_id: int | None = None,
                 stage_id: int | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("importReturnDialog")
        self.setWindowTitle("导入县区上报")
        self.check: ReturnCheck | None = None
        self.checked_path: Path | None = None
        self.return_id: int | None = None
        self.operation = None
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("pathEdit")
        self.path_edit.setPlaceholderText("选择单位发来的 .xlsx / .xls / .ods / .csv 文件")
        self.browse_button = QPushButton("浏览…")
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("unitCombo")
        for uid, name in ctx.call(submit_units, ctx.actor):
            self.unit_combo.addItem(name, uid)
        self.stage_combo = QComboBox()
        self.stage_combo.setObjectName("stageCombo")
        self.stage_combo.addItem("（不属于任何阶段）", None)
        for choice in ctx.call(stage_choices):
            self.stage_combo.addItem(choice.label, choice.id)
        self.received_edit = QDateEdit(to_qdate(dt.date.today()))
        self.received_edit.setCalendarPopup(True)
        self.received_edit.setDisplayFormat("yyyy-MM-dd")
        if unit_id is not None:
            self.unit_combo.setCurrentIndex(max(self.unit_combo.findData(unit_id), 0))
        if stage_id is not None:
            self.stage_combo.setCurrentIndex(max(self.stage_combo.findData(stage_id), 0))
        elif self.stage_combo.count() > 1:
            self.stage_combo.setCurrentIndex(_current_stage_index(ctx, self.stage_combo))
        self.check_button = QPushButton("核对(&C)")
        self.check_button.setObjectName("checkButton")
        self.check_button.setToolTip("读取并核对文件，与台账比对；不写入任何内容（Ctrl+Enter）")
        self.summary = QLabel("选择文件、责任单位和阶段后点击“核对”。核对不会写入任何内容。")
        self.summary.setObjectName("summaryLabel")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.diff = DiffView()
        self.mapping_button = QPushButton("设置列对应…")
        self.report_button = QPushButton("导出错误报告…")
        self.report_button.setToolTip("标出每个错误单元格并附说明，发回报送单位改正")
        self.submit_button = QPushButton("登记上报")
        self.submit_button.setToolTip("保存上报文件，状态为“待审核”")
        self.send_back_button = QPushButton("登记并退回")
        self.send_back_button.setObjectName("sendBackButton")
        self.send_back_button.setToolTip(
            "文件有错误：登记收到的上报（状态“退回”），附上错误报告，发回单位改正"
        )
        self.industry_button = QPushButton("行业对应…")
        self.industry_button.setObjectName("industryButton")
        self.industry_button.setToolTip("把不在行业目录中的行业归入目录中的行业，或加入目录")
        self.sent_back = None
        self.report_target: Path | None = None
        self.confirm_box = None
        self.accept_button = QPushButton("登记并审核通过")
        self.accept_button.setToolTip(
            "在一个事务中并入台账：新增和变更的企业全部写入，或全部不写入"
        )
        self.close_button = QPushButton("关闭")
        can_review = any(
            can(ctx.actor, Permission.REVIEW_RETURNS, self.unit_combo.itemData(i))
            for i in range(self.unit_combo.count())
        )
        self.accept_button.setVisible(can_review)
        self.send_back_button.setVisible(can_review)
        self.industry_button.setVisible(can_review)
        self._build_layout()
        self._connect_callbacks()
        self._update_buttons()
        self.resize(1000, 640)

    def _build_layout(self) -> None:
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow("上报文件：", file_row)
        form.addRow("责任单位：", self.unit_combo)
        form.addRow("阶段：", self.stage_combo)
        form.addRow("收到日期：", self.received_edit)
        top = QHBoxLayout()
        top.addLayout(form, 1)
        top.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignBottom)
        buttons = QHBoxLayout()
        for b in (self.mapping_button, self.industry_button, self.report_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.send_back_button, self.submit_button, self.accept_button,
                  self.close_button):  # fmt: skip
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.diff, 1)
        lay.addLayout(buttons)

    def _connect_callbacks(self) -> None:
        self.browse_button.clicked.connect(self.browse)
        self.check_button.clicked.connect(self.run_check)
        self.mapping_button.clicked.connect(self.open_mapping)
        self.report_button.clicked.connect(lambda: self.export_report())
        self.submit_button.clicked.connect(lambda: self.submit(accept=False))
        self.accept_button.clicked.connect(lambda: self.submit(accept=True))
        self.send_back_button.clicked.connect(lambda: self.send_back())
        self.industry_button.clicked.connect(self.open_industries)
        self.close_button.clicked.connect(self.close)
        self.path_edit.textChanged.connect(self._invalidate)
        self.unit_combo.currentIndexChanged.connect(self._invalidate)
        self.stage_combo.currentIndexChanged.connect(self._invalidate)
        self.diff.uncertain_model.decisions_changed.connect(self._update_buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.run_check)

    # -- state -------------------------------------------------------------------------
    def _invalidate(self) -> None:
        if self.return_id is not None:
            return
        self.check = None
        self.diff.set_check(None)
        self._update_buttons()

    def _update_buttons(self) -> None:
        c = self.check
        busy = self.operation is not None
        done = self.return_id is not None
        self.check_button.setEnabled(not busy and not done)
        self.mapping_button.setEnabled(bool(c and c.unplaced) and not busy and not done)
        self.report_button.setEnabled(bool(c and c.errors) and not busy)
        self.send_back_button.setEnabled(bool(c and c.errors) and not busy and not done)
        self.industry_button.setEnabled(bool(c and c.warnings and c.industry_words())
                                        and not busy and not done)  # fmt: skip
        ok = bool(c and c.valid) and not busy and not done
        self.submit_button.setEnabled(ok)
        undecided = self.diff.uncertain_model.undecided()
        self.accept_button.setEnabled(ok and undecided == 0)
        self.accept_button.setToolTip(
            f"还有 {undecided} 行匹配待确认（见“待确认”页）" if undecided and ok
            else "在一个事务中并入台账：新增和变更的企业全部写入，或全部不写入"
        )  # fmt: skip

    def browse(self) -> None:
        name, _ = file_dialogs.get_open_file_name(self, "选择县区上报文件", "", FILE_FILTER)
        if name:
            self.path_edit.setText(name)

    # -- actions -----------------------------------------------------------------------
    def run_check(self) -> None:
        """Read, validate and compare in the background; nothing is written."""
        text = self.path_edit.text().strip()
        if not text or self.operation is not None or self.return_id is not None:
            if not text:
                self.summary.setText("请先选择上报文件。")
            return
        path = Path(text)
        unit_id, stage_id = self.unit_combo.currentData(), self.stage_combo.currentData()
        actor = self.ctx.actor
        self.summary.setText(f"正在核对“{path.name}”…")

        def work(session, progress):
            return check_return(session, actor, path, unit_id, stage_id, progress=progress)

        def done(check: ReturnCheck) -> None:
            self.operation = None
            self.check, self.checked_path = check, path
            self.diff.set_check(check)
            self.summary.setText(check.message())
            self._update_buttons()

        self._start("核对上报文件", work, done)

    def _start(self, title: str, work, done) -> None:
        def failed(_exc: Exception) -> None:
            self.operation = None
            self._update_buttons()

        self.operation = run_operation(self, self.ctx, title, work, on_done=done)
        self.operation.failed.connect(failed)
        self.operation.failed.connect(lambda exc: self.summary.setText(f"{title}失败：{exc}"))
        self._update_buttons()

    def open_mapping(self) -> MappingDialog | None:
        if not self.check or not self.check.unplaced:
            return None
        dialog = MappingDialog(self.check.unit_name, self.check.unplaced, self)
        dialog.accepted.connect(lambda: self.save_mapping(dialog.choices()))
        dialog.open()
        return dialog

    def save_mapping(self, choices: dict[str, str]) -> None:
        unit_id = self.unit_combo.currentData()

        self.ctx.run(save_mappings, unit_id, choices)
        self.run_check()

    def export_report(self, target: str | Path | None = None) -> Path | None:
        if not self.check or not self.check.errors or self.checked_path is None:
            return None
        if target is None:
            default = Path(self.check.filename).stem + "（错误报告）.xlsx"
            name, _ = file_dialogs.get_save_file_name(
                self, "导出错误报告", default, "Excel 工作簿 (*.xlsx)"
            )
            if not name:
                return None
            target = name
        check, source = self.check, self.checked_path

        def write(session, _progress) -> Path:
            return export_error_report(session, self.ctx.actor, source, check, target)

        def done(out: Path) -> None:
            self.operation = None
            self.summary.setText(f"已导出错误报告：{out}（共 {len(check.errors)} 处错误）")
            self._update_buttons()

        self._start("导出错误报告", write, done)
        return Path(target)

    def open_industries(self) -> IndustryDialog | None:
        """File the return's industry words outside the catalog, then check again."""
        c = self.check
        if c is None or not c.industry_words():
            return None
        words = {r.guessed_industry: r.get("industry") for r in c.rows if r.guessed_industry}
        dialog = IndustryDialog(words, self.ctx.call(industry_choices), self)
        dialog.accepted.connect(lambda: self.save_industries(dialog.choices()))
        dialog.open()
        return dialog

    def save_industries(self, choices: dict[str, int | None]) -> None:
        try:
            self.ctx.run(file_industry_words, choices)
        except Exception as exc:  # noqa: BLE001 (shown to the clerk)
            show_error(self, "行业对应", exc)
            return
        self.run_check()

    def send_back(self, target: str | Path | None = None) -> None:
        """登记并退回: record the return with errors as 退回 with its error workbook, then offer
        the workbook to save and send to the unit (``target``: where, without asking)."""
        check, path = self.check, self.checked_path
        if check is None or path is None or check.valid or self.operation is not None:
            return
        received = from_qdate(self.received_edit.date())
        actor = self.ctx.actor

        def work(session, _progress):
            return log_and_send_back(session, actor, check, path, received_on=received)

        def done(sent) -> None:
            self.operation = None
            self.sent_back = sent
            self.return_id = sent.return_id
            self.summary.setText(sent.message())
            self._update_buttons()
            self.submitted.emit(sent.return_id)
            self.save_sent_report(target)

        self._start("登记并退回", work, done)

    def save_sent_report(self, target: str | Path | None = None) -> Path | None:
        """Save the error workbook of the send-back (asks where, unless ``target``)."""
        sent = self.sent_back
        if sent is None:
            return None
        if target is None:
            name, _ = file_dialogs.get_save_file_name(self, "保存错误报告（发回报送单位）",
                                                  sent.report_name, "Excel 工作簿 (*.xlsx)")  # fmt: skip
            if not name:
                return None
            target = name
        out = Path(target)
        out.write_bytes(sent.report)
        self.summary.setText(f"{sent.message()}已保存到：{out}")
        return out

    def submit(self, accept: bool, confirmed: bool = False) -> None:
        """Record the return (待审核); with ``accept`` also merge it into the register (after
        the clerk confirms what will happen)."""
        check, path = self.check, self.checked_path
        if check is None or path is None or not check.valid or self.operation is not None:
            return
        decisions = self.diff.uncertain_model.decisions()
        if accept and not confirmed:
            self.confirm_box = confirm_accept(
                self, check, decisions, lambda: self.submit(accept=True, confirmed=True)
            )
            return
        received = from_qdate(self.received_edit.date())
        actor = self.ctx.actor

        def work(session, progress) -> ImportedReturn:
            return import_return(session, actor, path, check.unit_id, check.stage_id,
                                 accept=accept, decisions=decisions, check=check,
                                 received_on=received, progress=progress)  # fmt: skip

        def done(imported: ImportedReturn) -> None:
            self.operation = None
            self.return_id = imported.return_id
            self.summary.setText(imported.message())
            self._update_buttons()
            self.submitted.emit(self.return_id)

        self._start("审核通过" if accept else "登记上报", work, done)


def _current_stage_index(ctx: AppContext, combo: QComboBox) -> int:
    """The first stage whose deadline has not passed (else the newest)."""
    today = dt.date.today()
    for choice in ctx.call(stage_choices):
        if choice.deadline is None or choice.deadline >= today:
            return max(combo.findData(choice.id), 0)
    return 1
