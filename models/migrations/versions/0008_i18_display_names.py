"""display names readable under row-level security (PostgreSQL)

With the database roles of ``db secure`` a clerk reads only their own ``users`` row, so a
case's 变更记录 could not name the other people who changed it. ``rectify_display_names(ids)``
returns only the id and display name of the accounts asked for (no login names, no roles),
run with the owner's rights; the clerks' group roles may call it, the gate role may not.
SQLite and MariaDB have no row-level security: there the names are a plain read of ``users``.

Revision ID: 0008_i18
Revises: 0007_i14
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_i18"
down_revision = "0007_i14"  # chained after issue 14's bare notifications
branch_labels = None
depends_on = None

SIGNATURE = "rectify_display_names(integer[])"
#: the group roles of controllers/infra/db_roles.GROUPS (granted here when already installed)
GROUPS = ("admin", "auditor", "city", "county", "leader")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
    quoted = '"' + schema.replace('"', '""') + '"'
    conn.exec_driver_sql(
        f"""CREATE OR REPLACE FUNCTION rectify_display_names(p_ids integer[])
            RETURNS TABLE (id integer, display_name text)
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {quoted}, pg_temp AS $$
              SELECT u.id, u.display_name::text FROM users u WHERE u.id = ANY(p_ids) $$"""
    )
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    installed = conn.execute(sa.text("SELECT to_regprocedure('rectify_role_prefix()')")).scalar()
    if installed is None:
        return  # db secure grants it to the group roles when it runs
    prefix = conn.execute(sa.text("SELECT rectify_role_prefix()")).scalar()
    roles = [f'"{prefix}_{group}"' for group in GROUPS]
    conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {', '.join(roles)}")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
