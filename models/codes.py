"""Stable English codes of the domain and their Chinese labels, in one place.

Every coded column of the database stores the code (``shutdown``); the interface shows the
label (``关停取缔``); county sheets may use one of the aliases (``取缔关停``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self, TypeVar


class CodedEnum(StrEnum):
    """A string enum whose members carry a Chinese label and optional aliases."""

    label: str
    aliases: tuple[str, ...]

    def __new__(cls, code: str, label: str, *aliases: str) -> Self:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        obj.aliases = aliases
        return obj

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(code, label) pairs in declaration order."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Mapping of code to label."""
        return {m.value: m.label for m in cls}

    @classmethod
    def parse(cls, text: str | None) -> Self | None:
        """Member for a code, label or alias (surrounding spaces ignored); None if unknown."""
        if text is None:
            return None
        key = str(text).strip().replace(" ", "").replace("\u3000", "")
        if not key:
            return None
        for m in cls:
            if key == m.value or key == m.label or key in m.aliases:
                return m
        return None

    @classmethod
    def label_of(cls, code: str | None) -> str:
        """Label for a stored code; the code itself when unknown, '' for None."""
        if code is None:
            return ""
        try:
            return cls(code).label
        except ValueError:
            return str(code)


class UnitKind(CodedEnum):
    COUNTY = "county", "县"
    CITY = "city", "市"
    DISTRICT = "district", "区"
    PARK = "park", "园区"


class Classification(CodedEnum):
    """整治类型: exactly one per case."""

    SHUTDOWN = "shutdown", "关停取缔", "取缔关停", "关停", "取缔", "关闭取缔"
    RELOCATE = "relocate", "整合搬迁", "限期搬迁", "搬迁入园", "整合", "搬迁"
    UPGRADE = "upgrade", "提升改造", "整改提升", "升级改造", "改造提升", "整改"


class CaseStatus(CodedEnum):
    """Case workflow: 待整治 → 整治中 → 已完成待验收 → 已验收 → 已销号."""

    PENDING = "pending", "待整治", "未整治", "未开始", "未完成", "待整改"
    IN_PROGRESS = "in_progress", "整治中", "正在整治", "整改中", "正在整改"
    COMPLETED = "completed", "已完成待验收", "已完成", "完成整治", "待验收", "已整改", "已整治"
    ACCEPTED = "accepted", "已验收", "验收通过", "已通过验收"
    CLOSED = "closed", "已销号", "销号", "已销号完成"


#: Statuses in which the rectification work itself is finished.
FINISHED_STATUSES = (CaseStatus.COMPLETED, CaseStatus.ACCEPTED, CaseStatus.CLOSED)


class Source(CodedEnum):
    """发现来源."""

    SELF_CHECK = "self_check", "自查", "县区自查", "自查自纠", "排查发现", "自行排查", "县级自查"
    LOOKBACK = "lookback", "回头看"
    SPOT_CHECK = "spot_check", "督导抽查", "市级督导", "抽查", "督导检查", "市级抽查"
    REFERRAL = (
        "referral",
        "上级督查交办",
        "上级交办",
        "督查交办",
        "帮扶组交办",
        "省级交办",
        "上级督查",
    )
    COMPLAINT = "complaint", "信访举报", "举报", "信访", "群众举报"
    GRID_PATROL = "grid_patrol", "网格巡查", "网格员巡查", "日常巡查", "巡查"
    POWER_DATA = "power_data", "电力数据研判", "电力研判", "用电异常"


class ProblemType(CodedEnum):
    """问题类型 (one or more per case)."""

    SCATTERED = "scattered", "散"
    DISORDERLY = "disorderly", "乱"
    POLLUTING = "polluting", "污"


class PollutionType(CodedEnum):
    """污染类型 (one or more per case)."""

    AIR = "air", "废气", "大气", "气"
    WATER = "water", "废水", "污水", "水"
    SOLID = "solid", "固废", "固体废物", "固体废弃物", "固"
    NOISE = "noise", "噪声", "噪音"


class CheckItem(CodedEnum):
    """两断三清 checklist of a 关停取缔 case."""

    WATER_CUT = "water_cut", "断水"
    POWER_CUT = "power_cut", "断电"
    MATERIALS_CLEARED = "materials_cleared", "清除原料"
    PRODUCTS_CLEARED = "products_cleared", "清除产品"
    EQUIPMENT_CLEARED = "equipment_cleared", "清除设备"


class LookbackResult(CodedEnum):
    """回头看 result; any result but NORMAL reopens the case and counts as a relapse."""

    NORMAL = "normal", "正常"
    RELAPSE = "relapse", "死灰复燃"
    RELOCATED = "relocated", "异地转移"
    FAKE = "fake", "虚假整改"
    SUBSTANDARD = "substandard", "整改不到位"


class BatchKind(CodedEnum):
    ANNUAL = "annual", "年度清单"
    ADDED = "added", "新增"


