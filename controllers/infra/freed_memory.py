"""Give memory freed by native code back to the system (glibc only; elsewhere nothing).

A worker thread's native allocations (calamine parsing a workbook) come from that thread's own
malloc arena; once freed, the pages stay with the process and Python's objects, allocated
elsewhere, do not reuse them. ``malloc_trim`` returns the free pages of every arena.
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")  # (glibc's name; find_library would run ldconfig)
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_memory() -> bool:
    """Return the free pages of every malloc arena to the system; False where not possible."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
