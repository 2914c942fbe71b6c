"""The official document page of GB/T 9704-2012 and the blocks laid out on it, as PDF.

The page: A4, top margin 37 mm, left (binding) margin 28 mm, type area 156 × 225 mm holding
22 lines of 28 characters in 3号 (16 pt); page numbers "— 1 —" in 4号 (14 pt) 宋体 7 mm below
the type area, odd pages right and even pages left, one character in from the edge.

Every line sits on the 22-line grid; body lines are justified to the full type width (a full
line holds exactly 28 full-width characters) with Chinese line-breaking rules (no closing
punctuation at a line start, no opening one at a line end). Text is drawn literally: user text
is never read as reportlab markup (use :func:`escape_markup` only when handing text to
reportlab's own ``Paragraph``, e.g. in a table cell).

Blocks: :class:`Title`, :class:`Paragraph` (body, 一、 heading in 黑体, （一） heading in 楷体),
:class:`BlankLines`, :class:`Signatures` (signature and date blocks with room for the seals),
:class:`PageBreak`; any reportlab ``Flowable`` (a ``Table``) may be mixed in as well. An
:class:`OfficialDocument` writes one or more parts to a PDF, each part numbered from page 1.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape as _xml_escape

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus.flowables import Flowable

from controllers.documents.fonts import FontRole, FontSet, discover_fonts
from controllers.errors import UserError

EPS = 0.01  # points: tolerance of width and height comparisons
CREATOR = "散乱污整治管理台 Rectify Desk"


# -- the page ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageGeometry:
    """Page, margins, type area and text sizes (points); defaults are GB/T 9704-2012."""

    page_width: float = 210 * mm
    page_height: float = 297 * mm
    top: float = 37 * mm  # 天头
    left: float = 28 * mm  # 订口
    text_width: float = 156 * mm
    text_height: float = 225 * mm
    lines_per_page: int = 22
    chars_per_line: int = 28
    title_size: float = 22  # 2号
    body_size: float = 16  # 3号
    page_number_size: float = 14  # 4号
    page_number_drop: float = 7 * mm  # 一字线上距版心下边缘

    @property
    def line_pitch(self) -> float:
        """Distance between two grid lines (225 mm / 22)."""
        return self.text_height / self.lines_per_page

    @property
    def char_space(self) -> float:
        """Character spacing that fits ``chars_per_line`` body characters in the width."""
        n = self.chars_per_line
        return (self.text_width - n * self.body_size) / (n - 1)

    @property
    def char_pitch(self) -> float:
        """Advance of one full-width body character (one grid cell)."""
        return self.body_size + self.char_space

    @property
    def text_top(self) -> float:
        """y of the type area's top edge (PDF coordinates, from the page bottom)."""
        return self.page_height - self.top

    @property
    def text_bottom(self) -> float:
        return self.text_top - self.text_height


GBT9704 = PageGeometry()


def format_date(day: dt.date) -> str:
    """A date as official documents write it: ``2026年5月17日`` (Arabic numerals)."""
    return f"{day.year}年{day.month}月{day.day}日"


def escape_markup(text: str) -> str:
    """``text`` safe to hand to reportlab's ``Paragraph`` (``<``, ``&``, ``>`` kept as typed)."""
    return _xml_escape(text)


# -- layout primitives -------------------------------------------------------------------------
NO_LINE_START = frozenset("，。、；：？！）》」』〕】〉”’…—·%‰℃,.;:?!)]}>～％｝］〗")
NO_LINE_END = frozenset("（《「『〔【〈“‘([{<［｛〖")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,:/%_@+\-]*|——|……|.", re.DOTALL)


@dataclass(frozen=True)
class _Glyph:
    ch: str
    font: str
    size: float
    width: float
    bold: bool


