"""Cell values of a county sheet to register values.

Spaces are trimmed and folded, full-width digits and letters become half-width, dates may be
date cells, Excel serial numbers or text in the usual Chinese forms, and coded columns accept
the labels and aliases of :mod:`models.codes`. A bad value raises :class:`CellError` with the
Chinese message the clerk sees.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from models.codes import CaseStatus, CodedEnum, PollutionType, ProblemType


class CellError(ValueError):
    """A cell's value cannot be used; ``str()`` is the Chinese message for the clerk."""


EXCEL_EPOCH = dt.date(1899, 12, 30)
MIN_YEAR, MAX_YEAR = 2000, 2100
MIN_SERIAL = (dt.date(MIN_YEAR, 1, 1) - EXCEL_EPOCH).days
MAX_SERIAL = (dt.date(MAX_YEAR, 12, 31) - EXCEL_EPOCH).days

_fold = unicodedata.normalize


def fold(text: str) -> str:
    """Full-width to half-width and every run of spaces (ideographic ones too) to one space."""
    if not text.isascii():
        text = _fold("NFKC", text)
    return " ".join(text.split())


#: full-width digits and Latin letters to half-width; punctuation is left as written
WIDE_ALNUM_TABLE = (
    {0xFF10 + i: 0x30 + i for i in range(10)}
    | {0xFF21 + i: 0x41 + i for i in range(26)}
    | {0xFF41 + i: 0x61 + i for i in range(26)}
)


#: a full-width digit or Latin letter (most text has none: translate only then)
WIDE_ALNUM = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def fold_text(text: str) -> str:
    """A free-text cell as the register keeps it: full-width digits and letters half-width,
    every run of spaces (ideographic ones too) one space, Chinese punctuation kept
    (“两断三清”，依法取缔 stays as written)."""
    if not text.isascii() and WIDE_ALNUM.search(text):
        text = text.translate(WIDE_ALNUM_TABLE)
    return " ".join(text.split())


def to_text(value: Any) -> str | None:
    """A cell as clean text; numbers without a needless '.0' (phone numbers, serials)."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value:
            return None
        text = fold(value)
        return text or None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return fold(str(value)) or None


def to_int(value: Any) -> int | None:
    """序号: a whole number, or None when the cell is not one (the serial is informative)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**31 else None
    text = to_text(value)
    if text and text.isdigit() and len(text) < 10:
        return int(text)
    return None


