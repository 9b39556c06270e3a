"""docs/deployments.md documents every route of the ledger, and every action it audits."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from premiere.api import create_app
from premiere.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "deployments.md").read_text()
LEDGER = ("deployments", "checks", "policy", "webhooks/github", "environment-matrix", "dark-code")
ACTION = re.compile(
    r"(deployment|check|environment_policy|webhook_secret)"
    r"\.(recorded|status_changed|rolled_back|created|updated|deleted)"
)
SERVICES = [
    "deployments/rows.py",
    "deployments/ledger.py",
    "deployments/checks.py",
    "deployments/promotion.py",
    "deployments/github.py",
]


def test_deployments_md__every_ledger_route__documented() -> None:
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    missing = []
    for path, operations in spec["paths"].items():
        if not any(word in path for word in LEDGER):
            continue
        short = path.removeprefix("/api/v1/projects/{project}")
        for method in operations:
            if f"`{method.upper()} {short}`" not in DOC:
                missing.append(f"{method.upper()} {short}")
    assert not missing, f"docs/deployments.md does not document {missing}"


def test_deployments_md__every_audit_action__documented() -> None:
    actions = set()
    for name in SERVICES:
        tree = ast.parse((ROOT / "src" / "premiere" / "services" / name).read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and ACTION.fullmatch(node.value)
            ):
                actions.add(node.value)
    assert len(actions) >= 8
    assert {action for action in actions if f"`{action}`" not in DOC} == set()
