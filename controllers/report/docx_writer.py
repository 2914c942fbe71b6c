"""The stage report as an editable Word document (.docx) in the official-document layout.

python-docx writes plain WordprocessingML that Word and WPS open without repair: A4, margins
of GB/T 9704 (top 37 mm, binding 28 mm, type area 156 × 225 mm), 22 lines of 3号 仿宋 a page,
title 2号 小标宋, headings 黑体, page numbers "— 1 —" in 4号 宋体 (odd pages right, even left).
Figures are typed in as text, so the clerk edits wording, never retypes numbers.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from controllers.documents.fonts import FontRole
from controllers.report.content import StageReport
from controllers.report.fonts import word_font_name

#: font names written into the document (Word/WPS substitute an installed face if missing)
TITLE_FONT = word_font_name(FontRole.TITLE)  # 方正小标宋简体
HEADING_FONT = word_font_name(FontRole.HEADING1)  # 黑体
BODY_FONT = word_font_name(FontRole.BODY)  # 仿宋_GB2312
TABLE_FONT = BODY_FONT
PAGE_NUMBER_FONT = word_font_name(FontRole.PAGE_NUMBER)  # 宋体
LATIN_FONT = "Times New Roman"

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
CAPTION_PT = 14  # 4号
TABLE_PT = 10.5  # 5号
TABLE_HEADER_PT = 9  # 小5号
PAGE_NUMBER_PT = 14  # 4号
LINE_PT = 28.95  # 22 lines in the 225 mm type area

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Latin text (letters, digits, their punctuation) set in the Latin font; everything else —
#: Chinese, “”‘’, full-width punctuation, —— and …… — in the East Asian font
_LATIN = re.compile(r"[A-Za-z0-9 .,:;%/+\-()@&_=<>\[\]#*'\"!?]+")
LANGUAGE = "zh-CN"
#: the Word heading styles (标题 1/2/3) and the 公文 font of each
HEADING_STYLES = {1: FontRole.HEADING1, 2: FontRole.HEADING2, 3: FontRole.BODY}


def clean(text: str) -> str:
    """Text that XML can hold (control characters a clerk may paste are dropped)."""
    return _XML_INVALID.sub("", text)


def _fonts(
    run: Any, east_asia: str, size: float, *, bold: bool = False, latin: bool = True
) -> None:
    """Size, weight and fonts of a run: a Latin run in the Latin font, any other run in the
    East Asian font for every script (so “”‘’ and ——, which Word counts as Latin, are set in
    仿宋 and not in Times New Roman), with the East Asian hint and language."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    face = LATIN_FONT if latin else east_asia
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), face)
    rfonts.set(qn("w:eastAsia"), east_asia)
    if not latin:
        rfonts.set(qn("w:hint"), "eastAsia")
    _language(rpr)


def _language(rpr: Any) -> None:
    """``<w:lang w:val="zh-CN" w:eastAsia="zh-CN"/>`` on a run or style."""
    from docx.oxml.ns import qn

    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)


def add_text(p: Any, text: str, east_asia: str, size: float, *, bold: bool = False) -> None:
    """Text as runs: Latin pieces in the Latin font, the rest in the East Asian font."""
    text = clean(text)
    pos = 0
    for m in _LATIN.finditer(text):
        if m.start() > pos:
            _fonts(p.add_run(text[pos : m.start()]), east_asia, size, bold=bold, latin=False)
        _fonts(p.add_run(m.group()), east_asia, size, bold=bold, latin=True)
        pos = m.end()
    if pos < len(text):
        _fonts(p.add_run(text[pos:]), east_asia, size, bold=bold, latin=False)


def _paragraph(
    doc: Any,
    text: str,
    font: str,
    size: float,
    *,
    align: str = "justify",
    indent_chars: float = 2,
    bold: bool = False,
    exact: float | None = LINE_PT,
    right_indent_chars: float = 0,
    style: str | None = None,
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = doc.add_paragraph(style=style)
    fmt = p.paragraph_format
    fmt.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
    }[align]
    fmt.first_line_indent = Pt(size * indent_chars) if indent_chars else None
    if right_indent_chars:
        fmt.right_indent = Pt(BODY_PT * right_indent_chars)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(exact)
    if text:
        add_text(p, text, font, size, bold=bold)
    return p


