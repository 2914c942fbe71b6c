"""What the database server itself enforces, told to the administrator (settings, db-roles)."""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from controllers.infra import db_roles
from models.database import Database, make_engine

#: shown in the settings pane and the README: MariaDB has no per-user accounts here yet
MARIADB_NOT_ENFORCED = (
    "MariaDB：本程序尚未为每个账户建立数据库账户，所有电脑使用同一个数据库账户；"
    "单位范围、职责分离和审计日志的权限只在程序中检查，数据库本身不限制。"
    "持有该账户密码的人可以读取所有单位的数据和密码哈希、修改任何记录（包括把自己改成市级业务员）；"
    "触发器拒绝修改、删除、替换审计记录和回退链头，但 TRUNCATE 不触发任何触发器，"
    "可以清空审计日志和链头，有 TRIGGER 权限时还可以删除触发器后改写；"
    "这些只有用审计密钥封存后才能被 audit verify 发现。"
    "多人使用请改用 PostgreSQL 并运行 user db-roles。"
)
#: a PostgreSQL database on which ``user db-roles`` has not run
PG_NOT_SECURED = (
    "PostgreSQL：尚未运行 user db-roles，所有电脑使用同一个数据库账户；"
    "单位范围和职责分离只在程序中检查，数据库本身不限制。"
    "持有该账户密码的人可以读取所有单位的数据和密码哈希、修改任何记录；"
    "审计日志的触发器拒绝修改、删除、清空审计记录和回退链头，但表的所有者可以关闭触发器后改写，"
    "只有用审计密钥封存后才能被 audit verify 发现。请由数据库所有者运行一次 user db-roles。"
)
TRUST_WARNING = (
    "警告：数据库服务器接受了错误的密码（pg_hba.conf 中可能是 trust 认证）。"
    "程序登录时仍会核对密码，但任何人都能用普通 SQL 客户端以业务员的数据库角色登录，"
    "行级安全形同虚设。请改为 scram-sha-256 认证。"
)


def server_accepts_wrong_password(db: Database, role: str | None = None) -> bool:
    """True when the server lets ``role`` (default: this connection's) in with a wrong password.

    Only PostgreSQL and MariaDB/MySQL servers are asked; SQLite has no server.
    """
    url = db.engine.url
    if url.get_backend_name() not in ("postgresql", "mysql", "mariadb"):
        return False
    url = url.set(username=role or url.username, password="wrong-" + secrets.token_urlsafe(12))
    if not url.username:
        return False
    probe = make_engine(url.render_as_string(hide_password=False))
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except (OperationalError, DBAPIError):
        return False
    finally:
        probe.dispose()


def enforcement_notes(db: Database, *, probe: bool = True) -> list[str]:
    """Plain statements of what the database does not enforce (empty: nothing to say)."""
    backend = db.info.backend
    notes: list[str] = []
    if backend in ("mysql", "mariadb"):
        notes.append(MARIADB_NOT_ENFORCED)
    if backend == "postgresql":
        with db.session() as session:
            if not db_roles.is_installed(session):
                notes.append(PG_NOT_SECURED)
    if (
        probe
        and backend in ("postgresql", "mysql", "mariadb")
        and server_accepts_wrong_password(db)
    ):
        notes.append(TRUST_WARNING)
    return notes
