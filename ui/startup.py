"""Opening the database at start: upgrade notice, first-start demo data, clear errors."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from controllers.demo import generate_demo
from controllers.demo.generator import database_has_data
from controllers.infra.database_setup import Database, DatabaseError, open_database
from controllers.unit_of_work import call

logger = logging.getLogger(__name__)


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
