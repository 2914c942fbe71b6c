"""Find the header row of a county sheet and place each column on a register field.

Sheets start with merged title rows and a 填报单位 line; headers use many synonyms
(企业名称 / 单位名称 / 名称 / 企业（单位）名称 …) and sometimes two rows (责任人 over
第一责任人 / 直接责任人 / 具体责任人). Headers a clerk placed by hand are remembered per unit
(:class:`models.ReturnColumnMapping`) and win over the synonyms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from controllers.returns.fields import FIELDS_BY_KEY, IDENTITY_FIELDS

#: how many rows from the top of a sheet may hold the header
HEADER_SCAN_ROWS = 30
#: a header row places at least this many columns
MIN_HEADER_FIELDS = 3

#: field key → header texts seen in county sheets (the published header first)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "serial_no": ("序号", "编号", "序", "顺序号", "No", "No.", "NO"),
    "unit": ("县（市、区）", "县市区", "县（市）区", "县区", "区县", "所属县市区", "所在县市区",
             "县（市、区）名称", "所属县（市、区）", "责任单位", "属地", "县别"),
    "township": ("乡镇（街道）", "乡镇", "乡（镇）", "乡镇街道", "所属乡镇", "所在乡镇", "街道",
                 "乡镇（街道、园区）", "乡镇名称", "所属乡镇（街道）", "镇（乡、街道）"),
    "village": ("村（社区）", "村", "村庄", "村居", "社区", "所在村", "村名", "行政村", "村（居）",
                "所属村（社区）", "村（社区）名称", "村街"),
    "name": ("企业名称", "单位名称", "名称", "企业（单位）名称", "企业名", "企业或作坊名称",
             "散乱污企业名称", "企业（点位）名称", "点位名称", "作坊名称", "企业全称",
             "企业（作坊）名称", "企业（场所）名称", "企业（单位、作坊）名称"),
    "owner": ("业主/法人", "业主", "法人", "法定代表人", "负责人", "业主姓名", "法人代表",
              "经营者", "业主（法人）", "企业负责人", "业主或法人", "业主（负责人）", "业主姓名/法人"),
    "phone": ("联系电话", "电话", "联系方式", "手机", "手机号", "手机号码", "电话号码",
              "业主电话", "联系电话（手机）"),
    "address": ("地址", "企业地址", "详细地址", "具体地址", "所在地址", "位置", "具体位置",
                "地理位置", "经营地址", "生产地址", "所在位置", "坐落位置"),
    "industry": ("行业", "所属行业", "行业类别", "行业类型", "行业分类", "行业名称"),
    "main_products": ("主要产品", "产品", "主营产品", "产品名称", "主要产品（服务）",
                      "主要产品及规模", "生产产品"),
    "problem_types": ("问题类型", "问题类别", "散乱污类型", "问题类型（散乱污）",
                      "问题类型（散、乱、污）", "类型（散、乱、污）", "存在问题类型", "散乱污问题类型"),
    "pollution_types": ("污染类型", "污染物类型", "主要污染物", "污染因子", "污染类别",
                        "主要污染类型"),
    "classification": ("整治类型", "整治类别", "整治方式", "分类", "处置类型", "整治分类",
                       "分类整治类型", "整治方向", "整治类型（关停取缔、整合搬迁、提升改造）",
                       "处置方式", "分类处置"),
    "measures": ("整治措施", "整改措施", "整治内容", "措施", "具体措施", "整治要求",
                 "主要整治措施"),
    "deadline": ("完成时限", "整治时限", "完成期限", "整改时限", "时限", "整治期限",
                 "计划完成时间", "要求完成时间", "整改期限", "整治完成时限"),
    "resp_first": ("第一责任人", "第一责任人（乡镇长）", "乡镇第一责任人", "第一责任人姓名"),
    "resp_direct": ("直接责任人", "直接责任人（分管）", "直接责任人姓名"),
    "resp_specific": ("具体责任人", "包联责任人", "具体负责人", "包保责任人", "具体责任人姓名"),
    "source": ("发现来源", "来源", "线索来源", "发现途径", "问题来源", "发现方式", "问题线索来源"),
    "discovered_on": ("发现日期", "发现时间", "排查日期", "排查时间", "发现时间（日期）",
                      "排查发现时间"),
    "progress_note": ("整治完成情况", "完成情况", "整治情况", "整治进展", "进展情况", "整改情况",
                      "整治进度", "目前进展", "整治进展情况", "整改完成情况"),
    "accepted_on": ("验收日期", "验收时间", "县级验收日期"),
    "closed_on": ("销号日期", "销号时间"),
    "remark": ("备注", "说明", "其他"),
    "status": ("状态", "整治状态", "当前状态", "办理状态", "整改状态", "销号状态"),
    "batch": ("清单批次", "批次", "所属批次", "所属清单", "清单类别"),
    "completed_on": ("完成日期", "完成时间", "实际完成时间", "整治完成日期", "完成整治日期",
                     "实际完成日期", "整治完成时间"),
    "township_checked_on": ("乡镇初验日期", "初验日期", "乡镇验收日期", "乡镇初验时间"),
    "approved_by": ("销号审批人", "审批人", "销号批准人"),
}  # fmt: skip

#: header texts over several sub-columns (two-row headers); they place no column themselves
GROUP_HEADERS = (
    "责任人",
    "责任人员",
    "责任落实",
    "企业基本情况",
    "基本情况",
    "整治情况",
    "时间节点",
    "两断三清",
)

_SUFFIXES = ("必填", "选填", "必填项", "选填项")


def header_key(text: object) -> str:
    """A header's comparison key: width folded, lower case, no spaces, punctuation or marks."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    out = "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch)[0] in "PSZ"))
    for suffix in _SUFFIXES:
        if out.endswith(suffix) and len(out) > len(suffix):
            out = out[: -len(suffix)]
    return out


