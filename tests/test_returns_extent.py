"""The extent scan of .xlsx sheets (one pass over the XML before calamine reads anything) on
the corners its byte search relies on: rows out of order, rows and cells without references,
namespace prefixes, attributes before ``r`` and references cut by a chunk boundary."""

from __future__ import annotations

import functools
import posixpath
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from controllers.returns.extent import (
    CHUNK,
    DEFAULT_EXTENT,
    FIRST_COLUMNS_BYTES,
    SheetTooLarge,
    _fast_pattern,
    check_extents,
    xlsx_extents,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _extent(tmp_path: Path, sheet_data: str, prefix: str = "") -> tuple[int, int]:
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}="{MAIN}">'
           f"<{p}sheetData>{sheet_data}</{p}sheetData></{p}worksheet>")  # fmt: skip
    path = tmp_path / "sheet.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    with zipfile.ZipFile(path) as zf:
        (extent,) = xlsx_extents(zf)
    return extent.rows, extent.cols


def test_rows_out_of_order_count_by_the_largest(tmp_path):
    data = (
        '<row r="500000"><c r="B500000"><v>1</v></c></row><row r="2"><c r="C2"><v>2</v></c></row>'
    )
    assert _extent(tmp_path, data) == (500_000, 3)


def test_attributes_before_the_reference_and_a_namespace_prefix(tmp_path):
    data = ('<x:row spans="1:3" ht="15" r="70000"><x:c s="1" r="ZZ70000"><x:v>1</x:v></x:c>'
            "</x:row>")  # fmt: skip
    assert _extent(tmp_path, data, prefix="x") == (70_000, 702)


def test_rows_and_cells_without_references_are_counted(tmp_path):
    data = "<row><c><v>1</v></c><c><v>2</v></c></row>" * 7
    assert _extent(tmp_path, data) == (7, 2)  # each row two columns wide, as calamine reads it


def test_a_far_column_among_narrow_ones_is_found(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="D{r}"><v>1</v></c></row>'
                   for r in range(1, 2000))  # fmt: skip
    data = rows + '<row r="2000"><c r="B2000"><v>1</v></c><c r="XFD2000"><v>1</v></c></row>'
    assert _extent(tmp_path, data) == (2000, 16_384)


@pytest.mark.parametrize("shift", range(-14, 3))
def test_a_reference_cut_by_the_chunk_boundary_is_read_whole(tmp_path, shift):
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
    far = '<row r="900000"><c r="ALL900000"><v>1</v></c></row>'  # column 1,000 at row 900,000
    filler = '<row r="1"><c r="A1"><v>1</v></c></row>'
    # the far row's ' r="' of the cell starts ``shift`` bytes from the end of the first chunk
    at = far.index(' r="ALL')
    pad = CHUNK + shift - len(head) - len(filler) - at
    data = filler + "<!--" + "x" * (pad - 7) + "-->" + far  # (a comment fills the space)
    assert len(head) + len(data) - len(far) + at == CHUNK + shift
    assert _extent(tmp_path, data) == (900_000, 1000)


# --- the forms calamine reads that a literal ` r="` would miss -----------------------------
# Each form was tried on python-calamine (see test_calamine_reads_every_form_as_the_scan_does):
# calamine places a cell by its own reference, reads single-quoted attributes, whitespace of any
# kind before ``r`` and around ``=``, letters in either case, 4+ letter columns and leading zeros.

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
V = "<v>1</v>"


SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}" xmlns:x="{MAIN}">'
              "<sheetData>")  # fmt: skip


def crafted_book(path: Path, sheet_data: str, target: str = "worksheets/sheet1.xml") -> Path:
    """A minimal workbook of one sheet (no ``<dimension>``) at ``xl/<target>``."""
    sheet = f"{SHEET_HEAD}{sheet_data}</sheetData></worksheet>"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="{target}"/></Relationships>',
        posixpath.normpath("xl/" + target): sheet,
    }  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


