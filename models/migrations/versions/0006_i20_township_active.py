"""units owned by the office: a township can be deactivated (never deleted once it has cases)

Existing databases keep their units and townships: this revision only adds the column.
(0002 no longer writes the default units into a new database; the office sets up its own,
or the demo writes them.)

Revision ID: 0006_i20
Revises: 0005_i15
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_i20"
down_revision = "0005_i15"  # re-chained after issues 12, 13, 14, 17 and 15
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN, never a copy of the table (see downgrade).
    with op.batch_alter_table("townships", recreate="never") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN, never a copy of the table: SQLite refuses to drop a table
    # that cases refer to while foreign keys are on.
    with op.batch_alter_table("townships", recreate="never") as batch:
        batch.drop_column("active")
