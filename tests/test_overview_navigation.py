"""Every overview tile, clicked, opens its pane showing exactly the rows the tile counts."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import delete, select, update

from models import CountyReturn, Letter, Unit
from models.codes import LetterStatus
from ui.app import local_actor
from ui.context import AppContext
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(app, qtbot, demo_db):
    with demo_db.session() as s:
        # two letters not back, three units that never returned (the deadline has passed)
        first = s.scalars(select(Unit.id).order_by(Unit.sort_order).limit(5)).all()
        s.execute(
            update(Letter)
            .where(Letter.unit_id.in_(first[:2]))
            .values(status=LetterStatus.ISSUED, signed_on=None, signer_name=None)
        )
        s.execute(delete(CountyReturn).where(CountyReturn.unit_id.in_(first[2:5])))
        s.commit()
    w = MainWindow(AppContext(demo_db, local_actor()))
    qtbot.addWidget(w)
    w.show()
    overview = w.show_pane("overview")
    overview.today = None  # the register counts as of today too: both sides on the same day
    overview.refresh()
    return w


def _click(window, key):
    overview = window.show_pane("overview")
    widget = overview.tiles[key]
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
    return widget.tile


def test_case_tiles_open_the_register_on_exactly_their_cases(window, qtbot):
    overview = window.show_pane("overview")
    case_tiles = [k for k, w in overview.tiles.items() if w.tile.case_filter is not None]
    assert {"cases_total", "overdue"} <= set(case_tiles)
    for key in case_tiles:
        tile = _click(window, key)
        pane = window.pane("register")
        assert window.current_key() == "register"
        qtbot.waitUntil(lambda p=pane: not p.is_loading and p.model.is_complete, timeout=30_000)
        try:
            qtbot.waitUntil(lambda p=pane, t=tile: p.model.rowCount() == t.value, timeout=10_000)
        except qtbot.TimeoutError:
            pytest.fail(f"tile {key}: {tile.value} counted, register shows {pane.model.rowCount()}")


def test_letters_tile_shows_the_letters_not_back(window, qtbot):
    tile = _click(window, "letters_out")
    assert tile.value == 2
    pane = window.pane("letters")
    assert window.current_key() == "letters"
    assert pane.filter_box.currentData() == "issued"
    assert pane.model.rowCount() == 2


def test_returns_tile_shows_the_units_missing_or_late(window, qtbot):
    tile = _click(window, "returns_missing")
    assert tile.value == 3
    pane = window.pane("returns")
    assert window.current_key() == "returns"
    assert pane.overview_model.rowCount() == 3
    assert "上报缺失或逾期" in pane.summary.text()
    assert pane.show_all_button.isVisible()
    pane.show_all_button.click()
    assert pane.overview_model.rowCount() == 25


def test_accountability_tile_shows_the_pending_records(window, qtbot):
    tile = _click(window, "accountability_pending")
    pane = window.pane("accountability")
    assert window.current_key() == "accountability"
    assert pane.current_view() == "pending"
    assert tile.value == 2
    assert pane.records_table.rowCount() == 2
    pane.view_combo.setCurrentIndex(pane.view_combo.findData("all"))
    assert pane.records_table.rowCount() == 3
