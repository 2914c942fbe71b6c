"""The Windows build, proven as far as Linux can: installer/rectify_desk.spec builds a
one-folder bundle here, the frozen program runs its commands offscreen (so the Alembic scripts,
fonts and templates are found inside the bundle), and makensis compiles the installer script
against that bundle.

The bundle is built once per test run (several minutes). Set RECTIFY_FROZEN_BUNDLE to an
existing dist/RectifyDesk folder to reuse one (built by ``python installer/build.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pdfplumber
import pytest
from docx import Document

from controllers.demo.accounts import DEMO_PASSWORD
from models.database import make_engine
from models.migrate import head_revision, upgrade

# the bundle is built in the first test's setup: minutes on a quiet machine, more under load
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
LIMIT_BYTES = 250 * 1_000_000


def _build_module():
    sys.path.insert(0, str(INSTALLER))
    try:
        import build
    finally:
        sys.path.remove(str(INSTALLER))
    return build


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    """dist/RectifyDesk, built from the spec by installer/build.py (or reused)."""
    given = os.environ.get("RECTIFY_FROZEN_BUNDLE")
    if given:
        return Path(given)
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is missing: pip install -e '.[build]' (make test installs it)")
    base = tmp_path_factory.mktemp("frozen")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(INSTALLER / "build.py"), "--dist", str(base / "dist"),
         "--work", str(base / "work")],
        capture_output=True, text=True, encoding="utf-8", timeout=3600, cwd=ROOT,
    )  # fmt: skip
    print(proc.stdout)
    print(f"PyInstaller build: {time.monotonic() - started:.0f} s")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "MB unpacked" in proc.stdout  # the build script prints the bundle's size
    return base / "dist" / "RectifyDesk"


def program(bundle: Path) -> Path:
    exe = bundle / ("rectify.exe" if sys.platform == "win32" else "RectifyDesk")
    assert exe.exists()
    return exe


def frozen_env(home: Path) -> dict[str, str]:
    """A clerk's computer: own user folders, no Python settings, offscreen Qt."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "RECTIFY_"))
    }
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "RECTIFY_SYSTEM_FONTS": "0",  # the bundled font: proves resources/ is found
        "RECTIFY_PASSWORD": DEMO_PASSWORD,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    })  # fmt: skip
    return env


def frozen(bundle: Path, *args: str, home: Path, timeout: float = 900):
    """Run the frozen program with its own user folders."""
    env = frozen_env(home)
    return subprocess.run(
        [str(program(bundle)), *args], capture_output=True, text=True, encoding="utf-8",
        env=env, timeout=timeout, cwd=home,
    )  # fmt: skip


@pytest.fixture(scope="session")
def demo_database(bundle, tmp_path_factory) -> tuple[str, Path]:
    """A database filled with the demo data by the frozen program itself."""
    home = tmp_path_factory.mktemp("frozen-home")
    url = f"sqlite:///{(home / 'frozen.db').as_posix()}"
    proc = frozen(bundle, "--db", url, "demo", "--as-of", "2026-05-31", home=home)
    assert proc.returncode == 0, proc.stderr
    return url, home


def test_bundle_is_one_folder_under_the_limit_with_what_the_program_needs(bundle):
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.lstat().st_size for p in files)
    print(f"bundle: {size / 1e6:.1f} MB unpacked, {len(files)} files")
    assert size < LIMIT_BYTES
    names = {p.relative_to(bundle).as_posix() for p in files}
    internal = "_internal/"
    for needed in (
        "resources/fonts/WenQuanYiMicroHei-subset.ttf",
        "resources/templates/commitment_letter.json",
        "resources/collation/pinyin_order.txt",
        "resources/units.csv",
        "resources/icons/app.ico",
        "resources/icons/app.png",
        "models/migrations/env.py",
        "models/migrations/script.py.mako",
        "models/migrations/versions/0001_initial_schema.py",
        "PySide6/Qt/translations/qtbase_zh_CN.qm",
    ):
        assert internal + needed in names, needed
    translations = {n.rsplit("/", 1)[1] for n in names if "/translations/" in n}
    assert translations <= {"qtbase_zh_CN.qm", "qt_zh_CN.qm"}, translations  # zh_CN only
    unused = re.compile(
        r"Qt6?(WebEngine|Qml|Quick|3D|Multimedia|Charts|DataVisualization|Designer|Location"
        r"|Bluetooth|Sensors|SerialPort|Positioning|Graphs|Test)",
        re.IGNORECASE,
    )
    libraries = [n.rsplit("/", 1)[-1] for n in names if re.search(r"\.(so[.\d]*|dll|pyd)$", n)]
    assert not [n for n in libraries if unused.search(n)]
    assert not [n for n in names if "/qml/" in n.lower()]
    assert not [n for n in names if n.startswith(internal + "pandas/")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd is Linux's")
def test_every_qt_library_finds_the_qt_libraries_it_links(bundle):
    """Leaving Qt modules out must not cut a library that a kept one links (Qt6DBus…)."""
    internal = bundle / "_internal"
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}"
    missing = set()
    for lib in (internal / "PySide6").rglob("*.so*"):
        out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, env=env).stdout
        missing.update(
            f"{lib.name}: {line.split()[0]}"
            for line in out.splitlines()
            if "not found" in line and "Qt6" in line
        )
    assert not missing, sorted(missing)


