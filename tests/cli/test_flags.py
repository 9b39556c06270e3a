"""`premiere flags ...` against a live server seeded with the demo project."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .conftest import Cli


def test_flags_list__demo__table_with_each_environment(run: Cli) -> None:
    result = run.ok("flags", "list", "--project", "demo")
    for word in ("new-checkout", "search-v2", "development", "production"):
        assert word in result.stdout
    assert "legacy-cart" not in result.stdout  # archived


def test_flags_list__json__pure_json_on_stdout(run: Cli) -> None:
    result = run.ok("flags", "list", "--json")
    flags = {flag["key"]: flag for flag in json.loads(result.stdout)}
    assert flags["new-checkout"]["environments"]["production"]["on"] is True
    assert flags["maintenance-banner"]["environments"]["production"]["on"] is False


def test_flags_list__archived__includes_archived_flags(run: Cli) -> None:
    result = run.ok("flags", "list", "--archived", "--json")
    archived = [f["key"] for f in json.loads(result.stdout) if f["archived"]]
    assert archived == ["legacy-cart"]
    assert "legacy-cart (archived)" in run.ok("flags", "list", "--archived").stdout


def test_flags_get__with_env__shows_rules_and_rollout(run: Cli) -> None:
    result = run.ok("flags", "get", "new-checkout", "--env", "production")
    assert "plan in enterprise" in result.stdout
    assert "true: 25 % / false: 75 %" in result.stdout
    assert "payments-v2" in result.stdout


def test_flags_get__unknown_flag__not_found_exit_code(run: Cli) -> None:
    result = run("flags", "get", "no-such-flag")
    assert result.exit_code == 3
    assert "no-such-flag" in result.stderr
    assert "[not_found]" in result.stderr
    assert result.stdout == ""


def test_flags_eval__enterprise_user_in_production__new_checkout_true(run: Cli) -> None:
    context = '{"key": "user-7", "plan": "enterprise"}'
    result = run.ok("flags", "eval", "new-checkout", "--env", "production", "--context", context,
                    "--json")  # fmt: skip
    evaluation = json.loads(result.stdout)
    assert evaluation["value"] is True
    assert evaluation["variation"] == 0
    assert evaluation["reason"]["kind"] == "RULE_MATCH"
    assert evaluation["reason"]["rule_id"] == "enterprise"


def test_flags_eval__human__shows_value_variation_reason(run: Cli) -> None:
    context = '{"key": "someone", "email": "ana@acme.example"}'
    result = run.ok("flags", "eval", "search-v2", "-e", "production", "-c", context)
    assert "semantic" in result.stdout
    assert "RULE_MATCH" in result.stdout


def test_flags_eval__bad_json_context__usage_exit_code(run: Cli) -> None:
    result = run("flags", "eval", "new-checkout", "--env", "production", "--context", "{key: 1}")
    assert result.exit_code == 2
    assert "--context is not valid JSON" in result.stderr


def test_flags_eval__context_not_an_object__usage_exit_code(run: Cli) -> None:
    result = run("flags", "eval", "new-checkout", "--env", "production", "--context", "[1]")
    assert result.exit_code == 2


def test_flags_lifecycle__create_switch_target_rule_eval_archive(run: Cli, tmp_path: Path) -> None:
    # Given a new string flag
    run.ok("flags", "create", "cli-banner-text", "--kind", "string", "--variation", "hello",
           "--variation", "hi", "--variation", "hey", "--tag", "web",
           "--client-visible")  # fmt: skip
    # When it is switched on in staging with a rule for staff and a target
    run.ok("flags", "on", "cli-banner-text", "--env", "staging")
    run.ok("flags", "add-rule", "cli-banner-text", "--env", "staging", "--segment", "staff",
           "--variation", "hey")  # fmt: skip
    run.ok("flags", "target", "cli-banner-text", "--env", "staging", "--index", "1",
           "--key", "user-5")  # fmt: skip
    run.ok("flags", "fallthrough", "cli-banner-text", "-e", "staging", "--rollout", "hello=100%")

    def value(context: str) -> object:
        result = run.ok("flags", "eval", "cli-banner-text", "-e", "staging", "-c", context,
                        "--json")  # fmt: skip
        return json.loads(result.stdout)["value"]

    # Then each audience gets its variation
    assert value('{"key": "user-5"}') == "hi"
    assert value('{"key": "x", "email": "bo@acme.example"}') == "hey"
    assert value('{"key": "x"}') == "hello"
    # and production is untouched (off: the off variation, the last one)
    prod = json.loads(
        run.ok("flags", "get", "cli-banner-text", "-e", "production", "--json").stdout
    )
    assert prod["on"] is False

    # When the staging config is exported, edited and put back
    config = json.loads(run.ok("flags", "get", "cli-banner-text", "-e", "staging", "--json").stdout)
    config["rules"] = []
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    run.ok("flags", "set-config", "cli-banner-text", "-e", "staging", "--file", str(config_file))
    assert value('{"key": "x", "email": "bo@acme.example"}') == "hello"
    # the same file again is stale now: version conflict
    stale = run("flags", "set-config", "cli-banner-text", "-e", "staging", "-f", str(config_file))
    assert stale.exit_code == 4, stale.stderr
    assert "version_conflict" in stale.stderr

    # When the rule-less flag is removed from targets and turned off
    run.ok("flags", "target", "cli-banner-text", "-e", "staging", "--key", "user-5", "--remove")
    run.ok("flags", "off", "cli-banner-text", "--env", "staging")
    result = run.ok("flags", "eval", "cli-banner-text", "-e", "staging", "-c", '{"key": "user-5"}',
                    "--json")  # fmt: skip
    assert json.loads(result.stdout)["reason"]["kind"] == "OFF"

    # archive and restore
    run.ok("flags", "archive", "cli-banner-text")
    archived = json.loads(run.ok("flags", "get", "cli-banner-text", "--json").stdout)
    assert archived["archived"] is True
    run.ok("flags", "restore", "cli-banner-text")
    updated = run.ok("flags", "update", "cli-banner-text", "--name", "Banner text", "--json")
    assert json.loads(updated.stdout)["name"] == "Banner text"


def test_flags_create__existing_key__conflict_exit_code(run: Cli) -> None:
    result = run("flags", "create", "new-checkout")
    assert result.exit_code == 4
    assert "already_exists" in result.stderr


def test_flags_create__number_flag_with_text_variation__usage_exit_code(run: Cli) -> None:
    result = run("flags", "create", "cli-bad-number", "--kind", "number", "--variation", "ten")
    assert result.exit_code == 2
    assert "not a valid number value" in result.stderr


def test_flags_add_rule__invalid_regex__validation_message_names_the_field(run: Cli) -> None:
    run.ok("flags", "create", "cli-regex-flag")
    result = run("flags", "add-rule", "cli-regex-flag", "-e", "testing", "-c", "email matches (",
                 "--variation", "true")  # fmt: skip
    assert result.exit_code == 1
    assert "validation_failed" in result.stderr
    assert "--clause: not a regular expression" in result.stderr  # the option, not rules[0]...


def test_flags_add_rule__unknown_segment__refused(run: Cli) -> None:
    run.ok("flags", "create", "cli-segment-flag")
    result = run("flags", "add-rule", "cli-segment-flag", "-e", "testing", "-s", "nobody",
                 "--variation", "true")  # fmt: skip
    assert result.exit_code != 0
    assert "nobody" in result.stderr


def test_flags_remove_rule__unknown_rule__usage_exit_code(run: Cli) -> None:
    result = run("flags", "remove-rule", "new-checkout", "no-such-rule", "-e", "production")
    assert result.exit_code == 2
    assert "enterprise" in result.stderr  # lists the rules there are


def test_flags_list__unknown_project__not_found(run: Cli) -> None:
    result = run("flags", "list", "--project", "nope")
    assert result.exit_code == 3


def test_flags_list__server_down__unreachable_exit_code_with_hint(run: Cli) -> None:
    result = run("flags", "list", "--project", "demo", PREMIERE_URL="http://127.0.0.1:9")
    assert result.exit_code == 5
    assert "premiere serve" in result.stderr
    assert "Traceback" not in result.output


def test_flags_list__wrong_token__auth_exit_code(run: Cli) -> None:
    result = run("flags", "list", "--project", "demo", PREMIERE_TOKEN="prm_0000000000000000_nope")
    assert result.exit_code == 6
    assert "unauthorized" in result.stderr


def test_flags_list__no_token__auth_exit_code(run: Cli) -> None:
    result = run("flags", "list", "--project", "demo", PREMIERE_TOKEN=None)
    assert result.exit_code == 6


class _HtmlEverywhere(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>Some other web site</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_flags_list__url_is_not_premiere__clear_error(run: Cli) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), _HtmlEverywhere) as other:
        thread = threading.Thread(target=other.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{other.server_address[1]}"
            result = run("flags", "list", PREMIERE_URL=url)
        finally:
            other.shutdown()
            thread.join()
    assert result.exit_code == 1
    assert "something other than JSON" in result.stderr
