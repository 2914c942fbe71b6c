"""系统设置 → 责任单位 with real widgets: edit, townships, merge, conflict, import, read only."""

from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.units.records import UnitInput, update_unit
from models import Case, Township, Unit
from models.codes import Role, UnitKind
from tests.factories import make_case, unit
from ui.app import create_application
from ui.context import AppContext
from ui.dialogs.conflict_dialog import MINE, ConflictDialog
from ui.panes.units_box import UnitsBox

pytestmark = pytest.mark.gui
CITY = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")
OTHER = Actor(None, "li", Role.CITY_CLERK)


def _box(qtbot, db, actor=CITY) -> UnitsBox:
    create_application()
    box = UnitsBox(AppContext(db, actor))
    qtbot.addWidget(box)
    box.resize(1200, 700)
    box.show()
    box.load()
    return box


def _select(box: UnitsBox, name: str) -> None:
    row = next(i for i, u in enumerate(box.rows) if u.name == name)
    box.table.selectRow(row)
    assert box.current.name == name


def test_edit_a_unit_and_add_rename_deactivate_a_township(qtbot, sqlite_db):
    box = _box(qtbot, sqlite_db)
    assert box.model.rowCount() == 25
    _select(box, "新乐市")
    box.head_edit.setText("张三")
    box.counterparty_edit.setText("市生态环境局新乐市分局")
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow)
    box.head_edit.setFocus()
    qtbot.keyClick(box.head_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert box.last_message == "已保存“新乐市”。"
    box.town_edit.setText("承安镇")
    box.add_town_button.click()
    assert [t.name for t in box.current.townships] == ["承安镇"]
    box.towns.setCurrentRow(0)
    box.town_edit.setText("承安镇东")
    box.rename_town_button.click()
    box.towns.setCurrentRow(0)
    box.toggle_town_button.click()
    assert "已停用" in box.towns.item(0).text()
    with sqlite_db.session() as s:
        u = unit(s, "新乐市")
        assert u.head_name == "张三"
        assert u.counterparty == "市生态环境局新乐市分局"
        assert [(t.name, t.active) for t in u.townships] == [("承安镇东", False)]


def test_a_new_unit_and_a_refused_one(qtbot, sqlite_db):
    box = _box(qtbot, sqlite_db)
    box.new_button.click()
    box.name_edit.setText("灵寿县")
    box.save()
    assert "已被另一个责任单位使用" in box.last_message
    box.start_new()
    box.name_edit.setText("滨河新区")
    box.kind_combo.setCurrentIndex(box.kind_combo.findData(UnitKind.PARK))
    box.save()
    assert box.current.name == "滨河新区"
    assert box.model.rowCount() == 26


def _click(box_widget, text: str) -> None:
    next(b for b in box_widget.buttons() if b.text() == text).click()


def _ask_township_merge(qtbot, db) -> tuple[UnitsBox, QMessageBox | None, int, int]:
    """A case in 灵寿县's second township (青同镇); the box asks whether to merge that township
    into the first. Returns the box, its confirmation, and the two townships' ids."""
    with db.session() as s:
        ling = unit(s)
        make_case(s, township_id=ling.townships[1].id)
        s.commit()
        source_id, target_id = ling.townships[1].id, ling.townships[0].id
    box = _box(qtbot, db)
    _select(box, "灵寿县")
    box.towns.setCurrentRow(1)
    box.merge_target.setCurrentIndex(box.merge_target.findData(target_id))
    return box, box.ask_merge(), source_id, target_id


def test_merge_two_townships_after_confirmation(qtbot, sqlite_db):
    box, dialog, source_id, target_id = _ask_township_merge(qtbot, sqlite_db)
    assert "1 家企业" in dialog.informativeText()
    _click(dialog, "合并")
    qtbot.waitUntil(lambda: box.last_message.startswith("已合并"))
    with sqlite_db.session() as s:
        assert s.get(Township, source_id) is None
        assert s.scalar(select(Case.township_id)) == target_id
    assert len(box.current.townships) == 13


def test_a_concurrent_edit_opens_the_conflict_dialog(qtbot, sqlite_db):
    box = _box(qtbot, sqlite_db)
    _select(box, "无极县")
    with sqlite_db.session() as s:
        u = unit(s, "无极县")
        theirs = UnitInput(u.name, u.short_name, u.code, u.kind, "他人填写", u.sort_order)
    unit_of_work.run(sqlite_db, OTHER, update_unit, u.id, u.version, theirs)
    box.head_edit.setText("我填写")
    box.save()
    dialog = box.findChild(ConflictDialog)
    assert dialog is not None
    assert dialog.isVisible()
    dialog.choose("head_name", MINE)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: box.last_message == "已按所选保存。")
    with sqlite_db.session() as s:
        assert unit(s, "无极县").head_name == "我填写"


