"""Password hashing (argon2id) and the policy: at least 8 characters (spaces not counted) of
3 kinds, not the user name, not a common password (``resources/security/common-passwords.txt``)."""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from controllers.errors import ValidationError
from controllers.password_policy import MAX_LENGTH, MIN_KINDS, MIN_LENGTH
from resources import resource_path

#: argon2id with the library's RFC 9106 "low memory" profile (64 MiB, 3 passes)
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the account does not exist (same cost as a wrong
    password). Made on first use: hashing costs ~100 ms and 64 MiB, never at import time."""
    return _hasher.hash("not-a-real-password-Aa1!")


KIND_LABELS = ("大写字母", "小写字母", "数字", "符号")


def _kinds(password: str) -> list[bool]:
    return [
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() and not c.isspace() for c in password),
    ]


_LEET = str.maketrans({"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common passwords and stems, lower case."""
    lines = resource_path("security", "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        w.strip().lower() for w in lines.splitlines() if w.strip() and not w.startswith("#")
    )


def is_common_password(password: str) -> bool:
    """A listed password, or a listed stem with only digits and symbols around it
    (``Password1``, ``P@ssw0rd!``, ``Admin@123``, ``Aa1`` and spaces)."""
    words = common_passwords()
    plain = "".join(password.split()).lower()
    if plain in words or plain.translate(_LEET) in words:
        return True
    stem = _ENDS.sub("", plain)
    if not stem:
        return True  # digits and symbols only
    candidates = {stem, stem.translate(_LEET)}
    candidates |= {c.replace("1", "i") for c in candidates} | {
        c.replace("1", "l") for c in candidates
    }
    return any(c in words for c in candidates)


def check_password_rules(password: str, username: str = "") -> None:
    """Raise :class:`ValidationError` (Chinese) unless the password meets the complexity rule."""
    rule = (
        f"密码至少 {MIN_LENGTH} 位，并包含大写字母、小写字母、数字、符号中的至少 {MIN_KINDS} 种。"
    )
    counted = len("".join(password.split()))  # spaces do not make a password longer
    if counted < MIN_LENGTH:
        raise ValidationError(f"密码太短（{counted} 位，不计空格）。{rule}", field="password")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"密码不能超过 {MAX_LENGTH} 位。", field="password")
    kinds = _kinds(password)
    if sum(kinds) < MIN_KINDS:
        missing = "、".join(label for label, ok in zip(KIND_LABELS, kinds, strict=True) if not ok)
        raise ValidationError(
            f"密码只包含 {sum(kinds)} 种字符（缺少{missing}）。{rule}", field="password"
        )
    if username and username.lower() in password.lower():
        raise ValidationError("密码不能包含用户名。", field="password")
    if is_common_password(password):
        raise ValidationError(
            "这个密码太常见（如 Password1、Admin@123、P@ssw0rd），很容易被猜中，请换一个。",
            field="password",
        )


def hash_password(password: str) -> str:
    """An argon2id hash (salted, with its parameters) to store."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash costs the same time as a wrong one."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
