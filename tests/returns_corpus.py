"""A corpus of county returns made the way county offices make them, each with what reading it
must give: the rows (by name), some of their values, the errors and the warnings.

Every return is a grid of cells (one list per sheet row) with its merged ranges, hidden rows
and columns and extra sheets, written as .xlsx (xlsxwriter), .xls (xlwt) or .ods (XML).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import xlsxwriter

Grid = list[list[Any]]
#: (first row, first col, last row, last col), 0-based, the value in the first cell
Merge = tuple[int, int, int, int]

TITLE = "灵寿县“散乱污”企业动态整治清单"
UNIT_LINE = "填报单位（盖章）：灵寿县人民政府　　　　填报日期：2026年5月20日"
HEADER = ["序号", "县（市、区）", "乡镇（街道）", "村（社区）", "企业名称", "业主/法人", "联系电话",
          "地址", "行业", "问题类型", "整治类型", "完成时限", "发现日期", "整治完成情况"]  # fmt: skip


def row(n: Any, name: str, **v: Any) -> list[Any]:
    """A data row under :data:`HEADER` (values by header, sensible defaults)."""
    values = {"序号": n, "县（市、区）": "灵寿县", "乡镇（街道）": "灵寿镇", "村（社区）": "东关村",
              "企业名称": name, "业主/法人": "王某", "联系电话": "13800000000",
              "地址": f"{name}所在地", "行业": "蛭石", "问题类型": "散、乱、污",
              "整治类型": "关停取缔", "完成时限": dt.date(2026, 6, 30),
              "发现日期": dt.date(2026, 5, 10), "整治完成情况": "已断电"} | v  # fmt: skip
    return [values.get(h) for h in HEADER]


@dataclass
class Return:
    """A return file to build and what reading it must give."""

    name: str
    grid: Grid
    merges: list[Merge] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_cols: list[int] = field(default_factory=list)
    extra_sheets: dict[str, Grid] = field(default_factory=dict)
    formats: tuple[str, ...] = ("xlsx",)
    names: list[str] = field(default_factory=list)
    #: name → {field key: value}
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (Excel row, column header, words in the message)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    #: (Excel row, the county's industry word)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)


def _cell_value(v: Any) -> Any:
    return dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v


def write_xlsx(path: Path, r: Return) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for sheet_name, grid, merges in (("清单", r.grid, r.merges),
                                     *((n, g, []) for n, g in r.extra_sheets.items())):  # fmt: skip
        ws = wb.add_worksheet(sheet_name)
        covered = {(a, b) for r0, c0, r1, c1 in merges
                   for a in range(r0, r1 + 1) for b in range(c0, c1 + 1)}  # fmt: skip
        for i, values in enumerate(grid):
            for c, v in enumerate(values):
                if v is None or v == "" or (i, c) in covered:
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(i, c, _cell_value(v), date_fmt)
                else:
                    ws.write(i, c, v)
        for r0, c0, r1, c1 in merges:
            v = grid[r0][c0]
            if isinstance(v, dt.date):
                ws.merge_range(r0, c0, r1, c1, "")
                ws.write_datetime(r0, c0, _cell_value(v), date_fmt)
            else:
                ws.merge_range(r0, c0, r1, c1, v)
        if sheet_name == "清单":
            for i in r.hidden_rows:
                ws.set_row(i, None, None, {"hidden": True})
            for c in r.hidden_cols:
                ws.set_column(c, c, None, None, {"hidden": True})
    wb.close()
    return path


def write_xls(path: Path, r: Return) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for sheet_name, grid, merges in (("清单", r.grid, r.merges),
                                     *((n, g, []) for n, g in r.extra_sheets.items())):  # fmt: skip
        ws = wb.add_sheet(sheet_name)
        starts = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in merges}
        covered = {(a, b) for r0, c0, r1, c1 in merges
                   for a in range(r0, r1 + 1) for b in range(c0, c1 + 1)}  # fmt: skip
        for i, values in enumerate(grid):
            for c, v in enumerate(values):
                if (i, c) in starts:
                    r1, c1 = starts[(i, c)]
                    style = date_style if isinstance(v, dt.date) else xlwt.Style.default_style
                    ws.write_merge(i, r1, c, c1, _cell_value(v), style)
                    continue
                if v is None or v == "" or (i, c) in covered:
                    continue
                if isinstance(v, dt.date):
                    ws.write(i, c, _cell_value(v), date_style)
                else:
                    ws.write(i, c, v)
    wb.save(str(path))
    return path


def write_ods(path: Path, r: Return) -> Path:
    def cell(v: Any, span: tuple[int, int] | None = None) -> str:
        attrs = ""
        if span:
            attrs = (f' table:number-rows-spanned="{span[0]}"'
                     f' table:number-columns-spanned="{span[1]}"')  # fmt: skip
        if v is None or v == "":
            return f"<table:table-cell{attrs}/>"
        if isinstance(v, dt.date):
            return (f'<table:table-cell{attrs} office:value-type="date" '
                    f'office:date-value="{v.isoformat()}"><text:p>{v.isoformat()}</text:p>'
                    "</table:table-cell>")  # fmt: skip
        if isinstance(v, int | float) and not isinstance(v, bool):
            return (f'<table:table-cell{attrs} office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")  # fmt: skip
        return (f'<table:table-cell{attrs} office:value-type="string"><text:p>{escape(str(v))}'
                "</text:p></table:table-cell>")  # fmt: skip

    tables = []
    for sheet_name, grid, merges in (("清单", r.grid, r.merges),
                                     *((n, g, []) for n, g in r.extra_sheets.items())):  # fmt: skip
        starts = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in merges}
        covered = {(a, b) for r0, c0, r1, c1 in merges
                   for a in range(r0, r1 + 1) for b in range(c0, c1 + 1)} - set(starts)  # fmt: skip
        body = []
        for i, values in enumerate(grid):
            cells = []
            for c, v in enumerate(values):
                if (i, c) in covered:
                    cells.append("<table:covered-table-cell/>")
                else:
                    cells.append(cell(v, starts.get((i, c))))
            body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        # LibreOffice pads every sheet with a million repeated empty rows
        body.append('<table:table-row table:number-rows-repeated="1048000">'
                    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')  # fmt: skip
        tables.append(f'<table:table table:name="{escape(sheet_name)}">' + "".join(body)
                      + "</table:table>")  # fmt: skip
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>" + "".join(tables)
        + "</office:spreadsheet></office:body></office:document-content>"
    )  # fmt: skip
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


WRITERS: dict[str, Callable[[Path, Return], Path]] = {
    "xlsx": write_xlsx, "xls": write_xls, "ods": write_ods,
}  # fmt: skip


def _head() -> Grid:
    return [[TITLE] + [None] * (len(HEADER) - 1), [UNIT_LINE] + [None] * (len(HEADER) - 1),
            list(HEADER)]  # fmt: skip


TITLE_MERGES: list[Merge] = [(0, 0, 0, len(HEADER) - 1)]
COL = {h: i for i, h in enumerate(HEADER)}


def corpus() -> list[Return]:
    """Every return of the corpus (data rows start on Excel row 4 unless a case says)."""
    out: list[Return] = []

    # 1. title and 填报单位 rows over a plain table
    out.append(Return("title_rows", [*_head(), row(1, "甲蛭石厂"), row(2, "乙铸造厂", 行业="铸造")],
                      TITLE_MERGES, formats=("xlsx", "xls", "ods"),
                      names=["甲蛭石厂", "乙铸造厂"]))  # fmt: skip

    # 2. merged 乡镇 over three rows, 村 over two — in every format
    g = [*_head(), row(1, "合村石材厂1", 乡镇="x"), row(2, "合村石材厂2"), row(3, "合村石材厂3"),
                   row(4, "合村石材厂4"), row(5, "合村石材厂5")]  # fmt: skip
    for i in range(3, 8):
        g[i][COL["乡镇（街道）"]] = "青同镇" if i < 6 else "塔上镇"
        g[i][COL["村（社区）"]] = "南关村" if i < 5 else "北关村"
    merges = [*TITLE_MERGES, (3, COL["乡镇（街道）"], 5, COL["乡镇（街道）"]),
              (6, COL["乡镇（街道）"], 7, COL["乡镇（街道）"]), (3, COL["村（社区）"], 4, COL["村（社区）"]),
              (5, COL["村（社区）"], 7, COL["村（社区）"])]  # fmt: skip
    names = [f"合村石材厂{i}" for i in range(1, 6)]
    values = {n: {"township": t, "village": v} for n, t, v in zip(
        names, ["青同镇"] * 3 + ["塔上镇"] * 2, ["南关村"] * 2 + ["北关村"] * 3, strict=True)}  # fmt: skip
    out.append(Return("merged_cells", g, merges, formats=("xlsx", "xls", "ods"), names=names,
                      values=values))  # fmt: skip

    # 3. a two-row header: 责任人 over 第一/直接/具体, the other headers merged down two rows
    top = ["序号", "企业名称", "地址", "业主/法人", "整治类型", "责任人", None, None]
    sub = [None, None, None, None, None, "第一责任人", "直接责任人", "具体责任人"]
    g = [[TITLE] + [None] * 7, top, sub, [1, "双表头厂", "灵寿镇1号", "赵", "提升改造", "李镇长",
                                          "张副镇长", "钱干事"]]  # fmt: skip
    merges = [(0, 0, 0, 7), (1, 5, 1, 7), *((1, c, 2, c) for c in range(5))]
    out.append(Return("two_row_header", g, merges, formats=("xlsx", "xls"), names=["双表头厂"],
                      values={"双表头厂": {"resp_first": "李镇长", "resp_direct": "张副镇长",
                                           "resp_specific": "钱干事"}}))  # fmt: skip

    # 4. signature footer lines under the table, in different columns
    g = [*_head(), row(1, "页脚前的厂")]
    g.append([None, "填表人：李某", None, None, "审核人：张某", None, "联系电话：0311-82345678"]
             + [None] * 7)  # fmt: skip
    g.append(["单位负责人：", "王某", None, None, "日期：2026年5月20日"] + [None] * 9)
    g.append(["注：本表一式两份，报市散乱污整治办。"] + [None] * 13)
    out.append(Return("footer_rows", g, TITLE_MERGES, formats=("xlsx", "ods"),
                      names=["页脚前的厂"]))  # fmt: skip

    # 5. a row of column numbers under the header
    g = _head()
    g.append(list(range(1, len(HEADER) + 1)))
    g += [row(1, "编号行下的厂")]
    out.append(Return("column_numbers", g, TITLE_MERGES, names=["编号行下的厂"]))

    # 6. subtotal rows per township and a 合计 at the bottom
    g = [*_head(), row(1, "小计前厂1"), row(2, "小计前厂2"), ["小计", None, None, None, 2] + [None] * 9,
                   row(3, "小计后厂3", 乡镇="青同镇"), ["合　计", None, None, None, "3家"] + [None] * 9]  # fmt: skip
    out.append(Return("subtotals", g, TITLE_MERGES, names=["小计前厂1", "小计前厂2", "小计后厂3"]))

    # 7. free-text industries: warnings, not errors
    g = [*_head(), row(1, "家具厂", 行业="家具喷漆"), row(2, "回收站", 行业="废旧物资回收"),
                   row(3, "蛭石加工点", 行业="蛭石加工")]  # fmt: skip
    out.append(Return("free_text_industries", g, TITLE_MERGES, names=["家具厂", "回收站", "蛭石加工点"],
                      warnings=[(4, "家具喷漆"), (5, "废旧物资回收")]))  # fmt: skip

    # 8. county 序号 with gaps, full-width digits and spaces
    g = [*_head(), row(1, "钱　多多废品站", 联系电话="１３９１１１１２２２２"),
                   row(3, "ＡＢ　石材厂"), row(7, "第三家")]  # fmt: skip
    g[4][0] = "３"
    out.append(Return("serials_fullwidth", g, TITLE_MERGES, names=["钱 多多废品站", "AB 石材厂", "第三家"],
                      values={"钱 多多废品站": {"phone": "13911112222", "serial_no": 1},
                              "AB 石材厂": {"serial_no": 3}}))  # fmt: skip

    # 9. dates in every form seen
    forms = [(45802, dt.date(2025, 5, 25)), ("2026年5月25日", dt.date(2026, 5, 25)),
             ("2026.5.25", dt.date(2026, 5, 25)), ("2026/5/25", dt.date(2026, 5, 25)),
             ("20260525", dt.date(2026, 5, 25)), ("5月25日", dt.date(2026, 5, 25)),
             ("2026-05-25 00:00:00", dt.date(2026, 5, 25)), ("２０２６年５月２５日", dt.date(2026, 5, 25)),
             (dt.date(2026, 5, 25), dt.date(2026, 5, 25))]  # fmt: skip
    g = [*_head(), *(row(i, f"日期厂{i}", 发现日期=f, 完成时限=dt.date(2026, 12, 31))
                     for i, (f, _d) in enumerate(forms, start=1))]  # fmt: skip
    out.append(Return("dates", g, TITLE_MERGES, names=[f"日期厂{i}" for i in range(1, 10)],
                      values={f"日期厂{i}": {"discovered_on": d}
                              for i, (_f, d) in enumerate(forms, start=1)}))  # fmt: skip

    # 10. hidden rows and columns hold data like any other
    g = [*_head(), row(1, "显示的厂"), row(2, "隐藏行的厂")]
    out.append(Return("hidden", g, TITLE_MERGES, hidden_rows=[4], hidden_cols=[COL["联系电话"]],
                      names=["显示的厂", "隐藏行的厂"],
                      values={"隐藏行的厂": {"phone": "13800000000"}}))  # fmt: skip

    # 11. a second sheet of notes is skipped
    notes = [["填表说明"], ["1. 企业名称填写营业执照全称；"], ["2. 整治类型只能填写三种之一。"]]
    out.append(Return("notes_sheet", [*_head(), row(1, "有说明页的厂")], TITLE_MERGES,
                      extra_sheets={"填表说明": notes}, formats=("xlsx", "ods"),
                      names=["有说明页的厂"], skipped_sheets=["填表说明"]))  # fmt: skip

    # 12. header synonyms of another county's layout
    g = [["单位名称", "具体位置", "法定代表人", "整治方式", "所属乡镇", "行业类别"],
         ["同义词厂", "灵寿镇西关", "周某", "搬迁入园", "慈峪镇", "石材加工"]]  # fmt: skip
    out.append(Return("synonyms", g, formats=("xlsx", "xls", "ods"), names=["同义词厂"],
                      values={"同义词厂": {"owner": "周某", "township": "慈峪镇"}}))  # fmt: skip

    # 13. the errors a row really has (and only those): no name and no address, an impossible
    # date, another unit's row
    g = [*_head(), row(1, None, 地址=None, 业主="孙某"), row(2, "日期错的厂", 发现日期="2026年2月30日"),
                   row(3, "新乐的厂", **{"县（市、区）": "新乐市"}), row(4, "正常的厂")]  # fmt: skip
    g[3][COL["企业名称"]] = None
    g[3][COL["地址"]] = None
    out.append(Return("row_errors", g, TITLE_MERGES,
                      names=["（无名称）王某", "日期错的厂", "新乐的厂", "正常的厂"],
                      errors=[(4, "企业名称", "缺少企业名称"), (5, "发现日期", "日期不存在"),
                              (6, "县（市、区）", "属于“新乐市”")]))  # fmt: skip

    # 14. blank rows between blocks and trailing spaces everywhere
    g = [*_head(), row(1, "  空行前的厂 "), [None] * len(HEADER), ["  "] * len(HEADER),
                   row(2, "空行后的厂\u3000")]  # fmt: skip
    out.append(Return("blank_rows", g, TITLE_MERGES, formats=("xlsx", "ods"),
                      names=["空行前的厂", "空行后的厂"]))  # fmt: skip

    # 15. the progress note as the register's export writes it: status, then the note
    g = [*_head(), row(1, "已销号的厂", 整治完成情况="已销号：已完成“两断三清”，依法取缔"),
                   row(2, "整治中的厂", 整治完成情况="整治中")]  # fmt: skip
    out.append(Return("status_prefix", g, TITLE_MERGES, names=["已销号的厂", "整治中的厂"],
                      values={"已销号的厂": {"progress_note": "已完成“两断三清”，依法取缔",
                                             "status": "closed"},
                              "整治中的厂": {"progress_note": None, "status": "in_progress"}}))  # fmt: skip
    return out


def cases() -> list[tuple[Return, str]]:
    """(return, format) pairs, for parametrising tests."""
    return [(r, fmt) for r in corpus() for fmt in r.formats]
