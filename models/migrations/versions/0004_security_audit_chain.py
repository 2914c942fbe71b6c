"""security: append-only, hash-chained audit log (head row, archive, triggers), sign-in tokens

- ``audit_head`` (one row) holds the newest entry of the chain. Appending locks it, so two
  clerks writing at once cannot fork the chain; database triggers keep it and refuse an entry
  that does not continue it.
- ``audit_log`` is append-only on every backend (triggers): no UPDATE, and a DELETE only of an
  entry already copied unchanged into ``audit_archive`` (which itself is never changed).
- On PostgreSQL ``rectify_audit_append()`` (SECURITY DEFINER) appends an entry and computes its
  SHA-256 in the database, so clerks' roles need no privilege on the audit tables at all;
  ``rectify_audit_digest()`` is byte-for-byte the digest of ``controllers.audit.trail.entry_digest``.
- ``auth_tokens``: "stay signed in" tokens (hashes only) for the single-machine SQLite default.

Revision ID: 0004_security
Revises: 0003_charts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_security"
down_revision = "0003_charts"
branch_labels = None
depends_on = None

APPEND_ONLY = "审计日志只能追加，不能修改或删除 / the audit log is append-only"
FORK = "审计日志哈希链不连续，拒绝写入 / audit entry does not continue the hash chain"
ARCHIVE_ONLY = "审计归档不能修改或删除 / the audit archive is never changed"
HEAD_ONLY = "审计链头只由触发器维护 / audit_head is kept by triggers only"
ARCHIVE_COPY = (
    "只能归档保存期（6 个月）以前、与审计日志完全一致的条目 / "
    "only unchanged entries older than the retention period can be archived"
)
#: the shortest retention of the audit log the database accepts (GB/T 22239-2019: 6 months)
MIN_RETENTION_MONTHS = 6
_COLUMNS = ("id", "at", "user_id", "username", "action", "object_type", "object_id", "result",
            "detail", "prev_hash", "entry_hash")  # fmt: skip
SAME_ROW = " AND ".join(f"l.{c} IS NEW.{c}" for c in _COLUMNS)
SAME_ROW_MYSQL = " AND ".join(f"l.{c} <=> NEW.{c}" for c in _COLUMNS)
SAME_ROW_PG = " AND ".join(f"l.{c} IS NOT DISTINCT FROM NEW.{c}" for c in _COLUMNS)

# ---------------------------------------------------------------------------------- SQLite
SQLITE = [
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER audit_log_delete_archived_only BEFORE DELETE ON audit_log
        WHEN NOT EXISTS (SELECT 1 FROM audit_archive a
                         WHERE a.id = OLD.id AND a.entry_hash IS OLD.entry_hash)
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER audit_log_continues_chain BEFORE INSERT ON audit_log
        WHEN NEW.id IS NOT (SELECT last_id + 1 FROM audit_head WHERE id = 1)
          OR NEW.prev_hash IS NOT (SELECT last_hash FROM audit_head WHERE id = 1)
        BEGIN SELECT RAISE(ABORT, '{FORK}'); END""",
    """CREATE TRIGGER audit_log_moves_head AFTER INSERT ON audit_log
        BEGIN UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.entry_hash WHERE id = 1; END""",
    f"""CREATE TRIGGER audit_archive_copies_only BEFORE INSERT ON audit_archive
        WHEN NOT EXISTS (SELECT 1 FROM audit_log l WHERE {SAME_ROW})
          OR NEW.at >= datetime('now', 'localtime', '-{MIN_RETENTION_MONTHS} months')
        BEGIN SELECT RAISE(ABORT, '{ARCHIVE_COPY}'); END""",
    f"""CREATE TRIGGER audit_archive_no_update BEFORE UPDATE ON audit_archive
        BEGIN SELECT RAISE(ABORT, '{ARCHIVE_ONLY}'); END""",
    f"""CREATE TRIGGER audit_archive_no_delete BEFORE DELETE ON audit_archive
        BEGIN SELECT RAISE(ABORT, '{ARCHIVE_ONLY}'); END""",
    f"""CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
        BEGIN SELECT RAISE(ABORT, '{HEAD_ONLY}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_delete_archived_only",
    "DROP TRIGGER IF EXISTS audit_log_continues_chain",
    "DROP TRIGGER IF EXISTS audit_log_moves_head",
    "DROP TRIGGER IF EXISTS audit_archive_copies_only",
    "DROP TRIGGER IF EXISTS audit_archive_no_update",
    "DROP TRIGGER IF EXISTS audit_archive_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
]

# --------------------------------------------------------------------------- MariaDB/MySQL
MYSQL = [
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{APPEND_ONLY}'""",
    f"""CREATE TRIGGER audit_log_delete_archived_only BEFORE DELETE ON audit_log FOR EACH ROW
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM audit_archive a
                         WHERE a.id = OLD.id AND a.entry_hash <=> OLD.entry_hash) THEN
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{APPEND_ONLY}';
          END IF;
        END""",
    f"""CREATE TRIGGER audit_log_continues_chain BEFORE INSERT ON audit_log FOR EACH ROW
        BEGIN
          DECLARE h_id INT; DECLARE h_hash VARCHAR(64);
          SELECT last_id, last_hash INTO h_id, h_hash FROM audit_head WHERE id = 1 FOR UPDATE;
          IF NEW.id <> h_id + 1 OR NOT (NEW.prev_hash <=> h_hash) THEN
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{FORK}';
          END IF;
        END""",
    """CREATE TRIGGER audit_log_moves_head AFTER INSERT ON audit_log FOR EACH ROW
        UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.entry_hash WHERE id = 1""",
    f"""CREATE TRIGGER audit_archive_copies_only BEFORE INSERT ON audit_archive FOR EACH ROW
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM audit_log l WHERE {SAME_ROW_MYSQL})
             OR NEW.at >= NOW() - INTERVAL {MIN_RETENTION_MONTHS} MONTH THEN
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{ARCHIVE_COPY}';
          END IF;
        END""",
    f"""CREATE TRIGGER audit_archive_no_update BEFORE UPDATE ON audit_archive FOR EACH ROW
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{ARCHIVE_ONLY}'""",
    f"""CREATE TRIGGER audit_archive_no_delete BEFORE DELETE ON audit_archive FOR EACH ROW
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{ARCHIVE_ONLY}'""",
    f"""CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{HEAD_ONLY}'""",
]

