"""The database this computer's clerk chose at the first start: this computer, or a server.

Kept in ``connection.json`` in the per-user data folder. ``--db`` and ``RECTIFY_DB_URL`` still
take precedence (see :func:`models.database.resolve_url`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from models.database import CHOICE_FILE, ENV_DB_URL, default_data_dir, default_sqlite_path

logger = logging.getLogger(__name__)


class ConnectionMode(StrEnum):
    LOCAL = "local"  # 只在这台电脑上使用: the SQLite file in the per-user folder
    SERVER = "server"  # 连接单位的服务器

    @property
    def label(self) -> str:
        return {"local": "只在这台电脑上使用", "server": "连接单位的服务器"}[self.value]


class UrlSource(StrEnum):
    """Where the database URL in force came from."""

    COMMAND_LINE = "command_line"
    ENVIRONMENT = "environment"
    CHOSEN = "chosen"
    DEFAULT = "default"

    @property
    def label(self) -> str:
        return {
            "command_line": "由启动参数 --db 指定",
            "environment": f"由环境变量 {ENV_DB_URL} 指定",
            "chosen": "首次启动时选择（可在此更改）",
            "default": "默认（本机数据库文件）",
        }[self.value]

    @property
    def changeable(self) -> bool:
        """False when --db or the environment decide: a choice here would not take effect."""
        return self in (UrlSource.CHOSEN, UrlSource.DEFAULT)


@dataclass(frozen=True)
class ConnectionChoice:
    mode: ConnectionMode
    server_url: str = ""

    def url(self) -> str:
        if self.mode is ConnectionMode.SERVER:
            return self.server_url
        return f"sqlite:///{default_sqlite_path().as_posix()}"


def choice_path() -> Path:
    return default_data_dir() / CHOICE_FILE


def load_choice(path: Path | None = None) -> ConnectionChoice | None:
    """The remembered choice; None when there is none (or the file cannot be read)."""
    path = path or choice_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        mode = ConnectionMode(data["mode"])
        server_url = str(data.get("server_url") or "")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("ignoring unreadable %s: %s", path, exc)
        return None
    if mode is ConnectionMode.SERVER and not server_url:
        return None
    return ConnectionChoice(mode, server_url)


def save_choice(choice: ConnectionChoice, path: Path | None = None) -> Path:
    """Remember the choice (only this user can read the file: it may hold a password)."""
    path = path or choice_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"mode": choice.mode.value}
    if choice.mode is ConnectionMode.SERVER:
        data["server_url"] = choice.server_url.strip()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    with contextlib.suppress(OSError):  # Windows: the per-user folder is private already
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def url_source(cli_url: str | None = None, environ: dict[str, str] | None = None) -> UrlSource:
    env = os.environ if environ is None else environ
    if cli_url:
        return UrlSource.COMMAND_LINE
    if env.get(ENV_DB_URL):
        return UrlSource.ENVIRONMENT
    if load_choice() is not None:
        return UrlSource.CHOSEN
    return UrlSource.DEFAULT


def first_start_choice_needed(
    cli_url: str | None = None, environ: dict[str, str] | None = None
) -> bool:
    """True on a fresh installation: nothing chosen, no --db or environment, no database file."""
    return url_source(cli_url, environ) is UrlSource.DEFAULT and not default_sqlite_path().exists()
