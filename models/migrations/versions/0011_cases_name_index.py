"""the index of a case's name: an accept of a county return no longer keeps it up

Every new case costs a B-tree insert in each index of ``cases``; the one of ``name`` is the
dearest of them on PostgreSQL (a comparison of long Chinese names in the database's collation
at every level of the tree: a fifth of the server's time inserting 80,000 cases). No query
needs it: the register's search and the spot checks' case search match a squeezed, lower-cased
``name`` with ``LIKE '%…%'``, which no B-tree of ``name`` answers; a lookup of a name within a
unit (a spot check's JSON) is answered by the unit's index.

The downgrade builds it again.

Revision ID: 0011_cases_name_index
Revises: 0010_accept_indexes
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0011_cases_name_index"
down_revision = "0010_accept_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_cases_name", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_name", "cases", ["name"], unique=False)