_PAREN = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


def _build_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key, texts in SYNONYMS.items():
        for text in (FIELDS_BY_KEY[key].header, *texts):
            index.setdefault(header_key(text), key)
    return index


SYNONYM_INDEX: dict[str, str] = _build_index()
GROUP_KEYS = frozenset(header_key(t) for t in GROUP_HEADERS)


def place_header(text: object, remembered: Mapping[str, str] | None = None) -> str | None:
    """The field a header names: a remembered mapping ('' = ignore), a synonym, or None."""
    key = header_key(text)
    if not key:
        return None
    if remembered and key in remembered:
        return remembered[key]
    found = SYNONYM_INDEX.get(key)
    if found is not None:
        return found
    # "企业名称（全称）", "完成时限(年月日)": drop bracketed notes and try again
    stripped = header_key(_PAREN.sub("", unicodedata.normalize("NFKC", str(text))))
    if stripped and stripped != key:
        return SYNONYM_INDEX.get(stripped)
    return None


@dataclass
class HeaderMatch:
    """Where a sheet's header is and what each column means."""

    row_index: int  # index (in the rows read) of the header row
    data_start: int  # index of the first data row
    columns: dict[int, str]  # 0-based position in the row → field key
    headers: dict[int, str]  # 0-based position → header text as the sheet shows it
    unplaced: list[tuple[int, str]]  # (position, header text) of columns nobody placed
    duplicates: list[tuple[int, str, str]]  # (position, header, field) placed twice; ignored

    def header_of(self, field_key: str) -> str | None:
        """The sheet's header text of a field's column, if the sheet has it."""
        for pos, key in self.columns.items():
            if key == field_key:
                return self.headers[pos]
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _placements(row: Sequence[Any], remembered: Mapping[str, str] | None) -> dict[int, str | None]:
    return {i: place_header(v, remembered) for i, v in enumerate(row) if _text(v)}


def _is_numbering_row(row: Sequence[Any]) -> bool:
    """A row of column numbers (1, 2, 3 …) under the header."""
    values = [_text(v) for v in row if _text(v)]
    return len(values) >= 3 and all(v.isdigit() for v in values) and values[:2] == ["1", "2"]


def find_header(
    rows: Sequence[Sequence[Any]], remembered: Mapping[str, str] | None = None
) -> HeaderMatch | None:
    """The header among the first rows of a sheet; None when the sheet has none."""
    best: tuple[int, int] | None = None  # (score, index)
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        placed = {k for k in _placements(row, remembered).values() if k}
        score = len(placed)
        good = score >= MIN_HEADER_FIELDS and placed & set(IDENTITY_FIELDS)
        if good and (best is None or score > best[0]):
            best = (score, index)
    if best is None:
        return None
    index = best[1]
    header_row = rows[index]
    columns: dict[int, str] = {}
    headers: dict[int, str] = {}
    unplaced: list[tuple[int, str]] = []
    duplicates: list[tuple[int, str, str]] = []
    groups: set[int] = set()

    def place(pos: int, text: str, key: str | None) -> None:
        if key is None:
            if header_key(text) in GROUP_KEYS:
                groups.add(pos)
            else:
                unplaced.append((pos, text))
            return
        if key == "":  # remembered as "ignore this column"
            return
        if key in columns.values():
            duplicates.append((pos, text, key))
            return
        columns[pos] = key
        headers[pos] = text

    for pos, key in _placements(header_row, remembered).items():
        place(pos, _text(header_row[pos]), key)
    data_start = index + 1
    # a second header row: sub-columns under a group header or under blank (merged) cells
    if data_start < len(rows):
        below = rows[data_start]
        sub = _placements(below, remembered)

        def under_group(pos: int) -> bool:
            return pos in groups or not _text(_cell(header_row, pos))

        new = {
            pos: key for pos, key in sub.items() if key and pos not in columns and under_group(pos)
        }
        if new and all(key is not None or under_group(pos) for pos, key in sub.items()):
            for pos, key in sub.items():
                if pos in columns:
                    continue
                place(pos, _text(below[pos]), key)
                groups.discard(pos)
            unplaced = [(p, t) for p, t in unplaced if p not in columns]
            data_start += 1
    if data_start < len(rows) and _is_numbering_row(rows[data_start]):
        data_start += 1
    return HeaderMatch(index, data_start, columns, headers, unplaced, duplicates)


def _cell(row: Sequence[Any], pos: int) -> Any:
    return row[pos] if pos < len(row) else None
