"""Where this computer's data lives (the first-start choice), for the window."""

from models.connection_choice import (
    ConnectionChoice,
    ConnectionMode,
    UrlSource,
    choice_path,
    first_start_choice_needed,
    load_choice,
    save_choice,
    url_source,
)
from models.database import DatabaseError, default_sqlite_path

__all__ = [
    "ConnectionChoice",
    "ConnectionMode",
    "DatabaseError",
    "UrlSource",
    "choice_path",
    "default_sqlite_path",
    "first_start_choice_needed",
    "load_choice",
    "save_choice",
    "url_source",
]
