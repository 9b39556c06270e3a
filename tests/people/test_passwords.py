"""The production parameters of password hashing. The other tests hash at cheap ones
(tests/conftest.py); here, Premiere's own hasher hashes and checks."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from premiere.services.people import passwords
from tests.conftest import PRODUCTION_DUMMY, PRODUCTION_HASHER


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    monkeypatch.setattr(passwords, "_HASHER", PRODUCTION_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY", PRODUCTION_DUMMY)
    return PRODUCTION_HASHER


def test_hasher__production__argon2id_at_rfc_9106_low_memory() -> None:
    assert PRODUCTION_HASHER.type is Type.ID
    assert PRODUCTION_HASHER.time_cost == RFC_9106_LOW_MEMORY.time_cost == 3
    assert PRODUCTION_HASHER.memory_cost == RFC_9106_LOW_MEMORY.memory_cost == 65536
    assert PRODUCTION_HASHER.parallelism == RFC_9106_LOW_MEMORY.parallelism == 4
    assert PRODUCTION_HASHER.hash_len == 32
    assert PRODUCTION_HASHER.salt_len == 16


def test_hash_password__production__argon2id_hash_with_its_parameters_checks(
    production: PasswordHasher,
) -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "correct horse batteries")
    assert not passwords.verify_password(None, "correct horse battery")


def test_verify_password__unknown_account__checks_a_hash_at_production_cost() -> None:
    assert PRODUCTION_DUMMY.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
