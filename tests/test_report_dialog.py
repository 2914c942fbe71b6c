"""The stage report dialog with real widgets: preview from the data as of a date, the
editable sections saved in the database (and conflicts shown), PDF and Word generated in
the background."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from docx import Document
from pypdf import PdfReader
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from controllers.report.texts import ReportTexts, load_current_texts, save_current_texts
from ui.app import create_application, local_actor
from ui.context import AppContext
from ui.report.dialog import PENDING_PREVIEWS, ReportDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qapp, qtbot, demo_db, monkeypatch):
    # closing with unsaved wording asks; in teardown the answer is "discard"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    create_application()
    QSettings().clear()
    d = ReportDialog(AppContext(demo_db, local_actor()))
    d.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    qtbot.addWidget(d)
    d.date_edit.setDate(QDate(2026, 11, 29))
    d.show()
    qtbot.waitUntil(lambda: "18959" in d.preview.toPlainText(), timeout=20_000)
    yield d
    # previews still computing finish before the database goes away
    qtbot.waitUntil(lambda: not PENDING_PREVIEWS, timeout=30_000)


def test_preview_is_written_from_the_data_as_of_the_date(dialog, qtbot):
    text = dialog.preview.toPlainText()
    assert "石家庄市“散乱污”企业持续整治工作报告" in text
    later = re.search(r"共出动(\d+)个执法组", text)
    assert later  # the living demo: as many groups as went out by 11月29日
    dialog.date_edit.setDate(QDate(2026, 5, 15))
    qtbot.waitUntil(lambda: "自5月7日至5月15日" in dialog.preview.toPlainText(), timeout=20_000)
    earlier = re.search(r"共出动(\d+)个执法组", dialog.preview.toPlainText())
    assert earlier
    assert int(earlier.group(1)) < int(later.group(1))


def test_texts_are_saved_and_used(dialog, qtbot):
    assert dialog.saved_label.text() == "尚未保存过，显示的是默认文字。"
    dialog.proposals_edit.setPlainText("加强领导，压实责任。")
    assert dialog.is_modified()
    qtbot.keyClick(dialog.proposals_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not dialog.is_modified()
    stored = dialog.ctx.call(load_current_texts, dialog.ctx.actor)
    assert stored.proposals == "加强领导，压实责任。"
    assert dialog.saved_label.text().startswith("上次保存：")
    qtbot.waitUntil(lambda: "加强领导，压实责任。" in dialog.preview.toPlainText(), timeout=20_000)
    dialog.restore_defaults()
    assert dialog.is_modified()


def test_a_conflicting_save_lets_the_clerk_choose(dialog, qtbot, monkeypatch):
    actor = dialog.ctx.actor
    # another clerk saves first
    dialog.ctx.call(save_current_texts, actor, ReportTexts("他人的意见", "他人的安排"))
    dialog.proposals_edit.setPlainText("我的意见")
    seen = {}

    def keep_mine(mine, theirs):
        seen.update(theirs)
        return "mine"

    monkeypatch.setattr(dialog, "choose_version", keep_mine)
    assert dialog.save_texts()
    assert seen["proposals"] == "他人的意见"
    assert dialog.ctx.call(load_current_texts, actor).proposals == "我的意见"
    dialog.ctx.call(
        save_current_texts, actor, ReportTexts("第三人的意见", "安排", dialog.loaded.version)
    )
    dialog.proposals_edit.setPlainText("我又改了")
    monkeypatch.setattr(dialog, "choose_version", lambda mine, theirs: "theirs")
    assert not dialog.save_texts()
    assert dialog.proposals_edit.toPlainText() == "第三人的意见"


def test_generates_word_and_pdf(dialog, qtbot, tmp_path):
    dialog.next_steps_edit.setPlainText("一是继续排查。\n二是严防反弹。")
    op = dialog.generate(tmp_path / "报告.docx")
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    assert dialog.last_written == tmp_path / "报告.docx"
    assert dialog.open_button.isEnabled()
    assert dialog.status_label.text().startswith("已生成：")
    paragraphs = [p.text for p in Document(str(tmp_path / "报告.docx")).paragraphs]
    assert "二是严防反弹。" in paragraphs
    # the changed wording was saved before generating
    assert dialog.ctx.call(load_current_texts, dialog.ctx.actor).next_steps.endswith("严防反弹。")
    op = dialog.generate(tmp_path / "报告.pdf")
    with qtbot.waitSignal(op.finished, timeout=60_000):
        pass
    assert len(PdfReader(str(tmp_path / "报告.pdf")).pages) >= 4


def test_closing_with_unsaved_text_asks(dialog, monkeypatch):
    dialog.proposals_edit.setPlainText("未保存的文字")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not dialog.close()
    assert dialog.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert dialog.close()
    assert dialog.ctx.call(load_current_texts, dialog.ctx.actor).version is None


def test_opened_from_the_overview_and_the_chart_pane(qapp, qtbot, demo_db):
    from ui.panes.overview import OverviewPane

    create_application()
    QSettings().clear()
    pane = OverviewPane(AppContext(demo_db, local_actor()))
    qtbot.addWidget(pane)
    pane.today = dt.date(2026, 11, 29)
    pane.show()
    pane.activate()
    qtbot.mouseClick(pane.report_button, Qt.MouseButton.LeftButton)
    opened = pane.findChild(ReportDialog)
    assert opened is not None
    assert opened.isVisible()
    qtbot.waitUntil(lambda: "工作报告" in opened.preview.toPlainText(), timeout=20_000)
    opened.close()
    qtbot.waitUntil(lambda: not PENDING_PREVIEWS, timeout=30_000)
