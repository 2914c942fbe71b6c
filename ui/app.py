"""Start the desktop application: Qt set-up, the database, the main window."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from controllers.actor import Actor

logger = logging.getLogger(__name__)

ORG_NAME = "RectifyDesk"
APP_NAME = "RectifyDesk"
APP_DISPLAY_NAME = "散乱污整治管理台"

NO_DISPLAY_MESSAGE = """\
没有可用的图形显示（未设置 DISPLAY / WAYLAND_DISPLAY），无法打开窗口。
No graphical display is available (neither DISPLAY nor WAYLAND_DISPLAY is set).

可以这样运行 / Run it one of these ways:
  xvfb-run -a make run                       # 在虚拟屏幕上运行 / on a virtual screen (apt-get install xvfb)
  QT_QPA_PLATFORM=offscreen make run          # 不显示窗口，仅用于检查 / no window, for checks only
  python main.py --help                      # 命令行功能 / the headless commands
"""


def has_display(environ: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """False on Linux/BSD without X11/Wayland and no explicit Qt platform plugin."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if plat.startswith(("win", "darwin", "cygwin")):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def local_actor() -> Actor:
    """A city clerk named after the machine's user (tests and tools that skip sign-in)."""
    from controllers.actor import Actor
    from models.codes import Role

    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = "clerk"
    return Actor(user_id=None, username=name, role=Role.CITY_CLERK, display_name=name)


def create_application(argv: list[str] | None = None):
    """The QApplication with names, Chinese translations and a CJK font."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from resources import resource_path
    from ui import dialog_habits
    from ui.fonts import apply_ui_font
    from ui.translations import install_translations

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_DISPLAY_NAME)
    app.setWindowIcon(QIcon(str(resource_path("icons", "app.png"))))
    install_translations(app)
    apply_ui_font(app)
    dialog_habits.install(app)  # dialogs fit the screen; Esc closes unchanged ones
    return app


def show_login_dialog_early(app):
    """Paint the login dialog before SQLAlchemy, the models and the database are loaded: the
    clerk sees it (and types) while they load; ``sign_in_interactively`` takes it over."""
    from PySide6.QtCore import QSettings

    from ui.login_dialog import LoginDialog

    dialog = LoginDialog.opening(str(QSettings().value("Login/username", "")))
    dialog.show()
    dialog.repaint()
    app.processEvents()
    return dialog


def run_gui(args: argparse.Namespace) -> int:
    """Run the application until its window closes; returns the exit status."""
    if not has_display():
        sys.stderr.write(NO_DISPLAY_MESSAGE)
        return 1
    app = create_application()
    opening = show_login_dialog_early(app)

    from PySide6.QtWidgets import QMessageBox

    from ui.restart import restart_requested, start_again
    from ui.sign_in import sign_in_interactively
    from ui.startup import (
        choose_connection_at_first_start,
        open_database_with_feedback,
        remember_command_line_db,
    )

    remember_command_line_db(args.db)
    if not choose_connection_at_first_start(args.db):
        opening.close()
        return 0
    database = open_database_with_feedback(args.db, demo_if_empty=args.demo_if_empty)
    if database is None:
        opening.close()
        return 1
    try:
        switching = False
        while True:
            # Sign in before the main window exists: nothing is shown to nobody.
            signed = sign_in_interactively(
                database, switching=switching, opening=None if switching else opening
            )
            if signed is None:
                return 0
            try:
                status, signed_out = run_main_window(app, signed.database, signed.actor)
            finally:
                if signed.database is not database:
                    signed.database.dispose()
            if not signed_out or restart_requested():
                return status
            switching = True  # 文件 → 注销 / 切换用户
    except Exception:
        logger.exception("unexpected error")
        QMessageBox.critical(None, APP_DISPLAY_NAME, "程序发生意外错误，详情见日志文件。")
        return 1
    finally:
        database.dispose()
        if restart_requested() and not start_again():
            QMessageBox.warning(None, APP_DISPLAY_NAME, "程序未能自动重新启动，请手动启动。")


def run_main_window(app, database, actor: Actor) -> tuple[int, bool]:
    """Show the main window for a signed-in clerk until it closes: (exit status, whether
    the clerk signed out to let someone sign in)."""
    from ui.clerk_session import ClerkSession
    from ui.context import AppContext
    from ui.first_start_dialog import offer_first_start
    from ui.main_window import MainWindow

    ctx = AppContext(database, actor)
    offer_first_start(ctx)  # a new database: this office's units and townships, or the demo
    window = MainWindow(ctx)
    session = ClerkSession(window, ctx).start()
    window.show()
    try:
        status = app.exec()
    finally:
        session.stop()
        window.deleteLater()
    return status, session.signed_out
