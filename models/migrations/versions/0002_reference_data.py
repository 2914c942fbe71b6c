"""default reference data: the 25 units, industry vocabulary, accountability rules

The units are those of resources/units.csv at the time of this schema; later edits of the
list are made in the application (units are configuration data, not code).

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

# (sort, code, name, short name, kind)
UNITS = [
    (1, 'changan', '长安区', '长安', 'district'),
    (2, 'qiaoxi', '桥西区', '桥西', 'district'),
    (3, 'xinhua', '新华区', '新华', 'district'),
    (4, 'yuhua', '裕华区', '裕华', 'district'),
    (5, 'jingxingkuangqu', '井陉矿区', '矿区', 'district'),
    (6, 'gaocheng', '藁城区', '藁城', 'district'),
    (7, 'luquan', '鹿泉区', '鹿泉', 'district'),
    (8, 'luancheng', '栾城区', '栾城', 'district'),
    (9, 'jingxing', '井陉县', '井陉', 'county'),
    (10, 'zhengding', '正定县', '正定', 'county'),
    (11, 'xingtang', '行唐县', '行唐', 'county'),
    (12, 'lingshou', '灵寿县', '灵寿', 'county'),
    (13, 'gaoyi', '高邑县', '高邑', 'county'),
    (14, 'shenze', '深泽县', '深泽', 'county'),
    (15, 'zanhuang', '赞皇县', '赞皇', 'county'),
    (16, 'wuji', '无极县', '无极', 'county'),
    (17, 'pingshan', '平山县', '平山', 'county'),
    (18, 'yuanshi', '元氏县', '元氏', 'county'),
    (19, 'zhaoxian', '赵县', '赵县', 'county'),
    (20, 'xinji', '辛集市', '辛集', 'city'),
    (21, 'jinzhou', '晋州市', '晋州', 'city'),
    (22, 'xinle', '新乐市', '新乐', 'city'),
    (23, 'zhengdingxinqu', '正定新区', '正定新区', 'park'),
    (24, 'gaoxinqu', '高新区', '高新区', 'park'),
    (25, 'xunhuanhuagong', '循环化工园区', '循环化工园区', 'park'),
]

# (unit code, township, sort)
TOWNSHIPS = [
    ('lingshou', '灵寿镇', 1),
    ('lingshou', '青同镇', 2),
    ('lingshou', '塔上镇', 3),
    ('lingshou', '陈庄镇', 4),
    ('lingshou', '慈峪镇', 5),
    ('lingshou', '岔头镇', 6),
    ('lingshou', '三圣院乡', 7),
    ('lingshou', '北洼乡', 8),
    ('lingshou', '牛城乡', 9),
    ('lingshou', '狗台乡', 10),
    ('lingshou', '南寨乡', 11),
    ('lingshou', '南燕川乡', 12),
    ('lingshou', '寨头乡', 13),
    ('lingshou', '北谭庄乡', 14),
]

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
    units = sa.table(
        "units",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("short_name", sa.String),
        sa.column("kind", sa.String),
        sa.column("sort_order", sa.Integer),
        sa.column("active", sa.Boolean),
        sa.column("version", sa.Integer),
    )
    townships = sa.table(
        "townships",
        sa.column("unit_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("sort_order", sa.Integer),
        sa.column("version", sa.Integer),
    )
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
    conn = op.get_bind()
    op.bulk_insert(
        units,
        [
            dict(code=code, name=name, short_name=short, kind=kind, sort_order=sort,
                 active=True, version=1)
            for sort, code, name, short, kind in UNITS
        ],
    )
    ids = {code: uid for uid, code in conn.execute(sa.select(units.c.id, units.c.code))}
    op.bulk_insert(
        townships,
        [
            dict(unit_id=ids[code], name=name, sort_order=sort, version=1)
            for code, name, sort in TOWNSHIPS
        ],
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
