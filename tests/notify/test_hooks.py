"""Each source that exists today raises its event once, where the fact becomes true."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import PlexAccount
from notify import events, watchdog
from notify.models import Event
from plexadmin.models import Heartbeat
from sharing import operations
from sharing.models import Operation, PlexUser, Share, SyncRun
from sharing.operations.expiry import submit_expired
from sharing.sync.runs import run_sync
from tests.console.conftest import person, share_of
from tests.notify.conftest import deliver_all, email_channel

pytestmark = pytest.mark.django_db

ALEX, ALEX_SHARE = 1001010, 30006


def submit(kind: str, target_type: str, target: object, label: str) -> Operation:
    op, _ = operations.submit(kind, target_type, target, {"label": label}, None, f"k-{kind}")
    return op


def test_removing_a_friend_tells_once_even_when_the_operation_runs_again(
    owner,
    synced,
    smtp_sink,
) -> None:
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    alex = person("alex.rivera")
    op = submit("friend.remove", Operation.TARGET_USER, alex.pk, "alex.rivera")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    # A retried or redelivered operation finds the person gone and runs the handler again.
    Operation.objects.filter(pk=op.pk).update(state=Operation.QUEUED)
    operations.execute(op.pk)
    [event] = Event.objects.all()
    assert event.key == f"person.removed:op-{op.pk}"
    assert event.person_id == alex.pk
    deliver_all()
    assert [m["Subject"] for m in smtp_sink.messages] == [
        "[plexadmin] alex.rivera was removed from every server"
    ]


def test_removing_a_managed_user_from_home_is_told(owner, synced) -> None:
    managed = PlexUser.objects.filter(kind=PlexUser.MANAGED).first()
    assert managed is not None
    op = submit("home.remove", Operation.TARGET_USER, managed.pk, managed.display_name)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    [event] = Event.objects.all()
    assert event.type == events.PERSON_REMOVED
    assert event.context["where"] == "your Home"


def test_a_failed_removal_tells_that_the_change_failed_not_that_they_left(
    owner,
    synced,
    plexsim,
) -> None:
    plexsim.add_fault(action="status", status=400, method="DELETE", path="/api/v2/sharings/*")
    alex = person("alex.rivera")
    op = submit("friend.remove", Operation.TARGET_USER, alex.pk, "alex.rivera")
    assert operations.execute(op.pk).state == Operation.FAILED
    [event] = Event.objects.all()
    assert event.type == events.OPERATION_FAILED
    assert event.context["what"] == "alex.rivera"
    assert event.context["kind"] == "Remove a friend"
    assert event.context["path"] == f"/people/operations/{op.pk}/"


def test_an_operation_given_up_after_crashes_is_told(owner, synced, settings) -> None:
    settings.OPERATION_MAX_ATTEMPTS = 1
    alex = person("alex.rivera")
    op = submit("friend.remove", Operation.TARGET_USER, alex.pk, "alex.rivera")
    Operation.objects.filter(pk=op.pk).update(state=Operation.RUNNING, attempts=1)
    operations.execute(op.pk)
    [event] = Event.objects.all()
    assert event.type == events.OPERATION_FAILED
    assert "Gave up after 1 attempts" in event.context["message"]


def test_an_expired_share_is_told_to_admins_and_to_the_person(
    owner,
    synced,
    smtp_sink,
) -> None:
    email_channel(owner.user, "morgan@example.com", [events.ACCESS_EXPIRED])
    share = share_of("alex.rivera")
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    submit_expired()
    submit_expired()  # the next beat tick
    [event] = Event.objects.all()
    assert event.type == events.ACCESS_EXPIRED
    assert event.person_id == share.user_id
    deliver_all()
    subjects = sorted(m["Subject"] for m in smtp_sink.messages)
    assert subjects == [
        "[plexadmin] Your access to Morgan's Den has ended",
        "[plexadmin] alex.rivera's access to Morgan's Den expired",
    ]
    assert smtp_sink.to("alex.rivera@example.com")[0]["Subject"].endswith("has ended")


def test_drift_found_by_the_sync_is_told_once(owner, household, plexsim) -> None:
    assert run_sync().outcome == "succeeded"
    plexsim.mutate(op="set_settings", userId=ALEX, settings={"allowSync": False})
    run_sync()
    run_sync()
    [event] = Event.objects.all()
    assert event.type == events.DRIFT_FOUND
    assert event.context["target"] == "alex.rivera on Morgan's Den"
    assert event.context["fields"] == "allow_sync"


def test_a_sync_failing_three_times_is_told(owner, household, plexsim, settings) -> None:
    settings.NOTIFY_SYNC_FAILURES = 3
    plexsim.add_fault(action="status", status=503, method="GET", path="/api/*")
    plexsim.add_fault(action="status", status=503, method="GET", path="/api/v2/*")
    outcomes = [run_sync().outcome for _ in range(3)]
    assert outcomes == [SyncRun.FAILED] * 3
    [event] = Event.objects.all()
    assert event.type == events.SYNC_FAILING
    assert event.context["count"] == 3


def test_the_owners_token_needing_a_relink_is_told_once(owner, household, co_admin) -> None:
    status = PlexAccount.TokenStatus
    household.owner.mark_token(status.NEEDS_RELINK, "401 Unauthorized")
    household.owner.mark_token(status.NEEDS_RELINK, "401 Unauthorized")
    stale = PlexAccount.objects.get(pk=household.owner.pk)
    stale.token_status = status.OK  # another process that had not seen the first mark
    stale.mark_token(status.NEEDS_RELINK, "401 again")
    co_admin.account.mark_token(status.NEEDS_RELINK, "401")
    [event] = Event.objects.all()
    assert event.type == events.TOKEN_RELINK
    assert event.context["account"] == "Morgan"
    household.owner.set_token("a-new-token-after-signing-in")
    household.owner.save()
    household.owner.mark_token(status.NEEDS_RELINK, "401 later")
    assert Event.objects.count() == 2


def test_beat_tells_that_no_worker_runs_and_sends_it_itself(owner, smtp_sink) -> None:
    email_channel(owner.user, "morgan@example.com", [events.SERVICE_DOWN])
    now = timezone.now()
    Heartbeat.objects.create(name=Heartbeat.BEAT, seen_at=now - timedelta(seconds=20))
    Heartbeat.objects.create(name=Heartbeat.WORKER, seen_at=now - timedelta(minutes=6))
    assert watchdog.check("beat", up_for=10, now=now) is None  # just started: give it time
    event = watchdog.check("beat", up_for=600, now=now)
    assert event is not None
    assert event.context["service"] == "worker"
    [message] = smtp_sink.messages  # sent by this process, not by the (dead) worker
    assert message["Subject"] == "[plexadmin] plexadmin's worker is not running"
    assert "last seen 6 minutes ago" in message.get_content()
    assert watchdog.check("beat", up_for=660, now=now + timedelta(minutes=1)) is None
    assert len(smtp_sink.messages) == 1


def test_a_worker_tells_that_beat_stopped(owner, smtp_sink) -> None:
    email_channel(owner.user, "morgan@example.com", [events.SERVICE_DOWN])
    now = timezone.now()
    Heartbeat.objects.create(name=Heartbeat.BEAT, seen_at=now - timedelta(seconds=30))
    Heartbeat.objects.create(name=Heartbeat.WORKER, seen_at=now - timedelta(seconds=30))
    assert watchdog.check("worker", up_for=600, now=now) is None
    Heartbeat.objects.filter(name=Heartbeat.BEAT).update(seen_at=now - timedelta(minutes=5))
    event = watchdog.check("worker", up_for=600, now=now)
    assert event is not None
    assert event.context["service"] == "beat"
    assert len(smtp_sink.messages) == 1
