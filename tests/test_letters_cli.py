"""``main.py letters OUT_DIR [--unit NAME]`` run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from controllers.demo.accounts import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("RECTIFY_DB_URL", None)
    env["RECTIFY_SYSTEM_FONTS"] = "0"  # the same PDF on every machine: the bundled font
    env["RECTIFY_PASSWORD"] = DEMO_PASSWORD  # for --user (the demo's accounts)
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True, text=True, encoding="utf-8", env=env, timeout=300, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_letters_for_all_units_and_where_they_went(demo_url, tmp_path):
    out = tmp_path / "承诺书"
    refused = run("--db", demo_url, "letters", str(out))  # accounts exist: who is acting?
    assert refused.returncode == 1
    assert "--user" in refused.stderr
    assert not out.exists() or list(out.glob("*.pdf")) == []
    proc = run("--db", demo_url, "--user", "city", "letters", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 26
    assert str(out / "灵寿县.pdf") in lines
    assert str(out / "承诺书合订本（25份）.pdf") in lines
    assert "已生成 25 份承诺书及合订本" in proc.stdout
    assert "使用内置字体" in proc.stdout
    with pdfplumber.open(out / "灵寿县.pdf") as pdf:
        assert "灵寿县分局" in "".join(p.extract_text() for p in pdf.pages)


def test_letters_for_one_unit_by_short_name(demo_url, tmp_path):
    proc = run("letters", str(tmp_path), "--unit", "灵寿", "--db", demo_url, "--user", "city")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "承诺书合订本（1份）.pdf",
        "灵寿县.pdf",
    ]


def test_unknown_unit_is_one_line_and_exit_1(demo_url, tmp_path):
    proc = run("--db", demo_url, "--user", "city", "letters", str(tmp_path), "--unit", "火星县")
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("错误 / error: 没有名为“火星县”的责任单位")
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.glob("*.pdf")) == []


def test_bad_date_is_refused_by_the_parser(demo_url, tmp_path):
    proc = run("--db", demo_url, "letters", str(tmp_path), "--date", "5月17日")
    assert proc.returncode == 2
    assert "“5月17日”不是日期，请按 2026-05-25 的格式填写" in proc.stderr
