"""A bulk batch is paced to plex.tv's rate limit with no margin beyond its own read: one slot
per request, and a batch run by a real worker draws no 429."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sharing import matrix
from sharing.models import Operation, OperationBatch
from sharing.operations import batch_reads
from tests.matrix.conftest import KIDS, library, run_all

RATE = 2  # requests per second: plexsim's bucket then holds two, so an unpaced batch trips it


@pytest.fixture(autouse=True)
def no_batch_reads():  # type: ignore[no-untyped-def]
    batch_reads.clear()
    yield
    batch_reads.clear()


def test_the_pace_is_the_rate_limit_with_two_percent_for_the_timer(settings) -> None:
    settings.PLEXTV_RATE_LIMIT = 10
    assert matrix.pace_seconds() == pytest.approx(0.102)


def test_the_second_operation_waits_a_slot_for_the_batchs_read() -> None:
    # The first operation sends two requests (the server's shares, then its write).
    assert matrix.countdowns(["den"] * 4, 0.1) == [0.0, 0.2, 0.3, 0.4]
    assert matrix.countdowns(["den"], 0.1) == [0.0]
    assert matrix.countdowns([], 0.1) == []


def test_each_servers_first_operation_leaves_a_slot_for_its_read() -> None:
    # A batch over two servers (an access profile applied) reads each server's shares once.
    assert matrix.countdowns(["den", "cabin", "den", "cabin"], 0.1) == [0.0, 0.2, 0.4, 0.5]


def grant_kids(owner: Any, den: Any, key: str) -> OperationBatch:
    response = owner.client.post(
        f"/matrix/{den.pk}/bulk/apply/",
        {"library": library(KIDS).pk, "action": "grant", "audience": "friends", "key": key},
    )
    assert response.status_code in (200, 302)
    return OperationBatch.objects.get()


def throttled(plexsim: Any) -> list[dict[str, Any]]:
    return [r for r in plexsim.requests() if r["status"] == 429]


def wait_until_finished(batch: OperationBatch, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not batch.operations.exclude(state__in=(Operation.SUCCEEDED, Operation.FAILED)).exists():
            return
        time.sleep(0.1)
    raise AssertionError("the batch did not finish")


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_paced_batch_on_a_worker_gets_no_429(
    owner, den, plexsim, settings, celery_worker_on_broker
) -> None:
    settings.PLEXTV_RATE_LIMIT = RATE
    settings.BULK_PACE_SECONDS = None
    plexsim.set_rate_limit(RATE)
    plexsim.clear_requests()
    batch = grant_kids(owner, den, "e" * 32)
    assert batch.operations.count() == 3
    wait_until_finished(batch)
    assert batch.operations.filter(state=Operation.SUCCEEDED).count() == 3
    assert len(plexsim.requests()) == 4  # the server's shares once, then one write each
    assert throttled(plexsim) == []


def test_the_same_batch_unpaced_is_throttled(owner, den, plexsim, settings) -> None:
    """The check above means something: sent at once, the same requests draw a 429."""
    settings.BULK_PACE_SECONDS = 0
    plexsim.set_rate_limit(RATE)
    batch = grant_kids(owner, den, "f" * 32)
    plexsim.clear_requests()
    run_all(batch.operations.order_by("pk"))
    assert throttled(plexsim)


def test_a_batchs_countdowns_count_from_its_first_message(monkeypatch) -> None:
    """Publishing a long batch takes a while; its pace must not stretch by that while."""
    from sharing import operations

    clock = iter([100.0, 100.3, 100.9])
    monkeypatch.setattr(operations.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(operations, "_first_published", {})
    assert operations._due_in(7, 0.0) == 0.0
    assert operations._due_in(7, 0.5) == pytest.approx(0.2)
    assert operations._due_in(7, 0.5) == 0.0  # already due: sent at once, never early
    assert operations._due_in(None, 0.5) == 0.5  # a lone operation keeps its countdown
