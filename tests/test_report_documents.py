"""The stage report written to .docx and PDF and read back: structure, figures, layout,
fonts, the embedded chart and table; the audit trail; bad input."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from controllers.actor import SYSTEM, Actor
from controllers.errors import ValidationError
from controllers.permissions import PermissionDenied
from controllers.report.chart_image import render_monthly_png
from controllers.report.fonts import chart_font
from controllers.report.generate import generate_report
from controllers.report.texts import ReportTexts
from controllers.stats import StatsFilter, monthly_series
from models import AuditEntry, Case
from models.codes import Role

D = dt.date
AS_OF = D(2026, 11, 29)
MM = 72 / 25.4


@pytest.fixture
def demo_docx(demo_db, tmp_path):
    with demo_db.session() as s:
        path = generate_report(s, SYSTEM, tmp_path / "报告.docx", AS_OF)
        s.commit()
    return path


@pytest.fixture
def demo_pdf(demo_db, tmp_path):
    with demo_db.session() as s:
        path = generate_report(s, SYSTEM, tmp_path / "报告.pdf", AS_OF)
        s.commit()
    return path


def test_docx_reads_back_with_the_figures(demo_docx, demo_db):
    doc = Document(str(demo_docx))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "石家庄市“散乱污”企业持续整治工作报告"
    headings = [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    body = "\n".join(texts)
    # the living demo: both lists, and the spot checks of the whole campaign so far
    assert "2024年清单18959家" in body
    assert re.search(r"2025年(清单|完成分类整治)1464家", body)
    assert re.search(r"共出动\d+个执法组，共出动执法人员\d+人次，检查企业（点位）数\d+个", body)
    assert texts[-1] == "2026年11月29日"
    assert texts[-2] == "石家庄市生态环境局"
    # the per-unit table, header first, 25 units and the total
    (table,) = doc.tables
    assert len(table.rows) == 27
    assert [c.text for c in table.rows[0].cells][:3] == ["序号", "县（市、区）", "清单企业"]
    with demo_db.session() as s:
        listed = s.scalar(select(func.count()).select_from(Case).where(Case.discovered_on <= AS_OF))
    assert [c.text for c in table.rows[-1].cells][1:3] == ["合计", str(listed)]
    # the monthly chart, at the width of the type area
    (shape,) = doc.inline_shapes
    assert abs(shape.width - Mm(156)) < Mm(0.5)
    # GB/T 9704 page and fonts
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5)
    assert abs(section.top_margin - Mm(37)) < Mm(0.5)
    assert abs(section.left_margin - Mm(28)) < Mm(0.5)
    heading_run = next(p for p in doc.paragraphs if p.text.startswith("一、")).runs[0]
    assert heading_run.font.size.pt == 16
    assert heading_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    body_run = doc.paragraphs[4].runs[0]
    assert body_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert doc.paragraphs[0].runs[0].font.size.pt == 22
    # page numbers: odd right, even left, a PAGE field
    assert doc.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for footer in (odd, even):
        xml = etree.tostring(footer._element, encoding="unicode")
        assert "PAGE" in xml
        assert footer.text.startswith("— ")
    assert doc.core_properties.title == texts[0]


def test_docx_package_is_well_formed(demo_docx):
    """What Word and WPS check first: a sound zip, well-formed parts, every target present."""
    with zipfile.ZipFile(demo_docx) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        assert "[Content_Types].xml" in names
        for name in names:
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # raises if malformed
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        for rel in rels:
            if rel.get("TargetMode") != "External":
                assert posixpath.normpath(posixpath.join("word", rel.get("Target"))) in names
        media = [n for n in names if n.startswith("word/media/")]
        assert len(media) == 1
        image = Image.open(io.BytesIO(z.read(media[0])))
        assert image.format == "PNG"
        assert round(image.info["dpi"][0]) == 300


def test_pdf_reads_back_in_the_official_layout(demo_pdf):
    reader = PdfReader(str(demo_pdf))
    assert len(reader.pages) >= 4
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 210 * MM) < 1
        assert abs(h - 297 * MM) < 1
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            parts = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for part in parts:
                descriptor = part["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor  # embedded TrueType (subset)
                fonts.add(str(font["/BaseFont"]))
    assert fonts
    with pdfplumber.open(demo_pdf) as pdf:
        first = pdf.pages[0]
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        title_chars = [c for c in first.chars if c["text"] == "石"]
        assert round(title_chars[0]["size"]) == 22
        body = [c for c in first.chars if c["text"] == "按"]
        assert round(body[0]["size"]) == 16
        assert min(c["x0"] for c in first.chars if round(c["size"]) == 16) >= 28 * MM - 1
        assert min(c["top"] for c in first.chars) >= 37 * MM - 2
        images = [im for p in pdf.pages for im in p.images]
        assert len(images) == 1
        assert abs(images[0]["x1"] - images[0]["x0"] - 156 * MM) < 2
    flat = text.replace("\n", "")
    for expected in ("18959", "1464", "共出动", "人次", "个执法组", "新增“散乱污”企业",
                     "表1", "图1", "五、意见建议", "六、下一步工作安排", "— 1 —"):  # fmt: skip
        assert expected in flat, expected


def test_reports_are_audited_and_need_export_permission(demo_db, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with demo_db.session() as s:
        generate_report(s, SYSTEM, tmp_path / "a.docx", AS_OF)
        s.commit()
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "export_report")).one()
        assert '"format": "docx"' in entry.detail
        with pytest.raises(PermissionDenied):
            generate_report(s, Actor(None, "admin", Role.ADMIN), tmp_path / "b.docx", AS_OF)
        with pytest.raises(ValidationError, match=r"\.pdf 或 \.docx"):
            generate_report(s, SYSTEM, tmp_path / "c.txt", AS_OF)
        with pytest.raises(ValidationError, match="文件夹不存在"):
            generate_report(s, SYSTEM, tmp_path / "nope" / "d.pdf", AS_OF)
    assert not (tmp_path / "b.docx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.docx"]  # no partial files left


def test_texts_given_by_the_clerk_go_into_both_documents(demo_db, tmp_path):
    texts = ReportTexts("意见<一>&“二”\x01", "安排第一段\n安排第二段")
    with demo_db.session() as s:
        docx_path = generate_report(s, SYSTEM, tmp_path / "t.docx", AS_OF, texts)
        s.commit()
        pdf_path = generate_report(s, SYSTEM, tmp_path / "t.pdf", AS_OF, texts)
        s.commit()
    paragraphs = [p.text for p in Document(str(docx_path)).paragraphs]
    assert "意见<一>&“二”" in paragraphs  # the control character is dropped, the rest kept
    assert "安排第一段" in paragraphs
    assert "安排第二段" in paragraphs
    with pdfplumber.open(pdf_path) as pdf:
        text = "".join((p.extract_text() or "") for p in pdf.pages).replace("\n", "")
    assert "意见<一>&“二”" in text


def test_chart_image_for_documents(demo_db):
    with demo_db.session() as s:
        series = monthly_series(s, SYSTEM, as_of=AS_OF)
    png = render_monthly_png(series, chart_font(), title="月度整治进展")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1843, round(1843 * 0.56))
    assert round(image.info["dpi"][0]) == 300
    assert len(image.convert("RGB").getcolors(1 << 24)) > 20  # bars, line, text: not blank
    with demo_db.session() as s:
        nothing = monthly_series(
            s, SYSTEM, StatsFilter(start=D(2020, 1, 1), end=D(2020, 3, 31)), AS_OF
        )
    assert nothing.found == [0, 0, 0]
    empty = Image.open(io.BytesIO(render_monthly_png(nothing, chart_font())))
    assert empty.size[0] == 1843
