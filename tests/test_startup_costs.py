"""What a process pays before anyone signs in (issue: performance, second round)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_password_module_computes_no_hash() -> None:
    code = (
        "import controllers.auth.passwords as p\n"
        "print(p._dummy_hash.cache_info().currsize)\n"
        "p.verify_password(None, 'whatever')\n"
        "print(p._dummy_hash.cache_info().currsize)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "1"]  # hashed on first use (an unknown account), not at import
