"""``premiere login``, ``logout`` and ``whoami``: a person's own token, kept in their
config file (cli/people/saved.py)."""

from __future__ import annotations

import socket
from typing import Any

import click

from premiere.cli.client import ApiClient, path
from premiere.cli.context import api_options, get_obj, json_option
from premiere.cli.exits import AuthFailed, CliError
from premiere.cli.output import details, emit_json, say
from premiere.cli.people.saved import SavedLogin, forget_login, read_login, save_login


def default_token_name() -> str:
    return f"premiere login on {socket.gethostname()}"[:200]


@click.command("login")
@click.option("--email", help="Your email address. [default: asked]")
@click.option("--name", help="What the token is for. [default: premiere login on <host>]")
@api_options
@json_option
def login(email: str | None, name: str | None, as_json: bool) -> None:
    """Sign in with your email and password; the token is kept for later commands.

    The password is asked for (never an option). The server is --url, PREMIERE_URL,
    else the one you last signed in to, else the default. The server answers with a personal
    token (90 days), saved with the server's URL in $XDG_CONFIG_HOME/premiere/config.json
    (default ~/.config/premiere/), readable by you alone. Commands use it when neither
    --token nor PREMIERE_TOKEN is given, on that server unless --url or PREMIERE_URL
    names another. After 5 wrong passwords the account is blocked for 15 minutes.
    """
    obj = get_obj()
    saved = read_login()
    if not obj.url_given and saved is not None:
        obj.url = saved.url  # signing in again, to the same server
    email = email or click.prompt("Email")
    password = click.prompt("Password", hide_input=True)
    body = {"email": email, "password": password, "name": name or default_token_name()}
    made = _without_token(obj.url, lambda client: client.post(path("login"), body))
    keep(obj.url, made, as_json, f"Signed in to {obj.url} as {email}")


def keep(url: str, made: dict[str, Any], as_json: bool, done: str) -> None:
    """Save the personal token ``made`` for ``url`` and say so."""
    saved_in = save_login(SavedLogin(url.rstrip("/"), made["token"]))
    if as_json:
        emit_json({key: value for key, value in made.items() if key != "token"})
        return
    expires = (made.get("expires_at") or "")[:10] or "never"
    say(f"{done}. Token {made['id']} (expires {expires}) saved in {saved_in}.")


def _without_token(url: str, call: Any) -> Any:
    client = ApiClient(url, None)
    try:
        return call(client)
    except AuthFailed as error:
        first = error.message.split("\n", 1)[0]
        raise AuthFailed(first, code=error.code, details=error.details) from None
    finally:
        client.close()


@click.command("logout")
@api_options
def logout() -> None:
    """Revoke the token `premiere login` saved, and forget it."""
    saved = read_login()
    if saved is None:
        say("Not signed in: no saved token.")
        return
    client = ApiClient(saved.url, saved.token)
    try:
        token = client.get(path("me"))["token"]
        client.delete(path("me", "tokens", token))
        revoked = f"revoked token {token} on {saved.url}"
    except CliError as error:
        revoked = f"the server did not revoke it ({error.message.splitlines()[0]})"
    finally:
        client.close()
    forget_login()
    say(f"Signed out: {revoked}; the saved token is forgotten.")


@click.command("whoami")
@api_options
@json_option
def whoami(as_json: bool) -> None:
    """Who the token in use is: the person or token, their roles, the server."""
    obj = get_obj()
    me = obj.client.get(path("me"))
    if as_json:
        emit_json(me)
        return
    source = "saved by premiere login" if obj.saved_login else "--token or PREMIERE_TOKEN"
    roles = ", ".join(
        f"{grant['role']} on {grant['project'] or 'every project'}" for grant in me["roles"]
    )
    pairs = [
        ("name", me["name"]),
        ("email", me.get("email")),
        ("kind", me["kind"]),
        ("roles", roles or None),
        ("acts as", me.get("role")),
        ("scope", me["scope"] + (f" (project {me['project']})" if me.get("project") else "")),
        ("token", f"{me['token']} ({source})"),
        ("server", obj.url),
    ]
    details(me["name"], pairs)
