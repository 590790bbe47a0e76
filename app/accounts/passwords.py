"""Password hashing with Argon2id."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    # A hash nobody knows the password of, with the same parameters as real ones.
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_password_or_dummy(password_hash: str | None, password: str) -> bool:
    """Like `verify_password`, but for an unknown user (None) verify against a dummy hash.

    A login then costs one Argon2 verification whether or not the user exists, so the
    answer's timing does not tell user names apart (OWASP Authentication Cheat Sheet).
    """
    if password_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(password_hash, password)


def warm_up() -> None:
    """Compute the dummy hash now, so the first unknown-user login is not the slow one."""
    _dummy_hash()
