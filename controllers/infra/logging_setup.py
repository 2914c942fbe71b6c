"""The application log: a rotating file in the per-user log folder."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

#: as ``models.database.APP_NAME`` / ``APP_AUTHOR`` (not imported: that loads SQLAlchemy and
#: every model class before the login dialog is painted; a test keeps them equal)
APP_NAME = APP_AUTHOR = "RectifyDesk"


def log_dir() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, APP_AUTHOR))


def setup_logging(*, verbose: bool = False, console: bool = False) -> Path | None:
    """Log to ``rectify.log`` (1 MB × 5) in the user's log folder; returns its path."""
    root = logging.getLogger()
    if getattr(root, "_rectify_configured", False):
        return None
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    path: Path | None = log_dir() / "rectify.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(fmt)
        root.addHandler(handler)
    except OSError:
        path = None
    if console and verbose:
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        root.addHandler(stream)
    for noisy in ("sqlalchemy", "alembic", "PIL", "fontTools", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    root._rectify_configured = True  # type: ignore[attr-defined]
    return path
