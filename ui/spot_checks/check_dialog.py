"""One check, typed by keyboard: the group and its members, then site after site.

Site entry: type part of a name, address, owner or phone — matching cases of the unit are
offered (↓ to choose, Enter to take one); or type a new site's name, Tab to its address.
Choose the result (↑/↓ in the result box, or its first letter), Enter adds the site and the
cursor returns to the site box. Delete removes the selected site. Ctrl+S saves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from controllers.attachments import MAX_ATTACHMENT_BYTES
from controllers.cases.case_edit import EvidenceFile
from controllers.editing import EditConflict
from controllers.errors import UserError
from controllers.listings import unit_names_by_id
from controllers.spot_checks.daily import CaseHit, search_cases
from controllers.spot_checks.entry import CheckInput, MemberInput, NewSite, SiteInput, save_check
from models.codes import FindingKind
from ui import file_dialogs
from ui.context import AppContext
from ui.dates import from_qdate, to_qdate
from ui.dialogs.conflict_dialog import ConflictDialog

RESULTS: list[tuple[str, FindingKind | None]] = [("正常", None)] + [
    (k.label, k) for k in FindingKind
]
COLUMNS = ["企业（点位）", "地址", "清单企业", "检查结果", "情况说明"]


def split_members(text: str) -> list[MemberInput]:
    """``李明，赵刚（执法大队）、孙强`` → members with posts in brackets."""
    out = []
    for part in text.replace("、", "，").replace(",", "，").replace(";", "，").split("，"):
        part = part.strip()
        if not part:
            continue
        post = None
        for open_, close in (("（", "）"), ("(", ")")):
            if open_ in part and part.endswith(close):
                part, post = part[: part.index(open_)].strip(), part[part.index(open_) + 1 : -1]
        out.append(MemberInput(part, post or None))
    return out


def join_members(members: tuple[MemberInput, ...], leader: str | None) -> str:
    return "，".join(f"{m.name}（{m.post}）" if m.post else m.name
                    for m in members if m.name != leader)  # fmt: skip


class CheckDialog(QDialog):
    """New check (``check_id`` None) or an edit of a stored one at ``version``."""

    def __init__(
        self,
        ctx: AppContext,
        data: CheckInput,
        *,
        check_id: int | None = None,
        version: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("checkDialog")
        self.setWindowTitle("编辑督导抽查" if check_id else "新建督导抽查")
        self.ctx, self.check_id, self.version = ctx, check_id, version
        self.saved_id: int | None = None
        self.sites: list[SiteInput] = []
        self._hits: dict[str, CaseHit] = {}
        self._picked: CaseHit | None = None

        self.date_edit = QDateEdit(to_qdate(data.checked_on))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.group_edit = QLineEdit(data.group_name)
        self.group_edit.setPlaceholderText("如：第1执法检查组")
        self.unit_combo = QComboBox()
        for uid, name in ctx.call(unit_names_by_id):
            self.unit_combo.addItem(name, uid)
        self.unit_combo.setCurrentIndex(max(self.unit_combo.findData(data.unit_id), 0))
        self.leader_edit = QLineEdit(data.leader or "")
        self.members_edit = QLineEdit(join_members(data.members, data.leader))
        self.members_edit.setPlaceholderText(
            "用逗号或顿号分隔，职务写在括号中：李明，赵刚（执法大队）"
        )

        self.site_edit = QLineEdit()
        self.site_edit.setObjectName("siteEdit")
        self.site_edit.setPlaceholderText("查找清单企业或输入新点位")
        self.site_edit.setToolTip(
            "输入企业名称、地址、业主或电话的一部分，在清单中查找；新点位直接输入名称"
        )
        self.completer_model = QStringListModel(self)
        self.completer = QCompleter(self.completer_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.site_edit.setCompleter(self.completer)
        self.address_edit = QLineEdit()
        self.address_edit.setObjectName("addressEdit")
        self.address_edit.setPlaceholderText("地址（新点位必填）")
        self.result_combo = QComboBox()
        self.result_combo.setObjectName("resultCombo")
        for label, kind in RESULTS:
            self.result_combo.addItem(label, kind)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("情况说明")
        self.add_button = QPushButton("添加点位（Enter）")
        self.photo_button = QPushButton("照片…")
        self.photo_button.setToolTip("为下一个添加的点位选择现场照片（Ctrl+P）")
        self.photo_button.setAutoDefault(False)
        self._photos: list[EvidenceFile] = []
        self.picked_label = QLabel("")
        self.picked_label.setObjectName("pickedLabel")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("sitesTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.count_label = QLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存（Ctrl+S）")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        for b in self.buttons.buttons():
            b.setAutoDefault(False)
        self.add_button.setAutoDefault(False)

        form = QFormLayout()
        form.addRow("检查日期", self.date_edit)
        form.addRow("检查组", self.group_edit)
        form.addRow("被检查单位", self.unit_combo)
        form.addRow("带队领导", self.leader_edit)
        form.addRow("检查人员", self.members_edit)
        entry = QHBoxLayout()
        entry.addWidget(self.site_edit, 3)
        entry.addWidget(self.address_edit, 3)
        entry.addWidget(self.result_combo, 1)
        entry.addWidget(self.note_edit, 2)
        entry.addWidget(self.photo_button)
        entry.addWidget(self.add_button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("检查的企业（点位）"))
        lay.addLayout(entry)
        lay.addWidget(self.picked_label)
        lay.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.buttons)
        lay.addLayout(bottom)
        self.resize(980, 560)
        for site in data.sites:
            self._append(site)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.site_edit.textEdited.connect(self._search)
        self.completer.activated.connect(self._pick)
        for edit in (self.site_edit, self.address_edit, self.note_edit):
            edit.returnPressed.connect(self.add_site)
        self.add_button.clicked.connect(self.add_site)
        self.photo_button.clicked.connect(self.choose_photos)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.choose_photos)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.unit_combo.currentIndexChanged.connect(lambda _i: self._clear_entry())
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        QShortcut(
            QKeySequence.StandardKey.Delete,
            self.table,
            activated=self.remove_site,
            context=Qt.ShortcutContext.WidgetShortcut,
        )

    def keyPressEvent(self, event) -> None:
        """Enter adds a site (never saves or closes the form); Ctrl+S saves."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    # -- site entry -------------------------------------------------------------------
    def _search(self, text: str) -> None:
        self._picked = None
        self.picked_label.setText("")
        hits = self.ctx.call(search_cases, self.ctx.actor, self.unit_combo.currentData(), text)
        self._hits = {h.label: h for h in hits}
        self.completer_model.setStringList(list(self._hits))

    def _pick(self, label: str) -> None:
        hit = self._hits.get(label)
        if hit is None:
            return
        self._picked = hit
        self.completer.popup().hide()
        self.site_edit.setText(hit.name)
        self.address_edit.setText(hit.address)
        state = "已销号，发现问题将写入回头看" if hit.closed else "清单企业"
        self.picked_label.setText(f"已选清单企业：{hit.label}（{state}）")

    def pick_case(self, hit: CaseHit) -> None:
        """Take a case found by search (what choosing a completion does)."""
        self._hits[hit.label] = hit
        self._pick(hit.label)

    def choose_photos(self) -> None:
        paths, _ = file_dialogs.get_open_file_names(self, "选择现场照片", "",
                                                "图片和 PDF (*.jpg *.jpeg *.png *.pdf);;所有文件 (*)")  # fmt: skip
        self.add_photos(paths)

    def add_photos(self, paths: list[str]) -> None:
        """Attach files to the site being entered (read now; stored when the check is saved)."""
        for path in paths:
            p = Path(path)
            if p.stat().st_size > MAX_ATTACHMENT_BYTES:
                QMessageBox.warning(self, "照片过大", f"“{p.name}”超过附件上限 20 MB，未添加。")
                continue
            self._photos.append(EvidenceFile(p.name, p.read_bytes()))
        self.photo_button.setText(f"照片（{len(self._photos)}）…" if self._photos else "照片…")

    def add_site(self) -> None:
        if self.completer.popup().isVisible() and self.focusWidget() is self.site_edit:
            return  # Enter chose a completion; the next Enter adds
        name, address = self.site_edit.text().strip(), self.address_edit.text().strip()
        if not name and not address:
            return
        kind = self.result_combo.currentData()
        picked = self._picked if self._picked and self._picked.name == name else None
        site = SiteInput(
            site_name=name, address=address or None, case_id=picked.id if picked else None,
            outcome=kind, note=self.note_edit.text().strip() or None,
            new_site=NewSite() if kind == FindingKind.NEW_CASE else None,
            photos=tuple(self._photos),
        )  # fmt: skip
        self._append(site, picked.label if picked else "")
        self._clear_entry()
        self.site_edit.setFocus()

    def _append(self, site: SiteInput, case_label: str = "") -> None:
        self.sites.append(site)
        row = self.table.rowCount()
        self.table.insertRow(row)
        linked = case_label or (f"编号 {site.case_id}" if site.case_id else "（新点位）")
        note = site.note or ""
        if site.photos:
            note = f"{note}（照片 {len(site.photos)} 张）".lstrip()
        values = [site.site_name, site.address or "", linked,
                  FindingKind.label_of(site.outcome) if site.outcome else "正常", note]  # fmt: skip
        for col, text in enumerate(values):
            self.table.setItem(row, col, QTableWidgetItem(text))
        self._count()

    def remove_site(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        self.table.removeRow(row)
        del self.sites[row]
        self._count()

    def _clear_entry(self) -> None:
        self._picked = None
        self._photos = []
        self.photo_button.setText("照片…")
        for edit in (self.site_edit, self.address_edit, self.note_edit):
            edit.clear()
        self.result_combo.setCurrentIndex(0)
        self.picked_label.setText("")

    def _count(self) -> None:
        found = sum(1 for s in self.sites if s.outcome is not None)
        self.count_label.setText(f"已录入 {len(self.sites)} 个点位，发现问题 {found} 处")

    # -- saving -------------------------------------------------------------------------
    def data(self) -> CheckInput:
        return CheckInput(
            checked_on=from_qdate(self.date_edit.date()), group_name=self.group_edit.text(),
            unit_id=self.unit_combo.currentData(), members=tuple(split_members(
                self.members_edit.text())), sites=tuple(self.sites),
            leader=self.leader_edit.text().strip() or None,
        )  # fmt: skip

    def save(self) -> None:
        data = self.data()
        try:
            result = self.ctx.run(save_check, data, check_id=self.check_id,
                                  expected_version=self.version)  # fmt: skip
        except EditConflict as conflict:
            self._resolve(conflict, data)
            return
        except UserError as exc:
            QMessageBox.warning(self, "未保存", str(exc))
            return
        self.saved_id = result.check_id
        self.accept()

    def _resolve(self, conflict: EditConflict, data: CheckInput) -> None:
        labels = {"checked_on": "检查日期", "group_name": "检查组", "unit_id": "被检查单位",
                  "leader": "带队领导", "note": "备注"}  # fmt: skip
        dialog = ConflictDialog(conflict, self, labels=labels)
        self.conflict_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        kept = dialog.resolution()
        values = {"checked_on": data.checked_on, "group_name": data.group_name,
                  "unit_id": data.unit_id, "leader": data.leader}  # fmt: skip
        values.update({k: v for k, v in kept.items() if k in values})
        self.version = conflict.current_version
        self.date_edit.setDate(to_qdate(values["checked_on"] or dt.date.today()))
        self.group_edit.setText(values["group_name"] or "")
        self.leader_edit.setText(values["leader"] or "")
        self.save()
