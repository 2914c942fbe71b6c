"""``main.py import-return`` as an administrator's script runs it: exit codes, JSON, writes."""

from __future__ import annotations

import json

import openpyxl
import pytest

from tests.returns_fixtures import make_stage, standard_row, write_xlsx
from tests.test_cli import assert_one_line_error, run


@pytest.fixture
def db_url(sqlite_url):
    from models.database import Database, make_engine

    db = Database.from_engine(make_engine(sqlite_url))
    with db.session() as s:
        make_stage(s)
        s.commit()
    db.dispose()
    return sqlite_url


def summary(url):
    return json.loads(run("--db", url, "summary", "--json").stdout)


def test_a_valid_file_exits_0_and_writes_nothing_without_accept(db_url, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", [standard_row(i) for i in range(1, 4)])
    before = summary(db_url)
    proc = run(
        "--db",
        db_url,
        "import-return",
        str(path),
        "--unit",
        "灵寿",
        "--stage",
        "全面自查",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "valid"
    assert data["rows_valid"] == 3
    assert data["errors"] == []
    assert len(data["diff"]["new"]) == 3
    assert data["diff"]["changed"] == []
    assert data["accepted"] is False
    assert data["diff"]["new"][0] == {"sheet": "清单", "row": 4, "name": "灵寿县东关村蛭石加工厂1",
                                      "address": "灵寿镇东关村1号"}  # fmt: skip
    assert summary(db_url) == before


def test_accept_exits_0_and_merges_the_return(db_url, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", [standard_row(i) for i in range(1, 4)])
    proc = run("--db", db_url, "import-return", str(path), "--unit", "灵寿县", "--accept", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["accepted"] is True
    assert data["merge"] == "新增 3 家、变更 0 家（0 个字段）"
    assert data["created"] == 3
    assert data["return_id"]
    after = summary(db_url)
    assert after["cases"]["total"] == 3
    assert after["returns"]["by_status"]["approved"] == 1
    again = json.loads(
        run("--db", db_url, "import-return", str(path), "--unit", "灵寿县", "--json").stdout
    )
    assert len(again["diff"]["new"]) == 0
    assert again["status"] == "valid"


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_row_errors_exit_1_with_an_annotated_copy_and_nothing_written(db_url, tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [standard_row(1), standard_row(2, 整治类型="拆除")])
    out = tmp_path / "错误报告.xlsx"
    before = summary(db_url)
    proc = run("--db", db_url, "import-return", str(path), "--unit", "灵寿", "--accept", "--json",
               "--errors-out", str(out))  # fmt: skip
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["status"] == "invalid"
    assert data["accepted"] is False
    assert data["rows_valid"] == 1
    assert data["errors"] == [{"sheet": "清单", "row": 5, "column": "整治类型",
                               "message": "无法识别的整治类型“拆除”，应为：关停取缔、整合搬迁、提升改造"}]  # fmt: skip
    wb = openpyxl.load_workbook(out)
    assert wb["清单"]["M5"].comment.text.endswith("提升改造")
    assert summary(db_url) == before
    text = run("--db", db_url, "import-return", str(path), "--unit", "灵寿")
    assert text.returncode == 1
    assert "工作表“清单”第 5 行“整治类型”列" in text.stdout


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_an_unreadable_file_exits_2(db_url, tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 100)
    proc = run("--db", db_url, "import-return", str(path), "--unit", "灵寿", "--json")
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert data["status"] == "unreadable"
    assert "不是电子表格" in data["message"]
    assert data["accepted"] is False
    assert data["errors"] == []
    plain = run("--db", db_url, "import-return", str(path), "--unit", "灵寿")
    assert plain.returncode == 2
    assert_one_line_error(plain)
    missing = run("--db", db_url, "import-return", str(tmp_path / "none.xlsx"), "--unit", "灵寿")
    assert missing.returncode == 2
    assert_one_line_error(missing)
    unknown = run("--db", db_url, "import-return", str(path), "--unit", "火星县")
    assert unknown.returncode == 2
    assert "没有名为“" in unknown.stderr
