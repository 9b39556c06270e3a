"""The deployments pages against the demo project: history, a deployment, actions."""

from __future__ import annotations

import re

import httpx

from premiere.services import SYSTEM
from premiere.services.deployments import history, ledger, promotion

from .conftest import Console

BASE = "/projects/demo/deployments"


def _ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(rf'<a href="{BASE}/(\d+)">#', html)]


def _find(demo: Console, service: str, environment: str) -> int:
    page = history.list_deployments(demo.store, "demo", service=service, environment=environment)
    return page["items"][0]["id"]


def _post(demo: Console, path: str, data: dict[str, str]) -> httpx.Response:
    csrf = demo.csrf(path.rsplit("/", 1)[0])
    return demo.client.request("POST", path, data={"csrf": csrf, **data}, follow_redirects=False)


def test_deployment_list__demo__newest_first_with_links(demo: Console) -> None:
    html = demo.client.get(BASE).text
    assert "<h1>Deployments</h1>" in html
    expected = [item["id"] for item in history.list_deployments(demo.store, "demo")["items"]]
    assert _ids(html) == expected
    assert '<a href="/projects/demo/deployments" aria-current="page">Deployments</a>' in html


def test_deployment_list__filters__same_as_the_service(demo: Console) -> None:
    html = demo.client.get(BASE, params={"service": "web", "environment": "staging"}).text
    expected = history.list_deployments(demo.store, "demo", service="web", environment="staging")
    assert _ids(html) == [item["id"] for item in expected["items"]]
    assert len(_ids(html)) == 2
    assert '<option value="web" selected>' in html


def test_deployment_list__status_and_time__filter(demo: Console) -> None:
    assert _ids(demo.client.get(BASE, params={"status": "failed"}).text) == []
    assert "No deployment matches" in demo.client.get(BASE, params={"status": "failed"}).text
    assert _ids(demo.client.get(BASE, params={"until": "2000-01-01"}).text) == []
    every = len(history.list_deployments(demo.store, "demo")["items"])
    assert len(_ids(demo.client.get(BASE, params={"since": "2000-01-01T10:00"}).text)) == every


def test_deployment_list__bad_filters__errors_at_the_fields(demo: Console) -> None:
    answer = demo.client.get(BASE, params={"status": "exploded", "since": "yesterday"})
    assert answer.status_code == 422
    assert 'href="#status"' in answer.text
    assert 'href="#since"' in answer.text
    assert "must be an RFC 3339 date-time" in answer.text
    assert demo.client.get(BASE, params={"cursor": "x" * 5000}).status_code == 422
    assert demo.client.get(BASE, params={"service": "nope"}).status_code == 422


def test_deployment_list__more_than_a_page__cursor_link(demo: Console) -> None:
    for number in range(60):
        data = {"service": "worker", "version": f"0.10.{number}", "environment": "development"}
        ledger.record_deployment(demo.store, SYSTEM, "demo", data | {"commit_sha": "abc1234"})
    first = demo.client.get(BASE, params={"service": "worker"}).text
    assert len(_ids(first)) == 50
    link = re.search(r'<a href="(\?[^"]+)" rel="next">', first)
    assert link is not None
    second = demo.client.get(BASE + link.group(1).replace("&amp;", "&")).text
    assert set(_ids(first)).isdisjoint(_ids(second))
    assert len(_ids(first)) + len(_ids(second)) == 64


def test_deployment_page__demo__facts_checks_commit_and_log(demo: Console) -> None:
    data = {"service": "worker", "version": "0.9.3", "environment": "development"}
    data |= {"commit_sha": "abc1234", "pipeline_url": "https://ci.example/run/7"}
    data |= {"log_excerpt": "step 1\n<b>done</b>", "status": "in_progress"}
    view, _ = ledger.record_deployment(demo.store, SYSTEM, "demo", data)
    html = demo.client.get(f"{BASE}/{view['id']}").text
    assert "<h1>worker 0.9.3 in development</h1>" in html
    assert '<a href="https://ci.example/run/7" rel="noopener noreferrer">' in html
    assert "<code>abc1234</code>" in html
    assert "step 1\n&lt;b&gt;done&lt;/b&gt;" in html
    assert "No check ran for this deployment" in html
    assert "can be rolled back once it succeeded or failed" in html


def test_promote__allowed__records_a_deployment_and_redirects(demo: Console) -> None:
    source = _find(demo, "web", "development")
    answer = _post(demo, f"{BASE}/{source}/promote", {"to": "testing"})
    assert answer.status_code == 303
    created = history.list_deployments(demo.store, "demo", service="web", environment="testing")
    newest = created["items"][0]
    assert newest["version"] == "2.4.0"
    assert newest["promoted_from"] is not None
    assert answer.headers["location"] == f"{BASE}/{newest['id']}"