def _page_number_footer(footer: Any, align: str) -> None:
    """ "— N —" with a PAGE field, in 4号 宋体."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
    if align == "right":
        p.paragraph_format.right_indent = Pt(PAGE_NUMBER_PT)  # 一字 from the edge
    else:
        p.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)

    def run(text: str = "") -> Any:
        r = p.add_run(text)
        _fonts(r, PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        return r

    run("— ")
    for kind, text in (
        ("begin", None),
        (None, " PAGE "),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        r = run()
        if kind:
            el = r._element.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
            r._element.append(el)
        elif text.strip() == "PAGE":
            el = r._element.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            el.text = text
            r._element.append(el)
        else:
            r.text = text
    run(" —")


#: column widths of the per-unit table (mm; 156 in all, the type area)
TABLE_WIDTHS_MM = [12, 28, 17, 20, 15, 15, 20, 13, 16]


def _table(doc: Any, report: StageReport) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    rows = [report.table_headers, *report.table_rows]
    table = doc.add_table(rows=len(rows), cols=len(report.table_headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for c, width in enumerate(TABLE_WIDTHS_MM):
        table.columns[c].width = Mm(width)
    for r, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        total_row = r == len(rows) - 1 and values[1] == "合计"
        # row.cells once per row: table.cell(r, c) walks the whole table each time
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = Mm(TABLE_WIDTHS_MM[c])
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt = p.paragraph_format
            fmt.first_line_indent = None
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(TABLE_PT * 1.5)
            if r == 0:
                add_text(p, value, HEADING_FONT, TABLE_HEADER_PT)
            else:
                add_text(p, value, TABLE_FONT, TABLE_PT, bold=total_row)
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(header.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))


def write_docx(
    report: StageReport, path: str | Path, chart_png: bytes | None, author: str = ""
) -> Path:
    """Write the report to ``path`` (.docx); returns the path."""
    from docx import Document
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.font.name = LATIN_FONT
    normal.element.get_or_add_rPr()
    _fonts_style(normal, BODY_FONT)
    _document_language(doc)
    _heading_styles(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(section.footer, "right")
    _page_number_footer(section.even_page_footer, "left")

    props = doc.core_properties
    props.title = clean(report.title)
    props.author = clean(author or report.issuer)
    props.subject = "“散乱污”企业持续整治阶段工作报告"

    _paragraph(doc, report.title, TITLE_FONT, TITLE_PT, align="center", indent_chars=0, exact=36)
    _paragraph(doc, report.subtitle, BODY_FONT, BODY_PT, align="center", indent_chars=0)
    _paragraph(doc, "", BODY_FONT, BODY_PT, indent_chars=0)
    last_body = None
    for sec in report.sections:
        _paragraph(doc, sec.heading, HEADING_FONT, BODY_PT, style="Heading 1")
        for text in sec.paragraphs:
            last_body = _paragraph(doc, text, BODY_FONT, BODY_PT)
        if sec.exhibits:
            if chart_png:
                p = _paragraph(
                    doc, "", BODY_FONT, BODY_PT, align="center", indent_chars=0, exact=None
                )
                p.add_run().add_picture(io.BytesIO(chart_png), width=Mm(156))
            _paragraph(
                doc, report.chart_title, HEADING_FONT, CAPTION_PT, align="center", indent_chars=0
            )
            _paragraph(
                doc, report.table_title, HEADING_FONT, CAPTION_PT, align="center", indent_chars=0
            )
            _table(doc, report)
            _paragraph(doc, "", BODY_FONT, BODY_PT, indent_chars=0)
    # GB/T 9704 §7.3.5.4: no page with the 署名 and date alone; the last body paragraph is
    # kept with them (Word and LibreOffice carry its last lines over with the signature)
    if last_body is not None:
        last_body.paragraph_format.keep_with_next = True
        last_body.paragraph_format.widow_control = True
    spacer = _paragraph(doc, "", BODY_FONT, BODY_PT, indent_chars=0)
    spacer.paragraph_format.keep_with_next = True
    issuer = _paragraph(
        doc, report.issuer, BODY_FONT, BODY_PT, align="right", indent_chars=0, right_indent_chars=4
    )
    issuer.paragraph_format.keep_with_next = True
    _paragraph(
        doc,
        report.date_line,
        BODY_FONT,
        BODY_PT,
        align="right",
        indent_chars=0,
        right_indent_chars=4,
    )
    path = Path(path)
    doc.save(str(path))
    return path


def _document_language(doc: Any) -> None:
    """The document's default language (docDefaults) zh-CN, for Latin and East Asian text."""
    from docx.oxml.ns import qn

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = styles.makeelement(qn("w:docDefaults"), {})
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = defaults.makeelement(qn("w:rPrDefault"), {})
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = rpr_default.makeelement(qn("w:rPr"), {})
        rpr_default.append(rpr)
    _language(rpr)


def _heading_styles(doc: Any) -> None:
    """标题 1/2/3 (Heading 1-3) in the 公文 fonts: 3号 黑体, 楷体, 仿宋; black, not bold,
    on the 22-line grid, so the navigation pane shows the report's outline."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    for level, role in HEADING_STYLES.items():
        style = doc.styles[f"Heading {level}"]
        style.font.size = Pt(BODY_PT)
        style.font.bold = level == 3
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        fmt = style.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PT)
        fmt.first_line_indent = Pt(BODY_PT * 2)
        fmt.keep_with_next = True
        _fonts_style(style, word_font_name(role))
        rfonts = style.element.get_or_add_rPr()
        from docx.oxml.ns import qn

        theme = [a for a in rfonts.find(qn("w:rFonts")).attrib if a.endswith("Theme")]
        for attr in theme:  # the template's theme fonts would win over the named ones
            del rfonts.find(qn("w:rFonts")).attrib[attr]


def _fonts_style(style: Any, east_asia: str) -> None:
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asia)
