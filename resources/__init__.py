"""Where bundled files (fonts, templates, icons, translations, default data) are found.

The one place that knows about frozen (PyInstaller) builds.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding this package's files, in a source tree or a frozen build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """Path of a bundled file, e.g. ``resource_path("templates", "commitment_letter.json")``."""
    return resources_dir().joinpath(*parts)
