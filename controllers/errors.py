"""Errors a clerk is shown: ``str(error)`` is a complete Chinese message."""

from __future__ import annotations


class UserError(Exception):
    """A refused or failed action with a message fit to show a clerk (and print on one line)."""


class ValidationError(UserError):
    """Input is wrong; ``field`` names the attribute (or column) it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class WorkflowError(UserError):
    """A move the workflow does not allow (e.g. close-out without evidence)."""


class NotFoundError(UserError):
    """The record no longer exists (deleted or never there)."""