def test_frozen_help(bundle, tmp_path):
    proc = frozen(bundle, "--help", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "散乱污整治管理台" in proc.stdout
    for command in ("demo", "summary", "letters", "report", "db"):
        assert command in proc.stdout


def test_frozen_window_starts_with_chinese_qt_translations(bundle, demo_database, tmp_path):
    """The windowed program itself: Qt's platform plugin and qtbase_zh_CN load from the
    bundle, and the login box waits (the process is then ended)."""
    url, _home = demo_database
    env = frozen_env(tmp_path)
    output = tmp_path / "output.txt"
    with output.open("wb") as out:
        proc = subprocess.Popen([str(bundle / "RectifyDesk"), "--db", url], env=env,
                                cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    log = tmp_path / "state" / "RectifyDesk" / "log" / "rectify.log"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and "qtbase_zh_CN loaded" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.2)  # polling a condition (the log line), not a fixed wait
        assert proc.poll() is None, output.read_text(errors="replace")
        text = log.read_text(encoding="utf-8")
        assert "Qt translation qtbase_zh_CN loaded from" in text
        assert "_internal" in text.split("qtbase_zh_CN loaded from", 1)[1].splitlines()[0]
        assert "Traceback" not in output.read_text(errors="replace")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_frozen_demo_and_summary_json(bundle, demo_database):
    url, home = demo_database
    proc = frozen(bundle, "--db", url, "summary", "--json", home=home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["units"] == 25
    assert data["cases"]["total"] > 20_000
    assert data["spot_checks"] == {"groups": 33, "person_times": 127, "sites": 199, "new_found": 4}
    assert data["letters"]["by_status"]["signed"] == 25
    assert data["schema_version"] == head_revision()


def test_frozen_program_writes_the_letters_and_the_report(bundle, demo_database, tmp_path):
    url, home = demo_database
    letters = tmp_path / "承诺书"
    proc = frozen(bundle, "--db", url, "--user", "city", "letters", str(letters),
                  "--unit", "灵寿县", home=home)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "使用内置字体" in proc.stdout  # resources/fonts found inside the bundle
    with pdfplumber.open(letters / "灵寿县.pdf") as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
        fonts = {char["fontname"] for page in pdf.pages for char in page.chars}
    assert "灵寿县分局" in text  # 乙方: the unit's counterparty
    assert "承诺书" in text
    assert any("WenQuanYi" in name for name in fonts), fonts
    report_pdf, report_docx = tmp_path / "报告.pdf", tmp_path / "报告.docx"
    for out in (report_pdf, report_docx):
        proc = frozen(bundle, "--db", url, "--user", "city", "report", str(out),
                      "--as-of", "2026-05-25", home=home)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    with pdfplumber.open(report_pdf) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
    assert "共出动33个执法组" in text.replace(" ", "").replace("\n", "")
    body = "\n".join(p.text for p in Document(str(report_docx)).paragraphs)
    assert "现状" in body
    assert "127" in body


def test_frozen_program_checks_a_return_with_the_extent_scan(bundle, demo_database, tmp_path):
    """A return is read in the bundle as from source: the extent scan (google-re2) and
    python-calamine load, and the unit's own export reads back as no change."""
    url, home = demo_database
    exported = tmp_path / "灵寿县清单.xlsx"
    proc = frozen(bundle, "--db", url, "--user", "city", "export", "cases", str(exported),
                  "--unit", "灵寿县", home=home)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = frozen(bundle, "--db", url, "--user", "city", "import-return", str(exported),
                  "--unit", "灵寿县", "--json", home=home)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    assert data["status"] == "valid"
    assert data["rows_valid"] > 500
    assert data["diff"]["new"] == []
    assert data["diff"]["changed"] == []


def test_frozen_program_upgrades_a_database_of_the_first_migration(bundle, tmp_path):
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path.as_posix()}")
    upgrade(engine, "0001", backup=False)
    engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    url = f"sqlite:///{path.as_posix()}"
    proc = frozen(bundle, "--db", url, "db", "upgrade", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),
        )
        units = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        townships_active = [r[1] for r in conn.execute("PRAGMA table_info(townships)")]
    assert (
        units == 0
    )  # a new database holds no units it did not ask for (0002 no longer writes them)
    assert "active" in townships_active  # the newest migration came from the bundled scripts
    assert list(tmp_path.glob("old*.db*")) != [path]  # backed up before migrating
    current = frozen(bundle, "--db", url, "db", "current", home=tmp_path)
    assert "最新" in current.stdout


def test_makensis_compiles_the_installer_against_the_bundle(bundle, tmp_path):
    if shutil.which("makensis") is None:
        pytest.fail("makensis is missing: apt-get install nsis (.ci/run installs it)")
    build = _build_module()
    started = time.monotonic()
    setup = build.build_installer(bundle, tmp_path, compressor="zlib")
    print(f"makensis: {time.monotonic() - started:.0f} s, {setup.stat().st_size / 1e6:.1f} MB")
    assert setup.name == f"RectifyDesk-{build.version()}-setup.exe"
    assert setup.read_bytes()[:2] == b"MZ"  # a Windows program
    if shutil.which("7z") is None:
        pytest.fail("7z is missing: apt-get install p7zip-full (.ci/run installs it)")
    listing = subprocess.run(["7z", "l", "-slt", str(setup)], capture_output=True, text=True,
                             encoding="utf-8", timeout=300, check=True).stdout  # fmt: skip
    assert "NSIS-3 Unicode" in listing
    packed = {line[7:] for line in listing.splitlines() if line.startswith("Path = ")}
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert files <= packed, sorted(files - packed)[:10]
    assert "uninstall.exe" in packed
