"""The extent scan of .xlsx sheets (one pass over the XML before calamine reads anything) on
the corners its byte search relies on: rows out of order, rows and cells without references,
namespace prefixes, attributes before ``r`` and references cut by a chunk boundary."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from controllers.returns.extent import CHUNK, xlsx_extents

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
    assert _extent(tmp_path, data) == (7, 0)


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
