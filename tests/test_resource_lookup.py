"""Bundled files are found through one module (resources), in a source tree and in a frozen
build; no other module knows about PyInstaller's sys._MEIPASS."""

import sys
from pathlib import Path

from resources import resource_path, resources_dir

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("models", "controllers", "ui", "cli", "resources")


def test_only_the_resources_module_knows_about_meipass():
    mentions = sorted(
        path.relative_to(ROOT).as_posix()
        for folder in CODE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if "_MEIPASS" in path.read_text(encoding="utf-8")
    )
    mentions += [name for name in ("main.py",) if "_MEIPASS" in (ROOT / name).read_text("utf-8")]
    assert mentions == ["resources/__init__.py"]


def test_source_tree_and_frozen_build(monkeypatch, tmp_path):
    assert resources_dir() == ROOT / "resources"
    assert resource_path("icons", "app.ico").is_file()
    assert resource_path("icons", "app.png").is_file()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("fonts", "x.ttf") == tmp_path / "resources" / "fonts" / "x.ttf"


def test_the_icon_holds_the_sizes_windows_asks_for():
    import struct

    data = resource_path("icons", "app.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = {struct.unpack_from("<B", data, 6 + 16 * i)[0] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes
