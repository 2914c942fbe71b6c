"""What every command gets: the parsed arguments and a way to open the database."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from controllers.actor import SYSTEM, Actor
from controllers.database_setup import open_database
from models.database import Database


@dataclass
class CommandContext:
    args: argparse.Namespace
    actor: Actor = SYSTEM
    _db: Database | None = field(default=None, repr=False)

    def database(self, *, migrate: bool = True) -> Database:
        """The database in force (``--db`` > ``RECTIFY_DB_URL`` > default), schema upgraded."""
        if self._db is None:
            self._db = open_database(self.args.db, migrate=migrate).database
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None
