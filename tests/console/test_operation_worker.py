"""Operations run by a real Celery worker on the configured broker, and the beat sweep."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from sharing.models import Operation, Share
from sharing.tasks import sweep_operations
from tests.console.conftest import operations_for, share_of, sim_share

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

MOVIES, MUSIC = 118181361, 118181363


def wait_until_finished(op_id: int, seconds: float = 20.0) -> Operation:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        op = Operation.objects.get(pk=op_id)
        if not op.pending:
            return op
        time.sleep(0.1)
    raise AssertionError(f"operation {op_id} still {Operation.objects.get(pk=op_id).state}")


def test_it_applies_an_edit_through_the_worker(
    owner, synced, edit_form, plexsim, celery_worker_on_broker
) -> None:
    share = share_of("alex.rivera")
    response = owner.client.post(
        f"/people/shares/{share.pk}/edit/", edit_form(share, libraries=[MOVIES, MUSIC])
    )
    assert response.status_code == 302
    [op] = operations_for(share)
    assert wait_until_finished(op.pk).state == Operation.SUCCEEDED
    assert sorted(sim_share(plexsim, share.shared_server_id)["sectionIds"]) == [MOVIES, MUSIC]
    share.refresh_from_db()
    assert sorted(share.libraries.values_list("global_id", flat=True)) == [MOVIES, MUSIC]


def test_the_sweep_enqueues_operations_whose_message_was_lost(
    owner, synced, plexsim, celery_worker_on_broker
) -> None:
    share = share_of("alex.rivera")
    long_ago = timezone.now() - timedelta(hours=1)
    lost = Operation.objects.create(
        kind="share.edit",
        target_type=Operation.TARGET_SHARE,
        target_id=str(share.pk),
        params={"label": "lost", "changes": {"libraries": [MUSIC]}, "before": {}},
        actor=owner.user,
        idempotency_key="lost-enqueue-0001",
        created_at=long_ago,
        updated_at=long_ago,
    )
    fresh = Operation.objects.create(
        kind="share.edit",
        target_type=Operation.TARGET_SHARE,
        target_id=str(share.pk),
        params={"label": "fresh", "changes": {"libraries": [MOVIES]}, "before": {}},
        idempotency_key="just-queued-0002",
    )

    assert sweep_operations() == {"reclaimed": 0, "requeued": 1}

    assert wait_until_finished(lost.pk).state == Operation.SUCCEEDED
    assert sim_share(plexsim, Share.objects.get(pk=share.pk).shared_server_id)["sectionIds"] == [
        MUSIC
    ]
    fresh.refresh_from_db()
    assert fresh.state == Operation.QUEUED
