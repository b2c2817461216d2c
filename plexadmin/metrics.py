"""Prometheus metrics at ``/metrics``, collected when Prometheus scrapes.

Why collected at scrape time rather than kept in each process: web runs as several gunicorn
processes, and workers run in other containers or on other hosts. Per-process counters would
give each scrape one process's share, and prometheus-client's multiprocess mode needs every
process on one host writing one directory under distinct process ids, which containers break
(each has its own pid namespace). So:

* events — HTTP requests by view, plex.tv exchanges by endpoint and answer — are added to shared
  counters: Redis hashes when Redis is configured, otherwise a small SQLite file under ``var/``
  that every local process writes (the embedded mode runs on one machine);
* everything else — operations, queue depth, sync runs, heartbeats — is read from the database
  and the broker at scrape time.

Any web process therefore answers for the whole installation, the same numbers whichever one a
load balancer picks. Recording only happens while metrics are enabled (a token or an allow-list
is configured); a failing store is logged and never fails the request or the plex.tv call.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from plexadmin.celery import app as celery_app
from plextv.observe import Exchange

log = logging.getLogger(__name__)

HTTP_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SYNC_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# A path segment that names a kind of thing (shared_servers, devices.xml, v2), not one thing.
_WORD_SEGMENT = re.compile(r"^(?=.{1,40}$)[A-Za-z_][A-Za-z_.]*[0-9]{0,2}$")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


# --- Shared counters ------------------------------------------------------------------------


class CounterStore(Protocol):
    def add(self, items: Iterable[tuple[str, str, float]]) -> None: ...

    def read(self, family: str) -> dict[str, float]: ...


class RedisCounters:
    """One Redis hash per family; fields are the JSON list of label values."""

    def _client(self) -> Any:
        return cache._cache.get_client(write=True)  # type: ignore[attr-defined]

    def _key(self, family: str) -> str:
        return cache.make_key(f"metrics:{family}")

    def add(self, items: Iterable[tuple[str, str, float]]) -> None:
        pipe = self._client().pipeline(transaction=False)
        for family, labels, amount in items:
            pipe.hincrbyfloat(self._key(family), labels, amount)
        pipe.execute()

    def read(self, family: str) -> dict[str, float]:
        raw = self._client().hgetall(self._key(family))
        return {key.decode(): float(value) for key, value in raw.items()}


class SQLiteCounters:
    """The embedded mode's counters: a SQLite file of its own, so it never locks the app's."""

    _local = threading.local()

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connection(self) -> sqlite3.Connection:
        connections: dict[Path, sqlite3.Connection] = self._local.__dict__.setdefault("by", {})
        conn = connections.get(self.path)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS counters (family TEXT, labels TEXT, value REAL,"
                " PRIMARY KEY (family, labels))"
            )
            connections[self.path] = conn
        return conn

    def add(self, items: Iterable[tuple[str, str, float]]) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT INTO counters (family, labels, value) VALUES (?, ?, ?)"
                " ON CONFLICT (family, labels) DO UPDATE SET value = value + excluded.value",
                list(items),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def read(self, family: str) -> dict[str, float]:
        rows = self._connection().execute(
            "SELECT labels, value FROM counters WHERE family = ?", (family,)
        )
        return dict(rows.fetchall())


def store() -> CounterStore:
    if settings.REDIS_URL:
        return RedisCounters()
    return SQLiteCounters(Path(settings.METRICS_SQLITE_PATH))


def labels_key(*values: str) -> str:
    return json.dumps(values)


_last_store_warning = 0.0


def _add(items: list[tuple[str, str, float]]) -> None:
    global _last_store_warning
    try:
        store().add(items)
    except Exception:
        # Once a minute per process: a store outage must not flood the log it is part of.
        now = time.monotonic()
        if now - _last_store_warning > 60:
            _last_store_warning = now
            log.warning("metrics: could not record to the counter store", exc_info=True)


# --- Recording ------------------------------------------------------------------------------


def bucket_for(seconds: float, buckets: tuple[float, ...]) -> str:
    for bound in buckets:
        if seconds <= bound:
            return str(bound)
    return "+Inf"


def record_request(view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"
    _add(
        [
            ("http_requests", labels_key(view, method, str(status)), 1),
            ("http_duration_bucket", labels_key(view, bucket_for(seconds, HTTP_BUCKETS)), 1),
            ("http_duration_sum", labels_key(view), seconds),
        ]
    )


class RequestMetricsMiddleware:
    """Counts every request by view name, method and status, and times it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.METRICS_ENABLED:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        view = match.view_name if match is not None else "unmatched"
        record_request(
            view, request.method or "", response.status_code, time.perf_counter() - started
        )
        return response


