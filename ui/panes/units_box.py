"""系统设置 → 责任单位: the office's units and their townships.

City clerks and administrators edit (a unit's fields, add / rename / merge / deactivate
townships, import a list from Excel); county clerks, leaders and auditors read only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from controllers.editing import EditConflict
from controllers.errors import UserError
from controllers.listings import Listing
from controllers.onboarding.register_errors import (
    SUFFIX,
    export_register_errors,
    files_with_errors,
)
from controllers.onboarding.register_import import RegisterCheck, check_register, load_register
from controllers.permissions import Permission, can
from controllers.returns.reader import UnreadableFile
from controllers.units.list_file import read_pasted_units, read_unit_list
from controllers.units.list_import import import_units
from controllers.units.merge import (
    UnitMergePlan,
    UnitMergeResult,
    merge_townships,
    merge_units,
    plan_unit_merge,
)
from controllers.units.records import (
    UNIT_FIELDS,
    TownshipRow,
    UnitInput,
    UnitRow,
    add_township,
    create_unit,
    list_units,
    rename_township,
    set_township_active,
    update_unit,
)
from models.codes import UnitKind
from ui import file_dialogs
from ui.confirm import confirm
from ui.dialogs.conflict_dialog import ConflictDialog
from ui.listing_model import ListingModel
from ui.operations import error_text, run_operation, show_error
from ui.saved_file import show_saved_file

#: the township fields a conflict names
TOWN_FIELDS = {"name": "乡镇名称", "active": "启用"}
#: the two sides of a merge in its conflict dialog
MERGE_SIDES = {"source": "并入的乡镇", "target": "并入到", "source_unit": "并入的单位",
               "target_unit": "并入到"}  # fmt: skip
HEADERS = ["序号", "单位名称", "简称", "代码", "类型", "主要负责同志", "状态", "企业", "乡镇"]
TOWNSHIP_ID = Qt.ItemDataRole.UserRole


class UnitsBox(QWidget):
    """The units table, the selected unit's form and its townships."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitsBox")
        self.ctx = ctx
        self.editable = can(ctx.actor, Permission.MANAGE_UNITS)
        self.rows: list[UnitRow] = []
        self.current: UnitRow | None = None  # None: a new unit being typed
        self.last_message = ""

        self.model = ListingModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("unitsTable")
        self.table.setProperty("scrollsSideways", True)  # beside the form: the name first
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.empty_label = QLabel(
            "还没有责任单位。点“新建单位”逐个添加，或“导入单位名单”（从 Excel 文件读取或复制粘贴）"
            "（列：单位、简称、代码、类型、乡镇，可另有负责人、乙方）。"
        )
        self.empty_label.setWordWrap(True)

        self.name_edit = QLineEdit()
        self.short_edit = QLineEdit()
        self.code_edit = QLineEdit()
        self.kind_combo = QComboBox()
        for kind in UnitKind:
            self.kind_combo.addItem(kind.label, kind)
        self.head_edit = QLineEdit()
        self.counterparty_edit = QLineEdit()
        self.counterparty_edit.setPlaceholderText("如：市生态环境局某某县分局（空：用单位名称）")
        self.order_spin = QSpinBox()
        self.order_spin.setRange(0, 9999)
        self.active_check = QCheckBox("启用")
        active_note = "停用的单位保留全部数据，不再出现在新的承诺书和上报中"
        self.active_check.setToolTip(active_note)
        # the explanation wraps, so the form leaves the units table its room at 125 %/150 %
        self.active_note = QLabel(active_note)
        self.active_note.setObjectName("activeNote")
        self.active_note.setWordWrap(True)
        form_box = QGroupBox("单位信息")
        form = QFormLayout(form_box)
        form.addRow("单位名称：", self.name_edit)
        form.addRow("简称：", self.short_edit)
        form.addRow("代码：", self.code_edit)
        form.addRow("类型：", self.kind_combo)
        form.addRow("主要负责同志：", self.head_edit)
        form.addRow("承诺书乙方：", self.counterparty_edit)
        form.addRow("排序：", self.order_spin)
        form.addRow("", self.active_check)
        form.addRow("", self.active_note)
        self.save_button = QPushButton("保存单位 (Ctrl+S)")
        self.save_button.setObjectName("saveUnit")
        self.new_button = QPushButton("新建单位 (Ctrl+N)")
        self.import_button = QPushButton("导入单位名单")
        self.import_button.setObjectName("importUnits")
        self.import_button.setToolTip(
            "列：单位、简称、代码、类型、乡镇（可另有负责人、乙方）；每个乡镇一行，或乡镇用“、”分隔"
        )
        self.merge_unit_button = QPushButton("并入其他单位…")
        self.merge_unit_button.setObjectName("mergeUnit")
        self.merge_unit_button.setToolTip(
            "两个单位合并（如两区合并）：把选中单位的乡镇、企业、上报等并入另一个单位，"
            "选中的单位随后停用"
        )
        self.register_button = QPushButton("导入已有清单…")
        self.register_button.setObjectName("importRegister")
        self.register_button.setToolTip(
            "导入本单位已有的整治清单（总表或分单位文件）：先核对，确认后一次性写入"
        )
        self.register_errors_button = QPushButton("保存错误报告…")
        self.register_errors_button.setObjectName("saveRegisterErrors")
        self.register_errors_button.setToolTip(
            "把有错误的清单文件另存一份：出错的单元格标红并附说明，另有一页错误清单"
        )
        self.register_errors_button.setVisible(False)
        self.register_skip_button = QPushButton("跳过台账中已有的企业")
        self.register_skip_button.setObjectName("skipExistingCases")
        self.register_skip_button.setToolTip(
            "清单中有些企业已在台账中（名称和地址相同）：跳过这些行，重新核对其余的行"
        )
        self.register_skip_button.setVisible(False)
        self.register_paths: list[Path] = []
        self.register_skipping = False
        self.register_batch: str | None = None
        self.register_check: RegisterCheck | None = None
        self.message = QLabel()
        self.message.setObjectName("unitsMessage")
        self.message.setWordWrap(True)

        self.towns = QListWidget()
        self.towns.setObjectName("townships")
        self.town_edit = QLineEdit()
        self.town_edit.setPlaceholderText("乡镇（街道）名称")
        hint = self.town_edit.fontMetrics().horizontalAdvance(self.town_edit.placeholderText())
        self.town_edit.setMinimumWidth(hint + 16)  # the hint stays readable beside the buttons
        self.add_town_button = QPushButton("添加乡镇")
        self.rename_town_button = QPushButton("改名")
        self.toggle_town_button = QPushButton("停用/启用")
        self.merge_target = QComboBox()
        self.merge_button = QPushButton("合并到 →")
        towns_box = QGroupBox("乡镇（街道）")
        tl = QVBoxLayout(towns_box)
        tl.addWidget(self.towns, 1)
        row1 = QHBoxLayout()
        row1.addWidget(self.town_edit, 1)
        row1.addWidget(self.add_town_button)
        row1.addWidget(self.rename_town_button)
        row1.addWidget(self.toggle_town_button)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("把选中的乡镇"))
        row2.addWidget(self.merge_button)
        row2.addWidget(self.merge_target, 1)
        tl.addLayout(row1)
        tl.addLayout(row2)

        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.merge_unit_button)
        buttons.addWidget(self.register_button)
        buttons.addWidget(self.register_errors_button)
        buttons.addWidget(self.register_skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        right = QVBoxLayout()
        right.addWidget(form_box)
        right.addWidget(towns_box, 1)
        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.empty_label)
        left.addWidget(self.table, 1)
        top.addLayout(left, 3)
        top.addLayout(right, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(top, 1)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        if not self.editable:
            for w in (self.save_button, self.new_button, self.import_button, self.register_button,
                      self.merge_unit_button, self.town_edit,
                      self.add_town_button, self.rename_town_button, self.toggle_town_button,
                      self.merge_target, self.merge_button):  # fmt: skip
                w.setVisible(False)
            for w in (self.name_edit, self.short_edit, self.code_edit, self.head_edit,
                      self.counterparty_edit):  # fmt: skip
                w.setReadOnly(True)
            for w in (self.kind_combo, self.order_spin, self.active_check):
                w.setEnabled(False)
            self.message.setText(
                "您的角色只能查看责任单位；如需修改，请联系市级业务员或系统管理员。"
            )
        # loading existing registers writes cases: city clerks only (administrators manage
        # units and accounts, not cases)
        self.register_button.setVisible(self.editable and can(ctx.actor, Permission.EDIT_CASES))
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _p: self.show_row(cur.row())
        )
        self.save_button.clicked.connect(self.save)
        self.new_button.clicked.connect(self.start_new)
        units_menu = QMenu(self.import_button)
        units_menu.addAction("从 Excel 文件读取…", self.choose_import_file)
        units_menu.addAction("从 Excel 复制粘贴…", lambda: self.ask_paste())
        self.import_button.setMenu(units_menu)
        menu = QMenu(self.register_button)
        menu.addAction("选择文件（可多选）…", self.choose_register_files)
        menu.addAction("选择文件夹（分单位文件）…", self.choose_register_folder)
        self.register_button.setMenu(menu)
        self.register_errors_button.clicked.connect(lambda: self.save_register_errors())
        self.register_skip_button.clicked.connect(
            lambda: self.check_register_files(
                self.register_paths, skip_existing=True, batch=self.register_batch
            )
        )
        self.add_town_button.clicked.connect(self.add_town)
        self.rename_town_button.clicked.connect(self.rename_town)
        self.toggle_town_button.clicked.connect(self.toggle_town)
        self.merge_button.clicked.connect(self.ask_merge)
        self.merge_unit_button.clicked.connect(self.ask_unit_target)
        self.towns.currentItemChanged.connect(self._town_selected)
        if self.editable:
            QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
            QShortcut(QKeySequence.StandardKey.New, self, activated=self.start_new)

    # -- loading ------------------------------------------------------------------------
    def load(self, select_id: int | None = None) -> None:
        keep = select_id if select_id is not None else (self.current.id if self.current else None)
        self.rows = self.ctx.call(list_units, self.ctx.actor)
        self.model.set_listing(Listing(HEADERS, [
            (u.sort_order, u.name, u.short_name, u.code, u.kind.label, u.head_name,
             "启用" if u.active else "已停用", u.cases, len(u.townships))
            for u in self.rows
        ]))  # fmt: skip
        self.table.resizeColumnsToContents()
        self.empty_label.setVisible(not self.rows)
        index = next((i for i, u in enumerate(self.rows) if u.id == keep), 0 if self.rows else -1)
        if index >= 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(index, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.show_row(index)
        else:
            self.start_new()

    def show_row(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            return
        u = self.rows[index]
        self.current = u
        self.name_edit.setText(u.name)
        self.short_edit.setText(u.short_name)
        self.code_edit.setText(u.code)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(u.kind))
        self.head_edit.setText(u.head_name)
        self.counterparty_edit.setText(u.counterparty)
        self.order_spin.setValue(u.sort_order)
        self.active_check.setChecked(u.active)
        self.towns.clear()
        for t in u.townships:
            text = (
                t.name
                + ("（已停用）" if not t.active else "")
                + (f"  企业 {t.cases} 家" if t.cases else "")
            )
            item = QListWidgetItem(text)
            item.setData(TOWNSHIP_ID, t.id)
            self.towns.addItem(item)
        self._fill_merge_targets()
        self._set_towns_enabled(True)

    def start_new(self) -> None:
        self.current = None
        self.table.clearSelection()
        for w in (self.name_edit, self.short_edit, self.code_edit, self.head_edit,
                  self.counterparty_edit):  # fmt: skip
            w.clear()
        self.kind_combo.setCurrentIndex(0)
        self.order_spin.setValue(0)
        self.active_check.setChecked(True)
        self.towns.clear()
        self.merge_target.clear()
        self._set_towns_enabled(False)
        self.name_edit.setFocus()

    def _set_towns_enabled(self, on: bool) -> None:
        for w in (self.add_town_button, self.rename_town_button, self.toggle_town_button,
                  self.merge_button, self.merge_target, self.merge_unit_button):  # fmt: skip
            w.setEnabled(on and self.editable)

    def _fill_merge_targets(self) -> None:
        self.merge_target.clear()
        if self.current is None:
            return
        chosen = self.selected_town()
        for t in self.current.townships:
            if chosen is None or t.id != chosen.id:
                self.merge_target.addItem(t.name, t.id)

    def _town_selected(self, *_args) -> None:
        town = self.selected_town()
        if town is not None:
            self.town_edit.setText(town.name)
        self._fill_merge_targets()

    def selected_town(self):
        item = self.towns.currentItem()
        if item is None or self.current is None:
            return None
        tid = item.data(TOWNSHIP_ID)
        return next((t for t in self.current.townships if t.id == tid), None)

    # -- writing ------------------------------------------------------------------------
    def form_value(self) -> UnitInput:
        return UnitInput(
            name=self.name_edit.text(),
            short_name=self.short_edit.text(),
            code=self.code_edit.text(),
            kind=self.kind_combo.currentData(),
            head_name=self.head_edit.text(),
            sort_order=self.order_spin.value(),
            active=self.active_check.isChecked(),
            counterparty=self.counterparty_edit.text(),
        )

    def _say(self, text: str) -> None:
        self.last_message = text
        self.message.setText(text)

    def _attempt(self, title: str, fn, *args, on_conflict=None) -> object | None:
        """Run ``fn`` for the clerk; a conflict goes to ``on_conflict`` (default: the unit
        form's conflict dialog), any other refusal is said and shown."""
        try:
            return self.ctx.run(fn, *args)
        except EditConflict as conflict:
            (on_conflict or self._resolve_conflict)(conflict)
        except UserError as exc:
            self._say(str(exc))
            show_error(self, title, exc)
        return None

    def save(self) -> None:
        if not self.editable:
            return
        value = self.form_value()
        if self.current is None:
            new_id = self._attempt("未保存", create_unit, value)
            if new_id is not None:
                self._say(f"已新建责任单位“{value.name.strip()}”。")
                self.load(select_id=int(new_id))
            return
        uid = self.current.id
        if self._attempt("未保存", update_unit, uid, self.current.version, value) is not None:
            self._say(f"已保存“{value.name.strip()}”。")
            self.load(select_id=uid)

    def _resolve_conflict(self, conflict: EditConflict) -> None:
        self._say("保存冲突：其他用户已修改了这个单位，请选择保留哪一份。")
        base = {k: getattr(self.current, k) for k in UNIT_FIELDS} if self.current else None
        dialog = ConflictDialog(conflict, self, labels=UNIT_FIELDS, base=base)
        self.conflict_dialog = dialog
        dialog.accepted.connect(lambda: self._save_resolution(dialog))
        dialog.open()

    def _save_resolution(self, dialog: ConflictDialog) -> None:
        value = self.form_value()
        for key, chosen in dialog.resolution().items():
            setattr(value, key, chosen)
        uid = dialog.conflict.object_id
        if self._attempt("未保存", update_unit, uid, dialog.current_version, value) is not None:
            self._say("已按所选保存。")
            self.load(select_id=int(uid))

    def add_town(self) -> None:
        if self.current is None:
            return
        name = self.town_edit.text().strip()
        if self._attempt("未添加", add_township, self.current.id, name) is not None:
            self._say(f"已添加乡镇“{name}”。")
            self.town_edit.clear()
            self.load()

    def rename_town(self) -> None:
        town = self.selected_town()
        if town is None:
            self._say("请先在乡镇列表中选中要改名的乡镇。")
            return
        name = self.town_edit.text().strip()
        self._edit_town(town, "未改名", rename_township, name, f"已把“{town.name}”改名为“{name}”。")

    def toggle_town(self) -> None:
        town = self.selected_town()
        if town is None:
            self._say("请先在乡镇列表中选中乡镇。")
            return
        self._edit_town(town, "未保存", set_township_active, not town.active,
                        f"已{'停用' if town.active else '启用'}乡镇“{town.name}”。")  # fmt: skip

    def _edit_town(self, town: TownshipRow, title: str, fn, value, done: str) -> None:
        """Rename or (de)activate at the version the list showed; a conflict opens the dialog
        with both values, and the clerk's choice is saved at the current version."""
        field_name = "name" if fn is rename_township else "active"

        def conflicted(conflict: EditConflict) -> None:
            self._say(f"保存冲突：其他用户已修改了乡镇“{town.name}”，请选择保留哪一份。")
            dialog = ConflictDialog(conflict, self, labels=TOWN_FIELDS,
                                    base={field_name: getattr(town, field_name)})  # fmt: skip
            self.conflict_dialog = dialog

            def save_choice() -> None:
                chosen = dialog.resolution().get(field_name, value)
                if self._attempt(title, fn, town.id, dialog.current_version, chosen) is not None:
                    self._say("已按所选保存。")
                self.load()

            dialog.accepted.connect(save_choice)
            dialog.rejected.connect(self.load)
            dialog.open()

        if self._attempt(title, fn, town.id, town.version, value, on_conflict=conflicted) is None:
            if not self.last_message.startswith("保存冲突"):
                self.load()
            return
        self._say(done)
        self.load()

    def ask_merge(self) -> QMessageBox | None:
        town = self.selected_town()
        target_id = self.merge_target.currentData()
        target = next((t for t in (self.current.townships if self.current else ())
                       if t.id == target_id), None)  # fmt: skip
        if town is None or target is None:
            self._say("请先选中要并入别处的乡镇，再选择并入哪个乡镇。")
            return None
        return self._confirm_town_merge(town, target)

    def _confirm_town_merge(self, town: TownshipRow, target: TownshipRow) -> QMessageBox:
        box = confirm(
            self, "合并乡镇", f"把“{town.name}”并入“{target.name}”？",
            f"“{town.name}”的 {town.cases} 家企业将改属“{target.name}”，“{town.name}”随后删除。此操作不能撤销。",
            "合并", lambda: self.merge(town, target),
        )  # fmt: skip
        self.merge_confirm = box
        return box

    def merge(self, source: TownshipRow, target: TownshipRow) -> None:
        """Merge the townships as the list showed them; another clerk's change meanwhile
        opens the conflict dialog (nothing merged)."""
        moved = self._attempt(
            "未合并", merge_townships, source, target,
            on_conflict=lambda c: self._town_merge_conflict(c, source.id, target.id),
        )  # fmt: skip
        if moved is not None:
            self._say(f"已合并，{moved} 家企业改属新的乡镇。")
            self.load()

    def _town_merge_conflict(self, conflict: EditConflict, source_id: int, target_id: int) -> None:
        self._say("未合并：打开列表后，其他用户已修改或合并了这两个乡镇。")
        self._merge_conflict_dialog(
            conflict, "乡镇", lambda _c: self._retry_town_merge(source_id, target_id)
        )

    def _merge_conflict_dialog(self, conflict: EditConflict, what: str, retry) -> None:
        dialog = ConflictDialog(
            conflict, self, labels=MERGE_SIDES, choose=False,
            title=f"合并冲突：该{what}已被其他用户修改",
            intro=f"您打开列表后，其他用户已修改或合并了下面的{what}，没有合并任何内容。"
                  "点“按最新内容重新核对”查看现在的情况后再决定是否合并。",
            save_text="按最新内容重新核对",
        )  # fmt: skip
        self.conflict_dialog = dialog
        dialog.accepted.connect(lambda: retry(conflict))
        dialog.rejected.connect(self.load)
        dialog.open()

    def _retry_town_merge(self, source_id: int, target_id: int) -> None:
        """Reload, then ask again about the same two townships as they are now."""
        self.load()
        towns = {t.id: t for u in self.rows for t in u.townships}
        source, target = towns.get(source_id), towns.get(target_id)
        if source is None or target is None:
            self._say("要合并的乡镇已不存在（已被其他用户合并），请重新选择。")
            return
        self._confirm_town_merge(source, target)

    # -- merging units ------------------------------------------------------------------
    def ask_unit_target(self) -> QInputDialog | None:
        """Which unit the selected one merges into (other active units)."""
        if self.current is None:
            self._say("请先在列表中选中要并入其他单位的责任单位。")
            return None
        source = self.current
        targets = [u for u in self.rows if u.id != source.id and u.active]
        if not source.active or not targets:
            self._say("只能把启用的单位并入另一个启用的单位。")
            return None
        dialog = QInputDialog(self)
        dialog.setObjectName("mergeUnitTarget")
        dialog.setWindowTitle("并入其他单位")
        dialog.setLabelText(f"把“{source.name}”并入哪个单位？")
        dialog.setComboBoxItems([u.name for u in targets])
        dialog.setOkButtonText("下一步")
        dialog.setCancelButtonText("取消")
        dialog.textValueSelected.connect(
            lambda name: self.confirm_unit_merge(source.id, next(u.id for u in targets
                                                                 if u.name == name))
        )  # fmt: skip
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.unit_target_dialog = dialog
        return dialog

    def confirm_unit_merge(self, source_id: int, target_id: int) -> QMessageBox | None:
        """Count what moves, then ask (naming it) before the irreversible merge."""
        try:
            plan: UnitMergePlan = self.ctx.call(plan_unit_merge, self.ctx.actor, source_id,
                                                target_id)  # fmt: skip
        except UserError as exc:
            self._say(str(exc))
            show_error(self, "不能合并", exc)
            return None
        rows = {u.id: u for u in self.rows}
        source, target = rows.get(source_id), rows.get(target_id)
        if source is None or target is None or (source.version, target.version) != (
            plan.source_version, plan.target_version):  # fmt: skip
            self.load()  # the list was behind what was counted: merge what was counted
            rows = {u.id: u for u in self.rows}
            source, target = rows[source_id], rows[target_id]
        details = plan.details()
        box = confirm(self, "合并责任单位", plan.question(), "\n".join(details[:3]) or "",
                      "合并", lambda: self.merge_unit(source, target))  # fmt: skip
        if details:
            box.setDetailedText("\n".join(details))
        self.unit_merge_confirm = box
        return box

    def merge_unit(self, source: UnitRow, target: UnitRow):
        """The merge in the background (one unit of work: all or nothing)."""
        actor = self.ctx.actor

        def work(session, _progress):
            return merge_units(session, actor, source, target)

        def done(result: UnitMergeResult) -> None:
            self._say(result.summary())
            self.load(select_id=target.id)

        def failed(exc: Exception) -> bool:
            if isinstance(exc, EditConflict):
                self._say("未合并：打开列表后，其他用户已修改了这两个单位之一。")
                self._merge_conflict_dialog(
                    exc, "单位", lambda _c: self.confirm_unit_merge(source.id, target.id)
                )
                return True
            self._say(f"未合并：{error_text(exc)}")
            return False

        return run_operation(self, self.ctx, "正在合并责任单位", work, on_done=done,
                             on_error=failed)  # fmt: skip

    # -- importing ----------------------------------------------------------------------
    def choose_import_file(self) -> None:
        path, _ = file_dialogs.get_open_file_name(
            self, "导入单位名单", "", "表格 (*.xlsx *.xlsm *.xls *.ods *.csv)"
        )
        if path:
            self.import_file(Path(path))

    def ask_paste(self) -> QInputDialog:
        """A unit list pasted from Excel (with its header row, or in the order 单位, 简称, 代码,
        类型, 乡镇), loaded as a file would be."""
        dialog = QInputDialog(self)
        dialog.setObjectName("pasteUnits")
        dialog.setWindowTitle("粘贴单位名单")
        dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput, True)
        dialog.setLabelText("在 Excel 中选中名单（可连同表头）复制，粘贴到下面。\n"
                            "没有表头时按“单位、简称、代码、类型、乡镇”的顺序读取。")  # fmt: skip
        dialog.setOkButtonText("导入")
        dialog.setCancelButtonText("取消")
        dialog.textValueSelected.connect(lambda text: self.import_pasted(text))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.paste_dialog = dialog
        return dialog

    def import_pasted(self, text: str) -> bool:
        return self._import_list(read_pasted_units(text))

    def import_file(self, path: Path, replace_unused: bool = False) -> bool:
        """Check the list, then load it (all or nothing); errors are shown, nothing written."""
        try:
            parsed = read_unit_list(path)
        except UnreadableFile as exc:
            self._say(str(exc))
            show_error(self, "无法读取", exc)
            return False
        return self._import_list(parsed, replace_unused)

    def _import_list(self, parsed, replace_unused: bool = False) -> bool:
        if not parsed.units and not parsed.errors:
            self._say("名单是空的，没有可导入的单位。")
            return False
        if not parsed.valid:
            lines = [e.text() if e.row else f"{e.column}：{e.message}" for e in parsed.errors[:20]]
            self._say(f"单位名单有 {len(parsed.errors)} 处错误，未导入：\n" + "\n".join(lines))
            return False
        result = self._attempt("未导入", import_units, parsed.units, replace_unused)
        if result is None:
            return False
        self._say(result.summary())
        self.load()
        return True

    # -- existing registers -------------------------------------------------------------
    def choose_register_files(self) -> None:
        paths, _ = file_dialogs.get_open_file_names(
            self, "导入已有清单", "", "表格 (*.xlsx *.xlsm *.xls *.ods *.csv)"
        )
        if paths:
            self.ask_batch([Path(p) for p in paths])

    def choose_register_folder(self) -> None:
        folder = file_dialogs.get_existing_directory(self, "导入已有清单：分单位文件所在的文件夹")
        if folder:
            self.ask_batch([Path(folder)])

    def ask_batch(self, paths: list[Path]) -> QInputDialog:
        """The batch the rows go to: a name the clerk gives, or (left empty) the year in each
        sheet's or file's name (2024年清单) — then the check starts."""
        dialog = QInputDialog(self)
        dialog.setObjectName("registerBatch")
        dialog.setWindowTitle("清单批次")
        dialog.setLabelText("这些清单归入哪个批次？\n留空：按工作表名或文件名中的年份"
                            "（如“2024年清单”），没有年份时用文件名。")  # fmt: skip
        dialog.setTextValue("")
        dialog.setOkButtonText("开始核对")
        dialog.setCancelButtonText("取消")
        dialog.textValueSelected.connect(
            lambda text: self.check_register_files(paths, batch=text.strip() or None)
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.batch_dialog = dialog
        return dialog

    def check_register_files(self, paths: list[Path], skip_existing: bool = False,
                             batch: str | None = None):  # fmt: skip
        """Check in the background (nothing written); then ask before the all-or-nothing load.
        Rows of enterprises the register holds are errors unless ``skip_existing``."""
        actor = self.ctx.actor
        self.register_paths = list(paths)
        self.register_skipping = skip_existing
        self.register_batch = batch
        self.register_check = None

        def work(session, progress):
            return check_register(session, actor, paths, batch, progress=progress,
                                  skip_existing=skip_existing)  # fmt: skip

        return run_operation(self, self.ctx, "正在核对清单", work, on_done=self._checked,
                             on_error=self._register_error)  # fmt: skip

    def _register_error(self, exc: Exception) -> bool:
        self._say(error_text(exc))
        return False

    def _checked(self, check: RegisterCheck) -> None:
        self.register_check = check
        self.register_errors_button.setVisible(bool(check.errors))
        dupes = 0 if self.register_skipping else check.existing
        self.register_skip_button.setVisible(dupes > 0)
        if dupes:
            self.register_skip_button.setText(f"跳过台账中已有的 {dupes:,} 家企业")
        by_unit = "、".join(f"{u} {n:,}" for u, n in check.by_unit().items())
        by_status = "、".join(f"{s} {n:,}" for s, n in check.by_status().items())
        towns = sum(len(t) for t in check.new_townships.values())
        by_batch = "、".join(f"{b} {n:,}" for b, n in check.by_batch().items())
        summary = (f"{len(check.files)} 个文件 {len(check.rows):,} 行（{by_unit}）；"
                   f"批次：{by_batch}；按状态：{by_status}；"
                   f"需新建乡镇 {towns} 个；警告 {len(check.warnings)} 条。")  # fmt: skip
        if check.existing:
            summary += (f"跳过台账中已有的企业 {check.existing:,} 家。" if self.register_skipping
                        else f"其中 {check.existing:,} 行的企业已在台账中。")  # fmt: skip
        if not check.valid:
            lines = [f"{f}：{e.text()}" for f, e in
                     list(zip(check.error_files, check.errors, strict=True))[:20]]  # fmt: skip
            self._say(
                f"清单有 {len(check.errors):,} 处错误，未导入。{summary}"
                "点“保存错误报告…”可得到标出错误的清单副本。\n" + "\n".join(lines)
            )
            return
        details = [f"将新建乡镇（{unit}）：" + "、".join(names)
                   for unit, names in check.new_townships.items()]  # fmt: skip
        details += [f"警告：{w}" for w in check.warnings]
        shown = "\n".join(details[:10]) + ("\n……" if len(details) > 10 else "")
        self._say("核对通过：" + summary + ("\n" + shown if details else ""))
        self.register_confirm = confirm(
            self, "导入已有清单", f"把 {len(check.rows):,} 家企业一次性写入台账？", summary,
            "导入", lambda: self.load_register_check(check),
        )  # fmt: skip
        if details:  # every township to create and every warning, under 显示详细信息
            self.register_confirm.setDetailedText("\n".join(details))

    def load_register_check(self, check: RegisterCheck):
        actor = self.ctx.actor

        def work(session, progress):
            return load_register(session, actor, check, progress)

        def done(count: int) -> None:
            self._say(f"已导入 {count:,} 家企业。")
            self.load()

        return run_operation(self, self.ctx, "正在写入清单", work, on_done=done,
                             on_error=self._register_error)  # fmt: skip

    def save_register_errors(self, target: str | Path | None = None):
        """Write the checked files with errors as annotated copies (a file for one, a folder
        for several); then offer to open it."""
        check = self.register_check
        if check is None or not check.errors:
            return None
        items = files_with_errors(check)
        if target is None:
            if len(items) == 1:
                default = Path(items[0].filename).stem + SUFFIX
                target, _ = file_dialogs.get_save_file_name(
                    self, "保存错误报告", default, "Excel 工作簿 (*.xlsx)"
                )
            else:
                target = file_dialogs.get_existing_directory(
                    self, f"保存 {len(items)} 个文件的错误报告到文件夹"
                )
            if not target:
                return None
        actor = self.ctx.actor

        def work(session, _progress):
            return export_register_errors(session, actor, check, target)

        def done(written: list[Path]) -> None:
            self.saved_reports = written
            self._say("错误报告已保存：" + "、".join(str(p) for p in written))
            where = written[0] if len(written) == 1 else written[0].parent
            self.saved_box = show_saved_file(self, "保存错误报告",
                                             f"已保存 {len(written)} 份错误报告。", where)  # fmt: skip

        return run_operation(self, self.ctx, "正在写出错误报告", work, on_done=done,
                             on_error=self._register_error)  # fmt: skip
