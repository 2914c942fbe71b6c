"""Every audit action and object type, in one table: its code, its Chinese label, its topics.

The audit pane, the audit export and :mod:`controllers.audit.verify` show the labels; the
change feed (this window's own writes, other windows', other workstations') maps an entry to
the topics of the interface that must refresh. :func:`controllers.audit.trail.record` refuses
a code that is not here, so a new action is added to this table first.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum


class Topic(StrEnum):
    """What a pane listens to; one per kind of record (``audit``: every entry)."""

    CASES = "cases"
    RETURNS = "returns"
    LETTERS = "letters"
    SPOT_CHECKS = "spot_checks"
    ACCOUNTABILITY = "accountability"
    LEADS = "leads"
    UNITS = "units"
    USERS = "users"
    SETTINGS = "settings"
    AUDIT = "audit"


ALL_TOPICS: frozenset[str] = frozenset(t.value for t in Topic)


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    STATUS = "status"
    DELETE = "delete"
    AMEND = "amend"
    DECIDE = "decide"
    EXECUTE = "execute"
    IMPORT = "import"
    ACCEPT = "accept"
    RETURN = "return"
    EXPORT = "export"
    EXPORT_CHART = "export_chart"
    EXPORT_REPORT = "export_report"
    SAVE_REPORT_TEXT = "save_report_text"
    ATTACH = "attach"
    SAVE_COPY = "save_copy"
    LOOKBACK = "lookback"
    BULK_STATUS = "bulk_status"
    BULK_UPDATE = "bulk_update"
    SAVE_VIEW = "save_view"
    DELETE_VIEW = "delete_view"
    MERGE = "merge"
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    LETTER_ISSUE = "letter_issue"
    LETTER_SIGN = "letter_sign"
    LETTER_ARCHIVE = "letter_archive"
    LETTER_STEP_BACK = "letter_step_back"
    LETTERS_GENERATE = "letters_generate"
    TEMPLATE_SAVE = "template_save"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    UNLOCK_SCREEN = "unlock_screen"
    ACCOUNT_LOCKED = "account_locked"
    PERMISSION_REFUSED = "permission_refused"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_RESET = "password_reset"
    USER_ADD = "user_add"
    USER_UPDATE = "user_update"
    USER_DISABLE = "user_disable"
    USER_ENABLE = "user_enable"
    BACKUP = "backup"
    RESTORE = "restore"
    RESTORE_FORCED = "restore_forced"
    SEAL = "seal"
    AUDIT_ARCHIVE = "audit_archive"
    AUDIT_EXPORT = "audit_export"
    DEMO = "demo"
    LEADS_SCAN = "leads_scan"


class AuditObject(StrEnum):
    CASE = "case"
    CASE_LOOKBACK = "case_lookback"
    COUNTY_RETURN = "county_return"
    RETURN_COLUMN_MAPPING = "return_column_mapping"
    RETURN_ERROR_REPORT = "return_error_report"
    RETURN_TEMPLATE = "return_template"
    LETTER = "letter"
    LETTER_TEMPLATE = "letter_template"
    SPOT_CHECK = "spot_check"
    ACCOUNTABILITY = "accountability"
    ACCOUNTABILITY_RULES = "accountability_rules"
    LEAD = "lead"
    ATTACHMENT = "attachment"
    USER = "user"
    SESSION = "session"
    SETTING = "setting"
    SAVED_VIEW = "saved_view"
    CAMPAIGN = "campaign"
    UNIT = "unit"
    TOWNSHIP = "township"
    INDUSTRY = "industry"
    CHART = "chart"
    REPORT = "report"
    DATABASE = "database"
    AUDIT_LOG = "audit_log"
    POWER_LIST = "power_list"
    PERMIT_LIST = "permit_list"
    INDUSTRY_ALIAS = "industry_alias"


@dataclass(frozen=True)
class ActionInfo:
    label: str
    #: True when the action changes nothing a pane shows (sign-in, exports…)
    quiet: bool = False


@dataclass(frozen=True)
class ObjectInfo:
    label: str
    topics: tuple[Topic, ...] = ()


A, Ob, T = AuditAction, AuditObject, Topic

ACTIONS: dict[AuditAction, ActionInfo] = {
    A.CREATE: ActionInfo("新建"),
    A.UPDATE: ActionInfo("修改"),
    A.STATUS: ActionInfo("状态变更"),
    A.DELETE: ActionInfo("删除"),
    A.AMEND: ActionInfo("追加更正"),
    A.DECIDE: ActionInfo("作出决定"),
    A.EXECUTE: ActionInfo("执行完毕"),
    A.IMPORT: ActionInfo("导入"),
    A.ACCEPT: ActionInfo("审核通过"),
    A.RETURN: ActionInfo("退回"),
    A.EXPORT: ActionInfo("导出", quiet=True),
    A.EXPORT_CHART: ActionInfo("导出图表", quiet=True),
    A.EXPORT_REPORT: ActionInfo("导出报告", quiet=True),
    A.SAVE_REPORT_TEXT: ActionInfo("保存报告文字"),
    A.ATTACH: ActionInfo("添加附件"),
    A.SAVE_COPY: ActionInfo("另存附件", quiet=True),
    A.LOOKBACK: ActionInfo("回头看"),
    A.BULK_STATUS: ActionInfo("批量变更状态"),
    A.BULK_UPDATE: ActionInfo("批量修改"),
    A.SAVE_VIEW: ActionInfo("保存视图"),
    A.DELETE_VIEW: ActionInfo("删除视图"),
    A.MERGE: ActionInfo("合并"),
    A.CONFIRM: ActionInfo("确认"),
    A.DISMISS: ActionInfo("排除"),
    A.LETTER_ISSUE: ActionInfo("印发承诺书"),
    A.LETTER_SIGN: ActionInfo("登记签署"),
    A.LETTER_ARCHIVE: ActionInfo("归档扫描件"),
    A.LETTER_STEP_BACK: ActionInfo("撤回一步"),
    A.LETTERS_GENERATE: ActionInfo("生成承诺书"),
    A.TEMPLATE_SAVE: ActionInfo("保存模板"),
    A.LOGIN: ActionInfo("登录", quiet=True),
    A.LOGIN_FAILED: ActionInfo("登录失败", quiet=True),
    A.LOGOUT: ActionInfo("退出登录", quiet=True),
    A.UNLOCK_SCREEN: ActionInfo("解除锁屏", quiet=True),
    A.ACCOUNT_LOCKED: ActionInfo("账户锁定", quiet=True),
    A.PERMISSION_REFUSED: ActionInfo("越权操作被拒绝", quiet=True),
    A.PASSWORD_CHANGE: ActionInfo("修改密码", quiet=True),
    A.PASSWORD_RESET: ActionInfo("重置密码"),
    A.USER_ADD: ActionInfo("新建用户"),
    A.USER_UPDATE: ActionInfo("修改用户"),
    A.USER_DISABLE: ActionInfo("停用用户"),
    A.USER_ENABLE: ActionInfo("启用用户"),
    A.BACKUP: ActionInfo("备份", quiet=True),
    A.RESTORE: ActionInfo("恢复"),
    A.RESTORE_FORCED: ActionInfo("强制恢复"),
    A.SEAL: ActionInfo("封存审计日志", quiet=True),
    A.AUDIT_ARCHIVE: ActionInfo("审计日志归档"),
    A.AUDIT_EXPORT: ActionInfo("导出审计日志", quiet=True),
    A.DEMO: ActionInfo("写入演示数据"),
    A.LEADS_SCAN: ActionInfo("线索研判"),
}

OBJECTS: dict[AuditObject, ObjectInfo] = {
    Ob.CASE: ObjectInfo("企业", (T.CASES,)),
    Ob.CASE_LOOKBACK: ObjectInfo("回头看", (T.CASES,)),
    Ob.COUNTY_RETURN: ObjectInfo("县区上报", (T.RETURNS, T.CASES)),
    Ob.RETURN_COLUMN_MAPPING: ObjectInfo("上报列对应", (T.RETURNS,)),
    Ob.RETURN_ERROR_REPORT: ObjectInfo("上报错误报告"),
    Ob.RETURN_TEMPLATE: ObjectInfo("上报模板"),
    Ob.LETTER: ObjectInfo("承诺书", (T.LETTERS,)),
    Ob.LETTER_TEMPLATE: ObjectInfo("承诺书模板", (T.LETTERS,)),
    Ob.SPOT_CHECK: ObjectInfo("督导抽查", (T.SPOT_CHECKS, T.CASES)),
    Ob.ACCOUNTABILITY: ObjectInfo("问责", (T.ACCOUNTABILITY,)),
    Ob.ACCOUNTABILITY_RULES: ObjectInfo("问责规则", (T.ACCOUNTABILITY,)),
    Ob.LEAD: ObjectInfo("线索", (T.LEADS, T.CASES)),
    Ob.ATTACHMENT: ObjectInfo(
        "附件", (T.CASES, T.RETURNS, T.LETTERS, T.SPOT_CHECKS, T.ACCOUNTABILITY)
    ),
    Ob.USER: ObjectInfo("用户", (T.USERS,)),
    Ob.SESSION: ObjectInfo("会话"),
    Ob.SETTING: ObjectInfo("设置", (T.SETTINGS,)),
    Ob.SAVED_VIEW: ObjectInfo("视图", (T.CASES,)),
    Ob.CAMPAIGN: ObjectInfo("专项行动", (T.SETTINGS, T.RETURNS, T.LETTERS)),
    # a unit's name shows in every pane, and a unit merge moves their records
    Ob.UNIT: ObjectInfo(
        "责任单位",
        (T.UNITS, T.CASES, T.RETURNS, T.LETTERS, T.SPOT_CHECKS, T.ACCOUNTABILITY, T.LEADS, T.USERS),
    ),
    Ob.TOWNSHIP: ObjectInfo("乡镇", (T.UNITS, T.CASES)),
    Ob.INDUSTRY: ObjectInfo("行业", (T.SETTINGS,)),
    Ob.CHART: ObjectInfo("图表"),
    Ob.REPORT: ObjectInfo("报告"),
    Ob.DATABASE: ObjectInfo("数据库", tuple(Topic)),
    Ob.AUDIT_LOG: ObjectInfo("审计日志"),
    Ob.POWER_LIST: ObjectInfo("电力数据", (T.LEADS,)),
    Ob.PERMIT_LIST: ObjectInfo("排污许可名单", (T.LEADS,)),
    Ob.INDUSTRY_ALIAS: ObjectInfo("行业对应", (T.RETURNS, T.SETTINGS)),
}

del A, Ob, T


def action_label(action: str | None) -> str:
    """The Chinese label of an action code (the code itself when unknown, e.g. in old logs)."""
    if action is None:
        return ""
    try:
        return ACTIONS[AuditAction(action)].label
    except ValueError:
        return action


def object_label(object_type: str | None) -> str:
    if object_type is None:
        return ""
    try:
        return OBJECTS[AuditObject(object_type)].label
    except ValueError:
        return object_type


def topics_for(action: str | None, object_type: str | None) -> frozenset[str]:
    """The panes' topics one audit entry concerns (``audit`` for every entry)."""
    topics = {Topic.AUDIT.value}
    try:
        info = ACTIONS[AuditAction(action)] if action else None
    except ValueError:
        info = None
    if (info is not None and info.quiet) or not object_type:
        return frozenset(topics)
    with contextlib.suppress(ValueError):
        topics.update(t.value for t in OBJECTS[AuditObject(object_type)].topics)
    return frozenset(topics)
