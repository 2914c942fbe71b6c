"""What a process pays before anyone signs in (issue: performance, second round)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_password_module_computes_no_hash() -> None:
    code = (
        "import controllers.auth.passwords as p\n"
        "print(p._dummy_hash.cache_info().currsize)\n"
        "p.verify_password(None, 'whatever')\n"
        "print(p._dummy_hash.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "1"]  # hashed on first use (an unknown account), not at import


HEAVY = ("sqlalchemy", "reportlab", "pandas", "pyqtgraph", "PySide6", "argon2", "openpyxl")


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return set(out.split("\n")[-2].split())


def test_summary_imports_only_its_own_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    code = (
        "import main\n"
        f"assert main.main(['--db', {url!r}, 'db', 'upgrade']) == 0\n"
        "import sys\n"
        "for name in [m for m in sys.modules if m.startswith('cli.')]: del sys.modules[name]\n"
        "before = set(sys.modules)\n"
        f"assert main.main(['--db', {url!r}, 'summary']) == 0\n"
        "import cli.main\n"
        "print('LOADED', ' '.join(sorted(m for m in set(sys.modules) - before if m.startswith('cli.'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    loaded = next(line for line in out.splitlines() if line.startswith("LOADED")).split()[1:]
    assert "cli.summary_command" in loaded
    assert not [
        m for m in loaded if m.endswith(("_command", "_commands")) and m != "cli.summary_command"
    ]
    mods = _modules_after(f"import main\nmain.main(['--db', {url!r}, 'summary'])")
    assert not mods & {"reportlab", "pandas", "pyqtgraph", "PySide6", "openpyxl", "argon2"}


def test_help_still_lists_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    from cli.main import COMMANDS

    for name in COMMANDS:
        assert f"\n    {name}" in out, name


def test_login_dialog_and_gui_start_load_no_database_code() -> None:
    mods = _modules_after(
        "import main, cli.main, ui.app, ui.login_dialog\n"
        "parser = cli.main.build_parser([])\n"
        "assert parser.parse_args([]).command is None\n"
        "from controllers.infra.logging_setup import log_dir\n"
        "log_dir()\n"
    )
    assert "PySide6" in mods
    assert not mods & set(HEAVY) - {"PySide6"}


def test_the_log_folder_is_named_as_the_data_folder() -> None:
    from controllers.infra import logging_setup
    from models import database

    assert (logging_setup.APP_NAME, logging_setup.APP_AUTHOR) == (
        database.APP_NAME,
        database.APP_AUTHOR,
    )


def test_the_main_window_modules_load_while_the_login_dialog_waits() -> None:
    code = (
        "import sys, time\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from ui.main_window_preload import MAIN_WINDOW_MODULES, preload_while_idle\n"
        "print('BEFORE', sum(m in sys.modules for m in MAIN_WINDOW_MODULES))\n"
        "preload_while_idle()\n"
        "print('SAME TURN', sum(m in sys.modules for m in MAIN_WINDOW_MODULES))\n"
        "end = time.monotonic() + 120\n"
        "while not all(m in sys.modules for m in MAIN_WINDOW_MODULES) and time.monotonic() < end:\n"
        "    app.processEvents()\n"
        "print('AFTER', sum(m in sys.modules for m in MAIN_WINDOW_MODULES))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    ).stdout.split("\n")
    from ui.main_window_preload import MAIN_WINDOW_MODULES

    assert "BEFORE 0" in out
    assert "SAME TURN 0" in out  # nothing blocks the dialog's own turn of the event loop
    assert f"AFTER {len(MAIN_WINDOW_MODULES)}" in out
