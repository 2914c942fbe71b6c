"""散乱污整治管理台 Rectify Desk: start the desktop application or run a command.

python main.py                  # the application
python main.py --help           # the commands
python main.py [--db URL] demo  # fill an empty database with demo data
"""

from __future__ import annotations

import argparse
import sys


def launch_gui(args: argparse.Namespace) -> int:
    from ui.app import run_gui

    return run_gui(args)


def main(argv: list[str] | None = None) -> int:
    from cli.main import run

    return run(argv, launch_gui=launch_gui)


if __name__ == "__main__":
    sys.exit(main())