def test_import_a_list_and_show_errors(qtbot, sqlite_db, tmp_path):
    box = _box(qtbot, sqlite_db)
    bad, good = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    for path, kind in ((bad, "街区"), (good, "区")):
        wb = openpyxl.Workbook()
        wb.active.append(["单位", "简称", "代码", "类型", "乡镇"])
        wb.active.append(["东城区", "东城", "dongcheng", kind, "东街道、西街道"])
        wb.save(path)
    assert not box.import_file(bad)
    assert "第 2 行“类型”列" in box.last_message
    assert box.import_file(good)
    assert box.model.rowCount() == 26
    with sqlite_db.session() as s:
        assert [t.name for t in unit(s, "东城区").townships] == ["东街道", "西街道"]


@pytest.mark.parametrize("role", [Role.COUNTY_CLERK, Role.LEADER])
def test_county_clerks_and_leaders_read_only(qtbot, sqlite_db, role):
    box = _box(qtbot, sqlite_db, Actor(None, "x", role, unit_id=12))
    assert box.model.rowCount() == 25
    assert box.name_edit.isReadOnly()
    assert not box.save_button.isVisible()
    assert not box.merge_button.isVisible()
    assert "只能查看" in box.message.text()


def test_an_empty_database_says_how_to_start(qtbot, sqlite_db):
    with sqlite_db.session() as s:
        for u in s.scalars(select(Unit)):
            s.delete(u)
        s.commit()
    box = _box(qtbot, sqlite_db)
    assert box.empty_label.isVisible()
    assert "导入单位名单" in box.empty_label.text()


def test_existing_register_checked_then_loaded_after_confirmation(qtbot, sqlite_db, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["县（市、区）", "乡镇（街道）", "企业名称", "地址", "业主/法人", "整治类型",
                      "状态"])  # fmt: skip
    wb.active.append(["灵寿县", "新建镇", "甲厂", "甲地址", "张三", "关停取缔", "待整治"])
    wb.active.append(["新乐市", None, "乙厂", "乙地址", "李四", "提升改造", "整治中"])
    path = tmp_path / "2024年清单.xlsx"
    wb.save(path)
    box = _box(qtbot, sqlite_db)
    box.check_register_files([path])
    qtbot.waitUntil(lambda: getattr(box, "register_confirm", None) is not None, timeout=20000)
    assert box.last_message.startswith("核对通过：1 个文件 2 行")
    assert box.last_message.endswith("\n将新建乡镇（灵寿县）：新建镇")
    assert box.register_confirm.detailedText() == "将新建乡镇（灵寿县）：新建镇"
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    yes = next(b for b in box.register_confirm.buttons() if b.text() == "导入")
    yes.click()
    qtbot.waitUntil(lambda: box.last_message == "已导入 2 家企业。", timeout=20000)
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 2


def test_administrators_edit_units_but_load_no_cases(qtbot, sqlite_db):
    box = _box(qtbot, sqlite_db, Actor(None, "chief", Role.ADMIN))
    assert box.save_button.isVisible()
    assert not box.register_button.isVisible()


