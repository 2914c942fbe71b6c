"""The returns screens driven as a clerk drives them: overview, import, check, error report,
column mapping, confirming matches, accepting, opening the return, sending it back."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import xlsxwriter
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import func, select

from controllers.returns.check import check_return
from controllers.returns.records import submit_return
from models import Case, CountyReturn
from models.codes import ReturnStatus, Role
from tests.factories import make_case, unit
from tests.returns_fixtures import make_actor, make_stage, standard_row, write_xlsx
from ui.app import local_actor
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.panes.returns import ReturnsPane
from ui.returns.diff_view import TAB_ERRORS, TAB_UNCERTAIN, TAB_WARNINGS
from ui.returns.import_dialog import ImportDialog
from ui.returns.overview_view import COL_OPEN, COL_STATUS
from ui.returns.return_dialog import ReturnDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def world(app, sqlite_db):
    with sqlite_db.session() as s:
        stage = make_stage(s)
        lingshou = unit(s)
        city = make_actor(s, Role.CITY_CLERK)
        existing = make_case(s, name="灵寿县东关村蛭石加工厂1", address="灵寿镇东关村老1号")
        s.commit()
        return {"db": sqlite_db, "stage": stage.id, "unit": lingshou.id, "city": city,
                "existing": existing.id, "ctx": AppContext(sqlite_db, city)}  # fmt: skip


@pytest.fixture
def pane(qtbot, world):
    p = ReturnsPane(world["ctx"])
    world["ctx"].events.changed.connect(p.on_data_changed)  # as the main window wires panes
    qtbot.addWidget(p)
    p.resize(780, 560)
    p.show()
    qtbot.waitExposed(p)
    p.activate()
    p.stage_combo.setCurrentIndex(p.stage_combo.findData(world["stage"]))  # 全面自查
    return p


def click_cell(qtbot, view, row, col):
    index = view.model().index(row, col)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )


def unit_row(pane, name):
    model = pane.overview_model
    return next(r for r in range(model.rowCount()) if model.unit_row(r).unit_name == name)


def wait_idle(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.operation is None, timeout=20_000)


def test_import_check_map_confirm_and_accept(qtbot, world, pane, tmp_path):
    db = world["db"]
    assert pane.overview_model.rowCount() == 25
    assert "已上报 0" in pane.summary.text()
    assert pane.stage_combo.currentData() == world["stage"]
    row = unit_row(pane, "灵寿县")
    assert pane.overview_model.index(row, COL_OPEN).data() == "导入上报 ›"
    click_cell(qtbot, pane.overview_view, row, COL_OPEN)  # one click starts the unit's import
    dialog = next(d for d in pane.dialogs if isinstance(d, ImportDialog))
    assert dialog.unit_combo.currentText() == "灵寿县"
    assert dialog.stage_combo.currentData() == world["stage"]

    # 1. a file with mistakes: every error listed, the error report goes back to the unit
    bad = write_xlsx(tmp_path / "灵寿县自查清单.xlsx",
                     [standard_row(2), standard_row(3, 整治类型="拆除", 发现日期="2026年2月30日")])  # fmt: skip
    dialog.path_edit.setText(str(bad))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=20_000)
    wait_idle(qtbot, dialog)
    assert dialog.diff.currentIndex() == TAB_ERRORS
    assert dialog.diff.errors_model.rowCount() == 2
    assert dialog.diff.errors_model.row_values(0)[:3] == ("清单", 5, "整治类型")
    assert "发现 2 处错误" in dialog.summary.text()
    assert not dialog.submit_button.isEnabled()
    assert dialog.report_button.isEnabled()
    report = tmp_path / "错误报告.xlsx"
    dialog.export_report(report)
    wait_idle(qtbot, dialog)
    assert openpyxl.load_workbook(report)["清单"]["M5"].comment is not None
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1  # nothing written

    # 2. the corrected file in the unit's own layout: an unknown column, an uncertain match
    good = tmp_path / "灵寿县自查清单（改）.xlsx"
    wb = xlsxwriter.Workbook(str(good))
    ws = wb.add_worksheet("清单")
    ws.write_row(0, 0, ["企业名称", "地址", "业主/法人", "整治类型", "包村干部", "发现日期"])
    ws.write_row(
        1,
        0,
        [
            "灵寿县东关村蛭石加工厂1",
            "灵寿镇东关村1号",
            "王建国",
            "关停取缔",
            "钱干部",
            "2026-05-10",
        ],
    )
    ws.write_row(
        2,
        0,
        ["灵寿县东关村新发现的厂", "灵寿镇东关村8号", "孙", "提升改造", "钱干部", "2026-05-12"],
    )
    wb.close()
    dialog.path_edit.setText(str(good))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=20_000)
    wait_idle(qtbot, dialog)
    assert [u.header for u in dialog.check.unplaced] == ["包村干部"]
    assert dialog.mapping_button.isEnabled()
    mapping = dialog.open_mapping()
    mapping.choose("包村干部", "resp_specific")
    mapping.accept()
    qtbot.waitUntil(lambda: dialog.check is not None and not dialog.check.unplaced, timeout=20_000)
    wait_idle(qtbot, dialog)
    assert dialog.diff.currentIndex() == TAB_UNCERTAIN
    model = dialog.diff.uncertain_model
    assert model.rowCount() == 1
    assert model.index(0, 0).data() == "待确认"
    # the register's own name, address, owner and phone beside the reported ones
    assert model.index(0, 2).data() == "灵寿县东关村蛭石加工厂1 · 灵寿镇东关村1号"
    assert model.index(0, 4).data() == (
        f"#{world['existing']} 灵寿县东关村蛭石加工厂1 · 灵寿镇东关村老1号"
    )
    assert model.index(0, 5).data() == "王建国 13800000000"
    assert dialog.submit_button.isEnabled()
    assert not dialog.accept_button.isEnabled()
    model.setData(model.index(0, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.index(0, 0).data() == "是同一企业"
    assert dialog.accept_button.isEnabled()
    announced = []
    world["ctx"].events.changed.connect(announced.append)
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    box = dialog.confirm_box  # accepting cannot be undone: the clerk confirms what will happen
    assert box.isVisible()
    assert "新增 1 家、变更 1 家（" in box.text()
    assert dialog.return_id is None
    qtbot.mouseClick(box.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.return_id is not None, timeout=20_000)
    assert "新增企业 1 家，更新 1 家" in dialog.summary.text()
    assert len(announced) == 1
    assert {"returns", "cases"} <= announced[0]  # (the stored file's attachment entry adds more)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 2
        existing = s.get(Case, world["existing"])
        assert existing.address == "灵寿镇东关村1号"
        assert existing.resp_specific == "钱干部"
        assert s.get(CountyReturn, dialog.return_id).status == ReturnStatus.APPROVED

    # 3. the overview refreshed by itself; one click opens the unit's return
    row = unit_row(pane, "灵寿县")
    assert pane.overview_model.index(row, COL_STATUS).data() == "已通过"
    click_cell(qtbot, pane.overview_view, row, COL_OPEN)
    opened = next(d for d in pane.dialogs if isinstance(d, ReturnDialog))
    assert opened.return_id == dialog.return_id
    assert "审核状态：已通过" in opened.status_label.text()
    # what the accept merged is kept with the return, with links to the cases
    assert opened.merged_box.isVisibleTo(opened)
    kinds = {opened.merged_model.row_values(r)[0] for r in range(opened.merged_model.rowCount())}
    assert kinds == {"新增", "变更", "确认同一企业"}
    changed_row = next(r for r in range(opened.merged_model.rowCount())
                       if opened.merged_model.row_values(r)[4] == "地址")  # fmt: skip
    assert opened.merged_model.row_values(changed_row)[5:] == ("灵寿镇东关村老1号",
                                                                "灵寿镇东关村1号")  # fmt: skip
    case_dialog = opened.open_case(opened.merged_model.row_values(changed_row)[1])
    assert case_dialog.case_id == world["existing"]
    case_dialog.close()
    assert not opened.accept_button.isEnabled()
    assert not opened.return_button.isEnabled()
    dialog.close()
    opened.close()


def test_review_a_pending_return_details_and_send_it_back(qtbot, world, pane, tmp_path):
    db = world["db"]
    path = write_xlsx(tmp_path / "灵寿县.xlsx", [standard_row(5)])
    with db.session() as s:
        check = check_return(s, world["city"], path, world["unit"], world["stage"])
        ret_id = submit_return(s, world["city"], check, path, received_on=dt.date(2026, 5, 24)).id
        s.commit()
    pane.refresh()
    row = unit_row(pane, "灵寿县")
    assert pane.overview_model.index(row, COL_STATUS).data() == "待审核"
    dialog = pane.open_return_of_unit(world["unit"])
    qtbot.waitExposed(dialog)
    assert "待审核" in dialog.title.text()
    assert not dialog.accept_button.isEnabled()
    # signature and publication
    dialog.signer_edit.setText("张县长")
    dialog.signed_edit.setDate(dialog.signed_edit.date().fromString("2026-05-23", "yyyy-MM-dd"))
    dialog.url_edit.setText("http://www.lingshou.gov.cn/zwgk/slw.html")
    dialog.published_edit.setDate(
        dialog.published_edit.date().fromString("2026-05-24", "yyyy-MM-dd")
    )
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    page = tmp_path / "签字页.pdf"
    page.write_bytes(b"%PDF-1.4 scanned")
    dialog.add_signature_page(page)
    assert dialog.pages_list.count() == 1
    with db.session() as s:
        ret = s.get(CountyReturn, ret_id)
        assert (ret.signer_name, ret.signed_on) == ("张县长", dt.date(2026, 5, 23))
        assert ret.published_on == dt.date(2026, 5, 24)
    row = unit_row(pane, "灵寿县")
    assert pane.overview_model.unit_row(row).signed
    assert pane.overview_model.unit_row(row).published
    # check the stored file, then send it back with reasons
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.check is not None and dialog.operation is None, timeout=20_000)
    assert dialog.accept_button.isEnabled()
    assert dialog.diff.new_model.rowCount() == 1
    qtbot.mouseClick(dialog.return_button, Qt.MouseButton.LeftButton)
    assert "请先在“退回原因”中写明" in dialog.summary.text()
    dialog.reasons_edit.setPlainText("签字页不清晰，请重新扫描")
    qtbot.mouseClick(dialog.return_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.detail.status == ReturnStatus.RETURNED, timeout=20_000)
    assert "退回原因：签字页不清晰，请重新扫描" in dialog.status_label.text()
    with db.session() as s:
        assert s.get(CountyReturn, ret_id).review_reasons == "签字页不清晰，请重新扫描"
    assert pane.overview_model.index(unit_row(pane, "灵寿县"), COL_STATUS).data() == "退回"
    template = pane.download_template(tmp_path / "模板.xlsx")
    assert openpyxl.load_workbook(template).sheetnames == ["上报清单", "代码表", "填表说明"]
    dialog.close()


def test_main_window_shows_the_demo_returns(app, qtbot, demo_db, tmp_path):
    window = MainWindow(AppContext(demo_db, local_actor()))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    pane = window.show_pane("returns")
    assert pane.overview_model.rowCount() == 25
    assert pane.stage_combo.currentText().endswith("全面自查（截止 2026-05-25）")
    assert "已上报 25" in pane.summary.text()
    assert pane.list_model.rowCount() == 25
    window.grab().save(str(tmp_path / "returns-pane.png"))


def test_log_and_send_back_a_return_with_errors_then_file_its_industries(qtbot, world, pane,
                                                                         tmp_path):  # fmt: skip
    db = world["db"]
    dialog = ImportDialog(world["ctx"], pane, unit_id=world["unit"], stage_id=world["stage"])
    qtbot.addWidget(dialog)
    dialog.show()
    bad = write_xlsx(tmp_path / "灵寿县清单.xlsx",
                     [standard_row(2, 行业="家具喷漆"), standard_row(3, 整治类型="拆除")])  # fmt: skip
    dialog.path_edit.setText(str(bad))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=20_000)
    wait_idle(qtbot, dialog)
    assert "1 处警告" in dialog.summary.text()
    assert dialog.diff.warnings_model.rowCount() == 1
    assert dialog.diff.tabText(TAB_WARNINGS) == "警告 (1)"
    assert not dialog.submit_button.isEnabled()
    assert dialog.send_back_button.isEnabled()
    assert dialog.industry_button.isEnabled()
    # 行业对应: 家具喷漆 filed under 喷涂 once; the check runs again without the warning
    industries = dialog.open_industries()
    assert industries.combos["家具喷漆"].currentText() == "家具制造"  # the guess, preselected
    combo = industries.combos["家具喷漆"]
    industries.choose("家具喷漆", combo.itemData(combo.findText("喷涂")))
    assert combo.currentText() == "喷涂"
    industries.accept()
    qtbot.waitUntil(lambda: dialog.check is not None and not dialog.check.warnings, timeout=20_000)
    wait_idle(qtbot, dialog)
    # 登记并退回: recorded as 退回 with the error workbook, which is saved to send to the unit
    target = tmp_path / "发回.xlsx"
    dialog.send_back(target)
    qtbot.waitUntil(lambda: dialog.return_id is not None, timeout=20_000)
    assert "已登记并退回" in dialog.summary.text()
    assert openpyxl.load_workbook(target)["错误清单"]["C3"].value == "整治类型"
    assert not dialog.send_back_button.isEnabled()
    with db.session() as s:
        ret = s.get(CountyReturn, dialog.return_id)
        assert ret.status == ReturnStatus.RETURNED
        assert "第 5 行“整治类型”列" in ret.review_reasons
    dialog.grab().save(str(tmp_path / "import-sent-back.png"))
    # the return shows its version and keeps the error workbook
    opened = pane.open_return_of_unit(world["unit"])
    qtbot.waitExposed(opened)
    assert opened.versions_label.text() == "第 1 版（共 1 版）"
    assert opened.report_button.isEnabled()
    saved = tmp_path / "再次导出.xlsx"
    opened.export_report(saved)
    assert saved.read_bytes() == target.read_bytes()
    assert not opened.merged_box.isVisibleTo(opened)
    opened.close()
    dialog.close()


def test_accepting_an_opened_return_asks_first_and_keeps_what_it_merged(qtbot, world, pane,
                                                                         tmp_path):  # fmt: skip
    db = world["db"]
    path = write_xlsx(tmp_path / "灵寿县.xlsx", [standard_row(7), standard_row(8)])
    with db.session() as s:
        check = check_return(s, world["city"], path, world["unit"], world["stage"])
        ret_id = submit_return(s, world["city"], check, path).id
        s.commit()
    dialog = pane.open_return_of_unit(world["unit"])
    qtbot.waitExposed(dialog)
    assert not dialog.merged_box.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.check is not None and dialog.operation is None, timeout=20_000)
    qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    box = dialog.confirm_box
    assert box.text().startswith("将把灵寿县的上报并入台账：新增 2 家、变更 0 家（0 个字段）。")
    qtbot.mouseClick(box.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.detail.status == ReturnStatus.APPROVED, timeout=20_000)
    assert dialog.merged_box.isVisibleTo(dialog)
    assert dialog.merged_summary.text() == "本次上报并入台账：新增 2 家、变更 0 家（0 个字段）"
    rows = [dialog.merged_model.row_values(r) for r in range(dialog.merged_model.rowCount())]
    assert [(r[0], r[2], r[3]) for r in rows] == [("新增", "灵寿县东关村蛭石加工厂7", 4),
                                                  ("新增", "灵寿县东关村蛭石加工厂8", 5)]  # fmt: skip
    index = dialog.merged_model.index(1, 2)
    dialog.merged_view.doubleClicked.emit(index)
    (case_dialog,) = dialog.case_dialogs
    with db.session() as s:
        assert s.get(Case, case_dialog.case_id).name == "灵寿县东关村蛭石加工厂8"
        assert s.get(CountyReturn, ret_id).status == ReturnStatus.APPROVED
    case_dialog.close()
    dialog.close()
