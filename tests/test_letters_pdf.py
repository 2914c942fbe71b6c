"""The letters' PDFs read back: layout, every unit's name and the template's text, fonts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections import defaultdict

import pdfplumber
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from controllers.actor import SYSTEM, Actor
from controllers.documents.fonts import bundled_font_set
from controllers.errors import NotFoundError, ValidationError
from controllers.letters.batch import combined_name, generate_letters
from controllers.letters.compose import unit_org
from controllers.letters.render import letter_pdf, preview_pdf, safe_filename
from controllers.letters.templates import (
    current_template,
    ensure_default_template,
    fill,
    save_template_version,
    template_content,
)
from controllers.permissions import PermissionDenied
from controllers.units import unit_ids_by_names
from models import AuditEntry, Letter, Unit
from models.codes import LetterStatus, Role

MM = 72 / 25.4
FONTS = bundled_font_set()


def lines_of(page) -> list[list[dict]]:
    """Characters by baseline (a line may mix the serif face and the fallback face, whose
    boxes differ), top to bottom, left to right."""
    rows: dict[float, list[dict]] = defaultdict(list)
    for c in page.chars:
        rows[round(c["matrix"][5], 1)].append(c)
    return [sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows, reverse=True)]


def pdf_text(path_or_file) -> str:
    with pdfplumber.open(path_or_file) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def demo_batch(tmp_path_factory, demo_sqlite_template):
    """The 25 demo letters written once for the module (a private database copy)."""
    import shutil

    from models.database import Database, make_engine

    folder = tmp_path_factory.mktemp("letters")
    db_path = folder / "demo.db"
    shutil.copy(demo_sqlite_template, db_path)
    db = Database.from_engine(make_engine(f"sqlite:///{db_path}"))
    progress: list[tuple[int, str]] = []
    with db.session() as s:
        result = generate_letters(
            s, SYSTEM, folder / "out", fonts=FONTS, progress=lambda p, m: progress.append((p, m))
        )
        units = s.scalars(select(Unit).order_by(Unit.sort_order)).all()
        names = [u.name for u in units]
        parties = {u.name: unit_org(u) for u in units}
        content = template_content(ensure_default_template(s))
    db.dispose()
    return result, names, content, progress, parties


def test_one_pdf_per_unit_named_after_it_and_a_combined_file(demo_batch):
    result, names, _content, progress, _parties = demo_batch
    assert len(names) == 25
    assert [p.name for p in result.files] == [f"{n}.pdf" for n in names]
    assert all(p.is_file() for p in result.files)
    assert result.combined.name == combined_name(25) == "承诺书合订本（25份）.pdf"
    assert result.created == 0  # the demo's 25 signed letters are reprinted, not redrafted
    pcts = [p for p, _ in progress]
    assert pcts == sorted(pcts)
    assert pcts[-1] == 100
    assert any("灵寿县" in m for _, m in progress)


def test_every_letter_is_a4_with_the_standard_layout(demo_batch):
    result, _names, _content, *_ = demo_batch
    for path in result.files[::6]:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                assert (page.width, page.height) == pytest.approx((595.28, 841.89), abs=0.1)
            first = lines_of(pdf.pages[0])
            title = first[0]
            assert {c["size"] for c in title} == {22}
            assert title[0]["top"] / MM == pytest.approx(37, abs=1)  # top margin
            body = [ln for ln in first[1:-1]]
            assert {c["size"] for ln in body for c in ln} == {16}  # 3号 body
            lefts = [ln[0]["x0"] / MM for ln in body]
            assert min(lefts) == pytest.approx(28, abs=1)  # left margin
            assert max(ln[-1]["x1"] / MM for ln in body) == pytest.approx(184, abs=1)
            full = [ln for ln, nxt in itertools.pairwise(body)
                    if nxt[0]["x0"] / MM < 29 and ln[0]["x0"] / MM < 29]  # fmt: skip
            assert full
            assert all(len(ln) <= 28 for ln in full)
            assert max(len(ln) for ln in full) == 28  # 28 characters to a full line
            foot = first[-1]
            assert "".join(c["text"] for c in foot) == "— 1 —"


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_every_unit_name_and_the_template_text_are_extractable(demo_batch):
    result, names, content, _, parties = demo_batch
    for name, path in zip(names, result.files, strict=True):
        text = flat(pdf_text(path))
        assert name in text
        for para in content.paragraphs:
            if para.strip() == "{requirements}":
                continue
            for piece in re.split(r"\{[a-z_]+\}", para):  # the fixed text around placeholders
                assert flat(piece) in text, (name, piece)
        assert "2026年5月17日" in text  # the demo letters' date, in Arabic numerals
        assert "甲方：石家庄市生态环境局" in text
        assert f"乙方：{parties[name]}" in text  # the report's counterparty (分局 / 生态环境局)
    combined = flat(pdf_text(result.combined))
    assert all(f"乙方：{parties[n]}" in combined for n in names)
    assert parties["赵县"] == "石家庄市生态环境局赵县分局"
    assert parties["高新区"] == "高新区生态环境局"


def signature_rows(path) -> list[list[dict]]:
    """The text lines of the signature blocks (from the 甲方 line to the last date), last page."""
    with pdfplumber.open(path) as pdf:
        lines = lines_of(pdf.pages[-1])[:-1]  # without the page number
    start = next(i for i, ln in enumerate(lines) if text_of(ln).startswith("甲方："))
    return lines[start:]


def text_of(line: list[dict]) -> str:
    return "".join(c["text"] for c in line)


def split_columns(line: list[dict], middle: float) -> tuple[list[dict], list[dict]]:
    return [c for c in line if c["x0"] < middle], [c for c in line if c["x0"] >= middle]


def test_signature_block_measured_on_every_units_letter(demo_batch):
    """Both columns start at fixed places on every letter; the 乙方 name wraps inside its column
    and （盖章） has a line of its own; the signer and date rows of both columns line up."""
    result, names, _content, _, parties = demo_batch
    middle = (28 + 156 / 2) * MM
    starts: set[tuple[float, float]] = set()
    for name, path in zip(names, result.files, strict=True):
        rows = signature_rows(path)
        left = [(ln[0]["top"], split_columns(ln, middle)[0]) for ln in rows]
        right = [(ln[0]["top"], split_columns(ln, middle)[1]) for ln in rows]
        left = [(y, cs) for y, cs in left if cs]
        right = [(y, cs) for y, cs in right if cs]
        # every line of a column starts at the same x, the same on every letter
        xs_left = {round(cs[0]["x0"] / MM, 1) for _, cs in left}
        xs_right = {round(cs[0]["x0"] / MM, 1) for _, cs in right}
        assert (len(xs_left), len(xs_right)) == (1, 1), (name, xs_left, xs_right)
        starts.add((xs_left.pop(), xs_right.pop()))
        # the columns stay in their halves of the type area
        beyond = [
            (c["text"], c["x1"] / MM) for _, cs in left for c in cs if c["x1"] > middle + 0.5 * MM
        ]
        assert not beyond, (name, beyond)
        assert all(c["x1"] <= (28 + 156 + 0.5) * MM for _, cs in right for c in cs), name
        # the 乙方 name (possibly wrapped) and then （盖章） alone on its line
        texts = [text_of(cs) for _, cs in right]
        seal = texts.index("（盖章）")
        assert "".join(texts[:seal]) == f"乙方：{parties[name]}", name
        assert all("盖章" not in t for t in texts[:seal])
        # rows line up: （盖章）, signer and date at the same heights in both columns
        ys_left = {text_of(cs): y for y, cs in left}
        ys_right = {text_of(cs): y for y, cs in right}
        assert ys_left["（盖章）"] == pytest.approx(ys_right["（盖章）"], abs=0.1), name
        assert ys_left["负责人（签字）："] == pytest.approx(
            ys_right["主要负责同志（签字）："], abs=0.1
        ), name
        assert ys_left["2026年5月17日"] == pytest.approx(
            next(y for t, y in ys_right.items() if t.endswith("日")), abs=0.1
        ), name
    assert len(starts) == 1  # the same columns on every letter
    ((x_left, x_right),) = starts
    assert x_left == pytest.approx(28 + 2 * 156 / 28, abs=0.3)
    assert x_right == pytest.approx(28 + 16 * 156 / 28, abs=0.3)


def test_fonts_are_embedded_subsets(demo_batch):
    result, *_ = demo_batch
    for path in (result.files[0], result.combined):
        reader = PdfReader(path)
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                assert "/FontFile2" in font["/FontDescriptor"].get_object()
                assert str(font["/BaseFont"])[7] == "+"  # subset prefix ABCDEF+


def test_combined_file_starts_each_letter_on_a_front_page(demo_batch):
    result, _names, *_ = demo_batch
    reader = PdfReader(result.combined)
    assert len(reader.pages) == result.pages
    starts = [i for i, page in enumerate(reader.pages)
              if "“散乱污”企业持续整治工作承诺书" in (page.extract_text() or "")]  # fmt: skip
    assert len(starts) == 25
    assert all(i % 2 == 0 for i in starts)  # page 1, 3, 5… (front side when duplex)


def test_a_unit_name_with_markup_characters_comes_out_as_typed(sqlite_db, tmp_path):
    odd = "高新<区>&“试验”区"
    with sqlite_db.session() as s:
        unit = s.scalars(select(Unit).where(Unit.name == "高新区")).one()
        unit.name = odd
        unit.counterparty = f"{odd}生态环境局"
        s.commit()
        result = generate_letters(s, SYSTEM, tmp_path, unit_ids=[unit.id], fonts=FONTS)
        s.commit()
    assert [p.name for p in result.files] == ["高新＜区＞&“试验”区.pdf"]
    text = flat(pdf_text(result.files[0]))
    assert f"乙方：{odd}生态环境局（盖章）" in text  # wrapped in its column, seal on its own line
    assert f"{odd}生态环境局承诺严格落实" in text
    assert safe_filename('a/b\\c:d*e?f"g|h') == "a／b＼c：d＊e？f＂g｜h"


def test_a_draft_follows_the_newest_template_and_an_issued_letter_keeps_its_own(
    sqlite_db, tmp_path
):
    with sqlite_db.session() as s:
        lingshou, wuji = unit_ids_by_names(s, ["灵寿县", "无极"])
        generate_letters(s, SYSTEM, tmp_path / "a", unit_ids=[lingshou, wuji],
                         letter_date=dt.date(2026, 5, 17), fonts=FONTS)  # fmt: skip
        s.commit()
        issued = s.scalars(select(Letter).where(Letter.unit_id == wuji)).one()
        issued.status = LetterStatus.ISSUED
        s.commit()
        content = template_content(current_template(s))
        content.paragraphs.insert(1, "第二版新增的要求：{unit_name}每周报送进展。")
        v2 = save_template_version(s, SYSTEM, content, based_on_version=1)
        s.commit()
        result = generate_letters(s, SYSTEM, tmp_path / "b", unit_ids=[lingshou, wuji], fonts=FONTS)
        s.commit()
        letters = {lt.unit_id: lt for lt in s.scalars(select(Letter))}
        assert letters[lingshou].template_id == v2.id
        assert letters[wuji].template_id != v2.id  # remembers version 1
    draft_text, issued_text = (flat(pdf_text(p)) for p in result.files)
    assert "第二版新增的要求：灵寿县每周报送进展。" in draft_text
    assert "第二版新增的要求" not in issued_text


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_generation_is_audited_and_drafts_missing_letters(database, tmp_path):
    with database.session() as s:
        result = generate_letters(
            s, SYSTEM, tmp_path, letter_date=dt.date(2026, 5, 17), fonts=FONTS
        )
        s.commit()
        assert result.created == 25
        assert s.query(Letter).filter(Letter.status == LetterStatus.DRAFT).count() == 25
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "letters_generate")).one()
        assert "灵寿县" in entry.detail
    assert len(list(tmp_path.glob("*.pdf"))) == 26


def test_bad_requests_are_refused(sqlite_db, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    county = Actor(user_id=None, username="c", role=Role.COUNTY_CLERK, unit_id=1)
    with sqlite_db.session() as s:
        with pytest.raises(NotFoundError, match="没有名为“火星县”的责任单位"):
            unit_ids_by_names(s, ["火星县"])
        with pytest.raises(ValidationError, match="至少选择一个"):
            generate_letters(s, SYSTEM, tmp_path, unit_ids=[], fonts=FONTS)
        with pytest.raises(PermissionDenied):
            generate_letters(s, county, tmp_path, fonts=FONTS)
        with pytest.raises(Exception, match="无法创建文件夹"):
            generate_letters(s, SYSTEM, blocked / "sub", fonts=FONTS)
        assert s.query(Letter).count() == 0


def test_a_county_clerk_sees_only_their_own_letter(demo_db):
    with demo_db.session() as s:
        lingshou = s.scalars(select(Unit).where(Unit.name == "灵寿县")).one()
        wuji = s.scalars(select(Unit).where(Unit.name == "无极县")).one()
        own = s.scalars(select(Letter).where(Letter.unit_id == lingshou.id)).one()
        other = s.scalars(select(Letter).where(Letter.unit_id == wuji.id)).one()
        clerk = Actor(user_id=None, username="c", role=Role.COUNTY_CLERK, unit_id=lingshou.id)
        name, data = letter_pdf(s, clerk, own.id, fonts=FONTS)
        assert name == "灵寿县.pdf"
        assert data.startswith(b"%PDF")
        with pytest.raises(PermissionDenied, match="只能处理本单位"):
            letter_pdf(s, clerk, other.id, fonts=FONTS)


def test_preview_of_unsaved_template_content(demo_db, tmp_path):
    with demo_db.session() as s:
        content = template_content(current_template(s))
        changed = dataclasses.replace(content, title="预览标题{year}")
        unit = s.scalars(select(Unit).where(Unit.name == "新乐市")).one()
        data = preview_pdf(s, changed, unit.id, dt.date(2026, 5, 17), fonts=FONTS)
    out = tmp_path / "preview.pdf"
    out.write_bytes(data)
    text = flat(pdf_text(out))
    assert "预览标题2026" in text
    assert "石家庄市生态环境局新乐市分局" in text
    assert fill("{year}", {"year": "2026"}) == "2026"


def test_letters_fit_on_pages_of_22_lines(demo_batch):
    result, *_ = demo_batch
    with pdfplumber.open(result.files[0]) as pdf:
        for page in pdf.pages:
            lines = lines_of(page)
            assert len(lines) - 1 <= 22  # the last line is the page number
            assert lines[-2][-1]["bottom"] / MM <= 37 + 225 + 0.5


def test_files_are_replaced_whole(sqlite_db, tmp_path):
    with sqlite_db.session() as s:
        ids = unit_ids_by_names(s, ["灵寿县"])
        first = generate_letters(s, SYSTEM, tmp_path / "out", unit_ids=ids, fonts=FONTS)
        s.commit()
        again = generate_letters(s, SYSTEM, tmp_path / "out", unit_ids=ids, fonts=FONTS)
        s.commit()
    assert first.files == again.files
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["承诺书合订本（1份）.pdf", "灵寿县.pdf"]  # no temporary files left
