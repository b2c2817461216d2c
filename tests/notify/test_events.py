"""emit(): once per key, queued on commit, never raising into the caller; and fan-out: each
event reaches the admins who asked for it and the person it concerns, once."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from accounts.models import Member
from notify import catalogue, delivery, events
from notify.models import Event, MemberNotices, Notification
from sharing.models import PlexUser
from tests.notify.conftest import deliver_all, email_channel

pytestmark = pytest.mark.django_db


def alex() -> PlexUser:
    return PlexUser.objects.create(
        plex_id=1001010, username="alex.rivera", email="alex.rivera@example.com", title="Alex"
    )


def test_it_records_an_event_once_per_key() -> None:
    first = events.emit(events.DRIFT_FOUND, key="s1", context={"target": "x"})
    again = events.emit(events.DRIFT_FOUND, key="s1", context={"target": "y"})
    assert first is not None
    assert again is None
    assert Event.objects.get().context == {"target": "x"}


def test_it_queues_the_fan_out_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            events.emit(events.DRIFT_FOUND, key="kept", context={})
        try:
            with transaction.atomic():
                events.emit(events.DRIFT_FOUND, key="rolled-back", context={})
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert len(callbacks) == 1
    assert list(Event.objects.values_list("key", flat=True)) == ["drift.found:kept"]


def test_it_never_breaks_the_callers_transaction() -> None:
    with transaction.atomic():
        broken = events.emit(events.DRIFT_FOUND, key="bad", context={"oops": object()})
        # The caller's transaction is still usable (PostgreSQL would refuse otherwise).
        ok = events.emit(events.DRIFT_FOUND, key="good", context={})
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert broken is None
    assert ok is not None


def test_it_refuses_an_unknown_event_type() -> None:
    with pytest.raises(ValueError, match="Unknown notification event"):
        events.emit("person.vanished", key="1")


def test_every_event_type_reads_well_with_or_without_its_values() -> None:
    import string

    for kind in catalogue.EVENT_TYPES.values():
        templates = [kind.subject, kind.body, kind.member_subject, kind.member_body]
        names = {n for t in templates for _, n, _, _ in string.Formatter().parse(t) if n}
        full = {name: "X" for name in names}
        for member in (False, True) if kind.member else (False,):
            assert "?" not in kind.subject_for(full, member=member) + kind.body_for(
                full, member=member
            )
            assert "{" not in kind.body_for({}, member=member)


def test_each_admin_hears_only_what_they_picked(owner, co_admin) -> None:
    mine = email_channel(owner.user, "morgan@example.com", [events.DRIFT_FOUND])
    email_channel(co_admin.user, "jamie@example.com", [events.PERSON_REMOVED])
    events.emit(events.DRIFT_FOUND, key="d1", context={})
    deliver_all()
    assert list(Notification.objects.values_list("channel_id", flat=True)) == [mine.pk]


def test_an_admin_who_lost_the_role_hears_nothing(owner, co_admin) -> None:
    email_channel(co_admin.user, "jamie@example.com", [events.DRIFT_FOUND])
    co_admin.user.member.set_role(Member.Role.MEMBER, owner.user)
    events.emit(events.DRIFT_FOUND, key="d1", context={})
    deliver_all()
    assert not Notification.objects.exists()


def test_fanning_out_twice_notifies_once(owner) -> None:
    email_channel(owner.user, "morgan@example.com", [events.DRIFT_FOUND])
    event = events.emit(events.DRIFT_FOUND, key="d1", context={})
    assert event is not None
    assert len(delivery.fan_out(event.pk)) == 1
    Event.objects.filter(pk=event.pk).update(fanned_out_at=None)  # a lost "done" mark
    assert delivery.fan_out(event.pk) == []
    assert Notification.objects.count() == 1


def test_the_person_concerned_is_emailed_about_their_own_access(owner, smtp_sink) -> None:
    person = alex()
    events.emit(
        events.ACCESS_EXPIRED,
        key="s1",
        person=person.pk,
        context={"person": "Alex", "server": "Morgan's Den", "expires_at": "2026-11-01"},
    )
    deliver_all()
    [message] = smtp_sink.to("alex.rivera@example.com")
    assert message["Subject"] == "[plexadmin] Your access to Morgan's Den has ended"
    body = message.get_content()
    assert "ask Morgan" in body
    assert "http" not in body  # no links into the admin pages


def test_members_hear_nothing_about_anyone_else(owner, smtp_sink) -> None:
    person = alex()
    events.emit(events.DRIFT_FOUND, key="d", person=person.pk, context={"target": "Alex"})
    events.emit(events.OPERATION_FAILED, key="o", person=person.pk, context={})
    deliver_all()
    assert smtp_sink.messages == []


def test_member_notices_follow_the_admins_choice(owner, smtp_sink) -> None:
    person = alex()
    assert events.PERSON_REMOVED not in MemberNotices.current().events
    events.emit(events.PERSON_REMOVED, key="r1", person=person.pk, context={})
    MemberNotices.objects.update(events=[events.PERSON_REMOVED])
    events.emit(events.PERSON_REMOVED, key="r2", person=person.pk, context={})
    deliver_all()
    [message] = smtp_sink.messages
    assert "removed from" in message.get_content()


def test_a_person_without_an_address_is_not_emailed(owner, smtp_sink) -> None:
    kid = PlexUser.objects.create(plex_id=77, title="Robin", kind=PlexUser.MANAGED)
    events.emit(events.ACCESS_EXPIRED, key="k", person=kid.pk, context={})
    deliver_all()
    assert smtp_sink.messages == []
    assert not Notification.objects.exists()


def test_the_sync_failing_is_told_once_per_streak(settings) -> None:
    from django.utils import timezone

    from sharing.models import SyncRun

    settings.NOTIFY_SYNC_FAILURES = 3

    def finished(outcome: str) -> SyncRun:
        run = SyncRun.objects.create(outcome=outcome, finished_at=timezone.now())
        events.emit(events.SYNC_FAILING, key=f"run-{run.pk}", context={"message": "503"})
        return run

    finished(SyncRun.FAILED)
    finished(SyncRun.FAILED)
    assert not Event.objects.exists()
    third = finished(SyncRun.FAILED)
    finished(SyncRun.FAILED)
    [told] = Event.objects.all()
    assert told.key == f"sync.failing:run-{third.pk}"
    assert told.context["count"] == 3
    finished(SyncRun.SUCCEEDED)
    for _ in range(3):
        finished(SyncRun.FAILED)
    assert Event.objects.count() == 2
