"""MariaDB security outside the application: per-user accounts over definer views.

After :func:`install` (``python main.py --db URL user db-roles`` on a MariaDB database, run once
by an account that may create users and grant, e.g. ``root``):

- a second database ``<db>_scoped`` holds one ``SQL SECURITY DEFINER`` view per application
  table, with the **same name**, filtered by the signed-in account's unit scope (the view reads
  the invoker from ``USER()`` and finds the ``users`` row), ``WITH CASCADED CHECK OPTION`` so a
  row of another unit can be neither read nor written;
- every account is a MariaDB user ``rd_<database>_<username>``@``%`` with the account's own
  password (the ``mysql_native_password`` hash is computed on the clerk's machine), holding a
  MariaDB role per application role (``rd_<database>__county`` …) whose privileges are on the
  views only: no account has any privilege on ``<db>`` itself, so ``TRUNCATE``, ``DROP
  TRIGGER`` and reads around the views are refused;
- the ``users`` view shows an account its own row (the administrator every row), and its
  password columns are changed only through ``rectify_set_own_password()``; other people's
  display names come from ``rectify_user_names``; the change feed reads ``rectify_audit_kinds``
  (id, action, object type of every entry, nothing else);
- administrators and city clerks merge units and townships through the definer procedures of
  :mod:`controllers.infra.mariadb_unit_merge` (they read or move what their views do not show);
- the guard triggers of :mod:`controllers.infra.mariadb_guards` refuse, for the accounts'
  users, what the controllers refuse (closing without the steps, deleting closed cases or
  history, approving one's own return, forging history or audit entries …);
- a gate user ``rd_<database>__gate`` (its password goes into the clerks' ``RECTIFY_DB_URL``,
  database ``<db>_scoped``) may only count a failed sign-in; the application then connects as
  the clerk's own user with the password typed at sign-in and checks the argon2 hash as well.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from controllers.errors import UserError
from controllers.infra import engine_password, mariadb_guards, mariadb_unit_merge
from controllers.infra.db_roles import GATE, GROUPS, PARENTS, SPECIAL, role_prefix
from controllers.infra.pg_guards import CITY_ONLY
from models.codes import Role

logger = logging.getLogger(__name__)

INFO_VIEW = "rectify_security_info"
NAMES_VIEW = "rectify_user_names"
KINDS_VIEW = "rectify_audit_kinds"
#: cases per unit and township (counts only), for the administrator's units tab
COUNTS_VIEW = "rectify_case_counts"
#: columns of ``users`` an account may change on its own row (sign-in bookkeeping)
SELF_UPDATABLE = ("failed_attempts", "locked_until", "last_login_at", "updated_at", "version")
#: who sees every unit's rows
SEES_ALL = (Role.CITY_CLERK.value, Role.AUDITOR.value, Role.LEADER.value)
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,29}$")


class MariaDBSecurityError(UserError):
    """Per-user MariaDB accounts cannot be installed or kept in step."""


def qi(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def scoped_name(database: str) -> str:
    name = f"{database}_scoped"
    return name if len(name) <= 64 else f"{database[:40]}_{_short(database)}_scoped"


def _short(text_: str) -> str:
    return hashlib.sha256(text_.encode()).hexdigest()[:10]


def valid_account_name(username: str) -> bool:
    return bool(_NAME.match(username or ""))


def account_user(prefix: str, username: str) -> str:
    return f"{prefix}{username}"


def group_role(prefix: str, group: str) -> str:
    return f"{prefix}_{group}"


def native_password_hash(password: str) -> str:
    """The ``mysql_native_password`` hash (``*`` + SHA1(SHA1(password))), computed here."""
    inner = hashlib.sha1(password.encode("utf-8")).digest()
    return "*" + hashlib.sha1(inner).hexdigest().upper()


def _ddl(conn: Connection, statement: str) -> None:
    conn.exec_driver_sql(statement.replace("%", "%%"))


def _conn(session_or_conn: Session | Connection) -> Connection:
    return session_or_conn.connection() if isinstance(session_or_conn, Session) else session_or_conn


@dataclass(frozen=True)
class ScopeInfo:
    prefix: str
    base: str
    scoped: str


def scope_info(session_or_conn: Session | Connection) -> ScopeInfo | None:
    """The installed scope when connected to ``<db>_scoped`` (or to ``<db>``), else None."""
    conn = _conn(session_or_conn)
    if conn.dialect.name not in ("mysql", "mariadb"):
        return None
    cache = conn.connection.info if conn.connection is not None else {}
    if "rectify_scope" in cache:
        return cache["rectify_scope"]
    found = None
    exists = conn.execute(
        text(
            "SELECT COUNT(*) FROM information_schema.views"
            " WHERE table_schema = DATABASE() AND table_name = :v"
        ),
        {"v": INFO_VIEW},
    ).scalar()
    if exists:
        row = conn.execute(text(f"SELECT prefix, base, scoped FROM {INFO_VIEW}")).first()
        if row is not None:
            found = ScopeInfo(row.prefix, row.base, row.scoped)
    if found is not None:  # only a positive answer is kept: an install may come later
        cache["rectify_scope"] = found
    return found


def is_scoped(session_or_conn: Session | Connection) -> bool:
    """True when connected to the scoped database (the per-user accounts' and the gate's)."""
    conn = _conn(session_or_conn)
    if conn.dialect.name not in ("mysql", "mariadb"):
        return False
    cache = conn.connection.info
    if "rectify_scoped" in cache:
        return cache["rectify_scoped"]
    info = scope_info(conn)
    if info is None:
        return False
    cache["rectify_scoped"] = conn.execute(text("SELECT DATABASE()")).scalar() == info.scoped
    return cache["rectify_scoped"]


def stale_views(session_or_conn: Session | Connection) -> list[str]:
    """Tables whose scoped view no longer matches them (a schema upgrade since ``user
    db-roles``); only a connection that can see the base tables can tell."""
    info = scope_info(session_or_conn)
    if info is None:
        return []
    rows = _conn(session_or_conn).execute(
        text(
            "SELECT c.table_name FROM information_schema.columns c"
            " WHERE c.table_schema = :base GROUP BY c.table_name"
            " HAVING NOT (GROUP_CONCAT(c.column_name ORDER BY c.ordinal_position) <=>"
            " (SELECT GROUP_CONCAT(v.column_name ORDER BY v.ordinal_position)"
            "  FROM information_schema.columns v"
            "  WHERE v.table_schema = :scoped AND v.table_name = c.table_name))"
            " ORDER BY c.table_name"
        ),
        {"base": info.base, "scoped": info.scoped},
    )
    return [r[0] for r in rows]


def current_user_name(session_or_conn: Session | Connection) -> str:
    return _conn(session_or_conn).execute(text("SELECT SUBSTRING_INDEX(USER(), '@', 1)")).scalar()


def connected_account(session_or_conn: Session | Connection) -> str | None:
    """The account whose own MariaDB user this connection signed in as (None otherwise)."""
    info = scope_info(session_or_conn)
    if info is None:
        return None
    user = current_user_name(session_or_conn)
    if user.startswith(info.prefix) and _NAME.match(user[len(info.prefix) :]):
        return user[len(info.prefix) :]
    return None


def is_gate(session_or_conn: Session | Connection) -> bool:
    info = scope_info(session_or_conn)
    if info is None:
        return False
    return current_user_name(session_or_conn) == group_role(info.prefix, GATE)


def sync_account(session: Session, username: str, password: str | None) -> None:
    """Keep the account's MariaDB user in step (password, role, locked when disabled), once
    the unit of work that created or changed the account has committed."""
    info = scope_info(session)
    if info is None:
        return
    digest = f"'{native_password_hash(password)}'" if password is not None else "NULL"
    if not _NAME.match(username):
        raise MariaDBSecurityError(f"用户名“{username}”不能作为数据库账户名。")
    _after_commit(session, f"CALL {qi(info.scoped)}.rectify_sync_account('{username}', {digest})")


def set_own_password(session: Session, argon2_hash: str, password: str) -> None:
    """An account changes its own password: the argon2 hash now, the MariaDB user's password
    once the unit of work has committed (SET PASSWORD would commit it half-way)."""
    session.execute(text("CALL rectify_set_own_password(:h)"), {"h": argon2_hash})
    _after_commit(session, f"SET PASSWORD = '{native_password_hash(password)}'")
    session.info.setdefault(_NEW_PASSWORD, []).append(password)


_NEW_PASSWORD = "rectify_mariadb_new_password"


def _after_commit(session: Session, statement: str) -> None:
    """Statements MariaDB commits implicitly (CREATE/ALTER USER, GRANT, SET PASSWORD) run on
    their own connection after the unit of work commits, so they never commit it half-way."""
    session.info.setdefault(_AFTER_COMMIT, []).append(statement)


_AFTER_COMMIT = "rectify_mariadb_after_commit"


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    statements = session.info.pop(_AFTER_COMMIT, None)
    passwords = session.info.pop(_NEW_PASSWORD, None)
    if not statements:
        return
    failed: list[str] = []
    with session.get_bind().connect() as conn:
        for statement in statements:
            try:
                _ddl(conn, statement)
            except DBAPIError as exc:
                logger.error("MariaDB account not kept in step: %s: %s", statement[:60], exc)
                failed.append(str(exc.orig or exc))
        conn.commit()
    if passwords and not failed:
        engine_password.use_password(session.get_bind(), passwords[-1])
    if failed:
        # the account's change is committed; its MariaDB user is not: say so plainly
        raise MariaDBSecurityError(
            "账户已保存，但数据库账户未能同步（请系统管理员重置该账户的密码，或运行 user db-roles）："
            + "；".join(failed)
        )


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(_NEW_PASSWORD, None)


@dataclass
class InstallResult:
    prefix: str
    scoped: str
    gate_user: str
    gate_password: str | None
    accounts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _me(prefix: str) -> str:
    """The account name of the invoker (NULL for users that are not an account's)."""
    n = len(prefix)
    return (
        f"IF(LEFT(SUBSTRING_INDEX(USER(), '@', 1), {n}) = '{prefix}', "
        f"SUBSTRING(SUBSTRING_INDEX(USER(), '@', 1), {n + 1}), NULL)"
    )


def _classify(conn: Connection, base: str) -> dict[str, tuple[str, list[tuple[str, str, bool]]]]:
    """Each table → (kind, [(column, parent table, required)])."""
    insp = inspect(conn)
    out: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {}
    for table in insp.get_table_names(schema=base):
        if table in SPECIAL:
            out[table] = ("special", [])
            continue
        cols = {c["name"]: c for c in insp.get_columns(table, schema=base)}
        if "unit_id" in cols:
            out[table] = ("unit", [])
            continue
        parents = [(c, p, not cols[c]["nullable"]) for c, p in PARENTS.items() if c in cols]
        out[table] = ("child", parents) if parents else ("reference", [])
    return out


def _view_order(kinds: dict[str, tuple[str, list]]) -> list[str]:
    done: list[str] = []
    pending = sorted(kinds)
    while pending:
        progressed = False
        for table in list(pending):
            parents = [p for _c, p, _r in kinds[table][1] if p != table]
            if all(p in done or p not in kinds for p in parents):
                done.append(table)
                pending.remove(table)
                progressed = True
        if not progressed:
            raise MariaDBSecurityError(f"数据表的上级关系有循环：{', '.join(pending)}")
    return done


def _filters(base: str, scoped: str, prefix: str, kinds: dict) -> dict[str, str | None]:
    """Each table → the WHERE of its view (None: every row)."""
    me = _me(prefix)
    b = qi(base)
    accounts = f"{b}.users"
    role = f"(SELECT me.role FROM {accounts} me WHERE me.username = {me} AND NOT me.disabled)"
    unit = (
        f"(SELECT me.unit_id FROM {accounts} me WHERE me.username = {me}"
        f" AND me.role = '{Role.COUNTY_CLERK.value}' AND NOT me.disabled)"
    )
    my_id = f"(SELECT me.id FROM {accounts} me WHERE me.username = {me})"
    all_roles = ", ".join(f"'{r}'" for r in SEES_ALL)
    sees_all = f"{role} IN ({all_roles})"
    out: dict[str, str | None] = {}
    for table, (kind, parents) in kinds.items():
        if kind == "reference":
            out[table] = None
        elif kind == "unit":
            extra = f" OR {role} = '{Role.ADMIN.value}'" if table == "townships" else ""
            cond = f"t.unit_id = {unit}"
            if table == "leads":
                cond = f"t.unit_id = {unit} OR t.other_unit_id = {unit}"
            out[table] = f"{sees_all}{extra} OR {cond}"
        elif kind == "child":
            required = [(c, p) for c, p, r in parents if r]
            if required:
                c, p = required[0]
                cond = f"t.{c} IN (SELECT x.id FROM {qi(scoped)}.{qi(p)} x)"
            else:
                each = " AND ".join(
                    f"(t.{c} IS NULL OR t.{c} IN (SELECT x.id FROM {qi(scoped)}.{qi(p)} x))"
                    for c, p, _r in parents
                )
                named = " OR ".join(f"t.{c} IS NOT NULL" for c, _p, _r in parents)
                cond = f"({each}) AND ({named})"
            out[table] = f"{sees_all} OR ({cond})"
    out.update(
        {
            # a subquery on users itself would make the view read-only: the administrator is
            # known by the MariaDB role that rectify_sync_account() granted
            "users": (
                f"t.username = {me} OR EXISTS (SELECT 1 FROM mysql.roles_mapping r"
                f" WHERE r.User = SUBSTRING_INDEX(USER(), '@', 1) AND r.Host = '%'"
                f" AND r.Role = '{group_role(prefix, 'admin')}')"
            ),
            "saved_views": f"t.user_id = {my_id}",
            "app_settings": None,
            "audit_log": f"{role} = '{Role.AUDITOR.value}' OR t.user_id = {my_id}",
            "audit_archive": None,
            "audit_head": None,
            "alembic_version": None,
            "attachment_blobs": (
                f"{sees_all} OR t.sha256 IN (SELECT a.sha256 FROM {qi(scoped)}.attachments a)"
            ),
        }
    )
    return out


#: privileges of each group on each kind of view
def _grants(table: str, kind: str, g: dict[str, str]) -> list[tuple[str, list[str]]]:
    every = [g[n] for n in GROUPS.values()]
    readers = [g["city"], g["county"], g["auditor"], g["leader"]]
    if kind == "reference":
        return [("SELECT", every), ("INSERT, UPDATE, DELETE", [g["admin"], g["city"]])]
    if kind in ("unit", "child"):
        out = [("SELECT", readers)]
        # townships are added, renamed, merged and deactivated by administrators and city
        # clerks only (as on PostgreSQL)
        city_only = table in CITY_ONLY or table == "townships"
        writers = [g["city"]] if city_only else [g["city"], g["county"]]
        if table == "townships":
            out += [("SELECT, INSERT, UPDATE, DELETE", [g["admin"]])]
        if table in ("accountability_amendments", "accountability_rule_sets"):
            out += [("INSERT", writers)]  # append-only for everyone
        else:
            out += [("INSERT, UPDATE, DELETE", writers)]
        return out
    others = [g["auditor"], g["city"], g["county"], g["leader"]]
    special = {
        "users": [
            ("SELECT", every),
            ("INSERT, UPDATE", [g["admin"]]),
            (f"UPDATE ({', '.join(SELF_UPDATABLE)})", others),
        ],
        "saved_views": [("SELECT, INSERT, UPDATE, DELETE", every)],
        "app_settings": [("SELECT", every), ("INSERT, UPDATE", [g["admin"], g["auditor"]])],
        "audit_log": [("SELECT, INSERT", every), ("DELETE", [g["auditor"]])],
        "audit_archive": [("SELECT, INSERT", [g["auditor"]])],
        "audit_head": [("SELECT", every)],
        "alembic_version": [("SELECT", [*every, g[GATE]])],
        "attachment_blobs": [("SELECT", readers), ("INSERT", [g["city"], g["county"]])],
    }
    return special.get(table, [])


def install(conn: Connection, *, gate_password: str | None = None) -> InstallResult:
    """Create the scoped database, views, roles, accounts and guards (idempotent)."""
    if conn.dialect.name not in ("mysql", "mariadb"):
        raise MariaDBSecurityError("每个账户的 MariaDB 数据库账户只适用于 MariaDB。")
    base = conn.execute(text("SELECT DATABASE()")).scalar()
    grants = " ".join(conn.execute(text("SHOW GRANTS")).scalars())
    if "ALL PRIVILEGES ON *.*" not in grants and "CREATE USER" not in grants:
        raise MariaDBSecurityError(
            "建立 MariaDB 账户需要 CREATE USER 和 GRANT 权限：请用 root 等管理账户的连接地址"
            "（--db）运行 user db-roles。"
        )
    prefix = role_prefix(base)
    scoped = scoped_name(base)
    g = {name: group_role(prefix, name) for name in (*GROUPS.values(), GATE)}
    result = InstallResult(prefix, scoped, g[GATE], None)
    kinds = _classify(conn, base)
    filters = _filters(base, scoped, prefix, kinds)
    collation = conn.execute(
        text(
            "SELECT default_collation_name FROM information_schema.schemata"
            " WHERE schema_name = DATABASE()"
        )
    ).scalar()
    sql = [
        f"CREATE DATABASE IF NOT EXISTS {qi(scoped)} COLLATE {collation}",
        f"ALTER DATABASE {qi(scoped)} COLLATE {collation}",
    ]
    existing_roles = set(
        conn.execute(
            text("SELECT user FROM mysql.user WHERE is_role = 'Y' AND user LIKE :p"),
            {"p": prefix.replace("_", r"\_") + "%"},
        ).scalars()
    )
    for name in GROUPS.values():
        if g[name] not in existing_roles:
            sql.append(f"CREATE ROLE {qi(g[name])}")
    gate_exists = conn.execute(
        text("SELECT COUNT(*) FROM mysql.user WHERE user = :u AND host = '%'"), {"u": g[GATE]}
    ).scalar()
    if not gate_exists or gate_password is not None:
        result.gate_password = gate_password or secrets.token_urlsafe(18)
        verb = "ALTER" if gate_exists else "CREATE"
        sql.append(
            f"{verb} USER {qi(g[GATE])}@'%' IDENTIFIED BY PASSWORD "
            f"'{native_password_hash(result.gate_password)}'"
        )
    order = _view_order(kinds)
    for table in [t for t in order if kinds[t][0] != "special"] + sorted(
        t for t in order if kinds[t][0] == "special"
    ):
        where = filters.get(table)
        check = " WITH CASCADED CHECK OPTION" if where and table != "attachment_blobs" else ""
        sql.append(
            f"CREATE OR REPLACE ALGORITHM = MERGE SQL SECURITY DEFINER VIEW"
            f" {qi(scoped)}.{qi(table)} AS SELECT * FROM {qi(base)}.{qi(table)} t"
            + (f" WHERE {where}" if where else "")
            + check
        )
    info = f"SELECT '{prefix}' AS prefix, '{base}' AS base, '{scoped}' AS scoped"
    sql += [
        f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {qi(base)}.{INFO_VIEW} AS {info}",
        f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {qi(scoped)}.{INFO_VIEW} AS {info}",
        f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {qi(scoped)}.{NAMES_VIEW} AS"
        f" SELECT id, display_name FROM {qi(base)}.users",
        f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {qi(scoped)}.{KINDS_VIEW} AS"
        f" SELECT id, action, object_type FROM {qi(base)}.audit_log",
        f"CREATE OR REPLACE SQL SECURITY DEFINER VIEW {qi(scoped)}.{COUNTS_VIEW} AS"
        f" SELECT unit_id, township_id, COUNT(*) AS cases FROM {qi(base)}.cases"
        f" GROUP BY unit_id, township_id",
    ]
    sql += mariadb_guards.procedures(base, scoped, prefix, g)
    sql += mariadb_unit_merge.statements(base, scoped, prefix, g)
    sql += mariadb_guards.triggers(base, prefix, g, set(kinds))
    every = [g[n] for n in GROUPS.values()]
    for role in [*every, g[GATE]]:
        sql.append(f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {_grantee(role)}")
    for table, (kind, _p) in sorted(kinds.items()):
        for privileges, to in _grants(table, kind, g):
            for role in to:
                sql.append(f"GRANT {privileges} ON {qi(scoped)}.{qi(table)} TO {_grantee(role)}")
    for view in (INFO_VIEW, NAMES_VIEW, KINDS_VIEW):
        for role in every:
            sql.append(f"GRANT SELECT ON {qi(scoped)}.{view} TO {_grantee(role)}")
    sql.append(f"GRANT SELECT ON {qi(scoped)}.{COUNTS_VIEW} TO {_grantee(g['admin'])}")
    sql.append(f"GRANT SELECT ON {qi(scoped)}.{INFO_VIEW} TO {_grantee(g[GATE])}")
    sql += mariadb_unit_merge.grants(scoped, g)
    sql.append(
        f"GRANT EXECUTE ON PROCEDURE {qi(scoped)}.rectify_login_failed TO {_grantee(g[GATE])}"
    )
    sql.append(
        f"GRANT EXECUTE ON PROCEDURE {qi(scoped)}.rectify_sync_account TO {_grantee(g['admin'])}"
    )
    for role in every:
        sql.append(
            f"GRANT EXECUTE ON PROCEDURE {qi(scoped)}.rectify_set_own_password TO {_grantee(role)}"
        )
    for statement in sql:
        _ddl(conn, statement)
    conn.connection.info.pop("rectify_scope", None)
    conn.connection.info.pop("rectify_scoped", None)
    for (username,) in conn.execute(text("SELECT username FROM users ORDER BY id")):
        conn.execute(text(f"CALL {qi(scoped)}.rectify_sync_account(:u, NULL)"), {"u": username})
        result.accounts.append(account_user(prefix, username))
    anonymous = conn.execute(text("SELECT COUNT(*) FROM mysql.user WHERE user = ''")).scalar()
    if anonymous:
        result.warnings.append(
            "警告：服务器上有匿名账户（user 为空）。请删除（DROP USER ''@'localhost' 等）：视图按"
            "客户端报出的用户名判断身份，匿名账户可冒用业务员的用户名。"
        )
    logger.info("MariaDB security installed on %s: %s, prefix %s", base, scoped, prefix)
    return result


def _grantee(role_or_user: str) -> str:
    """A role is named alone; the gate is a user at any host."""
    return f"{qi(role_or_user)}@'%'" if role_or_user.endswith(f"_{GATE}") else qi(role_or_user)


def drop(conn: Connection) -> list[str]:
    """Remove this database's scoped database, users and roles; returns the names dropped."""
    base = conn.execute(text("SELECT DATABASE()")).scalar()
    prefix = role_prefix(base)
    like = prefix.replace("_", r"\_") + "%"
    rows = list(
        conn.execute(
            text("SELECT user, host, is_role FROM mysql.user WHERE user LIKE :p"), {"p": like}
        )
    )
    for user, host, is_role in rows:
        if is_role == "Y":
            _ddl(conn, f"DROP ROLE IF EXISTS {qi(user)}")
        else:
            _ddl(conn, f"DROP USER IF EXISTS {qi(user)}@{qi(host).replace('`', chr(39))}")
    _ddl(conn, f"DROP DATABASE IF EXISTS {qi(scoped_name(base))}")
    return [r[0] for r in rows]
