"""``db upgrade`` / ``db current``: the schema version of a database."""

from __future__ import annotations

import argparse

from cli.context import CommandContext
from controllers.infra.database_setup import newest_revision, schema_revision, upgrade_schema


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="数据库结构 / database schema (upgrade, current)")
    dbsub = p.add_subparsers(dest="db_command", metavar="{upgrade,current}", required=True)
    up = dbsub.add_parser(
        "upgrade", help="升级数据库结构到最新版本 / upgrade the schema to the newest"
    )
    up.set_defaults(handler=cmd_upgrade)
    cur = dbsub.add_parser("current", help="显示数据库结构版本 / show the schema version")
    cur.set_defaults(handler=cmd_current)


def cmd_upgrade(ctx: CommandContext) -> int:
    db = ctx.database(migrate=False)
    done = upgrade_schema(db)
    before, after, backup = done.before, done.after, done.backup
    if before == after:
        print(f"数据库结构已是最新版本 {after} / schema is up to date ({after})")
    else:
        print(f"数据库结构已从 {before or '空'} 升级到 {after} / upgraded from {before} to {after}")
    if backup:
        print(f"升级前备份 / backup: {backup}")
    return 0


def cmd_current(ctx: CommandContext) -> int:
    db = ctx.database(migrate=False)
    cur = schema_revision(db)
    head = newest_revision()
    state = "最新 / up to date" if cur == head else f"需要升级到 {head} / needs upgrade to {head}"
    print(f"{db.info.display}  schema {cur or '（空）'}  {state}")
    return 0
