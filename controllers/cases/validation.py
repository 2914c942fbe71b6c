"""The fields of a case and their rules, with Chinese messages.

The case form checks every keystroke with :func:`validate_case`; the controllers run the same
function before writing, so a rule the form shows is a rule the database keeps.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controllers.errors import ValidationError
from models.codes import (
    CaseStatus,
    CheckItem,
    Classification,
    CodedEnum,
    PollutionType,
    ProblemType,
    Source,
    split_codes,
)
from models.textnorm import clean_text, fold_width


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: str = "text"  # text · line · date · int · ref · code · codes · bool
    max_len: int | None = None
    enum: type[CodedEnum] | None = None


#: every editable field of a case, in the form's order
CASE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("unit_id", "县（市、区）", "ref"),
    FieldSpec("township_id", "乡镇（街道）", "ref"),
    FieldSpec("village", "村（社区）", "line", 100),
    FieldSpec("serial_no", "序号", "int"),
    FieldSpec("name", "企业名称", "line", 200),
    FieldSpec("owner", "业主/法人", "line", 100),
    FieldSpec("phone", "联系电话", "line", 60),
    FieldSpec("address", "地址", "line", 300),
    FieldSpec("industry_id", "行业", "ref"),
    FieldSpec("main_products", "主要产品", "line", 200),
    FieldSpec("problem_types", "问题类型", "codes", 40, ProblemType),
    FieldSpec("pollution_types", "污染类型", "codes", 60, PollutionType),
    FieldSpec("classification", "整治类型", "code", enum=Classification),
    FieldSpec("measures", "整治措施", "text", 4000),
    FieldSpec("deadline", "完成时限", "date"),
    FieldSpec("resp_first", "第一责任人", "line", 60),
    FieldSpec("resp_direct", "直接责任人", "line", 60),
    FieldSpec("resp_specific", "具体责任人", "line", 60),
    FieldSpec("source", "发现来源", "code", enum=Source),
    FieldSpec("discovered_on", "发现日期", "date"),
    FieldSpec("batch_id", "清单批次", "ref"),
    FieldSpec("is_quasi", "类散乱污", "bool"),
    FieldSpec("progress_note", "整治完成情况", "text", 4000),
    FieldSpec("completed_on", "完成日期", "date"),
    FieldSpec("township_checked_on", "乡镇初验日期", "date"),
    FieldSpec("accepted_on", "验收日期", "date"),
    FieldSpec("approved_by", "销号审批人", "line", 60),
    FieldSpec("closed_on", "销号日期", "date"),
    FieldSpec("remark", "备注", "text", 4000),
)
FIELDS_BY_KEY = {f.key: f for f in CASE_FIELDS}
#: labels of every field a history entry may name
FIELD_LABELS: dict[str, str] = {
    **{f.key: f.label for f in CASE_FIELDS},
    "status": "状态",
    "is_relapsed": "反弹",
    "relapse_count": "反弹次数",
    "lookback": "回头看",
    "spot_check": "督导抽查",
    "attachment": "附件",
    "created": "新建",
    **{f"check_{item.value}": f"两断三清·{item.label}" for item in CheckItem},
}
#: fields only the workflow changes (never through the form)
WORKFLOW_FIELDS = frozenset({"status", "is_relapsed", "relapse_count"})

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?$")
_PHONE_SPLIT = re.compile(r"[,，、;；/]+|\s{2,}")


def phone_problem(text: str | None) -> str | None:
    """Why a 联系电话 is not acceptable, or None (blank is acceptable)."""
    if not text:
        return None
    value = fold_width(text).strip()
    for part in _PHONE_SPLIT.split(value):
        number = part.strip()
        if not number:
            continue
        digits = re.sub(r"^(\+?86)[- ]?", "", number).replace(" ", "")
        if _MOBILE.match(digits.replace("-", "")) or _LANDLINE.match(digits):
            continue
        return (
            f"“{number}”不是有效的电话号码：手机号为 11 位数字（如 13800000000），"
            "座机如 0311-86001234；多个号码用顿号分隔"
        )
    return None


#: full-width digits, letters and the ideographic space → half-width; Chinese punctuation
#: such as （）、，： is kept as typed
_HALF_WIDTH = {
    **{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)},
    **{c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)},
    **{c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)},
    0x3000: 0x20,
}


def clean_line(value: Any) -> str | None:
    """A single-line text as stored: digits and letters half-width, spaces collapsed, trimmed;
    Chinese punctuation kept; blank as None."""
    if value is None:
        return None
    text = " ".join(str(value).translate(_HALF_WIDTH).split())
    return text or None


def clean_value(key: str, value: Any) -> Any:
    """A typed value as it is stored: single-line text trimmed (digits and letters
    half-width; the phone fully width-folded), long text trimmed, blank as None."""
    spec = FIELDS_BY_KEY.get(key)
    if spec is None or value is None:
        return value
    if spec.kind == "line":
        return clean_text(value) if key == "phone" else clean_line(value)
    if spec.kind == "text":
        text = str(value).strip()
        return text or None
    if spec.kind == "codes":
        if isinstance(value, str):
            return value
        from models.codes import join_codes

        return join_codes(list(value))
    return value


def validate_case(values: Mapping[str, Any], *, today: dt.date | None = None,
                  township_units: Mapping[int, int] | None = None) -> dict[str, str]:  # fmt: skip
    """Problems of a whole case record (stored values), as {field: Chinese message}.

    ``township_units`` (township id → unit id) lets the check see that a township belongs
    to the chosen unit.
    """
    today = today or dt.date.today()
    errors: dict[str, str] = {}

    def blank(key: str) -> bool:
        v = values.get(key)
        return v is None or (isinstance(v, str) and not v.strip())

    if blank("unit_id"):
        errors["unit_id"] = "请选择县（市、区）"
    if blank("classification"):
        errors["classification"] = "请选择整治类型（关停取缔、整合搬迁或提升改造）"
    elif Classification.parse(str(values["classification"])) is None:
        errors["classification"] = f"整治类型“{values['classification']}”不在可选范围内"
    if blank("source"):
        errors["source"] = "请选择发现来源"
    elif Source.parse(str(values["source"])) is None:
        errors["source"] = f"发现来源“{values['source']}”不在可选范围内"
    if blank("name") and (blank("address") or blank("owner")):
        message = "没有企业名称的点位须填写地址和业主/法人，以便识别"
        if blank("address"):
            errors["address"] = message
        if blank("owner"):
            errors["owner"] = message
    for spec in CASE_FIELDS:
        v = values.get(spec.key)
        if spec.max_len and isinstance(v, str) and len(v) > spec.max_len:
            errors.setdefault(
                spec.key, f"{spec.label}最多 {spec.max_len} 个字，现在有 {len(v)} 个字"
            )
        if spec.kind == "codes" and isinstance(v, str) and v and spec.enum is not None:
            known = {m.value for m in split_codes(spec.enum, v)}
            unknown = [c for c in v.split(",") if c and c not in known]
            if unknown:
                errors.setdefault(spec.key, f"{spec.label}中有无法识别的项：{'、'.join(unknown)}")
    problem = phone_problem(values.get("phone"))
    if problem:
        errors.setdefault("phone", problem)
    serial = values.get("serial_no")
    if serial is not None and (not isinstance(serial, int) or serial <= 0):
        errors["serial_no"] = "序号应为正整数"
    township = values.get("township_id")
    if (
        township is not None
        and township_units is not None
        and not blank("unit_id")
        and township_units.get(int(township)) != int(values["unit_id"])
    ):
        errors["township_id"] = "所选乡镇（街道）不属于所选县（市、区）"

    _check_dates(values, today, errors)
    _check_status_fields(values, errors)
    return errors


def _check_dates(values: Mapping[str, Any], today: dt.date, errors: dict[str, str]) -> None:
    def d(key: str) -> dt.date | None:
        v = values.get(key)
        return v if isinstance(v, dt.date) else None

    for key in ("discovered_on", "completed_on", "township_checked_on", "accepted_on",
                "closed_on"):  # fmt: skip
        v = d(key)
        if v and v > today:
            errors.setdefault(key, f"{FIELDS_BY_KEY[key].label}不能晚于今天（{today.isoformat()}）")
    discovered, deadline = d("discovered_on"), d("deadline")
    completed, checked = d("completed_on"), d("township_checked_on")
    accepted, closed = d("accepted_on"), d("closed_on")
    if discovered and deadline and deadline < discovered:
        errors.setdefault("deadline", "完成时限不能早于发现日期")
    if discovered and completed and completed < discovered:
        errors.setdefault("completed_on", "完成日期不能早于发现日期")
    if completed and checked and checked < completed:
        errors.setdefault("township_checked_on", "乡镇初验日期不能早于完成日期")
    if completed and accepted and accepted < completed:
        errors.setdefault("accepted_on", "验收日期不能早于完成日期")
    if checked and accepted and accepted < checked:
        errors.setdefault("accepted_on", "验收日期不能早于乡镇初验日期")
    if accepted and closed and closed < accepted:
        errors.setdefault("closed_on", "销号日期不能早于验收日期")


#: the fields a case must keep once it has reached a status
STATUS_REQUIRES: dict[CaseStatus, tuple[str, ...]] = {
    CaseStatus.COMPLETED: ("completed_on",),
    CaseStatus.ACCEPTED: ("completed_on", "accepted_on"),
    CaseStatus.CLOSED: ("completed_on", "accepted_on", "approved_by", "closed_on"),
}


def _check_status_fields(values: Mapping[str, Any], errors: dict[str, str]) -> None:
    status = CaseStatus.parse(str(values.get("status") or "")) or CaseStatus.PENDING
    for key in STATUS_REQUIRES.get(status, ()):
        v = values.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            errors.setdefault(
                key, f"状态为“{status.label}”的企业必须填写{FIELDS_BY_KEY[key].label}"
            )
    if status != CaseStatus.CLOSED and values.get("closed_on"):
        errors.setdefault("closed_on", "销号日期由“销号”操作填写；未销号的企业不能填写销号日期")


def raise_if_invalid(errors: Mapping[str, str]) -> None:
    """Raise :class:`ValidationError` naming every problem (the first field as ``field``)."""
    if not errors:
        return
    first = next(iter(errors))
    text = "；".join(f"{FIELDS_BY_KEY[k].label if k in FIELDS_BY_KEY else k}：{m}"
                     for k, m in errors.items())  # fmt: skip
    raise ValidationError(f"未保存，请修改以下内容：{text}。", field=first)
