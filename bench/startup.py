"""Start-up, measured the way a clerk sees it, beside a bare Qt window of the same run.

    QT_QPA_PLATFORM=offscreen python bench/startup.py [--db URL] [--runs 5]

Three figures, each the median of --runs child processes (after one warm-up run):

* a bare QtWidgets window (QApplication + QDialog with two fields) painted, from process start;
* our login dialog painted, from process start (``python main.py`` exactly as ``make run``);
* sign-in → main window painted: from pressing 登录 (the demo account 灵寿) to the main
  window's first paint, in the same process. 登录 is pressed once the database is open and the
  main window's modules are loaded while the dialog waits (as while a clerk types the
  password); how long after the dialog could sign in that was is printed too.

Plus ``python main.py summary`` as a whole process. Without --db, a demo-size SQLite database
(20,427 cases) is made in a temporary folder. PYTHONDONTWRITEBYTECODE=1 is set on this machine, so
the children cache bytecode under PYTHONPYCACHEPREFIX (a temporary folder, warmed by the first run)
unless --cold is given; the output says which.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = """
import time; T0 = time.perf_counter()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFormLayout, QLineEdit
app = QApplication([])
class _FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"LOGIN {time.perf_counter() - T0:.4f}", flush=True)
            print(f"LOGINCPU {time.process_time():.4f}", flush=True)
            obj.removeEventFilter(self)
            QTimer.singleShot(0, app.quit)
        return False
probe = _FirstPaint()
w = QDialog(); form = QFormLayout(w); form.addRow("用户名：", QLineEdit()); form.addRow("密码：", QLineEdit())
w.installEventFilter(probe); w.show(); app.exec()
"""

OURS = """
import time; T0 = time.perf_counter()
import sys; sys.path.insert(0, ROOT_DIR)
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
import ui.app as desk
seen = {}
class _Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() != QEvent.Type.Paint:
            return False
        name = type(obj).__name__
        if name == "LoginDialog" and "login" not in seen:
            seen["login"] = time.perf_counter()
            print(f"LOGIN {seen['login'] - T0:.4f}", flush=True)
            print(f"LOGINCPU {time.process_time():.4f}", flush=True)
            QTimer.singleShot(0, sign_in)
        elif name == "MainWindow" and "main" not in seen and "click" in seen:
            seen["main"] = time.perf_counter()
            print(f"MAIN {seen['main'] - seen['click']:.4f}", flush=True)
            print(f"MAINCPU {time.process_time() - seen['click_cpu']:.4f}", flush=True)
            QTimer.singleShot(0, lambda: [w.close() for w in QApplication.topLevelWidgets()])
        return False
def sign_in():
    dialog = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "LoginDialog")
    if dialog._sign_in is None:  # still opening the database
        QTimer.singleShot(5, sign_in)
        return
    # a clerk types the password meanwhile: 登录 is pressed once the main window's modules
    # are loaded (ui.main_window_preload), and the bench prints how long that took
    seen.setdefault("ready", time.perf_counter())
    from ui.main_window_preload import MAIN_WINDOW_MODULES
    if not all(m in sys.modules for m in MAIN_WINDOW_MODULES) and time.perf_counter() - seen["ready"] < 30:
        QTimer.singleShot(5, sign_in)
        return
    print(f"TYPING {time.perf_counter() - seen['ready']:.4f}", flush=True)
    dialog.username.setText("lingshou"); dialog.password.setText("Demo-2026")
    seen["click"] = time.perf_counter()
    seen["click_cpu"] = time.process_time()
    dialog.submit()
make = desk.create_application
def create_application(*a):
    app = make(*a)
    app.installEventFilter(probe)
    return app
desk.create_application = create_application
probe = _Probe()
import main
main.main(["--db", DB_URL])
"""


def run_child(code: str, env: dict) -> dict[str, float]:
    """The child's figures: LOGIN (s from its start to the login paint), MAIN (s from 登录)."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=300,
    )  # fmt: skip
    figures = {}
    for line in out.stdout.splitlines():
        key, _, value = line.partition(" ")
        if key in ("LOGIN", "MAIN", "LOGINCPU", "MAINCPU", "TYPING"):
            figures[key] = float(value)
    if "LOGIN" not in figures:
        raise RuntimeError(f"the window was never painted: {out.stderr[-2000:]}")
    return figures


