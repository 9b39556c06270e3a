"""On the demo: an admin invites a release manager and an engineer; the engineer
deploys and changes a staging flag but is refused in production; the release manager
approves and starts the release; the audit log names both."""

from __future__ import annotations

from typing import Any

from premiere.services.people import invitations, signin, tokens
from premiere.store.types import utc_now

from .support import Api

P = "/api/v1/projects/demo"
RELEASE = f"{P}/releases/recommendations-v2"
PASSWORD = "correct horse battery"


def join(api: Api, email: str, role: str) -> str:
    """Invited by the admin, accepted; a personal token of the new person."""
    admin = tokens.authenticate(api.store, api.admin_token).caller.actor
    data = {"email": email, "project": "demo", "role": role}
    link = invitations.invite_person(api.store, admin, data, now=utc_now())["link"]
    name = email.split("@")[0].title()
    accepted = {"name": name, "password": PASSWORD}
    invitations.accept_invitation(api.store, link.removeprefix("/join/"), accepted, now=utc_now())
    made = signin.log_in(api.store, email, PASSWORD, address=None, now=utc_now(), name="cli")
    return str(made["token"])


def test_demo__engineer_and_release_manager__each_does_what_their_role_allows(acme: Api) -> None:
    api = acme
    rita, erin = (
        join(api, "rita@acme.example", "release_manager"),
        join(api, "erin@acme.example", "engineer"),
    )

    def act(token: str, method: str, path: str, body: Any = None) -> Any:
        return api.request(method, path, token=token, json=body)

    promoted = act(erin, "POST", f"{P}/deployments/promote",
                   {"service": "api", "from": "staging", "to": "production"})  # fmt: skip
    assert promoted.status_code == 201, promoted.text
    finished = act(erin, "POST", f"{P}/deployments/{promoted.json()['id']}/finish",
                   {"outcome": "succeeded"})  # fmt: skip
    assert finished.status_code == 200, finished.text

    staging = f"{P}/flags/new-checkout/environments/staging"
    version = api.ok(api.get(staging))["version"]
    assert act(erin, "PATCH", staging, {"on": False, "version": version}).status_code == 200
    production = f"{P}/flags/new-checkout/environments/production"
    version = api.ok(api.get(production))["version"]
    refused = act(erin, "PATCH", production, {"on": False, "version": version})
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["role_needed"] == "release_manager"
    assert act(erin, "POST", f"{RELEASE}/approvals", {}).status_code == 403

    ticked = act(rita, "POST", f"{RELEASE}/checklist/support-briefed/tick", {})
    assert ticked.status_code == 200, ticked.text
    assert act(rita, "POST", f"{RELEASE}/approvals", {"comment": "go"}).status_code == 201
    version = api.ok(api.get(RELEASE))["version"]
    started = act(rita, "POST", f"{RELEASE}/start", {"version": version})
    assert started.status_code == 200, started.text

    events = api.ok(api.get("/api/v1/audit", params={"project": "demo", "limit": 20}))["items"]
    named = {(e["actor"]["kind"], e["actor"]["name"], e["action"]) for e in events}
    assert ("person", "Erin", "deployment.recorded") in named  # the promotion
    assert ("person", "Erin", "deployment.status_changed") in named  # finished
    assert ("person", "Erin", "flag_config.updated") in named
    assert ("person", "Rita", "release.approved") in named
    assert ("person", "Rita", "release.started") in named
