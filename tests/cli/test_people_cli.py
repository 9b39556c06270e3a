"""`premiere login`, `whoami`, `logout`, `people`, `invitations` and `service-accounts`
against the live server. People here have emails of their own: the server is shared."""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path

import pytest
from click.testing import Result

from .conftest import NO_PREMIERE_ENV, Cli, LiveServer

PASSWORD = "a long enough passphrase"


def unique_email() -> str:
    return f"cli-{secrets.token_hex(4)}@example.com"


def invite(run: Cli, email: str, role: str = "engineer") -> dict[str, str]:
    result = run.ok("people", "invite", email, "--role", role, "--project", "demo", "--json")
    return dict(json.loads(result.stdout))


@pytest.fixture
def me(live_server: LiveServer) -> Cli:
    """`premiere` with no token and no server named: what a person types after login."""
    return Cli(dict(NO_PREMIERE_ENV))


def accept(me: Cli, link: str, url: str, password: str = PASSWORD) -> Result:
    """Join from the terminal at ``url`` (the link names the default address, as
    PREMIERE_PUBLIC_URL is not set)."""
    return me("invitations", "accept", link, "--name", "Ada", "--url", url,
              input=f"{password}\n{password}\n")  # fmt: skip


def join(run: Cli, me: Cli, email: str, role: str = "engineer") -> None:
    result = accept(me, invite(run, email, role)["link"], str(run.env["PREMIERE_URL"]))
    assert result.exit_code == 0, (result.stdout, result.stderr)


def saved(config_home: Path) -> Path:
    return config_home / "premiere" / "config.json"


def test_login__then_whoami__the_saved_token_is_used(
    run: Cli, me: Cli, live_server: LiveServer, _config_home: Path
) -> None:
    email = unique_email()
    join(run, me, email)
    saved(_config_home).unlink()

    login = me("login", "--email", email, "--url", live_server.url, input=f"{PASSWORD}\n")
    whoami = me.ok("whoami", "--json")

    assert login.exit_code == 0, login.output
    assert "Signed in" in login.stdout and PASSWORD not in login.output
    found = json.loads(whoami.stdout)
    assert (found["email"], found["scope"], found["role"]) == (email, "personal", "engineer")
    assert json.loads(saved(_config_home).read_text())["url"] == live_server.url


def test_login__config_file__readable_by_the_user_alone(
    run: Cli, me: Cli, live_server: LiveServer, _config_home: Path
) -> None:
    email = unique_email()
    join(run, me, email)
    saved(_config_home).chmod(0o644)

    me.ok("login", "--email", email, "--url", live_server.url, input=f"{PASSWORD}\n")

    assert stat.S_IMODE(saved(_config_home).stat().st_mode) == 0o600
    assert stat.S_IMODE(saved(_config_home).parent.stat().st_mode) == 0o700


def test_login__wrong_password__exit_6_nothing_saved(
    me: Cli, live_server: LiveServer, _config_home: Path
) -> None:
    result = me("login", "--email", unique_email(), "--url", live_server.url,
                input="not the passphrase\n")  # fmt: skip

    assert result.exit_code == 6
    assert "wrong email or password" in result.stderr
    assert "premiere login" not in result.stderr
    assert not saved(_config_home).exists()


def test_saved_token__another_server_named__not_sent(
    run: Cli, me: Cli, live_server: LiveServer
) -> None:
    join(run, me, unique_email())
    other = live_server.url.replace("127.0.0.1", "localhost")

    result = me("whoami", "--url", other)

    assert result.exit_code == 6
    assert "a token is required" in result.stderr


def test_token_order__premiere_token_before_the_saved_one(run: Cli, me: Cli) -> None:
    join(run, me, unique_email())

    found = json.loads(run.ok("whoami", "--json").stdout)

    assert (found["kind"], found["scope"]) == ("token", "admin")