def test_promote__policy_refuses__message_at_the_action(demo: Console) -> None:
    # Given staging requires versions verified in testing first (web 2.4.0 skipped testing)
    version = promotion.get_environment_policy(demo.store, "demo", "staging")["version"]
    data = {"require_verified_in_previous": True}
    promotion.update_environment_policy(demo.store, SYSTEM, "demo", "staging", data, version)
    source = _find(demo, "web", "development")
    before = history.list_deployments(demo.store, "demo")["items"][0]["id"]
    answer = _post(demo, f"{BASE}/{source}/promote", {"to": "staging"})
    assert answer.status_code == 422
    html = answer.text
    actions = html[html.index('id="actions"') :]
    assert "requires versions verified in &#39;testing&#39; first" in actions
    assert "<code>conflict</code>" in actions
    assert history.list_deployments(demo.store, "demo")["items"][0]["id"] == before


def test_promote__unknown_environment__error_at_the_field(demo: Console) -> None:
    source = _find(demo, "web", "development")
    answer = _post(demo, f"{BASE}/{source}/promote", {"to": "moon"})
    assert answer.status_code == 422
    assert "moon" in answer.text
    answer = _post(demo, f"{BASE}/{source}/promote", {})
    assert answer.status_code == 422


def test_rollback__succeeded__records_the_previous_version(demo: Console) -> None:
    target = _find(demo, "api", "staging")
    answer = _post(demo, f"{BASE}/{target}/rollback", {"reason": "errors up"})
    assert answer.status_code == 303
    newest = history.list_deployments(demo.store, "demo", service="api", environment="staging")
    assert newest["items"][0]["version"] == "1.4.0"
    assert newest["items"][0]["rollback_of"] == target
    assert newest["items"][0]["reason"] == "errors up"


def test_rollback__nothing_before__refusal_at_the_action(demo: Console) -> None:
    target = _find(demo, "worker", "production")
    answer = _post(demo, f"{BASE}/{target}/rollback", {})
    assert answer.status_code in (409, 422)
    assert "There is a problem" in answer.text


def test_actions__without_csrf__403_and_nothing_changed(demo: Console) -> None:
    target = _find(demo, "api", "staging")
    before = history.list_deployments(demo.store, "demo")["items"][0]["id"]
    answer = demo.client.request(
        "POST", f"{BASE}/{target}/rollback", data={}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert history.list_deployments(demo.store, "demo")["items"][0]["id"] == before


def test_deployment_page__unknown__html_404(demo: Console) -> None:
    for path in (f"{BASE}/999999", f"{BASE}/abc", "/projects/nope/deployments"):
        answer = demo.client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")


def test_actions__malformed_posts__never_a_server_error(demo: Console) -> None:
    target = _find(demo, "api", "staging")
    before = history.list_deployments(demo.store, "demo")["items"][0]["id"]
    garbage = {
        "promote": [{"to": "x" * 10_000}, {"to": ""}, {}],
        "rollback": [{"reason": "r" * 100_000}],
    }
    csrf = demo.csrf(f"{BASE}/{target}")
    for action, forms in garbage.items():
        for data in forms:
            path = f"{BASE}/{target}/{action}"
            answer = demo.client.request(
                "POST", path, data={"csrf": csrf, **data}, follow_redirects=False
            )
            assert answer.status_code == 422, (action, data, answer.status_code)
    assert history.list_deployments(demo.store, "demo")["items"][0]["id"] == before


def _promote(demo: Console, service: str, source: str, to: str) -> int:
    answer = _post(demo, f"{BASE}/{_find(demo, service, source)}/promote", {"to": to})
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_finish__promoted_and_pending__reported_succeeded_and_verified(demo: Console) -> None:
    number = _promote(demo, "api", "staging", "production")
    assert "Report finished" in demo.client.get(f"{BASE}/{number}").text

    answer = _post(demo, f"{BASE}/{number}/finish", {"outcome": "succeeded"})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"{BASE}/{number}"
    finished = ledger.get_deployment(demo.store, "demo", number)
    assert (finished["status"], finished["verified"]) == ("succeeded", True)
    assert "Report finished" not in demo.client.get(f"{BASE}/{number}").text


def test_finish__bad_outcome_or_already_finished__refused_at_the_action(demo: Console) -> None:
    number = _promote(demo, "api", "staging", "production")

    answer = _post(demo, f"{BASE}/{number}/finish", {"outcome": "exploded"})
    assert answer.status_code == 422
    assert "must be succeeded or failed" in answer.text
    assert ledger.get_deployment(demo.store, "demo", number)["status"] == "pending"

    done = _find(demo, "api", "development")
    answer = _post(demo, f"{BASE}/{done}/finish", {"outcome": "failed"})
    assert answer.status_code == 422
    assert "invalid_state" in answer.text
    assert ledger.get_deployment(demo.store, "demo", done)["status"] == "succeeded"
