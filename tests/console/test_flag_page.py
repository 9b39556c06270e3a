"""A flag's page: variations, one environment's configuration and its edits,
evaluate-as, releases, where its code runs, history."""

from __future__ import annotations

from sqlalchemy import select

from premiere.services import SYSTEM
from premiere.services.flags import definitions
from premiere.store.releases import Release

from .conftest import Console

PAGE = "/projects/demo/flags/new-checkout"


def _post(demo: Console, edit: str, env: str = "production", **fields: str) -> object:
    config = definitions.get_flag_config(demo.store, "demo", "new-checkout", env)
    data = {"csrf": demo.csrf(PAGE), "version": str(config["version"]), **fields}
    url = f"{PAGE}/environments/{env}/{edit}"
    return demo.client.request("POST", url, data=data, follow_redirects=False)


def test_flag_page__demo__shows_values_environments_and_code(demo: Console) -> None:
    html = demo.client.get(PAGE, params={"environment": "production"}).text
    assert "<h1>New checkout</h1>" in html
    assert "<code>true</code>" in html and "<code>false</code>" in html
    assert 'aria-current="page">production</a>' in html
    assert "user-42" in html  # a target
    assert "Dogfooding" in html  # a rule, read-only
    assert "to 25.0 %" in html  # the fallthrough rollout
    assert "payments-v2</a> must serve <code>true</code>" in html
    assert "api 1.4.0" in html  # where its code runs


def test_flag_page__switch__turns_off_and_the_api_sees_it(demo: Console) -> None:
    answer = _post(demo, "switch", on="false")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert not definitions.get_flag_config(demo.store, "demo", "new-checkout", "production")["on"]
    html = demo.client.get(PAGE, params={"environment": "production"}).text
    assert "flag_config.updated" in html and "<del><code>true</code></del>" in html


def test_flag_page__targets__add_and_remove_keys(demo: Console) -> None:
    assert (
        _post(demo, "targets-add", target_keys="ann, bob", target_variation="1").status_code == 303
    )  # type: ignore[attr-defined]
    config = definitions.get_flag_config(demo.store, "demo", "new-checkout", "production")
    assert {"variation": 1, "values": ["ann", "bob"]} in config["targets"]
    assert _post(demo, "targets-remove", target_key="user-42").status_code == 303  # type: ignore[attr-defined]
    config = definitions.get_flag_config(demo.store, "demo", "new-checkout", "production")
    assert all("user-42" not in t["values"] for t in config["targets"])


def test_flag_page__fallthrough__rollout_in_percent(demo: Console) -> None:
    answer = _post(demo, "fallthrough", fallthrough_mode="rollout", weight_0="40", weight_1="60")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    config = definitions.get_flag_config(demo.store, "demo", "new-checkout", "production")
    weights = [w["weight"] for w in config["fallthrough"]["rollout"]["variations"]]
    assert weights == [40_000, 60_000]


def test_flag_page__fallthrough_bad_weights__error_at_field_nothing_changed(demo: Console) -> None:
    before = definitions.get_flag_config(demo.store, "demo", "new-checkout", "production")
    answer = _post(demo, "fallthrough", fallthrough_mode="rollout", weight_0="40", weight_1="50")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    text = answer.text  # type: ignore[attr-defined]
    assert 'id="fallthrough_mode-error"' in text and 'value="50"' in text
    assert definitions.get_flag_config(demo.store, "demo", "new-checkout", "production") == before
    bad = _post(demo, "fallthrough", fallthrough_mode="rollout", weight_0="abc")
    assert bad.status_code == 422 and 'id="weight_0-error"' in bad.text  # type: ignore[attr-defined]


