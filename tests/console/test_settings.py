"""Project settings: environments (create, rename, reorder, production, policy),
services (create, edit) and their verification checks (create, edit, delete)."""

from __future__ import annotations

import httpx

from premiere.services import SYSTEM, catalog, environments
from premiere.services.deployments import checks, promotion
from premiere.services.deployments.network import AddressPolicy

from .conftest import Console

SETTINGS = "/projects/demo/settings"


def _post(demo: Console, page: str, path: str, data: dict[str, str]) -> httpx.Response:
    csrf = demo.csrf(page)
    return demo.client.request("POST", path, data={"csrf": csrf, **data}, follow_redirects=False)


def _order(demo: Console) -> list[str]:
    return [env["key"] for env in environments.list_environments(demo.store, "demo")]


def test_settings__demo__environments_in_order_services_and_tokens(demo: Console) -> None:
    html = demo.client.get(SETTINGS).text
    assert "<h1>Settings</h1>" in html
    positions = [html.index(f"<code>{key}</code>") for key in _order(demo)]
    assert positions == sorted(positions)
    assert f'href="{SETTINGS}/services/api"' in html
    assert 'href="/projects/demo/tokens"' in html
    assert '<a href="/projects/demo/settings" aria-current="page">Settings</a>' in html


def test_environment__create__appended_last(demo: Console) -> None:
    page = f"{SETTINGS}/environments/new"
    answer = _post(demo, page, page, {"key": "qa", "name": "QA", "production": "true"})
    assert answer.status_code == 303
    assert _order(demo)[-1] == "qa"
    assert environments.get_environment(demo.store, "demo", "qa")["production"] is True


def test_environment__create_bad_or_taken_key__error_at_the_field(demo: Console) -> None:
    page = f"{SETTINGS}/environments/new"
    answer = _post(demo, page, page, {"key": "no spaces"})
    assert answer.status_code == 422
    assert 'href="#key"' in answer.text and 'aria-invalid="true"' in answer.text
    answer = _post(demo, page, page, {"key": "staging"})
    assert answer.status_code == 422
    assert "already_exists" in answer.text
    assert len(_order(demo)) == 4


def test_environment__rename_and_production__saved(demo: Console) -> None:
    page = f"{SETTINGS}/environments/testing"
    version = str(environments.get_environment(demo.store, "demo", "testing")["version"])
    answer = _post(demo, page, page, {"name": "QA", "production": "true", "version": version})
    assert answer.status_code == 303
    view = environments.get_environment(demo.store, "demo", "testing")
    assert (view["name"], view["production"]) == ("QA", True)


def test_environment__stale_version__conflict_input_kept(demo: Console) -> None:
    page = f"{SETTINGS}/environments/testing"
    stale = str(environments.get_environment(demo.store, "demo", "testing")["version"])
    environments.update_environment(demo.store, SYSTEM, "demo", "testing", {"name": "T"}, 1)
    answer = _post(demo, page, page, {"name": "Mine", "version": stale})
    assert answer.status_code == 422
    assert "version_conflict" in answer.text
    assert 'value="Mine"' in answer.text
    assert "<h1>Environment T</h1>" in answer.text
    assert environments.get_environment(demo.store, "demo", "testing")["name"] == "T"


def test_environment__move_up__reordered(demo: Console) -> None:
    staging = environments.get_environment(demo.store, "demo", "staging")
    path = f"{SETTINGS}/environments/staging/move"
    data = {"position": str(staging["position"] - 1), "version": str(staging["version"])}
    answer = _post(demo, SETTINGS, path, data)
    assert answer.status_code == 303
    assert _order(demo) == ["development", "staging", "testing", "production"]
    answer = _post(demo, SETTINGS, path, {"position": "-3", "version": "99"})
    assert answer.status_code == 422
    assert _order(demo) == ["development", "staging", "testing", "production"]


def test_policy__require_verified_in_previous__saved(demo: Console) -> None:
    page = f"{SETTINGS}/environments/production"
    version = str(promotion.get_environment_policy(demo.store, "demo", "production")["version"])
    data = {"require_verified_in_previous": "true", "version": version}
    answer = _post(demo, page, page + "/policy", data)
    assert answer.status_code == 303
    policy = promotion.get_environment_policy(demo.store, "demo", "production")
    assert policy["require_verified_in_previous"] is True
    html = demo.client.get(SETTINGS).text
    assert "verified in the previous environment first" in html


