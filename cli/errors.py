"""How commands fail: one line, a non-zero exit code, never a traceback."""

from __future__ import annotations


class CliError(Exception):
    """A command failed; ``message`` is shown on one line, ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
