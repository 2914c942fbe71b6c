"""``report`` and ``chart monthly`` from the command line, run as real processes."""

from __future__ import annotations

import io

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from controllers.demo.accounts import DEMO_PASSWORD
from models import AuditEntry
from models.database import Database, make_engine
from tests.test_cli import assert_one_line_error, run

CITY = {"RECTIFY_PASSWORD": DEMO_PASSWORD}


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_report_as_pdf_and_docx(demo_url, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    pdf = out_dir / "报告.pdf"
    proc = run(
        "--db", demo_url, "--user", "city", "report", str(pdf), "--as-of", "2026-11-29", env=CITY
    )
    assert proc.returncode == 0, proc.stderr
    assert "2026-11-29" in proc.stdout
    assert len(PdfReader(str(pdf)).pages) >= 4
    docx = out_dir / "报告.docx"
    proc = run(
        "report", str(docx), "--as-of", "2026/5/20", "--db", demo_url, "--user", "city", env=CITY
    )
    assert proc.returncode == 0, proc.stderr
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "数据截至2026年5月20日" in text
    db = Database.from_engine(make_engine(demo_url))
    with db.session() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action == "export_report"))
        assert len(list(actions)) == 2
    db.dispose()


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_chart_monthly_png(demo_url, tmp_path):
    out = tmp_path / "月度.png"
    proc = run(
        "--db",
        demo_url,
        "--user",
        "city",
        "chart",
        "monthly",
        str(out),
        "--as-of",
        "2026-11-29",
        env=CITY,
    )
    assert proc.returncode == 0, proc.stderr
    image = Image.open(io.BytesIO(out.read_bytes()))
    assert image.format == "PNG"
    assert image.size[0] == 1843  # 156 mm at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    proc = run(
        "--db",
        demo_url,
        "--user",
        "city",
        "chart",
        "monthly",
        str(out),
        "--from",
        "2025-01",
        "--to",
        "2025-06",
        "--unit",
        "灵寿县",
        "--dpi",
        "150",
        env=CITY,
    )
    assert proc.returncode == 0, proc.stderr
    assert "6 个月" in proc.stdout
    with Image.open(out) as small:
        assert small.size[0] == 921
    # the unit by its code, as ``export --unit`` takes it: the same chart
    by_code = tmp_path / "按代码.png"
    proc = run("--db", demo_url, "--user", "city", "chart", "monthly", str(by_code),
               "--from", "2025-01", "--to", "2025-06", "--unit", "LingShou", "--dpi", "150",
               env=CITY)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with Image.open(out) as by_name, Image.open(by_code) as coded:
        assert coded.tobytes() == by_name.tobytes()


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_bad_input_gives_one_line(demo_url, tmp_path):
    for args, code in [
        (("report", str(tmp_path / "r.txt")), 1),
        (("report", str(tmp_path / "nowhere" / "r.pdf")), 1),
        (("report", str(tmp_path / "r.pdf"), "--as-of", "2026-13-01"), 2),
        (("chart", "monthly", str(tmp_path / "c.jpg")), 1),
        (("chart", "weekly", str(tmp_path / "c.png")), 2),
        (("chart", "monthly", str(tmp_path / "c.png"), "--unit", "火星县"), 1),
        (("chart", "monthly", str(tmp_path / "c.png"), "--from", "2025-13"), 2),
    ]:
        proc = run("--db", demo_url, "--user", "city", *args, env=CITY)
        assert proc.returncode == code, (args, proc.stderr)
        assert_one_line_error(proc)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".pdf", ".png", ".txt")) == []