def test_service__create_and_edit(demo: Console) -> None:
    page = f"{SETTINGS}/services/new"
    answer = _post(demo, page, page, {"key": "mailer", "description": "Sends mail"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{SETTINGS}/services/mailer"
    assert catalog.get_service(demo.store, "demo", "mailer")["name"] == "mailer"
    page = f"{SETTINGS}/services/mailer"
    data = {"name": "Mailer", "description": "", "repository": "", "version": "1"}
    assert _post(demo, page, page, data).status_code == 303
    view = catalog.get_service(demo.store, "demo", "mailer")
    assert (view["name"], view["description"], view["repository"]) == ("Mailer", "", None)


def test_service__bad_input__errors_nothing_changed(demo: Console) -> None:
    page = f"{SETTINGS}/services/api"
    data = {"name": "", "description": "x" * 5000, "version": "1"}
    answer = _post(demo, page, page, data)
    assert answer.status_code == 422
    assert 'href="#name"' in answer.text
    assert catalog.get_service(demo.store, "demo", "api")["name"] == "Shop API"


def test_check__create_http__saved_as_the_api_would(demo: Console) -> None:
    page = f"{SETTINGS}/services/api/checks/new"
    data = {"key": "health", "kind": "http", "url": "https://api.example/health"}
    data |= {"expected_status": "204", "retries": "2", "timeout_seconds": "1.5"}
    data |= {"json_path": "status.db", "json_equals": '"ok"', "environment": "staging"}
    answer = _post(demo, page, page, data)
    assert answer.status_code == 303, answer.text
    check = checks.get_check(demo.store, "demo", "api", "health")
    assert check["expected_status"] == 204 and check["retries"] == 2
    assert check["timeout_seconds"] == 1.5 and check["environment"] == "staging"
    assert check["json_field"] == {"path": "status.db", "equals": "ok"}
    assert (
        'href="/projects/demo/settings/services/api/checks/health"'
        in demo.client.get(f"{SETTINGS}/services/api").text
    )


def test_check__bad_input__errors_at_the_fields(demo: Console) -> None:
    page = f"{SETTINGS}/services/api/checks/new"
    data = {"key": "bad", "kind": "http", "url": "ftp://x", "retries": "many"}
    data |= {"expected_status": "9999"}
    answer = _post(demo, page, page, data)
    assert answer.status_code == 422
    for field in ("url", "retries", "expected_status"):
        assert f'href="#{field}"' in answer.text, field
    answer = _post(demo, page, page, {"key": "cmd", "kind": "command", "argv": ""})
    assert 'href="#argv"' in answer.text
    assert checks.list_checks(demo.store, "demo", "api") == []


def test_check__edit_and_delete(demo: Console) -> None:
    data = {"key": "smoke", "kind": "command", "argv": ["true"]}
    checks.create_check(demo.store, SYSTEM, "demo", "api", data, AddressPolicy())
    page = f"{SETTINGS}/services/api/checks/smoke"
    html = demo.client.get(page).text
    assert "<h1>Check smoke of Shop API</h1>" in html
    form = {"kind": "command", "argv": "sh\n-c\nexit 3", "expected_exit_code": "3"}
    answer = _post(demo, page, page, form | {"version": "1"})
    assert answer.status_code == 303
    check = checks.get_check(demo.store, "demo", "api", "smoke")
    assert check["argv"] == ["sh", "-c", "exit 3"] and check["expected_exit_code"] == 3
    answer = _post(demo, page, page, form | {"version": "1"})
    assert answer.status_code == 422 and "version_conflict" in answer.text
    answer = _post(demo, page, page + "/delete", {"version": "2"})
    assert answer.status_code == 303
    assert checks.list_checks(demo.store, "demo", "api") == []


def test_settings__without_csrf__403(demo: Console) -> None:
    path = f"{SETTINGS}/environments/new"
    answer = demo.client.request("POST", path, data={"key": "x"}, follow_redirects=False)
    assert answer.status_code == 403
    assert "x" not in _order(demo)


def test_settings__unknown__html_404(demo: Console) -> None:
    for path in (
        "/projects/nope/settings",
        f"{SETTINGS}/environments/moon",
        f"{SETTINGS}/services/nope",
        f"{SETTINGS}/services/api/checks/nope",
    ):
        answer = demo.client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")


def test_settings_forms__malformed_posts__never_a_server_error(demo: Console) -> None:
    # Given every form of the section, sent wrong types, huge values and missing fields
    garbage = [
        {},
        {"key": "k" * 10_000, "name": "n" * 10_000, "version": "x"},
        {"position": "9" * 30, "version": "1"},
        {"version": "-1", "kind": "ftp", "retries": "1e9", "timeout_seconds": "nan"},
        {"kind": "http", "url": "http://[::1", "json_path": "a", "json_equals": "{"},
        {"kind": "command", "argv": "\n\n", "expected_exit_code": "x", "version": "1"},
    ]
    paths = [
        f"{SETTINGS}/environments/new",
        f"{SETTINGS}/environments/testing",
        f"{SETTINGS}/environments/testing/move",
        f"{SETTINGS}/environments/testing/policy",
        f"{SETTINGS}/services/new",
        f"{SETTINGS}/services/api",
        f"{SETTINGS}/services/api/checks/new",
    ]
    order, services = _order(demo), catalog.list_services(demo.store, "demo")
    csrf = demo.csrf(SETTINGS)
    for path in paths:
        for data in garbage:
            answer = demo.client.request(
                "POST", path, data={"csrf": csrf, **data}, follow_redirects=False
            )
            if answer.status_code == 303:  # a policy form without its box: a valid "off"
                assert path.endswith("/policy") and data.get("version") == "1"
                continue
            assert 400 <= answer.status_code < 500, (path, data, answer.status_code)
            assert answer.headers["content-type"].startswith("text/html")
    assert _order(demo) == order
    assert catalog.list_services(demo.store, "demo") == services
    assert checks.list_checks(demo.store, "demo", "api") == []
