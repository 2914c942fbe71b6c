"""The GB/T 9704 page, read back from the PDF it writes (pdfplumber / pypdf)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

import pdfplumber
import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table

from controllers.documents.fonts import bundled_font_set
from controllers.documents.official import (
    GBT9704,
    BlankLines,
    OfficialDocument,
    PageBreak,
    Paragraph,
    ParagraphKind,
    SignatureBlock,
    Signatures,
    Title,
    classify,
    escape_markup,
    format_date,
    paragraphs,
)

MM = 72 / 25.4
LONG = (
    "按照市委市政府统一安排部署，散乱污企业整治工作从二〇二四年开始，已经持续开展了两年，"
    "各县市区按照关停取缔、提升改造、整合搬迁分类施策，全面彻底的开展排查整治，"
    "基本实现动态清零，为我市大气环境质量持续改善发挥了重要作用。"
)


def lines_of(page) -> list[list[dict]]:
    """Characters grouped into text lines by their baseline (a line may mix the serif face
    and the fallback face, whose boxes differ), top to bottom, left to right."""
    rows: dict[float, list[dict]] = defaultdict(list)
    for c in page.chars:
        rows[round(c["matrix"][5], 1)].append(c)
    return [sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows, reverse=True)]


def text(line: list[dict]) -> str:
    return "".join(c["text"] for c in line)


def dash_line_mm(pdf_path, page_index: int, foot: list[dict]) -> float:
    """Distance from the type area's bottom edge down to the middle of the first dash's ink,
    read from the page rendered at 600 dpi."""
    import pypdfium2

    scale = 600 / 72
    doc = pypdfium2.PdfDocument(str(pdf_path))
    try:
        image = doc[page_index].render(scale=scale).to_pil().convert("L")
    finally:
        doc.close()
    dash = foot[0]
    x0, x1 = int(dash["x0"] * scale) + 2, int(dash["x1"] * scale) - 2
    y0, y1 = int((dash["top"] - 4) * scale), int((dash["bottom"] + 4) * scale)
    rows = [y for y in range(y0, y1) if any(image.getpixel((x, y)) < 128 for x in range(x0, x1))]
    assert rows, "no dash drawn"
    middle = (rows[0] + rows[-1] + 1) / 2 / scale
    return middle / MM - (37 + 225)


@pytest.fixture(scope="module")
def fonts():
    return bundled_font_set()


def build(tmp_path, blocks, fonts, name="doc.pdf", **kw):
    out = tmp_path / name
    result = OfficialDocument(fonts, title="测试").build([blocks], out, **kw)
    return out, result


def test_page_margins_type_area_and_sizes(tmp_path, fonts):
    out, result = build(tmp_path, [Title("关于开展专项行动的通知"), *paragraphs([LONG] * 6)], fonts)
    assert result.pages == 2
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        assert page.width == pytest.approx(595.28, abs=0.1)  # A4
        assert page.height == pytest.approx(841.89, abs=0.1)
        lines = lines_of(page)
        body_lines = [ln for ln in lines if ln[0]["size"] == 16 and ln[0]["top"] < 262 * MM]
        title = lines[0]
        assert {c["size"] for c in title} == {22}
        assert title[0]["top"] / MM == pytest.approx(37, abs=1)  # top margin
        centre = (title[0]["x0"] + title[-1]["x1"]) / 2
        assert centre / MM == pytest.approx(28 + 156 / 2, abs=1)  # centred in the type area
        # 22 lines a page: title, blank line, 20 body lines
        assert len(body_lines) == 20
        assert body_lines[-1][0]["bottom"] / MM <= 37 + 225 + 0.5
        pitch = (body_lines[1][0]["top"] - body_lines[0][0]["top"]) / MM
        assert pitch == pytest.approx(225 / 22, abs=0.05)
        # body: 16 pt, continuation lines start at the left margin and fill 156 mm
        # a full line is one the paragraph continues after (the next line is not indented)
        full = [
            ln for ln, nxt in itertools.pairwise(body_lines)
            if nxt[0]["x0"] / MM < 29
        ]  # fmt: skip
        assert len(full) == 15
        for ln in full:
            assert {c["size"] for c in ln} == {16}
            assert ln[-1]["x1"] / MM == pytest.approx(28 + 156, abs=1)  # right edge of type area
            if ln[0]["x0"] / MM < 29:
                assert ln[0]["x0"] / MM == pytest.approx(28, abs=1)  # left (binding) margin
                assert len(ln) == 28  # 28 characters to a full line
            else:
                assert len(ln) == 26  # the first line, indented by two characters
        # first line of a paragraph indented by two characters
        first = body_lines[0]
        assert (first[0]["x0"] / MM - 28) == pytest.approx(2 * 156 / 28, abs=0.5)


def test_page_numbers_below_the_type_area_odd_right_even_left(tmp_path, fonts):
    out, result = build(tmp_path, paragraphs([LONG] * 14), fonts)
    assert result.pages == 3
    with pdfplumber.open(out) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            foot = lines_of(page)[-1]
            assert text(foot) == f"— {number} —"
            assert {round(c["size"], 2) for c in foot} == {14}  # 4号
            # the 一字线 itself (the dashes' ink) 7 mm below the type area, measured on the
            # rendered page
            assert dash_line_mm(out, number - 1, foot) == pytest.approx(7, abs=0.3)
            if number % 2:  # one character in from the right edge
                assert foot[-1]["x1"] / MM == pytest.approx(28 + 156 - 14 / MM, abs=0.5)
            else:
                assert foot[0]["x0"] / MM == pytest.approx(28 + 14 / MM, abs=0.5)


def test_user_text_is_never_markup(tmp_path, fonts):
    nasty = '灵寿县<b>&amp;</b> & <font size="40">x</font> > 1'
    out, _ = build(tmp_path, [Title(nasty), Paragraph(nasty)], fonts)
    with pdfplumber.open(out) as pdf:
        lines = lines_of(pdf.pages[0])
    title = "".join(text(ln) for ln in lines if ln[0]["size"] == 22)
    body = "".join(text(ln) for ln in lines[:-1] if ln[0]["size"] == 16)
    assert title.replace(" ", "") == nasty.replace(" ", "")
    assert body.replace(" ", "") == nasty.replace(" ", "")
    assert escape_markup("<a> & b") == "&lt;a&gt; &amp; b"


def test_headings_are_recognised_by_their_numbering():
    assert classify("一、工作要求") == ParagraphKind.HEADING1
    assert classify("十二、其他") == ParagraphKind.HEADING1
    assert classify("（三）建立动态整治清单。对……") == ParagraphKind.HEADING2
    assert classify("1.具体要求") == ParagraphKind.BODY
    assert classify("为深入贯彻") == ParagraphKind.BODY
    runs = Paragraph("（一）全面开展“回头看”。对照清单逐一开展。").runs()
    assert [r[0] for r in runs] == ["（一）全面开展“回头看”。", "对照清单逐一开展。"]


def test_no_closing_punctuation_starts_a_line_and_no_opening_one_ends_it(tmp_path, fonts):
    # 27 characters then punctuation, so a naive break would start a line with "，" or "。"
    texts = ["甲" * 25 + "“乙乙”，" + "丙" * 30 + "。", "丁" * 26 + "“" + "戊" * 40]
    out, _ = build(tmp_path, paragraphs(texts), fonts)
    with pdfplumber.open(out) as pdf:
        body = [text(ln) for ln in lines_of(pdf.pages[0])[:-1]]
    assert all(line[0] not in "，。、；：？！）》”" for line in body), body
    assert all(line[-1] not in "（《“" for line in body), body
    assert "".join(body) == "".join(texts)


def test_dates_signatures_and_room_for_seals(tmp_path, fonts):
    assert format_date(dt.date(2026, 5, 17)) == "2026年5月17日"
    sig = Signatures(
        [
            SignatureBlock("石家庄市生态环境局", "负责人（签字）：", dt.date(2026, 5, 17), "甲方"),
            SignatureBlock("灵寿县人民政府", "主要负责同志（签字）：", None, "乙方"),
        ]
    )
    # 18 body lines leave 4 on the page: the 5-line signature block moves whole to page 2
    out, result = build(tmp_path, [*paragraphs([LONG] * 6)[:4], BlankLines(2), sig], fonts)
    assert result.pages == 2
    with pdfplumber.open(out) as pdf:
        page2 = [text(ln) for ln in lines_of(pdf.pages[1])]
        lines2 = lines_of(pdf.pages[1])
    # the names fill a half line, so the seal note goes below them
    assert page2[:4] == [
        "甲方：石家庄市生态环境局乙方：灵寿县人民政府",
        "（盖章）（盖章）",
        "负责人（签字）：主要负责同志（签字）：",
        "2026年5月17日\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日",
    ]
    # two empty grid lines above the names leave room for a seal
    assert lines2[0][0]["top"] / MM == pytest.approx(37 + 2 * 225 / 22, abs=1)


def test_single_signature_date_is_four_characters_from_the_right(tmp_path, fonts):
    sig = Signatures(
        [SignatureBlock("石家庄市生态环境局", date=dt.date(2026, 5, 17), seal_note="")]
    )
    out, _ = build(tmp_path, [Paragraph("正文。"), sig], fonts)
    with pdfplumber.open(out) as pdf:
        lines = lines_of(pdf.pages[0])
    date = next(ln for ln in lines if text(ln) == "2026年5月17日")
    name = next(ln for ln in lines if text(ln) == "石家庄市生态环境局")
    assert date[-1]["x1"] / MM == pytest.approx(28 + 156 - 4 * 156 / 28, abs=0.5)
    centre = lambda ln: (ln[0]["x0"] + ln[-1]["x1"]) / 2  # noqa: E731
    assert centre(name) == pytest.approx(centre(date), abs=1)


def test_parts_restart_numbering_and_start_on_a_front_page_when_duplex(tmp_path, fonts):
    part = [Title("承诺书"), *paragraphs([LONG] * 3)]
    out = tmp_path / "parts.pdf"
    doc = OfficialDocument(fonts)
    result = doc.build([part, part, part], out, duplex=True)
    assert result.part_pages == [1, 1, 1]
    assert result.part_first_page == [1, 3, 5]
    assert result.pages == 5  # a blank back after each one-page part but the last
    with pdfplumber.open(out) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
    assert texts[1] == ""
    assert texts[3] == ""
    assert all(t.strip().endswith("— 1 —") for t in texts[0::2])
    assert len(PdfReader(out).pages) == 5


def test_page_break_and_reportlab_flowables_mix_in(tmp_path, fonts):
    style = OfficialDocument(fonts).reportlab_style("body", fontSize=12, leading=16)
    cell = RLParagraph(escape_markup("高新区<&>"), style)
    table = Table([["单位", "数量"], [cell, "4"]], colWidths=[200, 100])
    out, result = build(
        tmp_path, [Paragraph("表格前。"), table, PageBreak(), Paragraph("次页。")], fonts
    )
    assert result.pages == 2
    with pdfplumber.open(out) as pdf:
        first = pdf.pages[0].extract_text()
        second = pdf.pages[1].extract_text()
    assert "高新区<&>" in first
    assert "次页。" in second


def test_pages_hold_twenty_two_lines(tmp_path, fonts):
    blocks = [Paragraph(f"第{i}行", kind=ParagraphKind.PLAIN) for i in range(1, 45)]
    out, result = build(tmp_path, blocks, fonts)
    assert result.pages == 2
    with pdfplumber.open(out) as pdf:
        for page in pdf.pages:
            assert len(lines_of(page)) == 22 + 1  # 22 lines and the page number
    assert GBT9704.line_pitch * 22 == pytest.approx(225 * MM)


@pytest.mark.parametrize(
    ("org", "name_lines"),
    [
        ("石家庄市生态环境局循环化工园区分局", 2),
        ("石家庄市生态环境局高新技术产业开发区管理委员会分局", 3),
    ],
)
def test_signature_columns_with_two_and_three_line_names(tmp_path, fonts, org, name_lines):
    sig = Signatures(
        [
            SignatureBlock("石家庄市生态环境局", "负责人（签字）：", dt.date(2026, 5, 17), "甲方"),
            SignatureBlock(org, "主要负责同志（签字）：", None, "乙方"),
        ]
    )
    out, _ = build(tmp_path, [Paragraph("正文。"), sig], fonts)
    with pdfplumber.open(out) as pdf:
        lines = lines_of(pdf.pages[0])[:-1]
    middle = (28 + 78) * MM
    start = next(i for i, ln in enumerate(lines) if text(ln).startswith("甲方"))
    right = [[c for c in ln if c["x0"] >= middle] for ln in lines[start:]]
    left = [[c for c in ln if c["x0"] < middle] for ln in lines[start:]]
    names = [text(r) for r in right[:name_lines]]
    assert "".join(names) == f"乙方：{org}"
    assert all("盖章" not in n for n in names)
    assert text(right[name_lines]) == text(left[name_lines]) == "（盖章）"  # same row
    assert text(right[name_lines + 1]) == "主要负责同志（签字）："
    assert text(left[name_lines + 1]) == "负责人（签字）："
    assert {round(r[0]["x0"] / MM, 1) for r in right if r} == {round(28 + 16 * 156 / 28, 1)}
    assert all(c["x1"] <= (28 + 156 + 0.5) * MM for r in right for c in r)