def test_flag_page__off_variation_and_prerequisites(demo: Console) -> None:
    assert _post(demo, "off-variation", off_variation="0").status_code == 303  # type: ignore[attr-defined]
    assert _post(demo, "prerequisites-remove", prerequisite_flag="payments-v2").status_code == 303  # type: ignore[attr-defined]
    answer = _post(
        demo, "prerequisites-add", prerequisite_flag="dark-mode", prerequisite_value="false"
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    config = definitions.get_flag_config(demo.store, "demo", "new-checkout", "production")
    assert config["off_variation"] == 0
    assert config["prerequisites"] == [{"key": "dark-mode", "variation": 1}]
    wrong = _post(demo, "prerequisites-add", prerequisite_flag="dark-mode", prerequisite_value="7")
    assert wrong.status_code == 422 and 'id="prerequisite_value-error"' in wrong.text  # type: ignore[attr-defined]


def test_flag_page__stale_version__conflict_shown_nothing_changed(demo: Console) -> None:
    csrf = demo.csrf(PAGE)
    url = f"{PAGE}/environments/production/targets-add"
    data = {"csrf": csrf, "version": "1", "target_keys": "late-user", "target_variation": "0"}
    answer = demo.client.request("POST", url, data=data)
    assert answer.status_code == 422
    assert "version_conflict" in answer.text and 'value="late-user"' in answer.text
    config = definitions.get_flag_config(demo.store, "demo", "new-checkout", "production")
    assert all("late-user" not in t["values"] for t in config["targets"])


def test_flag_page__malformed_edits__422_or_404_never_500(demo: Console) -> None:
    csrf = demo.csrf(PAGE)
    url = f"{PAGE}/environments/production"
    assert demo.client.request("POST", f"{url}/switch", data={"csrf": csrf}).status_code == 422
    data = {"csrf": csrf, "version": "x" * 5000, "on": "maybe"}
    assert demo.client.request("POST", f"{url}/switch", data=data).status_code == 422
    assert demo.client.request("POST", f"{url}/explode", data={"csrf": csrf}).status_code == 404
    missing = f"{PAGE}/environments/mars/switch"
    assert demo.client.request("POST", missing, data={"csrf": csrf}).status_code == 404


def test_flag_page__edit_without_csrf__403(demo: Console) -> None:
    url = f"{PAGE}/environments/production/switch"
    answer = demo.client.request("POST", url, data={"version": "1", "on": "false"})
    assert answer.status_code == 403
    assert definitions.get_flag_config(demo.store, "demo", "new-checkout", "production")["on"]


def test_flag_page__evaluate_as__value_variation_and_reason(demo: Console) -> None:
    params = {"environment": "production", "context": '{"key": "user-42"}'}
    html = demo.client.get(PAGE, params=params).text
    assert "<dt>Value</dt><dd><code>true</code></dd>" in html
    assert "TARGET_MATCH" in html
    bad = demo.client.get(PAGE, params={"context": "[1"})
    assert bad.status_code == 200 and "is not JSON" in bad.text


def test_flag_page__release_names_the_flag__linked(demo: Console) -> None:
    html = demo.client.get("/projects/demo/flags/recommendations-model").text
    assert 'href="/projects/demo/releases/recommendations-v2"' in html


def test_flag_page__unknown_flag_or_environment__html_404(demo: Console) -> None:
    assert demo.client.get("/projects/demo/flags/nope").status_code == 404
    answer = demo.client.get(PAGE, params={"environment": "mars"})
    assert answer.status_code == 404 and "text/html" in answer.headers["content-type"]


def test_flag_page__release_rolling_out__says_it_controls_the_flag(demo: Console) -> None:
    # Given the demo's release rolling out in production (how it gets there is the
    # release pages' subject)
    with demo.store.write() as session:
        row = session.scalars(select(Release).where(Release.key == "recommendations-v2")).one()
        row.state, row.stage = "rolling_out", 0
    url = "/projects/demo/flags/recommendations-model"
    production = demo.client.get(url, params={"environment": "production"}).text
    assert "notice--release" in production and "is rolling out in production" in production
    staging = demo.client.get(url, params={"environment": "staging"}).text
    assert "notice--release" not in staging


def test_flag_page__script_in_a_name__rendered_as_text(demo: Console) -> None:
    name = "<script>alert(1)</script>"
    definitions.create_flag(demo.store, SYSTEM, "demo", {"key": "xss", "name": name})
    for url in ("/projects/demo/flags/xss", "/projects/demo/flags?q=xss"):
        html = demo.client.get(url).text
        assert name not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_flag_page__rules__link_to_the_rule_editor_which_answers(demo: Console) -> None:
    html = demo.client.get(PAGE, params={"environment": "production"}).text
    editor = f"{PAGE}/environments/production/rules"
    assert f'href="{editor}"' in html
    assert demo.client.get(editor).status_code == 200
