"""The last admin: no change leaves nobody with the admin role on every project —
through the services, the API and the console's person page, on SQLite and PostgreSQL,
and with two such changes at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from premiere.api import create_app
from premiere.console import install_console
from premiere.errors import LastAdminError
from premiere.services import SYSTEM
from premiere.services.people import accounts, admins, tokens
from premiere.services.people.accounts import get_person_row
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.types import utc_now
from tests.api.support import Api, running
from tests.console.conftest import Clock, Console
from tests.console.people import add_person, post, sign_in_with_password

from .test_accounts import PASSWORD, join, personal_token

EVERYWHERE = [{"project": None, "role": "admin"}]
LOCK_WAIT_SECONDS = 30


def roles_of(store: Store, person: str) -> list[Any]:
    return list(accounts.get_person(store, person)["roles"])


@pytest.mark.parametrize(
    "roles",
    [
        [],
        [{"project": None, "role": "release_manager"}],
        [{"project": "demo", "role": "admin"}],
    ],
    ids=["none", "release_manager_everywhere", "admin_on_one_project"],
)
def test_set_roles__last_admin_loses_admin_everywhere__refused_roles_kept(
    store: Store, project: str, roles: list[dict[str, Any]]
) -> None:
    ada = join(store, "ada@example.com", "admin", None)

    with pytest.raises(LastAdminError) as refused:
        accounts.set_roles(store, SYSTEM, ada, roles)

    assert refused.value.code == "last_admin"
    assert refused.value.details == {"resource": "person", "key": ada}
    assert roles_of(store, ada) == EVERYWHERE


def test_remove_person__last_admin__refused_nothing_ends(store: Store, project: str) -> None:
    ada = join(store, "ada@example.com", "admin", None)
    raw = personal_token(store, ada)

    with pytest.raises(LastAdminError, match="last person with the admin role"):
        accounts.remove_person(store, SYSTEM, ada)

    assert accounts.get_person(store, ada)["removed_at"] is None
    assert tokens.authenticate(store, raw).owner is not None


def test_last_admin__keeps_admin_everywhere__other_roles_change_freely(
    store: Store, project: str
) -> None:
    ada = join(store, "ada@example.com", "admin", None)
    roles = [*EVERYWHERE, {"project": "demo", "role": "viewer"}]

    changed = accounts.set_roles(store, SYSTEM, ada, roles)

    assert changed["roles"] == roles


def test_two_admins__one_removed_the_other_demoted__refused_only_for_the_last(
    store: Store, project: str
) -> None:
    ada = join(store, "ada@example.com", "admin", None)
    bob = join(store, "bob@example.com", "admin", None)
    cy = join(store, "cy@example.com", "admin", None)

    accounts.remove_person(store, SYSTEM, ada)  # a removed person keeps her grant rows
    accounts.set_roles(store, SYSTEM, bob, [{"project": None, "role": "engineer"}])

    with pytest.raises(LastAdminError):
        accounts.remove_person(store, SYSTEM, cy)
    with pytest.raises(LastAdminError):
        accounts.set_roles(store, SYSTEM, cy, [])
    accounts.set_roles(store, SYSTEM, bob, EVERYWHERE)
    assert accounts.remove_person(store, SYSTEM, cy)["removed_at"] is not None


def test_service_account_with_admin__not_a_person__neither_counts_nor_is_kept(
    store: Store, project: str
) -> None:
    ada = join(store, "ada@example.com", "admin", None)
    pipeline = accounts.create_service_account(store, SYSTEM, {"name": "ci"})["id"]
    accounts.set_roles(store, SYSTEM, pipeline, EVERYWHERE)

    with pytest.raises(LastAdminError):
        accounts.remove_person(store, SYSTEM, ada)
    accounts.set_roles(store, SYSTEM, pipeline, [])
    assert accounts.remove_person(store, SYSTEM, pipeline)["removed_at"] is not None


def test_no_admin_person_yet__other_people_change_freely(store: Store, project: str) -> None:
    """Before anyone holds admin on every project (an admin token runs things), the rule
    refuses nothing: it keeps an admin, it does not ask for one."""
    erin = join(store, "erin@example.com", "engineer")

    accounts.set_roles(store, SYSTEM, erin, [])

    assert accounts.remove_person(store, SYSTEM, erin)["removed_at"] is not None


def test_two_admins_remove_each_other_at_once__the_second_is_refused(
    store: Store, project: str
) -> None:
    """The first removal holds its transaction open once it has counted; the second
    waits for it, then counts what it left."""
    ada = join(store, "ada@example.com", "admin", None)
    bob = join(store, "bob@example.com", "admin", None)
    second: list[BaseException | None] = []

    def remove_bob() -> None:
        try:
            accounts.remove_person(store, SYSTEM, bob)
            second.append(None)
        except BaseException as exc:  # reported below
            second.append(exc)

    with store.write() as session:
        row = get_person_row(session, ada)
        admins.keep_an_admin(session, row, None)
        row.removed_at = utc_now()
        session.flush()
        other = threading.Thread(target=remove_bob)
        other.start()
        if store.dialect == "postgresql":
            _wait_until_a_lock_is_awaited(store)
    other.join(LOCK_WAIT_SECONDS)

    assert not other.is_alive()
    assert len(second) == 1 and isinstance(second[0], LastAdminError)
    assert accounts.get_person(store, bob)["removed_at"] is None


def _wait_until_a_lock_is_awaited(store: Store) -> None:
    """Until another transaction of this database waits for an advisory lock."""
    awaited = text(
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
        " WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted"
    )
    event = threading.Event()
    for _ in range(LOCK_WAIT_SECONDS * 100):
        with store.engine.connect() as connection:
            if connection.scalar(awaited):
                return
        event.wait(0.01)
    pytest.fail("the second removal never waited for the lock")


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    with running(create_app(Settings(database_url="unused://"), store)) as client:
        yield Api(client, store, admin_token)


def test_api__last_admin_removed_or_demoted__409_last_admin(api: Api) -> None:
    api.project("demo")
    ada = join(api.store, "ada@example.com", "admin", None)

    removed = api.delete(f"/api/v1/people/{ada}")
    demoted = api.put(f"/api/v1/people/{ada}/roles", {"roles": []})

    for answer in (removed, demoted):
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "last_admin"
        assert answer.json()["error"]["details"] == {"resource": "person", "key": ada}
    person = api.ok(api.get(f"/api/v1/people/{ada}"))
    assert (person["removed_at"], person["roles"]) == (None, EVERYWHERE)


@pytest.fixture
def console(store: Store) -> Iterator[Console]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    settings = Settings(database_url="unused://")
    clock = Clock()
    app = install_console(create_app(settings, store), settings, clock=clock)
    with running(app) as client:
        yield Console(client, store, admin_token, clock)


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("remove", {}),
        ("roles", {"project": "", "role": "engineer"}),
        ("roles/remove", {"project": ""}),
    ],
    ids=["remove", "make_engineer", "remove_role"],
)
def test_console__last_admin_removes_or_demotes_herself__the_error_on_her_page(
    console: Console, project: str, action: str, data: dict[str, str]
) -> None:
    ada = add_person(console, "ada@example.com", name="Ada", password=PASSWORD)
    assert sign_in_with_password(console, "ada@example.com", PASSWORD).status_code == 303
    page = f"/people/{ada}"

    answer = post(console, page, f"{page}/{action}", data)

    assert answer.status_code == 422
    assert "<h1>Ada</h1>" in answer.text and "There is a problem" in answer.text
    assert "<code>last_admin</code>" in answer.text
    assert "last person with the admin role on every project" in answer.text
    assert roles_of(console.store, ada) == EVERYWHERE
    assert console.client.get("/people").status_code == 200  # still signed in, still admin
