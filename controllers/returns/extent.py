"""How big each sheet of a workbook really is, found before any cell is read.

python-calamine allocates a sheet's whole rectangle (first to last used row × first to last
used column): an .xlsx of 5 KB holding only A1 and XFD1048576 asks for half a terabyte and the
process aborts. So before calamine opens a file, each sheet's declared extent (the
``<dimension>`` of .xlsx) and its actual extent (the cell references, read by streaming the
sheet XML out of the zip) are checked against :class:`ExtentLimits`; a sheet that is too big
is refused with one sentence, like a zip bomb.

- .xlsx/.xlsm: every ``xl/worksheets/*.xml`` is streamed; rows from ``<row r=…>``, columns from
  ``<c r=…>`` (both optional in the format: rows without numbers are counted instead).
- .ods: ``content.xml`` is streamed; rows and columns are counted with their
  ``number-rows-repeated`` / ``number-columns-repeated``, but only up to the last cell that holds
  something (LibreOffice pads every sheet with a million repeated empty rows).
- .xls (BIFF8) is bounded by its format: at most 65,536 rows × 256 columns (16.7 million cells).
  The file size limit bounds what calamine reads there; no scan is needed.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import iterparse

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
# one pass over the sheet's XML (≈ 24 MB for 20,000 rows) at the speed of a byte search for
# the literal ' r="': an r="…" of digits only is a row number (of a <row>, with or without a
# namespace prefix; a cell reference starts with letters), and only the cell references beyond
# column ``n`` (A = 1 … Z = 26; two and more letters always) are captured
_SCAN = {
    n: re.compile(rb' r="(?:(\d{1,9})"|([A-Za-z]{2,4}|[' + bytes([65 + n]) + rb"-Z])[0-9])")
    for n in range(26)
} | {26: re.compile(rb' r="(?:(\d{1,9})"|([A-Za-z]{2,4})[0-9])')}


def _ref_extent(ref: str) -> tuple[int, int]:
    """(last row, last column) of a range like ``A1:XFD1048576`` (or a single cell)."""
    last = ref.split(":")[-1].replace("$", "")
    m = _REF.fullmatch(last.strip())
    if not m:
        return 0, 0
    return int(m[2]), column_number(m[1])


def xlsx_extents(zf: zipfile.ZipFile) -> list[SheetExtent]:
    """The declared and actual extent of every worksheet part, streamed chunk by chunk."""
    out = []
    for info in zf.infolist():
        name = info.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        declared = (0, 0)
        max_row = rows_counted = max_col = narrow = 0
        columns: set[bytes] = set()
        tail = b""
        with zf.open(info) as fh:
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
                if first:
                    m = _DIMENSION.search(buf, 0, 4096)
                    if m:
                        declared = _ref_extent(m[1].decode("ascii", "replace"))
                    first = False
                found = _SCAN[narrow].findall(buf)
                numbers = [n for n, _letters in found if n]
                if numbers:
                    max_row = max(max_row, max(map(int, numbers)))
                else:  # rows without numbers: count them
                    rows_counted += buf.count(b"<row") + buf.count(b":row ")
                # only references beyond the widest one-letter column seen so far are collected
                for letters in {letters for _n, letters in found if letters}:
                    if len(letters) == 1:
                        narrow = max(narrow, letters.upper()[0] - 64)
                    else:
                        columns.add(letters)
        max_col = max((column_number(c) for c in columns), default=narrow)
        out.append(SheetExtent(name, declared[0], declared[1], max(max_row, rows_counted),
                               max_col))  # fmt: skip
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
