"""``user add|list|disable|enable|reset|passwd|db-roles``: accounts, by the 系统管理员."""

from __future__ import annotations

import argparse
import os

from cli.context import ENV_PASSWORD, CommandContext, read_secret
from cli.errors import CliError
from controllers import unit_of_work
from controllers.auth import (
    change_own_password,
    create_user,
    has_accounts,
    list_users,
    reset_password,
    set_disabled,
)
from models.codes import Role

ENV_NEW_PASSWORD = "RECTIFY_NEW_PASSWORD"
ROLE_HELP = "，".join(f"{r.value}={r.label}" for r in Role)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("user", help="用户账户 / user accounts (add, list, disable…)")
    us = p.add_subparsers(dest="user_command", metavar="{add,list,disable,enable,reset,passwd,db-roles}",
                          required=True)  # fmt: skip
    add = us.add_parser(
        "add",
        help="新建用户（初始密码取自 RECTIFY_NEW_PASSWORD，否则随机生成）/ add an account",
    )
    add.add_argument("name", help="用户名 / username (a-z, 0-9, _)")
    add.add_argument("--role", required=True, help=f"角色 / role: {ROLE_HELP}")
    add.add_argument("--unit", help="县区业务员所属单位 / the county clerk's unit")
    add.add_argument("--display-name", help="姓名 / display name")
    add.set_defaults(handler=cmd_add)
    ls = us.add_parser("list", help="列出用户 / list accounts")
    ls.set_defaults(handler=cmd_list)
    dis = us.add_parser("disable", help="停用用户 / disable an account")
    dis.add_argument("name")
    dis.set_defaults(handler=cmd_disable)
    en = us.add_parser("enable", help="重新启用用户 / enable an account again")
    en.add_argument("name")
    en.set_defaults(handler=cmd_enable)
    reset = us.add_parser("reset", help="重置密码（下次登录须修改）/ reset a password")
    reset.add_argument("name")
    reset.set_defaults(handler=cmd_reset)
    pw = us.add_parser(
        "passwd", help="修改自己的密码（新密码取自 RECTIFY_NEW_PASSWORD 或提示）/ change yours"
    )
    pw.set_defaults(handler=cmd_passwd, allow_must_change=True)
    roles = us.add_parser(
        "db-roles",
        help="PostgreSQL：为每个账户建立数据库角色与行级安全 / PostgreSQL roles and RLS",
    )
    roles.add_argument("--gate-password", help="门禁角色的新密码 / new password of the gate role")
    roles.set_defaults(handler=cmd_db_roles)


def cmd_add(ctx: CommandContext) -> int:
    db = ctx.database()
    first = not ctx.call(has_accounts)
    actor = ctx.actor if first else ctx.require_person()
    password = os.environ.get(ENV_NEW_PASSWORD) or None

    def add(session, actor):
        user, initial = create_user(
            session, actor, ctx.args.name, ctx.args.role, unit=ctx.args.unit,
            display_name=ctx.args.display_name, password=password,
        )  # fmt: skip
        unit = f"，{user.unit.name}" if user.unit_id else ""
        return user.username, Role(user.role).label, unit, initial, _secured(session)

    username, role, unit, initial, secured = unit_of_work.run(db, actor, add).value
    print(f"已建立用户 {username}（{role}{unit}）/ account created")
    if password is None:
        print(f"初始密码 / initial password: {initial}")
    print("首次登录时须修改密码 / the password must be changed at first sign-in")
    if db.info.backend == "postgresql" and not secured:
        print(
            "提示：在 PostgreSQL 上运行 user db-roles 为每个账户建立数据库角色 / run user db-roles"
        )
    return 0


def _secured(session) -> bool:
    from controllers.infra import db_roles as pg_security
    from controllers.infra import mariadb_roles

    return pg_security.is_installed(session) or mariadb_roles.scope_info(session) is not None


