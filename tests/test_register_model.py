"""The register's table model without widgets: Qt's model tester, filters, sorts, marks."""

import datetime as dt

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt

from controllers.actor import SYSTEM
from controllers.cases.filters import CaseFilter
from controllers.cases.register_data import (
    TOTAL_UNKNOWN,
    fetch_details,
    fetch_text_column,
    load_register,
    load_register_preview,
    load_register_rows,
)
from models import Case
from models.codes import CaseStatus
from tests.factories import make_case, unit
from ui.register.table_model import (
    BACKGROUND_ROLE,
    CASE_ID_ROLE,
    COLUMN_INDEX,
    DISPLAY_ROLE,
    FOREGROUND_ROLE,
    OVERDUE_BRUSH,
    RELAPSED_BRUSH,
    RELAPSED_TEXT_BRUSH,
    SORT_ROLE,
    TOOLTIP_ROLE,
    RegisterTableModel,
)

TODAY = dt.date(2026, 7, 1)


@pytest.fixture
def db(sqlite_db):
    with sqlite_db.session() as s:
        xinle = unit(s, "新乐市")
        make_case(s, name="乙厂", deadline=dt.date(2026, 6, 1), status=CaseStatus.IN_PROGRESS)
        make_case(s, name="甲厂", deadline=dt.date(2026, 8, 1))
        make_case(s, name=None, address="北街 8 号", owner="李四", deadline=None)
        make_case(s, unit=xinle, name="丙厂", deadline=dt.date(2026, 9, 1), is_relapsed=True,
                  relapse_count=2, status=CaseStatus.IN_PROGRESS)  # fmt: skip
        make_case(s, unit=xinle, name="丁厂", deadline=dt.date(2026, 5, 1),
                  status=CaseStatus.COMPLETED, completed_on=dt.date(2026, 4, 30))  # fmt: skip
        s.commit()
    return sqlite_db


def _model(db):
    model = RegisterTableModel(
        fetch_details=lambda ids: _call(db, fetch_details, ids),
        fetch_text=lambda key: _call(db, fetch_text_column, key),
    )
    with db.session() as s:
        model.set_data(load_register(s, SYSTEM, today=TODAY))
    return model


def _call(db, fn, *args):
    with db.session() as s:
        return fn(s, SYSTEM, *args)


def _column(model, key):
    return [model.data(model.index(r, COLUMN_INDEX[key])) for r in range(model.rowCount())]


def test_model_passes_qt_model_tester(db, qtmodeltester):
    model = _model(db)
    qtmodeltester.check(model, force_py=False)
    model.set_filter(CaseFilter(search="厂"))
    model.sort(COLUMN_INDEX["deadline"])
    qtmodeltester.check(model, force_py=False)


def test_display_values_and_default_order(db):
    model = _model(db)
    assert model.rowCount() == 5
    assert _column(model, "unit") == ["灵寿县"] * 3 + ["新乐市"] * 2
    assert _column(model, "name") == ["乙厂", "甲厂", "（无名称）", "丙厂", "丁厂"]
    assert _column(model, "deadline")[:3] == ["2026-06-01", "2026-08-01", ""]
    assert _column(model, "status")[0] == "整治中"
    assert _column(model, "classification")[0] == "关停取缔"
    assert _column(model, "problem_types")[0] == "散、污"
    assert _column(model, "is_relapsed")[3] == "是（2 次）"
    assert model.data(model.index(0, COLUMN_INDEX["deadline"]), SORT_ROLE) == dt.date(2026, 6, 1)
    with db.session() as s:
        first = s.query(Case).filter(Case.name == "乙厂").one().id
    assert model.data(model.index(0, 0), CASE_ID_ROLE) == first
    assert model.case_id(0) == first


def test_overdue_and_relapsed_rows_are_marked(db):
    model = _model(db)
    names = _column(model, "name")
    overdue = names.index("乙厂")
    relapsed = names.index("丙厂")
    completed_late = names.index("丁厂")  # finished: not overdue
    assert model.data(model.index(overdue, 4), BACKGROUND_ROLE) == OVERDUE_BRUSH
    assert "逾期未完成" in model.data(model.index(overdue, 4), TOOLTIP_ROLE)
    assert model.data(model.index(relapsed, 4), BACKGROUND_ROLE) == RELAPSED_BRUSH
    assert model.data(model.index(relapsed, 4), FOREGROUND_ROLE) == RELAPSED_TEXT_BRUSH
    assert "反弹" in model.data(model.index(relapsed, 4), TOOLTIP_ROLE)
    assert model.data(model.index(completed_late, 4), BACKGROUND_ROLE) is None
    assert model.is_overdue_row(overdue)
    assert model.is_relapsed_row(relapsed)