def test_a_register_with_errors_offers_its_annotated_copy(qtbot, sqlite_db, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年散乱污企业清单"])
    ws.merge_cells("A1:F1")
    ws.append(["县（市、区）", "企业名称", "地址", "业主/法人", "整治类型", "状态"])
    ws.append(["灵寿县", "甲厂", "甲地址", "张三", "关停取缔", "待整治"])
    ws.append(["火星县", "乙厂", "乙地址", "李四", "提升改造", "整治中"])
    path = tmp_path / "2024年清单.xlsx"
    wb.save(path)
    box = _box(qtbot, sqlite_db)
    assert not box.register_errors_button.isVisible()
    box.check_register_files([path])
    qtbot.waitUntil(lambda: box.register_check is not None, timeout=20000)
    assert box.last_message.startswith("清单有 1 处错误，未导入。")
    assert "火星县" in box.last_message
    assert box.register_errors_button.isVisible()
    target = tmp_path / "标注.xlsx"
    box.save_register_errors(target)
    qtbot.waitUntil(lambda: getattr(box, "saved_box", None) is not None, timeout=20000)
    assert box.saved_reports == [target]
    assert str(target) in box.saved_box.text()
    book = openpyxl.load_workbook(target)
    try:
        assert book.sheetnames[:2] == ["错误清单", "Sheet"]
        assert "火星县" in book["Sheet"]["A4"].comment.text
    finally:
        book.close()
    box.saved_box.close()
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_rows_already_in_the_register_can_be_skipped(qtbot, sqlite_db, tmp_path):
    with sqlite_db.session() as s:
        make_case(s, unit=unit(s, "灵寿县"), name="甲厂", address="甲地址")
        s.commit()
    wb = openpyxl.Workbook()
    wb.active.append(["县（市、区）", "企业名称", "地址", "业主/法人", "整治类型", "状态"])
    wb.active.append(["灵寿县", "甲厂", "甲地址", "张三", "关停取缔", "待整治"])
    wb.active.append(["灵寿县", "乙厂", "乙地址", "李四", "提升改造", "整治中"])
    path = tmp_path / "2024年清单.xlsx"
    wb.save(path)
    box = _box(qtbot, sqlite_db)
    box.check_register_files([path])
    qtbot.waitUntil(lambda: box.register_check is not None, timeout=20000)
    assert "与台账中已有的企业重复" in box.last_message
    assert box.register_skip_button.isVisible()
    assert box.register_skip_button.text() == "跳过台账中已有的 1 家企业"
    box.register_skip_button.click()
    qtbot.waitUntil(lambda: getattr(box, "register_confirm", None) is not None, timeout=20000)
    assert box.last_message.startswith("核对通过：1 个文件 1 行")
    assert "跳过台账中已有的企业 1 家" in box.last_message
    assert not box.register_skip_button.isVisible()
    next(b for b in box.register_confirm.buttons() if b.text() == "导入").click()
    qtbot.waitUntil(lambda: box.last_message == "已导入 1 家企业。", timeout=20000)
    with sqlite_db.session() as s:
        assert sorted(s.scalars(select(Case.name))) == ["乙厂", "甲厂"]


def test_a_folder_of_per_unit_files_into_a_batch_the_clerk_names(qtbot, sqlite_db, tmp_path):
    folder = tmp_path / "各县清单"
    folder.mkdir()
    for unit_name, names in (("灵寿县", ["甲厂", "乙厂"]), ("新乐市", ["丙厂"])):
        wb = openpyxl.Workbook()
        wb.active.append([f"{unit_name}散乱污企业清单"])
        wb.active.append(["序号", "企业名称", "地址", "业主/法人", "整治类型", "状态"])
        for i, name in enumerate(names, start=1):
            wb.active.append([i, name, f"{name}地址", "张三", "提升改造", "整治中"])
        wb.save(folder / f"{unit_name}.xlsx")
    (folder / "~$灵寿县.xlsx").write_bytes(b"lock")  # Excel's lock file of an open workbook
    (folder / "说明.txt").write_text("各县上报", encoding="utf-8")
    box = _box(qtbot, sqlite_db)
    dialog = box.ask_batch([folder])
    dialog.setTextValue("历史清单")
    dialog.accept()
    qtbot.waitUntil(lambda: getattr(box, "register_confirm", None) is not None, timeout=20000)
    assert box.last_message.startswith(
        "核对通过：2 个文件 3 行（新乐市 1、灵寿县 2）；批次：历史清单 3"
    )
    next(b for b in box.register_confirm.buttons() if b.text() == "导入").click()
    qtbot.waitUntil(lambda: box.last_message == "已导入 3 家企业。", timeout=20000)
    with sqlite_db.session() as s:
        from models import Batch

        assert s.scalars(select(Batch.name).join(Case, Case.batch_id == Batch.id)).all() == [
            "历史清单"] * 3  # fmt: skip


def test_paste_a_unit_list_in_settings(qtbot, sqlite_db):
    box = _box(qtbot, sqlite_db)
    assert [a.text() for a in box.import_button.menu().actions()] == [
        "从 Excel 文件读取…", "从 Excel 复制粘贴…"]  # fmt: skip
    dialog = box.ask_paste()
    dialog.setTextValue("单位\t简称\t代码\t类型\t乡镇\t乙方\n"
                        "东城区\t东城\tdc\t区\t东街道、西街道\t市生态环境局东城分局\n")  # fmt: skip
    dialog.accept()
    qtbot.waitUntil(lambda: box.last_message.startswith("新建单位 1 个"), timeout=10000)
    assert box.model.rowCount() == 26
    with sqlite_db.session() as s:
        east = unit(s, "东城区")
        assert east.counterparty == "市生态环境局东城分局"
        assert [t.name for t in east.townships] == ["东街道", "西街道"]
    assert not box.import_pasted("")
    assert box.last_message == "名单是空的，没有可导入的单位。"


def test_merge_a_unit_after_a_confirmation_naming_what_moves(qtbot, sqlite_db):
    from tests import unit_merge_story as story

    with sqlite_db.session() as s:
        ids = story.build(s)
    box = _box(qtbot, sqlite_db)
    _select(box, "灵寿县")
    assert box.merge_unit_button.isVisible()
    box.merge_unit_button.click()
    target = box.unit_target_dialog
    assert "无极县" in target.comboBoxItems()
    assert "灵寿县" not in target.comboBoxItems()
    target.setTextValue("新乐市")
    target.accept()
    confirm_box = box.unit_merge_confirm
    assert confirm_box.text().startswith("将灵寿县的14 个乡镇、4 家企业、1 份上报")
    assert confirm_box.text().endswith("此操作不可撤销。")
    assert "同名乡镇合并为一个：灵寿镇" in confirm_box.detailedText()
    with sqlite_db.session() as s:
        assert unit(s, "灵寿县").active  # nothing before the clerk's yes
    _click(confirm_box, "合并")
    qtbot.waitUntil(lambda: box.last_message.startswith("已把灵寿县并入新乐市"), timeout=20000)
    assert box.current.name == "新乐市"
    assert len(box.current.townships) == 15
    assert next(u for u in box.rows if u.name == "灵寿县").active is False
    with sqlite_db.session() as s:
        story.check_merged(s, ids)


def test_a_unit_changed_before_the_yes_opens_the_conflict_dialog(qtbot, sqlite_db):
    box = _box(qtbot, sqlite_db)
    _select(box, "无极县")
    unit_id = next(u.id for u in box.rows if u.name == "新乐市")
    confirm_box = box.confirm_unit_merge(box.current.id, unit_id)
    with sqlite_db.session() as s:
        u = unit(s, "新乐市")
        theirs = UnitInput("新乐区", u.short_name, u.code, u.kind, u.head_name, u.sort_order)
    unit_of_work.run(sqlite_db, OTHER, update_unit, unit_id, u.version, theirs)
    _click(confirm_box, "合并")
    qtbot.waitUntil(lambda: box.findChild(ConflictDialog) is not None, timeout=20000)
    dialog = box.findChild(ConflictDialog)
    assert dialog.isVisible()
    assert dialog.table.columnCount() == 3  # nothing to choose: what I saw, what is saved
    assert dialog.table.item(0, 0).text() == "并入到"
    assert dialog.table.item(0, 2).text() == "新乐区（第 2 版）"
    assert box.last_message.startswith("未合并")
    with sqlite_db.session() as s:
        assert unit(s, "无极县").active
    dialog.save_button.click()  # look again: a fresh confirmation names the unit as it is now
    assert "并入新乐区" in box.unit_merge_confirm.text()


def test_a_township_renamed_meanwhile_opens_the_conflict_dialog_then_merges(qtbot, sqlite_db):
    from controllers.units.records import rename_township

    box, first, source_id, target_id = _ask_township_merge(qtbot, sqlite_db)
    unit_of_work.run(sqlite_db, OTHER, rename_township, target_id, 1, "灵寿镇（新）")
    _click(first, "合并")
    dialog = box.findChild(ConflictDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.table.item(0, 2).text() == "灵寿镇（新）（第 2 版）"
    with sqlite_db.session() as s:
        assert s.get(Township, source_id) is not None  # nothing merged
    dialog.save_button.click()
    again = box.merge_confirm
    assert again.text() == "把“青同镇”并入“灵寿镇（新）”？"
    _click(again, "合并")
    assert box.last_message == "已合并，1 家企业改属新的乡镇。"
    with sqlite_db.session() as s:
        assert s.get(Township, source_id) is None
        assert s.scalar(select(Case.township_id)) == target_id


def test_a_township_renamed_meanwhile_lets_the_clerk_keep_their_name(qtbot, sqlite_db):
    from controllers.units.records import rename_township

    box = _box(qtbot, sqlite_db)
    _select(box, "灵寿县")
    box.towns.setCurrentRow(0)
    tid = box.selected_town().id
    unit_of_work.run(sqlite_db, OTHER, rename_township, tid, 1, "他人的名称")
    box.town_edit.setText("我的名称")
    box.rename_town_button.click()
    dialog = box.findChild(ConflictDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert box.last_message.startswith("保存冲突")
    dialog.choose("name", MINE)
    dialog.save_button.click()
    assert box.last_message == "已按所选保存。"
    with sqlite_db.session() as s:
        assert s.get(Township, tid).name == "我的名称"


def test_an_inactive_unit_offers_no_merge(qtbot, sqlite_db):
    with sqlite_db.session() as s:
        unit(s, "无极县").active = False
        s.commit()
    box = _box(qtbot, sqlite_db)
    _select(box, "无极县")
    assert box.ask_unit_target() is None
    assert box.last_message == "只能把启用的单位并入另一个启用的单位。"