def _db_users_mariadb(ctx: CommandContext, db) -> int:
    """MariaDB: the scoped database of definer views, one MariaDB user per account."""
    from controllers.infra import mariadb_roles

    with db.engine.begin() as conn:
        result = mariadb_roles.install(conn, gate_password=ctx.args.gate_password)
    print(
        f"已建立 MariaDB 账户与按单位过滤的视图库 {result.scoped}（账户前缀 {result.prefix}）"
        " / per-user accounts and scoped views ready"
    )
    print(f"数据库账户 / accounts: {', '.join(result.accounts) or '（尚无账户）'}")
    if result.gate_password:
        url = db.engine.url.set(
            username=result.gate_user, password=result.gate_password, database=result.scoped
        )
        print("业务员电脑上的数据库地址（RECTIFY_DB_URL）/ the clerks' database URL:")
        print(f"  {url.set(drivername='mysql').render_as_string(hide_password=False)}")
    print("已有账户在下次修改或重置密码后即可用自己的密码连接数据库。")
    print("升级或恢复数据库后请再运行一次 user db-roles，视图随表结构更新。")
    for warning in result.warnings:
        print(warning)
    return 0


def cmd_list(ctx: CommandContext) -> int:
    rows = ctx.call(list_users, ctx.require_person())
    print(f"{'用户名':<16}{'姓名':<10}{'角色':<8}{'单位':<10}状态")
    for r in rows:
        state = "停用" if r.disabled else ("锁定" if r.locked else "正常")
        if r.must_change_password:
            state += "，待改密码"
        print(
            f"{r.username:<19}{r.display_name:<12}{r.role.label:<8}{r.unit_name or '':<10}{state}"
        )
    return 0


def _toggle(ctx: CommandContext, disabled: bool) -> int:
    username = ctx.call(
        lambda s, actor: set_disabled(s, actor, ctx.args.name, disabled).username,
        ctx.require_person(),
    )
    word = "已停用 / disabled" if disabled else "已启用 / enabled"
    print(f"用户 {username} {word}")
    return 0


def cmd_disable(ctx: CommandContext) -> int:
    return _toggle(ctx, True)


def cmd_enable(ctx: CommandContext) -> int:
    return _toggle(ctx, False)


def cmd_reset(ctx: CommandContext) -> int:
    password = os.environ.get(ENV_NEW_PASSWORD) or None
    initial = ctx.call(reset_password, ctx.require_person(), ctx.args.name, password)
    print(f"用户 {ctx.args.name} 的密码已重置，下次登录时须修改 / password reset")
    if password is None:
        print(f"新的初始密码 / new initial password: {initial}")
    return 0


def cmd_passwd(ctx: CommandContext) -> int:
    if ctx.actor.user_id is None:
        raise CliError("请用 --user 用户名 指定要修改密码的账户 / use --user NAME")
    old = read_secret(ENV_PASSWORD, "原密码 / old password: ")
    new = read_secret(ENV_NEW_PASSWORD, "新密码 / new password: ", confirm=True)
    ctx.run(change_own_password, old, new)
    print("密码已修改 / password changed")
    return 0


def cmd_db_roles(ctx: CommandContext) -> int:
    from controllers.infra import db_roles as pg_security

    db = ctx.database()
    if db.info.backend in ("mysql", "mariadb"):
        return _db_users_mariadb(ctx, db)
    if db.info.backend != "postgresql":
        raise CliError(
            "数据库角色只适用于 PostgreSQL 和 MariaDB 服务器；SQLite 数据库文件没有数据库账户，"
            "单位范围与权限只在程序中检查 / PostgreSQL and MariaDB only: not enforced by SQLite"
        )
    with db.engine.begin() as conn:
        result = pg_security.install(conn, gate_password=ctx.args.gate_password)
    print(f"已建立数据库角色与行级安全策略（角色前缀 {result.prefix}）/ roles and policies ready")
    print(f"账户角色 / account roles: {', '.join(result.accounts) or '（尚无账户）'}")
    if result.gate_password:
        url = db.engine.url.set(username=result.gate_role, password=result.gate_password)
        print("业务员电脑上的数据库地址（RECTIFY_DB_URL）/ the clerks' database URL:")
        print(f"  {url.set(drivername='postgresql').render_as_string(hide_password=False)}")
    print("已有账户在下次修改或重置密码后即可用自己的密码连接数据库。")
    from controllers.infra.server_checks import TRUST_WARNING, server_accepts_wrong_password

    if server_accepts_wrong_password(db, result.gate_role):
        print(TRUST_WARNING)
    return 0