def test_filters_and_search(db, qtbot):
    model = _model(db)
    with qtbot.waitSignal(model.view_changed):
        model.set_filter(CaseFilter(overdue=True))
    assert _column(model, "name") == ["乙厂"]
    model.set_filter(CaseFilter(search="北街8"))
    assert _column(model, "name") == ["（无名称）"]
    model.set_filter(CaseFilter(search="厂"))
    model.set_filter(CaseFilter(search="丙厂"))  # narrows within the previous matches
    assert _column(model, "name") == ["丙厂"]
    model.set_filter(CaseFilter(relapsed=True, statuses=frozenset({"in_progress"})))
    assert model.rowCount() == 1
    model.set_filter(CaseFilter())
    assert model.rowCount() == 5


def test_sort_by_real_values_keeps_the_selection(db):
    model = _model(db)
    keep = QPersistentModelIndex(model.index(0, 4))
    model.sort(COLUMN_INDEX["deadline"], Qt.SortOrder.AscendingOrder)
    assert _column(model, "deadline") == [
        "2026-05-01",
        "2026-06-01",
        "2026-08-01",
        "2026-09-01",
        "",
    ]
    assert model.data(model.index(keep.row(), 4)) == "乙厂"  # the persistent index moved along
    model.sort(COLUMN_INDEX["deadline"], Qt.SortOrder.DescendingOrder)
    assert _column(model, "deadline") == [
        "2026-09-01",
        "2026-08-01",
        "2026-06-01",
        "2026-05-01",
        "",
    ]
    model.sort(COLUMN_INDEX["name"])  # text: ranks fetched from the database, pinyin order
    assert _column(model, "name") == ["丙厂", "丁厂", "甲厂", "乙厂", "（无名称）"]
    model.sort(COLUMN_INDEX["status"])  # workflow order, not alphabetical
    assert _column(model, "status") == ["待整治", "待整治", "整治中", "整治中", "已完成待验收"]
    model.set_filter(CaseFilter(unit_ids=frozenset({model.data_set.columns["unit_id"][0]})))
    assert _column(model, "status") == ["待整治", "待整治", "整治中"]  # filter keeps the sort
    model.sort(-1)
    assert model.sort_key is None


def test_rows_refresh_after_an_edit(db):
    model = _model(db)
    case_id = model.case_id(1)
    with db.session() as s:
        s.get(Case, case_id).name = "甲厂（已更名）"
        s.commit()
        fresh = load_register_rows(s, SYSTEM, [case_id], today=TODAY)
    model.refresh_rows(fresh)
    assert _column(model, "name")[1] == "甲厂（已更名）"
    with db.session() as s:
        model.refresh_rows(load_register_rows(s, SYSTEM, [], today=TODAY), removed=[case_id])
    assert model.rowCount() == 4
    assert model.row_of(case_id) is None


def test_preview_then_complete(db):
    model = _model(db)
    with db.session() as s:
        model.set_data(load_register_preview(s, SYSTEM, first=2, today=TODAY))
    assert not model.is_complete
    assert model.total == TOTAL_UNKNOWN  # the preview does not count the register
    assert model.rowCount() == 2
    assert _column(model, "name") == ["乙厂", "甲厂"]
    model.sort(COLUMN_INDEX["name"])  # sorting a preview uses its prefetched details
    assert _column(model, "name") == ["甲厂", "乙厂"]  # jiǎ before yǐ


def test_column_texts_match_the_cells(db):
    model = _model(db)
    rows = list(range(model.rowCount()))
    for col in range(model.columnCount()):
        cells = [model.data(model.index(r, col)) for r in rows]
        assert model.column_texts(rows, col) == cells, col


def test_tsv_cells_are_quoted_for_excel():
    from ui.register.clipboard import tsv_cell

    assert tsv_cell("普通") == "普通"
    assert tsv_cell('带"引号"') == '"带""引号"""'
    assert tsv_cell("两\n行") == '"两\n行"'


def test_html_copy_keeps_text_cells_text_and_escapes_markup():
    from html.parser import HTMLParser

    from ui.register.clipboard import html_table, tsv

    rows = [["=1+1", "03118601234", "2026-05-17", "<b>&</b>"], ["两\n行", "", "", "x"]]
    html = html_table(["名称", "电话", "日期", "备注"], rows, [True, True, False, True])

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cells, self.styles, self._in = [], [], False

        def handle_starttag(self, tag, attrs):
            if tag == "td":
                self._in = True
                self.cells.append("")
                self.styles.append(dict(attrs).get("style"))
            elif tag == "br" and self._in:
                self.cells[-1] += "\n"

        def handle_endtag(self, tag):
            self._in = self._in and tag != "td"

        def handle_data(self, data):
            if self._in:
                self.cells[-1] += data

    parsed = Cells()
    parsed.feed(html)
    assert parsed.cells == ["名称", "电话", "日期", "备注", *rows[0], *rows[1]]
    text_style = "mso-number-format:'\\@'"
    assert parsed.styles[4:8] == [text_style, text_style, None, text_style]  # the date stays a date
    assert tsv(None, rows) == '=1+1\t03118601234\t2026-05-17\t<b>&</b>\r\n"两\n行"\t\t\tx\r\n'


def test_display_role_only_for_valid_rows(db):
    model = _model(db)
    assert model.data(model.index(99, 0), DISPLAY_ROLE) is None
    assert model.headerData(4, Qt.Orientation.Horizontal) == "企业名称"
