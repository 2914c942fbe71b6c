"""Accounts, passwords, sign-in with lockout, and "stay signed in" (GB/T 22239-2019 level 2)."""

from controllers.auth.accounts import (
    UserRow,
    actor_for,
    change_own_password,
    create_user,
    has_accounts,
    list_users,
    reset_password,
    set_disabled,
    update_user,
)
from controllers.auth.login import AccountLocked, LoginFailed, SignIn, check_password, sign_in
from controllers.auth.passwords import check_password_rules, hash_password, verify_password

__all__ = [
    "AccountLocked",
    "LoginFailed",
    "SignIn",
    "UserRow",
    "actor_for",
    "change_own_password",
    "check_password",
    "check_password_rules",
    "create_user",
    "has_accounts",
    "hash_password",
    "list_users",
    "reset_password",
    "set_disabled",
    "sign_in",
    "update_user",
    "verify_password",
]