def test_logout__token_revoked_and_forgotten(
    run: Cli, me: Cli, live_server: LiveServer, _config_home: Path
) -> None:
    join(run, me, unique_email())
    token = json.loads(saved(_config_home).read_text())["token"]

    result = me.ok("logout")
    after = Cli({**me.env, "PREMIERE_TOKEN": token, "PREMIERE_URL": live_server.url})

    assert "revoked token" in result.stdout
    assert not saved(_config_home).exists()
    assert after("whoami").exit_code == 6


def test_people__invite_list_roles_remove(run: Cli, me: Cli) -> None:
    email = unique_email()
    join(run, me, email)

    listed = json.loads(run.ok("people", "list", "--json").stdout)
    changed = run.ok("people", "roles", email, "demo=viewer", "*=viewer")
    shown = json.loads(run.ok("people", "show", email, "--json").stdout)
    removed = run.ok("people", "remove", email, "--yes")

    assert email in [p["email"] for p in listed]
    assert "*=viewer, demo=viewer" in changed.stdout
    assert shown["roles"] == [{"project": None, "role": "viewer"},
                              {"project": "demo", "role": "viewer"}]  # fmt: skip
    assert "Removed" in removed.stdout
    assert me("whoami").exit_code == 6


def test_people_roles__unknown_role__usage_error_nothing_changed(run: Cli, me: Cli) -> None:
    email = unique_email()
    join(run, me, email)

    result = run("people", "roles", email, "demo=owner")

    assert result.exit_code == 2
    assert json.loads(run.ok("people", "show", email, "--json").stdout)["roles"][0]["role"] == (
        "engineer"
    )


def test_invitations__list_and_revoke__link_stops_working(run: Cli, me: Cli) -> None:
    made = invite(run, unique_email())

    listed = json.loads(run.ok("invitations", "list", "--json").stdout)
    run.ok("invitations", "revoke", made["id"])
    accepted = accept(me, made["link"], str(run.env["PREMIERE_URL"]))

    assert made["id"] in [i["id"] for i in listed]
    assert accepted.exit_code == 3


def test_invitations_accept__weak_password__refused_naming_the_rule(run: Cli, me: Cli) -> None:
    made = invite(run, unique_email())

    result = accept(me, made["link"], str(run.env["PREMIERE_URL"]), "password1234")

    assert result.exit_code == 1
    assert "password_common" in result.stderr or "most common" in result.stderr


def test_service_accounts__create_token_remove(run: Cli, live_server: LiveServer) -> None:
    name = f"pipeline-{secrets.token_hex(3)}"
    run.ok("service-accounts", "create", name)

    token = run.ok("service-accounts", "token", name, "--name", "ci", "--project", "demo",
                   "-q").stdout.strip()  # fmt: skip
    pipeline = Cli({**run.env, "PREMIERE_TOKEN": token})
    found = json.loads(pipeline.ok("whoami", "--json").stdout)
    listed = json.loads(run.ok("service-accounts", "list", "--json").stdout)
    run.ok("service-accounts", "remove", name)

    assert (found["kind"], found["name"], found["project"]) == ("service", name, "demo")
    assert name in [a["name"] for a in listed]
    assert pipeline("whoami").exit_code == 6


def test_tokens_create__personal_with_role_and_expiry(run: Cli, me: Cli) -> None:
    join(run, me, unique_email(), role="release_manager")

    made = json.loads(me.ok("tokens", "create", "--scope", "personal", "--role", "viewer",
                            "--expires-in-days", "5", "--json").stdout)  # fmt: skip

    assert (made["scope"], made["role"]) == ("personal", "viewer")
    assert made["expires_at"] is not None


def test_environments__flag_role__set_and_back_to_default(run: Cli) -> None:
    project = f"roles-{secrets.token_hex(3)}"  # a project of its own: the server is shared
    run.ok("projects", "create", project)
    made = json.loads(run.ok("environments", "create", "qa", "--flag-role", "admin", "--json",
                             "--project", project).stdout)  # fmt: skip

    reset = json.loads(run.ok("environments", "update", "qa", "--flag-role", "default",
                              "--json", "--project", project).stdout)  # fmt: skip

    assert (made["flag_role"], reset["flag_role"]) == ("admin", None)
