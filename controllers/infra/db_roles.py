"""PostgreSQL security outside the application: roles, privileges, row-level security.

After :func:`install` (``python main.py --db URL user db-roles``, run once by the database owner):

- every account is a database role ``rd_<database>_<username>`` with the account's own
  password (a SCRAM verifier computed on the clerk's machine, never the password itself);
- it is a member of one group role per application role (``rd_<database>__county`` …) whose
  privileges follow the separation of duties: the administrator manages accounts and settings
  and reads no business data, the auditor reads everything and changes nothing but the audit
  archive, leaders read, clerks write;
- row-level security limits a 县区业务员's role to its own unit's cases, returns, letters,
  spot checks, accountability records and everything hanging off them;
- nobody may UPDATE or DELETE the audit log (privileges and the triggers of migration
  0004_security); entries are appended only by ``rectify_audit_append()``, in the caller's
  own name;
- a low-privilege gate role ``rd_<database>__gate`` (its password goes into the clerks'
  ``RECTIFY_DB_URL``) may only ask whether an account is locked and count a failed sign-in.
  The application then connects as the clerk's own role with the password typed at sign-in.

So a county clerk's credentials in a plain SQL client see only their unit's rows and cannot
alter the audit log: the database itself refuses.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from controllers.auth.lockout import LOCK_MINUTES, MAX_FAILED_ATTEMPTS
from controllers.errors import UserError
from controllers.infra import engine_password, pg_guards, pg_unit_merge
from models import User
from models.codes import Role

logger = logging.getLogger(__name__)

GROUPS: dict[Role, str] = {
    Role.ADMIN: "admin",
    Role.AUDITOR: "auditor",
    Role.CITY_CLERK: "city",
    Role.COUNTY_CLERK: "county",
    Role.LEADER: "leader",
}
GATE = "gate"

#: reference data every role reads; the administrator (settings) and city clerks write
REFERENCE_WRITERS = ("admin", "city")
#: the parents a child row inherits its unit from, in order of precedence
PARENTS = {
    "check_id": "spot_checks",
    "record_id": "accountability_records",
    "case_id": "cases",
    "return_id": "county_returns",
    "letter_id": "letters",
    "spot_check_id": "spot_checks",
    "accountability_record_id": "accountability_records",
}
#: columns of ``users`` an account may change on its own row (sign-in bookkeeping, password)
SELF_UPDATABLE = (
    "failed_attempts",
    "locked_until",
    "last_login_at",
    "password_hash",
    "must_change_password",
    "password_changed_at",
    "updated_at",
    "version",
)
SPECIAL = {
    "users",
    "saved_views",
    "app_settings",
    "audit_log",
    "audit_archive",
    "audit_head",
    "auth_tokens",
    "alembic_version",
    "attachment_blobs",
}
_VERIFIER = re.compile(r"^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$")


class SecurityError(UserError):
    """Row-level security cannot be installed or an account's role cannot be kept in step."""


