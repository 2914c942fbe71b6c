"""What the benches that measure in child processes share: a register built with the demo
generator, the child process's memory, and running a child that reports its figures.

A child prints ``RESULT {json}`` as its last such line (:func:`print_result`); the parent runs it
with :func:`run_child` from the repository's root and gets the dict back. Memory is in MiB
(printed as MB), read from ``/proc/self/status``: ``VmHWM`` is this process's own peak, where
``ru_maxrss`` can carry the parent's peak across fork and exec.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = "RESULT "


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss where /proc is missing)."""
    peak = _status_mb("VmHWM")
    return _maxrss_mb() if peak is None else peak


def rss_mb() -> float:
    """Resident memory of this process now (VmRSS; the peak where /proc is missing)."""
    rss = _status_mb("VmRSS")
    return _maxrss_mb() if rss is None else rss


def build_register(path: Path | str, cases: int, list_sizes: tuple | None = None) -> None:
    """A register of ``cases`` cases made by the demo generator (SQLAlchemy Core bulk inserts)
    in an SQLite file or at a server URL: 90 % on the 2024 list, the rest on 2025, unless
    ``list_sizes`` says otherwise. A server's statistics are brought up to date (ANALYZE)."""
    from controllers.demo import generate_demo
    from controllers.demo.generator import DemoFigures
    from controllers.infra.database_setup import open_database
    from controllers.unit_of_work import call

    if list_sizes is None:
        first = round((cases - 4) * 0.9)
        list_sizes = ((2024, first), (2025, cases - 4 - first))
    url = path if isinstance(path, str) else f"sqlite:///{path}"
    db = open_database(url).database
    start = time.perf_counter()
    call(db, generate_demo, figures=DemoFigures(list_sizes=list_sizes))
    with db.engine.connect() as conn:
        if db.info.backend == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    db.dispose()
    print(f"built {cases:,} cases in {time.perf_counter() - start:.0f} s: {db.info.display}",
          flush=True)  # fmt: skip


def print_result(figures: dict) -> None:
    """The child's figures, for :func:`run_child`."""
    print(RESULT + json.dumps(figures), flush=True)


def run_child(argv: list[str], *, env: dict | None = None, timeout: float | None = None) -> dict:
    """Run ``python argv…`` in a fresh process from the repository's root; the figures it
    :func:`print_result`-ed. A failed child raises RuntimeError with its output."""
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"{' '.join(argv)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )
    return json.loads(lines[-1][len(RESULT) :])