# ------------------------------------------------------------------------------ PostgreSQL
# The digest must equal controllers.audit.trail.entry_digest(): SHA-256 of the previous hash and the
# entry's JSON with sorted keys, ", " and ": " separators and non-ASCII kept (json.dumps with
# ensure_ascii=False, sort_keys=True). PostgreSQL's to_json(text) escapes exactly as Python does.
PG = [
    """CREATE FUNCTION rectify_audit_digest(
           prev text, e_id bigint, e_at timestamp, e_user_id bigint, e_username text,
           e_action text, e_object_type text, e_object_id text, e_result text, e_detail text)
       RETURNS text LANGUAGE sql IMMUTABLE AS $$
         SELECT encode(sha256(convert_to(coalesce(prev, '') || '{'
           || '"action": ' || coalesce(to_json(e_action)::text, 'null')
           || ', "at": ' || coalesce(to_json(to_char(e_at, 'YYYY-MM-DD HH24:MI:SS'))::text, 'null')
           || ', "detail": ' || coalesce(to_json(e_detail)::text, 'null')
           || ', "id": ' || coalesce(e_id::text, 'null')
           || ', "object_id": ' || coalesce(to_json(e_object_id)::text, 'null')
           || ', "object_type": ' || coalesce(to_json(e_object_type)::text, 'null')
           || ', "result": ' || coalesce(to_json(e_result)::text, 'null')
           || ', "user_id": ' || coalesce(e_user_id::text, 'null')
           || ', "username": ' || coalesce(to_json(e_username)::text, 'null')
           || '}', 'UTF8')), 'hex')
       $$""",
    # Which account a database role belongs to (NULL: not an account's role). The placeholder
    # knows none; pg_security.install() replaces it with one that knows the role prefix.
    """CREATE FUNCTION rectify_account_of(role_name text) RETURNS text
       LANGUAGE sql IMMUTABLE AS $$ SELECT NULL::text $$""",
    # The account of the current role (evaluated with the caller's identity).
    """CREATE FUNCTION rectify_account_name() RETURNS text LANGUAGE sql STABLE AS $$
         SELECT rectify_account_of(current_user::text) $$""",
    """CREATE FUNCTION rectify_user_id_of(p_username text) RETURNS integer
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
         SELECT id FROM users WHERE username = p_username $$""",
    """CREATE FUNCTION rectify_unit_of(p_username text) RETURNS integer
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
         SELECT unit_id FROM users WHERE username = p_username $$""",
    """CREATE FUNCTION rectify_audit_append(
           p_user_id integer, p_username text, p_action text, p_object_type text,
           p_object_id text, p_result text, p_detail text)
       RETURNS TABLE (entry_id integer, entry_at timestamp, entry_prev text, entry_hash text)
       LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
       DECLARE
         h_id integer; h_hash text; n_at timestamp := localtimestamp(0); n_hash text;
         acct text := rectify_account_of(session_user::text);
       BEGIN
         IF acct IS NOT NULL THEN  -- an account may only write entries in its own name
           p_user_id := rectify_user_id_of(acct);
           p_username := acct;
         END IF;
         SELECT h.last_id, h.last_hash INTO h_id, h_hash FROM audit_head h WHERE h.id = 1
           FOR UPDATE;
         n_hash := rectify_audit_digest(h_hash, h_id + 1, n_at, p_user_id, p_username,
                                        p_action, p_object_type, p_object_id, p_result, p_detail);
         INSERT INTO audit_log (id, at, user_id, username, action, object_type, object_id,
                                result, detail, prev_hash, entry_hash)
           VALUES (h_id + 1, n_at, p_user_id, p_username, p_action, p_object_type,
                   p_object_id, p_result, p_detail, h_hash, n_hash);
         RETURN QUERY SELECT h_id + 1, n_at, h_hash, n_hash;
       END $$""",
    f"""CREATE FUNCTION rectify_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE h_id integer; h_hash text;
       BEGIN
         IF TG_OP = 'INSERT' THEN
           SELECT h.last_id, h.last_hash INTO h_id, h_hash FROM audit_head h WHERE h.id = 1
             FOR UPDATE;
           IF NEW.id <> h_id + 1 OR NEW.prev_hash IS DISTINCT FROM h_hash THEN
             RAISE EXCEPTION '{FORK}' USING ERRCODE = 'integrity_constraint_violation';
           END IF;
           RETURN NEW;
         ELSIF TG_OP = 'DELETE' THEN
           IF NOT EXISTS (SELECT 1 FROM audit_archive a
                          WHERE a.id = OLD.id AND a.entry_hash IS NOT DISTINCT FROM OLD.entry_hash)
           THEN
             RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege';
           END IF;
           RETURN OLD;
         END IF;
         RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE FUNCTION rectify_audit_moved() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.entry_hash WHERE id = 1;
         PERFORM pg_notify('rectify_changes', json_build_object(
           'id', NEW.id, 'user_id', NEW.user_id, 'action', NEW.action,
           'object_type', NEW.object_type)::text);
         RETURN NULL;
       END $$""",
    f"""CREATE FUNCTION rectify_audit_archive_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           IF NOT EXISTS (SELECT 1 FROM audit_log l WHERE {SAME_ROW_PG})
              OR NEW.at >= localtimestamp - interval '{MIN_RETENTION_MONTHS} months' THEN
             RAISE EXCEPTION '{ARCHIVE_COPY}' USING ERRCODE = 'insufficient_privilege';
           END IF;
           RETURN NEW;
         END IF;
         RAISE EXCEPTION '{ARCHIVE_ONLY}' USING ERRCODE = 'insufficient_privilege';
       END $$""",
    f"""CREATE FUNCTION rectify_audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege'; END $$""",
    f"""CREATE FUNCTION rectify_audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN RETURN NEW; END IF;
         RAISE EXCEPTION '{HEAD_ONLY}' USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION rectify_audit_guard()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION rectify_audit_no_truncate()""",
    """CREATE TRIGGER audit_log_moves_head AFTER INSERT ON audit_log
       FOR EACH ROW EXECUTE FUNCTION rectify_audit_moved()""",
    """CREATE TRIGGER audit_archive_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_archive
       FOR EACH ROW EXECUTE FUNCTION rectify_audit_archive_guard()""",
    """CREATE TRIGGER audit_archive_no_truncate BEFORE TRUNCATE ON audit_archive
       FOR EACH STATEMENT EXECUTE FUNCTION rectify_audit_no_truncate()""",
    """CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_head
       FOR EACH ROW EXECUTE FUNCTION rectify_audit_head_guard()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
       FOR EACH STATEMENT EXECUTE FUNCTION rectify_audit_no_truncate()""",
    # Nobody appends but through rectify_audit_append(); the digest is harmless to share.
    "REVOKE ALL ON FUNCTION rectify_audit_append(integer, text, text, text, text, text, text) FROM PUBLIC",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS audit_log_guard ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_moves_head ON audit_log",
    "DROP TRIGGER IF EXISTS audit_archive_guard ON audit_archive",
    "DROP TRIGGER IF EXISTS audit_archive_no_truncate ON audit_archive",
    "DROP TRIGGER IF EXISTS audit_head_guard ON audit_head",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
    "DROP FUNCTION IF EXISTS rectify_audit_head_guard()",
    "DROP FUNCTION IF EXISTS rectify_audit_no_truncate()",
    "DROP FUNCTION IF EXISTS rectify_audit_archive_guard()",
    "DROP FUNCTION IF EXISTS rectify_audit_moved()",
    "DROP FUNCTION IF EXISTS rectify_audit_guard()",
    "DROP FUNCTION IF EXISTS rectify_audit_append(integer, text, text, text, text, text, text)",
    "DROP FUNCTION IF EXISTS rectify_unit_of(text)",
    "DROP FUNCTION IF EXISTS rectify_user_id_of(text)",
    "DROP FUNCTION IF EXISTS rectify_account_name()",
    "DROP FUNCTION IF EXISTS rectify_account_of(text)",
    "DROP FUNCTION IF EXISTS rectify_audit_digest(text, bigint, timestamp, bigint, text, text, text, text, text, text)",
]


