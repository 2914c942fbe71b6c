"""Open the files of a register one file ahead, in a worker thread.

python-calamine parses a workbook without holding the GIL (a reading thread and a Python
thread run side by side), so while the rows of one file are checked, the next file is opened
and its sheets parsed. The files are opened one at a time, in order; an unreadable file raises
when its turn comes, as it would without reading ahead. Whatever was opened ahead and not
taken is closed on leaving.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

from controllers.returns.reader import ReadLimits, SheetSource, WorkbookFile, open_return_file


def opened(path: Path, limits: ReadLimits) -> tuple[WorkbookFile, list[SheetSource]]:
    """The file opened and its sheets parsed (the book closed again if that fails)."""
    book = open_return_file(path, path.name, limits)
    try:
        return book, list(book.sheets())
    except BaseException:
        book.close()
        raise


class ReadAhead:
    """``with ReadAhead(files, limits) as files_ahead:`` then ``files_ahead.take()`` once per
    file, in order: (book, sheets) — the caller closes each book it takes."""

    def __init__(self, files: list[Path], limits: ReadLimits) -> None:
        self._files = files
        self._limits = limits
        self._taken = 0
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[tuple[WorkbookFile, list[SheetSource]]] | None = None

    def _submit(self, index: int) -> Future[tuple[WorkbookFile, list[SheetSource]]] | None:
        if index >= len(self._files) or self._pool is None:
            return None
        return self._pool.submit(opened, self._files[index], self._limits)

    def __enter__(self) -> ReadAhead:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="register-read")
        self._pending = self._submit(0)
        return self

    def take(self) -> tuple[WorkbookFile, list[SheetSource]]:
        """The next file, opened; the one after it starts opening meanwhile."""
        pending = self._pending
        if pending is None:
            raise IndexError("no more files")
        self._taken += 1
        self._pending = self._submit(self._taken)
        return pending.result()

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._pending is not None:
                with suppress(Exception):  # a file not taken: its own error does not matter
                    book, _sheets = self._pending.result()
                    book.close()
                self._pending = None
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
