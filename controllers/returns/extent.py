"""How big each sheet of a workbook really is, found before any cell is read.

python-calamine allocates a sheet's whole rectangle (first to last used row × first to last
used column): an .xlsx of 5 KB holding only A1 and XFD1048576 asks for half a terabyte and the
process aborts. So before calamine opens a file, each sheet's declared extent (the
``<dimension>`` of .xlsx) and its actual extent (the cell references, read by streaming the
sheet XML out of the zip) are checked against :class:`ExtentLimits`; a sheet that is too big
is refused with one sentence, like a zip bomb.

- .xlsx/.xlsm: every ``xl/worksheets/*.xml`` (and any other part the workbook's relationships
  name as a worksheet) is streamed; rows from ``<row r=…>`` and from any cell reference beyond
  them (calamine places a cell by its own reference), columns from ``<c r=…>`` (both optional
  in the format: rows without numbers are counted instead). The ``r`` attribute is read in
  every form calamine reads: either quote, any XML whitespace around ``=``, letters in either
  case, any number of letters and of leading zeros. One RE2 (DFA) pass per chunk proves most
  chunks hold nothing beyond the rows and columns already known (in the first chunk: the widest
  column of its first references); only the others are read by the exact (backtracking) pass.
- .ods: ``content.xml`` is streamed; rows and columns are counted with their
  ``number-rows-repeated`` / ``number-columns-repeated``, but only up to the last cell that holds
  something (LibreOffice pads every sheet with a million repeated empty rows).
- .xls (BIFF8) is bounded by its format: at most 65,536 rows × 256 columns (16.7 million cells).
  The file size limit bounds what calamine reads there; no scan is needed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from xml.etree.ElementTree import iterparse

import re2

from controllers.errors import UserError

#: Excel's own limits (a reference beyond them is damage)
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384
CHUNK = 1 << 20


@dataclass(frozen=True)
class ExtentLimits:
    """The largest sheet a return may hold (a 200,000-row register has 24 columns)."""

    max_rows: int = 1_000_000
    max_cols: int = 1_000
    max_cells: int = 12_000_000  # rows × columns calamine would allocate


DEFAULT_EXTENT = ExtentLimits()


@dataclass(frozen=True)
class SheetExtent:
    """The rows and columns a sheet spans (1-based last row and column; 0 when empty)."""

    part: str  # the zip entry
    declared_rows: int
    declared_cols: int
    rows: int
    cols: int
    #: merged ranges ((first row, first col), (last row, last col)), 0-based (.ods only)
    merges: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()


class SheetTooLarge(UserError):
    """A sheet whose extent would make the reader allocate more than the limits allow."""


def column_number(letters: bytes | str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + (ord(ch) - 64)
    return n


_REF = re.compile(r"([A-Za-z]{1,3})(\d{1,7})")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([^\"]+)\"")
# One pass over each chunk of the sheet's XML at about the speed of a byte search for `` r``
# (see :func:`_scan_pattern`); the rarer forms of the ``r`` attribute calamine also reads (any
# XML whitespace before it and around its ``=``, single quotes) send the chunk through the
# general form of the same pattern.
_HEAD = {False: rb' r="', True: rb"r(?<=\sr)\s*=\s*[\"']"}
_QUOTE = {False: b'"', True: rb"[\"']"}
#: a tab or a line break (normal sheet XML has none after its declaration) or, just after
#: `` r``, spaces around ``=`` or a single quote
_WHITESPACE = (b"\t", b"\n", b"\r")
_IRREGULAR = rb"( +=|=[ '])"
_DECLARATION = re.compile(rb"\s*<\?xml[^>]*\?>\s*")
_LAST_ROW = re.compile(rb'(\d+)"')
# rows and cells without a regular `` r="`` first (found by a byte search each; Excel and the
# libraries write none): calamine puts a row without a number after the previous row, and a
# cell without a reference after the previous cell, so such rows and cells are counted
_LOOSE = (re.compile(rb'<(?:row|c)(?! r=")[\s/>]'), re.compile(rb':(?:row|c)(?! r=")[\s/>]'))
_LOOSE_ROW = (re.compile(rb'<row(?! r=")[\s/>]'), re.compile(rb':row(?! r=")[\s/>]'))
_ROW_START = re.compile(rb"<(?:\w+:)?row(?=[\s/>])")
_CELL_WITHOUT_REF = re.compile(rb"<(?:\w+:)?c(?=[\s/>])(?![^>]*\sr\s*=)")


def _greater(digits: bytes) -> bytes:
    """A regex for a number of as many digits as ``digits`` and greater (a prefix of any
    longer number matches too), as a trie: a normal reference fails on its first digits."""
    d, rest = digits[0], len(digits) - 1
    alternatives = []
    if d < ord("9"):
        alternatives.append(b"[%c-9]" % (d + 1) + (rb"\d{%d}" % rest if rest else b""))
    if rest:
        tail = _greater(digits[1:])
        if tail:
            alternatives.append(bytes([d]) + b"(?:" + tail + b")")
    return b"|".join(alternatives)


@lru_cache(maxsize=64)
def _scan_pattern(narrow: int, top: int, general: bool) -> re.Pattern[bytes]:
    """The chunk's one pass; ``findall`` gives (row number, letters, beyond, irregular):

    - an ``r`` of digits only is a row number (of a ``<row>``, with or without a namespace
      prefix; a cell reference starts with letters);
    - the letters of a cell reference beyond column ``narrow`` (A = 1 … Z = 26; two and more
      letters always), in either case;
    - the row number of any cell reference whose row is greater than ``top`` (more digits, or
      as many and greater; leading zeros allowed): calamine places a cell by its own reference,
      not by its row's number, so ``<row r="1"><c r="A999999"/>`` is a 999,999-row sheet;
    - an ``r`` in one of the rarer forms (regular pattern only).
    """
    wide = rb"[A-Za-z]{2,}"
    if narrow < 26:
        wide += b"|[" + bytes([65 + narrow]) + b"-Z" + bytes([97 + narrow]) + b"-z]"
    digits = str(top).encode()
    beyond = b"0*((?:" + _greater(digits) + rb"|[1-9]\d{%d})\d*)" % len(digits)
    quote = _QUOTE[general]
    cell = (rb"(\d+)" + quote + b"|(?:(" + wide + b")|[A-Za-z]+)(?:" + beyond + quote
            + rb"|(?(2)[0-9]|(?!)))")  # fmt: skip
    if general:
        return re.compile(_HEAD[True] + b"(?:" + cell + b")()")
    return re.compile(rb' r(?:="(?:' + cell + b")|" + _IRREGULAR + b")")


def _letters(n: int) -> bytes:
    """1 → ``A``, 16384 → ``XFD`` (0 → empty)."""
    out = b""
    while n:
        n, rem = divmod(n - 1, 26)
        out = bytes([65 + rem]) + out
    return out


def _greater_letters(name: bytes) -> list[bytes]:
    """Regexes for columns of as many letters as ``name`` and greater, in either case."""
    if not name:
        return []
    ch, rest = name[0], len(name) - 1
    out = []
    if ch < ord("Z"):
        tail = rb"[A-Za-z]{%d}" % rest if rest else b""
        out.append(b"[%c-Z%c-z]" % (ch + 1, ch + 33) + tail)
    out += [b"[%c%c]" % (ch, ch + 32) + t for t in _greater_letters(name[1:])]
    return out


#: Python's ``\s`` for bytes (RE2's lacks the vertical tab)
_SPACE = rb"[ \t\n\r\f\v]"
_FAST_OPTIONS = re2.Options()
_FAST_OPTIONS.encoding = re2.Options.Encoding.LATIN1  # any byte is a character
_FAST_OPTIONS.never_capture = True


@lru_cache(maxsize=16)
def _fast_pattern(top: int, widest: int) -> re2._Regexp:
    """One DFA pass over a chunk that finds anything that could make the chunk count more than
    rows up to ``top`` and columns up to ``widest`` (it may find more; never less):

    - an ``r="`` of a row or cell whose number is greater than ``top`` (more digits, or as many
      and greater; leading zeros allowed);
    - an ``r="`` of a cell whose column is beyond ``widest`` (more letters, or as many letters
      and greater; either case);
    - ``r`` after other whitespace than one space, whitespace around its ``=``, or anything but
      ``"`` after it (the forms :func:`_scan_pattern` reads in its general form);
    - a ``<row`` or ``<c`` (or ``:row`` / ``:c``) not followed by `` r="`` (:data:`_LOOSE`).
    """
    digits = str(top).encode()
    numbers = [rb"[1-9][0-9]{%d}" % len(digits)]
    if tail := _greater(digits):
        numbers.append(tail)
    name = _letters(widest)
    # (the exact pass may take letters followed by a quote: ``(?(2)…)`` after an empty ``beyond``)
    columns = [rb"[A-Za-z]{%d,}[^A-Za-z]" % (len(name) + 1)]
    columns += [c + b"[^A-Za-z]" for c in _greater_letters(name)]
    # (a row number of zeros only is damage the exact pass reports)
    reference = b"[A-Za-z]*0*(?:" + b"|".join(numbers) + b")|0+[\"']|" + b"|".join(columns)
    irregular = rb" r(?:" + _SPACE + rb'+=|=[^"])|[\t\n\r\f\v]r' + _SPACE + b"*="
    loose = rb'[<:](?:row|c)(?:[\t\n\r\f\v/>]| (?:[^r]|r[^=]|r=[^"]|(?:r=?)?\z))'
    pattern = b' r="(?:' + reference + b")|" + irregular + b"|" + loose
    return re2.compile(pattern, _FAST_OPTIONS)


#: the letters of the regular references in the first bytes of a sheet's XML (each is one the
#: exact pass counts: letters, then a digit)
_FIRST_COLUMNS = re.compile(rb' r="([A-Za-z]+)[0-9]')
FIRST_COLUMNS_BYTES = 1 << 16


def _number(digits: bytes) -> int:
    """A row number as calamine reads it (leading zeros allowed); absurd lengths stay absurd."""
    digits = digits.lstrip(b"0")
    return int(digits) if len(digits) < 16 else 10**15


def _ref_extent(ref: str) -> tuple[int, int]:
    """(last row, last column) of a range like ``A1:XFD1048576`` (or a single cell)."""
    last = ref.split(":")[-1].replace("$", "")
    m = _REF.fullmatch(last.strip())
    if not m:
        return 0, 0
    return int(m[2]), column_number(m[1])


_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")
_TARGET = re.compile(rb"""\sTarget\s*=\s*["']([^"']+)["']""")


def _worksheet_parts(zf: zipfile.ZipFile) -> list[str]:
    """Every part calamine may read as a worksheet: ``xl/worksheets/*.xml`` and whatever the
    workbook's relationships name as a worksheet (a crafted file may keep one elsewhere)."""
    names = {i.filename for i in zf.infolist()}
    parts = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    if "xl/_rels/workbook.xml.rels" in names:
        with zf.open("xl/_rels/workbook.xml.rels") as fh:
            rels = fh.read(4_000_000)
        for rel in _RELATIONSHIP.findall(rels):
            target = _TARGET.search(rel)
            if target is None or b"worksheet" not in rel:
                continue
            path = target[1].decode("utf-8", "replace").replace("\\", "/")
            path = path.lstrip("/") if path.startswith("/") else posixpath.join("xl", path)
            path = posixpath.normpath(path)
            if path in names and path not in parts:
                parts.append(path)
    return sorted(parts)


def xlsx_extents(zf: zipfile.ZipFile) -> list[SheetExtent]:
    """The declared and actual extent of every worksheet part, streamed chunk by chunk.

    A chunk that :func:`_fast_pattern` proves to hold nothing beyond the rows and columns known
    so far (in the first chunk: the widest column of its first references) costs one DFA pass;
    any other goes through the exact pass of :func:`_scan_pattern` and the loose rows and cells.
    """
    out = []
    for name in _worksheet_parts(zf):
        declared = (0, 0)
        max_row = loose_rows = loose_cols = open_row = narrow = widest = 0
        columns: set[bytes] = set()
        tail = b""
        with zf.open(name) as fh:
            first = True
            while True:
                data = fh.read(CHUNK)
                if not data:
                    break
                buf = tail + data
                # a tag cut by the chunk boundary is completed by the next chunk
                cut = buf.rfind(b"<")
                if cut > 0 and buf.find(b">", cut) < 0:
                    buf, tail = buf[:cut], buf[cut:]
                else:
                    tail = b""
                # the last row's number (the largest, in a sorted sheet)
                last_row = 0
                last = buf.rfind(b'row r="')
                if last >= 0 and (m := _LAST_ROW.match(buf, last + 7)):
                    last_row = _number(m[1])
                start = 0
                if first:
                    m = _DIMENSION.search(buf, 0, 4096)
                    if m:
                        declared = _ref_extent(m[1].decode("ascii", "replace"))
                    m = _DECLARATION.match(buf)
                    start = m.end() if m else 0
                    first = False
                    # the widest column of the first references, for the fast pass to prove
                    # the widest of the chunk (the exact pass counts otherwise)
                    heads = _FIRST_COLUMNS.findall(buf, 0, FIRST_COLUMNS_BYTES)
                    widest = max(map(column_number, heads), default=0)
                known = max(max_row, last_row)
                if _fast_pattern(known, widest).search(buf) is None:
                    # what the exact pass would find: the rows up to the last one, no column
                    # beyond the widest, the previous chunk's row closed by a new one
                    max_row = known
                    if open_row and _ROW_START.search(buf):
                        open_row = 0
                    continue
                # the threshold for the cells "beyond"; a smaller one only finds more of them
                top = max(max_row + loose_rows, last_row)
                general = any(buf.find(byte, start) >= 0 for byte in _WHITESPACE)
                found = _scan_pattern(narrow, top, general).findall(buf)
                if not general and any(irregular for *_, irregular in found):
                    general = True
                    found = _scan_pattern(narrow, top, general).findall(buf)
                numbers = [n for n, _letters, _beyond, _i in found if n]
                if numbers:
                    max_row = max(max_row, max(map(_number, numbers)))
                beyond = [b for _n, _letters, b, _i in found if b]
                if beyond:
                    max_row = max(max_row, max(map(_number, beyond)))
                loose = any(p.search(buf) for p in _LOOSE)
                # rows without a number may each come after the largest numbered one
                if loose and any(p.search(buf) for p in _LOOSE_ROW):
                    tags = len(_ROW_START.findall(buf))
                    loose_rows += max(0, tags - len(numbers))
                # cells without a reference widen their row one column each
                if loose:
                    rows = _ROW_START.split(buf)
                    widths = [len(_CELL_WITHOUT_REF.findall(r)) for r in rows]
                    widths[0] += open_row  # the row the previous chunk ended in
                    loose_cols = max(loose_cols, *widths)
                    open_row = widths[-1]
                elif _ROW_START.search(buf):
                    open_row = 0
                # only references beyond the widest one-letter column seen so far are collected
                for letters in {letters for _n, letters, _b, _i in found if letters}:
                    if len(letters) == 1:
                        narrow = max(narrow, letters.upper()[0] - 64)
                    else:
                        columns.add(letters)
                # (a chunk proved clean may have set it: the first one, from its first references)
                widest = max(widest, max((column_number(c) for c in columns), default=narrow))
        out.append(SheetExtent(name, declared[0], declared[1], max_row + loose_rows,
                               widest + loose_cols))  # fmt: skip
    return out


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T = "{" + _TABLE_NS + "}"
_VALUE_TYPE = "{" + _OFFICE_NS + "}value-type"


def ods_extents(zf: zipfile.ZipFile) -> list[SheetExtent]:
    """The extent of every table of ``content.xml``: up to its last cell holding something."""
    out: list[SheetExtent] = []
    with zf.open("content.xml") as fh:
        row = col = 0
        last_row = last_col = 0
        row_has = False
        name = ""
        merges: list[tuple[tuple[int, int], tuple[int, int]]] = []
        for event, elem in iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == _T + "table":
                    name = elem.get(_T + "name", "")
                    row = last_row = last_col = 0
                    merges = []
                elif tag == _T + "table-row":
                    col = 0
                    row_has = False
                continue
            if tag in (_T + "table-cell", _T + "covered-table-cell"):
                repeat = int(elem.get(_T + "number-columns-repeated", "1") or 1)
                spanned = int(elem.get(_T + "number-rows-spanned", "1") or 1)
                across = int(elem.get(_T + "number-columns-spanned", "1") or 1)
                if spanned > 1 or across > 1:
                    merges.append(((row, col), (row + spanned - 1, col + across - 1)))
                if elem.get(_VALUE_TYPE) is not None or len(elem):
                    last_col = max(last_col, col + repeat)
                    row_has = True
                col += repeat
                elem.clear()
            elif tag == _T + "table-row":
                repeat = int(elem.get(_T + "number-rows-repeated", "1") or 1)
                row += repeat
                if row_has:  # a repeated row with content is that many rows of content
                    last_row = row
                elem.clear()
            elif tag == _T + "table":
                out.append(SheetExtent(name, 0, 0, last_row, last_col, tuple(merges)))
                elem.clear()
    return out


def check_extents(extents: list[SheetExtent], filename: str, limits: ExtentLimits) -> None:
    """Refuse the file when any sheet is declared or found larger than the limits."""
    for e in extents:
        for rows, cols, what in ((e.declared_rows, e.declared_cols, "声明的"),
                                 (e.rows, e.cols, "实际使用的")):  # fmt: skip
            if rows > limits.max_rows or cols > limits.max_cols or rows * cols > limits.max_cells:
                raise SheetTooLarge(
                    f"文件“{filename}”中有工作表{what}范围达 {rows:,} 行 × {cols:,} 列"
                    f"（上限 {limits.max_rows:,} 行、{limits.max_cols:,} 列、"
                    f"{limits.max_cells:,} 个单元格），按此范围读取会耗尽内存，已拒绝读取；"
                    "请让报送单位把清单复制到一个新的工作簿后重新发送。"
                )
