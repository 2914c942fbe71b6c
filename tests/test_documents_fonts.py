"""Fonts of official documents: the bundled font, discovery per role, embedding in the PDF."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTCollection, TTFont
from pypdf import PdfReader

from controllers.documents import fonts as docfonts
from controllers.documents.fonts import (
    FontRole,
    FontSource,
    bundled_font_path,
    bundled_font_set,
    default_font_dirs,
    discover_fonts,
)
from controllers.documents.official import OfficialDocument, Paragraph, Title

MM = 72 / 25.4


@pytest.fixture(autouse=True)
def _fresh_discovery():
    docfonts.clear_caches()
    yield
    docfonts.clear_caches()


def _gbk_hanzi() -> set[int]:
    out = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                ch = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            if 0x4E00 <= ord(ch) <= 0x9FFF:
                out.add(ord(ch))
    return out


def test_bundled_font_is_truetype_covers_what_a_clerk_types_and_is_licensed():
    path = bundled_font_path()
    assert path.is_file()
    assert path.stat().st_size < 3_500_000  # a subset: the source collection is 5 MB
    font = TTFont(path)
    assert "glyf" in font  # TrueType outlines: reportlab cannot embed CFF
    assert "CFF " not in font
    cmap = font.getBestCmap()
    cjk = [c for c in range(0x4E00, 0xA000) if c in cmap]
    assert len(cjk) >= 20_900
    assert _gbk_hanzi() <= set(cmap)
    assert all(c in cmap for c in range(0x20, 0x7F))  # ASCII
    assert all(c in cmap for c in range(0xFF01, 0xFF5F))  # full-width forms
    for ch in "“”‘’—…、。，；：？！（）《》〔〕【】〇№℃①㎡·×":
        assert ord(ch) in cmap, ch
    licence = path.parent / "LICENSE-WenQuanYiMicroHei.txt"
    text = licence.read_text(encoding="utf-8")
    assert "Apache License" in text
    assert "Version 2.0" in text
    assert "modification" in text
    assert "Apache" in font["name"].getDebugName(10)  # the notice of the change in the font


def test_without_installed_fonts_each_role_uses_a_bundled_face():
    """A serif body and title, a kai （一） heading, a sans 黑体 heading: distinct faces, all
    embedded; WenQuanYi Micro Hei draws any character a face lacks."""
    fonts = discover_fonts([])
    files = {}
    for role in FontRole:
        choice = fonts.choice(role)
        assert choice.source == FontSource.BUNDLED
        assert choice.embedded
        assert choice.path.is_file()
        files[role] = choice.path.name
    assert files[FontRole.BODY] == files[FontRole.TITLE] == "ARPLSungtiLGB-subset.ttf"
    assert files[FontRole.PAGE_NUMBER] == "ARPLSungtiLGB-subset.ttf"
    assert files[FontRole.HEADING2] == "ARPLKaitiMGB-subset.ttf"
    assert files[FontRole.HEADING1] == "WenQuanYiMicroHei-subset.ttf"
    assert fonts.fallback.path == bundled_font_path()
    assert fonts.choice(FontRole.TITLE).fake_bold  # stands in for the heavy 小标宋
    assert fonts.uses_fallback
    rows = fonts.report()  # what the settings pane lists
    assert [r.role for r in rows] == [r.label for r in FontRole]
    assert rows[1].wanted == "仿宋_GB2312 / 仿宋"
    assert rows[1].used.startswith("文鼎ＰＬ简报宋")
    assert all(r.source == "程序内置后备字体" for r in rows)


def test_the_bundled_serif_and_kai_faces_are_open_licensed_subsets():
    from fontTools.ttLib import TTFont

    from resources import resource_path

    licence = resource_path("fonts", "LICENSE-Arphic.txt").read_text(encoding="utf-8")
    assert "ARPHIC PUBLIC LICENSE" in licence.upper()
    for name in ("ARPLSungtiLGB-subset.ttf", "ARPLKaitiMGB-subset.ttf"):
        with TTFont(io.BytesIO(resource_path("fonts", name).read_bytes())) as font:
            cmap = font.getBestCmap()
            wanted = "散乱污企业整治承诺书“”‘’，。、；：（）《》—…0123456789"
            assert all(ord(ch) in cmap for ch in wanted)
            assert "glyf" in font  # TrueType outlines: reportlab embeds them
            assert "Arphic" in font["name"].getDebugName(10)


def test_windows_font_folders_are_searched_system_then_user():
    env = {
        "WINDIR": r"C:\Windows",
        "LOCALAPPDATA": r"C:\Users\clerk\AppData\Local",
        "RECTIFY_FONT_DIRS": "/opt/fonts",
    }
    dirs = default_font_dirs(env, "win32")
    assert dirs[0] == (Path("/opt/fonts"), FontSource.EXTRA)
    assert (Path(r"C:\Windows") / "Fonts", FontSource.SYSTEM) in dirs
    assert (
        Path(r"C:\Users\clerk\AppData\Local") / "Microsoft" / "Windows" / "Fonts",
        FontSource.USER,
    ) in dirs
    assert default_font_dirs({"RECTIFY_SYSTEM_FONTS": "0"}, "win32") == []


def _font_copy(target: Path, family: str, ps_name: str, *, fs_type: int | None = None) -> Path:
    """A real TrueType font (the bundled one) renamed to ``family``."""
    font = TTFont(bundled_font_path())
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 4, 16):
            name.setName(family, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        if rec.nameID == 6:
            name.setName(ps_name, 6, rec.platformID, rec.platEncID, rec.langID)
    if fs_type is not None:
        font["OS/2"].fsType = fs_type
    font.save(target)
    return target


@pytest.fixture(scope="module")
def windows_fonts(tmp_path_factory) -> Path:
    """A font folder laid out like C:\\Windows\\Fonts (real TrueType files, renamed)."""
    folder = tmp_path_factory.mktemp("winfonts")
    _font_copy(folder / "simfang.ttf", "FangSong", "FangSong")
    _font_copy(folder / "simhei.ttf", "SimHei", "SimHei")
    _font_copy(folder / "simkai.ttf", "KaiTi", "KaiTi")
    coll = TTCollection()
    coll.fonts = [TTFont(_font_copy(folder / "_s.ttf", "SimSun", "SimSun")),
                  TTFont(_font_copy(folder / "_n.ttf", "NSimSun", "NSimSun"))]  # fmt: skip
    coll.save(folder / "simsun.ttc")
    (folder / "_s.ttf").unlink()
    (folder / "_n.ttf").unlink()
    return folder


def test_windows_fonts_serve_their_roles(windows_fonts):
    fonts = discover_fonts([windows_fonts])
    assert fonts.choice(FontRole.BODY).path.name == "simfang.ttf"
    assert fonts.choice(FontRole.HEADING1).path.name == "simhei.ttf"
    assert fonts.choice(FontRole.HEADING2).path.name == "simkai.ttf"
    page = fonts.choice(FontRole.PAGE_NUMBER)
    assert (page.path.name, page.subfont_index) == ("simsun.ttc", 0)
    title = fonts.choice(FontRole.TITLE)
    assert title.path.name == "simsun.ttc"  # no 方正小标宋: 宋体, emboldened
    assert title.fake_bold
    assert not fonts.uses_fallback
    assert {c.source for c in fonts.choices.values()} == {FontSource.EXTRA}
    used = {r.role: r.used for r in fonts.report()}
    assert used[FontRole.BODY.label] == "仿宋"
    assert used[FontRole.HEADING1.label] == "黑体"


def test_gb2312_faces_and_xiaobiaosong_are_preferred_by_family_name(windows_fonts, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    _font_copy(extra / "GB2312-fs.ttf", "仿宋_GB2312", "FangSong_GB2312")
    _font_copy(extra / "xbs.ttf", "方正小标宋简体", "FZXBSJW--GB1-0")
    fonts = discover_fonts([windows_fonts, extra])
    assert fonts.choice(FontRole.BODY).path.name == "GB2312-fs.ttf"
    assert fonts.choice(FontRole.BODY).family == "仿宋_GB2312"
    title = fonts.choice(FontRole.TITLE)
    assert title.path.name == "xbs.ttf"
    assert not title.fake_bold


def test_a_font_that_forbids_embedding_is_skipped_with_a_reason(tmp_path):
    _font_copy(tmp_path / "simhei.ttf", "SimHei", "SimHei", fs_type=0x0002)
    fonts = discover_fonts([tmp_path])
    heading = fonts.choice(FontRole.HEADING1)
    assert heading.source == FontSource.BUNDLED
    assert "不允许嵌入" in heading.note


def test_each_role_is_embedded_in_its_own_font(windows_fonts, tmp_path):
    fonts = discover_fonts([windows_fonts])
    out = tmp_path / "roles.pdf"
    doc = OfficialDocument(fonts, title="字体")
    doc.build(
        [[Title("标题文字"), Paragraph("一、一级标题"),
          Paragraph("（一）二级标题。后面的正文"), Paragraph("正文段落")]],
        out,
    )  # fmt: skip
    with pdfplumber.open(out) as pdf:
        chars = pdf.pages[0].chars
    by_text: dict[str, set[str]] = {}
    for c in chars:
        by_text.setdefault(c["text"], set()).add(c["fontname"].split("+")[-1])
    # 标题 in the title (宋体, face 0 of simsun.ttc), 一级标题 in 黑体, 二级标题 in 楷体
    assert by_text["题"] == {"SimSun-0", "SimHei", "KaiTi"}
    assert by_text["文"] == {"SimSun-0", "FangSong"}  # the title's 文字, the body's 正文
    assert by_text["后"] == {"FangSong"}  # body after the heading sentence
    assert by_text["—"] == {"SimSun-0"}  # page number
    reader = PdfReader(out)
    fonts_seen = set()
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # TrueType program embedded
        assert str(font["/BaseFont"])[7] == "+"  # "/ABCDEF+": a subset
        fonts_seen.add(str(font["/BaseFont"]).split("+")[1])
    assert fonts_seen == {"SimSun-0", "SimHei", "KaiTi", "FangSong"}


def test_bundled_font_set_renders_without_any_installed_font(tmp_path):
    out = tmp_path / "plain.pdf"
    OfficialDocument(bundled_font_set()).build([[Paragraph("没有系统字体也能生成。")]], out)
    with pdfplumber.open(out) as pdf:
        assert "没有系统字体也能生成。" in pdf.pages[0].extract_text()