class StageKind(CodedEnum):
    MOBILISE = "mobilise", "动员部署"
    SELF_INSPECTION = "self_inspection", "全面自查"
    ACCOUNTABILITY = "accountability", "排查问责"


class CampaignEventKind(CodedEnum):
    """A dated step of a campaign the report cites (调度会, 转发通知 …)."""

    MEETING = "meeting", "调度会议"
    NOTICE = "notice", "通知文件"
    OTHER = "other", "其他工作"


class ReturnStatus(CodedEnum):
    PENDING = "pending", "待审核"
    RETURNED = "returned", "退回"
    APPROVED = "approved", "已通过"


class LetterStatus(CodedEnum):
    DRAFT = "draft", "起草"
    ISSUED = "issued", "已印发"
    SIGNED = "signed", "已签署"
    ARCHIVED = "archived", "已归档"


class FindingKind(CodedEnum):
    """What a spot check found at a site."""

    NEW_CASE = "new_case", "新增散乱污企业", "新增", "未列入清单"
    RELAPSE = "relapse", "死灰复燃", "反弹"
    SUBSTANDARD = "substandard", "整治不到位", "整改不到位"
    RELOCATED = "relocated", "异地转移"
    FAKE = "fake", "虚假整改"
    OTHER = "other", "其他问题", "其他"


class SiteResult(CodedEnum):
    OK = "ok", "正常"
    PROBLEM = "problem", "发现问题"


class ProblemKind(CodedEnum):
    """Problems counted under the quantified accountability rules."""

    RELAPSE = "relapse", "死灰复燃"
    NOT_IN_PLACE = "not_in_place", "整治不到位"
    OFF_LIST = "off_list", "未纳入整治清单"
    CONCEALMENT = "concealment", "瞒报漏报"
    DERELICTION = "dereliction", "履职不到位"
    REFERRED_UNFIXED = "referred_unfixed", "交办问题未整改"


class RuleCounter(CodedEnum):
    """What an accountability threshold counts."""

    REFERRED_UNFIXED = "referred_unfixed", "交办问题未整改"
    NEW_FOUND = "new_found", "新发现问题"


class AccountabilityLevel(CodedEnum):
    DEPUTY_HEAD = "deputy_head", "分管副县（市、区）长"
    HEAD = "head", "县（市、区）长"
    SECRETARY = "secretary", "县（市、区）委书记"


class Measure(CodedEnum):
    """问责措施."""

    INTERVIEW = "interview", "约谈"
    CIRCULAR = "circular", "通报批评"
    ADMONISH = "admonish", "诫勉谈话"
    ORGANISATIONAL = "organisational", "组织处理"
    DISCIPLINE = "discipline", "党纪政务处分/移送纪检监察"


class AccountabilityStatus(CodedEnum):
    PROPOSED = "proposed", "拟问责"
    DECIDED = "decided", "已决定"
    EXECUTED = "executed", "已执行"


class Role(CodedEnum):
    ADMIN = "admin", "系统管理员"
    AUDITOR = "auditor", "审计管理员"
    CITY_CLERK = "city_clerk", "市级业务员"
    COUNTY_CLERK = "county_clerk", "县区业务员"
    LEADER = "leader", "领导"


class AttachmentKind(CodedEnum):
    PHOTO = "photo", "现场照片"
    EVIDENCE = "evidence", "佐证材料"
    POWER_RECORD = "power_record", "断电记录"
    RETURN_FILE = "return_file", "上报清单"
    SIGNATURE_PAGE = "signature_page", "签字页"
    ERROR_REPORT = "error_report", "错误报告"
    SIGNED_LETTER = "signed_letter", "签署承诺书扫描件"
    DECISION = "decision", "问责决定书"
    OTHER = "other", "其他"


class AuditResult(CodedEnum):
    OK = "ok", "成功"
    FAILED = "failed", "失败"
    REFUSED = "refused", "拒绝"


def join_codes(members: list[CodedEnum] | tuple[CodedEnum, ...] | set[CodedEnum]) -> str:
    """Store a set of codes as one comma-separated string in declaration order."""
    if not members:
        return ""
    enum_cls = type(next(iter(members)))
    chosen = set(members)
    return ",".join(m.value for m in enum_cls if m in chosen)


E = TypeVar("E", bound="CodedEnum")


def split_codes(enum_cls: type[E], stored: str | None) -> list[E]:
    """Members stored by :func:`join_codes` (unknown codes are dropped)."""
    if not stored:
        return []
    out: list[E] = []
    for part in stored.split(","):
        part = part.strip()
        if part:
            try:
                out.append(enum_cls(part))
            except ValueError:
                continue
    return out


def labels_of_codes(enum_cls: type[CodedEnum], stored: str | None, sep: str = "、") -> str:
    """Chinese labels of a comma-separated code string."""
    return sep.join(m.label for m in split_codes(enum_cls, stored))
