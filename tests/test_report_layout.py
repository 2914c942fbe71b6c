"""The stage report on paper: one rounding rule, pages filled, a .docx a secretary signs."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn

from controllers.actor import SYSTEM
from controllers.report.generate import generate_report, prepare_report
from controllers.stats.rates import floor_rate, rate_text
from tests.conftest import DEMO_AS_OF
from tests.test_stats_fixture import AS_OF, build_world

MM = 72 / 25.4
PUNCTUATION = set("“”‘’，。、；：？！（）《》——……")


def test_one_rounding_rule_floors_and_never_shows_100_while_unfinished():
    assert rate_text(980 / 990) == "98.9%"  # 灵寿: the chart, the table and the text agree
    assert rate_text(999 / 1000) == "99.9%"
    assert rate_text(20426 / 20427) == "99.9%"
    assert rate_text(1.0) == "100.0%"
    assert rate_text(0.995) == "99.5%"  # binary noise does not drop a tenth
    assert rate_text(None) == "—"
    assert floor_rate(2 / 3) == 66.6


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_no_100_percent_in_a_hand_built_world_with_one_case_unfinished(database):
    from models.codes import CaseStatus
    from tests.factories import make_case

    with database.session() as s:
        build_world(s)
        for k in range(997):  # 1,000 and more cases of which a few are not finished
            make_case(s, status=CaseStatus.CLOSED, completed_on=dt.date(2026, 3, 12),
                      accepted_on=dt.date(2026, 3, 14), closed_on=dt.date(2026, 3, 20),
                      discovered_on=dt.date(2026, 3, 1), serial_no=10_000 + k)  # fmt: skip
        s.commit()
        report = prepare_report(s, SYSTEM, AS_OF)
    text = report.plain_text()
    assert "100.0%" not in text
    total = report.table_rows[-1]
    assert total[1] == "合计"
    assert int(total[5]) > 0  # unfinished cases …
    assert total[-1] != "100.0%"
    assert total[-1].startswith("99.")
    assert f"完成率{total[-1]}" in text  # the text says what the table says


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory, demo_sqlite_template):
    """The stage report of the living demo as PDF and .docx (a private database copy)."""
    from models.database import Database, make_engine

    folder = tmp_path_factory.mktemp("report_layout")
    db_path = folder / "demo.db"
    shutil.copy(demo_sqlite_template, db_path)
    db = Database.from_engine(make_engine(f"sqlite:///{db_path}"))
    try:
        with db.session() as s:
            pdf = generate_report(s, SYSTEM, folder / "report.pdf", as_of=DEMO_AS_OF)
            docx = generate_report(s, SYSTEM, folder / "report.docx", as_of=DEMO_AS_OF)
    finally:
        db.dispose()
    return pdf, docx


def _fill(page) -> float:
    """How far down the type area the page's content reaches (0..1)."""
    bottoms = [c["bottom"] for c in page.chars if c["bottom"] / MM < 37 + 225 + 1]
    bottoms += [i["bottom"] for i in page.images] + [r["bottom"] for r in page.rects]
    return (max(bottoms) / MM - 37) / 225


def test_report_pdf_fills_its_pages_and_repeats_the_table_header(demo_reports):
    pdf_path, _ = demo_reports
    with pdfplumber.open(pdf_path) as pdf:
        pages = pdf.pages
        assert len(pages) >= 3
        texts = [p.extract_text() or "" for p in pages]
        headings = re.compile(r"^[一二三四五六]、", re.M)
        for k, page in enumerate(pages[:-1]):
            section_ends_here = bool(headings.search(texts[k + 1].split("\n", 1)[0]))
            assert _fill(page) >= 0.7 or section_ends_here, (k + 1, _fill(page))
        # the table is split across pages, its header row on both
        with_table = [k for k, t in enumerate(texts) if "逾期未完成" in t]
        assert len(with_table) >= 2
        assert sum(t.count("合计") for t in texts) == 1
        assert sum(len(p.images) for p in pages) == 1  # the chart, once


def test_report_docx_has_heading_styles_chinese_language_and_east_asian_punctuation(demo_reports):
    _, docx_path = demo_reports
    doc = Document(str(docx_path))
    headings = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [p.text[:2] for p in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    style = doc.styles["Heading 1"]
    rfonts = style.element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "黑体"
    assert style.font.bold is False or style.font.bold is None
    # the document's language is zh-CN (defaults and every run)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "zh-CN"
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    checked = 0
    for p in doc.paragraphs:
        for run in p.runs:
            if not run.text:
                continue
            rpr = run._element.rPr
            assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
            if set(run.text) & PUNCTUATION:
                fonts = rpr.find(qn("w:rFonts"))
                east = fonts.get(qn("w:eastAsia"))
                assert fonts.get(qn("w:ascii")) == east == fonts.get(qn("w:hAnsi")), run.text
                assert fonts.get(qn("w:hint")) == "eastAsia"
                checked += 1
    assert checked > 20
    # the last body paragraph stays with the 署名 and date
    paras = [p for p in doc.paragraphs if p.text.strip()]
    assert paras[-1].text == "2026年11月30日"
    assert paras[-3].paragraph_format.keep_with_next is True


def _system_has_a_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
@pytest.mark.skipif(
    not _system_has_a_cjk_font(),
    reason="no CJK font for LibreOffice (.ci/run installs fonts-noto-cjk)",
)
def test_report_docx_converted_by_libreoffice_ends_with_body_text(demo_reports, tmp_path):
    _, docx_path = demo_reports
    profile = tmp_path / "lo_profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_path)],
        check=True, timeout=240, capture_output=True,
    )  # fmt: skip
    out = tmp_path / "report.pdf"
    with pdfplumber.open(out) as pdf:
        last = pdf.pages[-1].extract_text() or ""
        assert len(pdf.pages) >= 3
    lines = [
        ln.strip()
        for ln in last.splitlines()
        if ln.strip() and not re.fullmatch(r"[—\- 0-9]+", ln.strip())
    ]
    signature = {"石家庄市生态环境局", "2026年11月30日"}
    body = [ln for ln in lines if ln.replace(" ", "") not in signature]
    assert body, lines  # body text above the 署名 on the last page
    assert [ln.replace(" ", "") for ln in lines[-2:]] == ["石家庄市生态环境局", "2026年11月30日"]