A1 = f'<row r="1"><c r="A1">{V}</c><c r="X1">{V}</c></row>'  # 24 columns
#: (cell of row 2, row attribute) spelled in each form calamine reads; ``{ref}`` / ``{row}``
FORMS = {
    "cell beyond its row": (f'<row r="2"><c r="{{ref}}">{V}</c></row>'),
    "single quotes": (f"<row r=\"2\"><c r='{{ref}}'>{V}</c></row>"),
    "spaces around =": (f'<row r="2"><c r = "{{ref}}">{V}</c></row>'),
    "space after =": (f'<row r="2"><c r= "{{ref}}">{V}</c></row>'),
    "tab before r": (f'<row r="2"><c\tr="{{ref}}">{V}</c></row>'),
    "line feed before r": (f'<row r="2"><c\nr="{{ref}}">{V}</c></row>'),
    "carriage return around =": (f'<row r="2"><c r\r=\r"{{ref}}">{V}</c></row>'),
    "lower case": (f'<row r="2"><c r="{{lower}}">{V}</c></row>'),
    "leading zeros": (f'<row r="2"><c r="{{zeros}}">{V}</c></row>'),
    "row in single quotes": (f"<row r='{{row}}'><c>{V}</c></row>"),
    "row with spaces around =": (f'<row r = "{{row}}"><c>{V}</c></row>'),
    "row after a tab": (f'<x:row\tr="{{row}}"><x:c>{V}</x:c></x:row>'),
    "row of more than 9 digits": (f'<row r="00000000{{row}}"><c>{V}</c></row>'),
}


def _form(form: str, ref: str) -> str:
    row = "".join(ch for ch in ref if ch.isdigit())
    letters = ref[: len(ref) - len(row)]
    return A1 + FORMS[form].format(ref=ref, lower=ref.lower(), zeros=f"{letters}000{row}", row=row)


def _scan(path: Path) -> list[tuple[str, int, int]]:
    with zipfile.ZipFile(path) as zf:
        return [(e.part, e.rows, e.cols) for e in xlsx_extents(zf)]


@pytest.mark.parametrize("form", FORMS)
def test_a_far_cell_in_any_form_is_refused_before_calamine_reads(tmp_path, form):
    # 999,999 rows × 24 columns: 24 million cells, twice the limit (a 5 KB file)
    path = crafted_book(tmp_path / "crafted.xlsx", _form(form, "A999999"))
    assert path.stat().st_size < 5000
    with zipfile.ZipFile(path) as zf, pytest.raises(SheetTooLarge) as exc:
        check_extents(xlsx_extents(zf), "crafted.xlsx", DEFAULT_EXTENT)
    # (a row's cell without a reference counts one column more: it may follow any column)
    assert "实际使用的范围达 999,999 行 × 2" in str(exc.value)
    assert str(exc.value).count("。") == 1


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("ALL1000000", "1,000,000 行 × 1,000 列"),  # the far corner in row 1's own <row>
        ("XFD1048576", "1,048,576 行 × 16,384 列"),
        ("AAAAB2", "2 行 × 475,256 列"),  # calamine reads columns of any number of letters
    ],
)
def test_a_far_corner_inside_the_first_row_is_refused(tmp_path, ref, words):
    data = f'<row r="1"><c r="A1">{V}</c><c r="{ref}">{V}</c></row>'
    path = crafted_book(tmp_path / "corner.xlsx", data)
    with zipfile.ZipFile(path) as zf, pytest.raises(SheetTooLarge, match=words):
        check_extents(xlsx_extents(zf), "corner.xlsx", DEFAULT_EXTENT)


def test_a_sheet_kept_outside_the_worksheets_folder_is_scanned(tmp_path):
    data = f'<row r="1"><c r="A1">{V}</c><c r="ALL1000000">{V}</c></row>'
    path = crafted_book(tmp_path / "moved.xlsx", data, target="elsewhere/s.xml")
    assert _scan(path) == [("xl/elsewhere/s.xml", 1_000_000, 1000)]


def test_a_far_cell_among_many_normal_rows_is_found(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}">{V}</c><c r="X{r}">{V}</c></row>'
                   for r in range(1, 30_001))  # fmt: skip
    data = rows.replace(f'<c r="A20000">{V}', f'<c r="B999999">{V}')  # in the middle of row 20,000
    path = crafted_book(tmp_path / "many.xlsx", data)
    assert _scan(path) == [("xl/worksheets/sheet1.xml", 999_999, 24)]


