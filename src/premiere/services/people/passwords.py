"""Passwords: the policy, and their Argon2id hashes (argon2-cffi's defaults, RFC 9106's
low-memory profile). A password is never stored, logged or returned.

The policy: 12 to 256 characters; not only one repeated character; not the person's
email or a part of it before the ``@``; not one of the most common passwords.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from premiere.services.validation import Validator

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON = frozenset(
    {
        "123456789012", "password1234", "passwordpassword", "qwertyuiopas",
        "111111111111", "123123123123", "abcdefghijkl", "iloveyou1234",
        "qwerty123456", "password123!", "letmeinletmein", "adminadminadmin",
        "changemechangeme", "welcome12345", "premiere1234", "correcthorsebatterystaple",
    }
)  # fmt: skip
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("a password nobody has, to spend the same time on unknown accounts")


def check_password(validator: Validator, field: str, email: str | None = None) -> None:
    """Add to ``validator`` what is wrong with the password in ``field``."""
    if not validator.required(field):
        return
    value = validator.data[field]
    if not isinstance(value, str):
        validator.add(field, "type", "must be a string")
    elif len(value) < MIN_LENGTH:
        validator.add(field, "password_too_short", f"must be at least {MIN_LENGTH} characters")
    elif len(value) > MAX_LENGTH:
        validator.add(field, "max_length", f"must be at most {MAX_LENGTH} characters")
    elif len(set(value)) == 1:
        validator.add(field, "password_weak", "must not repeat one character")
    elif value.lower() in COMMON:
        validator.add(field, "password_common", "is one of the most common passwords")
    elif email and value.lower() in {email.lower(), email.split("@")[0].lower()}:
        validator.add(field, "password_weak", "must not be your email address")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash; as slow for a missing hash."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
