"""/metrics: who may scrape it, and that each family counts what it says it counts."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

import plextv
from accounts.plex import client_config
from plexadmin import metrics
from plexadmin.celery import app as celery_app
from plexadmin.models import Heartbeat
from plexadmin.tasks import heartbeat
from sharing.models import Operation, SyncRun
from tests.factories import DEMO_ACCOUNTS
from tests.production.conftest import TOKEN

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, metric: str, **labels: str) -> float | None:  # type: ignore[type-arg]
    return samples.get((metric, tuple(sorted(labels.items()))))


def test_it_is_not_there_until_a_token_or_an_allow_list_is_set(client: Client) -> None:
    assert client.get("/metrics").status_code == 404


def test_it_asks_for_the_bearer_token(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
    right = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert "no-store" in right["Cache-Control"]


def test_it_refuses_post(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 405


def test_the_allow_list_uses_the_trusted_proxy_hop(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.METRICS_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 1
    allowed = client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"})
    # The client wrote 10.1.2.3 itself; the proxy appended the address it really came from.
    spoofed = client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3, 203.0.113.9"})
    assert allowed.status_code == 200
    assert spoofed.status_code == 403


def test_with_both_a_scrape_needs_both(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    metrics_on.METRICS_ALLOWED_NETWORKS = ["192.0.2.0/24"]
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403


def test_it_counts_requests_by_view_and_times_them(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    client.get("/")
    client.get("/")
    client.get("/no-such-page/")
    samples = scrape(client)
    total = "plexadmin_http_requests_total"
    assert value(samples, total, view="home", method="GET", status="200") == 2
    assert value(samples, total, view="unmatched", method="GET", status="404") == 1
    histogram = "plexadmin_http_request_duration_seconds"
    assert value(samples, f"{histogram}_count", view="home") == 2
    assert value(samples, f"{histogram}_bucket", view="home", le="+Inf") == 2
    assert value(samples, f"{histogram}_sum", view="home") > 0  # type: ignore[operator]
    small = value(samples, f"{histogram}_bucket", view="home", le="0.025")
    large = value(samples, f"{histogram}_bucket", view="home", le="10.0")
    assert small is not None
    assert large is not None
    assert small <= large <= 2


def test_it_records_nothing_while_disabled(client: Client, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.METRICS_SQLITE_PATH = tmp_path / "metrics.sqlite3"
    client.get("/healthz")
    assert metrics.store().read("http_requests") == {}


def test_it_counts_plextv_requests_by_endpoint_and_answer(
    client: Client, metrics_on, plexsim, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PLEXTV_BASE_URL = plexsim.url
    plexsim.add_fault(
        action="status", method="GET", path="/api/v2/user", status=429, times=1,
        headers={"Retry-After": "0"},
    )  # fmt: skip
    plex = plextv.PlexTV(client_config(), token=str(DEMO_ACCOUNTS["morgan"]["token"]))
    plex.account()
    plex.ping()
    samples = scrape(client)
    total = "plexadmin_plextv_requests_total"
    assert value(samples, total, endpoint="GET /api/v2/user", answer="429") == 1
    assert value(samples, total, endpoint="GET /api/v2/user", answer="200") == 1
    assert value(samples, total, endpoint="GET /api/v2/ping", answer="200") == 1
    timing = "plexadmin_plextv_request_duration_seconds_count"
    assert value(samples, timing, endpoint="GET /api/v2/user") == 2


@pytest.mark.parametrize(
    ("endpoint", "label"),
    [
        ("GET /api/v2/shared_servers/123?x=1", "GET /api/v2/shared_servers/{id}"),
        (
            "POST /api/servers/07b33a43085dc2635f0bb026696069991fae76dc/shared_servers",
            "POST /api/servers/{id}/shared_servers",
        ),
        ("GET /devices/42.xml", "GET /devices/{id}"),
        ("GET /devices/a1b2c3d4e5.xml", "GET /devices/{id}"),
        ("GET /api/v2/pins/link", "GET /api/v2/pins/link"),
        ("GET Morgan's Den history", "GET other"),
        ("BREW /api/v2/user", "other /api/v2/user"),
    ],
)
def test_endpoint_labels_name_endpoints_not_things(endpoint: str, label: str) -> None:
    assert metrics.endpoint_label(endpoint) == label


def test_it_shows_operations_by_kind_and_state(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    old = timezone.now() - timedelta(minutes=10)
    for n, (kind, state) in enumerate(
        [
            ("share.update", Operation.QUEUED),
            ("share.update", Operation.QUEUED),
            ("share.update", Operation.SUCCEEDED),
            ("invite.cancel", Operation.FAILED),
        ]
    ):
        Operation.objects.create(
            kind=kind, target_type="share", target_id=str(n), idempotency_key=f"k{n}",
            state=state, created_at=old,
        )  # fmt: skip
    samples = scrape(client)
    assert value(samples, "plexadmin_operations", kind="share.update", state="queued") == 2
    assert value(samples, "plexadmin_operations", kind="share.update", state="succeeded") == 1
    assert value(samples, "plexadmin_operations", kind="invite.cancel", state="failed") == 1
    age = value(samples, "plexadmin_operations_oldest_pending_seconds")
    assert age is not None
    assert 590 < age < 3600


def test_it_shows_sync_runs_and_their_durations(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    SyncRun.objects.create(outcome=SyncRun.SUCCEEDED, duration=3.0, finished_at=now)
    SyncRun.objects.create(outcome=SyncRun.SUCCEEDED, duration=45.0, finished_at=now)
    SyncRun.objects.create(outcome=SyncRun.FAILED, triggered_by=SyncRun.ADMIN, duration=0.5,
                           finished_at=now - timedelta(hours=1))  # fmt: skip
    SyncRun.objects.create(outcome=SyncRun.RUNNING)
    samples = scrape(client)
    runs = "plexadmin_sync_runs"
    assert value(samples, runs, outcome="succeeded", triggered_by="schedule") == 2
    assert value(samples, runs, outcome="failed", triggered_by="admin") == 1
    assert value(samples, runs, outcome="running", triggered_by="schedule") == 1
    histogram = "plexadmin_sync_duration_seconds"
    assert value(samples, f"{histogram}_bucket", le="1.0") == 1
    assert value(samples, f"{histogram}_bucket", le="5.0") == 2
    assert value(samples, f"{histogram}_bucket", le="+Inf") == 3
    assert value(samples, f"{histogram}_sum") == 48.5
    last = "plexadmin_sync_last_finished_timestamp_seconds"
    assert value(samples, last, outcome="succeeded") == pytest.approx(now.timestamp(), abs=1)


def test_it_shows_the_last_beat_tick_and_worker_heartbeat(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    beat = Heartbeat.record(Heartbeat.BEAT)
    worker = Heartbeat.record(Heartbeat.WORKER)
    samples = scrape(client)
    metric = "plexadmin_heartbeat_timestamp_seconds"
    assert value(samples, metric, name="beat") == pytest.approx(beat.seen_at.timestamp())
    assert value(samples, metric, name="worker") == pytest.approx(worker.seen_at.timestamp())


def test_it_counts_changes_whose_worker_lease_ran_out(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for n, expires in enumerate([now - timedelta(minutes=1), None, now + timedelta(minutes=2)]):
        Operation.objects.create(
            kind="share.update", target_type="share", target_id=str(n), idempotency_key=f"r{n}",
            state=Operation.RUNNING, lease_token=f"t{n}", lease_expires_at=expires,
        )  # fmt: skip
    samples = scrape(client)
    assert value(samples, "plexadmin_operations_abandoned") == 2


def test_it_shows_the_plextv_circuit_breaker(client: Client, metrics_on) -> None:  # type: ignore[no-untyped-def]
    from accounts.breaker import breaker

    samples = scrape(client)
    assert value(samples, "plexadmin_plextv_circuit_state", state="closed") == 1
    assert value(samples, "plexadmin_plextv_circuit_state", state="open") == 0
    guard = breaker()
    for _ in range(guard.threshold):
        guard.record_failure(TimeoutError("plex.tv did not answer"), trial=False)
    samples = scrape(client)
    assert value(samples, "plexadmin_plextv_circuit_state", state="closed") == 0
    assert value(samples, "plexadmin_plextv_circuit_state", state="open") == 1
    assert value(samples, "plexadmin_plextv_consecutive_failures") == guard.threshold


def test_queue_depth_counts_waiting_messages() -> None:
    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    assert metrics.broker_queue_length(queue) == 0
    heartbeat.apply_async(queue=queue)
    heartbeat.apply_async(queue=queue, priority=9)
    try:
        assert metrics.broker_queue_length(queue) == 2
    finally:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
    assert metrics.broker_queue_length(queue) == 0


def test_the_embedded_counters_add_up_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "metrics.sqlite3"
    code = (
        "import sys; from plexadmin.metrics import SQLiteCounters, labels_key;"
        "from pathlib import Path; store = SQLiteCounters(Path(sys.argv[1]));"
        "[store.add([('f', labels_key('a'), 1)]) for _ in range(300)]"
    )
    env_code = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'plexadmin.settings'); django.setup();"  # noqa: E501
    processes = [
        subprocess.Popen([sys.executable, "-c", env_code + code, str(path)], cwd=ROOT)
        for _ in range(3)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0]
    assert metrics.SQLiteCounters(path).read("f") == {'["a"]': 900.0}
