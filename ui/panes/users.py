"""用户管理: the 系统管理员's accounts — add, change role or unit, reset, disable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from controllers.auth import create_user, list_users, reset_password, set_disabled, update_user
from controllers.auth.accounts import USERNAME_RULE, UserRow
from controllers.editing import EditConflict
from controllers.listings import Listing, unit_names_by_id, units_listing
from models.codes import Role
from ui import events
from ui.dialogs.conflict_dialog import ConflictDialog
from ui.listing_model import ListingModel
from ui.operations import run_operation
from ui.panes.base import Pane, pane_header

HEADERS = ["用户名", "姓名", "角色", "所属单位", "状态", "上次登录"]


def _state(row: UserRow) -> str:
    state = "已停用" if row.disabled else ("已锁定" if row.locked else "正常")
    return state + ("，待修改密码" if row.must_change_password else "")


class UserDialog(QDialog):
    """New account, or change of an existing one (the username then stays)."""

    def __init__(self, units: list[str], row: UserRow | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("修改用户" if row else "新建用户")
        self.username = QLineEdit(row.username if row else "")
        self.username.setReadOnly(row is not None)
        self.username.setToolTip(USERNAME_RULE)
        self.display_name = QLineEdit(row.display_name if row else "")
        self.role = QComboBox()
        for r in Role:
            self.role.addItem(r.label, r.value)
        self.unit = QComboBox()
        self.unit.addItem("（无）", None)
        for name in units:
            self.unit.addItem(name, name)
        if row is not None:
            self.role.setCurrentIndex(self.role.findData(row.role.value))
            if row.unit_name:
                self.unit.setCurrentIndex(self.unit.findData(row.unit_name))
        form = QFormLayout()
        form.addRow("用户名：", self.username)
        form.addRow("姓名：", self.display_name)
        form.addRow("角色：", self.role)
        form.addRow("所属单位：", self.unit)
        hint = QLabel(f"{USERNAME_RULE}县区业务员必须选择所属单位，其他角色不属于某个单位。")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(buttons)
        self.role.currentIndexChanged.connect(self._role_changed)
        self._role_changed()
        self.setMinimumWidth(400)

    def _role_changed(self) -> None:
        county = self.role.currentData() == Role.COUNTY_CLERK.value
        self.unit.setEnabled(county)
        if not county:
            self.unit.setCurrentIndex(0)

    def values(self) -> dict:
        return {
            "username": self.username.text().strip(),
            "display_name": self.display_name.text().strip(),
            "role": self.role.currentData(),
            "unit": self.unit.currentData(),
        }


class UsersPane(Pane):
    title = "用户管理"
    topics = frozenset({events.USERS})

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.rows: list[UserRow] = []
        self.model = ListingModel(parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton("新建用户…")
        self.edit_button = QPushButton("修改…")
        self.reset_button = QPushButton("重置密码…")
        self.toggle_button = QPushButton("停用")
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.reset_button, self.toggle_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(pane_header("用户管理", "建立和管理账户；每项操作都记入审计日志。"
                                  "系统管理员不能查看业务数据，也不能删除审计记录。"))  # fmt: skip
        lay.addLayout(buttons)
        lay.addWidget(self.table, 1)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.add_button.clicked.connect(self.add_user)
        self.edit_button.clicked.connect(self.edit_user)
        self.reset_button.clicked.connect(self.reset_user)
        self.toggle_button.clicked.connect(self.toggle_user)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.edit_user())

    def load(self) -> None:
        self.rows = self.ctx.call(list_users, self.ctx.actor)
        self.model.set_listing(Listing(list(HEADERS), [
            (r.username, r.display_name, r.role.label, r.unit_name or "", _state(r),
             r.last_login_at) for r in self.rows
        ]))  # fmt: skip
        header = self.table.horizontalHeader()
        for col, width in enumerate((110, 90, 100, 110, 130)):
            header.resizeSection(col, width)
        self._selection_changed()

    def selected(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        username = self.model.row_values(rows[0].row())[0]
        return next((r for r in self.rows if r.username == username), None)

    def select_username(self, username: str) -> None:
        for i in range(self.model.rowCount()):
            if self.model.row_values(i)[0] == username:
                self.table.selectRow(i)
                return

    def _selection_changed(self, *_args) -> None:
        row = self.selected()
        for b in (self.edit_button, self.reset_button, self.toggle_button):
            b.setEnabled(row is not None)
        self.toggle_button.setText("启用" if row is not None and row.disabled else "停用")

    def _units(self) -> list[str]:
        return [r[1] for r in self.ctx.call(units_listing).rows]

    def add_user(self) -> None:
        dialog = UserDialog(self._units(), parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        v = dialog.values()

        def work(session, _progress):
            user, initial = create_user(session, self.ctx.actor, v["username"], v["role"],
                                        unit=v["unit"], display_name=v["display_name"])  # fmt: skip
            return user.username, initial

        run_operation(self, self.ctx, "新建用户", work, on_done=self._show_initial)  # fmt: skip

    def _show_initial(self, result: tuple[str, str]) -> None:
        username, initial = result
        self.refresh()
        self.select_username(username)
        box = QMessageBox(QMessageBox.Icon.Information, "初始密码",
                          f"用户 {username} 的初始密码：\n\n{initial}\n\n"
                          "请当面告知本人；首次登录时必须修改。此密码不会再次显示。",
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.setObjectName("initialPassword")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.open()

    def edit_user(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = UserDialog(self._units(), row, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._save_user(row.username, row.version, dialog.values())

    def _save_user(self, username: str, version: int, v: dict) -> None:
        """Save an account's changes; if another administrator saved first, show both."""

        def work(session, _progress):
            update_user(session, self.ctx.actor, username, version,
                        display_name=v["display_name"], role=v["role"], unit=v["unit"])  # fmt: skip

        def conflict(exc: Exception) -> bool:
            if not isinstance(exc, EditConflict):
                return False
            self._resolve_conflict(username, v, exc)
            return True

        run_operation(self, self.ctx, "修改用户", work, on_done=lambda _r: self.refresh(), on_error=conflict)  # fmt: skip

    def _resolve_conflict(self, username: str, mine: dict, conflict: EditConflict) -> None:
        units = dict(self.ctx.call(unit_names_by_id))
        labels = {"display_name": "姓名", "role": "角色", "unit_id": "所属单位"}

        def fmt(field: str, value: object) -> str:
            if field == "role":
                return Role.label_of(value)
            if field == "unit_id":
                return units.get(value, "（无）")
            return "" if value is None else str(value)

        dialog = ConflictDialog(conflict, self, labels=labels, format_value=fmt)
        self.conflict_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self.refresh()
            return
        kept = dialog.resolution()
        values = dict(mine)
        if "display_name" in kept:
            values["display_name"] = kept["display_name"]
        if "role" in kept:
            values["role"] = str(kept["role"])
        if "unit_id" in kept:
            values["unit"] = units.get(kept["unit_id"])
        self._save_user(username, conflict.current_version, values)

    def reset_user(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(self, "重置密码",
                                      f"为 {row.username}（{row.display_name}）生成新的初始密码？"
                                      "该用户下次登录时必须修改，账户锁定同时解除。")  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return

        def work(session, _progress):
            initial = reset_password(session, self.ctx.actor, row.username)
            return row.username, initial

        run_operation(self, self.ctx, "重置密码", work, on_done=self._show_initial)  # fmt: skip

    def toggle_user(self) -> None:
        row = self.selected()
        if row is None:
            return
        disable = not row.disabled

        def work(session, _progress):
            set_disabled(session, self.ctx.actor, row.username, disable)

        run_operation(self, self.ctx, "停用用户" if disable else "启用用户", work,
                      on_done=lambda _r: self.refresh())  # fmt: skip