def endpoint_label(endpoint: str) -> str:
    """``GET /api/v2/shared_servers/123?x=1`` → ``GET /api/v2/shared_servers/{id}``.

    Ids, machine identifiers and anything else that names one thing become ``{id}``, so the
    number of series stays the number of endpoints; an endpoint that is not a path (a media
    server's own URL) is ``METHOD other``.
    """
    method, _, rest = endpoint.partition(" ")
    method = method if method in METHODS else "other"
    if not rest.startswith("/"):
        return f"{method} other"
    path = rest.split("?", 1)[0]
    segments = [s if not s or _WORD_SEGMENT.match(s) else "{id}" for s in path.split("/")]
    return f"{method} {'/'.join(segments)}"


def answer_label(exchange: Exchange) -> str:
    if exchange.status is not None:
        return str(exchange.status)
    return _CAMEL.sub("_", exchange.failure or "no_answer").lower()


def record_plextv(exchange: Exchange) -> None:
    """The plextv observer (installed by the app config)."""
    if not settings.METRICS_ENABLED:
        return
    endpoint = endpoint_label(exchange.endpoint)
    _add(
        [
            ("plextv_requests", labels_key(endpoint, answer_label(exchange)), 1),
            ("plextv_duration_sum", labels_key(endpoint), exchange.seconds),
        ]
    )


# --- Collecting -----------------------------------------------------------------------------


def _labels(key: str) -> list[str]:
    return [str(value) for value in json.loads(key)]


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0


class InstallationCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from self._http()
        yield from self._plextv()
        yield from self._operations()
        yield from self._queue()
        yield from self._sync_runs()
        yield from self._heartbeats()
        yield from self._breaker()

    def _http(self) -> Iterator[Metric]:
        counters = store()
        requests = CounterMetricFamily(
            "plexadmin_http_requests",
            "HTTP requests answered, by view, method and status.",
            labels=["view", "method", "status"],
        )
        for key, value in counters.read("http_requests").items():
            requests.add_metric(_labels(key), value)
        yield requests
        by_view: dict[str, dict[str, float]] = defaultdict(dict)
        for key, value in counters.read("http_duration_bucket").items():
            view, bound = _labels(key)
            by_view[view][bound] = value
        sums = {_labels(key)[0]: value for key, value in counters.read("http_duration_sum").items()}
        latency = HistogramMetricFamily(
            "plexadmin_http_request_duration_seconds",
            "Time to answer a request, by view.",
            labels=["view"],
        )
        for view, counts in sorted(by_view.items()):
            running = 0.0
            buckets: list[tuple[str, float]] = []
            for bound in [*(str(b) for b in HTTP_BUCKETS), "+Inf"]:
                running += counts.get(bound, 0.0)
                buckets.append((bound, running))
            latency.add_metric([view], buckets, sums.get(view, 0.0))
        yield latency

    def _plextv(self) -> Iterator[Metric]:
        counters = store()
        requests = CounterMetricFamily(
            "plexadmin_plextv_requests",
            "HTTP exchanges with plex.tv (every attempt), by endpoint and answer (status code, or "
            "why no answer came).",
            labels=["endpoint", "answer"],
        )
        totals: dict[str, float] = defaultdict(float)
        for key, value in counters.read("plextv_requests").items():
            endpoint, answer = _labels(key)
            requests.add_metric([endpoint, answer], value)
            totals[endpoint] += value
        yield requests
        timing = SummaryMetricFamily(
            "plexadmin_plextv_request_duration_seconds",
            "Time plex.tv took to answer, by endpoint.",
            labels=["endpoint"],
        )
        for key, seconds in counters.read("plextv_duration_sum").items():
            endpoint = _labels(key)[0]
            count = int(totals.get(endpoint, 0.0))
            timing.add_metric([endpoint], count_value=count, sum_value=seconds)
        yield timing

    def _operations(self) -> Iterator[Metric]:
        from sharing.models import Operation

        rows = GaugeMetricFamily(
            "plexadmin_operations",
            "Changes to plex.tv by kind and state (queued and running: now; the others: so far).",
            labels=["kind", "state"],
        )
        counts = Operation.objects.values_list("kind", "state").annotate(n=Count("id"))
        for kind, state, number in counts.order_by("kind", "state"):
            rows.add_metric([kind, state], number)
        yield rows
        oldest = Operation.objects.filter(state__in=Operation.PENDING_STATES).aggregate(
            at=Min("created_at")
        )["at"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "plexadmin_operations_oldest_pending_seconds",
            "Age of the oldest change still queued or running (0 when none).",
            value=age,
        )
        # Judged by the lease alone: the scrape may run on another machine than the worker,
        # so whether the holding process still exists cannot be checked here.
        abandoned = Operation.objects.filter(state=Operation.RUNNING).filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=timezone.now())
        )
        yield GaugeMetricFamily(
            "plexadmin_operations_abandoned",
            "Changes still marked running whose worker's lease ran out (the sweep takes them "
            "over; a lasting value means no worker is sweeping).",
            value=abandoned.count(),
        )

    def _queue(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "plexadmin_queue_messages",
            "Task messages waiting in the broker for a worker.",
            labels=["queue"],
        )
        queue = str(celery_app.conf.task_default_queue)
        try:
            depth.add_metric([queue], broker_queue_length(queue))
        except Exception:
            log.warning("metrics: could not read the broker's queue length", exc_info=True)
        yield depth

    def _sync_runs(self) -> Iterator[Metric]:
        from sharing.models import SyncRun

        runs = GaugeMetricFamily(
            "plexadmin_sync_runs",
            "Sync runs recorded, by outcome and what started them.",
            labels=["outcome", "triggered_by"],
        )
        counts = SyncRun.objects.values_list("outcome", "triggered_by").annotate(n=Count("id"))
        for outcome, trigger, number in counts.order_by("outcome", "triggered_by"):
            runs.add_metric([outcome, trigger], number)
        yield runs
        timed = SyncRun.objects.filter(duration__isnull=False)
        buckets = SYNC_BUCKETS
        aggregates = timed.aggregate(
            total=Count("id"),
            seconds=Sum("duration"),
            **{
                f"le{i}": Count("id", filter=Q(duration__lte=b)) for i, b in enumerate(SYNC_BUCKETS)
            },
        )
        cumulative = [(str(b), float(aggregates[f"le{i}"])) for i, b in enumerate(buckets)]
        cumulative.append(("+Inf", float(aggregates["total"])))
        duration = HistogramMetricFamily(
            "plexadmin_sync_duration_seconds", "How long finished sync runs took."
        )
        duration.add_metric([], cumulative, float(aggregates["seconds"] or 0.0))
        yield duration
        last = GaugeMetricFamily(
            "plexadmin_sync_last_finished_timestamp_seconds",
            "When the last sync run with each outcome finished (Unix time).",
            labels=["outcome"],
        )
        finished = SyncRun.objects.filter(finished_at__isnull=False).values_list("outcome")
        for outcome, at in finished.annotate(at=Max("finished_at")).order_by("outcome"):
            last.add_metric([outcome], _timestamp(at))
        yield last

    def _heartbeats(self) -> Iterator[Metric]:
        from plexadmin.models import Heartbeat

        beats = GaugeMetricFamily(
            "plexadmin_heartbeat_timestamp_seconds",
            "Last sign of life (Unix time): 'beat' is the last task beat sent, 'worker' the last "
            "heartbeat task a worker ran, 'beat-start' and 'worker-start' when each started.",
            labels=["name"],
        )
        for name, seen_at in Heartbeat.objects.order_by("name").values_list("name", "seen_at"):
            beats.add_metric([name], _timestamp(seen_at))
        yield beats

    def _breaker(self) -> Iterator[Metric]:
        from accounts.breaker import plextv_status

        status = plextv_status()
        state = GaugeMetricFamily(
            "plexadmin_plextv_circuit_state",
            "The plex.tv circuit breaker: 1 for the state it is in (closed: calls go through; "
            "open: calls wait for the cool-down; half_open: one trial call is due or under way).",
            labels=["state"],
        )
        for name in ("closed", "open", "half_open"):
            state.add_metric([name], 1.0 if status.state == name else 0.0)
        yield state
        yield GaugeMetricFamily(
            "plexadmin_plextv_consecutive_failures",
            "plex.tv calls that failed in a row (the breaker opens at PLEXTV_BREAKER_FAILURES).",
            value=status.failures,
        )


