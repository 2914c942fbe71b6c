"""spot checks and accountability as workflows: versioned rule sets, decided records immutable

- ``accountability_rule_sets``: the province's quantified rules as versioned JSON (weights,
  counters, threshold ladder, measures); version 1 is the 2017 regional rule.
- ``accountability_records`` remember the rule set and the tally period they came from;
  ``accountability_problems`` link the spot-check finding or look-back behind them.
- ``spot_check_findings.lookback_id``: the look-back a finding wrote on an existing case;
  ``spot_checks`` are unique per (day, group, unit), so saving a check twice finds it again.
- Triggers on all three backends: a record that is no longer 拟问责 is never updated (except
  已决定 → 已执行 with the execution date) or deleted; its persons and problems are frozen
  with it; amendments are append-only.

Revision ID: 0005_i12
Revises: 0004_security
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0005_i12"
down_revision = "0004_security"
branch_labels = None
depends_on = None

BASIS = "《省“散乱污”量化问责管理办法》"
DEFAULT_RULES = {
    "basis": BASIS,
    "weights": {
        "relapse": 1,
        "not_in_place": 1,
        "off_list": 1,
        "concealment": 1,
        "dereliction": 1,
        "referred_unfixed": 1,
    },
    "counters": {
        "referred_unfixed": ["referred_unfixed"],
        "new_found": ["relapse", "not_in_place", "off_list", "concealment", "dereliction"],
    },
    "ladder": [
        {"counter": "referred_unfixed", "threshold": 2, "level": "deputy_head",
         "clause": "交办问题未整改达2个"},
        {"counter": "referred_unfixed", "threshold": 4, "level": "head",
         "clause": "交办问题未整改达4个"},
        {"counter": "referred_unfixed", "threshold": 6, "level": "secretary",
         "clause": "交办问题未整改达6个"},
        {"counter": "new_found", "threshold": 5, "level": "deputy_head",
         "clause": "新发现问题达5个"},
        {"counter": "new_found", "threshold": 10, "level": "head",
         "clause": "新发现问题达10个"},
        {"counter": "new_found", "threshold": 15, "level": "secretary",
         "clause": "新发现问题达15个"},
    ],
    "measures": {
        "deputy_head": ["interview", "circular"],
        "head": ["circular", "admonish"],
        "secretary": ["organisational", "discipline"],
    },
}  # fmt: skip

DECIDED = "已决定的问责记录不能修改或删除，只能追加更正 / a decided accountability record is never changed"
FROZEN = "已决定的问责记录的人员和问题不能改动 / persons and problems of a decided record are frozen"
AMEND_ONLY = "问责更正只能追加 / amendments are append-only"
AMEND_DECIDED = "只有已决定的问责记录才追加更正 / only decided records take amendments"
#: columns of a decided record that never change (status and executed_on move once, to 已执行)
FIXED = ("unit_id", "rule_id", "clause", "measure", "doc_no", "decided_on", "summary",
         "created_by_id", "created_at", "rule_set_id", "period_from", "period_to")  # fmt: skip
CHILDREN = ("accountability_persons", "accountability_problems")


def _same(op_: str) -> str:
    return " AND ".join(f"NEW.{c} {op_} OLD.{c}" for c in FIXED)


# ---------------------------------------------------------------------------------- SQLite
def _sqlite() -> list[str]:
    out = [
        f"""CREATE TRIGGER accountability_decided_no_update BEFORE UPDATE ON accountability_records
            WHEN OLD.status <> 'proposed' AND NOT (OLD.status = 'decided'
                 AND NEW.status = 'executed' AND {_same('IS')})
            BEGIN SELECT RAISE(ABORT, '{DECIDED}'); END""",
        f"""CREATE TRIGGER accountability_decided_no_delete BEFORE DELETE ON accountability_records
            WHEN OLD.status <> 'proposed'
            BEGIN SELECT RAISE(ABORT, '{DECIDED}'); END""",
        f"""CREATE TRIGGER accountability_amendments_no_update
            BEFORE UPDATE ON accountability_amendments
            BEGIN SELECT RAISE(ABORT, '{AMEND_ONLY}'); END""",
        f"""CREATE TRIGGER accountability_amendments_no_delete
            BEFORE DELETE ON accountability_amendments
            BEGIN SELECT RAISE(ABORT, '{AMEND_ONLY}'); END""",
        f"""CREATE TRIGGER accountability_amendments_decided_only
            BEFORE INSERT ON accountability_amendments
            WHEN (SELECT status FROM accountability_records WHERE id = NEW.record_id)
                 IS NOT 'decided'
             AND (SELECT status FROM accountability_records WHERE id = NEW.record_id)
                 IS NOT 'executed'
            BEGIN SELECT RAISE(ABORT, '{AMEND_DECIDED}'); END""",
    ]
    for t in CHILDREN:
        frozen = "(SELECT status FROM accountability_records WHERE id = {}.record_id) <> 'proposed'"
        out += [
            f"""CREATE TRIGGER {t}_frozen_insert BEFORE INSERT ON {t}
                WHEN {frozen.format('NEW')} BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
            f"""CREATE TRIGGER {t}_frozen_update BEFORE UPDATE ON {t}
                WHEN {frozen.format('OLD')} OR {frozen.format('NEW')}
                BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
            f"""CREATE TRIGGER {t}_frozen_delete BEFORE DELETE ON {t}
                WHEN {frozen.format('OLD')} BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
        ]
    return out