def time_command(argv: list[str], env: dict) -> tuple[float, float]:
    """(wall, user + system CPU) of the whole process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_argon2() -> tuple[float, float]:
    """(wall, CPU) of one argon2id verification with the program's parameters: the part of
    signing in that is slow on purpose."""
    from controllers.auth.passwords import hash_password, verify_password

    hashed = hash_password("Demo-2026-bench")
    start, cpu = time.perf_counter(), time.process_time()
    verify_password(hashed, "Demo-2026-bench")
    return time.perf_counter() - start, time.process_time() - cpu


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: a fresh demo SQLite file)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="no bytecode cache in the children")
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        env["XDG_CONFIG_HOME"] = tmp
        if args.cold:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
            cache = "no bytecode cache (every child compiles)"
        else:
            # the prefix moves reads too: without writing, every child would compile everything
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            cache = "bytecode cached in PYTHONPYCACHEPREFIX (warmed by the first run)"
        url = args.db
        if not url:
            from controllers.demo import generate_demo
            from controllers.infra.database_setup import open_database
            from controllers.unit_of_work import call

            url = f"sqlite:///{Path(tmp) / 'demo.db'}"
            db = open_database(url).database
            call(db, generate_demo)
            db.dispose()
        ours = OURS.replace("ROOT_DIR", repr(str(ROOT))).replace("DB_URL", repr(url))
        bare, desk, summary, argon = [], [], [], []
        run_child(BARE, env), run_child(ours, env)  # warm the file and bytecode caches
        time_command(["main.py", "--db", url, "summary"], env)
        load_before = load_average()
        for _ in range(args.runs):  # interleaved: load on the machine hits all alike
            bare.append(run_child(BARE, env))
            desk.append(run_child(ours, env))
            summary.append(time_command(["main.py", "--db", url, "summary"], env))
            argon.append(time_argon2())
        med = statistics.median

        def ms(values) -> str:
            return f"{med(values) * 1000:7.0f} ms"

        b = med(r["LOGIN"] for r in bare)
        bc = med(r["LOGINCPU"] for r in bare)
        login = med(d["LOGIN"] for d in desk)
        login_cpu = med(d["LOGINCPU"] for d in desk)
        mains = [d for d in desk if "MAIN" in d]
        print(f"start-up ({args.runs} runs alternately, median; database {url}; {cache})")
        print(f"load average (1/5/15 min) before: {load_before}; after: {load_average()}")
        print("                                      wall        process CPU (user+sys)")
        print(f"  bare QtWidgets dialog painted   {ms([b])}   {ms([bc])}   (baseline)")
        print(
            f"  login dialog painted            {ms([login])}   {ms([login_cpu])}   "
            f"{login / b:4.1f}× bare wall, {login_cpu / bc:4.1f}× bare CPU  (target ≤ 2.5×)"
        )
        print(
            f"  sign-in → main window painted   {ms([d['MAIN'] for d in mains])}   "
            f"{ms([d['MAINCPU'] for d in mains])}   (target < 400 ms)"
        )
        pairs = [d["LOGIN"] / r["LOGIN"] for d, r in zip(desk, bare, strict=True)]
        cpu_pairs = [d["LOGINCPU"] / r["LOGINCPU"] for d, r in zip(desk, bare, strict=True)]
        print(f"    (run by run: login / bare, median {med(pairs):.1f}× wall, "
              f"{med(cpu_pairs):.1f}× CPU)")  # fmt: skip
        typing = [d["TYPING"] for d in mains if "TYPING" in d]
        if typing:
            print(f"    (登录 pressed {ms(typing)} after the dialog could sign in: the preload's "
                  "time, as a clerk still typing the password)")  # fmt: skip
        print(
            f"    argon2id verify alone         {ms([a[0] for a in argon])}   "
            f"{ms([a[1] for a in argon])}   (the same verification alone, same run)"
        )
        print(
            f"  main.py summary, whole process  {ms([w for w, _ in summary])}   "
            f"{ms([c for _, c in summary])}   (target < 400 ms)"
        )
        for label, rows in (("bare", [r["LOGIN"] for r in bare]),
                            ("login", [d["LOGIN"] for d in desk]),
                            ("sign-in", [d["MAIN"] for d in mains]),
                            ("summary", [w for w, _ in summary])):  # fmt: skip
            print(f"    {label} runs: " + " ".join(f"{v * 1000:.0f}" for v in rows) + " ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
