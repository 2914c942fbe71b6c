"""Headless commands with accounts: --user NAME, the password from RECTIFY_PASSWORD (or a
prompt), user add / list / disable / passwd — real processes, as an administrator would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, password=None, new_password=None, stdin=None):
    env = dict(os.environ)
    for var in ("RECTIFY_DB_URL", "RECTIFY_PASSWORD", "RECTIFY_NEW_PASSWORD"):
        env.pop(var, None)
    if password is not None:
        env["RECTIFY_PASSWORD"] = password
    if new_password is not None:
        env["RECTIFY_NEW_PASSWORD"] = new_password
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=120, cwd=ROOT,
                          stdin=stdin if stdin is not None else subprocess.DEVNULL)  # fmt: skip


def one_line_error(proc) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("错误 / error:")
    return lines[0]


@pytest.mark.slow
def test_accounts_from_the_command_line(sqlite_url):
    db = ("--db", sqlite_url)
    # a new database: the first account is the administrator, chosen without --user
    first = run(*db, "user", "add", "chief", "--role", "admin", "--display-name", "王管理",
                new_password="Guanli-Mima-1")  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "已建立用户 chief（系统管理员）" in first.stdout
    assert "initial password" not in first.stdout  # it came from RECTIFY_NEW_PASSWORD
    # from now on commands that act for a person need --user
    assert "--user" in one_line_error(run(*db, "user", "list"))
    assert "用户名或密码不正确" in one_line_error(
        run(*db, "--user", "chief", "user", "list", password="wrong")
    )
    assert "RECTIFY_PASSWORD" in one_line_error(run(*db, "--user", "chief", "user", "list"))
    # the first password must be changed before anything else
    assert "user passwd" in one_line_error(
        run(*db, "--user", "chief", "user", "list", password="Guanli-Mima-1")
    )
    weak = run(*db, "--user", "chief", "user", "passwd", password="Guanli-Mima-1",
               new_password="weakweak")  # fmt: skip
    assert "缺少" in one_line_error(weak)
    changed = run(*db, "--user", "chief", "user", "passwd", password="Guanli-Mima-1",
                  new_password="Xin-Guanli-2")  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    admin = ("--user", "chief")
    added = run(*db, *admin, "user", "add", "lingshou_li", "--role", "县区业务员", "--unit",
                "灵寿县", password="Xin-Guanli-2")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "（县区业务员，灵寿县）" in added.stdout
    initial = added.stdout.split("initial password: ")[1].split()[0]
    no_unit = run(*db, *admin, "user", "add", "x_clerk", "--role", "county_clerk",
                  password="Xin-Guanli-2")  # fmt: skip
    assert "必须指定所属责任单位" in one_line_error(no_unit)
    listed = run(*db, *admin, "user", "list", password="Xin-Guanli-2")
    assert listed.returncode == 0, listed.stderr
    assert "lingshou_li" in listed.stdout
    assert "待改密码" in listed.stdout
    # the county clerk may not manage accounts, and the refusal is audited
    clerk = run(*db, "--user", "lingshou_li", "user", "passwd", password=initial,
                new_password="Lingshou-Xin-3")  # fmt: skip
    assert clerk.returncode == 0, clerk.stderr
    refused = run(*db, "--user", "lingshou_li", "user", "list", password="Lingshou-Xin-3")
    assert "无权管理用户" in one_line_error(refused)
    disabled = run(*db, *admin, "user", "disable", "lingshou_li", password="Xin-Guanli-2")
    assert disabled.returncode == 0, disabled.stderr
    after = run(*db, "--user", "lingshou_li", "summary", password="Lingshou-Xin-3")
    assert "已停用" in one_line_error(after)
    secure = run(*db, *admin, "user", "db-roles", password="Xin-Guanli-2")
    assert "只适用于 PostgreSQL" in one_line_error(secure)
    assert "只在程序中检查" in one_line_error(secure)
    verify = run(*db, "audit", "verify")
    assert verify.returncode == 0, verify.stderr


def test_five_wrong_passwords_lock_the_account_for_the_command_line_too(
    sqlite_url, monkeypatch, capsys
):
    """In this process (the same ``cli.main.run`` the real command line runs), for speed."""
    from cli.main import run as run_here

    def attempt(password):
        monkeypatch.setenv("RECTIFY_PASSWORD", password)
        code = run_here(["--db", sqlite_url, "--user", "chief", "summary"])
        return code, capsys.readouterr().err.strip()

    monkeypatch.setenv("RECTIFY_NEW_PASSWORD", "Guanli-Mima-1")
    assert run_here(["--db", sqlite_url, "user", "add", "chief", "--role", "admin"]) == 0
    for left in (4, 3, 2, 1):
        code, err = attempt("nope")
        assert code == 1
        assert f"再输错 {left} 次" in err
    code, err = attempt("nope")
    assert "账户已锁定 5 分钟" in err
    code, err = attempt("Guanli-Mima-1")
    assert code == 1
    assert "锁定" in err
