"""Qt's own Chinese translations (确定/取消 in standard dialogs) and ours."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from resources import resource_path

logger = logging.getLogger(__name__)


def install_translations(app: QApplication) -> list[QTranslator]:
    """Load qtbase_zh_CN from Qt and rectify_zh_CN from resources, if present."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    installed: list[QTranslator] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, folder in (
        ("qtbase_zh_CN", qt_dir),
        ("rectify_zh_CN", str(resource_path("translations"))),
    ):
        tr = QTranslator(app)
        if tr.load(name, folder):
            app.installTranslator(tr)
            installed.append(tr)
            logger.info("Qt translation %s loaded from %s", name, folder)
        elif name == "qtbase_zh_CN":
            logger.warning("Qt translation %s not found in %s", name, folder)
    app.setProperty("_rectify_translators", installed)
    return installed
