"""The overview against the demo project: the matrix, releases in flight, events."""

from __future__ import annotations

import re

from sqlalchemy import select

from premiere.services import SYSTEM, projects
from premiere.services.deployments import ledger
from premiere.store.releases import Release

from .conftest import Console


def _cell(html: str, service: str, column: int) -> str:
    row = re.search(rf'<th scope="row">{service}</th>(.*?)</tr>', html, re.S)
    assert row, html
    return re.findall(r"<td>(.*?)</td>", row.group(1), re.S)[column]


def test_home__signed_in__opens_the_first_projects_overview(demo: Console) -> None:
    answer = demo.client.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/projects/demo"


def test_overview__demo__shows_the_environment_matrix(demo: Console) -> None:
    html = demo.client.get("/projects/demo").text
    assert "<h1>Acme Shop</h1>" in html
    for environment in ("development", "testing", "staging", "production"):
        assert f'<th scope="col">{environment}</th>' in html
    production = _cell(html, "api", 3)
    assert '<span class="version">1.4.0</span>' in production
    assert "verified" in production
    assert "1 version behind staging" in production
    staging = _cell(html, "api", 2)
    assert "1.5.0" in staging
    assert "behind" not in staging
    assert "1 version behind development" in _cell(html, "web", 1)


def test_overview__navigation__names_every_section_and_marks_this_one(demo: Console) -> None:
    html = demo.client.get("/projects/demo").text
    for label in ("Overview", "Flags", "Segments", "Deployments", "Releases", "Audit", "Settings"):
        assert f">{label}</a>" in html
    assert '<a href="/projects/demo" aria-current="page">Overview</a>' in html
    assert "Sign out" in html


def test_overview__no_release_in_flight__says_what_to_do(demo: Console) -> None:
    html = demo.client.get("/projects/demo/fragments/releases").text
    assert "No release is in flight" in html
    assert 'href="/projects/demo/releases"' in html


def test_overview__release_rolling_out__shows_stage_audience_and_guards(demo: Console) -> None:
    # Given the demo's release rolling out at its first stage (its readiness and
    # approvals are the release pages' subject, not the overview's)
    with demo.store.write() as session:
        row = session.scalars(select(Release).where(Release.key == "recommendations-v2")).one()
        row.state, row.stage = "rolling_out", 0
    html = demo.client.get("/projects/demo/fragments/releases").text
    assert "rolling out" in html
    assert "1 of 4" in html
    assert "segment staff" in html
    assert "watching errors" in html


def test_overview__latest_events__newest_first(demo: Console) -> None:
    html = demo.client.get("/projects/demo/fragments/events").text
    actions = re.findall(r"<code>([a-z_.]+)</code>", html)
    assert actions[0] == "note.created"  # the demo's last step: its release's notes
    assert len(actions) == 10


def test_overview__deployment_recorded__appears_in_the_matrix_fragment(demo: Console) -> None:
    before = demo.client.get("/projects/demo/fragments/matrix").text
    assert "0.9.3" not in before
    data = {"service": "worker", "version": "0.9.3", "environment": "development"}
    data |= {"commit_sha": "abc1234", "status": "in_progress"}
    view, _ = ledger.record_deployment(demo.store, SYSTEM, "demo", data)
    ledger.finish_deployment(demo.store, SYSTEM, "demo", view["id"], {"outcome": "succeeded"})
    after = demo.client.get("/projects/demo/fragments/matrix").text
    assert "0.9.3" in _cell(after, "worker", 0)
    assert "1 version behind development" in _cell(after, "worker", 1)


def test_overview__fragments__are_parts_not_pages(demo: Console) -> None:
    for name in ("matrix", "releases", "events"):
        html = demo.client.get(f"/projects/demo/fragments/{name}").text
        assert "<html" not in html
    assert demo.client.get("/projects/demo/fragments/nope").status_code == 404


def test_overview__several_projects__offers_a_switcher(demo: Console) -> None:
    html = demo.client.get("/projects/demo").text
    assert 'id="project-switch"' not in html
    projects.create_project(demo.store, SYSTEM, {"key": "other", "name": "Other shop"})
    html = demo.client.get("/projects/demo").text
    assert '<label for="project-switch">Project</label>' in html
    assert '<option value="other">Other shop</option>' in html
    answer = demo.client.get("/projects", params={"project": "other"}, follow_redirects=False)
    assert answer.headers["location"] == "/projects/other"
    assert "<h1>Other shop</h1>" in demo.client.get("/projects/other").text
    assert "No service is deployed yet" in demo.client.get("/projects/other").text


def test_home__no_projects__says_how_to_make_one(console: Console) -> None:
    console.sign_in()
    html = console.client.get("/").text
    assert "<h1>No projects yet</h1>" in html