def _sqlite_drop() -> list[str]:
    names = ["accountability_decided_no_update", "accountability_decided_no_delete",
             "accountability_amendments_no_update", "accountability_amendments_no_delete",
             "accountability_amendments_decided_only"]  # fmt: skip
    for t in CHILDREN:
        names += [f"{t}_frozen_insert", f"{t}_frozen_update", f"{t}_frozen_delete"]
    return [f"DROP TRIGGER IF EXISTS {n}" for n in names]


# --------------------------------------------------------------------------- MariaDB/MySQL
def _mysql() -> list[str]:
    def signal(msg: str) -> str:
        return f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{msg}'"

    out = [
        f"""CREATE TRIGGER accountability_decided_no_update BEFORE UPDATE ON accountability_records
            FOR EACH ROW BEGIN
              IF OLD.status <> 'proposed' AND NOT (OLD.status = 'decided'
                 AND NEW.status = 'executed' AND {_same('<=>')}) THEN {signal(DECIDED)}; END IF;
            END""",
        f"""CREATE TRIGGER accountability_decided_no_delete BEFORE DELETE ON accountability_records
            FOR EACH ROW BEGIN
              IF OLD.status <> 'proposed' THEN {signal(DECIDED)}; END IF;
            END""",
        f"""CREATE TRIGGER accountability_amendments_no_update
            BEFORE UPDATE ON accountability_amendments FOR EACH ROW {signal(AMEND_ONLY)}""",
        f"""CREATE TRIGGER accountability_amendments_no_delete
            BEFORE DELETE ON accountability_amendments FOR EACH ROW {signal(AMEND_ONLY)}""",
        f"""CREATE TRIGGER accountability_amendments_decided_only
            BEFORE INSERT ON accountability_amendments FOR EACH ROW BEGIN
              IF NOT EXISTS (SELECT 1 FROM accountability_records r WHERE r.id = NEW.record_id
                             AND r.status IN ('decided', 'executed')) THEN
                {signal(AMEND_DECIDED)};
              END IF;
            END""",
    ]
    frozen = ("EXISTS (SELECT 1 FROM accountability_records r WHERE r.id = {}.record_id "
              "AND r.status <> 'proposed')")  # fmt: skip
    for t in CHILDREN:
        out += [
            f"""CREATE TRIGGER {t}_frozen_insert BEFORE INSERT ON {t} FOR EACH ROW BEGIN
                  IF {frozen.format('NEW')} THEN {signal(FROZEN)}; END IF; END""",
            f"""CREATE TRIGGER {t}_frozen_update BEFORE UPDATE ON {t} FOR EACH ROW BEGIN
                  IF {frozen.format('OLD')} OR {frozen.format('NEW')} THEN {signal(FROZEN)};
                  END IF; END""",
            f"""CREATE TRIGGER {t}_frozen_delete BEFORE DELETE ON {t} FOR EACH ROW BEGIN
                  IF {frozen.format('OLD')} THEN {signal(FROZEN)}; END IF; END""",
        ]
    return out


