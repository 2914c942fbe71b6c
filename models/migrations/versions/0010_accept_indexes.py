"""indexes an accept of a county return no longer keeps up: duplicates and an unused one

Accepting a return writes up to a few hundred thousand rows of ``cases`` and ``case_changes``
in one transaction, and every index of a table costs a B-tree insert per row. Dropped:

- five single-column indexes of ``cases`` whose column leads a composite index, which
  answers every query the single one did (equality, ranges and sorts on that column; on
  MariaDB it also backs the column's foreign key): ``unit_id`` (``ix_cases_unit_status``),
  ``industry_id`` (``ix_cases_industry_status``), ``classification``
  (``ix_cases_classification_status``), ``source`` (``ix_cases_source_status``) and
  ``status`` (``ix_cases_status_deadline``);
- ``ix_case_changes_changed_at``: no query filters or sorts the history by time alone (a
  case's history is read by ``case_id``, whose index stays).

PostgreSQL also leaves a tenth of each new page of ``cases`` free (``fillfactor`` 90): an
UPDATE that changes no indexed column (an accept's changed 主要产品, an edit of a phone
number; ``version`` and ``updated_at`` are not indexed) then writes the new row version on the
same page without an entry in every index (a HOT update). Pages written before keep their
layout until the table is rewritten (``VACUUM FULL``); nothing here rewrites it.

The downgrade builds the indexes again and resets the fill factor.

Revision ID: 0010_accept_indexes
Revises: 0009_i17_permits
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0010_accept_indexes"
down_revision = "0009_i17_permits"
branch_labels = None
depends_on = None

#: (table, index, column) of the indexes dropped
DROPPED = (
    ("cases", "ix_cases_unit_id", "unit_id"),
    ("cases", "ix_cases_industry_id", "industry_id"),
    ("cases", "ix_cases_classification", "classification"),
    ("cases", "ix_cases_source", "source"),
    ("cases", "ix_cases_status", "status"),
    ("case_changes", "ix_case_changes_changed_at", "changed_at"),
)


#: the share of a new page of ``cases`` PostgreSQL fills (the rest stays free for updates)
FILLFACTOR = 90


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for table, name, _column in DROPPED:
        op.drop_index(name, table_name=table)
    if _postgresql():
        op.execute(f"ALTER TABLE cases SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if _postgresql():
        op.execute("ALTER TABLE cases RESET (fillfactor)")
    for table, name, column in DROPPED:
        op.create_index(name, table, [column], unique=False)
