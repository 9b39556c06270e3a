"""Steps that several browser journeys take, as a person would: by labels, roles and
visible text, never through the services or the API."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

FLAG = "free-shipping"
RULE_SAVED = "Saved: the rules are live in production."


def sign_in(page: Page, token: str) -> None:
    """From the sign-in page, with the admin token, to the overview."""
    page.goto("/sign-in")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def evaluate(page: Page, context: dict[str, str]) -> tuple[str, str]:
    """Evaluate as ``context`` on a flag's page, its key in the targeting key field and
    each other attribute in a row: the value and the reason shown."""
    page.get_by_label("Targeting key").fill(context["key"])
    attributes = [(name, value) for name, value in context.items() if name != "key"]
    for number, (name, value) in enumerate(attributes, 1):
        page.get_by_label(f"Attribute {number} name").fill(name)
        page.get_by_label(f"Attribute {number} value").fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name="Evaluate in production").click()
    result = page.locator(".evaluation")
    expect(result).to_be_visible()
    value = result.locator("dd").nth(0).inner_text().strip()
    reason = result.locator("dd").nth(2).inner_text().strip()
    return value, reason


def choose(select: Locator, value: str) -> None:
    """Choose the option of ``select`` that shows ``value`` (as its value or its name)."""
    texts = select.locator("option").all_inner_texts()
    found = [t for t in texts if t.strip().lower().split(" ")[0] in (value, f'"{value}"')]
    assert found, f"no option shows {value!r}: {texts}"
    select.select_option(label=found[0])


def quickstart(page: Page) -> None:
    """The quickstart: create a flag, in production serve ``true`` to `@example.com`
    addresses by a rule and ``false`` to everyone else, turn it on, and check both with
    evaluate-as. Starts signed in, anywhere in the console."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Flags").click()
    page.get_by_role("link", name="Create a flag").click()
    page.get_by_label("Key").fill(FLAG)
    page.get_by_label("Name").fill("Free shipping")
    page.get_by_role("button", name="Create flag").click()
    expect(page.get_by_role("heading", level=1, name="Free shipping")).to_be_visible()

    page.get_by_role("navigation", name="Environments").get_by_role(
        "link", name="production"
    ).click()
    page.get_by_role("button", name="Turn on in production").click()
    expect(page.get_by_role("button", name="Turn off in production")).to_be_visible()
    page.get_by_label("one variation").check()
    choose(page.get_by_label("Variation", exact=True), "false")
    page.get_by_role("button", name="Save fallthrough").click()

    page.get_by_role("link", name="Edit the rules in production").click()
    page.get_by_role("button", name="Add a rule").click()
    rule = page.get_by_role("group", name="Rule 1", exact=True)
    if rule.get_by_role("group", name="Condition 1").count() == 0:
        rule.get_by_role("button", name="Add a condition to rule 1").click()
    rule.get_by_label("Attribute", exact=True).fill("email")
    rule.get_by_label("Operator").select_option("ends_with")
    rule.get_by_label("Values").fill("@example.com")
    rule.get_by_label("A variation").check()
    choose(rule.get_by_label("Variation", exact=True), "true")
    page.get_by_role("button", name="Save rules").first.click()
    expect(page.get_by_text(RULE_SAVED)).to_be_visible()

    page.get_by_role("link", name="Free shipping").click()
    page.get_by_role("navigation", name="Environments").get_by_role(
        "link", name="production"
    ).click()
    matching = evaluate(page, {"key": "user-2", "email": "bob@example.com"})
    assert matching[0] == "true" and matching[1].startswith("RULE_MATCH"), matching
    other = evaluate(page, {"key": "user-1", "email": "ana@acme.example"})
    assert other[0] == "false" and other[1].startswith("FALLTHROUGH"), other
