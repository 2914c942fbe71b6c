"""Sealing the audit chain with a key that is not in the database.

The hash chain alone proves nothing against someone who can write the database: they can
edit an entry and recompute every hash after it, or cut off the newest entries and move the
head back. A *seal* is an HMAC-SHA256, under the audit key, of the chain head
(``last_id``, ``last_hash``). Because each hash covers every entry before it, a valid seal
vouches for the whole chain up to that entry. Seals are written twice:

- as an audit entry (action ``seal``, detail ``{"last_id", "last_hash", "mac"}``) — it travels
  with the database and its backups;
- in the seal log beside the key (outside the database), one line per seal with the database's
  identity — so cutting the log back to before the newest seal entry is still noticed.

The key is a random 256-bit secret in a file (``RECTIFY_AUDIT_KEY`` names it, else
``audit-seal.key`` in the per-user settings folder) that the 审计管理员 keeps; whoever holds it
can verify and can seal. The chain is sealed at every backup and at least daily (on start-up,
when the newest seal is a day old) wherever the key is present.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import UserError
from models import AuditArchive, AuditEntry, AuditHead
from models.base import now
from models.database import sqlite_path

logger = logging.getLogger(__name__)

ENV_KEY = "RECTIFY_AUDIT_KEY"
KEY_FILE = "audit-seal.key"
SEAL_LOG = "audit-seals.jsonl"
SEAL_ACTION = "seal"
#: seal at least this often (the daily seal on start-up)
SEAL_EVERY = dt.timedelta(days=1)


class SealError(UserError):
    """The chain cannot be sealed (no key, or the key file is unusable)."""


@dataclass(frozen=True)
class Seal:
    last_id: int
    last_hash: str | None
    mac: str
    at: dt.datetime | None = None
    entry_id: int | None = None  # the audit entry that records it (None: only in the seal log)


def key_path() -> Path:
    """Where the audit key lives (``RECTIFY_AUDIT_KEY`` or the per-user settings folder)."""
    if os.environ.get(ENV_KEY):
        return Path(os.environ[ENV_KEY]).expanduser()
    from platformdirs import user_config_dir

    from models.database import APP_AUTHOR, APP_NAME

    return Path(user_config_dir(APP_NAME, APP_AUTHOR)) / KEY_FILE


def load_key(path: Path | None = None) -> bytes | None:
    """The audit key, or None when this machine does not hold it."""
    path = path or key_path()
    try:
        raw = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SealError(f"审计密钥文件 {path} 无法读取：{exc}") from None
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        raise SealError(f"审计密钥文件 {path} 已损坏（不是密钥）。") from None
    if len(key) < 32:
        raise SealError(f"审计密钥文件 {path} 已损坏（密钥太短）。")
    return key


def create_key(path: Path | None = None) -> Path:
    """Write a new random key (never overwrites one: seals made with it would not verify)."""
    path = path or key_path()
    if path.exists():
        raise SealError(f"审计密钥已存在：{path}。为免已有的封存无法核对，不会覆盖。")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return path


def seal_mac(key: bytes, last_id: int, last_hash: str | None) -> str:
    message = f"rectify-audit-seal:{int(last_id)}:{last_hash or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def database_identity(session: Session) -> str:
    """Which database a seal in the seal log belongs to (file path, or server/database)."""
    url = session.get_bind().url
    path = sqlite_path(url)
    if path is not None:
        return f"sqlite:{path.resolve()}"
    return f"{url.get_backend_name()}://{url.host or 'localhost'}:{url.port or ''}/{url.database}"


def _log_path(key_file: Path) -> Path:
    return key_file.with_name(SEAL_LOG)


def logged_seals(identity: str, key_file: Path | None = None) -> list[Seal]:
    """The seals of this database in the seal log outside the database."""
    log = _log_path(key_file or key_path())
    if not log.is_file():
        return []
    out: list[Seal] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
            if item.get("database") != identity:
                continue
            at = dt.datetime.fromisoformat(item["at"]) if item.get("at") else None
            out.append(Seal(int(item["last_id"]), item.get("last_hash"), str(item["mac"]), at))
        except (ValueError, KeyError, TypeError):
            continue  # a damaged line seals nothing
    return out


def _log_seal(identity: str, seal: Seal, key_file: Path) -> None:
    line = json.dumps({"database": identity, "at": f"{seal.at:%Y-%m-%d %H:%M:%S}",
                       "last_id": seal.last_id, "last_hash": seal.last_hash, "mac": seal.mac},
                      ensure_ascii=False)  # fmt: skip
    with _log_path(key_file).open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def seal_head(session: Session, actor: Actor, *, reason: str = "manual") -> Seal:
    """Seal the chain's current head (an audit entry and a line in the seal log). No commit."""
    path = key_path()
    key = load_key(path)
    if key is None:
        raise SealError(
            f"这台电脑上没有审计密钥（{path}），不能封存审计日志。"
            "请由审计管理员用 audit seal-key 建立密钥，或设置环境变量 RECTIFY_AUDIT_KEY 指向密钥文件。"
        )
    last_id, last_hash = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one()
    seal = Seal(last_id, last_hash, seal_mac(key, last_id, last_hash), now())
    record(session, actor, SEAL_ACTION, "audit_log", last_id,
           detail={"last_id": last_id, "last_hash": last_hash, "mac": seal.mac,
                   "reason": reason})  # fmt: skip
    _log_seal(database_identity(session), seal, path)
    return seal


def newest_seal_at(session: Session) -> dt.datetime | None:
    return session.scalar(
        select(AuditEntry.at)
        .where(AuditEntry.action == SEAL_ACTION)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


def seal_if_due(
    session: Session, actor: Actor, *, moment: dt.datetime | None = None
) -> Seal | None:
    """The daily seal: when this machine holds the key and the newest seal is a day old."""
    try:
        if load_key() is None:
            return None
    except SealError:
        logger.exception("the audit key is unusable")
        return None
    newest = newest_seal_at(session)
    if newest is not None and (moment or now()) - newest < SEAL_EVERY:
        return None
    return seal_head(session, actor, reason="daily")


def entry_seals(session: Session) -> list[Seal]:
    """The seals recorded in the trail (archive and live log)."""
    out: list[Seal] = []
    for model in (AuditArchive, AuditEntry):
        rows = session.execute(
            select(model.id, model.at, model.detail)
            .where(model.action == SEAL_ACTION)
            .order_by(model.id)
        )
        for entry_id, at, detail in rows:
            try:
                d: dict[str, Any] = json.loads(detail or "{}")
                out.append(Seal(int(d["last_id"]), d.get("last_hash"), str(d["mac"]), at, entry_id))
            except (ValueError, KeyError, TypeError):
                out.append(Seal(-1, None, "", at, entry_id))  # unreadable: fails the MAC check
    return out


def hash_at(session: Session, entry_id: int) -> tuple[bool, str | None]:
    """(exists, entry_hash) of entry ``entry_id`` in the live log or the archive."""
    if entry_id == 0:
        return True, None
    for table in ("audit_log", "audit_archive"):
        row = session.execute(
            text(f"SELECT entry_hash FROM {table} WHERE id = :i"), {"i": entry_id}
        ).first()
        if row is not None:
            return True, row[0]
    return False, None
