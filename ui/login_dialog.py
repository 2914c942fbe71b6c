"""Signing in: the login dialog, the first administrator of a new database, password changes.

The dialogs only collect input and show results; the work is a callable handed in (which
runs a controller), so every rule lives in ``controllers.auth``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from controllers.errors import UserError
from controllers.password_policy import MIN_KINDS, MIN_LENGTH

RULE_TEXT = (
    f"密码至少 {MIN_LENGTH} 位，包含大写字母、小写字母、数字、符号中的至少 {MIN_KINDS} 种，"
    "且不能包含用户名。"
)


def error_text(exc: BaseException) -> str:
    """``ui.operations.error_text``, imported on first use (it loads SQLAlchemy)."""
    from ui.operations import error_text as text

    return text(exc)


def title_label(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    label.setFont(font)
    return label


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(128)
    return field


class _FormDialog(QDialog):
    """A titled form with a red message line and OK/Cancel buttons."""

    def __init__(self, title: str, heading: str, note: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        lay = QVBoxLayout(self)
        lay.addWidget(title_label(heading))
        self.note: QLabel | None = None
        if note:
            self.note = sub = QLabel(note)
            sub.setWordWrap(True)
            sub.setObjectName("loginNote")
            lay.addWidget(sub)
        lay.addLayout(self.form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(420)

    def ok_button(self):
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.grow_to_fit()

    def grow_to_fit(self) -> None:
        """Make room for wrapped lines that appeared (a message under the demo hint): a
        shown dialog does not grow by itself, and its labels would be cut."""
        layout = self.layout()
        layout.activate()
        need = layout.totalHeightForWidth(self.width())
        if need > self.height():
            self.resize(self.width(), need)

    def submit(self) -> None:  # pragma: no cover (overridden)
        self.accept()

    def _run(self, work: Callable[[], Any]) -> Any:
        """Run ``work``; a refused attempt shows its Chinese message and keeps the dialog."""
        try:
            return work()
        except UserError as exc:
            self.show_message(str(exc))
        except Exception as exc:  # noqa: BLE001 (shown, logged by error_text's caller)
            self.show_message(error_text(exc))
        return None


class LoginDialog(_FormDialog):
    """Username, password and, on the single-machine SQLite default, "stay signed in".

    With the last user filled in, the cursor waits in the password field; 切换用户 (Alt+W) or
    Alt+U empties/selects the user name, so another clerk never types a name into the password
    box (which would count as a failed attempt for the remembered user).
    """

    def __init__(self, sign_in: Callable[[str, str, bool], Any] | None, *, database_label: str,
                 allow_remember: bool, username: str = "", hint: str | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__("登录 — 散乱污整治管理台", "散乱污整治管理台",
                         f"数据库：{database_label}", parent)  # fmt: skip
        self._sign_in = sign_in
        self.result_value: Any = None
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.username.setPlaceholderText("用户名")
        self.switch_user = QPushButton("切换用户(&W)")
        self.switch_user.setObjectName("switchUser")
        self.switch_user.setAutoDefault(False)
        self.switch_user.setToolTip("清空用户名，输入另一位用户的用户名和密码")
        self.switch_user.setVisible(bool(username))
        user_row = QHBoxLayout()
        user_row.setContentsMargins(0, 0, 0, 0)
        user_row.addWidget(self.username, 1)
        user_row.addWidget(self.switch_user)
        self.password = _password_field()
        self.password.setObjectName("password")
        self.remember = QCheckBox("在这台电脑上保持登录（30 天）")
        self.remember.setVisible(allow_remember)
        user_label = QLabel("用户名(&U)：")
        user_label.setBuddy(self.username)
        password_label = QLabel("密码(&P)：")
        password_label.setBuddy(self.password)
        self.form.addRow(user_label, user_row)
        self.form.addRow(password_label, self.password)
        self.form.addRow("", self.remember)
        self.hint = QLabel(hint or "")
        self.hint.setObjectName("demoHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        self.hint.setVisible(bool(hint))
        self.form.addRow("", self.hint)
        self.ok_button().setText("登录")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        self.switch_user.clicked.connect(self.change_user)
        (self.password if username else self.username).setFocus()

    @classmethod
    def opening(cls, username: str = "") -> LoginDialog:
        """The dialog shown at start while the database opens (SQLAlchemy not yet imported):
        the clerk sees it at once and can type; 登录 waits for ``attach``."""
        dialog = cls(None, database_label="正在打开……", allow_remember=False, username=username)
        dialog.ok_button().setEnabled(False)
        return dialog

    def attach(self, sign_in: Callable[[str, str, bool], Any], *, database_label: str,
               allow_remember: bool, hint: str | None = None) -> None:  # fmt: skip
        """The database is open: sign-in works from now on."""
        self._sign_in = sign_in
        if self.note is not None:
            self.note.setText(f"数据库：{database_label}")
        self.remember.setVisible(allow_remember)
        self.hint.setText(hint or "")
        self.hint.setVisible(bool(hint))
        self.ok_button().setEnabled(True)
        if self.isVisible():
            self.grow_to_fit()

    def change_user(self) -> None:
        """Empty the user name and password and put the cursor in the user name."""
        self.username.clear()
        self.password.clear()
        self.message.hide()
        self.switch_user.hide()
        self.username.setFocus()

    def submit(self) -> None:
        if self._sign_in is None:  # the database is still opening
            return
        name, password = self.username.text().strip(), self.password.text()
        if not name or not password:
            self.show_message("请输入用户名和密码。")
            return
        self.ok_button().setEnabled(False)
        try:
            result = self._run(lambda: self._sign_in(name, password, self.remember.isChecked()))
        finally:
            self.ok_button().setEnabled(True)
        if result is None:
            self.password.clear()
            self.password.setFocus()
            return
        self.result_value = result
        self.accept()


class FirstAdminDialog(_FormDialog):
    """The first start of a new database: create the 系统管理员 account."""

    def __init__(self, create: Callable[[str, str, str], Any],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(
            "首次启动 — 建立系统管理员",
            "建立系统管理员账户",
            "这是一个新的数据库，还没有任何账户。请先建立系统管理员账户：系统管理员负责"
            "建立其他用户和系统设置，但不能查看业务数据或删除审计记录。" + RULE_TEXT,
            parent,
        )
        self._create = create
        self.result_value: Any = None
        self.username = QLineEdit("admin")
        self.username.setObjectName("username")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("例如：王管理")
        self.password = _password_field()
        self.password.setObjectName("password")
        self.confirm = _password_field()
        self.confirm.setObjectName("confirm")
        self.form.addRow("用户名：", self.username)
        self.form.addRow("姓名：", self.display_name)
        self.form.addRow("密码：", self.password)
        self.form.addRow("确认密码：", self.confirm)
        self.ok_button().setText("建立并登录")

    def submit(self) -> None:
        if self.password.text() != self.confirm.text():
            self.show_message("两次输入的密码不一致。")
            return
        result = self._run(lambda: self._create(self.username.text(), self.display_name.text(),
                                                self.password.text()))  # fmt: skip
        if result is not None:
            self.result_value = result
            self.accept()


class ChangePasswordDialog(_FormDialog):
    """Change one's own password; required at the first sign-in and after a reset."""

    def __init__(self, change: Callable[[str, str], Any], *, required: bool,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        note = ("首次登录（或密码被重置后）必须先修改密码。" if required else "") + RULE_TEXT
        super().__init__("修改密码", "修改密码", note, parent)
        self._change = change
        self.old = _password_field()
        self.old.setObjectName("old")
        self.new = _password_field()
        self.new.setObjectName("new")
        self.confirm = _password_field()
        self.confirm.setObjectName("confirm")
        self.form.addRow("原密码：", self.old)
        self.form.addRow("新密码：", self.new)
        self.form.addRow("确认新密码：", self.confirm)
        if required:
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")

    def submit(self) -> None:
        if self.new.text() != self.confirm.text():
            self.show_message("两次输入的新密码不一致。")
            return
        done = self._run(lambda: self._change(self.old.text(), self.new.text()) or True)
        if done:
            self.accept()