def q(identifier: str) -> str:
    """A quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def role_prefix(database: str) -> str:
    """``rd_<database>_`` (a short hash for long or unusual database names)."""
    tag = (
        database
        if re.fullmatch(r"[a-z0-9_]{1,16}", database)
        else (hashlib.sha256(database.encode()).hexdigest()[:10])
    )
    return f"rd_{tag}_"


def account_role(prefix: str, username: str) -> str:
    return f"{prefix}{username}"


def group_role(prefix: str, group: str) -> str:
    return f"{prefix}_{group}"


def _ddl(conn: Connection, statement: str) -> None:
    """Run a statement without parameters (``%`` is literal: ``%ROWTYPE``, ``format('%I')``)."""
    conn.exec_driver_sql(statement.replace("%", "%%"))


def _conn(session_or_conn: Session | Connection) -> Connection:
    return session_or_conn.connection() if isinstance(session_or_conn, Session) else session_or_conn


def installed_prefix(session_or_conn: Session | Connection) -> str | None:
    """The role prefix when :func:`install` has run on this database, else None."""
    conn = _conn(session_or_conn)
    if conn.dialect.name != "postgresql":
        return None
    if conn.execute(text("SELECT to_regprocedure('rectify_role_prefix()')")).scalar() is None:
        return None
    return conn.execute(text("SELECT rectify_role_prefix()")).scalar()


def is_installed(session_or_conn: Session | Connection) -> bool:
    return installed_prefix(session_or_conn) is not None


def connected_account(session_or_conn: Session | Connection) -> str | None:
    """The account whose own role this connection signed in as (None for other roles)."""
    conn = _conn(session_or_conn)
    if conn.dialect.name != "postgresql":
        return None
    return conn.execute(text("SELECT rectify_account_of(session_user::text)")).scalar()


def is_gate(session_or_conn: Session | Connection) -> bool:
    """True when connected as the gate role (clerks' machines before sign-in)."""
    prefix = installed_prefix(session_or_conn)
    if prefix is None:
        return False
    user = _conn(session_or_conn).execute(text("SELECT session_user")).scalar()
    return user == group_role(prefix, GATE)


def scram_verifier(conn: Connection, role: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of a password, computed here (the server never sees it)."""
    pgconn = conn.connection.dbapi_connection.pgconn
    return pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()


def own_password_hash(session: Session) -> str | None:
    """The argon2 hash of the account this connection signed in as."""
    return session.execute(text("SELECT rectify_own_password_hash()")).scalar()


def sync_account(session: Session, user: User, password: str | None) -> None:
    """Create or update the account's role: password, group, LOGIN unless disabled."""
    prefix = installed_prefix(session)
    if prefix is None:
        return
    conn = session.connection()
    verifier = None
    if password is not None:
        verifier = scram_verifier(conn, account_role(prefix, user.username), password)
        if not _VERIFIER.match(verifier):
            raise SecurityError("无法为数据库角色生成密码校验值。")
    if connected_account(conn) == user.username and verifier is not None:
        # An account changes its own password (any role may, without further privilege).
        _ddl(conn, f"ALTER ROLE CURRENT_USER PASSWORD '{verifier}'")
        # new pooled connections sign in with it once committed (PostgreSQL's is transactional)
        engine_password.use_after_commit(session, password)
        return
    conn.execute(text("SELECT rectify_sync_account(:u, :v)"), {"u": user.username, "v": verifier})


@dataclass
class InstallResult:
    prefix: str
    gate_role: str
    gate_password: str | None  # None when the gate role already existed and was kept
    accounts: list[str] = field(default_factory=list)


def _functions(prefix: str, schema: str) -> list[str]:
    groups_array = ", ".join(f"'{g}'" for g in GROUPS.values())
    role_cases = " ".join(f"WHEN '{r.value}' THEN '{g}'" for r, g in GROUPS.items())
    sp = f"SET search_path = {q(schema)}, pg_temp"
    return [
        f"""CREATE OR REPLACE FUNCTION rectify_role_prefix() RETURNS text
            LANGUAGE sql IMMUTABLE AS $$ SELECT '{prefix}'::text $$""",
        f"""CREATE OR REPLACE FUNCTION rectify_account_of(role_name text) RETURNS text
            LANGUAGE sql IMMUTABLE AS $$
              SELECT CASE WHEN left(role_name, {len(prefix)}) = '{prefix}'
                           AND substr(role_name, {len(prefix) + 1}) ~ '^[a-z][a-z0-9_]*$'
                          THEN substr(role_name, {len(prefix) + 1}) END $$""",
        f"""CREATE OR REPLACE FUNCTION rectify_own_password_hash() RETURNS text
            LANGUAGE sql STABLE SECURITY DEFINER {sp} AS $$
              SELECT password_hash FROM users
              WHERE username = rectify_account_of(session_user::text) $$""",
        f"""CREATE OR REPLACE FUNCTION rectify_login_status(p_username text)
            RETURNS TABLE (is_disabled boolean, is_locked_until timestamp)
            LANGUAGE sql STABLE SECURITY DEFINER {sp} AS $$
              SELECT disabled, CASE WHEN locked_until > localtimestamp THEN locked_until END
              FROM users WHERE username = lower(p_username) $$""",
        f"""CREATE OR REPLACE FUNCTION rectify_login_failed(p_username text, p_reason text)
            RETURNS TABLE (failures integer, is_locked_until timestamp)
            LANGUAGE plpgsql SECURITY DEFINER {sp} AS $$
            DECLARE u users%ROWTYPE; n integer; until timestamp;
            BEGIN
              IF p_reason NOT IN ('wrong_password', 'disabled', 'locked',
                                  'server_accepted_wrong_password') THEN
                p_reason := 'wrong_password';
              END IF;
              SELECT * INTO u FROM users WHERE username = lower(p_username) FOR UPDATE;
              IF NOT FOUND THEN
                -- an unknown name gets the same countdown and lock as an account
                SELECT max(l.at) INTO until FROM audit_log l
                  WHERE l.action = 'account_locked' AND l.username = left(p_username, 60)
                    AND l.user_id IS NULL AND l.at >= localtimestamp - interval '1 day';
                IF until IS NOT NULL AND until + interval '{LOCK_MINUTES} minutes' > localtimestamp THEN
                  PERFORM rectify_audit_append(NULL, left(p_username, 60), 'login_failed',
                    'session', NULL, 'failed', '{{"reason": "locked"}}');
                  RETURN QUERY SELECT 0, until + interval '{LOCK_MINUTES} minutes';
                  RETURN;
                END IF;
                SELECT count(*) + 1 INTO n FROM audit_log l
                  WHERE l.action = 'login_failed' AND l.username = left(p_username, 60)
                    AND l.user_id IS NULL
                    AND l.at >= coalesce(until, localtimestamp - interval '1 day');
                PERFORM rectify_audit_append(NULL, left(p_username, 60), 'login_failed',
                  'session', NULL, 'failed', '{{"reason": "unknown_user"}}');
                IF n >= {MAX_FAILED_ATTEMPTS} THEN
                  PERFORM rectify_audit_append(NULL, left(p_username, 60), 'account_locked',
                    'session', NULL, 'failed', '{{"reason": "{MAX_FAILED_ATTEMPTS} wrong passwords"}}');
                  RETURN QUERY SELECT n, localtimestamp(0) + interval '{LOCK_MINUTES} minutes';
                  RETURN;
                END IF;
                RETURN QUERY SELECT n, NULL::timestamp;
                RETURN;
              END IF;
              PERFORM rectify_audit_append(u.id, u.username, 'login_failed', 'session',
                u.id::text, 'failed', '{{"reason": "' || p_reason || '"}}');
              IF p_reason NOT IN ('wrong_password', 'server_accepted_wrong_password') THEN
                RETURN QUERY SELECT coalesce(u.failed_attempts, 0), u.locked_until;
                RETURN;
              END IF;
              n := coalesce(u.failed_attempts, 0) + 1;
              IF n >= {MAX_FAILED_ATTEMPTS} THEN
                until := localtimestamp(0) + interval '{LOCK_MINUTES} minutes';
                UPDATE users SET failed_attempts = 0, locked_until = until WHERE id = u.id;
                PERFORM rectify_audit_append(u.id, u.username, 'account_locked', 'session',
                  u.id::text, 'failed', '{{"reason": "{MAX_FAILED_ATTEMPTS} wrong passwords"}}');
              ELSE
                UPDATE users SET failed_attempts = n, locked_until = NULL WHERE id = u.id;
              END IF;
              RETURN QUERY SELECT n, until;
            END $$""",
        # Attachment contents are shared by checksum; a county clerk may not see the copy
        # another unit stored, so storing goes through the owner, who checks the checksum.
        f"""CREATE OR REPLACE FUNCTION rectify_store_blob(p_sha256 text, p_content bytea)
            RETURNS void LANGUAGE plpgsql SECURITY DEFINER {sp} AS $$
            BEGIN
              IF encode(sha256(p_content), 'hex') <> p_sha256 THEN
                RAISE EXCEPTION 'checksum mismatch' USING ERRCODE = 'invalid_parameter_value';
              END IF;
              INSERT INTO attachment_blobs (sha256, size, content)
              VALUES (p_sha256, length(p_content), p_content)
              ON CONFLICT (sha256) DO NOTHING;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION rectify_sync_account(p_username text, p_verifier text)
            RETURNS void LANGUAGE plpgsql SECURITY DEFINER {sp} AS $$
            DECLARE u users%ROWTYPE; acct text; grp text; mine text;
            BEGIN
              SELECT * INTO u FROM users WHERE username = p_username;
              IF NOT FOUND OR p_username !~ '^[a-z][a-z0-9_]{{1,29}}$' THEN
                RAISE EXCEPTION 'no account %', p_username USING ERRCODE = 'invalid_parameter_value';
              END IF;
              acct := '{prefix}' || p_username;
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = acct) THEN
                EXECUTE format('CREATE ROLE %I LOGIN', acct);
              END IF;
              IF p_verifier IS NOT NULL THEN
                EXECUTE format('ALTER ROLE %I PASSWORD %L', acct, p_verifier);
              END IF;
              EXECUTE format('ALTER ROLE %I %s', acct,
                             CASE WHEN u.disabled THEN 'NOLOGIN' ELSE 'LOGIN' END);
              mine := CASE u.role {role_cases} END;
              FOREACH grp IN ARRAY ARRAY[{groups_array}] LOOP
                IF grp <> mine AND pg_has_role(acct, '{prefix}_' || grp, 'MEMBER') THEN
                  EXECUTE format('REVOKE %I FROM %I', '{prefix}_' || grp, acct);
                END IF;
              END LOOP;
              EXECUTE format('GRANT %I TO %I', '{prefix}_' || mine, acct);
            END $$""",
    ]


def _unit_expr() -> str:
    return "unit_id = (SELECT rectify_unit_of(rectify_account_name()))"


def _classify(conn: Connection) -> dict[str, tuple[str, str | None]]:
    """Each table → (kind, county row filter)."""
    insp = inspect(conn)
    out: dict[str, tuple[str, str | None]] = {}
    for table in insp.get_table_names():
        if table in SPECIAL:
            out[table] = ("special", None)
            continue
        cols = {c["name"]: c for c in insp.get_columns(table)}
        if "unit_id" in cols:
            out[table] = ("unit", _unit_expr())
            continue
        parents = [(c, p) for c, p in PARENTS.items() if c in cols]
        required = [(c, p) for c, p in parents if not cols[c]["nullable"]]
        if required:
            c, p = required[0]
            out[table] = ("child", f"{c} IN (SELECT id FROM {q(p)})")
        elif parents:
            # every parent named must be visible (an own case_id does not carry another
            # unit's letter_id), and at least one parent is named
            expr = " AND ".join(
                f"({c} IS NULL OR {c} IN (SELECT id FROM {q(p)}))" for c, p in parents
            )
            named = " OR ".join(f"{c} IS NOT NULL" for c, _p in parents)
            out[table] = ("child", f"({expr}) AND ({named})")
        else:
            out[table] = ("reference", None)
    return out


def _policy_sql(
    table: str, name: str, to: list[str], using: str, check: str | None = None, command: str = "ALL"
) -> list[str]:
    with_check = "" if command in ("SELECT", "DELETE") else f" WITH CHECK ({check or using})"
    return [
        f"DROP POLICY IF EXISTS {q(name)} ON {q(table)}",
        f"CREATE POLICY {q(name)} ON {q(table)} FOR {command} TO {', '.join(map(q, to))}"
        f" USING ({using}){with_check}",
    ]


def install(conn: Connection, *, gate_password: str | None = None) -> InstallResult:
    """Create the roles, privileges and policies (idempotent; run by the database owner)."""
    if conn.dialect.name != "postgresql":
        raise SecurityError("数据库角色与行级安全只适用于 PostgreSQL。")
    can = conn.execute(
        text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if not can:
        raise SecurityError(
            "建立数据库角色需要数据库所有者账户具有 CREATEROLE 权限："
            "请用该账户的连接地址（--db）运行 user db-roles，或请数据库管理员授予 CREATEROLE。"
        )
    database, schema, owner = conn.execute(
        text("SELECT current_database(), current_schema(), current_user")
    ).one()
    prefix = role_prefix(database)
    g = {name: group_role(prefix, name) for name in (*GROUPS.values(), GATE)}
    everyone = [g[n] for n in GROUPS.values()]
    result = InstallResult(prefix, g[GATE], None)
    sql: list[str] = []
    existing = set(
        conn.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"),
            {"p": prefix.replace("_", r"\_") + "%"},
        ).scalars()
    )
    for name in GROUPS.values():
        if g[name] not in existing:
            sql.append(f"CREATE ROLE {q(g[name])} NOLOGIN")
    if g[GATE] not in existing or gate_password is not None:
        result.gate_password = gate_password or secrets.token_urlsafe(18)
        verifier = scram_verifier(conn, g[GATE], result.gate_password)
        verb = "ALTER" if g[GATE] in existing else "CREATE"
        sql.append(f"{verb} ROLE {q(g[GATE])} LOGIN PASSWORD '{verifier}'")
    sql += [
        f"REVOKE ALL ON DATABASE {q(database)} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {q(database)} TO {', '.join(map(q, [*everyone, g[GATE]]))}",
        f"GRANT USAGE ON SCHEMA {q(schema)} TO {', '.join(map(q, [*everyone, g[GATE]]))}",
    ]
    sql += _functions(prefix, schema)
    for fn in (
        "rectify_login_status(text)",
        "rectify_login_failed(text, text)",
        "rectify_sync_account(text, text)",
        "rectify_own_password_hash()",
        "rectify_audit_append(integer, text, text, text, text, text, text)",
        "rectify_store_blob(text, bytea)",
        "rectify_display_names(integer[])",
    ):
        sql.append(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
    sql += [
        f"GRANT EXECUTE ON FUNCTION rectify_login_status(text), rectify_login_failed(text, text)"
        f" TO {q(g[GATE])}",
        f"GRANT EXECUTE ON FUNCTION rectify_sync_account(text, text) TO {q(g['admin'])}",
        f"GRANT EXECUTE ON FUNCTION rectify_own_password_hash(),"
        f" rectify_audit_append(integer, text, text, text, text, text, text),"
        f" rectify_display_names(integer[])"
        f" TO {', '.join(map(q, everyone))}",
    ]
    readers = [g["city"], g["county"], g["auditor"], g["leader"]]
    writers = [g["city"], g["county"]]
    sql.append(
        f"GRANT EXECUTE ON FUNCTION rectify_store_blob(text, bytea) TO {', '.join(map(q, writers))}"
    )
    for table, (kind, county_expr) in sorted(_classify(conn).items()):
        t = q(table)
        sql.append(f"REVOKE ALL ON {t} FROM PUBLIC, {', '.join(map(q, [*everyone, g[GATE]]))}")
        if kind == "reference":
            sql.append(f"GRANT SELECT ON {t} TO {', '.join(map(q, everyone))}")
            sql.append(
                f"GRANT INSERT, UPDATE, DELETE ON {t} TO "
                f"{', '.join(q(g[w]) for w in REFERENCE_WRITERS)}"
            )
            sql.append(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY")
        elif kind in ("unit", "child"):
            sql.append(f"GRANT SELECT ON {t} TO {', '.join(map(q, readers))}")
            sql.append(f"GRANT INSERT, UPDATE, DELETE ON {t} TO {', '.join(map(q, writers))}")
            sees_all = [g["city"], g["auditor"], g["leader"]]
            if table == "townships":  # units and their townships are the administrator's settings
                sql.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {q(g['admin'])}")
                sees_all.append(g["admin"])
            sql.append(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")
            sql += _policy_sql(table, "rd_all_units", sees_all, "true")
            sql += _policy_sql(table, "rd_own_unit", [g["county"]], county_expr or "false")
    sql += _special_tables(g, everyone, readers, writers)
    sql += _lead_policies(g)
    sql += enforcement_privileges(g)
    sql += pg_guards.statements(g, schema, set(_classify(conn)))
    sql += pg_unit_merge.statements(g, schema)
    sql.append(
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(schema)} TO "
        f"{', '.join(map(q, [*writers, g['admin']]))}"
    )
    for statement in sql:
        _ddl(conn, statement)
    for (username,) in conn.execute(text("SELECT username FROM users ORDER BY id")):
        conn.execute(text("SELECT rectify_sync_account(:u, NULL)"), {"u": username})
        result.accounts.append(account_role(prefix, username))
    logger.info("PostgreSQL security installed by %s: prefix %s", owner, prefix)
    return result


def _special_tables(
    g: dict[str, str], everyone: list[str], readers: list[str], writers: list[str]
) -> list[str]:
    others = [g["auditor"], g["city"], g["county"], g["leader"]]
    own = "user_id = (SELECT rectify_user_id_of(rectify_account_name()))"
    public_user_cols = (
        "id, username, display_name, role, unit_id, must_change_password, "
        "failed_attempts, locked_until, disabled, last_login_at, "
        "password_changed_at, version, created_at, updated_at"
    )
    sql = [
        # accounts: nobody reads the password hashes (own: rectify_own_password_hash())
        f"GRANT SELECT ({public_user_cols}) ON users TO {', '.join(map(q, everyone))}",
        f"GRANT INSERT, UPDATE ON users TO {q(g['admin'])}",
        f"GRANT UPDATE ({', '.join(SELF_UPDATABLE)}) ON users TO {', '.join(map(q, others))}",
        "ALTER TABLE users ENABLE ROW LEVEL SECURITY",
        *_policy_sql("users", "rd_admin", [g["admin"]], "true"),
        *_policy_sql("users", "rd_self", others, "username = rectify_account_name()"),
        # each clerk's saved views are their own
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON saved_views TO {', '.join(map(q, everyone))}",
        "ALTER TABLE saved_views ENABLE ROW LEVEL SECURITY",
        *_policy_sql("saved_views", "rd_own_views", everyone, own),
        # settings: everyone reads; the administrator writes, the auditor only audit.*
        f"GRANT SELECT ON app_settings TO {', '.join(map(q, everyone))}",
        f"GRANT INSERT, UPDATE ON app_settings TO {q(g['admin'])}, {q(g['auditor'])}",
        "ALTER TABLE app_settings ENABLE ROW LEVEL SECURITY",
        *_policy_sql("app_settings", "rd_read", everyone, "true", command="SELECT"),
        *_policy_sql("app_settings", "rd_admin", [g["admin"]], "true"),
        *_policy_sql("app_settings", "rd_audit", [g["auditor"]], "key LIKE 'audit.%'"),
        # the audit trail: the auditor reads it all and archives; others see their own entries
        f"GRANT SELECT ON audit_log TO {', '.join(map(q, everyone))}",
        f"GRANT DELETE ON audit_log TO {q(g['auditor'])}",
        "ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY",
        *_policy_sql("audit_log", "rd_auditor", [g["auditor"]], "true"),
        *_policy_sql(
            "audit_log",
            "rd_own_entries",
            [g["admin"], g["city"], g["county"], g["leader"]],
            own,
            command="SELECT",
        ),
        f"GRANT SELECT, INSERT ON audit_archive TO {q(g['auditor'])}",
        f"GRANT SELECT ON audit_head TO {q(g['auditor'])}",
        # attachment contents: a county clerk reads only those attached to its unit's records
        f"GRANT SELECT ON attachment_blobs TO {', '.join(map(q, readers))}",
        f"GRANT INSERT ON attachment_blobs TO {', '.join(map(q, writers))}",
        "ALTER TABLE attachment_blobs ENABLE ROW LEVEL SECURITY",
        *_policy_sql(
            "attachment_blobs", "rd_all_units", [g["city"], g["auditor"], g["leader"]], "true"
        ),
        *_policy_sql(
            "attachment_blobs",
            "rd_own_unit",
            [g["county"]],
            "sha256 IN (SELECT sha256 FROM attachments)",
            check="true",
        ),
        f"GRANT SELECT ON alembic_version TO {', '.join(map(q, [*everyone, g['gate']]))}",
    ]
    return sql


def _lead_policies(g: dict[str, str]) -> list[str]:
    """线索 pair two cases, often of two units: a county clerk sees those touching its unit."""
    mine = "(SELECT rectify_unit_of(rectify_account_name()))"
    return _policy_sql(
        "leads", "rd_own_unit", [g["county"]], f"unit_id = {mine} OR other_unit_id = {mine}"
    )


# -- spot checks and accountability (issue 12) ----------------------------------------------
#: what county clerks only read: the city's spot checks and accountability records
CITY_RECORDED = (
    "spot_checks",
    "spot_check_members",
    "spot_check_sites",
    "spot_check_findings",
    "accountability_records",
    "accountability_persons",
    "accountability_problems",
    "accountability_amendments",
)


def enforcement_privileges(g: dict[str, str]) -> list[str]:
    """Privileges of the spot-check and accountability tables, on top of the unit policies:
    county clerks read their unit's and write none; amendments and rule versions are
    append-only for everyone (the triggers of migration 0005 also freeze decided records)."""
    every = ", ".join(q(g[n]) for n in GROUPS.values())
    return [
        *(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {q(t)} FROM {q(g['county'])}"
          for t in CITY_RECORDED),
        f"REVOKE UPDATE, DELETE, TRUNCATE ON accountability_amendments FROM {every}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON accountability_rule_sets FROM {every}",
        f"REVOKE TRUNCATE ON accountability_records, accountability_persons, "
        f"accountability_problems FROM {every}",
    ]  # fmt: skip


def drop_roles(conn: Connection) -> list[str]:
    """Remove this database's roles (before dropping the database); returns their names."""
    prefix = installed_prefix(conn)
    if prefix is None:
        return []
    like = prefix.replace("_", r"\_") + "%"
    roles = list(
        conn.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": like}
        ).scalars()
    )
    for role in roles:
        _ddl(conn, f"DROP OWNED BY {q(role)} CASCADE")
    for role in roles:
        _ddl(conn, f"DROP ROLE {q(role)}")
    return roles