def test_rows_and_cells_without_numbers_after_numbered_ones_are_counted(tmp_path):
    # calamine puts a row without a number after the previous row and a cell without a
    # reference after the previous cell: 150,002 rows × 1,000 columns from 3 KB
    data = (f'<row r="1"><c r="ALL1">{V}</c></row>' + "<row/>" * 150_000
            + f"<x:row><x:c>{V}</x:c><c>{V}</c></x:row>")  # fmt: skip
    path = crafted_book(tmp_path / "loose.xlsx", data)
    assert path.stat().st_size < 5000
    assert _scan(path) == [("xl/worksheets/sheet1.xml", 150_002, 1002)]


def test_a_wide_row_of_cells_without_references_is_counted_across_chunks(tmp_path):
    data = "<row/>" * 1000 + "<row>" + f"<c>{V}</c>" * 100_000 + "</row>"  # 1.5 MB, one row
    path = crafted_book(tmp_path / "wide.xlsx", data)
    assert _scan(path) == [("xl/worksheets/sheet1.xml", 1001, 100_000)]


def test_rows_of_normal_files_cost_no_false_alarm(tmp_path):
    rows = "".join(f'<row r="{r}" spans="1:3"><c r="A{r}" t="s"><v>1</v></c><c r="C{r}"><v>2</v></c>'
                   "</row>" for r in range(1, 5001))  # fmt: skip
    path = crafted_book(tmp_path / "normal.xlsx", rows)
    assert _scan(path) == [("xl/worksheets/sheet1.xml", 5000, 3)]


# calamine itself, in a child process that cannot allocate more than 1 GiB: the moderate corner
# (row 3,000, column AB) of each form is where calamine puts it and where the scan finds it
_CALAMINE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import python_calamine
for path in sys.argv[1:]:
    sheet = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    print(sheet.height, sheet.width)
