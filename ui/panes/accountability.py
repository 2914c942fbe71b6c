"""问责: the tally per unit under the rules, and the records: propose, decide, carry out,
amend. Decided records are never edited; corrections are amendments shown with the record.

Keys: Ctrl+D decide, Ctrl+Shift+E record execution, Ctrl+M amend, Delete delete a proposed
record, Ctrl+E export, F5 refresh.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from controllers.accountability.documents import export_records, write_decision
from controllers.accountability.records import (
    AMENDABLE,
    PersonInput,
    RecordView,
    amend,
    decide,
    delete_record,
    edit_record,
    execute,
    record_rows,
    start_from_tally,
)
from controllers.accountability.rules import current_rules
from controllers.accountability.tally import tally_units
from controllers.editing import EditConflict
from controllers.errors import UserError
from controllers.permissions import Permission, can
from models.codes import AccountabilityLevel, AccountabilityStatus, Measure, RuleCounter
from ui import events, file_dialogs
from ui.confirm import confirm
from ui.context import AppContext
from ui.dates import from_qdate, to_qdate
from ui.dialogs.conflict_dialog import ConflictDialog
from ui.panes.base import Pane, pane_header

TALLY_COLUMNS = ["责任单位", "交办问题未整改", "新发现问题", "达到的阈值", "拟问责层级"]
RECORD_COLUMNS = ["编号", "责任单位", "问责措施", "状态", "文号", "决定日期", "执行日期", "更正"]


def parse_persons(text: str) -> list[PersonInput]:
    """``张某（副县长），李某`` → persons."""
    out = []
    for part in text.replace("、", "，").replace(",", "，").split("，"):
        part = part.strip()
        if not part:
            continue
        post = None
        for a, b in (("（", "）"), ("(", ")")):
            if a in part and part.endswith(b):
                part, post = part[: part.index(a)].strip(), part[part.index(a) + 1 : -1]
        out.append(PersonInput(part, post))
    return out


def _date_edit(day: dt.date | None = None) -> QDateEdit:
    edit = QDateEdit(to_qdate(day or dt.date.today()))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class FormDialog(QDialog):
    """A small form: rows of (label, widget), OK and Cancel."""

    def __init__(self, title: str, rows: list[tuple[str, QWidget]], parent: QWidget | None = None,
                 note: str = "") -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        if note:
            label = QLabel(note)
            label.setWordWrap(True)
            form.addRow(label)
        for text, widget in rows:
            form.addRow(text, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class AccountabilityPane(Pane):
    title = "问责"
    topics = frozenset({events.ACCOUNTABILITY, events.SPOT_CHECKS, events.CASES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.can_edit = can(ctx.actor, Permission.EDIT_ACCOUNTABILITY)
        today = dt.date.today()
        self.from_edit = _date_edit(today.replace(month=1, day=1))
        self.to_edit = _date_edit(today)
        self.tally_table = self._table(TALLY_COLUMNS, "tallyTable")
        self.records_table = self._table(RECORD_COLUMNS, "recordsTable")
        self.detail = QTextBrowser()
        self.detail.setObjectName("recordDetail")
        self.view_combo = QComboBox()
        self.view_combo.addItem("全部", "all")
        self.view_combo.addItem("未办结", "pending")
        self.start_button = QPushButton("启动问责…")
        self.edit_button = QPushButton("修改…")
        self.edit_button.setToolTip("修改拟问责的记录：人员、措施、依据、摘要")
        self.decide_button = QPushButton("作出决定…")
        self.execute_button = QPushButton("登记执行…")
        self.amend_button = QPushButton("追加更正…")
        self.delete_button = QPushButton("删除")
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.setToolTip("导出问责记录（Ctrl+E）")
        self.notice_button = QPushButton("决定书 PDF…")
        self.rules_button = QPushButton("规则…")
        self.rules_button.setEnabled(self.can_edit)
        for b in (self.start_button, self.edit_button, self.decide_button, self.execute_button,
                  self.amend_button, self.delete_button):  # fmt: skip
            b.setEnabled(self.can_edit)
        self.tallies: list = []
        self.records: list[RecordView] = []

        period = QHBoxLayout()
        period.addWidget(QLabel("统计期间："))
        period.addWidget(self.from_edit)
        period.addWidget(QLabel("至"))
        period.addWidget(self.to_edit)
        period.addStretch(1)
        period.addWidget(self.rules_button)
        period.addWidget(self.start_button)
        self.decide_button.setToolTip("作出问责决定（Ctrl+D）；决定后只能追加更正")
        self.amend_button.setToolTip("更正已决定的记录（Ctrl+M）")
        self.delete_button.setToolTip("删除拟问责记录（Delete）；已决定的记录不能删除")
        self.rules_button.setToolTip("问责规则：权重、阈值阶梯（保存为新版本）")
        actions = QHBoxLayout()
        actions.addWidget(QLabel("问责记录："))
        actions.addWidget(self.view_combo)
        actions.addStretch(1)
        steps = QHBoxLayout()
        for b in (self.edit_button, self.decide_button, self.execute_button, self.amend_button,
                  self.delete_button):  # fmt: skip
            steps.addWidget(b)
        steps.addStretch(1)
        docs = QHBoxLayout()
        docs.addStretch(1)
        docs.addWidget(self.export_button)
        docs.addWidget(self.notice_button)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.records_table)
        lower.addWidget(self.detail)
        lower.setSizes([600, 400])
        lay = QVBoxLayout(self)
        lay.addWidget(pane_header(self.title, "按《省“散乱污”量化问责管理办法》统计各单位问题、"
                                              "记录问责；已决定的记录只能追加更正"))  # fmt: skip
        lay.addLayout(period)
        lay.addWidget(self.tally_table, 2)
        lay.addLayout(actions)
        lay.addLayout(steps)
        lay.addWidget(lower, 3)
        lay.addLayout(docs)
        self._connect_callbacks()

    @staticmethod
    def _table(columns: list[str], name: str) -> QTableWidget:
        t = QTableWidget(0, len(columns))
        t.setObjectName(name)
        t.setHorizontalHeaderLabels(columns)
        t.verticalHeader().setVisible(False)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return t

    def _connect_callbacks(self) -> None:
        self.from_edit.dateChanged.connect(lambda _d: self._loaded and self.load_tally())
        self.to_edit.dateChanged.connect(lambda _d: self._loaded and self.load_tally())
        self.view_combo.currentIndexChanged.connect(lambda _i: self._loaded and self.load_records())
        self.records_table.currentCellChanged.connect(lambda *_a: self.show_detail())
        self.start_button.clicked.connect(self.start_record)
        self.edit_button.clicked.connect(self.edit_selected)
        self.decide_button.clicked.connect(self.decide_selected)
        self.execute_button.clicked.connect(self.execute_selected)
        self.amend_button.clicked.connect(self.amend_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self.export)
        self.notice_button.clicked.connect(self.notice)
        self.rules_button.clicked.connect(self.edit_rules)
        QShortcut(QKeySequence("Ctrl+D"), self, activated=self.decide_selected)
        QShortcut(QKeySequence("Ctrl+M"), self, activated=self.amend_selected)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.export)
        QShortcut(QKeySequence.StandardKey.Delete, self.records_table, activated=self.delete_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)  # fmt: skip

    def current_view(self) -> str:
        return self.view_combo.currentData()

    def apply_named_filter(self, key: object) -> None:
        """The overview's tile asks for the records not yet carried out."""
        index = self.view_combo.findData(key)
        if index >= 0:
            self.view_combo.setCurrentIndex(index)
        self.activate()

    # -- reading ---------------------------------------------------------------------
    def period(self) -> tuple[dt.date, dt.date]:
        return from_qdate(self.from_edit.date()), from_qdate(self.to_edit.date())

    def load(self) -> None:
        self.load_tally()
        self.load_records()

    def load_tally(self) -> None:
        self.tallies = self.ctx.call(tally_units, self.ctx.actor, *self.period())
        self.tally_table.setRowCount(len(self.tallies))
        for i, t in enumerate(self.tallies):
            crossed = "；".join(r.clause or r.label for r in t.crossed) or "—"
            level = (
                AccountabilityLevel.label_of(t.proposed_level) if t.proposed_level else "未达阈值"
            )
            values = [t.unit, str(t.counters.get(RuleCounter.REFERRED_UNFIXED.value, 0)),
                      str(t.counters.get(RuleCounter.NEW_FOUND.value, 0)), crossed, level]  # fmt: skip
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if t.proposed_level:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.tally_table.setItem(i, col, item)

    def load_records(self) -> None:
        pending = self.view_combo.currentData() == "pending"
        self.records = self.ctx.call(record_rows, self.ctx.actor, pending_only=pending)
        self.records_table.setRowCount(len(self.records))
        for i, r in enumerate(self.records):
            e = r.effective
            values = [str(r.id), r.unit, Measure.label_of(e["measure"]),
                      AccountabilityStatus.label_of(r.status), e["doc_no"] or "",
                      e["decided_on"] or "", e["executed_on"] or "",
                      f"{len(r.amendments)} 次" if r.amendments else ""]  # fmt: skip
            for col, text in enumerate(values):
                self.records_table.setItem(i, col, QTableWidgetItem(text))
        if self.records:
            self.records_table.selectRow(0)
        self.show_detail()

    def selected(self) -> RecordView | None:
        row = self.records_table.currentRow()
        return self.records[row] if 0 <= row < len(self.records) else None

    def show_detail(self) -> None:
        r = self.selected()
        if r is None:
            self.detail.setHtml("<p>没有问责记录。从上方的统计中选择单位，点“启动问责…”。</p>")
            return
        e = r.effective
        esc = html.escape
        persons = "、".join(f"{n}（{p}）" if p else n for n, p in e["persons"]) or "（未填）"
        parts = [
            f"<h3>{esc(r.unit)} · {esc(AccountabilityStatus.label_of(r.status))}</h3>",
            f"<p>被问责人员：{esc(persons)}<br>问责措施：{esc(Measure.label_of(e['measure']))}<br>"
            f"依据：{esc(e['clause'] or '')}<br>文号：{esc(e['doc_no'] or '')}　"
            f"决定日期：{esc(e['decided_on'] or '')}　执行日期：{esc(e['executed_on'] or '')}</p>",
            f"<p>{esc(e['summary'] or '')}</p><p><b>问题（{len(r.problems)}）</b></p><ol>",
            *(f"<li>{esc(p['label'])}：{esc(p['description'])}</li>" for p in r.problems),
            "</ol>",
        ]
        if r.amendments:
            parts.append("<p><b>更正记录</b></p><ul>")
            for a in r.amendments:
                what = "；".join(f"{AMENDABLE.get(k, k)}：{esc(str(o))} → {esc(str(n))}"
                                for k, (o, n) in a["changes"].items())  # fmt: skip
                parts.append(
                    f"<li>{a['at']:%Y-%m-%d %H:%M} {esc(a['by'])}：{what}（原因：{esc(a['reason'])}）</li>"
                )
            parts.append("</ul>")
        elif r.is_frozen:
            parts.append("<p>已决定的记录不能修改；如有错误，请“追加更正”。</p>")
        self.detail.setHtml("".join(parts))

    # -- writing ---------------------------------------------------------------------
    def _run(self, title: str, fn, *args, **kwargs) -> bool:
        try:
            self.ctx.run(fn, *args, **kwargs)
        except EditConflict as conflict:
            dialog = ConflictDialog(conflict, self, title="该问责记录已被其他用户修改")
            self.conflict_dialog = dialog
            if dialog.exec() == QDialog.DialogCode.Accepted and "expected_version" in kwargs:
                kwargs["expected_version"] = conflict.current_version
                return self._run(title, fn, *args, **kwargs)
            self.refresh()
            return False
        except UserError as exc:
            QMessageBox.warning(self, title, str(exc))
            return False
        return True

    def start_record(self) -> None:
        row = self.tally_table.currentRow()
        if not self.can_edit or not 0 <= row < len(self.tallies):
            return
        t = self.tallies[row]
        persons = QLineEdit()
        persons.setPlaceholderText("张某（副县长），李某（乡镇分管负责同志）")
        measure = QComboBox()
        for code, label in Measure.choices():
            measure.addItem(label, code)
        # the rules' first measure for the proposed level (约谈 when the level lists none)
        rules = self.ctx.call(current_rules)
        proposed = rules.measures.get(t.proposed_level.value if t.proposed_level else "", [])
        measure.setCurrentIndex(max(measure.findData(proposed[0]) if proposed else 0, 0))
        level = AccountabilityLevel.label_of(t.proposed_level) if t.proposed_level else "未达阈值"
        dialog = FormDialog(f"启动问责：{t.unit}", [("被问责人员", persons), ("问责措施", measure)],
                            self, note=f"本期问题 {len(t.problems)} 个，拟问责层级：{level}。"
                                       "问题将自动关联到记录。")  # fmt: skip
        self.form_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._run("未启动问责", start_from_tally, t.unit_id, *self.period(),
                  persons=parse_persons(persons.text()), measure=measure.currentData())  # fmt: skip

    def edit_rules(self) -> None:
        from ui.accountability.rules_dialog import RulesDialog

        dialog = RulesDialog(self.ctx, self)
        self.rules_dialog = dialog
        dialog.exec()

    def edit_selected(self) -> None:
        r = self.selected()
        if r is None or not self.can_edit:
            return
        if r.is_frozen:
            QMessageBox.information(
                self, "不能修改", "已决定的问责记录不能修改；如有错误请“追加更正”。"
            )
            return
        e = r.effective
        persons = QLineEdit("，".join(f"{n}（{p}）" if p else n for n, p in e["persons"]))
        measure = QComboBox()
        for code, label in Measure.choices():
            measure.addItem(label, code)
        measure.setCurrentIndex(max(measure.findData(e["measure"]), 0))
        clause, summary = QLineEdit(e["clause"] or ""), QLineEdit(e["summary"] or "")
        dialog = FormDialog("修改拟问责记录", [("被问责人员", persons), ("问责措施", measure),
                                              ("依据条款", clause), ("问题摘要", summary)], self)  # fmt: skip
        self.form_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._run("未保存", edit_record, r.id, r.version,
                      {"measure": measure.currentData(), "clause": clause.text(),
                       "summary": summary.text()},
                      persons=parse_persons(persons.text()))  # fmt: skip

    def decide_selected(self) -> None:
        r = self.selected()
        if r is None or not self.can_edit:
            return
        doc_no, day = QLineEdit(), _date_edit()
        doc_no.setPlaceholderText("如：灵寿县〔2026〕3号")
        dialog = FormDialog("作出问责决定", [("文号", doc_no), ("决定日期", day)], self,
                            note="决定后记录不能再修改或删除，只能追加更正。")  # fmt: skip
        self.form_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        no, when = doc_no.text(), from_qdate(day.date())
        self.confirm_box = confirm(
            self, "作出问责决定", f"对 {r.unit} 作出问责决定（{no.strip() or '未填文号'}）？",
            "决定后该记录及其人员、问题不能再修改或删除，只能追加更正。", "作出决定",
            lambda: self._run("未作出决定", decide, r.id, no, when, expected_version=r.version),
        )  # fmt: skip

    def execute_selected(self) -> None:
        r = self.selected()
        if r is None or not self.can_edit:
            return
        day = _date_edit()
        dialog = FormDialog("登记执行", [("执行日期", day)], self)
        self.form_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._run(
                "未登记执行", execute, r.id, from_qdate(day.date()), expected_version=r.version
            )

    def amend_selected(self) -> None:
        r = self.selected()
        if r is None or not self.can_edit:
            return
        if not r.is_frozen:
            QMessageBox.information(self, "追加更正", "拟问责的记录可直接修改，无需追加更正。")
            return
        e = r.effective
        reason = QLineEdit()
        doc_no = QLineEdit(e["doc_no"] or "")
        measure = QComboBox()
        for code, label in Measure.choices():
            measure.addItem(label, code)
        measure.setCurrentIndex(max(measure.findData(e["measure"]), 0))
        clause = QLineEdit(e["clause"] or "")
        persons = QLineEdit("，".join(f"{n}（{p}）" if p else n for n, p in e["persons"]))
        dialog = FormDialog("追加更正", [("更正原因", reason), ("文号", doc_no), ("问责措施", measure),
                                         ("依据条款", clause), ("被问责人员", persons)], self,
                            note="原记录保持不变；更正连同更正人、时间和原因记入记录及其历史。")  # fmt: skip
        self.form_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        changes = {"doc_no": doc_no.text(), "measure": measure.currentData(),
                   "clause": clause.text(),
                   "persons": [(p.name, p.post) for p in parse_persons(persons.text())]}  # fmt: skip
        current = {"doc_no": e["doc_no"] or "", "measure": e["measure"], "clause": e["clause"] or "",
                   "persons": [(n, p or None) for n, p in e["persons"]]}  # fmt: skip
        changed = {k: v for k, v in changes.items() if v != current[k]}
        self._run("未追加更正", amend, r.id, reason.text(), changed)

    def delete_selected(self) -> None:
        r = self.selected()
        if r is None or not self.can_edit:
            return
        if r.is_frozen:
            QMessageBox.warning(
                self, "不能删除", "已决定的问责记录永久保留，不能删除；如有错误请追加更正。"
            )
            return
        self.confirm_box = confirm(
            self, "删除拟问责记录", f"删除 {r.unit} 的拟问责记录（编号 {r.id}）？",
            "删除后不能恢复（审计日志中保留删除记录）。", "删除",
            lambda: self._run("未删除", delete_record, r.id, r.version),
        )  # fmt: skip

    def export(self) -> None:
        path, _ = file_dialogs.get_save_file_name(self, "导出问责记录", "问责记录.xlsx",
                                              "Excel 工作簿 (*.xlsx)")  # fmt: skip
        if path:
            self._run("未导出", export_records, path)

    def notice(self) -> None:
        r = self.selected()
        if r is None:
            return
        path, _ = file_dialogs.get_save_file_name(self, "问责决定书", f"问责决定-{r.unit}.pdf",
                                              "PDF 文件 (*.pdf)")  # fmt: skip
        if path:
            self._run("未生成", write_decision, r.id, path)