_YMD = re.compile(
    r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:前|之前|以前)?$"
)
_MD = re.compile(r"^(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?\s*(?:前|之前|以前)?$")
_YM_END = re.compile(
    r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*月?\s*(?:底|末|月底|月末)\s*(?:前|之前|以前)?$"
)
_M_END = re.compile(r"^(\d{1,2})\s*月\s*(?:底|末)\s*(?:前|之前|以前)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_NON_DIGITS = re.compile(r"\D+")

DATE_HINT = "请写成 2026-05-25 或 2026年5月25日"


def _make_date(year: int, month: int, day: int, original: str) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CellError(f"日期“{original}”的年份不合理（应在 {MIN_YEAR}—{MAX_YEAR} 年之间）")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(f"日期不存在：“{original}”（{year}年没有{month}月{day}日）") from None


def _from_serial(serial: float, original: str) -> dt.date:
    if not MIN_SERIAL <= serial <= MAX_SERIAL:
        raise CellError(f"无法识别的日期“{original}”，{DATE_HINT}")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def to_date(value: Any, default_year: int | None) -> dt.date | None:
    """A date from a date cell, an Excel serial or text; "5月25日" takes ``default_year``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise CellError(
                f"日期“{value.isoformat()}”的年份不合理（应在 {MIN_YEAR}—{MAX_YEAR} 年之间）"
            )
        return value
    if isinstance(value, bool):
        raise CellError(f"无法识别的日期“{to_text(value)}”，{DATE_HINT}")
    if isinstance(value, int | float):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return to_date(str(int(value)), default_year)
        return _from_serial(float(value), to_text(value) or "")
    if isinstance(value, dt.time | dt.timedelta):
        raise CellError(f"无法识别的日期“{value}”，{DATE_HINT}")
    text = fold(str(value))
    if not text:
        return None
    if m := _YMD.match(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _COMPACT.match(text):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _MD.match(text):
        if default_year is None:
            raise CellError(f"日期“{text}”没有年份，{DATE_HINT}")
        return _make_date(default_year, int(m[1]), int(m[2]), text)
    if m := _YM_END.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise CellError(f"日期不存在：“{text}”")
        return _make_date(year, month, calendar.monthrange(year, month)[1], text)
    if m := _M_END.match(text):
        if default_year is None:
            raise CellError(f"日期“{text}”没有年份，{DATE_HINT}")
        month = int(m[1])
        if not 1 <= month <= 12:
            raise CellError(f"日期不存在：“{text}”")
        return _make_date(default_year, month, calendar.monthrange(default_year, month)[1], text)
    if _SERIAL.match(text):
        return _from_serial(float(text), text)
    raise CellError(f"无法识别的日期“{text}”，{DATE_HINT}")


def to_code(value: Any, enum_cls: type[CodedEnum], header: str) -> CodedEnum | None:
    """One coded value from its code, label or alias ("关停取缔类" is read as 关停取缔)."""
    text = to_text(value)
    if text is None:
        return None
    found = enum_cls.parse(text)
    if found is None and len(text) > 1 and text.endswith("类"):
        found = enum_cls.parse(text[:-1])
    if found is None:
        choices = "、".join(m.label for m in enum_cls)
        raise CellError(f"无法识别的{header}“{text}”，应为：{choices}")
    return found


_SEPARATORS = re.compile(r"[、,，;；/／\s|+＋和及]+")


def to_codes(value: Any, enum_cls: type[CodedEnum], header: str) -> str | None:
    """Several coded values ("散、乱、污", "散乱污", "废气,废水") as the stored code string."""
    text = to_text(value)
    if text is None:
        return None
    parts = [p for p in _SEPARATORS.split(text) if p]
    found: set[CodedEnum] = set()
    for part in parts:
        member = enum_cls.parse(part)
        if member is not None:
            found.add(member)
            continue
        if enum_cls in (ProblemType, PollutionType):
            singles = [enum_cls.parse(ch) for ch in part]
            if all(singles):
                found.update(m for m in singles if m is not None)
                continue
        choices = "、".join(m.label for m in enum_cls)
        raise CellError(f"无法识别的{header}“{part}”，应为以下一项或多项：{choices}")
    if not found:
        return None
    return ",".join(m.value for m in enum_cls if m in found)


_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数")
_FOOTER_WORDS = ("填表人", "填报人", "制表人", "制表", "审核人", "审核", "负责人签字", "签字",
                 "联系人", "联系电话", "电话", "注：", "注:", "说明：", "说明:", "备注：", "备注:",
                 "单位负责人", "主要负责人", "分管领导", "主管领导", "填报日期", "填表日期",
                 "填报时间", "报送日期", "日期", "单位（盖章）", "单位(盖章)", "盖章")  # fmt: skip
#: a footer item: a short label and a colon ("审核人：张某", "日期:2026年5月20日")
_FOOTER_ITEM = re.compile(r"^[^:：]{1,10}[:：]")


def is_blank(row: list[Any]) -> bool:
    """True when every cell is empty or only spaces."""
    for v in row:
        if v is None or v == "":
            continue
        if isinstance(v, str) and not v.strip():
            continue
        return False
    return True


def _first_texts(row: list[Any], n: int) -> list[str]:
    out: list[str] = []
    for v in row:
        text = to_text(v)
        if text:
            out.append(text.replace(" ", ""))
            if len(out) == n:
                break
    return out


def is_total_row(row: list[Any]) -> bool:
    """A 合计/总计/小计 row (its first filled cell starts with such a word)."""
    texts = _first_texts(row, 1)
    return bool(texts) and texts[0].startswith(_TOTAL_WORDS)


def is_footer_row(row: list[Any]) -> bool:
    """A signature or note line under the table (填表人：李某 | 审核人：张某 | 联系电话：…, 注：…),
    wherever its items sit: its first filled cell is a footer label, and every other filled
    cell is a footer label, a "label：value" item, or a date or phone number."""
    first = next((v for v in row if v is not None and v != ""), None)
    if not isinstance(first, str) or not fold(first).replace(" ", "").startswith(_FOOTER_WORDS):
        return False  # (a data row starts with its 序号 or its unit: decided without more work)
    texts = _first_texts(row, len(row))
    if texts[0].startswith(("注", "说明", "备注")):
        return True
    for text in texts[1:]:
        if text.startswith(_FOOTER_WORDS) or _FOOTER_ITEM.match(text):
            continue
        if len(text) <= 20 and not any("\u4e00" <= ch <= "\u9fff" for ch in text):
            continue  # a date or a phone number under its label
        if len(text) <= 4:
            continue  # a name written in the cell after its label ("填表人：" | "李某")
        return False
    return True


def digits(text: str | None) -> str:
    """Only the digits of a phone number (for matching)."""
    if not text:
        return ""
    if text.isdigit():
        return text
    return _NON_DIGITS.sub("", text)


def digits_of(texts: Sequence[str | None]) -> list[str]:
    """:func:`digits` of every text of a column: the texts themselves when all are digits
    (the usual phone column), seen on the column joined into one string."""
    filled = [t for t in texts if t]
    if not (filled and _ONLY_STR.issuperset(map(type, filled)) and "".join(filled).isdigit()):
        return list(map(digits, texts))
    return [t or "" for t in texts] if len(filled) < len(texts) else list(texts)  # type: ignore[misc]


_ONLY_STR = frozenset((str,))


_STATUS_PREFIX = re.compile(r"^([^:：]{2,8})\s*[:：]\s*")


def split_status_prefix(note: str | None) -> tuple[CaseStatus | None, str | None]:
    """整治完成情况 as the register's own export writes it — the status, then the progress note
    ("已销号：已完成“两断三清”，依法取缔", or "已销号" alone) — split into (status, note).
    A note without such a prefix is returned as it is."""
    if not note:
        return None, note
    status = CaseStatus.parse(note)
    if status is not None:
        return status, None
    m = _STATUS_PREFIX.match(note)
    if m:
        status = CaseStatus.parse(m[1])
        if status is not None:
            return status, note[m.end() :] or None
    return None, note
