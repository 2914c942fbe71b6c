"""The columns of the dynamic rectification list (动态整治清单), in the published order.

Export, import of county returns, the blank return template and the register's table all
use this one list, so a clerk sees the same columns everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ColumnKind(StrEnum):
    TEXT = "text"
    INT = "int"
    DATE = "date"
    CODE = "code"  # one code of an enum (label shown)
    CODES = "codes"  # several codes, comma-separated in the database (labels joined by 、)
    UNIT = "unit"  # the unit's name
    TOWNSHIP = "township"  # the township's name
    INDUSTRY = "industry"  # the industry's name
    BATCH = "batch"  # the batch's name


@dataclass(frozen=True)
class RegisterColumn:
    key: str  # Case attribute (or relation name for UNIT/TOWNSHIP/INDUSTRY/BATCH)
    header: str  # the published header text
    kind: ColumnKind = ColumnKind.TEXT
    enum: str | None = None  # name of the CodedEnum in models.codes for CODE/CODES
    width: int = 12  # characters, for Excel and the table


K = ColumnKind
#: 动态整治清单, in the order of the published government lists
REGISTER_COLUMNS: tuple[RegisterColumn, ...] = (
    RegisterColumn("serial_no", "序号", K.INT, width=6),
    RegisterColumn("unit", "县（市、区）", K.UNIT, width=10),
    RegisterColumn("township", "乡镇（街道）", K.TOWNSHIP, width=10),
    RegisterColumn("village", "村（社区）", width=10),
    RegisterColumn("name", "企业名称", width=28),
    RegisterColumn("owner", "业主/法人", width=10),
    RegisterColumn("phone", "联系电话", width=14),
    RegisterColumn("address", "地址", width=28),
    RegisterColumn("industry", "行业", K.INDUSTRY, width=10),
    RegisterColumn("main_products", "主要产品", width=14),
    RegisterColumn("problem_types", "问题类型", K.CODES, "ProblemType", width=8),
    RegisterColumn("pollution_types", "污染类型", K.CODES, "PollutionType", width=10),
    RegisterColumn("classification", "整治类型", K.CODE, "Classification", width=10),
    RegisterColumn("measures", "整治措施", width=30),
    RegisterColumn("deadline", "完成时限", K.DATE, width=12),
    RegisterColumn("resp_first", "第一责任人", width=10),
    RegisterColumn("resp_direct", "直接责任人", width=10),
    RegisterColumn("resp_specific", "具体责任人", width=10),
    RegisterColumn("source", "发现来源", K.CODE, "Source", width=12),
    RegisterColumn("discovered_on", "发现日期", K.DATE, width=12),
    RegisterColumn("progress_note", "整治完成情况", width=24),
    RegisterColumn("accepted_on", "验收日期", K.DATE, width=12),
    RegisterColumn("closed_on", "销号日期", K.DATE, width=12),
    RegisterColumn("remark", "备注", width=20),
)

#: columns the application adds beside the published ones
EXTRA_COLUMNS: tuple[RegisterColumn, ...] = (
    RegisterColumn("status", "状态", K.CODE, "CaseStatus", width=12),
    RegisterColumn("batch", "清单批次", K.BATCH, width=12),
    RegisterColumn("completed_on", "完成日期", K.DATE, width=12),
    RegisterColumn("township_checked_on", "乡镇初验日期", K.DATE, width=12),
    RegisterColumn("approved_by", "销号审批人", width=10),
    RegisterColumn("is_quasi", "类散乱污", width=8),
    RegisterColumn("is_relapsed", "反弹", width=6),
)

COLUMNS_BY_KEY = {c.key: c for c in (*REGISTER_COLUMNS, *EXTRA_COLUMNS)}
