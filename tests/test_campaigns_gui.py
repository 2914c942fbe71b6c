"""Campaigns in 系统设置 with real widgets: create (with a refused entry first), edit over
another clerk's change, and the returns pane offering the new stages."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog

from controllers.actor import Actor
from controllers.campaigns import campaign_detail, list_campaigns, save_campaign
from models.codes import Role
from ui.app import create_application
from ui.campaigns.campaign_dialog import CampaignDialog
from ui.context import AppContext
from ui.dialogs.conflict_dialog import MINE, ConflictDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui
CITY = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")


@pytest.fixture
def window(qapp, qtbot, sqlite_db):
    create_application()
    QSettings().clear()
    w = MainWindow(AppContext(sqlite_db, CITY))
    qtbot.addWidget(w)
    w.show()
    return w


def test_create_a_campaign_after_a_refused_entry(window, sqlite_db, monkeypatch):
    settings = window.show_pane("settings")
    box = settings.campaigns_box
    assert box.model.rowCount() == 0
    messages = []

    def fill(dialog: CampaignDialog):
        if not messages:  # first: no name → the form stays open with the reason
            dialog.name.setText("")
            messages.append("tried")
            return QDialog.DialogCode.Accepted
        messages.append(dialog.message.text())
        dialog.name.setText("2027年专项行动")
        dialog.year.setValue(2027)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CampaignDialog, "exec", fill)
    box.new_campaign()
    assert messages[1] == "请填写专项行动名称。"
    assert box.model.rowCount() == 1
    assert box.model.row_values(0)[1] == "2027年专项行动"
    returns = window.show_pane("returns")
    labels = [returns.stage_combo.itemText(i) for i in range(returns.stage_combo.count())]
    assert any("全面自查" in label for label in labels)


def test_editing_over_another_clerks_change_keeps_both_choices(window, sqlite_db, monkeypatch):
    from controllers.campaigns import default_campaign

    with sqlite_db.session() as s:
        cid = save_campaign(s, CITY, default_campaign(2027))
        s.commit()
    settings = window.show_pane("settings")
    box = settings.campaigns_box
    box.load()
    box.table.selectRow(0)

    def other_clerk_then_mine(dialog: CampaignDialog):
        with sqlite_db.session() as s:  # meanwhile another clerk renames the plan
            data, version = campaign_detail(s, CITY, cid)
            data.plan_title = "《他人的方案》"
            save_campaign(s, CITY, data, cid, version)
            s.commit()
        dialog.requirements.setPlainText("我的工作要求")
        return QDialog.DialogCode.Accepted

    def keep_mine(dialog: ConflictDialog):
        assert {c.field for c in dialog.conflict.conflicts} == {"plan_title", "requirements"}
        dialog.choose("requirements", MINE)
        dialog.choose("plan_title", "theirs")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CampaignDialog, "exec", other_clerk_then_mine)
    monkeypatch.setattr(ConflictDialog, "exec", keep_mine)
    box.edit_campaign()
    with sqlite_db.session() as s:
        data, _ = campaign_detail(s, CITY, cid)
        assert data.plan_title == "《他人的方案》"
        assert data.requirements == "我的工作要求"
        assert len(list_campaigns(s, CITY)) == 1
