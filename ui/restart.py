"""Starting the application again (after the database was restored from a backup)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QProcess

RESTART_PROPERTY = "rectifyRestartRequested"


def request_restart() -> None:
    """Mark the running application to start again once its window has closed."""
    app = QCoreApplication.instance()
    if app is not None:
        app.setProperty(RESTART_PROPERTY, True)


def restart_requested() -> bool:
    app = QCoreApplication.instance()
    return bool(app is not None and app.property(RESTART_PROPERTY))


def restart_command(argv: list[str] | None = None) -> tuple[str, list[str]]:
    """The program and arguments that started this process (a frozen build is its own
    program; from source, Python runs main.py again)."""
    argv = list(sys.argv if argv is None else argv)
    if getattr(sys, "frozen", False):
        return sys.executable, argv[1:]
    script = str(Path(argv[0]).resolve()) if argv and argv[0] else "main.py"
    return sys.executable, [script, *argv[1:]]


def start_again() -> bool:
    """Start a new instance of the application; True when it was started."""
    program, args = restart_command()
    ok, _pid = QProcess.startDetached(program, args)
    return bool(ok)
