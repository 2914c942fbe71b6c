"""Build the one-folder bundle (PyInstaller) and, if asked, the installer (NSIS).

python installer/build.py [--dist DIR] [--work DIR] [--nsis] [--compressor lzma|zlib]

Prints the bundle's size and fails when it is over the limit (250 MB unpacked).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "rectify_desk.spec"
NSI = HERE / "rectify_desk.nsi"
BUNDLE_NAME = "RectifyDesk"
LIMIT_MB = 250


def version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["version"]


def folder_size(folder: Path) -> int:
    """Bytes of all files under ``folder`` (symbolic links not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def largest(folder: Path, count: int = 12) -> list[tuple[int, str]]:
    """The biggest files, for the size report."""
    sizes = [
        (p.lstat().st_size, p.relative_to(folder).as_posix())
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    ]
    return sorted(sizes, reverse=True)[:count]


def build_bundle(dist: Path, work: Path) -> Path:
    """Run the spec; returns the bundle folder."""
    cmd = [
        sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm",
        "--distpath", str(dist), "--workpath", str(work), "--log-level", "WARN",
    ]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=ROOT)
    return dist / BUNDLE_NAME


def strip_debug_info(bundle: Path) -> int:
    """Linux: drop the debug sections some libraries carry (libpython alone 17 MB); returns the
    bytes saved. Files patched by the wheels' tools ($ORIGIN run paths, *.libs folders) and the
    programs themselves (their archive is appended) are left as they are."""
    if not sys.platform.startswith("linux") or shutil.which("strip") is None:
        return 0
    saved = 0
    for path in (bundle / "_internal").rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        if any(part.endswith(".libs") for part in path.relative_to(bundle).parts):
            continue
        data = path.read_bytes()
        if data[:4] != b"\x7fELF" or b".debug_info" not in data or b"$ORIGIN" in data:
            continue
        subprocess.run(["strip", "--strip-debug", str(path)], check=True)
        saved += len(data) - path.stat().st_size
    print(f"debug sections removed: {saved / 1e6:.1f} MB")
    return saved


def report_size(bundle: Path) -> int:
    size = folder_size(bundle)
    print(f"bundle {bundle}: {size / 1e6:.1f} MB unpacked (limit {LIMIT_MB} MB)")
    for nbytes, name in largest(bundle):
        print(f"  {nbytes / 1e6:8.1f} MB  {name}")
    return size


def makensis() -> str:
    found = shutil.which("makensis")
    if found:
        return found
    for var in ("ProgramFiles(x86)", "ProgramFiles"):
        base = os.environ.get(var)
        if base and (Path(base) / "NSIS" / "makensis.exe").exists():
            return str(Path(base) / "NSIS" / "makensis.exe")
    raise SystemExit("makensis not found: install NSIS (Debian: apt-get install nsis)")


def build_installer(bundle: Path, out_dir: Path, compressor: str = "lzma") -> Path:
    """Compile the NSIS script against ``bundle``; returns the setup program."""
    out = out_dir / f"RectifyDesk-{version()}-setup.exe"
    cmd = [
        makensis(), "-V2", "-INPUTCHARSET", "UTF8",
        f"-DVERSION={version()}", f"-DBUNDLE={bundle}", f"-DOUTFILE={out}",
        f"-DCOMPRESSOR={compressor}", str(NSI),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=HERE)
    print(f"installer {out}: {out.stat().st_size / 1e6:.1f} MB")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build")
    parser.add_argument("--nsis", action="store_true", help="also compile the installer")
    parser.add_argument("--skip-bundle", action="store_true", help="reuse the bundle in --dist")
    parser.add_argument("--compressor", choices=("lzma", "zlib"), default="lzma")
    args = parser.parse_args(argv)
    dist, work = args.dist.resolve(), args.work.resolve()
    started = time.monotonic()
    bundle = dist / BUNDLE_NAME if args.skip_bundle else build_bundle(dist, work)
    if not args.skip_bundle:
        strip_debug_info(bundle)
    print(f"bundle built in {time.monotonic() - started:.0f} s")
    size = report_size(bundle)
    if args.nsis:
        started = time.monotonic()
        build_installer(bundle, dist, args.compressor)
        print(f"installer built in {time.monotonic() - started:.0f} s")
    if size > LIMIT_MB * 1_000_000:
        print(f"the bundle is over {LIMIT_MB} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