class LayoutContext:
    """Fonts (registered with reportlab) and geometry used while laying out blocks."""

    def __init__(self, fonts: FontSet, geometry: PageGeometry = GBT9704) -> None:
        self.fonts = fonts.register()
        self.geometry = geometry
        self._glyphs: dict[tuple[str, FontRole, float], _Glyph] = {}
        self._cmaps: dict[str, dict[int, int] | None] = {}
        self._descents: dict[str, float] = {}
        self._ink: dict[tuple[str, str], float] = {}
        self._names = {role: fonts.font_name(role) for role in FontRole}
        self._bold = {role: fonts.choice(role).fake_bold for role in FontRole}
        fb = fonts.fallback
        self._fallback = fb.reportlab_name if fb is not None else None

    def font(self, role: FontRole) -> str:
        return self._names[role]

    def bold(self, role: FontRole) -> bool:
        return self._bold[role]

    def _cmap(self, font: str) -> dict[int, int] | None:
        if font not in self._cmaps:
            face = getattr(pdfmetrics.getFont(font), "face", None)
            self._cmaps[font] = getattr(face, "charToGlyph", None)
        return self._cmaps[font]

    def glyph(self, ch: str, role: FontRole, size: float) -> _Glyph:
        """One character in the role's font, or in the bundled font if that font lacks it."""
        key = (ch, role, size)
        found = self._glyphs.get(key)
        if found is not None:
            return found
        font = self._names[role]
        cmap = self._cmap(font)
        if cmap is not None and ord(ch) not in cmap and self._fallback:
            fb_map = self._cmap(self._fallback)
            if fb_map is not None and ord(ch) in fb_map:
                font = self._fallback
        width = pdfmetrics.stringWidth(ch, font, 1000) / 1000
        found = self._glyphs[key] = _Glyph(ch, font, size, width * size, self._bold[role])
        return found

    def ink_middle(self, font: str, ch: str) -> float:
        """Height of the middle of a character's ink above the baseline, per point of size
        (e.g. where the dash of "— 1 —" is drawn); 0.3 when the font's outlines are unknown."""
        key = (font, ch)
        value = self._ink.get(key)
        if value is None:
            value = self._ink[key] = _ink_middle(pdfmetrics.getFont(font), ch)
        return value

    def descent(self, font: str) -> float:
        """The font's descent per point of size (negative)."""
        value = self._descents.get(font)
        if value is None:
            value = self._descents[font] = pdfmetrics.getAscentDescent(font, 1)[1]
        return value


def _ink_middle(font, ch: str) -> float:
    """The vertical middle of a glyph's outline in em units (reportlab TTF font)."""
    face = getattr(font, "face", None)
    path = getattr(face, "filename", None)
    if not path:
        return 0.3
    try:
        from fontTools.ttLib import TTFont

        index = getattr(face, "subfontNameX", b"")  # reportlab keeps the index in the name
        number = int(index.decode()[1:]) if index and index.decode()[1:].isdigit() else 0
        with TTFont(path, fontNumber=number, lazy=True) as tt:
            name = tt.getBestCmap().get(ord(ch))
            glyf = tt.get("glyf")
            if name is None or glyf is None:
                return 0.3
            g = glyf[name]
            if not hasattr(g, "yMax"):
                return 0.3
            return (g.yMin + g.yMax) / 2 / tt["head"].unitsPerEm
    except Exception:  # noqa: BLE001 - any unreadable font: the usual middle of a dash
        return 0.3


@dataclass
class _Line:
    glyphs: list[_Glyph]
    x: float  # offset from the type area's left edge
    char_space: float

    @property
    def text(self) -> str:
        return "".join(g.ch for g in self.glyphs)


def _natural(glyphs: Sequence[_Glyph], cs: float) -> float:
    return sum(g.width for g in glyphs) + max(len(glyphs) - 1, 0) * cs


def _tokens(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    """Unbreakable pieces: a Latin word or number, a ——/…… pair, or one character."""
    text = "".join(g.ch for g in glyphs)
    out, pos = [], 0
    for m in _WORD.finditer(text):
        out.append(glyphs[pos : pos + len(m.group())])
        pos += len(m.group())
    return out


def break_lines(
    glyphs: list[_Glyph], first_width: float, width: float, char_space: float
) -> list[list[_Glyph]]:
    """Break glyphs into lines no wider than the widths, keeping Chinese line-breaking rules."""
    tokens = _tokens(glyphs)
    lines: list[list[_Glyph]] = []
    start = 0
    while start < len(tokens):
        if lines:
            while start < len(tokens) and tokens[start][0].ch == " ":
                start += 1
            if start >= len(tokens):
                break
        avail = first_width if not lines else width
        i, total, count = start, 0.0, 0
        while i < len(tokens):
            tok = tokens[i]
            tw = sum(g.width for g in tok)
            needed = total + tw + (count + len(tok) - 1) * char_space
            if needed <= avail + EPS:
                total, count, i = total + tw, count + len(tok), i + 1
                continue
            if count == 0 and len(tok) > 1:  # a word longer than the line: split it
                tokens[i : i + 1] = [[g] for g in tok]
                continue
            break
        if i == start:  # not even one character fits: take it anyway
            i = start + 1
        if i < len(tokens):
            b = i
            while b - start > 1 and i - b < 3 and _bad_break(tokens, b):
                b -= 1
            if not _bad_break(tokens, b):
                i = b
        line = [g for tok in tokens[start:i] for g in tok]
        while len(line) > 1 and line[-1].ch == " ":
            line.pop()
        lines.append(line)
        start = i
    return lines or [[]]


def _bad_break(tokens: list[list[_Glyph]], b: int) -> bool:
    """True when breaking before token ``b`` puts forbidden punctuation at a line edge."""
    return tokens[b][0].ch in NO_LINE_START or tokens[b - 1][-1].ch in NO_LINE_END


# -- rows: one grid line each ------------------------------------------------------------------
@dataclass
class _Row:
    """One grid line of the page; ``draw`` paints it given the line's top y."""

    draw: Callable[[Canvas, float, float], None] | None = None  # (canvas, x_left, y_top)
    group: int = 0  # rows with the same non-zero group stay on one page
    keep_with_next: bool = False
    page_break: bool = False
    text: str = ""
    floating: bool = False  # its group may move below what follows to fill the page first
    keep_with_previous: bool = False  # the row before goes to its page (no 署名 page alone)
    repeat: list[_Row] | None = None  # rows drawn before it when it opens a page (a header)


def _text_row(ctx: LayoutContext, lines: Sequence[_Line]) -> Callable[[Canvas, float, float], None]:
    """A painter for one or more text lines sharing a grid line (e.g. two signature columns)."""

    def draw(canvas: Canvas, x0: float, top: float) -> None:
        for line in lines:
            if not line.glyphs:
                continue
            first = line.glyphs[0]
            baseline = top - first.size * (1 + ctx.descent(first.font))
            text = canvas.beginText(x0 + line.x, baseline)
            text.setCharSpace(line.char_space)
            bold_any = any(g.bold for g in line.glyphs)
            if bold_any:
                canvas.saveState()
                canvas.setLineWidth(first.size * 0.035)
            run: list[str] = []
            current: tuple[str, float, bool] | None = None
            for g in line.glyphs:
                key = (g.font, g.size, g.bold)
                if key != current:
                    if run:
                        text.textOut("".join(run))
                        run = []
                    text.setFont(g.font, g.size)
                    text.setTextRenderMode(2 if g.bold else 0)
                    current = key
                run.append(g.ch)
            if run:
                text.textOut("".join(run))
            canvas.drawText(text)
            if bold_any:
                canvas.restoreState()

    return draw


def _align(
    lines: list[list[_Glyph]], align: str, first_indent: float, width: float, cs: float
) -> list[_Line]:
    """Place broken lines: justify (last line left), left, centre or right."""
    out = []
    for k, glyphs in enumerate(lines):
        indent = first_indent if k == 0 else 0.0
        avail = width - indent
        natural = _natural(glyphs, cs)
        x, space = indent, cs
        last = k == len(lines) - 1
        if align == "justify" and not last and len(glyphs) > 1:
            stretched = (avail - sum(g.width for g in glyphs)) / (len(glyphs) - 1)
            if stretched - cs <= glyphs[0].size * 0.5:  # never spread a short line apart
                space = stretched
        elif align == "center":
            x = indent + (avail - natural) / 2
        elif align == "right":
            x = indent + avail - natural
        out.append(_Line(glyphs, x, space))
    return out


class Block:
    """Something laid out on the grid: returns its rows for a layout context."""

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        raise NotImplementedError

    def plain_text(self) -> str:
        """The block's text (for previews, search and tests)."""
        return ""


class ParagraphKind(StrEnum):
    """How a paragraph is set."""

    BODY = "body"  # 仿宋, first line indented two characters
    HEADING1 = "heading1"  # 一、 in 黑体
    HEADING2 = "heading2"  # （一） in 楷体
    PLAIN = "plain"  # 仿宋 without indent (e.g. the addressee line)


@dataclass(frozen=True)
class TextStyle:
    """How a kind of text is set: font role, size (pt), first-line indent (characters)."""

    role: FontRole
    size: float
    indent_chars: float
    align: str  # justify | left | center | right


#: the paragraph styles of an official document (GB/T 9704-2012)
STYLES: dict[str, TextStyle] = {
    "title": TextStyle(FontRole.TITLE, GBT9704.title_size, 0, "center"),
    ParagraphKind.BODY: TextStyle(FontRole.BODY, GBT9704.body_size, 2, "justify"),
    ParagraphKind.HEADING1: TextStyle(FontRole.HEADING1, GBT9704.body_size, 2, "justify"),
    ParagraphKind.HEADING2: TextStyle(FontRole.HEADING2, GBT9704.body_size, 2, "justify"),
    ParagraphKind.PLAIN: TextStyle(FontRole.BODY, GBT9704.body_size, 0, "justify"),
}

_HEADING1 = re.compile(r"^[一二三四五六七八九十百]+、")
_HEADING2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


def classify(text: str) -> ParagraphKind:
    """The kind of a paragraph from its numbering: ``一、`` heading 1, ``（一）`` heading 2."""
    stripped = text.lstrip(" \u3000")
    if _HEADING1.match(stripped):
        return ParagraphKind.HEADING1
    if _HEADING2.match(stripped):
        return ParagraphKind.HEADING2
    return ParagraphKind.BODY


def _clean(text: str) -> str:
    """Normalise line ends and tabs and drop other control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "\u3000")
    return "".join(ch for ch in text if ch == "\n" or (ch >= " " and ch != "\x7f"))


@dataclass
class Paragraph(Block):
    """A paragraph: body text, or a heading whose first sentence is set in the heading font.

    A ``一、`` or ``（一）`` heading followed by text in the same paragraph has the heading
    sentence (up to the first 。) in 黑体/楷体 and the rest in the body font, as usual in
    official documents. A line break (``\\n``) in the text forces a new line.
    """

    text: str
    kind: ParagraphKind | None = None  # None: from the numbering (see classify)
    align: str = "justify"
    indent_chars: float | None = None  # None: 2 (none for PLAIN)

    def plain_text(self) -> str:
        return self.text

    def runs(self) -> list[tuple[str, FontRole]]:
        """The text split into (text, font role) runs."""
        text = _clean(self.text).strip(" ")
        kind = self.kind or classify(text)
        role = STYLES[kind].role
        if kind in (ParagraphKind.HEADING1, ParagraphKind.HEADING2):
            end = text.find("。")
            if 0 <= end < len(text) - 1:
                return [(text[: end + 1], role), (text[end + 1 :], FontRole.BODY)]
        return [(text, role)]

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        geo = ctx.geometry
        kind = self.kind or classify(self.text)
        indent_chars = self.indent_chars
        if indent_chars is None:
            indent_chars = STYLES[kind].indent_chars
        size = geo.body_size
        cs = geo.char_space
        glyphs = [ctx.glyph(ch, role, size) for text, role in self.runs() for ch in text]
        segments: list[list[_Glyph]] = [[]]
        for g in glyphs:
            if g.ch == "\n":
                segments.append([])
            else:
                segments[-1].append(g)
        lines: list[_Line] = []
        for n, seg in enumerate(segments):
            indent = indent_chars * geo.char_pitch if n == 0 else 0.0
            broken = break_lines(seg, geo.text_width - indent, geo.text_width, cs)
            lines += _align(broken, self.align, indent, geo.text_width, cs)
        heading_only = (
            kind in (ParagraphKind.HEADING1, ParagraphKind.HEADING2) and len(self.runs()) == 1
        )
        return [
            _Row(_text_row(ctx, [line]), keep_with_next=heading_only, text=line.text)
            for line in lines
        ]


@dataclass
class Title(Block):
    """The document title: 2号 小标宋, centred, long titles in balanced lines, then a blank line."""

    text: str
    space_after_lines: int = 1

    def plain_text(self) -> str:
        return self.text

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        geo = ctx.geometry
        size = geo.title_size
        glyphs = [ctx.glyph(ch, FontRole.TITLE, size) for ch in _clean(self.text) if ch != "\n"]
        cs = geo.char_space
        natural = _natural(glyphs, cs)
        n = max(1, math.ceil((natural - EPS) / geo.text_width))
        limit = geo.text_width if n == 1 else min(geo.text_width, natural / n + size)
        broken = break_lines(glyphs, limit, limit, cs)
        lines = [_Line(g, (geo.text_width - _natural(g, cs)) / 2, cs) for g in broken]
        rows = [_Row(_text_row(ctx, [line]), keep_with_next=True, text=line.text) for line in lines]
        return rows + [_Row(keep_with_next=True) for _ in range(self.space_after_lines)]


@dataclass
class BlankLines(Block):
    """Empty grid lines."""

    count: int = 1

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        return [_Row() for _ in range(self.count)]


@dataclass
class PageBreak(Block):
    """Continue on a new page."""

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        return [_Row(page_break=True)]


@dataclass(frozen=True)
class SignatureBlock:
    """One signing party: its name (with room for its seal), a signer line and the date.

    ``date`` None leaves a blank ``年 月 日`` line to be filled in by hand.
    """

    org: str
    signer: str | None = None  # e.g. "主要负责同志（签字）："
    date: dt.date | str | None = None
    party: str | None = None  # e.g. "甲方"
    seal_note: str = "（盖章）"

    def lines(self) -> list[str]:
        """The block's lines: name with seal note, signer, date."""
        return [self.name_line(), *self.rest_lines()]

    def name_line(self) -> str:
        head = f"{self.party}：" if self.party else ""
        return f"{head}{self.org}{self.seal_note}"

    def rest_lines(self) -> list[str]:
        out = [self.signer] if self.signer else []
        if isinstance(self.date, dt.date):
            out.append(format_date(self.date))
        else:
            out.append(self.date or "\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日")
        return out


_group_ids = iter(range(1, 1 << 62))


@dataclass
class Signatures(Block):
    """Signature and date blocks after the body, kept on one page, with room for the seals.

    One block is placed by the standard: the date right-aligned four characters in from the
    right edge and the name centred above it. Two or more stand side by side in equal
    columns, each column's lines starting at the same place (see :meth:`_columns`). ``seal_room_lines`` blank lines precede them, so a
    seal pressed on the name and date reaches to within one line of the text above.
    """

    blocks: Sequence[SignatureBlock]
    seal_room_lines: int = 2
    columns: int = 2
    column_indent: int = 2  # characters from a column's left edge to its text

    def plain_text(self) -> str:
        return "\n".join(line for b in self.blocks for line in b.lines())

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        group = next(_group_ids)
        rows = [_Row(group=group) for _ in range(self.seal_room_lines)]
        blocks = list(self.blocks)
        if rows:  # GB/T 9704 §7.3.5.4: the text's last line goes with the 署名
            rows[0].keep_with_previous = True
        per_row = max(1, self.columns)
        for start in range(0, len(blocks), per_row):
            chunk = blocks[start : start + per_row]
            if len(chunk) == 1 and len(blocks) == 1:
                placed = [self._single(ctx, chunk[0])]
            else:
                placed = self._columns(ctx, chunk, per_row)
            height = max(len(p) for p in placed)
            for k in range(height):
                line_set = [p[k] for p in placed if k < len(p) and p[k].glyphs]
                text = "\u3000".join(line.text for line in line_set)
                rows.append(_Row(_text_row(ctx, line_set), group=group, text=text))
            if start + per_row < len(blocks):
                rows += [_Row(group=group) for _ in range(self.seal_room_lines)]
        return rows

    def _single(self, ctx: LayoutContext, block: SignatureBlock) -> list[_Line]:
        """One block by the standard: the date right-aligned four characters in from the
        right edge, the other lines centred on the date."""
        geo = ctx.geometry
        size, cs = geo.body_size, geo.char_space
        texts: list[list[_Glyph]] = []
        name = block.name_line()
        glyphs = [ctx.glyph(ch, FontRole.BODY, size) for ch in _clean(name)]
        if _natural(glyphs, cs) > geo.text_width + EPS and block.seal_note:
            pieces = [name[: -len(block.seal_note)], block.seal_note]
        else:
            pieces = [name]
        for text in pieces + block.rest_lines():
            glyphs = [ctx.glyph(ch, FontRole.BODY, size) for ch in _clean(text)]
            texts += break_lines(glyphs, geo.text_width, geo.text_width, cs)
        widths = [_natural(t, cs) for t in texts]
        centre = geo.text_width - 4 * geo.char_pitch - widths[-1] / 2
        return [
            _Line(glyphs, min(max(centre - w / 2, 0.0), geo.text_width - w), cs)
            for glyphs, w in zip(texts, widths, strict=True)
        ]

    def _columns(
        self, ctx: LayoutContext, chunk: Sequence[SignatureBlock], columns: int
    ) -> list[list[_Line]]:
        """Blocks side by side in equal columns. Every column starts at the same place
        (``column_indent`` characters in) whatever its text; a long name wraps within its
        column at a unit boundary (after ：, 局, 府, 会 …); （盖章） has a line of its own; the
        name parts are padded to the same height so the signer and date rows line up."""
        geo = ctx.geometry
        size, cs = geo.body_size, geo.char_space
        cells = geo.chars_per_line // columns  # grid cells of a column
        col_width = cells * geo.char_pitch
        indent = self.column_indent * geo.char_pitch
        avail = (cells - self.column_indent) * geo.char_pitch - cs
        names: list[list[list[_Glyph]]] = []
        rests: list[list[list[_Glyph]]] = []
        for block in chunk:
            head = f"{block.party}：" if block.party else ""
            glyphs = [ctx.glyph(ch, FontRole.BODY, size) for ch in _clean(head + block.org)]
            name_lines = name_breaks(glyphs, avail, cs)
            if block.seal_note:
                name_lines.append([ctx.glyph(ch, FontRole.BODY, size) for ch in block.seal_note])
            names.append(name_lines)
            rest: list[list[_Glyph]] = []
            for text in block.rest_lines():
                glyphs = [ctx.glyph(ch, FontRole.BODY, size) for ch in _clean(text)]
                rest += break_lines(glyphs, avail, avail, cs)
            rests.append(rest)
        tall = max(len(n) for n in names)
        out = []
        for c, (name_lines, rest) in enumerate(zip(names, rests, strict=True)):
            x = c * col_width + indent
            seal = name_lines[-1:] if chunk[c].seal_note else []
            body = name_lines[: len(name_lines) - len(seal)]
            padded = body + [[] for _ in range(tall - len(name_lines))] + seal
            out.append([_Line(glyphs, x, cs) for glyphs in padded + rest])
        return out


#: characters after which an organisation's name may wrap (a unit boundary)
NAME_BREAK_AFTER = frozenset("：局府会委市县区办")


def name_breaks(glyphs: list[_Glyph], width: float, cs: float) -> list[list[_Glyph]]:
    """An organisation's name broken into lines no wider than ``width``, at the last unit
    boundary (:data:`NAME_BREAK_AFTER`) that fits, else wherever the line is full."""
    lines: list[list[_Glyph]] = []
    rest = list(glyphs)
    while rest:
        n = 0
        while n < len(rest) and _natural(rest[: n + 1], cs) <= width + EPS:
            n += 1
        if n >= len(rest):
            lines.append(rest)
            break
        n = max(n, 1)
        cut = max((k + 1 for k in range(n) if rest[k].ch in NAME_BREAK_AFTER), default=0)
        if cut < max(2, n // 3):  # no boundary, or one that leaves a nearly empty line
            cut = n
            while cut > 1 and rest[cut].ch in NO_LINE_START:
                cut -= 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    return lines


class FlowableBlock(Block):
    """Any reportlab ``Flowable`` (e.g. a ``Table``) placed in the type area.

    It takes whole grid lines (its height rounded up) and is kept on one page when it fits;
    a taller one is split with its own ``split``.
    """

    def __init__(self, flowable: Flowable) -> None:
        self.flowable = flowable

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        geo = ctx.geometry
        pieces = [self.flowable]
        rows: list[_Row] = []
        while pieces:
            piece = pieces.pop(0)
            _w, h = piece.wrap(geo.text_width, geo.text_height)
            if h > geo.text_height + EPS:
                parts = piece.split(geo.text_width, geo.text_height)
                if len(parts) < 2:
                    raise UserError("表格的一行比一页还高，无法排版。")
                pieces[:0] = parts
                continue
            n = max(1, math.ceil((h - EPS) / geo.line_pitch))
            group = next(_group_ids)

            def draw(canvas: Canvas, x0: float, top: float, piece=piece, h=h) -> None:
                piece.drawOn(canvas, x0, top - h)

            rows.append(_Row(draw, group=group))
            rows += [_Row(group=group) for _ in range(n - 1)]
        return rows


def _flowable_rows(flowable: Flowable, ctx: LayoutContext, group: int) -> list[_Row]:
    """A flowable no taller than a page as whole grid lines of one group."""
    geo = ctx.geometry
    _w, h = flowable.wrap(geo.text_width, geo.text_height)
    n = max(1, math.ceil((h - EPS) / geo.line_pitch))

    def draw(canvas: Canvas, x0: float, top: float) -> None:
        flowable.drawOn(canvas, x0, top - h)

    return [_Row(draw, group=group)] + [_Row(group=group) for _ in range(n - 1)]


class FloatBlock(FlowableBlock):
    """A figure (e.g. a chart with its caption) kept whole, that may move below the text
    after it when it does not fit on the current page, so no page is left half empty."""

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        rows = _flowable_rows(self.flowable, ctx, next(_group_ids))
        rows[0].floating = True
        return rows


@dataclass
class TableBlock(Block):
    """A table that flows across pages: ``head`` (title and column header, kept with the first
    band) and ``bands`` (pieces of a whole number of grid lines each, e.g. two rows of a
    half-line row height); on a continued page the ``header`` is drawn again first."""

    head: Flowable
    header: Flowable
    bands: Sequence[Flowable]
    text: str = ""

    def plain_text(self) -> str:
        return self.text

    def rows(self, ctx: LayoutContext) -> list[_Row]:
        repeat = _flowable_rows(self.header, ctx, next(_group_ids))
        head = _flowable_rows(self.head, ctx, next(_group_ids))
        head[-1].keep_with_next = True
        rows = head
        for band in self.bands:
            band_rows = _flowable_rows(band, ctx, next(_group_ids))
            band_rows[0].repeat = repeat
            rows += band_rows
        return rows


def paragraphs(texts: Iterable[str]) -> list[Paragraph]:
    """Body paragraphs and headings from plain texts (kind from each text's numbering)."""
    return [Paragraph(t) for t in texts if t.strip()]


# -- the document ------------------------------------------------------------------------------
@dataclass
class BuildResult:
    """What :meth:`OfficialDocument.build` wrote."""

    pages: int  # pages in the file, blank pages included
    part_pages: list[int] = field(default_factory=list)  # numbered pages of each part
    part_first_page: list[int] = field(default_factory=list)  # 1-based page of each part's start


class OfficialDocument:
    """Writes blocks onto GB/T 9704 pages as a PDF with embedded (subset) fonts."""

    def __init__(
        self,
        fonts: FontSet | None = None,
        geometry: PageGeometry = GBT9704,
        *,
        title: str = "",
        author: str = "",
        subject: str = "",
    ) -> None:
        self.ctx = LayoutContext(fonts or discover_fonts(), geometry)
        self.geometry = geometry
        self.title = title
        self.author = author
        self.subject = subject

    def build(
        self,
        parts: Sequence[Sequence[Block | Flowable]],
        target: str | Path | BinaryIO,
        *,
        duplex: bool = False,
    ) -> BuildResult:
        """Write the parts to ``target``; each part starts a new page and is numbered from 1.

        ``duplex`` adds an unnumbered blank page after a part with an odd number of pages
        (not after the last), so each part starts on the front of a sheet when printed on
        both sides.
        """
        geo = self.geometry
        canvas = Canvas(
            str(target) if isinstance(target, Path) else target,
            pagesize=(geo.page_width, geo.page_height),
            pageCompression=1,
            initialFontName=self.ctx.font(FontRole.BODY),  # no unembedded Helvetica
            initialFontSize=geo.body_size,
        )
        canvas.setTitle(self.title)
        canvas.setAuthor(self.author)
        canvas.setSubject(self.subject)
        canvas.setCreator(CREATOR)
        result = BuildResult(pages=0)
        for index, part in enumerate(parts):
            rows = [row for block in part for row in self._rows(block)]
            result.part_first_page.append(result.pages + 1)
            numbered = self._paginate(canvas, rows)
            result.part_pages.append(numbered)
            result.pages += numbered
            if duplex and numbered % 2 and index < len(parts) - 1:
                canvas.showPage()  # the back of the last sheet stays blank, unnumbered
                result.pages += 1
        canvas.save()
        return result

    def font_name(self, role: FontRole) -> str:
        """The reportlab name of the font serving ``role`` (registered)."""
        return self.ctx.font(role)

    def reportlab_style(self, name: str = ParagraphKind.BODY, **overrides: object):
        """A reportlab ``ParagraphStyle`` in the font of a style of :data:`STYLES`, for text
        handed to reportlab's own ``Paragraph`` (a table cell): escape it with
        :func:`escape_markup`."""
        from reportlab.lib.styles import ParagraphStyle

        style = STYLES[name]
        values: dict[str, object] = {
            "fontName": self.font_name(style.role),
            "fontSize": style.size,
            "leading": style.size * 1.3,
            "wordWrap": "CJK",
        }
        values.update(overrides)
        return ParagraphStyle(f"official-{name}", **values)

    def rows(self, blocks: Sequence[Block | Flowable]) -> list[_Row]:
        """The grid lines of blocks (e.g. to count lines or read their text)."""
        return [row for block in blocks for row in self._rows(block)]

    def _rows(self, block: Block | Flowable) -> list[_Row]:
        if isinstance(block, Block):
            return block.rows(self.ctx)
        return FlowableBlock(block).rows(self.ctx)

    def _paginate(self, canvas: Canvas, rows: list[_Row]) -> int:
        """Draw rows onto pages; returns the number of pages of this part.

        A floating group that does not fit waits for the next page while the rows after it
        fill this one; a row with ``repeat`` rows that opens a page has them drawn first."""
        geo = self.geometry
        per_page = geo.lines_per_page
        state = {"page": 1, "line": 0, "fresh": True}
        deferred: list[list[_Row]] = []

        def put(row: _Row) -> None:
            if row.draw is not None:
                row.draw(canvas, geo.left, geo.text_top - state["line"] * geo.line_pitch)
            state["line"] += 1

        def new_page() -> None:
            self._end_page(canvas, state["page"])
            state["page"] += 1
            state["line"] = 0
            state["fresh"] = True
            while deferred and state["line"] + len(deferred[0]) <= per_page:
                for r in deferred.pop(0):
                    put(r)

        i = 0
        while i < len(rows):
            row = rows[i]
            line = state["line"]
            if row.page_break:
                if line or deferred:
                    new_page()
                i += 1
                continue
            if line and not row.draw and not row.group and line >= per_page:
                i += 1  # blank lines at a page end vanish
                continue
            need = self._span(rows, i)
            repeat = len(row.repeat) if row.repeat else 0
            if line and line + need > per_page:
                if row.floating and need <= per_page:
                    deferred.append(rows[i : i + need])
                    i += need
                    continue
                new_page()
                if not row.draw and not row.group and state["line"] == 0:
                    i += 1  # no blank line at the top of a page
                    continue
            if row.repeat and state["fresh"] and state["line"] + repeat + need <= per_page:
                for r in row.repeat:
                    put(r)
            end = i + need
            while i < end:
                if state["line"] >= per_page:  # a group taller than a page: continue
                    new_page()
                put(rows[i])
                state["fresh"] = False
                i += 1
        while deferred:
            if state["line"] + len(deferred[0]) > per_page:
                new_page()
                continue
            for r in deferred.pop(0):
                put(r)
        self._end_page(canvas, state["page"])
        return state["page"]

    @staticmethod
    def _span(rows: list[_Row], i: int) -> int:
        """Rows that must go on the same page from ``i``: a group, or a heading and what follows."""
        j = i
        group = rows[i].group
        if group:
            while j + 1 < len(rows) and rows[j + 1].group == group:
                j += 1
        while (
            j + 1 < len(rows)
            and (rows[j].keep_with_next or rows[j + 1].keep_with_previous)
            and not rows[j + 1].page_break
        ):
            j += 1
            group = rows[j].group
            if group:
                while j + 1 < len(rows) and rows[j + 1].group == group:
                    j += 1
        return j - i + 1

    def _end_page(self, canvas: Canvas, number: int) -> None:
        self._page_number(canvas, number)
        canvas.showPage()

    def _page_number(self, canvas: Canvas, number: int) -> None:
        """The page number "— n —" in 4号 宋体 below the type area (odd right, even left)."""
        geo = self.geometry
        ctx = self.ctx
        size = geo.page_number_size
        glyphs = [ctx.glyph(ch, FontRole.PAGE_NUMBER, size) for ch in f"— {number} —"]
        width = sum(g.width for g in glyphs)
        if number % 2:
            x = geo.left + geo.text_width - size - width
        else:
            x = geo.left + size
        # the 一字线 (the dashes' ink) sits ``page_number_drop`` below the type area
        dash = glyphs[0]
        middle = ctx.ink_middle(dash.font, dash.ch) * dash.size
        baseline = geo.text_bottom - geo.page_number_drop - middle
        top = baseline + dash.size * (1 + ctx.descent(dash.font))
        line = _Line(glyphs, 0.0, 0.0)
        _text_row(ctx, [line])(canvas, x, top)
