"""Real answers of the insights' routes (the DORA and release measures, the timeline,
incidents), for tests/api/test_views.py: read over HTTP from the views' world."""

from __future__ import annotations

from typing import Any

from .views_world import PROJECT, World

BASE = f"/api/v1/projects/{PROJECT}"
PERIOD = {"from": "2026-01-01T00:00:00Z", "to": "2026-12-31T00:00:00Z", "grain": "month"}


def _http(w: World, method: str, path: str, **kw: Any) -> Any:
    answer = w.api.request(method, path, None, **kw)
    assert answer.status_code < 300, answer.text
    return answer.json()


def _incidents(w: World) -> list[Any]:
    body = {"title": "Checkout errors", "severity": "sev2", "started_at": "2026-03-01T10:00:00Z"}
    made = _http(w, "POST", f"{BASE}/incidents", json=body)
    ended = _http(w, "POST", f"{BASE}/incidents/{made['id']}/end",
                  json={"ended_at": "2026-03-01T11:00:00Z", "resolution": "fix"})  # fmt: skip
    return [made, ended, _http(w, "GET", f"{BASE}/incidents/{made['id']}")]


def _webhook(w: World) -> list[Any]:
    opened = {"id": "pd-1", "title": "Latency", "started_at": "2026-04-01T09:00:00Z"}
    resolved = {"id": "pd-1", "status": "resolved", "ended_at": "2026-04-01T09:30:00Z"}
    return [
        _http(w, "POST", f"{BASE}/incidents/webhook", json=opened),
        _http(w, "POST", f"{BASE}/incidents/webhook", json=resolved),
    ]


INSIGHTS_SERVED = {
    "DoraView": lambda w: [_http(w, "GET", f"{BASE}/insights/dora", params=PERIOD)],
    "ReleaseMeasuresView": lambda w: [_http(w, "GET", f"{BASE}/insights/releases", params=PERIOD)],
    "TimelinePage": lambda w: [_http(w, "GET", f"{BASE}/timeline", params={"limit": 5})],
    "IncidentView": _incidents,
    "IncidentPage": lambda w: [(_incidents(w), _http(w, "GET", f"{BASE}/incidents"))[1]],
    "WebhookAnswer": _webhook,
}
