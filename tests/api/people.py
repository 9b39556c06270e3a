"""Helpers for the people routes' tests: people join by invitation, as they would."""

from __future__ import annotations

from typing import Any

from .support import Api

PASSWORD = "a long enough passphrase"


def invite(api: Api, email: str, role: str, project: str | None = None, **extra: Any) -> Any:
    body = {"email": email, "role": role, "project": project, **extra}
    return api.ok(api.post("/api/v1/invitations", body), 201)


def join(api: Api, email: str, role: str, project: str | None = None) -> str:
    """A person with ``role`` (on ``project``, or every project); their personal token."""
    link = invite(api, email, role, project)["link"]
    body = {"link": link, "name": email.split("@")[0].title(), "password": PASSWORD}
    answer = api.client.request("POST", "/api/v1/invitations/accept", json=body)
    return str(api.ok(answer, 201)["token"])


def log_in(api: Api, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    body = {"email": email, "password": password, **extra}
    return api.client.request("POST", "/api/v1/login", json=body)


def rule_of(answer: Any) -> list[tuple[str, str]]:
    """The (field, rule) pairs of a 422 answer."""
    assert answer.status_code == 422, answer.text
    return [(e["field"], e["rule"]) for e in answer.json()["error"]["details"]["errors"]]
