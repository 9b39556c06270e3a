"""A small world for the permission matrix (tests/api/test_permissions.py): project
``demo`` with ``staging`` and ``production`` (production), a service, two flags, a
segment, and helpers that make, as the admin, what one request needs (a release in a
given state, a check, a webhook, a note...) and return the request to send."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import update

from premiere.services import SYSTEM
from premiere.services.people import accounts, tokens
from premiere.services.people.passwords import hash_password
from premiere.store.outbox import OutboxDelivery

from .support import Api

P = "/api/v1/projects/demo"
SHA = "0123456789abcdef0123456789abcdef01234567"
Request = tuple[str, str, Any]


class IfMatch(int):
    """A body that is none: the version goes in ``If-Match`` (deletes)."""


PASSWORD = "correct horse battery"
HASH = hash_password(PASSWORD)
ITEMS = [{"key": "docs", "title": "Docs written", "owner": "docs@example.com"}]


class World:
    def __init__(self, api: Api, first: int = 1) -> None:
        """The world in ``api``'s store, made (:meth:`build`) by one whose counter stood
        at ``first``."""
        self.api = api
        self.counter = itertools.count(first)

    def build(self) -> World:
        """Make the project and what every request reads, as the admin."""
        api = self.api
        api.project("demo")
        api.ok(api.post(f"{P}/environments", {"key": "staging"}), 201)
        api.ok(api.post(f"{P}/environments", {"key": "production", "production": True}), 201)
        api.ok(api.post(f"{P}/services", {"key": "api"}), 201)
        for flag in ("checkout", "banner"):
            api.flag("demo", flag)
        rule = {"clauses": [{"attribute": "email", "op": "ends_with", "values": ["@x.io"]}]}
        api.ok(api.post(f"{P}/segments", {"key": "staff", "rules": [rule]}), 201)
        return self

    def fresh(self, prefix: str) -> str:
        return f"{prefix}-{next(self.counter)}"

    def ok(self, method: str, path: str, body: Any = None, status: int = 201) -> Any:
        return self.api.ok(self.api.request(method, path, json=body), status)

    # callers ------------------------------------------------------------------------

    def person_token(self, role: str, project: str | None = "demo") -> str:
        """A personal token of a new person holding ``role`` on ``project``, whose
        password is ``PASSWORD``."""
        person_id = self.person(role, project)
        data = {"name": "mine", "scope": "personal"}
        return tokens.create_token(self.api.store, SYSTEM, data, owner=person_id)["token"]

    def person(self, role: str = "viewer", project: str | None = "demo") -> str:
        with self.api.store.write() as session:
            person = accounts.add_person(
                session, SYSTEM, email=f"{self.fresh(role)}@example.com", name=role,
                password_hash=HASH, grants=[(project, role)],
            )  # fmt: skip
            return person.id

    def invitation(self) -> str:
        body = {"email": f"{self.fresh('i')}@example.com", "role": "viewer", "project": "demo"}
        return str(self.ok("POST", "/api/v1/invitations", body)["id"])

    def service_account(self) -> str:
        return str(self.ok("POST", "/api/v1/service-accounts", {"name": self.fresh("ci")})["id"])

    def service_token(self) -> str:
        account = accounts.create_service_account(self.api.store, SYSTEM, {"name": "ci"})
        data = {"name": "pipeline", "scope": "deploy"}
        return tokens.create_token(self.api.store, SYSTEM, data, owner=account["id"])["token"]

    # resources ----------------------------------------------------------------------

    def incident(self) -> int:
        body = {"title": "Errors", "severity": "sev3", "started_at": "2026-03-11T10:00:00Z"}
        return int(self.ok("POST", f"{P}/incidents", body)["id"])

    def release(self, state: str = "draft") -> str:
        """A release of a flag of its own, deployed and verified in staging."""
        key, flag = self.fresh("r"), self.api.flag("demo", self.fresh("f"))["key"]
        deployment = self.ok(
            "POST", f"{P}/deployments", {**self.deployment_body(), "features": [flag]}
        )
        self.ok("POST", f"{P}/deployments/{deployment['id']}/finish", {"outcome": "succeeded"}, 200)
        body = {
            "key": key, "environment": "staging", "features": [{"flag": flag, "variation": 0}],
            "plan": {"stages": [{"percent": 10, "hold_seconds": 60}, {"percent": 100}]},
            "required_approvals": 0,
        }  # fmt: skip
        self.ok("POST", f"{P}/releases", body)
        for action in {"running": ["start"], "paused": ["start", "pause"]}.get(state, []):
            path = f"{P}/releases/{key}"
            self.ok("POST", f"{path}/{action}", self.versioned(path), 200)
        return key

    def deployment(self) -> int:
        body = {"service": "api", "environment": "staging", "version": self.fresh("1.0"),
                "commit_sha": SHA}  # fmt: skip
        return int(self.ok("POST", f"{P}/deployments", body)["id"])

    def check(self) -> str:
        key = self.fresh("c")
        body = {"key": key, "kind": "http", "url": "http://127.0.0.1:9/health"}
        self.ok("POST", f"{P}/services/api/checks", body)
        return key

    def webhook(self) -> int:
        return int(self.ok("POST", f"{P}/webhooks", self.webhook_body())["id"])

    def delivery(self, status: str = "failed") -> int:
        """A webhook's test delivery, ``status`` (failed: one that may be redelivered)."""
        webhook = self.webhook()
        delivery = int(self.ok("POST", f"{P}/webhooks/{webhook}/test", None, 202)["id"])
        with self.api.store.write() as session:
            session.execute(
                update(OutboxDelivery).where(OutboxDelivery.id == delivery).values(status=status)
            )
        return delivery

    def version(self, path: str) -> int:
        """The version of the resource at ``path``, for an update based on it."""
        return int(self.api.ok(self.api.get(path))["version"])

    def versioned(self, path: str, **body: Any) -> dict[str, Any]:
        return {**body, "version": self.version(path)}

    def note(self, release: str) -> int:
        body = {"title": "Faster checkout", "body": "It is faster."}
        return int(self.ok("POST", f"{P}/releases/{release}/notes", body)["id"])

    def change(self) -> int:
        return int(self.ok("POST", f"{P}/scheduled-changes", self.change_body())["id"])

    def freeze(self) -> int:
        return int(self.ok("POST", f"{P}/freeze-windows", self.freeze_body())["id"])

    def train(self) -> str:
        return str(self.ok("POST", f"{P}/release-trains", self.train_body())["key"])

    def subscriber(self) -> int:
        body = {"email": f"{self.fresh('s')}@example.com", "categories": ["release"]}
        return int(self.ok("POST", f"{P}/subscribers", body)["id"])

    def token(self) -> str:
        return str(self.ok("POST", "/api/v1/tokens", {"name": "t", "scope": "deploy"})["id"])

    def checklist_item(self, release: str) -> str:
        self.ok("PUT", f"{P}/releases/{release}/checklist", {"items": ITEMS}, 200)
        return "docs"

    # bodies and more resources --------------------------------------------------------

    caller_token = ""
    """The id of the token the caller uses (its own tokens' routes)."""
    environment = "staging"
    """Where the flag-configuration requests go (the matrix runs them in both)."""

    def toggle(self) -> bool:
        return next(self.counter) % 2 == 0

    def config(self) -> dict[str, Any]:
        return {"on": self.toggle(), "rules": [], "fallthrough": {"variation": 0},
                "off_variation": 1}  # fmt: skip

    def archived_flag(self) -> str:
        key = self.api.flag("demo", self.fresh("a"))["key"]
        self.ok("POST", f"{P}/flags/{key}/archive", self.versioned(f"{P}/flags/{key}"), 200)
        return str(key)

    def segment(self) -> str:
        key = self.fresh("g")
        self.ok("POST", f"{P}/segments", {"key": key})
        return key

    def deployment_body(self) -> dict[str, Any]:
        return {"service": "api", "environment": "staging", "version": self.fresh("2.0"),
                "commit_sha": SHA}  # fmt: skip

    def verified_deployment(self) -> str:
        body = self.deployment_body()
        deployment = self.ok("POST", f"{P}/deployments", body)
        self.ok("POST", f"{P}/deployments/{deployment['id']}/finish", {"outcome": "succeeded"}, 200)
        return str(body["version"])

    def rollback_target(self) -> int:
        self.verified_deployment()
        second = self.ok("POST", f"{P}/deployments", self.deployment_body())
        self.ok("POST", f"{P}/deployments/{second['id']}/finish", {"outcome": "succeeded"}, 200)
        return int(second["id"])

    def github_secret(self) -> None:
        self.ok("PUT", f"{P}/webhooks/github/secret", {"secret": "s3cret"}, 200)

    def train_body(self) -> dict[str, Any]:
        cadence = {"interval_weeks": 1, "weekday": "tuesday", "time": "10:00",
                   "timezone": "Europe/Berlin"}  # fmt: skip
        return {"key": self.fresh("t"), "environment": "production", "cadence": cadence}

    def change_body(self) -> dict[str, Any]:
        return {"flag": "checkout", "environment": self.environment,
                "at": "2099-01-01T00:00:00Z", "patch": {"on": True}}  # fmt: skip

    def freeze_body(self) -> dict[str, Any]:
        return {"environment": "production", "start": "2099-01-01T00:00:00Z",
                "end": "2099-01-02T00:00:00Z", "reason": "holidays"}  # fmt: skip

    def webhook_body(self) -> dict[str, Any]:
        return {"url": "https://hooks.example.com/x", "events": ["release.started"]}

    def promotable(self) -> dict[str, Any]:
        """A version verified in staging and not yet in production: what promote takes."""
        self.verified_deployment()
        return {}
