"""security, second round: no REPLACE/upsert into the audit log, no rewinding its head

- SQLite: ``INSERT OR REPLACE`` deletes the old row without firing DELETE triggers (unless
  ``recursive_triggers`` is on), so a BEFORE INSERT trigger refuses an id that already exists
  (it fires before the conflict is resolved, so it also stops REPLACE and upserts).
- Every backend: ``audit_head`` only moves forward, one entry at a time, to the entry just
  appended (its hash, continuing the old head); it cannot be inserted twice or rewound.

Revision ID: 0005_i14
Revises: 0005_i13
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0005_i14"
down_revision = "0005_i13"  # re-chained when merged after issues 12 and 13
branch_labels = None
depends_on = None

REPLACE = "审计日志条目不能被替换 / an audit entry cannot be replaced"
REWIND = (
    "审计链头只能随新条目前进，不能回退或改写 / "
    "audit_head only moves forward to the entry just appended"
)

#: the trigger names each backend must have (the restore check reads these)
SQLITE_TRIGGERS = ("audit_log_no_replace", "audit_head_forward_only", "audit_head_single_row")
MYSQL_TRIGGERS = ("audit_head_forward_only", "audit_head_single_row")
PG_TRIGGERS = ()  # audit_head_guard of 0004 is replaced in place

# A head update is either the no-op lock of an SQLite writer or a move to the entry just
# appended, which continues the old head.
_FORWARD = (
    "(NEW.last_id = OLD.last_id AND NEW.last_hash IS OLD.last_hash) OR "
    "(NEW.last_id = OLD.last_id + 1 AND NEW.id = OLD.id "
    " AND NEW.last_hash IS (SELECT entry_hash FROM audit_log WHERE id = NEW.last_id) "
    " AND OLD.last_hash IS (SELECT prev_hash FROM audit_log WHERE id = NEW.last_id))"
)

SQLITE = [
    f"""CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
        WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
          OR EXISTS (SELECT 1 FROM audit_archive WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{REPLACE}'); END""",
    f"""CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
        WHEN NOT ({_FORWARD})
        BEGIN SELECT RAISE(ABORT, '{REWIND}'); END""",
    f"""CREATE TRIGGER audit_head_single_row BEFORE INSERT ON audit_head
        WHEN EXISTS (SELECT 1 FROM audit_head)
        BEGIN SELECT RAISE(ABORT, '{REWIND}'); END""",
]

MYSQL = [
    f"""CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head FOR EACH ROW
        BEGIN
          IF NOT ((NEW.last_id = OLD.last_id AND NEW.last_hash <=> OLD.last_hash) OR
                  (NEW.last_id = OLD.last_id + 1 AND NEW.id = OLD.id
                   AND NEW.last_hash <=> (SELECT entry_hash FROM audit_log WHERE id = NEW.last_id)
                   AND OLD.last_hash <=> (SELECT prev_hash FROM audit_log WHERE id = NEW.last_id)))
          THEN
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REWIND}';
          END IF;
        END""",
    f"""CREATE TRIGGER audit_head_single_row BEFORE INSERT ON audit_head FOR EACH ROW
        BEGIN
          IF EXISTS (SELECT 1 FROM audit_head) THEN
            SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REWIND}';
          END IF;
        END""",
]

PG_HEAD_GUARD = f"""CREATE OR REPLACE FUNCTION rectify_audit_head_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1
         AND NEW.id = OLD.id AND NEW.last_id = OLD.last_id + 1
         AND NEW.last_hash IS NOT DISTINCT FROM
             (SELECT l.entry_hash FROM audit_log l WHERE l.id = NEW.last_id)
         AND OLD.last_hash IS NOT DISTINCT FROM
             (SELECT l.prev_hash FROM audit_log l WHERE l.id = NEW.last_id) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '{REWIND}' USING ERRCODE = 'insufficient_privilege';
    END $$"""

PG_HEAD_GUARD_0004 = """CREATE OR REPLACE FUNCTION rectify_audit_head_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN RETURN NEW; END IF;
      RAISE EXCEPTION 'audit_head is kept by triggers only' USING ERRCODE = 'insufficient_privilege';
    END $$"""


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        statements = SQLITE
    elif dialect in ("mysql", "mariadb"):
        statements = MYSQL
    elif dialect == "postgresql":
        statements = [PG_HEAD_GUARD]
    else:
        statements = []
    for statement in statements:
        conn.exec_driver_sql(statement)


def downgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.exec_driver_sql(PG_HEAD_GUARD_0004)
        return
    names = SQLITE_TRIGGERS if dialect == "sqlite" else MYSQL_TRIGGERS
    for name in names:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
