"""letters' counterparty per unit; dated campaign events the stage report cites

- ``units.counterparty``: the letter's 乙方 as the city's report names it (the 23 sub-bureaus
  "市生态环境局X分局" and the parks' 生态环境局), filled from resources/units.csv for the
  units it lists; empty means the unit's own name.
- ``campaign_events``: a campaign's dated steps (调度会, 转发通知 …) with the report's sentence.

Revision ID: 0005_i15
Revises: 0005_i13
Create Date: 2026-12-01
"""

from __future__ import annotations

import csv

import sqlalchemy as sa
from alembic import op

revision = "0005_i15"
down_revision = "0005_i17"  # re-chained after issues 12, 13, 14 and 17
branch_labels = None
depends_on = None


def _counterparties() -> dict[str, str]:
    from resources import resource_path

    with resource_path("units.csv").open(encoding="utf-8", newline="") as fh:
        return {
            row["code"]: row["counterparty"].strip()
            for row in csv.DictReader(fh)
            if (row.get("counterparty") or "").strip()
        }


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("counterparty", sa.String(80), nullable=True))
    units = sa.table(
        "units", sa.column("code", sa.String), sa.column("counterparty", sa.String)
    )
    for code, name in _counterparties().items():
        op.execute(
            units.update()
            .where(units.c.code == code, units.c.counterparty.is_(None))
            .values(counterparty=name)
        )
    op.create_table(
        "campaign_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_events_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_events")),
    )
    with op.batch_alter_table("campaign_events") as batch:
        batch.create_index(batch.f("ix_campaign_events_campaign_id"), ["campaign_id"])
        batch.create_index(batch.f("ix_campaign_events_occurred_on"), ["occurred_on"])


def downgrade() -> None:
    op.drop_table("campaign_events")
    # ALTER TABLE … DROP COLUMN, never a copy of the table: SQLite refuses to drop a table
    # that townships and cases refer to while foreign keys are on.
    with op.batch_alter_table("units", recreate="never") as batch:
        batch.drop_column("counterparty")