def upgrade() -> None:
    op.create_table('audit_archive',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=60), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('result', sa.String(length=24), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('entry_hash', sa.String(length=64), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_archive'))
    )
    with op.batch_alter_table('audit_archive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_archive_at'), ['at'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('auth_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_tokens_token_hash'))
    )
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_tokens_user_id'), ['user_id'], unique=False)

    conn = op.get_bind()
    # The chain continues from the newest entry written before this schema.
    last = conn.execute(
        sa.text("SELECT id, entry_hash FROM audit_log ORDER BY id DESC LIMIT 1")
    ).first()
    conn.execute(
        sa.text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, :i, :h)"),
        {"i": last[0] if last else 0, "h": last[1] if last else None},
    )
    dialect = conn.dialect.name
    if dialect == "sqlite":
        statements = SQLITE
    elif dialect in ("mysql", "mariadb"):
        statements = MYSQL
    elif dialect == "postgresql":
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        statements = [s.replace("{schema}", f'"{schema}"') for s in PG]
    else:
        statements = []
    for statement in statements:
        conn.exec_driver_sql(statement)


def downgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    drops = PG_DROP if dialect == "postgresql" else SQLITE_DROP
    for statement in drops:
        conn.exec_driver_sql(statement)
    op.drop_table('auth_tokens')  # its indexes go with it
    op.drop_table('audit_head')
    op.drop_table('audit_archive')
