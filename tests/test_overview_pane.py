"""The overview pane with real widgets: tiles show the counts and open the register (or the
pane) on exactly their rows, by mouse and by keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import func, select

from controllers.cases.filters import CaseFilter
from controllers.overview import count_cases
from models import Case
from ui.app import create_application, local_actor
from ui.context import AppContext
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qapp, qtbot, demo_db):
    create_application()
    QSettings().clear()
    w = MainWindow(AppContext(demo_db, local_actor()))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_tiles_show_the_figures(window):
    pane = window.pane("overview")
    tiles = pane.tiles
    with window.ctx.database.session() as s:  # the living demo: counted from the records
        total = s.scalar(select(func.count()).select_from(Case))
    assert tiles["cases_total"].value_label.text() == f"{total:,}"
    assert tiles["status_closed"].title_label.text() == "已销号"
    assert tiles["letters_out"].value_label.text() == "0"
    pending = int(tiles["accountability_pending"].value_label.text().replace(",", ""))
    assert tiles["accountability_pending"].property("alert") is (pending > 0)
    assert tiles["stage"].title_label.text().startswith("当前阶段：")
    for key, widget in tiles.items():
        tile = widget.tile
        if tile.case_filter is not None:
            n = window.ctx.call(count_cases, window.ctx.actor, tile.case_filter, pane.today)
            assert widget.value_label.text() == f"{n:,}", key


def test_clicking_a_tile_opens_the_register_on_its_filter(window, qtbot):
    pane = window.pane("overview")
    tile = pane.tiles["status_closed"]
    with qtbot.waitSignal(window.ctx.events.open_register) as blocker:
        qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    case_filter = blocker.args[0]
    assert isinstance(case_filter, CaseFilter)
    assert case_filter == CaseFilter(statuses=frozenset({"closed"}))
    assert window.current_key() == "register"
    n = window.ctx.call(count_cases, window.ctx.actor, case_filter)
    assert f"{n:,}" == tile.value_label.text()


def test_keyboard_opens_a_tile(window, qtbot):
    window.show_pane("overview")
    tile = window.pane("overview").tiles["overdue"]
    tile.setFocus()
    with qtbot.waitSignal(window.ctx.events.open_register) as blocker:
        qtbot.keyClick(tile, Qt.Key.Key_Return)
    assert blocker.args[0].overdue is True


def test_tiles_about_other_records_open_their_pane(window, qtbot):
    pane = window.pane("overview")
    window.show_pane("overview")
    qtbot.mouseClick(pane.tiles["letters_out"], Qt.MouseButton.LeftButton)
    assert window.current_key() == "letters"
    window.show_pane("overview")
    qtbot.mouseClick(pane.tiles["accountability_pending"], Qt.MouseButton.LeftButton)
    assert window.current_key() == "accountability"
    window.show_pane("overview")
    qtbot.mouseClick(pane.tiles["returns_missing"], Qt.MouseButton.LeftButton)
    assert window.current_key() == "returns"
    window.show_pane("overview")
    qtbot.mouseClick(pane.charts_button, Qt.MouseButton.LeftButton)
    assert window.current_key() == "charts"


def test_tiles_refresh_when_cases_change(window, qtbot):
    from tests.factories import make_case

    pane = window.pane("overview")
    window.show_pane("overview")

    def count(tile: str) -> int:
        return int(pane.tiles[tile].value_label.text().replace(",", ""))

    total, pending = count("cases_total"), count("status_pending")
    with window.ctx.database.session() as s:
        make_case(s, status="pending")
        s.commit()
    window.ctx.events.announce("cases")
    assert count("cases_total") == total + 1
    assert count("status_pending") == pending + 1
