"""The blank return template: the standard columns, dropdowns for the coded columns, date
validation and an instructions sheet — so that units send what the import reads best."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.cases.columns import ColumnKind
from controllers.permissions import Permission, require
from controllers.returns.fields import RETURN_FIELDS, ReturnField
from controllers.returns.normalise import MAX_YEAR, MIN_YEAR
from models import Batch, CampaignStage, Industry, Township, Unit

TEMPLATE_SHEET = "上报清单"
LISTS_SHEET = "代码表"
HELP_SHEET = "填表说明"
HEADER_ROW = 2  # 0-based: title, 填报单位 line, then the header
DATA_ROWS = 5000  # rows prepared with validation

#: fields of the template (every published column and the status, batch and completion date)
TEMPLATE_KEYS = tuple(
    f.key for f in RETURN_FIELDS if f.key not in ("township_checked_on", "approved_by")
)
REQUIRED = ("name", "address", "owner", "classification")

PROBLEM_COMBOS = ["散", "乱", "污", "散、乱", "散、污", "乱、污", "散、乱、污"]


def _instructions(unit: Unit | None, stage: CampaignStage | None) -> list[str]:
    due = (
        f"，请于 {stage.deadline.year}年{stage.deadline.month}月{stage.deadline.day}日前报送"
        if stage and stage.deadline
        else ""
    )
    who = unit.name if unit else "各县（市、区）"
    return [
        "“散乱污”企业动态整治清单 上报模板 填表说明",
        "",
        f"1. 本表由{who}填报{due}；报送前须经本级政府主要负责同志签字确认，并在政府网站公示。",
        "2. 请在“上报清单”工作表第 4 行起逐行填写，每家企业（点位）一行；不要修改表头文字，不要插入合并单元格。",
        "3. 企业名称必填；没有名称的点位，须同时填写地址和业主/法人。",
        "4. 整治类型只能填：关停取缔、整合搬迁、提升改造（可从下拉列表选择）。新增企业必须填写。",
        "5. 问题类型填“散”“乱”“污”中的一项或多项，用顿号分隔，如“散、乱、污”。",
        "6. 污染类型填废气、废水、固废、噪声中的一项或多项，用顿号分隔。",
        "7. 日期请填写为日期格式，如 2026-05-25 或 2026年5月25日；完成时限不能早于发现日期。",
        "8. 发现来源、状态、行业、乡镇请从下拉列表选择；行业不在列表中的填“其他”。"
        "乡镇不在列表中的可直接填写，导入时会新建。",
        "9. 状态不填的按“待整治”处理；发现来源不填的按“自查”处理；清单批次不填的按“新增”处理。",
        "10. 表格末尾可以有“合计”行和填表人、审核人签字行，导入时会自动跳过。",
        "11. 同一企业只能出现一次（名称和地址相同即为同一企业）。",
        "",
        "必填列：" + "、".join(f.header for f in RETURN_FIELDS if f.key in REQUIRED),
    ]


def build_template(
    session: Session, unit_id: int | None = None, stage_id: int | None = None
) -> bytes:
    """The template workbook as bytes."""
    import xlsxwriter  # imported on first need
    from xlsxwriter.utility import xl_col_to_name

    unit = session.get(Unit, unit_id) if unit_id else None
    stage = session.get(CampaignStage, stage_id) if stage_id else None
    industries = list(
        session.scalars(select(Industry.name).order_by(Industry.sort_order, Industry.id))
    )
    batches = list(session.scalars(select(Batch.name).order_by(Batch.sort_order, Batch.id)))
    if "新增" not in batches:
        batches.append("新增")
    townships = (
        list(
            session.scalars(
                select(Township.name)
                .where(Township.unit_id == unit.id)
                .order_by(Township.sort_order)
            )
        )
        if unit
        else []
    )
    units = (
        [unit.name] if unit else list(session.scalars(select(Unit.name).order_by(Unit.sort_order)))
    )
    fields = [f for f in RETURN_FIELDS if f.key in TEMPLATE_KEYS]

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    title_fmt = wb.add_format(
        {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
    )
    info_fmt = wb.add_format({"font_size": 11})
    head_fmt = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                              "text_wrap": True, "bg_color": "#DDEBF7"})  # fmt: skip
    req_fmt = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                             "text_wrap": True, "bg_color": "#FCE4D6", "font_color": "#9C0006"})  # fmt: skip
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    text_fmt = wb.add_format({"num_format": "@"})

    ws = wb.add_worksheet(TEMPLATE_SHEET)
    lists = wb.add_worksheet(LISTS_SHEET)
    help_ws = wb.add_worksheet(HELP_SHEET)
    title = f"{unit.name if unit else '（县市区）'}“散乱污”企业动态整治清单"
    if stage is not None:
        title += f"（{stage.campaign.year}年{stage.name}）"
    last_col = len(fields) - 1
    ws.merge_range(0, 0, 0, last_col, title, title_fmt)
    ws.set_row(0, 30)
    ws.write(1, 0, f"填报单位（盖章）：{unit.name if unit else ''}", info_fmt)
    ws.write(1, max(last_col - 6, 1), "填报日期：        年    月    日", info_fmt)
    ws.set_row(HEADER_ROW, 36)
    choice_lists = {
        "classification": None, "source": None, "status": None,
        "industry": industries, "batch": batches, "township": townships, "unit": units,
        "problem_types": PROBLEM_COMBOS,
    }  # fmt: skip
    list_col = 0
    first, last = HEADER_ROW + 1, HEADER_ROW + DATA_ROWS
    for col, f in enumerate(fields):
        ws.write(HEADER_ROW, col, f.header, req_fmt if f.key in REQUIRED else head_fmt)
        width = max(len(f.header) * 2 + 2, _width(f))
        if f.kind == ColumnKind.DATE:
            ws.set_column(col, col, width, date_fmt)
            ws.data_validation(first, col, last, col, {
                "validate": "date", "criteria": "between",
                "minimum": dt.date(MIN_YEAR, 1, 1), "maximum": dt.date(MAX_YEAR, 12, 31),
                "error_title": "日期不正确", "error_message": "请填写日期，例如 2026-05-25。",
                "input_title": f.header, "input_message": "日期，如 2026-05-25",
            })  # fmt: skip
            continue
        ws.set_column(col, col, width, text_fmt if f.key in ("phone", "name", "address") else None)
        values = (
            _choices(f)
            if f.key in choice_lists and choice_lists[f.key] is None
            else choice_lists.get(f.key)
        )
        if values:
            lists.write(0, list_col, f.header, head_fmt)
            for i, v in enumerate(values, start=1):
                lists.write(i, list_col, v)
            letter = xl_col_to_name(list_col)
            source = f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
            strict = f.key not in ("township", "batch")
            ws.data_validation(first, col, last, col, {
                "validate": "list", "source": source,
                "error_type": "stop" if strict else "information",
                "error_title": f"{f.header}不正确",
                "error_message": f"请从下拉列表中选择{f.header}。" if strict
                else f"不在列表中的{f.header}将在导入时新建。",
                "input_title": f.header,
                "input_message": "从下拉列表选择" if strict else "从下拉列表选择或直接填写",
            })  # fmt: skip
            lists.set_column(list_col, list_col, max(len(f.header) * 2 + 2, 14))
            list_col += 1
        elif f.kind == ColumnKind.CODES:
            ws.data_validation(first, col, last, col, {
                "validate": "any", "input_title": f.header,
                "input_message": "一项或多项，用顿号分隔：" + "、".join(m.label for m in f.enum or ()),
            })  # fmt: skip
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW, last_col)
    lists.hide()
    help_ws.set_column(0, 0, 110)
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    for i, line in enumerate(_instructions(unit, stage)):
        help_ws.write(i, 0, line, title_fmt if i == 0 else wrap)
    ws.activate()
    wb.close()
    return buf.getvalue()


def _choices(f: ReturnField) -> list[str]:
    return [m.label for m in f.enum] if f.enum is not None else []


def _width(f: ReturnField) -> int:
    return {"name": 28, "address": 28, "measures": 30, "progress_note": 24, "remark": 20,
            "phone": 14}.get(f.key, 12)  # fmt: skip


def export_template(
    session: Session, actor: Actor, target: str | Path, unit_id: int | None = None,
    stage_id: int | None = None,
) -> Path:  # fmt: skip
    """Write the blank template to ``target`` (audited as an export)."""
    require(actor, Permission.EXPORT, unit_id)
    path = Path(target)
    path.write_bytes(build_template(session, unit_id, stage_id))
    record(
        session,
        actor,
        "export",
        "return_template",
        unit_id,
        detail={"to": path.name, "stage_id": stage_id},
    )
    return path
