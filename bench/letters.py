"""Time the 25 commitment letters with embedded fonts beside reportlab's plain CID fonts.

    python bench/letters.py [--db URL] [--runs 5] [--bundled]

Both sides lay out and write the same letters the same way — one PDF per unit and the
combined file — and differ only in the fonts: TrueType fonts embedded as subsets (the fonts
this machine would use; ``--bundled`` forces the bundled fallback font) against reportlab's
built-in CID font STSong-Light, which is not embedded. Target: within 3× of the CID
rendering and under 2 s. Without --db, a fresh SQLite database with the 25 default units is
made in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controllers.actor import SYSTEM  # noqa: E402
from controllers.documents.fonts import bundled_font_set, cid_font_set, discover_fonts  # noqa: E402
from controllers.letters.batch import generate_letters, prepare_letters  # noqa: E402
from controllers.letters.render import render_texts, safe_filename, texts_of_letters  # noqa: E402
from models.database import Database, make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402

TARGET_SECONDS = 2.0
TARGET_RATIO = 3.0


def write_all(texts, names, folder: Path, fonts) -> int:
    """One PDF per unit and the combined file; returns the combined file's pages."""
    for name, text in zip(names, texts, strict=True):
        render_texts([text], folder / f"{safe_filename(name)}.pdf", fonts=fonts)
    return render_texts(texts, folder / "combined.pdf", fonts=fonts, duplex=True).pages


def timed(runs: int, texts, names, fonts, workdir: Path) -> tuple[float, list[float], int]:
    """(first run, later runs, pages): the first includes loading and registering the fonts."""
    times, pages = [], 0
    for n in range(runs + 1):
        folder = workdir / f"run{n}"
        folder.mkdir()
        start = time.perf_counter()
        pages = write_all(texts, names, folder, fonts)
        times.append(time.perf_counter() - start)
    return times[0], times[1:], pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a fresh temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bundled", action="store_true", help="use the bundled font only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = args.db
        if url is None:
            url = f"sqlite:///{work / 'bench.db'}"
            upgrade(make_engine(url), backup=False)
        db = Database.from_engine(make_engine(url))
        with db.session() as session:
            letters, _ = prepare_letters(session, SYSTEM)
            texts = texts_of_letters(session, letters)
            names = [letter.unit.name for letter in letters]
            session.rollback()  # the benchmark leaves the database as it was
        embedded = bundled_font_set() if args.bundled else discover_fonts()
        fonts_used = sorted({c.family for c in embedded.choices.values()})
        (work / "ttf").mkdir()
        (work / "cid").mkdir()
        ttf_first, ttf, pages = timed(args.runs, texts, names, embedded, work / "ttf")
        cid_first, cid, _ = timed(args.runs, texts, names, cid_font_set(), work / "cid")
        with db.session() as session:
            start = time.perf_counter()
            generate_letters(session, SYSTEM, work / "app", fonts=embedded)
            app_time = time.perf_counter() - start
            session.rollback()
        db.dispose()
        sizes = sum(p.stat().st_size for p in (work / "ttf" / "run1").glob("*.pdf"))
    ttf_med, cid_med = statistics.median(ttf), statistics.median(cid)
    ratio = ttf_med / cid_med
    print(f"{len(texts)} letters + combined file ({pages} pages), median of {args.runs} runs")
    print(f"  embedded TrueType ({'、'.join(fonts_used)}): {ttf_med:.3f} s "
          f"(first run, loading the fonts: {ttf_first:.3f} s); {sizes / 1048576:.1f} MB written")  # fmt: skip
    print(f"  reportlab CID font STSong-Light, not embedded: {cid_med:.3f} s (first {cid_first:.3f} s)")  # fmt: skip
    print(f"  ratio {ratio:.2f}× (target ≤ {TARGET_RATIO:.0f}×); "
          f"under {TARGET_SECONDS:.0f} s: {'yes' if ttf_med < TARGET_SECONDS else 'NO'}")  # fmt: skip
    print(f"  the application's batch (database, drafts, files): {app_time:.3f} s")
    return 0 if ratio <= TARGET_RATIO and ttf_med < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
