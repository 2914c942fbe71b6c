"""The campaigns of the database: list, create, edit (both versions on a clash), delete."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from controllers.campaigns import (
    CampaignInput,
    CampaignRow,
    campaign_detail,
    default_campaign,
    delete_campaign,
    list_campaigns,
    save_campaign,
)
from controllers.editing import EditConflict
from controllers.errors import ValidationError
from controllers.listings import Listing
from controllers.permissions import Permission, can
from ui.campaigns.campaign_dialog import CampaignDialog
from ui.context import AppContext
from ui.dialogs.conflict_dialog import ConflictDialog
from ui.listing_model import ListingModel
from ui.operations import show_error

LABELS = {"name": "专项行动名称", "year": "年度", "plan_title": "行动方案", "started_on": "开始日期",
          "requirements": "工作要求", "stages": "阶段"}  # fmt: skip


class CampaignsBox(QWidget):
    """Campaigns and their stages; city clerks create and change them."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[CampaignRow] = []
        self.model = ListingModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("campaignsTable")
        self.table.setProperty("scrollsSideways", True)  # the stages column is long
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.new_button = QPushButton("新建专项行动…")
        self.edit_button = QPushButton("编辑…")
        self.delete_button = QPushButton("删除")
        allowed = can(ctx.actor, Permission.MANAGE_CAMPAIGNS)
        for b in (self.new_button, self.edit_button, self.delete_button):
            b.setEnabled(allowed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        note = QLabel("专项行动的阶段决定县区上报的截止日期、概览的倒计时和承诺书中的时限。")
        note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(buttons)
        lay.addWidget(self.table, 1)
        self.new_button.clicked.connect(lambda: self.new_campaign())
        self.edit_button.clicked.connect(lambda: self.edit_campaign())
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.table.doubleClicked.connect(lambda _i: self.edit_campaign())

    def load(self) -> None:
        self.rows = self.ctx.call(list_campaigns, self.ctx.actor)
        self.model.set_listing(
            Listing(
                ["年度", "专项行动", "下一截止日期", "上报份数", "阶段"],
                [(r.year, r.name, r.current_deadline, r.returns, r.stages) for r in self.rows],
            )
        )

    def selected(self) -> CampaignRow | None:
        indexes = self.table.selectionModel().selectedRows()
        return self.rows[indexes[0].row()] if indexes else None

    # -- actions ---------------------------------------------------------------------
    def new_campaign(self) -> None:
        data = default_campaign(dt.date.today().year)
        self._edit(data, None, None, "新建专项行动")

    def edit_campaign(self) -> None:
        row = self.selected()
        if row is None or not self.edit_button.isEnabled():
            return
        data, version = self.ctx.call(campaign_detail, self.ctx.actor, row.id)
        self._edit(data, row.id, version, "编辑专项行动")

    def _edit(self, data: CampaignInput, cid: int | None, version: int | None, title: str) -> None:
        dialog = CampaignDialog(data, self, title=title)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            values = dialog.values()
            try:
                self.ctx.run(save_campaign, values, cid, version)
            except ValidationError as exc:
                dialog.show_message(str(exc))
                continue
            except EditConflict as conflict:
                if self._resolve(conflict, values, cid):
                    break
                return
            except Exception as exc:  # noqa: BLE001 (shown in Chinese)
                show_error(self, title, exc)
                return
            break
        else:
            return
        self.load()

    def _resolve(self, conflict: EditConflict, mine: CampaignInput, cid: int | None) -> bool:
        """Show both versions; keep mine (save again at the new version) or theirs."""
        dialog = ConflictDialog(conflict, self, labels=LABELS)
        self.conflict_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self.load()
            return False
        if not dialog.changes_to_save():
            return True  # everything kept as the other clerk saved it
        current, version = self.ctx.call(campaign_detail, self.ctx.actor, cid)
        kept = dialog.changes_to_save()
        for field in ("name", "year", "plan_title", "started_on", "requirements"):
            if field in kept:
                setattr(current, field, getattr(mine, field))
        if "stages" in kept:
            current.stages = mine.stages
        self.ctx.run(save_campaign, current, cid, version)
        return True

    def delete_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        answer = QMessageBox.question(self, "删除专项行动", f"删除“{row.name}”及其阶段？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.ctx.run(delete_campaign, row.id, row.version)
        except Exception as exc:  # noqa: BLE001 (shown in Chinese)
            show_error(self, "删除专项行动", exc)
            return
        self.load()
