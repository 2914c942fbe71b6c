"""The panes of the main window, in navigation order.

Each pane is a module of its own, imported when the clerk first opens it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtWidgets import QStyle

from controllers.actor import Actor
from controllers.permissions import Permission, can


@dataclass(frozen=True)
class PaneSpec:
    key: str
    title: str
    module: str
    cls: str
    icon: QStyle.StandardPixmap
    #: who sees the pane (None: everyone); the controllers check again on every call
    permission: Permission | None = Permission.VIEW

    def load(self) -> type:
        return getattr(importlib.import_module(self.module), self.cls)

    def visible_to(self, actor: Actor) -> bool:
        return self.permission is None or can(actor, self.permission)


SP = QStyle.StandardPixmap
PANES: list[PaneSpec] = [
    PaneSpec("overview", "概览", "ui.panes.overview", "OverviewPane", SP.SP_ComputerIcon),
    PaneSpec("register", "企业清单", "ui.panes.register", "RegisterPane", SP.SP_FileDialogDetailedView),
    PaneSpec("returns", "县区上报", "ui.panes.returns", "ReturnsPane", SP.SP_ArrowDown),
    PaneSpec("letters", "承诺书", "ui.panes.letters", "LettersPane", SP.SP_FileIcon),
    PaneSpec("spot_checks", "督导抽查", "ui.panes.spot_checks", "SpotChecksPane", SP.SP_FileDialogContentsView),
    PaneSpec("accountability", "问责", "ui.panes.accountability", "AccountabilityPane", SP.SP_MessageBoxWarning),
    PaneSpec("leads", "线索", "ui.panes.leads", "LeadsPane", SP.SP_FileDialogContentsView),
    PaneSpec("charts", "统计图表", "ui.panes.charts", "ChartsPane", SP.SP_FileDialogListView),
    PaneSpec("audit", "审计日志", "ui.panes.audit", "AuditPane", SP.SP_FileDialogInfoView, Permission.VIEW_AUDIT),
    PaneSpec("users", "用户管理", "ui.panes.users", "UsersPane", SP.SP_DirHomeIcon, Permission.MANAGE_USERS),
    PaneSpec("settings", "系统设置", "ui.panes.settings", "SettingsPane", SP.SP_DriveHDIcon, None),
]  # fmt: skip
