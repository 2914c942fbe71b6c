"""What the database server itself enforces, told to the administrator (settings, db-roles)."""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from controllers.infra import db_roles, mariadb_roles
from models.database import Database, make_engine

#: shown in the settings pane and the README: MariaDB before ``user db-roles``
MARIADB_NOT_ENFORCED = (
    "MariaDB：尚未运行 user db-roles，所有电脑使用同一个数据库账户；"
    "单位范围、职责分离和审计日志的权限只在程序中检查，数据库本身不限制。"
    "持有该账户密码的人可以读取所有单位的数据和密码哈希、修改任何记录（包括把自己改成市级业务员）；"
    "触发器拒绝修改、删除、替换审计记录和回退链头，但 TRUNCATE 不触发任何触发器，"
    "可以清空审计日志和链头，有 TRIGGER 权限时还可以删除触发器后改写；"
    "这些只有用审计密钥封存后才能被 audit verify 发现。"
    "请由数据库管理员（root）运行一次 user db-roles，为每个账户建立自己的数据库账户。"
)
#: MariaDB with per-user accounts (``user db-roles``): what the server enforces and what not
MARIADB_SCOPED = (
    "MariaDB：每个账户用自己的数据库账户连接“<库名>_scoped”库，那里只有按单位过滤的视图"
    "（SQL SECURITY DEFINER，WITH CHECK OPTION），对原库没有任何权限：县区业务员读写不到其他单位的数据，"
    "读不到他人的密码哈希，不能改自己的角色和单位，不能 TRUNCATE、删除或改写审计日志，"
    "触发器拒绝越级改状态、无佐证销号、删除已销号企业及变更记录、审核本单位上报和伪造审计记录。"
    "数据库不限制的：视图按客户端报出的用户名（USER()）识别账户，服务器上不得有匿名账户；"
    "直接用 SQL 客户端连接时服务器不会在输错 5 次后锁定账户；数据库管理员（root）和原库的所有者"
    "仍有全部权限，他们的改写只有审计密钥的封存能发现；升级数据库结构后须再运行一次 user db-roles。"
)
#: the scoped views no longer match the tables (a schema upgrade since user db-roles)
MARIADB_STALE = (
    "MariaDB：数据库结构升级后尚未再运行 user db-roles，这些表的视图与表结构不一致：{tables}。"
    "业务员经视图读写这些表可能出错，请由数据库管理员再运行一次 user db-roles。"
)
#: an owner's connection to a MariaDB database that has per-user accounts
MARIADB_OWNER = (
    "MariaDB：已运行 user db-roles（业务员经“<库名>_scoped”库以自己的数据库账户连接），"
    "但本连接使用的是原库的管理账户，不受单位范围限制。"
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
        with db.session() as session:
            info = mariadb_roles.scope_info(session)
            scoped = mariadb_roles.is_scoped(session)
            stale = [] if info is None or scoped else mariadb_roles.stale_views(session)
        if info is None:
            notes.append(MARIADB_NOT_ENFORCED)
        else:
            notes.append(MARIADB_SCOPED if scoped else f"{MARIADB_OWNER}{MARIADB_SCOPED}")
        if stale:
            notes.append(MARIADB_STALE.format(tables="、".join(stale)))
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
