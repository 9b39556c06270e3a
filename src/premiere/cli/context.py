"""The context object every command shares, and the options that fill it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

from premiere.cli.exits import BadUsage

if TYPE_CHECKING:
    from premiere.cli.client import ApiClient

DEFAULT_URL = "http://127.0.0.1:8700"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliContext:
    """Where the server is, which token to use, which project; holds the API client."""

    url: str = DEFAULT_URL
    url_given: bool = False  # PREMIERE_URL or --url named a server
    token: str | None = None
    project: str | None = None
    saved_login: bool = False  # the token is the one `premiere login` saved
    _client: ApiClient | None = field(default=None, repr=False)

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            from premiere.cli.client import ApiClient  # httpx: only for commands that use it

            self.use_saved_login()
            self._client = ApiClient(self.url, self.token)
        return self._client

    def use_saved_login(self) -> bool:
        """Whether there is a token: --token, else PREMIERE_TOKEN, else the one `premiere
        login` saved (cli/people/saved.py) if it was made for this server (with no --url
        or PREMIERE_URL, the saved server)."""
        if self.token:
            return True
        from premiere.cli.people.saved import read_login, same_server

        saved = read_login()
        if saved is None or (self.url_given and not same_server(saved.url, self.url)):
            return False
        self.token, self.url, self.saved_login = saved.token, saved.url, True
        return True

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def project_key(self) -> str:
        """The project to act on: --project, PREMIERE_PROJECT, or the only one there is."""
        if self.project:
            return self.project
        projects = self.client.get("/api/v1/projects")
        keys = [p["key"] for p in projects]
        if len(keys) == 1:
            self.project = str(keys[0])
            return self.project
        if not keys:
            raise BadUsage("there is no project yet; create one with `premiere projects create`")
        raise BadUsage(
            f"there are {len(keys)} projects ({', '.join(keys)}); choose one with --project "
            "or PREMIERE_PROJECT"
        )


def get_obj() -> CliContext:
    return click.get_current_context().ensure_object(CliContext)


def _setter(
    attribute: str, given: str | None = None
) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None:
            setattr(ctx.ensure_object(CliContext), attribute, value)
            if given is not None:
                setattr(ctx.ensure_object(CliContext), given, True)
        return value

    return callback


def api_options(func: F) -> F:
    """--url and --token, for every command that talks to the API."""
    func = click.option(
        "--token",
        envvar="PREMIERE_TOKEN",
        expose_value=False,
        callback=_setter("token"),
        help="API token (else the one `premiere login` saved). [env: PREMIERE_TOKEN]",
    )(func)
    func = click.option(
        "--url",
        envvar="PREMIERE_URL",
        expose_value=False,
        callback=_setter("url", "url_given"),
        help=f"Base URL of the Premiere server. [env: PREMIERE_URL; default: {DEFAULT_URL}]",
    )(func)
    return func


def project_option(func: F) -> F:
    """--project, for commands inside a project."""
    return click.option(
        "--project",
        "-p",
        envvar="PREMIERE_PROJECT",
        expose_value=False,
        callback=_setter("project"),
        help="Project key; may be left out when there is only one project. [env: PREMIERE_PROJECT]",
    )(func)


def json_option(func: F) -> F:
    """--json: print the result as JSON on stdout instead of a table."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of a table."
    )(func)


def environment_option(
    *, required: bool = False, help: str = "Environment key, e.g. production."
) -> Callable[[F], F]:
    """--env (or --environment, -e), for every command that takes one environment."""
    return click.option(
        "--env", "--environment", "-e", "environment", metavar="ENV", required=required, help=help
    )


def known_environment(environment: str | None, found: object) -> None:
    """An empty list filtered by ``environment``: when no such environment exists, say so
    (with "did you mean ...?") rather than list nothing."""
    if environment and not found:
        from premiere.cli.client import path

        obj = get_obj()
        obj.client.get(path("projects", obj.project_key(), "environments", environment))
