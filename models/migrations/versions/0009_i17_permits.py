"""permit register (排污许可 / 登记) for the 类散乱污 rule

- ``permits``: one permitted enterprise of an imported permit list — name, 统一社会信用代码,
  address, unit (resolved from the address), industry (as written and as filed in the catalog),
  permit date and number, the source file and when it was imported.
- ``leads.permit_id``: a 类散乱污 candidate raised by a permit names it (``case_id`` is None).

Revision ID: 0009_i17_permits
Revises: 0008_i18
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_i17_permits"
down_revision = "0008_i18"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('permits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=40), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('industry', sa.String(length=60), nullable=True),
    sa.Column('industry_id', sa.Integer(), nullable=True),
    sa.Column('permit_date', sa.Date(), nullable=True),
    sa.Column('permit_no', sa.String(length=80), nullable=True),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_permits_imported_by_id_users')),
    sa.ForeignKeyConstraint(['industry_id'], ['industries.id'], name=op.f('fk_permits_industry_id_industries')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_permits_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permits'))
    )
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permits_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_permits_permit_no'), ['permit_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_permits_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('permit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_leads_permit_id_permits'), 'permits', ['permit_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_leads_permit_id_permits'), type_='foreignkey')
        batch_op.drop_column('permit_id')

    # the table goes with its indexes (MariaDB refuses to drop an index backing a foreign key)
    op.drop_table('permits')
