"""The letters pane with real widgets: overview, batch with progress, the workflow dialogs,
print preview and printing (the print dialog is constructed, never shown), the template
editor's live preview, the font roles in the settings pane."""

from __future__ import annotations

import datetime as dt

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QObject, QSettings, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from controllers.actor import SYSTEM, Actor
from controllers.letters.batch import prepare_letters
from controllers.letters.workflow import issue_letters
from controllers.units import unit_ids_by_names
from models import Letter, LetterTemplate, Unit
from models.codes import LetterStatus, Role
from ui.app import local_actor
from ui.context import AppContext
from ui.letters.pdf_preview import PdfPreviewDialog, make_printer
from ui.letters.table_model import BACKGROUND_ROLE, COL_MISSING, COL_UNIT, LATE_BG
from ui.letters.template_editor import TemplateEditor
from ui.panes.letters import LettersPane

pytestmark = pytest.mark.gui


def make_pane(qtbot, db, actor=None) -> LettersPane:
    ctx = AppContext(db, actor or local_actor())
    pane = LettersPane(ctx)
    qtbot.addWidget(pane)
    pane.resize(780, 560)
    pane.show()
    pane.activate()
    return pane


def row_of(pane: LettersPane, unit: str):
    return next(r for r in range(pane.model.rowCount()) if pane.model.row_at(r).unit_name == unit)


def cell(pane: LettersPane, unit: str, col: int, role=None):
    index = pane.model.index(row_of(pane, unit), col)
    return pane.model.data(index) if role is None else pane.model.data(index, role)


