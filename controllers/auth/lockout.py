"""The lockout rule, shared by sign-in and the PostgreSQL gate role's functions."""

from __future__ import annotations

#: wrong passwords in a row that lock an account
MAX_FAILED_ATTEMPTS = 5
#: how long a locked account stays locked
LOCK_MINUTES = 5
