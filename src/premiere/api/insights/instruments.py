"""What the server counts as it runs, for ``/metrics``: requests, evaluations, streams,
the scheduler.

:class:`RequestMetrics` is a pure ASGI middleware: per request it reads the clock twice
and adds to plain counts kept per method, route template and status (a count, a sum and
the histogram's buckets, found in a dict after the first request of its kind). Requests
are counted on the event loop's one thread, so the counts need no lock; they become
Prometheus metrics only when scraped. The SDK's hot paths (OFREP, the flag document,
answered by api/sdk/fastpath.py before any routing) pay a few microseconds. The
latency is the time until the response starts, so that a stream held open for hours
counts as the moment it was opened.

:class:`ServerMetrics` holds them in a registry of the app's own (several apps in one
process, as in tests, do not share counts), with the gauges read when ``/metrics`` is
scraped: open SDK streams, the scheduler's ticks in this process, and what the store
knows (services/insights/gauges.py).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import accumulate
from typing import Any, Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from premiere.api.sdk.bulk import BULK_PATH
from premiere.api.sdk.fastpath import DOCUMENT_PATH, PREFIX
from premiere.services.insights.gauges import read_gauges
from premiere.store import Store

METRICS = "metrics"
"""``app.state`` attribute: the app's :class:`ServerMetrics`."""
ONE_FLAG = PREFIX + "{key}"
EVALUATIONS = {
    ONE_FLAG: "ofrep",
    BULK_PATH: "ofrep_bulk",
    "/api/v1/projects/{project}/environments/{environment}/evaluate/{flag}": "evaluate",
}
"""Route templates that evaluate flags on the server, and their ``endpoint`` label."""
UNMATCHED = "(unmatched)"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class SchedulerProgress(Protocol):
    """What the scheduler of this process says of itself (scheduler/loop.py)."""

    ticks: int
    last_tick_at: datetime | None


class _Series:
    """One method, route and status: requests, their latencies' sum, and how many fell
    in each bucket (not cumulative; the last is above every bound)."""

    __slots__ = ("buckets", "count", "endpoint", "total")

    def __init__(self, endpoint: str | None) -> None:
        self.count = 0
        self.total = 0.0
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.endpoint = endpoint


class ServerMetrics:
    """The app's registry, and the counts it reads when scraped."""

    def __init__(self, store: Callable[[], Store | None], streams: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.series: dict[tuple[str, str, int], _Series] = {}
        self.evaluations: dict[str, int] = {}
        self.scheduler: SchedulerProgress | None = None
        self.registry.register(_ScrapeCollector(self, store, streams))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """One request answered: count it, and its latency (on the event loop's thread)."""
        series = self.series.get((method, route, status))
        if series is None:
            endpoint = EVALUATIONS.get(route) if status == 200 else None
            series = self.series[(method, route, status)] = _Series(endpoint)
        series.count += 1
        series.total += seconds
        series.buckets[bisect_left(BUCKETS, seconds)] += 1
        if series.endpoint is not None:
            self.evaluations[series.endpoint] = self.evaluations.get(series.endpoint, 0) + 1

    def request_metrics(self) -> Iterator[Metric]:
        """The counts as Prometheus metrics: requests, latencies, evaluations."""
        labels = ["method", "route", "status"]
        requests = CounterMetricFamily(
            "premiere_http_requests",
            "HTTP requests answered, by method, route template and status.",
            labels=labels,
        )
        latency = HistogramMetricFamily(
            "premiere_http_request_duration_seconds",
            "Time until the response started, by method, route template and status.",
            labels=labels,
        )
        for (method, route, status), series in list(self.series.items()):
            values = [method, route, str(status)]
            requests.add_metric(values, series.count)
            cumulative = list(accumulate(series.buckets))
            bounds = [*(repr(bound) for bound in BUCKETS), "+Inf"]
            latency.add_metric(values, list(zip(bounds, cumulative, strict=True)), series.total)
        evaluations = CounterMetricFamily(
            "premiere_flag_evaluation_requests",
            "Flag evaluations answered (200) on the server, by endpoint: ofrep (one flag), "
            "ofrep_bulk (every flag, one request), evaluate (the admin API).",
            labels=["endpoint"],
        )
        for endpoint, count in list(self.evaluations.items()):
            evaluations.add_metric([endpoint], count)
        yield from (requests, latency, evaluations)


class RequestMetrics:
    """Pure ASGI middleware: every HTTP request into :meth:`ServerMetrics.observe`."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = False

        async def timing_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                seconds = time.perf_counter() - started
                self.metrics.observe(scope["method"], route_of(scope), message["status"], seconds)
            await send(message)

        try:
            await self.app(scope, receive, timing_send)
        except BaseException:
            if not answered:  # the server answers 500
                seconds = time.perf_counter() - started
                self.metrics.observe(scope["method"], route_of(scope), 500, seconds)
            raise


def route_of(scope: Scope) -> str:
    """The route template a request matched (``/api/v1/projects/{project}``); the SDK
    paths the fast path answers before routing; ``(unmatched)`` for anything else, so
    that unknown paths do not each become a series."""
    path: str = scope["path"]
    template = getattr(scope.get("route"), "path_format", None)
    if isinstance(template, str):
        return _prefix(path, template, scope.get("path_params") or {}) + template
    if path.startswith(PREFIX):
        return ONE_FLAG
    if path in (BULK_PATH, DOCUMENT_PATH):
        return path
    return UNMATCHED


def _prefix(path: str, template: str, params: dict[str, Any]) -> str:
    """What the routers a route is included in put before its template (``/api/v1``):
    FastAPI may keep a route as declared and match its routers' prefixes apart."""
    concrete = template
    for name, value in params.items():
        concrete = concrete.replace("{" + name + "}", str(value))
    return path[: len(path) - len(concrete)] if path.endswith(concrete) else ""


class _ScrapeCollector(Collector):
    """The gauges read at each scrape."""

    def __init__(
        self, metrics: ServerMetrics, store: Callable[[], Store | None], streams: Callable[[], int]
    ) -> None:
        self.metrics = metrics
        self.store = store
        self.streams = streams

    def describe(self) -> list[Metric]:
        return []  # read at each scrape: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        yield from self.metrics.request_metrics()
        yield GaugeMetricFamily(
            "premiere_sdk_streams_open", "SDK streams this process holds open.", self.streams()
        )
        scheduler = self.metrics.scheduler
        if scheduler is not None:
            yield CounterMetricFamily(
                "premiere_scheduler_ticks", "Ticks of the scheduler in this process (while it "
                "led) since the process started.", scheduler.ticks,
            )  # fmt: skip
            last = scheduler.last_tick_at
            yield GaugeMetricFamily(
                "premiere_scheduler_last_tick_timestamp_seconds",
                "When the scheduler in this process last ticked (Unix time; 0: not yet).",
                last.timestamp() if last is not None else 0.0,
            )
        store = self.store()
        if store is None:
            return
        for family in read_gauges(store):
            gauge = GaugeMetricFamily(family.name, family.documentation, labels=family.labels)
            for labels, value in family.samples.items():
                gauge.add_metric(list(labels), value)
            yield gauge
