"""The tabs of a checked return at the width a 1366×768 screen at 150 % leaves (about 880
logical pixels): the 上报新值 column in view, the 是同一企业 answer whole, ids without
thousands separators."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from controllers.returns.check import check_return
from models.codes import CaseStatus, Role
from tests.factories import make_case, unit
from tests.layout_checks import layout_problems
from tests.returns_fixtures import make_actor, make_stage, standard_row, write_xlsx
from ui.app import create_application
from ui.returns.diff_view import TAB_CHANGED, TAB_UNCERTAIN, DiffView

pytestmark = pytest.mark.gui


@pytest.fixture
def check(qapp, sqlite_db, tmp_path):
    create_application()
    QSettings().clear()
    with sqlite_db.session() as s:
        stage = make_stage(s)
        lingshou = unit(s)
        city = make_actor(s, Role.CITY_CLERK)
        make_case(s, name="灵寿县东关村蛭石加工厂1", address="灵寿镇东关村1号", owner="王建1",
                  phone="13800000001", status=CaseStatus.PENDING,
                  remark="原备注：二〇二四年第一批清单中列入，已断水断电，待清除设备")  # fmt: skip
        make_case(s, name="灵寿县东关村蛭石加工厂2", address="灵寿镇西关村老街口往北二百米路东")
        s.commit()
        rows = [
            standard_row(1, 整治完成情况="已断水断电，正在清除原料和设备，预计六月底前完成",
                         备注="上报备注：乡镇初验已完成，等待县分局验收，验收后申请销号"),
            standard_row(2),  # same name, another address: to confirm
        ]  # fmt: skip
        rows[0]["状态"] = "整治中"
        path = write_xlsx(tmp_path / "灵寿县上报.xlsx", rows, [*rows[0].keys()])
        return check_return(s, city, path, lingshou.id, stage.id)


def test_diff_tabs_fit_a_small_screen(check, qtbot):
    assert check.diff.changed
    assert check.diff.uncertain
    view = DiffView()
    qtbot.addWidget(view)
    view.resize(880, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_check(check)
    for tab in (TAB_CHANGED, TAB_UNCERTAIN):
        view.setCurrentIndex(tab)
        qtbot.waitUntil(lambda tab=tab: view.views[tab].isVisible())
        assert layout_problems(view) == [], tab
    model = view.uncertain_model
    model.setData(model.index(0, 0), 2)  # ticked: 是同一企业, the longest answer
    table = view.views[TAB_UNCERTAIN]
    needed = table.fontMetrics().horizontalAdvance("是同一企业") + 24
    assert table.columnWidth(0) >= needed
    changed = view.changed_model
    ids = [changed.index(r, 2).data() for r in range(changed.rowCount())]
    assert all("," not in text for text in ids)
