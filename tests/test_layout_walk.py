"""Every pane and dialog, as each role sees it, on a 1366×768 laptop at 100 %, 125 % and
150 % scaling: no label, button, field hint or column title is cut, no widget is cut by its
parent, no window is larger than the screen, no small table hides its last column.

Scaling is reproduced as Windows does it: Qt's device-independent pixels with
QT_SCALE_FACTOR set before Qt starts (so a subprocess per scale), on an offscreen screen of
1366×728 physical pixels (768 less the taskbar)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from controllers.actor import Actor
from models.codes import Role
from tests.layout_walk import screen_config
from ui.panes import PANES

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.gui, pytest.mark.slow]

#: every role at 100 %; the roles whose screens differ most at the larger scales
ROLES = {"1": "city,county,leader,admin", "1.25": "city", "1.5": "city,leader"}


@pytest.mark.parametrize("scale", list(ROLES))
def test_every_pane_and_dialog_fits_at_1366x768(scale, demo_url, tmp_path):
    env = {**os.environ, "QT_SCALE_FACTOR": scale,
           "QT_QPA_PLATFORM": f"offscreen:configfile={screen_config(tmp_path / 'screen.json')}",
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}  # fmt: skip
    out = tmp_path / "walk.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.layout_walk", "--db", demo_url, "--out", str(out),
         "--roles", ROLES[scale]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    # the walk is generic over the panes: a new pane is walked without changing this test
    for role in ROLES[scale].split(","):
        actor = {"city": Actor(None, "c", Role.CITY_CLERK), "leader": Actor(None, "l", Role.LEADER),
                 "county": Actor(None, "x", Role.COUNTY_CLERK, unit_id=1),
                 "admin": Actor(None, "a", Role.ADMIN)}[role]  # fmt: skip
        for spec in PANES:
            if spec.visible_to(actor):
                assert f"{role}-{spec.key}" in result["opened"]
    assert {"city-case", "city-case-tab3", "login-error", "city-about",
            "city-settings-settingsTabs2"} <= set(result["opened"])  # fmt: skip
    problems = [f"{name}: {p}" for name, lines in result["problems"].items() for p in lines]
    assert not problems, f"{len(problems)} 处在 {scale} 倍缩放下显示不全：\n" + "\n".join(problems)
