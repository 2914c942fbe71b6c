"""``leads scan`` at 50,000 / 100,000 / 200,000 cases: time, memory and growth, beside a baseline.

    python bench/leads.py [--sizes 50000,100000,200000] [--db-file PATH]

Builds one SQLite register of the largest size with the demo generator (reused when --db-file
names an existing file); each smaller register is a copy with the newer cases cut off. Each
size is measured in a fresh process: the whole use case as ``leads scan`` runs it (read and
normalise every case, block, compare, match the power list, store the candidates, commit),
its wall time and the process's peak memory (RSS). Beside it, the plain baseline: a pandas
self-join (``merge``) of the same cases on the same blocking keys (phone; owner and trade;
village), keeping the pairs of a newer case and an older closed one — the pairs alone, without
normalising addresses, scoring or storing.

Targets at 200,000 cases: under 10 s and under 500 MB; time growing about linearly. The CPU
time of each process is printed beside its wall time (on a busy machine the wall time waits).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import build_register, peak_mb, print_result, run_child  # noqa: E402

TARGET_SECONDS, TARGET_MB = 10.0, 500


def cut(source: Path, target: Path, cases: int) -> None:
    """A copy holding the first ``cases`` cases (ids in order)."""
    shutil.copy(source, target)
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA foreign_keys = OFF")
    (last,) = conn.execute(
        "SELECT id FROM cases ORDER BY id LIMIT 1 OFFSET ?", (cases - 1,)
    ).fetchone()
    for table in ("case_checks", "case_lookbacks", "case_changes"):
        conn.execute(f"DELETE FROM {table} WHERE case_id > ?", (last,))
    conn.execute("DELETE FROM cases WHERE id > ?", (last,))
    conn.commit()
    conn.close()


def child_ours(url: str) -> dict:
    from controllers import unit_of_work
    from controllers.actor import SYSTEM
    from controllers.leads.scanning import scan_leads
    from models.database import Database, make_engine

    db = Database.from_engine(make_engine(url))
    start, cpu = time.perf_counter(), time.process_time()
    result = unit_of_work.run(db, SYSTEM, scan_leads).value
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.dispose()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "candidates": len(result.open)}


def child_baseline(url: str) -> dict:
    import pandas as pd

    path = url.removeprefix("sqlite:///")
    start, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(path)
    df = pd.read_sql_query(
        "SELECT id, unit_id, township_id, village, owner, phone, industry_id, classification,"
        " status, discovered_on, closed_on FROM cases",
        conn,
    )
    conn.close()
    df["phone"] = df["phone"].str.replace(r"\D", "", regex=True)
    old = df[(df["status"] == "closed") & df["classification"].isin(["shutdown", "relocate"])]
    pairs = 0
    for keys in (["phone"], ["owner", "industry_id"], ["unit_id", "township_id", "village"]):
        joined = df.dropna(subset=keys).merge(old.dropna(subset=keys), on=keys, suffixes=("", "_o"))
        joined = joined[
            (joined["id"] != joined["id_o"]) & (joined["discovered_on"] > joined["closed_on_o"])
        ]
        pairs += len(joined)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
            "peak_mb": peak_mb(), "pairs": pairs}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,100000,200000")
    parser.add_argument("--db-file", type=Path)
    parser.add_argument("--child", choices=("ours", "baseline"))
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        print_result(child_ours(args.url) if args.child == "ours" else child_baseline(args.url))
        return 0
    sizes = sorted(int(s) for s in args.sizes.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="leads_bench_"))
    source = args.db_file or tmp / f"built_{sizes[-1]}.db"  # each size is cut from a copy
    if not source.exists():
        build_register(source, sizes[-1])
    print(f"{'cases':>9} {'scan (cpu)':>16} {'memory':>9} {'candidates':>10} │ "
          f"{'pandas join (cpu)':>18} {'memory':>9} {'pairs':>9} │ growth (time / cases)")  # fmt: skip
    first = None
    ok = True
    for n in sizes:
        target = tmp / f"register_{n}.db"
        cut(source, target, n)
        url = f"sqlite:///{target}"
        ours, base = (run_child([__file__, "--child", kind, "--url", url])
                      for kind in ("ours", "baseline"))  # fmt: skip
        per = ours["seconds"] / n
        first = first or per
        print(f"{n:>9,} {ours['seconds']:>7.2f}s ({ours['cpu']:>5.2f}s) {ours['peak_mb']:>7.0f}MB "
              f"{ours['candidates']:>10,} │ {base['seconds']:>9.2f}s ({base['cpu']:>5.2f}s) "
              f"{base['peak_mb']:>7.0f}MB {base['pairs']:>9,} │ "
              f"{per / first:.2f}× per case", flush=True)  # fmt: skip
        if n == sizes[-1]:
            ok = ours["seconds"] < TARGET_SECONDS and ours["peak_mb"] < TARGET_MB
    print(f"target at {sizes[-1]:,}: < {TARGET_SECONDS:.0f} s and < {TARGET_MB} MB: "
          f"{'met' if ok else 'NOT met'}")  # fmt: skip
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
