"""Walk every pane and dialog as each role sees them on a 1366×768 laptop screen, at the
scaling Windows uses (run once per scale, with QT_SCALE_FACTOR set before Qt starts), and
write what does not fit (tests/layout_checks.py) as JSON; optionally a screenshot of each.

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json QT_SCALE_FACTOR=1.25 \\
        python -m tests.layout_walk --db sqlite:///demo.db --out report.json [--shots DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: the screen of the commonest office laptop, and the Windows taskbar and title bar under it
SCREEN_W, SCREEN_H, TASKBAR, TITLE_BAR = 1366, 768, 40, 30


def screen_config(path: Path) -> Path:
    """The offscreen platform's screen: 1366×768 physical pixels, less the taskbar."""
    path.write_text(json.dumps({"screens": [{
        "name": "Laptop", "x": 0, "y": 0, "width": SCREEN_W, "height": SCREEN_H - TASKBAR,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))  # fmt: skip
    return path


def _wait(app, condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--shots")
    parser.add_argument("--roles", default="city,county,leader,admin")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QDialog, QWidget

    from controllers.actor import Actor
    from models.codes import Role
    from models.database import Database, make_engine
    from tests.layout_checks import layout_problems
    from tests.pane_walk import open_pane, tab_pages
    from ui.app import create_application
    from ui.context import AppContext
    from ui.main_window import MainWindow

    app = create_application()
    QSettings().clear()

    def wait(condition: Callable[[], bool]) -> None:
        _wait(app, condition)

    screen = QGuiApplication.primaryScreen().availableGeometry()  # logical pixels
    window_size = (screen.width(), screen.height() - TITLE_BAR)
    shots = Path(args.shots) if args.shots else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    db = Database.from_engine(make_engine(args.db))
    report: dict[str, list[str]] = {}
    opened: list[str] = []

    def check(name: str, widget: QWidget) -> None:
        _wait(app, lambda: True, 0.05)
        problems = layout_problems(widget, screen)
        if problems:
            report[name] = problems
        opened.append(name)
        if shots:
            widget.grab().save(str(shots / f"{name}.png"))

    def check_dialog(name: str, dialog: QDialog | None) -> None:
        if dialog is None:
            report[name] = ["对话框没有打开"]
            return
        if not dialog.isVisible():
            dialog.show()  # at the size Qt gives it, as the clerk sees it
        check(name, dialog)
        dialog.done(0)
        dialog.deleteLater()

    with db.session() as s:
        from sqlalchemy import select

        from models import Unit

        lingshou = s.scalar(select(Unit.id).where(Unit.name == "灵寿县"))
    actors = {
        "city": Actor(None, "city", Role.CITY_CLERK, display_name="张市级"),
        "county": Actor(None, "lingshou", Role.COUNTY_CLERK, unit_id=lingshou, display_name="李县区"),
        "leader": Actor(None, "leader", Role.LEADER, display_name="王领导"),
        "admin": Actor(None, "admin", Role.ADMIN, display_name="系统管理员"),
    }  # fmt: skip
    for role in args.roles.split(","):
        ctx = AppContext(db, actors[role])
        window = MainWindow(ctx)
        window.resize(*window_size)
        window.show()
        for spec in window.specs:
            pane = open_pane(window, spec.key, wait)
            check(f"{role}-{spec.key}", window)
            # every page of the pane's tabs (e.g. each tab of 系统设置), as the clerk opens them
            for tabs, index in tab_pages(pane, wait):
                check(f"{role}-{spec.key}-{tabs.objectName() or 'tabs'}{index}", window)
            for name, open_dialog in _dialogs(spec.key, pane, ctx).items():
                try:
                    dialog = open_dialog()
                except Exception as exc:  # noqa: BLE001 (reported, the walk goes on)
                    report[f"{role}-{name}"] = [f"打开失败：{type(exc).__name__}: {exc}"]
                    continue
                check_dialog(f"{role}-{name}", dialog)
        window.close()
        window.deleteLater()
        _wait(app, lambda: True, 0.05)
    for name, dialog in _free_dialogs(db).items():
        check_dialog(name, dialog)
    Path(args.out).write_text(json.dumps({"opened": opened, "problems": report},
                                         ensure_ascii=False, indent=1))  # fmt: skip
    app.closeAllWindows()
    return 0


def _dialogs(key: str, pane, ctx) -> dict[str, Callable]:
    """The dialogs a pane opens, as factories (each returns the shown dialog)."""
    from controllers.permissions import Permission, can

    out: dict[str, Callable] = {}
    if key == "register" and pane.model.rowCount():
        first = pane.model.case_id(0)
        out["case"] = lambda: pane.open_case(first)
        for tab in range(1, 5):
            out[f"case-tab{tab}"] = lambda t=tab: _case_tab(pane, first, t)
        if can(ctx.actor, Permission.EDIT_CASES):
            out["case-new"] = pane.new_case
            out["bulk-status"] = lambda: _with_selection(pane, pane.bulk_status)
            out["bulk-responsible"] = lambda: _with_selection(pane, pane.bulk_responsible)
            out["lookback"] = lambda: pane.open_case(first).open_lookback()
    if key == "overview":
        out["about"] = lambda: _opened(pane.window().show_about, pane.window(), "AboutDialog")
        out["report"] = lambda: _opened(pane.open_report_dialog, pane, "ReportDialog")
    if key == "returns" and getattr(pane, "overview_model", None) is not None:
        model = pane.overview_model
        returned = next((model.unit_row(r) for r in range(model.rowCount())
                         if model.unit_row(r).return_id is not None), None)  # fmt: skip
        if returned is not None:
            out["return"] = lambda: pane.open_return(returned.return_id)
        if can(ctx.actor, Permission.SUBMIT_RETURNS):
            out["import"] = pane.open_import
    if key == "spot_checks" and can(ctx.actor, Permission.EDIT_SPOT_CHECKS):
        out["check-new"] = pane.new_check
    if key == "accountability" and can(ctx.actor, Permission.EDIT_ACCOUNTABILITY):
        from ui.accountability.rules_dialog import RulesDialog

        out["rules"] = lambda: RulesDialog(ctx, pane)
        out["rules-measures"] = lambda: _tab(RulesDialog(ctx, pane), 2)
    return out


def _tab(dialog, index: int):
    dialog.tabs.setCurrentIndex(index)
    return dialog


def _with_selection(pane, open_dialog):
    pane.table.selectRow(0)
    return open_dialog()


def _case_tab(pane, case_id: int, tab: int):
    dialog = pane.open_case(case_id)
    dialog.tabs.setCurrentIndex(tab)
    return dialog


def _opened(action, parent, class_name: str):
    """Run an action that opens a dialog without returning it; find the dialog."""
    from PySide6.QtWidgets import QDialog

    before = set(map(id, parent.findChildren(QDialog)))
    action()
    return next((d for d in parent.findChildren(QDialog)
                 if id(d) not in before and type(d).__name__ == class_name), None)  # fmt: skip


def _free_dialogs(db) -> dict:
    """Dialogs opened before or outside the main window."""
    from ui.letters.dialogs import ArchiveDialog, IssueDialog, SignDialog, StepBackDialog
    from ui.login_dialog import ChangePasswordDialog, FirstAdminDialog, LoginDialog

    names = ["灵寿县", "新乐市", "井陉县"]
    hint = "演示数据库：可用 admin（系统管理员）、auditor（审计管理员）、city（市级业务员）、lingshou（县区业务员）、leader（领导） 登录，密码均为 Demo-2026。"
    login = LoginDialog(lambda *a: None, database_label=db.info.display, allow_remember=True,
                        username="city", hint=hint)  # fmt: skip
    login.show()
    login.show_message("用户名或密码不正确（还可尝试 4 次，之后账户将锁定 15 分钟）。")
    return {
        "login-error": login,
        "first-admin": FirstAdminDialog(lambda *a: None),
        "change-password": ChangePasswordDialog(lambda *a: None, required=True),
        "letter-issue": IssueDialog(names, lambda *a: None),
        "letter-sign": SignDialog("灵寿县", "张三", lambda *a: None),
        "letter-archive": ArchiveDialog("灵寿县", lambda *a: None),
        "letter-step-back": StepBackDialog("灵寿县", "已签署", lambda *a: None),
    }


if __name__ == "__main__":
    sys.exit(main())
