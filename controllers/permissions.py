"""Who may do what: roles, permissions and unit scope — enforced in controllers.

A 县区业务员 (county clerk) acts only on their own unit; queries are narrowed with
:func:`scope_to_unit` and writes are checked with :func:`require`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Select, false

from controllers.actor import Actor
from controllers.errors import UserError
from models.codes import Role

S = TypeVar("S", bound=Select)


class Permission(StrEnum):
    VIEW = "view"  # read business data (within scope)
    EDIT_CASES = "edit_cases"  # create and change cases, look-backs, attachments
    CLOSE_CASES = "close_cases"  # accept and close out (销号)
    SUBMIT_RETURNS = "submit_returns"  # import a unit's return
    REVIEW_RETURNS = "review_returns"  # accept or send back a return
    MANAGE_LETTERS = "manage_letters"  # templates, issue, record signatures
    MANAGE_CAMPAIGNS = "manage_campaigns"  # campaigns and their stages (deadlines)
    EDIT_SPOT_CHECKS = "edit_spot_checks"
    EDIT_ACCOUNTABILITY = "edit_accountability"  # propose, decide, amend
    EXPORT = "export"  # Excel/PDF exports and reports
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"  # units, industries, rules, templates' defaults
    MANAGE_UNITS = "manage_units"  # units and their townships (city clerks and administrators)
    VIEW_AUDIT = "view_audit"
    MANAGE_AUDIT = "manage_audit"  # archive and export the audit log
    BACKUP = "backup"  # back up and restore the whole database


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({P.MANAGE_USERS, P.MANAGE_SETTINGS, P.MANAGE_UNITS, P.BACKUP}),
    Role.AUDITOR: frozenset({P.VIEW, P.VIEW_AUDIT, P.MANAGE_AUDIT, P.EXPORT}),
    Role.CITY_CLERK: frozenset(
        {
            P.VIEW,
            P.EDIT_CASES,
            P.CLOSE_CASES,
            P.SUBMIT_RETURNS,
            P.REVIEW_RETURNS,
            P.MANAGE_LETTERS,
            P.MANAGE_CAMPAIGNS,
            P.MANAGE_UNITS,
            P.EDIT_SPOT_CHECKS,
            P.EDIT_ACCOUNTABILITY,
            P.EXPORT,
        }
    ),
    Role.COUNTY_CLERK: frozenset({P.VIEW, P.EDIT_CASES, P.SUBMIT_RETURNS, P.EXPORT}),
    Role.LEADER: frozenset({P.VIEW, P.EXPORT}),
}

PERMISSION_LABELS = {
    P.VIEW: "查看业务数据",
    P.EDIT_CASES: "编辑企业清单",
    P.CLOSE_CASES: "验收销号",
    P.SUBMIT_RETURNS: "导入县区上报",
    P.REVIEW_RETURNS: "审核县区上报",
    P.MANAGE_LETTERS: "管理承诺书",
    P.MANAGE_CAMPAIGNS: "管理专项行动及阶段",
    P.EDIT_SPOT_CHECKS: "记录督导抽查",
    P.EDIT_ACCOUNTABILITY: "记录问责",
    P.EXPORT: "导出",
    P.MANAGE_USERS: "管理用户",
    P.MANAGE_SETTINGS: "系统设置",
    P.MANAGE_UNITS: "管理责任单位和乡镇",
    P.VIEW_AUDIT: "查看审计日志",
    P.MANAGE_AUDIT: "归档和导出审计日志",
    P.BACKUP: "备份和恢复数据库",
}


class PermissionDenied(UserError):
    """The actor's role or unit does not allow the action (audited where it is shown)."""

    def __init__(
        self,
        message: str,
        *,
        actor: Actor | None = None,
        permission: Permission | None = None,
        unit_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.actor = actor
        self.permission = permission
        self.unit_id = unit_id


def can(actor: Actor, permission: Permission, unit_id: int | None = None) -> bool:
    """True when the actor may do ``permission`` (on ``unit_id``'s data, if given)."""
    if actor.is_system:
        return True
    if permission not in ROLE_PERMISSIONS.get(actor.role, frozenset()):
        return False
    return not (actor.is_unit_scoped and unit_id is not None and unit_id != actor.unit_id)


def require(actor: Actor, permission: Permission, unit_id: int | None = None) -> None:
    """Raise :class:`PermissionDenied` with a Chinese message unless :func:`can`."""
    if can(actor, permission, unit_id):
        return
    action = PERMISSION_LABELS.get(permission, str(permission))
    if permission in ROLE_PERMISSIONS.get(actor.role, frozenset()):
        raise PermissionDenied(
            f"您（{actor.role.label}）只能处理本单位的数据，无权{action}其他单位的数据。",
            actor=actor, permission=permission, unit_id=unit_id,
        )  # fmt: skip
    raise PermissionDenied(
        f"您的角色（{actor.role.label}）无权{action}。",
        actor=actor, permission=permission, unit_id=unit_id,
    )  # fmt: skip


def unit_scope(actor: Actor) -> int | None:
    """The only unit the actor may see, or None for all units."""
    return actor.unit_id if actor.is_unit_scoped and not actor.is_system else None


def scope_to_unit(stmt: S, actor: Actor, unit_column) -> S:
    """Narrow a query to the actor's unit (no change for city-wide roles).

    A unit-scoped actor without a unit sees nothing.
    """
    if actor.is_system or not actor.is_unit_scoped:
        return stmt
    if actor.unit_id is None:
        return stmt.where(false())
    return stmt.where(unit_column == actor.unit_id)
