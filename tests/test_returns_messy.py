"""Returns as counties really make them: merged cells, footer rows, county 序号, punctuation,
the register's own export read back, and sheets whose extent would exhaust memory."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import select

from controllers.cases.export import export_cases
from controllers.cases.filters import CaseFilter
from controllers.returns.check import check_return
from controllers.returns.reader import UnreadableFile, open_return_file
from controllers.returns.records import submit_return
from controllers.returns.review import accept_return
from controllers.unit_of_work import run
from models import Case, Unit
from models.codes import CaseStatus, Role
from tests.factories import make_case, unit
from tests.returns_fixtures import STANDARD_HEADERS, make_actor, standard_row, write_xlsx


@pytest.fixture
def lingshou(sqlite_db):
    with sqlite_db.session() as s:
        u = unit(s)
        city = make_actor(s, Role.CITY_CLERK)
        s.commit()
        return {"db": sqlite_db, "unit": u.id, "city": city}


def sparse_xlsx(path: Path, dimension: str, cells: list[tuple[str, int]]) -> Path:
    """A hand-made workbook: one sheet declaring ``dimension`` and holding ``cells``."""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="{dimension}"/><sheetData>')  # fmt: skip
    for ref, value in cells:
        row = "".join(ch for ch in ref if ch.isdigit())
        sheet += f'<row r="{row}"><c r="{ref}"><v>{value}</v></c></row>'
    sheet += "</sheetData></worksheet>"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return path


@pytest.mark.parametrize(
    ("dimension", "cells", "words"),
    [
        ("A1:XFD1048576", [("A1", 1), ("XFD1048576", 2)], "1,048,576 行 × 16,384 列"),
        ("A1:ZZ400000", [("A1", 1), ("ZZ400000", 2)], "400,000 行 × 702 列"),
        ("A1:B2", [("A1", 1), ("ZZ400000", 2)], "实际使用的范围达 400,000 行 × 702 列"),
        ("A1:XFD1048576", [("A1", 1), ("B2", 2)], "声明的范围达 1,048,576 行 × 16,384 列"),
    ],
)
def test_a_sheet_too_large_to_allocate_is_refused_before_reading(tmp_path, dimension, cells,
                                                                    words):  # fmt: skip
    path = sparse_xlsx(tmp_path / "sparse.xlsx", dimension, cells)
    assert path.stat().st_size < 5000
    with pytest.raises(UnreadableFile) as exc:
        open_return_file(path)
    message = str(exc.value)
    assert words in message
    assert "已拒绝读取" in message
    assert message.count("。") == 1  # one sentence


def test_a_small_hand_made_sheet_still_reads(tmp_path):
    path = sparse_xlsx(tmp_path / "small.xlsx", "A1:B2", [("A1", 1), ("B2", 2)])
    book = open_return_file(path)
    (sheet,) = list(book.sheets())
    assert [list(r) for r in sheet.rows] == [[1.0, ""], ["", 2.0]]


def test_a_sparse_sheet_is_refused_by_the_check_in_one_sentence(lingshou, tmp_path):
    path = sparse_xlsx(tmp_path / "bomb.xlsx", "A1:XFD1048576", [("A1", 1), ("XFD1048576", 2)])
    with lingshou["db"].session() as s, pytest.raises(UnreadableFile, match="已拒绝读取"):
        check_return(s, lingshou["city"], path, lingshou["unit"])


def merged_return(path: Path, rows: list[dict], merges: list[tuple[int, int, int, str]]) -> Path:
    """The standard layout with some cells merged over several data rows:
    (first data row index, last data row index, column header, value)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("清单")
    ws.merge_range(0, 0, 0, len(STANDARD_HEADERS) - 1, "灵寿县“散乱污”企业动态整治清单")
    ws.write(1, 0, "填报单位：灵寿县生态环境分局")
    ws.write_row(2, 0, STANDARD_HEADERS)
    skip = {(r, STANDARD_HEADERS.index(h)) for a, b, h, _v in merges for r in range(a, b + 1)}
    for i, row in enumerate(rows):
        for c, h in enumerate(STANDARD_HEADERS):
            v = row.get(h)
            if (i, c) in skip or v in (None, ""):
                continue
            ws.write(3 + i, c, v.isoformat() if isinstance(v, dt.date) else v)
    for a, b, h, value in merges:
        c = STANDARD_HEADERS.index(h)
        ws.merge_range(3 + a, c, 3 + b, c, value)
    wb.close()
    return path


def test_a_merged_township_applies_to_every_row_it_covers(lingshou, tmp_path):
    rows = [standard_row(n) for n in range(1, 6)]
    path = merged_return(tmp_path / "merged.xlsx", rows,
                         [(0, 2, "乡镇（街道）", "青同镇"), (3, 4, "村（社区）", "南关村")])  # fmt: skip
    with lingshou["db"].session() as s:
        check = check_return(s, lingshou["city"], path, lingshou["unit"])
    assert check.errors == []
    assert [r.get("township") for r in check.rows] == ["青同镇"] * 3 + ["灵寿镇"] * 2
    assert [r.get("village") for r in check.rows] == ["东关村"] * 3 + ["南关村"] * 2


def test_footer_signature_rows_are_not_enterprises(lingshou, tmp_path):
    rows = [standard_row(1), standard_row(2)]
    rows.append({"县（市、区）": "填表人：李某", "企业名称": "审核人：张某",
                 "地址": "联系电话：0311-82345678"})  # fmt: skip
    rows.append({"序号": "单位负责人：", "县（市、区）": "王某", "企业名称": "日期：2026年5月20日"})
    rows.append({"乡镇（街道）": "制表：", "村（社区）": "赵某", "业主/法人": "2026.5.20"})
    path = write_xlsx(tmp_path / "footer.xlsx", rows)
    with lingshou["db"].session() as s:
        check = check_return(s, lingshou["city"], path, lingshou["unit"])
    assert check.errors == []
    assert [r.get("name") for r in check.rows] == [
        "灵寿县东关村蛭石加工厂1",
        "灵寿县东关村蛭石加工厂2",
    ]


