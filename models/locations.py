"""Where the database lives, without importing SQLAlchemy (quick commands read this too).

Precedence: ``--db URL`` > ``RECTIFY_DB_URL`` > the choice made at the first start
(``models.connection_choice``) > an SQLite file in the per-user data folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

APP_NAME = "RectifyDesk"
APP_AUTHOR = "RectifyDesk"
ENV_DB_URL = "RECTIFY_DB_URL"
CHOICE_FILE = "connection.json"

#: backend name → how the status bar and ``summary`` name it
BACKEND_NAMES = {"postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL", "mariadb": "MariaDB"}


def default_data_dir() -> Path:
    """The per-user data folder (``%LOCALAPPDATA%\\RectifyDesk`` on Windows)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, APP_AUTHOR))


def default_sqlite_path() -> Path:
    return default_data_dir() / "rectify.db"


def chosen_server_url() -> str | None:
    """The server chosen at the first start (``connection.json``); None for this computer."""
    import json

    try:
        data = json.loads((default_data_dir() / CHOICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("mode") == "server" and data.get("server_url"):
        return str(data["server_url"])
    return None


def resolve_url(cli_url: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The database URL in force: the command line, the environment, the clerk's choice at
    the first start, then the default."""
    env = os.environ if environ is None else environ
    if cli_url:
        return cli_url
    if env.get(ENV_DB_URL):
        return env[ENV_DB_URL]
    chosen = chosen_server_url()
    if chosen:
        return chosen
    return f"sqlite:///{default_sqlite_path().as_posix()}"


def describe_location(
    backend: str,
    *,
    path: Path | None = None,
    host: str | None = None,
    port: int | None = None,
    username: str | None = None,
    database: str | None = None,
) -> str:
    """The database named for a clerk, without its password (``SQLite：D:\\rectify.db``)."""
    if path is not None:
        return f"SQLite：{path}"
    if backend == "sqlite":
        return "SQLite（内存）"
    name = BACKEND_NAMES.get(backend, backend)
    port_text = f":{port}" if port else ""
    return f"{name}：{username or ''}@{host or 'localhost'}{port_text}/{database or ''}"


def _windows_drive_is_remote(drive: str) -> bool:
    """True when a Windows drive letter (``"Z:"``) is a mapped network drive."""
    if sys.platform != "win32":
        return False
    import ctypes

    DRIVE_REMOTE = 4  # noqa: N806 (Win32 constant)
    return ctypes.windll.kernel32.GetDriveTypeW(f"{drive}\\") == DRIVE_REMOTE


def is_network_path(path: str | Path, drive_is_remote: Callable[[str], bool] | None = None) -> bool:
    """True for a UNC path (``\\\\server\\share\\…``, ``//server/share/…``) or a mapped
    network drive, where SQLite's file locking is not safe."""
    text = str(path)
    if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\", "//?/")):
        return True
    if text.startswith("\\\\?\\UNC\\"):
        return True
    drive = PureWindowsPath(text).drive
    if len(drive) == 2 and drive[1] == ":":
        check = drive_is_remote or _windows_drive_is_remote
        return check(drive.upper())
    return False
