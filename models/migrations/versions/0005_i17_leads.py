"""leads (线索): candidates with their decisions, links between cases, power-company lists

- ``leads``: one candidate per pair (``pair_key``), its kind, score, evidence (JSON), a snapshot
  of both sides, the evidence's fingerprint and the clerk's decision (confirmed / dismissed).
- ``case_links``: a confirmed candidate links the newer case to the old, closed one.
- ``power_imports`` / ``power_records``: the power company's premises and monthly consumption.

Revision ID: 0005_i17
Revises: 0005_i14
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_i17"
down_revision = "0005_i14"  # re-chained after issues 12, 13 and 14
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('power_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_power_imports_imported_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_power_imports_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_power_imports'))
    )
    with op.batch_alter_table('power_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_power_imports_unit_id'), ['unit_id'], unique=False)

    op.create_table('power_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('account_no', sa.String(length=60), nullable=True),
    sa.Column('holder', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('industry', sa.String(length=60), nullable=True),
    sa.Column('readings', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['power_imports.id'], name=op.f('fk_power_records_import_id_power_imports')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_power_records_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_power_records'))
    )
    with op.batch_alter_table('power_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_power_records_account_no'), ['account_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_power_records_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_power_records_unit_id'), ['unit_id'], unique=False)

    op.create_table('leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('other_case_id', sa.Integer(), nullable=False),
    sa.Column('power_record_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('other_unit_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('sides', sa.Text(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=60), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_leads_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_leads_decided_by_id_users')),
    sa.ForeignKeyConstraint(['other_case_id'], ['cases.id'], name=op.f('fk_leads_other_case_id_cases')),
    sa.ForeignKeyConstraint(['other_unit_id'], ['units.id'], name=op.f('fk_leads_other_unit_id_units')),
    sa.ForeignKeyConstraint(['power_record_id'], ['power_records.id'], name=op.f('fk_leads_power_record_id_power_records')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_leads_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads')),
    sa.UniqueConstraint('pair_key', name=op.f('uq_leads_pair_key'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_other_case_id'), ['other_case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_other_unit_id'), ['other_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_unit_id'), ['unit_id'], unique=False)

    op.create_table('case_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('other_case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_links_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_case_links_lead_id_leads')),
    sa.ForeignKeyConstraint(['other_case_id'], ['cases.id'], name=op.f('fk_case_links_other_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_links')),
    sa.UniqueConstraint('case_id', 'other_case_id', name=op.f('uq_case_links_case_id_other_case_id'))
    )
    with op.batch_alter_table('case_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_links_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_links_other_case_id'), ['other_case_id'], unique=False)



def downgrade() -> None:
    # A table's indexes go with it; dropping them first is refused by MariaDB where an index
    # backs a foreign key.
    for table in ("case_links", "leads", "power_records", "power_imports"):
        op.drop_table(table)