def test_county_serial_numbers_do_not_become_register_numbers(lingshou, tmp_path):
    db = lingshou["db"]
    with db.session() as s:
        for _ in range(3):
            make_case(s)
        last = max(s.scalars(select(Case.serial_no).where(Case.unit_id == lingshou["unit"])))
        s.commit()
    rows = [standard_row(n, 序号=n, 企业名称=f"新发现的石材厂{n}") for n in (1, 3, 4)]
    rows[1]["企业名称"] = "钱　多多废品收购站"
    path = write_xlsx(tmp_path / "serials.xlsx", rows)
    city = lingshou["city"]

    def import_it(session, actor):
        check = check_return(session, actor, path, lingshou["unit"])
        ret = submit_return(session, actor, check, path)
        return accept_return(session, actor, ret.id, ret.version, check).new_case_ids

    ids = run(db, city, import_it).value
    with db.session() as s:
        cases = [s.get(Case, i) for i in ids]
        assert [c.serial_no for c in cases] == [last + 1, last + 2, last + 3]
        assert cases[1].name == "钱 多多废品收购站"


def test_punctuation_is_kept_and_not_a_change(lingshou, tmp_path):
    db = lingshou["db"]
    note = "已完成“两断三清”，依法取缔"
    with db.session() as s:
        case = make_case(s, name="灵寿县东关村蛭石加工厂1", address="灵寿镇东关村1号",
                         progress_note="断水，断电")  # fmt: skip
        s.commit()
        case_id = case.id
    path = write_xlsx(tmp_path / "p.xlsx", [standard_row(1, 整治完成情况=note)])
    with db.session() as s:
        check = check_return(s, lingshou["city"], path, lingshou["unit"])
    (m,) = check.diff.changed
    (change,) = [c for c in m.changes if c.key == "progress_note"]
    assert m.case_id == case_id
    assert change.new == note


def test_the_registers_own_export_reads_back_as_no_change(demo_db, tmp_path):
    with demo_db.session() as s:
        u = s.scalars(select(Unit).where(Unit.name == "灵寿县")).one()
        city = make_actor(s, Role.CITY_CLERK, name="city-roundtrip")
        total = len(list(s.scalars(select(Case.id).where(Case.unit_id == u.id))))
        notes = list(s.scalars(select(Case.progress_note).where(
            Case.unit_id == u.id, Case.progress_note.is_not(None))))  # fmt: skip
        s.commit()
        unit_id = u.id
    assert total > 50
    assert notes
    path = tmp_path / "灵寿县清单.xlsx"
    run(demo_db, city, export_cases, path, case_filter=CaseFilter(unit_ids=frozenset({unit_id})))
    with demo_db.session() as s:
        check = check_return(s, city, path, unit_id)
    assert check.errors == []
    counts = check.diff.counts()
    assert counts == {"new": 0, "changed": 0, "unchanged": total, "uncertain": 0, "missing": 0}
    # a county downloads its list, edits a few rows and sends it back: only those change
    with demo_db.session() as s:
        status = s.scalar(select(Case.status).where(Case.unit_id == unit_id).limit(1))
    assert isinstance(status, CaseStatus)


def test_an_ods_with_content_far_away_is_refused_and_padding_is_not(tmp_path):
    from tests.returns_corpus import Return, write_ods

    padded = write_ods(tmp_path / "padded.ods", Return("p", [["企业名称", "地址"], ["甲", "乙"]]))
    (sheet,) = list(open_return_file(padded).sheets())  # a million empty padding rows: fine
    assert [list(r) for r in sheet.rows] == [["企业名称", "地址"], ["甲", "乙"]]
    far = tmp_path / "far.ods"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="清单">'
        '<table:table-row><table:table-cell office:value-type="float" office:value="1">'
        "<text:p>1</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="900000"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="900"/>'
        '<table:table-cell office:value-type="float" office:value="2"><text:p>2</text:p>'
        "</table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(far, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", "<manifest/>")
    with pytest.raises(UnreadableFile, match="900,002 行 × 901 列"):
        open_return_file(far)


def test_the_error_workbook_is_set_up_for_printing_on_a4(lingshou, tmp_path):
    import openpyxl

    from controllers.returns.error_report import LIST_SHEET, WARNING_SHEET, build_error_report

    path = write_xlsx(tmp_path / "bad.xlsx", [standard_row(1, 整治类型="拆除", 行业="家具喷漆"),
                                              standard_row(2, 行业="废旧物资回收")])  # fmt: skip
    with lingshou["db"].session() as s:
        check = check_return(s, lingshou["city"], path, lingshou["unit"])
    out = tmp_path / "report.xlsx"
    out.write_bytes(build_error_report(path, check))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [LIST_SHEET, WARNING_SHEET, "清单"]
    for name in (LIST_SHEET, WARNING_SHEET):
        ws = wb[name]
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$2"
        assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}
        assert ws["A1"].alignment.wrap_text
        assert ws["E3"].alignment.wrap_text
    assert wb[WARNING_SHEET]["E3"].value.startswith("行业“家具喷漆”")
    assert wb[WARNING_SHEET]["E4"].value.startswith("行业“废旧物资回收”")
    assert wb["清单"]["I5"].comment.text.startswith("• 行业“废旧物资回收”")
    assert wb["清单"]["I5"].fill.fgColor.rgb.endswith("FFEB9C")
