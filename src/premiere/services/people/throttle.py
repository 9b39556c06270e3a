"""Signing in is throttled per account and per address, in the database (so every
replica counts the same failures).

``ACCOUNT_LIMIT`` failures for one email, or ``ADDRESS_LIMIT`` from one address, within
``WINDOW`` block further attempts for ``BLOCK`` — with the right password too. A
success clears the account's count (not the address's).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from premiere.errors import RateLimitedError
from premiere.store.people import SignInThrottle

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)
BLOCK = timedelta(minutes=15)


def keys_for(email: str, address: str | None) -> list[tuple[str, int]]:
    """The throttle keys of an attempt and their limits."""
    keys = [(f"account:{email.strip().lower()}"[:300], ACCOUNT_LIMIT)]
    if address:
        keys.append((f"address:{address}"[:300], ADDRESS_LIMIT))
    return keys


def check_throttle(session: Session, email: str, address: str | None, now: datetime) -> None:
    """``RateLimitedError`` while the account or the address is blocked."""
    for key, _ in keys_for(email, address):
        row = session.get(SignInThrottle, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            wait = max(1, int((row.blocked_until - now).total_seconds()))
            what = "this account" if key.startswith("account:") else "this address"
            raise RateLimitedError(
                f"too many failed sign-ins for {what}; try again in {wait} seconds", wait
            )


def count_failure(session: Session, email: str, address: str | None, now: datetime) -> None:
    """Count a failed sign-in; block the key that reached its limit."""
    for key, limit in keys_for(email, address):
        row = session.get(SignInThrottle, key)
        if row is None:
            row = SignInThrottle(key=key, failures=0, window_start=now)
            session.add(row)
        if now - row.window_start > WINDOW:
            row.failures, row.window_start, row.blocked_until = 0, now, None
        row.failures += 1
        if row.failures >= limit:
            row.blocked_until = now + BLOCK


def clear_account(session: Session, email: str) -> None:
    """A successful sign-in forgets the account's failures."""
    key, _ = keys_for(email, None)[0]
    row = session.get(SignInThrottle, key)
    if row is not None:
        session.delete(row)
