"""The headless command line, run as a clerk's administrator would: a real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.pop("RECTIFY_DB_URL", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("错误 / error:")


def test_help_lists_the_commands():
    proc = run("--help")
    assert proc.returncode == 0
    for command in ("db", "demo", "summary"):
        assert command in proc.stdout


@pytest.mark.parametrize(
    "args",
    [("--bogus",), ("summary", "--nope"), ("demo", "--seed", "abc"), ("db",), ("nosuchcommand",)],
)
def test_bad_arguments_give_one_line_and_exit_2(args):
    proc = run(*args)
    assert proc.returncode == 2
    assert_one_line_error(proc)


@pytest.mark.parametrize(
    "url", ["postgresql://nobody@127.0.0.1:1/none", "mysql://nobody@127.0.0.1:1/none"]
)
def test_unreachable_database_gives_one_line_and_exit_1(url):
    proc = run("--db", url, "summary")
    assert proc.returncode == 1
    assert_one_line_error(proc)
    assert "无法连接数据库" in proc.stderr


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_demo_then_summary_json(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    proc = run("--db", url, "demo", "--seed", "3", "--as-of", "2026-05-31")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(run("summary", "--json", "--db", url).stdout)
    assert data["units"] == 25
    assert data["cases"]["total"] == 20_427
    assert set(data["cases"]["by_status"]) == {
        "pending",
        "in_progress",
        "completed",
        "accepted",
        "closed",
    }
    assert set(data["cases"]["by_classification"]) == {"shutdown", "relocate", "upgrade"}
    assert len(data["cases"]["by_unit"]) == 25
    assert data["spot_checks"] == {"groups": 33, "person_times": 127, "sites": 199, "new_found": 4}
    assert data["letters"]["by_status"]["signed"] == 25
    assert set(data["returns"]["by_status"]) == {"pending", "returned", "approved"}
    assert data["accountability"]["records"] >= 2
    from models.migrate import head_revision

    assert data["schema_version"] == head_revision()
    # a second demo is refused, and nothing changes
    again = run("--db", url, "demo")
    assert again.returncode == 1
    assert_one_line_error(again)
    assert json.loads(run("--db", url, "summary", "--json").stdout) == data


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_environment_variable_selects_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    proc = run("db", "upgrade", env={"RECTIFY_DB_URL": url})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "env.db").exists()
    current = run("db", "current", env={"RECTIFY_DB_URL": url})
    assert "最新" in current.stdout


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
@pytest.mark.postgres
def test_commands_work_the_same_on_postgresql():
    from tests import dbservers

    with dbservers.server_database("postgresql") as url:
        proc = run("--db", url, "db", "upgrade")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(run("--db", url, "summary", "--json").stdout)
        assert data["units"] == 0  # a new database has no units it did not ask for
        assert data["cases"]["total"] == 0


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
@pytest.mark.mariadb
def test_commands_work_the_same_on_mariadb():
    from tests import dbservers

    with dbservers.server_database("mariadb") as url:
        proc = run("--db", url, "db", "upgrade")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(run("--db", url, "summary", "--json").stdout)
        assert data["units"] == 0  # a new database has no units it did not ask for