"""


def test_calamine_reads_every_form_as_the_scan_does(tmp_path):
    paths = [crafted_book(tmp_path / f"form{i}.xlsx", _form(form, "AB3000"))
             for i, form in enumerate(FORMS)]  # fmt: skip
    paths.append(crafted_book(tmp_path / "moved.xlsx", _form("cell beyond its row", "AB3000"),
                              target="elsewhere/s.xml"))  # fmt: skip
    # rows and cells without numbers after numbered ones: 3,000 rows × 28 columns
    loose_data = (
        f'<row r="1"><c r="AB1">{V}</c></row>'
        + "<row/>" * 2998
        + "<row>"
        + f"<c>{V}</c>" * 28
        + "</row>"
    )
    paths.append(crafted_book(tmp_path / "loose.xlsx", loose_data))
    child = subprocess.run([sys.executable, "-c", _CALAMINE, *map(str, paths)],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert child.returncode == 0, child.stderr
    calamine = [tuple(map(int, line.split())) for line in child.stdout.splitlines()]
    expected = [(3000, 24 if form.startswith("row") else 28) for form in FORMS] + [(3000, 28)] * 2
    assert calamine == expected
    # the row forms' cell has no reference: the scan lets it follow the widest column
    loose = [int(form.startswith("row")) for form in FORMS] + [0, 28]
    assert [_scan(p)[0][1:] for p in paths] == [
        (r, c + n) for (r, c), n in zip(expected, loose, strict=True)
    ]


# --- the fast pass ------------------------------------------------------------------------
# A chunk is proved to hold nothing beyond the rows and columns known so far (in the first
# chunk: the widest column of its first references) in one DFA pass; whatever it cannot prove
# goes through the exact pass. Each LATE case hides its one anomaly in the third chunk of a
# sheet of clean rows.

COLUMNS = [chr(65 + i) for i in range(24)]  # A … X


@functools.cache
def _clean_rows(first: int, last: int) -> tuple[str, ...]:
    return tuple(f'<row r="{r}">' + "".join(f'<c r="{c}{r}">{V}</c>' for c in COLUMNS) + "</row>"
                 for r in range(first, last + 1))  # fmt: skip


#: (what replaces the end of row 4,500, where it ends, the sheet's rows and columns)
LATE = {
    "far cell": (f'<c r="B999999">{V}</c></row>', 999_999, 24),
    "wider column": (f'<c r="AB4500">{V}</c></row>', 5000, 28),
    "wider column in lower case": (f'<c r="ab4500">{V}</c></row>', 5000, 28),
    "far cell in lower case": (f'<c r="b70000">{V}</c></row>', 70_000, 24),
    "single quotes": (f"<c r='B70000'>{V}</c></row>", 70_000, 24),
    "spaces around =": (f'<c r = "B70000">{V}</c></row>', 70_000, 24),
    "space after =": (f'<c r= "AB4500">{V}</c></row>', 5000, 28),
    "tab before r": (f'<c\tr="AB4500">{V}</c></row>', 5000, 28),
    "line feed before r": (f'<c\nr="B70000">{V}</c></row>', 70_000, 24),
    "leading zeros": (f'<c r="B00070000">{V}</c></row>', 70_000, 24),
    "attribute before r": (f'<c t="n" r="B70000">{V}</c></row>', 70_000, 24),
    "cell without a reference": (f"<c>{V}</c></row>", 5000, 25),
    "prefixed cell without a reference": (f"<x:c>{V}</x:c></row>", 5000, 25),
    "row without a number": ("</row><row>" + f"<c>{V}</c>" * 3 + "</row>", 5001, 27),
    "empty row without a number": ("</row><row/>", 5001, 24),
    "row out of order": (f'</row><row r="70000"><c r="A70000">{V}</c></row>', 70_000, 24),
    "row out of order, same digits": (f'</row><row r="9999"><c r="A9999">{V}</c></row>', 9999, 24),
}


@pytest.mark.parametrize("case", LATE)
def test_an_anomaly_after_clean_chunks_is_found(tmp_path, case):
    late, rows, cols = LATE[case]
    data = list(_clean_rows(1, 5000))
    data[4499] = data[4499].removesuffix("</row>") + late
    text = "".join(data)
    assert len(SHEET_HEAD) + text.index(late) > 2 * CHUNK  # after two clean chunks
    path = crafted_book(tmp_path / "late.xlsx", text)
    assert _scan(path) == [("xl/worksheets/sheet1.xml", rows, cols)]


def test_the_first_chunks_widest_column_holds_when_later_rows_are_narrower(tmp_path):
    # the first chunk is proved clean with the widest column of its first references (X); a
    # later chunk read by the exact pass (a cell without a reference) has columns A-C only
    wide = list(_clean_rows(1, 2000))  # about 1.2 chunks
    narrow = [
        f'<row r="{r}"><c r="A{r}">{V}</c><c r="C{r}">{V}</c></row>' for r in range(2001, 30_001)
    ]
    narrow[-1] = narrow[-1].removesuffix("</row>") + f"<c>{V}</c></row>"
    text = "".join(wide + narrow)
    assert len(SHEET_HEAD) + text.index(f"<c>{V}") > 2 * CHUNK
    path = crafted_book(tmp_path / "narrower.xlsx", text)
    assert _scan(path) == [("xl/worksheets/sheet1.xml", 30_000, 25)]


def test_a_wider_column_in_the_first_chunk_after_its_first_references_is_found(tmp_path):
    rows = [f'<row r="{r}"><c r="A{r}">{V}</c><c r="C{r}">{V}</c></row>' for r in range(1, 1501)]
    rows[1199] = rows[1199].replace(f'<c r="C1200">{V}</c>', f'<c r="c1200">{V}</c><c r="x1200"/>')
    text = "".join(rows)
    assert FIRST_COLUMNS_BYTES < len(SHEET_HEAD) + text.index("x1200") < CHUNK
    path = crafted_book(tmp_path / "first.xlsx", text)
    assert _scan(path) == [("xl/worksheets/sheet1.xml", 1500, 24)]


def test_clean_chunks_after_the_first_count_their_rows(tmp_path):
    path = crafted_book(tmp_path / "clean.xlsx", "".join(_clean_rows(1, 5000)))
    assert _scan(path) == [("xl/worksheets/sheet1.xml", 5000, 24)]


@pytest.mark.parametrize(
    ("ref", "rows"),
    [
        ("A99999", 99_999),  # as many digits as the rows around it, and greater
        ("A30001", 30_001),  # just beyond the last row
        ("A29999", 30_000),  # below the last row but beyond its own row
        ("A00030001", 30_001),
    ],
)
def test_a_far_cell_of_as_many_digits_in_a_later_chunk_is_found(tmp_path, ref, rows):
    data = "".join(f'<row r="{r}"><c r="A{r}">{V}</c><c r="X{r}">{V}</c></row>'
                   for r in range(1, 30_001))  # fmt: skip
    data = data.replace(f'<c r="A25000">{V}', f'<c r="{ref}">{V}')
    assert len(SHEET_HEAD) + data.index(ref) > CHUNK
    path = crafted_book(tmp_path / "same-digits.xlsx", data)
    assert _scan(path) == [("xl/worksheets/sheet1.xml", rows, 24)]


@pytest.mark.parametrize("shift", range(-14, 3))
def test_a_reference_cut_by_a_later_chunk_boundary_is_read_whole(tmp_path, shift):
    far = '<row r="900000"><c r="ALL900000"><v>1</v></c></row>'  # column 1,000 at row 900,000
    rows = "".join(_clean_rows(1, 3000))  # about 1.7 chunks of clean rows
    at = far.index(' r="ALL')
    # the cell's ' r="' starts ``shift`` bytes from the end of the second chunk
    pad = 2 * CHUNK + shift - len(SHEET_HEAD) - len(rows) - at
    data = rows + "<!--" + "x" * (pad - 7) + "-->" + far
    assert len(SHEET_HEAD) + data.index(far) + at == 2 * CHUNK + shift
    path = crafted_book(tmp_path / "cut.xlsx", data)
    assert _scan(path) == [("xl/worksheets/sheet1.xml", 900_000, 1000)]


@pytest.mark.parametrize(
    ("top", "widest", "text", "found"),
    [
        (30_000, 24, b'<row r="30000"><c r="X30000" t="s">', False),
        (30_000, 24, b'<row r="29999"><c r="A1"/><c r="x30000"/>', False),
        (30_000, 24, b'<c r="A30001">', True),
        (30_000, 24, b'<c r="A99999">', True),
        (30_000, 24, b'<c r="A100000">', True),
        (30_000, 24, b'<c r="A000030001">', True),
        (30_000, 24, b'<c r="A000030000">', False),
        (30_000, 24, b'<row r="30001">', True),
        (30_000, 24, b'<c r="Y1">', True),
        (30_000, 24, b'<c r="y1">', True),
        (30_000, 24, b'<c r="AA1">', True),
        (30_000, 24, b'<c r="Y">', True),  # letters alone (the exact pass may take them)
        (30_000, 24, b'<c r="0">', True),  # damage the exact pass reports
        (99_999, 28, b'<c r="AB99999"/><c r="aa5"/><c r="Z7"/>', False),
        (99_999, 28, b'<c r="AC1">', True),
        (99_999, 28, b'<c r="BA1">', True),
        (99_999, 28, b'<c r="ac1">', True),
        (99_999, 28, b'<c r="AAA1">', True),
        (99_999, 28, b'<c r="A100000">', True),
        (9, 1, b'<c r="A9"/>', False),
        (9, 1, b'<c r="A10"/>', True),
        (30_000, 24, b"<c r='A1'>", True),
        (30_000, 24, b'<c r ="A1">', True),
        (30_000, 24, b'<c r= "A1">', True),
        (30_000, 24, b'<c\tr="A1">', True),
        (30_000, 24, b'<c\x0br="A1">', True),
        (30_000, 24, b'<c r="A1"\ns="1">', False),  # a line break elsewhere in a tag
        (30_000, 24, b"<c>", True),
        (30_000, 24, b"<c/>", True),
        (30_000, 24, b'<c s="1" r="A1">', True),
        (30_000, 24, b"<row>", True),
        (30_000, 24, b'<x:row r="5"><x:c r="A5"/>', False),
        (30_000, 24, b"</x:c>", True),  # (the exact pass takes it for a loose cell and counts)
        (30_000, 24, b"<x:c>", True),
        (30_000, 24, b"<x:row/>", True),
        (30_000, 24, b"<c r", True),  # cut at the end of the chunk
        (30_000, 24, b'<cols><col min="1"/></cols>', False),
    ],
)
def test_the_fast_pass_finds_whatever_the_exact_pass_would_count(top, widest, text, found):
    assert (_fast_pattern(top, widest).search(text) is not None) is found
