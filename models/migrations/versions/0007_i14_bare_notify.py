"""change notifications carry nothing: a bare wake-up on PostgreSQL

PostgreSQL grants LISTEN and NOTIFY to every role that can connect; no privilege restricts a
channel. So the audit trigger's ``NOTIFY rectify_changes`` no longer carries the entry's id,
user, action and object type (which any role listening could read): its payload is empty.
The window's change feed treats a notification only as a wake-up and reads what changed from
``audit_log`` itself, where row-level security decides what the role may see; a forged
notification costs at most one harmless read. ``rectify_audit_last_id()`` tells any role how far
the trail has got (a number, as a notification used to carry), so a clerk who reads only their
own entries does not re-scan everyone else's at each wake-up, and
``rectify_audit_changes_since(id)`` gives the kind of each newer entry (its id, action and
object type — no object, user or detail: what the notification used to carry, less the user),
so every window still refreshes the panes another clerk's commit touched, whatever its role may
read of the entry itself. Both read only the trail as written: a forged notification finds
nothing. (Identical notifications of one transaction are folded into one by the server, so a
unit of work wakes each window once.)

Revision ID: 0007_i14
Revises: 0006_i20
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0007_i14"
down_revision = "0006_i20"
branch_labels = None
depends_on = None

CHANNEL = "rectify_changes"

PG_MOVED = f"""CREATE OR REPLACE FUNCTION rectify_audit_moved() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.entry_hash WHERE id = 1;
      PERFORM pg_notify('{CHANNEL}', '');
      RETURN NULL;
    END $$"""

PG_MOVED_0004 = f"""CREATE OR REPLACE FUNCTION rectify_audit_moved() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE audit_head SET last_id = NEW.id, last_hash = NEW.entry_hash WHERE id = 1;
      PERFORM pg_notify('{CHANNEL}', json_build_object(
        'id', NEW.id, 'user_id', NEW.user_id, 'action', NEW.action,
        'object_type', NEW.object_type)::text);
      RETURN NULL;
    END $$"""


PG_LAST_ID = """CREATE OR REPLACE FUNCTION rectify_audit_last_id() RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
      SELECT coalesce((SELECT last_id FROM audit_head WHERE id = 1), 0) $$"""


PG_CHANGES_SINCE = """CREATE OR REPLACE FUNCTION rectify_audit_changes_since(since integer)
    RETURNS TABLE (id integer, action text, object_type text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
      SELECT a.id, a.action::text, a.object_type::text FROM audit_log a
      WHERE a.id > since ORDER BY a.id $$"""


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
        conn.exec_driver_sql(PG_MOVED)
        quoted = '"' + schema.replace('"', '""') + '"'
        conn.exec_driver_sql(PG_LAST_ID.replace("{schema}", quoted))
        conn.exec_driver_sql(PG_CHANGES_SINCE.replace("{schema}", quoted))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS rectify_audit_changes_since(integer)")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS rectify_audit_last_id()")
        conn.exec_driver_sql(PG_MOVED_0004)