def broker_queue_length(queue: str) -> int:
    """Messages waiting in `queue` on the configured broker (all priorities)."""
    if settings.REDIS_URL:
        client = cache._cache.get_client(write=False)  # type: ignore[attr-defined]
        # kombu keeps one list per priority step: "celery", "celery\x06\x163", …
        names = [queue, *(f"{queue}\x06\x16{step}" for step in (3, 6, 9))]
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.llen(name)
        return int(sum(pipe.execute()))
    folder = Path(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]))
    return sum(1 for _ in folder.glob(f"*.{queue}.msg"))


registry = CollectorRegistry(auto_describe=False)
registry.register(InstallationCollector())


# --- The endpoint ---------------------------------------------------------------------------


def _bearer(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _refusal(request: HttpRequest) -> HttpResponse | None:
    from accounts.ratelimit import client_ip

    networks = settings.METRICS_ALLOWED_NETWORKS
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            address = None
        if address is None or not any(address in ipaddress.ip_network(n) for n in networks):
            return HttpResponse("Not on the metrics allow-list.\n", status=403)
    token = settings.METRICS_TOKEN
    if token and not hmac.compare_digest(_bearer(request).encode(), token.encode()):
        response = HttpResponse("A bearer token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return None


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; 404 until METRICS_TOKEN or METRICS_ALLOWED_NETWORKS is set."""
    if not settings.METRICS_ENABLED:
        raise Http404("Metrics are not enabled.")
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
