"""returns: industry words filed under the catalog once, and what an accepted return merged

- ``industry_aliases``: a county's industry word (家具喷漆, 废旧物资回收) and the catalog
  industry a clerk filed it under; later returns of every unit read it silently.
- ``return_merge_items``: per accepted return, each case it created, each field it changed
  (old → new) and each uncertain match the clerk confirmed, for showing it on reopening.

Revision ID: 0005_i13
Revises: 0005_i12
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_i13"
down_revision = "0005_i12"  # re-chained after issue 12's migration
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "industry_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=60), nullable=False),
        sa.Column("word_key", sa.String(length=60), nullable=False),
        sa.Column("industry_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_industry_aliases_created_by_id_users")),
        sa.ForeignKeyConstraint(["industry_id"], ["industries.id"],
                                name=op.f("fk_industry_aliases_industry_id_industries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_aliases")),
        sa.UniqueConstraint("word_key", name=op.f("uq_industry_aliases_word_key")),
    )  # fmt: skip
    with op.batch_alter_table("industry_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_industry_aliases_industry_id"), ["industry_id"], unique=False
        )
    op.create_table(
        "return_merge_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sheet_row", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=40), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_return_merge_items_case_id_cases")),
        sa.ForeignKeyConstraint(["return_id"], ["county_returns.id"],
                                name=op.f("fk_return_merge_items_return_id_county_returns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_merge_items")),
    )  # fmt: skip
    with op.batch_alter_table("return_merge_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_return_merge_items_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_return_merge_items_return_id"), ["return_id"], unique=False
        )


def downgrade() -> None:
    # A table's indexes go with it; dropping them first is refused by MariaDB where an index
    # backs a foreign key.
    op.drop_table("return_merge_items")
    op.drop_table("industry_aliases")
