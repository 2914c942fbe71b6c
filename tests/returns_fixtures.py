"""Builders of county return files for the tests: real workbooks in every format and mess."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import xlsxwriter

STANDARD_HEADERS = [
    "序号", "县（市、区）", "乡镇（街道）", "村（社区）", "企业名称", "业主/法人", "联系电话", "地址",
    "行业", "主要产品", "问题类型", "污染类型", "整治类型", "整治措施", "完成时限", "第一责任人",
    "直接责任人", "具体责任人", "发现来源", "发现日期", "整治完成情况", "验收日期", "销号日期", "备注",
]  # fmt: skip


def standard_row(n: int, **overrides: Any) -> dict[str, Any]:
    """A complete, valid row of 灵寿县 keyed by the published headers."""
    row: dict[str, Any] = {
        "序号": n, "县（市、区）": "灵寿县", "乡镇（街道）": "灵寿镇", "村（社区）": "东关村",
        "企业名称": f"灵寿县东关村蛭石加工厂{n}", "业主/法人": f"王建{n}", "联系电话": f"1380000{n:04d}",
        "地址": f"灵寿镇东关村{n}号", "行业": "蛭石", "主要产品": "膨胀蛭石", "问题类型": "散、乱、污",
        "污染类型": "废气", "整治类型": "关停取缔", "整治措施": "断水断电，清除原料、产品和设备",
        "完成时限": dt.date(2026, 6, 30), "第一责任人": "李镇长", "直接责任人": "张副镇长",
        "具体责任人": "赵干事", "发现来源": "自查", "发现日期": dt.date(2026, 5, 10),
        "整治完成情况": "", "验收日期": None, "销号日期": None, "备注": "",
    }  # fmt: skip
    row.update(overrides)
    return row


def _cells(rows: Sequence[dict[str, Any]], headers: Sequence[str]) -> list[list[Any]]:
    return [[r.get(h) for h in headers] for r in rows]


def write_xlsx(
    path: Path,
    rows: Sequence[dict[str, Any]],
    headers: Sequence[str] = STANDARD_HEADERS,
    *,
    title: str | None = "灵寿县“散乱污”企业动态整治清单",
    sheet: str = "清单",
) -> Path:
    """A plain workbook: merged title, 填报单位 line, header, rows (dates as date cells)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    if title:
        ws.merge_range(0, 0, 0, len(headers) - 1, title)
        ws.write(1, 0, "填报单位：灵寿县生态环境分局")
        r = 2
    ws.write_row(r, 0, list(headers))
    for i, values in enumerate(_cells(rows, headers), start=r + 1):
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, dt.date):
                ws.write_datetime(i, c, dt.datetime.combine(v, dt.time()), date_fmt)
            else:
                ws.write(i, c, v)
    wb.close()
    return path


def write_xls(
    path: Path, rows: Sequence[dict[str, Any]], headers: Sequence[str] = STANDARD_HEADERS
) -> Path:
    """A legacy .xls (BIFF8) written by xlwt."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("清单")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write_merge(0, 0, 0, len(headers) - 1, "灵寿县“散乱污”企业动态整治清单")
    ws.write(1, 0, "填报单位：灵寿县生态环境分局")
    for c, h in enumerate(headers):
        ws.write(2, c, h)
    for i, values in enumerate(_cells(rows, headers), start=3):
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if isinstance(v, dt.date):
                ws.write(i, c, dt.datetime.combine(v, dt.time()), date_style)
            else:
                ws.write(i, c, v)
    wb.save(str(path))
    return path


def write_ods(path: Path, rows: Sequence[dict[str, Any]], headers: Sequence[str] = STANDARD_HEADERS,
              *, encrypted: bool = False) -> Path:  # fmt: skip
    """An OpenDocument spreadsheet (WPS/LibreOffice), written as its XML parts."""

    def cell(v: Any) -> str:
        if v is None or v == "":
            return "<table:table-cell/>"
        if isinstance(v, dt.date):
            return (f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                    f"<text:p>{v.isoformat()}</text:p></table:table-cell>")  # fmt: skip
        if isinstance(v, int | float) and not isinstance(v, bool):
            return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")  # fmt: skip
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'

    body = ['<table:table-row><table:table-cell table:number-columns-spanned="5" '
            'office:value-type="string"><text:p>灵寿县“散乱污”企业动态整治清单</text:p></table:table-cell>'
            "</table:table-row>",
            "<table:table-row>" + cell("填报单位：灵寿县") + "</table:table-row>",
            "<table:table-row>" + "".join(cell(h) for h in headers) + "</table:table-row>"]  # fmt: skip
    body += ["<table:table-row>" + "".join(cell(v) for v in vals) + "</table:table-row>"
             for vals in _cells(rows, headers)]  # fmt: skip
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="清单">'
        + "".join(body)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    enc = '<manifest:encryption-data manifest:checksum-type="SHA1"/>' if encrypted else ""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{enc}'
        "</manifest:file-entry></manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_csv(path: Path, rows: Sequence[dict[str, Any]], encoding: str = "utf-8",
              headers: Sequence[str] = STANDARD_HEADERS, delimiter: str = ",") -> Path:  # fmt: skip
    """CSV as a county office saves it: dates as text, in UTF-8 (±BOM), GBK, GB18030 or UTF-16."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(headers)
    for vals in _cells(rows, headers):
        writer.writerow(["" if v is None else (f"{v.year}年{v.month}月{v.day}日" if isinstance(v, dt.date) else v)
                         for v in vals])  # fmt: skip
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsm(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """A macro-enabled workbook (.xlsm) written by openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "清单"
    ws.append(STANDARD_HEADERS)
    for vals in _cells(rows, STANDARD_HEADERS):
        ws.append(vals)
    wb.save(path)
    return path


def make_stage(session, year: int = 2026):
    """A campaign with its three stages; returns the 全面自查 stage (deadline 5月25日)."""
    from models import Campaign, CampaignStage
    from models.codes import StageKind

    camp = Campaign(name=f"{year}年“散乱污”企业持续排查整治专项行动", year=year)
    stages = [
        CampaignStage(kind=StageKind.MOBILISE, name="动员部署", sort_order=1,
                      deadline=dt.date(year, 4, 30)),
        CampaignStage(kind=StageKind.SELF_INSPECTION, name="全面自查", sort_order=2,
                      deadline=dt.date(year, 5, 25)),
        CampaignStage(kind=StageKind.ACCOUNTABILITY, name="排查问责", sort_order=3,
                      deadline=dt.date(year, 12, 31)),
    ]  # fmt: skip
    camp.stages.extend(stages)
    session.add(camp)
    session.flush()
    return stages[1]


def excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def make_actor(session, role, unit_id: int | None = None, name: str | None = None):
    """A real account and the Actor acting for it (audit entries point at users)."""
    from controllers.actor import Actor
    from models import User

    username = name or f"{role.value}-{unit_id or 'city'}"
    user = User(username=username, display_name=f"{role.label}{unit_id or ''}", role=role,
                unit_id=unit_id)  # fmt: skip
    session.add(user)
    session.flush()
    return Actor(user.id, user.username, role, unit_id=unit_id, display_name=user.display_name)
