"""Parse the command line and run a command, or hand over to the GUI."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from cli import (
    accountability_command,
    audit_command,
    backup_command,
    chart_command,
    checks_command,
    db_commands,
    demo_command,
    export_command,
    import_register_command,
    import_return_command,
    leads_command,
    letters_command,
    report_command,
    summary_command,
    units_command,
    user_command,
)
from cli.context import CommandContext
from cli.errors import CliError
from controllers.audit.trail import record_refusal
from controllers.errors import UserError
from controllers.infra.database_setup import DatabaseError, StorageError
from controllers.permissions import PermissionDenied

logger = logging.getLogger(__name__)

#: modules that add one command (or a group) each: ``register(subparsers)``
COMMAND_MODULES = [
    db_commands,
    demo_command,
    summary_command,
    letters_command,
    import_return_command,
    export_command,
    report_command,
    chart_command,
    user_command,
    audit_command,
    backup_command,
    leads_command,
    checks_command,
    accountability_command,
    units_command,
    import_register_command,
]

DESCRIPTION = """散乱污整治管理台 Rectify Desk

不带命令时启动图形界面；带命令时在命令行中运行（供管理员和脚本使用）。
Without a command the desktop application starts; with one it runs headless.

数据库 / database: --db URL > 环境变量 RECTIFY_DB_URL > 首次启动时的选择 > 本机默认 SQLite 文件。
  sqlite:///C:/path/rectify.db · postgresql://user:pw@host/db · mysql://user:pw@host/db"""


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments give one line and exit 2 (argparse prints usage and a message)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"错误 / error: {message}（用 --help 查看用法 / see --help）\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="main.py",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", metavar="URL", help="数据库地址 / database URL")
    parser.add_argument(
        "--demo-if-empty",
        action="store_true",
        help="（图形界面）数据库为空时写入演示数据 / (GUI) fill an empty database with demo data",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="以该用户身份运行（密码取自 RECTIFY_PASSWORD 或提示输入）/ act as this user",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="详细日志 / verbose log")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="命令 / commands")
    sub._parser_class = OneLineParser  # subcommands fail in one line too
    for module in COMMAND_MODULES:
        module.register(sub)
    _accept_db_anywhere(sub)
    return parser


def _accept_db_anywhere(sub: argparse._SubParsersAction) -> None:
    """Let ``--db URL`` and ``--user NAME`` also follow the command (``summary --db URL``)."""
    for parser in set(sub.choices.values()):
        parser.add_argument(
            "--db", metavar="URL", default=argparse.SUPPRESS, help="数据库地址 / database URL"
        )
        parser.add_argument(
            "--user", metavar="NAME", default=argparse.SUPPRESS, help="以该用户身份 / act as"
        )
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_db_anywhere(action)


def _fail(message: str, code: int) -> int:
    text = " ".join(str(message).split())
    print(f"错误 / error: {text}", file=sys.stderr)
    return code


def run(
    argv: Sequence[str] | None = None, launch_gui: Callable[[argparse.Namespace], int] | None = None
) -> int:
    """Entry point; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from controllers.infra.logging_setup import setup_logging

    setup_logging(verbose=args.verbose, console=args.command is not None)
    if args.command is None:
        if launch_gui is None:
            parser.print_help()
            return 0
        return launch_gui(args)
    ctx = CommandContext(args)
    try:
        ctx.sign_in()
        if ctx.must_change_password and not getattr(args, "allow_must_change", False):
            raise CliError(
                "首次登录或密码被重置后须先修改密码：python main.py --user 用户名 user passwd "
                "/ change your password first (user passwd)"
            )
        return int(args.handler(ctx) or 0)
    except CliError as exc:
        return _fail(exc.message, exc.code)
    except PermissionDenied as exc:
        if ctx._db is not None:
            record_refusal(ctx._db, exc)
        return _fail(str(exc), 1)
    except (DatabaseError, UserError) as exc:
        return _fail(str(exc), 1)
    except StorageError as exc:
        logger.exception("database failure in %s", args.command)
        return _fail(f"数据库操作失败 / database failure: {getattr(exc, 'orig', None) or exc}", 1)
    except KeyboardInterrupt:
        return _fail("已中断 / interrupted", 130)
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}：{exc.filename or ''}", 1)
    finally:
        ctx.close()
