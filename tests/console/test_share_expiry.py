"""Access expiry: the beat task turns an expired share into a "stop sharing" operation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from sharing import operations
from sharing.models import AuditEvent, Operation, Share
from sharing.operations.expiry import describe, expiry_key
from sharing.tasks import expire_shares
from tests.console.conftest import CABIN, DEN, operations_for, plex_writes, share_of, sim_share

pytestmark = pytest.mark.django_db


def expire(share: Share, delta: timedelta) -> Share:
    share.expires_at = timezone.now() + delta
    share.save(update_fields=["expires_at"])
    return share


def tick(capture) -> list[int]:  # type: ignore[no-untyped-def]
    """One beat tick; the operations' task messages are captured, not sent."""
    with capture(execute=False):
        result = expire_shares()
    submitted: list[int] = result["submitted"]  # type: ignore[assignment]
    return submitted


def test_it_is_scheduled_every_five_minutes_by_default() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["expire_shares"]
    assert entry["task"] == "sharing.console_tasks.expire_shares"
    assert str(entry["schedule"]) == str(crontab(minute="*/5"))
    assert "SCHEDULE_EXPIRE_SHARES=*/5 * * * *" in (settings.BASE_DIR / ".env.example").read_text()


def test_an_expired_share_is_stopped_at_plexsim_once_the_operation_runs(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    cabin = expire(share_of("chen.li", CABIN), timedelta(minutes=-1))
    shared_id = cabin.shared_server_id
    assert shared_id is not None
    [op_id] = tick(django_capture_on_commit_callbacks)

    op = Operation.objects.get(pk=op_id)
    assert (op.kind, op.target_type, op.target_id) == ("share.stop", "share", str(cabin.pk))
    assert op.actor is None
    assert cabin.expires_at is not None
    assert op.idempotency_key == expiry_key(cabin.pk, cabin.expires_at)
    assert plex_writes(plexsim) == []  # nothing reaches plex.tv before the worker runs it
    assert sim_share(plexsim, shared_id) is not None

    assert operations.execute(op_id).state == Operation.SUCCEEDED
    assert sim_share(plexsim, shared_id) is None
    assert not Share.objects.filter(pk=cabin.pk).exists()
    assert share_of("chen.li", DEN).pk  # the other server stays shared
    expired = AuditEvent.objects.get(action="share.expired")
    assert (expired.source, expired.actor, expired.target_id) == ("system", None, str(cabin.pk))
    assert expired.target_label == "chen.li on Cabin NAS"
    stopped = AuditEvent.objects.get(action="share.stop")
    assert (stopped.source, stopped.result) == ("system", AuditEvent.OK)


def test_shares_not_yet_expired_are_left_alone(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    later = expire(share_of("chen.li", CABIN), timedelta(minutes=5))
    assert tick(django_capture_on_commit_callbacks) == []
    assert not Operation.objects.exists()
    assert not AuditEvent.objects.filter(action="share.expired").exists()
    assert sim_share(plexsim, later.shared_server_id) is not None


def test_a_pending_operation_on_the_share_defers_the_expiry(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    cabin = expire(share_of("chen.li", CABIN), timedelta(hours=-1))
    edit = Operation.objects.create(
        kind="share.edit",
        target_type=Operation.TARGET_SHARE,
        target_id=str(cabin.pk),
        idempotency_key="pending-edit-0001",
    )
    assert tick(django_capture_on_commit_callbacks) == []
    assert [op.kind for op in operations_for(cabin)] == ["share.edit"]

    Operation.objects.filter(pk=edit.pk).update(state=Operation.SUCCEEDED)
    assert len(tick(django_capture_on_commit_callbacks)) == 1
    assert sorted(op.kind for op in operations_for(cabin)) == ["share.edit", "share.stop"]


def test_a_pending_removal_of_the_person_defers_the_expiry(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    cabin = expire(share_of("chen.li", CABIN), timedelta(hours=-1))
    Operation.objects.create(
        kind="friend.remove",
        target_type=Operation.TARGET_USER,
        target_id=str(cabin.user_id),
        idempotency_key="pending-remove-0001",
    )
    assert tick(django_capture_on_commit_callbacks) == []
    assert operations_for(cabin) == []


def test_two_ticks_submit_one_operation(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    cabin = expire(share_of("chen.li", CABIN), timedelta(seconds=-30))
    first = tick(django_capture_on_commit_callbacks)
    second = tick(django_capture_on_commit_callbacks)
    assert len(first) == 1
    assert second == []
    assert len(operations_for(cabin)) == 1
    assert AuditEvent.objects.filter(action="share.expired").count() == 1


def test_a_failed_removal_is_not_submitted_again_until_retried_or_the_date_moves(
    owner, synced, plexsim, django_capture_on_commit_callbacks, settings
) -> None:
    settings.OPERATION_MAX_ATTEMPTS = 1
    cabin = expire(share_of("chen.li", CABIN), timedelta(minutes=-2))
    [op_id] = tick(django_capture_on_commit_callbacks)
    plexsim.add_fault(action="status", method="DELETE", status=503)
    assert operations.execute(op_id).state == Operation.FAILED
    assert tick(django_capture_on_commit_callbacks) == []
    html = owner.client.get(f"/people/{cabin.user_id}/").content.decode()
    assert "expired, removal failed" in html
    assert f"/people/operations/{op_id}/retry/" in html

    expire(cabin, timedelta(minutes=-1))  # a new date is a new decision
    assert len(tick(django_capture_on_commit_callbacks)) == 1


def test_an_expired_share_already_removed_at_plex_tv_ends_cleanly(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    cabin = expire(share_of("chen.li", CABIN), timedelta(days=-1))
    plexsim.mutate(op="remove_share", shareId=cabin.shared_server_id)
    [op_id] = tick(django_capture_on_commit_callbacks)
    outcome = operations.execute(op_id)
    assert outcome.state == Operation.SUCCEEDED
    assert not Share.objects.filter(pk=cabin.pk).exists()
    # Gone locally before the worker ran (a sync, say): the operation still ends well.
    den = expire(share_of("chen.li", DEN), timedelta(days=-1))
    [second] = tick(django_capture_on_commit_callbacks)
    Share.objects.filter(pk=den.pk).delete()
    assert operations.execute(second).message == "The share was already gone."


def test_the_people_list_and_person_page_say_when_access_ends(
    owner, synced, django_capture_on_commit_callbacks
) -> None:
    expire(share_of("chen.li", CABIN), timedelta(days=3, minutes=5))
    expire(share_of("alex.rivera", DEN), timedelta(minutes=-3))
    people = owner.client.get("/people/").content.decode()
    assert "expires in 3 days" in people
    assert "expired, removing…" in people
    chen = share_of("chen.li", CABIN).user_id
    assert "expires in 3 days" in owner.client.get(f"/people/{chen}/").content.decode()
    alex = share_of("alex.rivera", DEN).user_id
    assert "expired, removing…" in owner.client.get(f"/people/{alex}/").content.decode()


def test_the_expiry_reads_in_words() -> None:
    now = timezone.now()
    assert describe(None, now) is None
    assert describe(now + timedelta(days=3, hours=2), now).text == "expires in 3 days"  # type: ignore[union-attr]
    assert describe(now + timedelta(hours=5), now).text == "expires in 5 hours"  # type: ignore[union-attr]
    gone = describe(now, now)
    assert gone is not None
    assert gone.expired
    assert gone.text == "expired, removing…"
