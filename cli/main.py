"""Parse the command line and run a command, or hand over to the GUI."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

#: command name → the module that adds it (``register(subparsers)``), imported only when the
#: command is chosen (or for --help), so a command or the GUI start pays for no other's imports
COMMANDS = {
    "db": "cli.db_commands",
    "demo": "cli.demo_command",
    "summary": "cli.summary_command",
    "letters": "cli.letters_command",
    "import-return": "cli.import_return_command",
    "export": "cli.export_command",
    "report": "cli.report_command",
    "chart": "cli.chart_command",
    "user": "cli.user_command",
    "audit": "cli.audit_command",
    "backup": "cli.backup_command",
    "restore": "cli.backup_command",
    "leads": "cli.leads_command",
    "checks": "cli.checks_command",
    "accountability": "cli.accountability_command",
    "units": "cli.units_command",
    "import-register": "cli.import_register_command",
}
HELP_FLAGS = ("-h", "--help")


def modules_needed(argv: Sequence[str] | None) -> list[str]:
    """The command modules to import for ``argv``: the named commands', or all for --help."""
    args = list(sys.argv[1:] if argv is None else argv)
    named = [COMMANDS[a] for a in args if a in COMMANDS]
    if not named and any(a in HELP_FLAGS for a in args):
        named = list(COMMANDS.values())
    return list(dict.fromkeys(named))


DESCRIPTION = """散乱污整治管理台 Rectify Desk

不带命令时启动图形界面；带命令时在命令行中运行（供管理员和脚本使用）。
Without a command the desktop application starts; with one it runs headless.

数据库 / database: --db URL > 环境变量 RECTIFY_DB_URL > 首次启动时的选择 > 本机默认 SQLite 文件。
  sqlite:///C:/path/rectify.db · postgresql://user:pw@host/db · mysql://user:pw@host/db"""


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments give one line and exit 2 (argparse prints usage and a message)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"错误 / error: {message}（用 --help 查看用法 / see --help）\n")


def build_parser(
    argv: Sequence[str] | None = None, *, everything: bool = False
) -> argparse.ArgumentParser:
    """The parser; only the modules of the commands named in ``argv`` are imported.

    Other commands get a bare placeholder parser so that their names are still known;
    ``everything=True`` (and --help without a command) imports them all.
    """
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
    wanted = set(COMMANDS.values()) if everything else set(modules_needed(argv))
    for name in sorted(wanted, key=list(COMMANDS.values()).index):
        importlib.import_module(name).register(sub)
    for name, module in COMMANDS.items():
        if module not in wanted:
            sub.add_parser(name)
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
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    from controllers.infra.logging_setup import setup_logging

    setup_logging(verbose=args.verbose, console=args.command is not None)
    if args.command is None:
        if launch_gui is None:
            parser.print_help()
            return 0
        return launch_gui(args)
    quick = getattr(args, "quick", None)  # a command's path without SQLAlchemy, when it can
    if quick is not None:
        status = quick(args)
        if status is not None:
            return status
    return _run_command(args)


def _run_command(args: argparse.Namespace) -> int:
    from cli.context import CommandContext
    from cli.errors import CliError
    from controllers.audit.trail import record_refusal
    from controllers.errors import UserError
    from controllers.infra.database_setup import DatabaseError, StorageError
    from controllers.permissions import PermissionDenied

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
