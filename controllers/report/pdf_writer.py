"""The stage report as a PDF in the official-document layout (GB/T 9704, via
controllers.documents): title, sections, the monthly chart, the per-unit table, the issuer
and the date; fonts embedded."""

from __future__ import annotations

import io
from pathlib import Path

from controllers.documents.fonts import FontRole
from controllers.report.content import StageReport

TABLE_FONT_SIZE = 10.5  # 5号
TABLE_HEADER_SIZE = 9  # 小5号
#: column widths of the per-unit table (mm; 156 in all, the type area)
TABLE_WIDTHS_MM = [12, 28, 17, 20, 15, 15, 20, 13, 16]


def _caption_style(doc):
    from reportlab.lib.enums import TA_CENTER

    from controllers.documents.official import ParagraphKind

    size = doc.geometry.body_size
    return doc.reportlab_style(
        ParagraphKind.PLAIN,
        alignment=TA_CENTER,
        leading=doc.geometry.line_pitch,
        fontSize=size,
    )


def _chart(doc, chart_png: bytes, caption: str):
    """The chart image with its caption under it, kept on one page."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Paragraph, Table, TableStyle

    from controllers.documents.official import escape_markup

    width = doc.geometry.text_width
    w, h = ImageReader(io.BytesIO(chart_png)).getSize()
    image = Image(io.BytesIO(chart_png), width=width, height=width * h / w)
    table = Table(
        [[image], [Paragraph(escape_markup(caption), _caption_style(doc))]], colWidths=[width]
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), doc.font_name(FontRole.BODY)),  # no Helvetica
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _table(doc, report: StageReport):
    """The per-unit table: its title and header kept with the first rows, then bands of two
    rows (one grid line) flowing across pages, the header repeated on a continued page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    from controllers.documents.official import ParagraphKind, TableBlock, escape_markup

    pitch = doc.geometry.line_pitch
    head = doc.reportlab_style(
        "heading1",
        fontSize=TABLE_HEADER_SIZE,
        leading=TABLE_HEADER_SIZE * 1.3,
        alignment=TA_CENTER,
    )
    body = doc.reportlab_style(
        ParagraphKind.PLAIN,
        fontSize=TABLE_FONT_SIZE,
        leading=TABLE_FONT_SIZE * 1.2,
        alignment=TA_CENTER,
    )
    widths = [w * mm for w in TABLE_WIDTHS_MM]
    columns = len(report.table_headers)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), doc.font_name(FontRole.BODY)),  # no Helvetica
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    grid = [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]

    def header_row() -> list:
        return [Paragraph(escape_markup(h), head) for h in report.table_headers]

    title_cells = [Paragraph(escape_markup(report.table_title), _caption_style(doc))]
    first = Table(
        [title_cells + [""] * (columns - 1), header_row()],
        colWidths=widths,
        rowHeights=[pitch, pitch],
    )
    first.setStyle(
        TableStyle(
            [*style, ("SPAN", (0, 0), (-1, 0)), ("GRID", (0, 1), (-1, 1), 0.5, colors.black)]
        )
    )
    again = Table([header_row()], colWidths=widths, rowHeights=[pitch])
    again.setStyle(TableStyle(style + grid))
    bands = []
    rows = report.table_rows
    for start in range(0, len(rows), 2):
        pair = rows[start : start + 2]
        band = Table(
            [[Paragraph(escape_markup(v), body) for v in row] for row in pair],
            colWidths=widths,
            rowHeights=[pitch / 2] * len(pair),
        )
        band.setStyle(TableStyle(style + grid))
        bands.append(band)
    text = "\n".join(
        "\t".join(r) for r in [[report.table_title], report.table_headers, *report.table_rows]
    )
    return TableBlock(first, again, bands, text=text)


def write_pdf(
    report: StageReport, path: str | Path, chart_png: bytes | None, author: str = ""
) -> Path:
    """Write the report to ``path`` (.pdf); returns the path."""
    from controllers.documents.official import (
        BlankLines,
        FloatBlock,
        OfficialDocument,
        Paragraph,
        ParagraphKind,
        SignatureBlock,
        Signatures,
        Title,
    )

    doc = OfficialDocument(
        title=report.title,
        author=author or report.issuer,
        subject="“散乱污”企业持续整治阶段工作报告",
    )
    blocks: list = [
        Title(report.title, space_after_lines=0),
        Paragraph(report.subtitle, kind=ParagraphKind.PLAIN, align="center"),
        BlankLines(1),
    ]
    for section in report.sections:
        blocks.append(Paragraph(section.heading, kind=ParagraphKind.HEADING1))
        blocks += [Paragraph(text, kind=ParagraphKind.BODY) for text in section.paragraphs]
        if section.exhibits:
            if chart_png:
                blocks.append(FloatBlock(_chart(doc, chart_png, report.chart_title)))
            else:
                blocks.append(
                    Paragraph(report.chart_title, kind=ParagraphKind.PLAIN, align="center")
                )
            blocks += [_table(doc, report), BlankLines(1)]
    blocks.append(
        Signatures(
            [SignatureBlock(org=report.issuer, date=report.as_of, seal_note="")], seal_room_lines=1
        )
    )
    path = Path(path)
    doc.build([blocks], path)
    return path