# ------------------------------------------------------------------------------ PostgreSQL
def _pg() -> list[str]:
    def raise_(msg: str) -> str:
        return f"RAISE EXCEPTION '{msg}' USING ERRCODE = 'insufficient_privilege'"

    same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in FIXED)
    frozen = ("EXISTS (SELECT 1 FROM accountability_records r WHERE r.id = {}.record_id "
              "AND r.status <> 'proposed')")  # fmt: skip
    return [
        f"""CREATE FUNCTION rectify_accountability_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF OLD.status = 'proposed' THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
              END IF;
              IF TG_OP = 'UPDATE' AND OLD.status = 'decided' AND NEW.status = 'executed'
                 AND {same} THEN
                RETURN NEW;
              END IF;
              {raise_(DECIDED)};
            END $$""",
        f"""CREATE FUNCTION rectify_accountability_child_guard() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP IN ('UPDATE', 'DELETE') AND {frozen.format('OLD')} THEN
                {raise_(FROZEN)};
              END IF;
              IF TG_OP IN ('INSERT', 'UPDATE') AND {frozen.format('NEW')} THEN
                {raise_(FROZEN)};
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$""",
        f"""CREATE FUNCTION rectify_accountability_amendment_guard() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'INSERT' THEN
                IF NOT EXISTS (SELECT 1 FROM accountability_records r
                               WHERE r.id = NEW.record_id
                                 AND r.status IN ('decided', 'executed')) THEN
                  {raise_(AMEND_DECIDED)};
                END IF;
                RETURN NEW;
              END IF;
              {raise_(AMEND_ONLY)};
            END $$""",
        f"""CREATE FUNCTION rectify_accountability_no_truncate() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN {raise_(DECIDED)}; END $$""",
        """CREATE TRIGGER accountability_decided_guard BEFORE UPDATE OR DELETE
           ON accountability_records FOR EACH ROW
           EXECUTE FUNCTION rectify_accountability_guard()""",
        """CREATE TRIGGER accountability_persons_frozen BEFORE INSERT OR UPDATE OR DELETE
           ON accountability_persons FOR EACH ROW
           EXECUTE FUNCTION rectify_accountability_child_guard()""",
        """CREATE TRIGGER accountability_problems_frozen BEFORE INSERT OR UPDATE OR DELETE
           ON accountability_problems FOR EACH ROW
           EXECUTE FUNCTION rectify_accountability_child_guard()""",
        """CREATE TRIGGER accountability_amendments_guard BEFORE INSERT OR UPDATE OR DELETE
           ON accountability_amendments FOR EACH ROW
           EXECUTE FUNCTION rectify_accountability_amendment_guard()""",
        *(
            f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
               FOR EACH STATEMENT EXECUTE FUNCTION rectify_accountability_no_truncate()"""
            for t in ("accountability_records", "accountability_amendments", *CHILDREN)
        ),
    ]


PG_DROP = [
    "DROP TRIGGER IF EXISTS accountability_decided_guard ON accountability_records",
    "DROP TRIGGER IF EXISTS accountability_persons_frozen ON accountability_persons",
    "DROP TRIGGER IF EXISTS accountability_problems_frozen ON accountability_problems",
    "DROP TRIGGER IF EXISTS accountability_amendments_guard ON accountability_amendments",
    *(
        f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}"
        for t in ("accountability_records", "accountability_amendments", *CHILDREN)
    ),
    "DROP FUNCTION IF EXISTS rectify_accountability_no_truncate()",
    "DROP FUNCTION IF EXISTS rectify_accountability_amendment_guard()",
    "DROP FUNCTION IF EXISTS rectify_accountability_child_guard()",
    "DROP FUNCTION IF EXISTS rectify_accountability_guard()",
]


UNIQUE_CHECK = "ix_spot_checks_day_group_unit"


def _fk_name(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def _add_reference(dialect: str, table: str, column: str, referred: str) -> None:
    """A nullable integer column referring to ``referred.id``: on SQLite an inline REFERENCES
    (re-creating a table that others refer to is refused with foreign keys on)."""
    if dialect == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {_fk_name(table, column, referred)} REFERENCES {referred} (id)"
        )
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(_fk_name(table, column, referred), table, referred, [column], ["id"])


def _drop_reference(dialect: str, table: str, column: str, referred: str) -> None:
    if dialect != "sqlite":
        op.drop_constraint(_fk_name(table, column, referred), table, type_="foreignkey")
    op.drop_column(table, column)


def upgrade() -> None:
    op.create_table(
        "accountability_rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_accountability_rule_sets_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountability_rule_sets")),
        sa.UniqueConstraint("version_no", name=op.f("uq_accountability_rule_sets_version_no")),
    )  # fmt: skip
    conn = op.get_bind()
    dialect = conn.dialect.name
    _add_reference(dialect, "accountability_records", "rule_set_id", "accountability_rule_sets")
    op.add_column("accountability_records", sa.Column("period_from", sa.Date(), nullable=True))
    op.add_column("accountability_records", sa.Column("period_to", sa.Date(), nullable=True))
    _add_reference(dialect, "accountability_problems", "finding_id", "spot_check_findings")
    _add_reference(dialect, "accountability_problems", "lookback_id", "case_lookbacks")
    _add_reference(dialect, "spot_check_findings", "lookback_id", "case_lookbacks")
    op.create_index(UNIQUE_CHECK, "spot_checks", ["checked_on", "group_name", "unit_id"],
                    unique=True)  # fmt: skip
    rule_sets = sa.table(
        "accountability_rule_sets",
        sa.column("version_no", sa.Integer),
        sa.column("basis", sa.String),
        sa.column("content", sa.Text),
        sa.column("note", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    op.bulk_insert(
        rule_sets,
        [dict(version_no=1, basis=BASIS, note="2017年区域规则（默认）",
              content=json.dumps(DEFAULT_RULES, ensure_ascii=False, sort_keys=True),
              created_at=dt.datetime(2026, 1, 1))],
    )  # fmt: skip
    if dialect == "sqlite":
        statements = _sqlite()
    elif dialect in ("mysql", "mariadb"):
        statements = _mysql()
    elif dialect == "postgresql":
        statements = _pg()
    else:
        statements = []
    for statement in statements:
        conn.exec_driver_sql(statement)


def downgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        drops = PG_DROP
    else:
        drops = _sqlite_drop()
    for statement in drops:
        conn.exec_driver_sql(statement)
    op.drop_index(UNIQUE_CHECK, table_name="spot_checks")
    _drop_reference(dialect, "spot_check_findings", "lookback_id", "case_lookbacks")
    _drop_reference(dialect, "accountability_problems", "lookback_id", "case_lookbacks")
    _drop_reference(dialect, "accountability_problems", "finding_id", "spot_check_findings")
    op.drop_column("accountability_records", "period_to")
    op.drop_column("accountability_records", "period_from")
    _drop_reference(dialect, "accountability_records", "rule_set_id", "accountability_rule_sets")
    op.drop_table("accountability_rule_sets")
