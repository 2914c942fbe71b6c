"""Opening the database at start: the first-start choice of where the data lives, upgrade
notice, first-start demo data, clear errors."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QProgressDialog

from controllers.demo import generate_demo
from controllers.demo.generator import database_has_data
from controllers.infra.connection_choice import first_start_choice_needed, save_choice
from controllers.infra.database_setup import Database, DatabaseError, open_database
from controllers.unit_of_work import call

logger = logging.getLogger(__name__)


#: the --db of this run, kept on the application for 系统设置 (a choice there would not apply)
COMMAND_LINE_DB_PROPERTY = "rectifyCommandLineDb"


def remember_command_line_db(url: str | None) -> None:
    app = QApplication.instance()
    if app is not None:
        app.setProperty(COMMAND_LINE_DB_PROPERTY, url or "")


def command_line_db() -> str | None:
    app = QApplication.instance()
    value = app.property(COMMAND_LINE_DB_PROPERTY) if app is not None else None
    return str(value) if value else None


def _exec(dialog: QDialog) -> int:
    return dialog.exec()


def choose_connection_at_first_start(
    cli_url: str | None, *, exec_dialog: Callable[[QDialog], int] = _exec
) -> bool:
    """On a fresh installation ask where the data lives and remember it; False when the
    clerk chose to quit. Does nothing once chosen, or when --db / RECTIFY_DB_URL decide."""
    if not first_start_choice_needed(cli_url):
        return True
    from ui.connection_dialog import ConnectionDialog

    dialog = ConnectionDialog(first_start=True)
    if exec_dialog(dialog) != QDialog.DialogCode.Accepted or dialog.choice is None:
        return False
    path = save_choice(dialog.choice)
    logger.info("first start: %s, remembered in %s", dialog.choice.mode.value, path)
    return True


def open_database_with_feedback(url: str | None, *, demo_if_empty: bool = False) -> Database | None:
    """Open (and upgrade) the database; None after telling the clerk why it failed."""
    try:
        result = open_database(url)
    except DatabaseError as exc:
        logger.error("cannot open database: %s", exc)
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return None
    db = result.database
    if result.upgraded_from and result.backup_path:
        logger.info("upgraded from %s, backup %s", result.upgraded_from, result.backup_path)
    if demo_if_empty and not call(db, database_has_data).value:
        fill_demo(db)
    return db


def fill_demo(db: Database) -> None:
    """Write the demo data with a progress dialog."""
    dialog = QProgressDialog("正在生成演示数据……", None, 0, 100)
    dialog.setWindowTitle("首次启动")
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    dialog.setValue(0)

    def progress(pct: int, message: str) -> None:
        dialog.setLabelText(f"正在生成演示数据：{message}")
        dialog.setValue(pct)
        QApplication.processEvents()

    call(db, generate_demo, progress=progress)
    dialog.close()
