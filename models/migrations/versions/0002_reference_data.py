"""default reference data: industry vocabulary, accountability rules

Databases created before issue 20 also received one city's 25 units here. A new database no
longer does: the office sets up its own units and townships (建立本单位数据库, ``units import``)
or the demo writes the default list from resources/units.csv. Databases that ran this
revision long ago keep the units it gave them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (code, name, focus industry named by the ministry's group)
INDUSTRIES = [
    ("asphalt_felt", "油毡", True),
    ("vermiculite", "蛭石", True),
    ("calcium_magnesium", "钙镁", True),
    ("wire_drawing", "拔丝", True),
    ("small_board", "小板材", True),
    ("plastic_pellet", "塑料颗粒", False),
    ("waste_plastic", "废旧塑料加工", False),
    ("casting", "铸造", False),
    ("stone", "石材加工", False),
    ("furniture", "家具制造", False),
    ("wood", "木材加工", False),
    ("rubber", "橡胶制品", False),
    ("spraying", "喷涂", False),
    ("dyeing", "印染", False),
    ("chemical", "小化工", False),
    ("boiler", "燃煤小锅炉", False),
    ("brick_kiln", "砖瓦窑", False),
    ("lime_kiln", "石灰窑", False),
    ("tire_pyrolysis", "废旧轮胎炼油", False),
    ("electroplating", "电镀", False),
    ("leather", "皮革加工", False),
    ("asphalt_mixing", "沥青搅拌", False),
    ("concrete", "混凝土搅拌", False),
    ("feed", "饲料加工", False),
    ("food", "食品加工", False),
    ("other", "其他", False),
]

# The 2017 regional rule: 2 / 4 / 6 unfixed referred problems, or 5 / 10 / 15 newly found
# problems, reach the deputy county head / county head / county party secretary.
BASIS = "《省“散乱污”量化问责管理办法》"
RULES = [
    ("referred_2", BASIS, "交办问题未整改达2个", "referred_unfixed", 2, "deputy_head"),
    ("referred_4", BASIS, "交办问题未整改达4个", "referred_unfixed", 4, "head"),
    ("referred_6", BASIS, "交办问题未整改达6个", "referred_unfixed", 6, "secretary"),
    ("new_5", BASIS, "新发现问题达5个", "new_found", 5, "deputy_head"),
    ("new_10", BASIS, "新发现问题达10个", "new_found", 10, "head"),
    ("new_15", BASIS, "新发现问题达15个", "new_found", 15, "secretary"),
]
WEIGHTS = ["relapse", "not_in_place", "off_list", "concealment", "dereliction"]


def upgrade() -> None:
    industries = sa.table(
        "industries",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("is_focus", sa.Boolean),
        sa.column("sort_order", sa.Integer),
        sa.column("version", sa.Integer),
    )
    rules = sa.table(
        "accountability_rules",
        sa.column("code", sa.String),
        sa.column("basis", sa.String),
        sa.column("clause", sa.String),
        sa.column("counter", sa.String),
        sa.column("threshold", sa.Integer),
        sa.column("level", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("version", sa.Integer),
    )
    weights = sa.table(
        "accountability_weights",
        sa.column("problem_kind", sa.String),
        sa.column("weight", sa.Integer),
        sa.column("version", sa.Integer),
    )
    op.bulk_insert(
        industries,
        [
            dict(code=code, name=name, is_focus=focus, sort_order=i + 1, version=1)
            for i, (code, name, focus) in enumerate(INDUSTRIES)
        ],
    )
    op.bulk_insert(
        rules,
        [
            dict(code=c, basis=b, clause=cl, counter=ct, threshold=t, level=lv, active=True,
                 version=1)
            for c, b, cl, ct, t, lv in RULES
        ],
    )
    op.bulk_insert(weights, [dict(problem_kind=k, weight=1, version=1) for k in WEIGHTS])


def downgrade() -> None:
    op.execute("DELETE FROM accountability_weights")
    op.execute("DELETE FROM accountability_rules")
    op.execute("DELETE FROM industries")
    op.execute("DELETE FROM townships")
    op.execute("DELETE FROM units")