class UrlCatcher(QObject):
    """Receives the URLs the application asks the desktop to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def url_catcher():
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("file")


def test_overview_of_the_25_demo_letters(app, qtbot, demo_db, qtmodeltester):
    pane = make_pane(qtbot, demo_db)
    qtmodeltester.check(pane.model)
    assert pane.model.rowCount() == 25
    assert "已签署 25" in pane.summary_label.text()
    assert cell(pane, "灵寿县", COL_MISSING) == "缺签署件扫描件，尚未归档"
    pane.table.sortByColumn(COL_UNIT, pane.table.horizontalHeader().sortIndicatorOrder())
    pane.select_units(["灵寿县"])
    assert pane.archive_button.isEnabled()
    assert not pane.sign_button.isEnabled()
    assert pane.preview_button.isEnabled()


def test_late_letters_stand_out_and_can_be_filtered(app, qtbot, sqlite_db):
    with sqlite_db.session() as s:
        letters, _ = prepare_letters(s, SYSTEM, unit_ids_by_names(s, ["灵寿县", "无极县"]))
        issue_letters(s, SYSTEM, {letters[0].id: letters[0].version}, dt.date(2026, 5, 17),
                      dt.date(2026, 5, 24))  # fmt: skip
        s.commit()
    pane = make_pane(qtbot, sqlite_db)
    assert cell(pane, "灵寿县", COL_UNIT, BACKGROUND_ROLE) == LATE_BG
    assert cell(pane, "无极县", COL_UNIT, BACKGROUND_ROLE) is None
    assert "逾期未返回 1" in pane.summary_label.text()
    pane.filter_box.setCurrentIndex(pane.filter_box.findData("late"))
    assert [pane.model.row_at(r).unit_name for r in range(pane.model.rowCount())] == ["灵寿县"]
    pane.filter_box.setCurrentIndex(pane.filter_box.findData("all"))
    assert pane.model.rowCount() == 25


def test_batch_generation_with_progress(app, qtbot, demo_db, tmp_path):
    pane = make_pane(qtbot, demo_db)
    pane.select_units(["灵寿县", "无极县"])
    dialog = pane.open_batch_dialog()
    assert dialog.selected_units.isChecked()
    dialog.folder.setText(str(tmp_path / "承诺书"))
    with qtbot.waitSignal(pane.ctx.events.changed, timeout=60_000):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: pane.last_batch is not None, timeout=60_000)
    result = pane.last_batch
    assert sorted(p.name for p in (tmp_path / "承诺书").glob("*.pdf")) == [
        "承诺书合订本（2份）.pdf", "无极县.pdf", "灵寿县.pdf"]  # fmt: skip
    box = pane.batch_box
    assert box.isVisible()
    assert "已生成 2 份承诺书" in box.text()
    assert QSettings().value("Letters/output_dir") == str(tmp_path / "承诺书")
    # the result box previews the combined file for printing
    preview_button = next(b for b in box.buttons() if b.text() == "预览并打印合订本")
    preview_button.click()
    preview = pane.open_dialog
    assert isinstance(preview, PdfPreviewDialog)
    assert preview.page_count() == result.pages == 4
    preview.close()


def test_the_whole_life_of_a_letter_through_the_dialogs(app, qtbot, sqlite_db, tmp_path):
    with sqlite_db.session() as s:
        prepare_letters(s, SYSTEM, unit_ids_by_names(s, ["灵寿县"]), dt.date(2026, 5, 17))
        s.commit()
    pane = make_pane(qtbot, sqlite_db)
    pane.select_units(["灵寿县"])
    assert pane.issue_button.isEnabled()
    dialog = pane.open_issue_dialog()
    dialog.issued.setDate(dialog.issued.date().addDays(-3))
    with qtbot.waitSignal(pane.ctx.events.changed):
        dialog.accept()
    assert cell(pane, "灵寿县", 2) == "已印发"

    pane.select_units(["灵寿县"])
    sign = pane.open_sign_dialog()
    sign.signer.setText("")
    sign.accept()  # refused: the dialog stays open with a clear message
    box = sign.findChild(QMessageBox, "operationError")
    assert box is not None
    assert "请填写签署人姓名" in box.text()
    box.close()
    assert sign.isVisible()
    sign.signer.setText("雷素英")
    sign.accept()
    assert not sign.isVisible()
    assert cell(pane, "灵寿县", 2) == "已签署"

    scan = tmp_path / "灵寿县签署件.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned" + b"0" * 200)
    pane.select_units(["灵寿县"])
    archive = pane.open_archive_dialog()
    archive.path.setText(str(scan))
    archive.accept()
    assert cell(pane, "灵寿县", 2) == "已归档"
    assert cell(pane, "灵寿县", COL_MISSING) == "已完成"
    pane.select_units(["灵寿县"])
    assert pane.scan_button.isEnabled()

    back = pane.open_step_back_dialog()
    back.reason.setPlainText("扫描件传错")
    back.accept()
    assert cell(pane, "灵寿县", 2) == "已签署"
    with sqlite_db.session() as s:
        letter = s.scalars(select(Letter)).one()
        assert letter.signer_name == "雷素英"
        assert "扫描件传错" in letter.note


def test_print_preview_prints_at_300_dpi_and_opens_the_system_viewer(
    app, qtbot, demo_db, tmp_path, url_catcher
):
    pane = make_pane(qtbot, demo_db)
    pane.select_units(["灵寿县"])
    preview = pane.preview_selected()
    assert isinstance(preview, PdfPreviewDialog)
    assert preview.page_count() == 2
    dialog = preview.create_print_dialog()
    assert isinstance(dialog, QPrintDialog)
    assert not dialog.isVisible()  # constructed, never shown in a test
    assert preview.printer.resolution() == 300
    out = tmp_path / "printed.pdf"
    printer = make_printer(QPrinter(QPrinter.PrinterMode.HighResolution))
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    assert printer.resolution() == 300
    assert preview.print_to(printer) == 2
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((595, 842), abs=1.5)
    assert preview.open_externally()
    assert url_catcher.urls[-1].toLocalFile().endswith("灵寿县.pdf")
    preview.close()
    pane.select_units(["灵寿县", "无极县"])
    both = pane.preview_selected()
    assert both.page_count() == 4  # two letters, each from page 1, duplex-ready
    both.close()


def test_template_editor_live_preview_and_new_version(app, qtbot, demo_db):
    editor = TemplateEditor(AppContext(demo_db, local_actor()))
    qtbot.addWidget(editor)
    editor.show()
    assert editor.based_on == 1
    assert editor.title_edit.text() == "“散乱污”企业持续整治工作承诺书"
    editor.preview_unit.setCurrentIndex(editor.preview_unit.findText("新乐市"))
    before = editor.preview_count
    editor.body_edit.appendPlainText("补充要求：{unit_name}每周五报送进展。")
    assert editor.dirty
    qtbot.waitUntil(lambda: editor.preview_count > before, timeout=10_000)
    pages = editor.preview_doc.pageCount()
    text = "".join(editor.preview_doc.getAllText(p).text() for p in range(pages)).replace("\n", "")
    assert "补充要求：新乐市每周五报送进展。" in text

    editor.body_edit.appendPlainText("{unit_nmae}")
    assert "未知的占位符" in editor.problem_label.text()
    assert editor.save() is None  # refused, shown to the clerk, nothing saved
    box = editor.findChild(QMessageBox, "operationError")
    assert "{unit_nmae}" in box.text()
    box.close()
    lines = editor.body_edit.toPlainText().splitlines()[:-1]
    editor.body_edit.setPlainText("\n".join(lines))
    assert editor.problem_label.text() == ""
    assert editor.save() == 2
    assert not editor.dirty
    assert editor.based_on == 2
    with demo_db.session() as s:
        assert s.query(LetterTemplate).count() == 2
        assert {lt.template.version_no for lt in s.scalars(select(Letter))} == {1}  # signed: v1

    editor.title_edit.setText("改了没保存")
    editor.reject()  # asks first, without blocking
    box = editor.discard_box
    assert box.isVisible()
    assert editor.isVisible()
    discard = next(b for b in box.buttons() if b.text() == "放弃修改")
    discard.click()
    assert not editor.isVisible()


def test_a_county_clerk_sees_only_their_unit_and_changes_nothing(app, qtbot, demo_db):
    with demo_db.session() as s:
        (unit_id,) = unit_ids_by_names(s, ["灵寿县"])
    clerk = Actor(user_id=None, username="ls", role=Role.COUNTY_CLERK, unit_id=unit_id)
    pane = make_pane(qtbot, demo_db, clerk)
    assert [pane.model.row_at(r).unit_name for r in range(pane.model.rowCount())] == ["灵寿县"]
    pane.select_units(["灵寿县"])
    for button in (pane.generate_button, pane.issue_button, pane.sign_button,
                   pane.archive_button, pane.back_button):  # fmt: skip
        assert not button.isEnabled()
    assert pane.preview_button.isEnabled()  # may view and print their own letter
    assert pane.open_batch_dialog() is None


def test_settings_pane_shows_the_font_of_each_role(app, qtbot, demo_db):
    from ui.panes.settings import SettingsPane

    pane = SettingsPane(AppContext(demo_db, local_actor()))
    qtbot.addWidget(pane)
    pane.activate()
    model = pane.fonts_model
    assert model.rowCount() == 5
    roles = [model.data(model.index(r, 0)) for r in range(5)]
    assert roles[0] == "标题（2号小标宋）"
    assert roles[1] == "正文（3号仿宋）"
    used = model.data(model.index(1, 1))
    assert used  # the family serving the body, installed or bundled
    assert model.data(model.index(1, 3)).endswith((".ttf", ".ttc"))


def test_the_letters_pane_in_the_main_window(app, qtbot, demo_db):
    from ui.main_window import MainWindow

    window = MainWindow(AppContext(demo_db, local_actor()))
    qtbot.addWidget(window)
    window.show()
    pane = window.show_pane("letters")
    assert isinstance(pane, LettersPane)
    assert pane.model.rowCount() == 25
    with demo_db.session() as s:
        letter = s.scalars(select(Letter)).first()
        assert letter.status == LetterStatus.SIGNED


def test_a_county_clerks_template_preview_shows_only_their_unit(app, qtbot, demo_db):
    from controllers.letters.render import default_preview_content, preview_pdf
    from controllers.permissions import PermissionDenied

    with demo_db.session() as s:
        lingshou = s.scalar(select(Unit.id).where(Unit.name == "灵寿县"))
        xinle = s.scalar(select(Unit.id).where(Unit.name == "新乐市"))
        clerk = Actor(user_id=None, username="ls", role=Role.COUNTY_CLERK, unit_id=lingshou)
        content = default_preview_content(s)
        with pytest.raises(PermissionDenied):
            preview_pdf(s, content, xinle, actor=clerk)
        assert preview_pdf(s, content, None, actor=clerk)[:5] == b"%PDF-"
    editor = TemplateEditor(AppContext(demo_db, clerk))
    qtbot.addWidget(editor)
    editor.show()
    names = [editor.preview_unit.itemText(i) for i in range(editor.preview_unit.count())]
    assert names == ["灵寿县"]
