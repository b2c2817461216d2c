"""Sending: one message per recipient and event, bursts as digests, failures retried and shown,
redelivery and crashes never sending twice where that is the channel's promise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notify import delivery, events
from notify.models import Channel, Delivery, Event, Notification
from tests.notify.conftest import apprise_channel, deliver_all, email_channel

pytestmark = pytest.mark.django_db


def removed(n: int, person: int | None = None) -> None:
    events.emit(
        events.PERSON_REMOVED,
        key=f"op-{n}",
        person=person,
        context={"person": f"friend{n:02d}", "where": "every server", "path": "/audit/"},
    )


def test_it_sends_one_email_with_wording_and_link(owner, smtp_sink) -> None:
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    removed(1)
    deliver_all()
    [message] = smtp_sink.messages
    assert message["Subject"] == "[plexadmin] friend01 was removed from every server"
    assert message["To"] == "morgan@example.com"
    body = message.get_content()
    assert "friend01 was removed from every server." in body
    assert "http://127.0.0.1:8000/audit/" in body
    assert message["Message-ID"].startswith("<plexadmin-notify-")
    assert Delivery.objects.get().state == Delivery.SENT
    assert Channel.objects.get().last_sent_at is not None


def test_a_burst_of_fifty_becomes_one_digest(owner, smtp_sink, settings) -> None:
    settings.NOTIFY_DIGEST_SECONDS = 15
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    for n in range(50):
        removed(n)
    for event in Event.objects.all():
        delivery.fan_out(event.pk)
    pending = list(Notification.objects.order_by("pk").values_list("pk", flat=True))
    assert len(pending) == 50
    start = timezone.now()
    # While the burst goes on, nothing is sent: older ones leave it to the newest.
    assert delivery.flush_due(pending[0], start) == (None, 0)
    found, wait = delivery.flush_due(pending[-1], start)
    assert found is None
    assert 0 < wait <= 15
    later = start + timedelta(seconds=16)
    found, wait = delivery.flush_due(pending[-1], later)
    assert found is not None
    assert wait == 0
    delivery.send(found.pk, later)
    [message] = smtp_sink.messages
    assert message["Subject"] == "[plexadmin] 50 updates (Person removed: 50)"
    body = message.get_content()
    assert body.count("• friend") == 50
    assert Notification.objects.filter(delivery=found).count() == 50
    assert Delivery.objects.count() == 1


def test_a_burst_that_never_pauses_is_sent_after_the_longest_wait(
    owner, smtp_sink, settings
) -> None:
    settings.NOTIFY_DIGEST_SECONDS = 10
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    removed(1)
    delivery.fan_out(Event.objects.get().pk)
    first = Notification.objects.get()
    later = first.created_at + timedelta(seconds=81)
    removed(2)
    delivery.fan_out(Event.objects.get(key__endswith="op-2").pk)
    Notification.objects.exclude(pk=first.pk).update(created_at=later - timedelta(seconds=1))
    found, _ = delivery.flush_due(first.pk, later)
    assert found is not None
    assert Notification.objects.filter(delivery=found).count() == 2


def test_a_redelivered_send_does_not_send_again(owner, smtp_sink) -> None:
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    removed(1)
    [sent] = deliver_all()
    assert delivery.send(sent.pk) == (Delivery.SENT, None)
    assert delivery.fan_out(Event.objects.get().pk) == []
    assert len(smtp_sink.messages) == 1


def test_a_dead_smtp_server_is_retried_with_backoff_and_shown(owner, dead_smtp) -> None:
    channel = email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    removed(1)
    [found] = deliver_all()
    found.refresh_from_db()
    channel.refresh_from_db()
    assert found.state == Delivery.QUEUED
    assert found.attempts == 1
    assert found.next_attempt_at > timezone.now() + timedelta(seconds=10)
    assert "ConnectionRefusedError" in found.error
    assert channel.failing_since is not None
    assert "ConnectionRefusedError" in channel.last_error


def test_a_failing_channel_takes_new_events_into_its_waiting_message(owner, dead_smtp) -> None:
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    removed(1)
    deliver_all()
    removed(2)
    assert deliver_all() == []  # in backoff: nothing is tried before its time
    assert Delivery.objects.count() == 1
    assert Notification.objects.filter(delivery__isnull=False).count() == 2


def test_it_gives_up_after_the_last_attempt_and_can_send_again(
    owner, dead_smtp, smtp_sink, settings
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2
    dead = settings.MAILERS
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": dead_smtp, "timeout": 2},
        }
    }
    removed(1)
    [found] = deliver_all()
    later = timezone.now() + timedelta(hours=1)
    assert delivery.send(found.pk, later)[0] == Delivery.FAILED
    found.refresh_from_db()
    assert found.error.startswith("Gave up after 2 tries.")
    assert dead is not None
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_sink.port, "timeout": 5},
        }
    }
    assert delivery.send_again(found)
    assert delivery.send(found.pk)[0] == Delivery.SENT
    assert len(smtp_sink.messages) == 1
    assert Channel.objects.get().failing_since is None


def test_an_email_cut_off_by_a_crash_is_sent_again_the_same(owner, smtp_sink) -> None:
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    removed(1)
    [found] = deliver_all()
    first = smtp_sink.messages[0]
    # The worker died after the server said 250 and before the row was marked sent.
    Delivery.objects.filter(pk=found.pk).update(
        state=Delivery.SENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    removed(2)  # arrives meanwhile: it must not change the message being repeated
    for event in Event.objects.filter(fanned_out_at__isnull=True):
        delivery.fan_out(event.pk)
    due = delivery.recover()
    assert found.pk in due["deliveries"]
    assert Delivery.objects.get(pk=found.pk).resent
    assert delivery.send(found.pk)[0] == Delivery.SENT
    second = smtp_sink.messages[1]
    assert second["Message-ID"] == first["Message-ID"]
    assert second["Subject"] == first["Subject"]
    new = Notification.objects.get(event__key__endswith="op-2")
    found_new, _ = delivery.flush_due(new.pk)
    assert found_new is not None
    assert found_new.pk != found.pk


def test_a_webhook_cut_off_by_a_crash_is_not_repeated(owner, webhook) -> None:
    apprise_channel(owner.user, webhook.url(), [events.PERSON_REMOVED])
    removed(1)
    [found] = deliver_all()
    assert len(webhook.received) == 1
    Delivery.objects.filter(pk=found.pk).update(
        state=Delivery.SENDING, lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert found.pk not in delivery.recover()["deliveries"]
    found.refresh_from_db()
    assert found.state == Delivery.UNCONFIRMED
    assert delivery.send(found.pk)[0] == Delivery.UNCONFIRMED
    assert len(webhook.received) == 1


def test_a_live_lease_is_left_alone(owner, smtp_sink) -> None:
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    removed(1)
    [found] = deliver_all()
    Delivery.objects.filter(pk=found.pk).update(
        state=Delivery.SENDING, lease_until=timezone.now() + timedelta(seconds=60)
    )
    delivery.recover()
    assert Delivery.objects.get(pk=found.pk).state == Delivery.SENDING


def test_the_webhook_gets_title_and_body(owner, webhook) -> None:
    apprise_channel(owner.user, webhook.url(), [events.PERSON_REMOVED])
    removed(1)
    deliver_all()
    [payload] = webhook.received
    assert payload["title"] == "friend01 was removed from every server"
    assert "friend01 was removed from every server." in payload["message"]
    assert webhook.paths == ["/hook-secret-0123456789"]


def test_a_failing_webhook_is_shown_without_its_secret(owner, webhook, caplog) -> None:
    webhook.status = 500
    channel = apprise_channel(owner.user, webhook.url(), [events.PERSON_REMOVED])
    removed(1)
    [found] = deliver_all()
    found.refresh_from_db()
    channel.refresh_from_db()
    assert found.state == Delivery.QUEUED
    assert channel.failing_since is not None
    assert "500" in channel.last_error
    for text in (found.error, channel.last_error, caplog.text):
        assert "hook-secret" not in text
        assert "0123456789" not in text


def test_mentions_in_names_do_not_ping_a_chat_room(owner, webhook) -> None:
    apprise_channel(owner.user, webhook.url(), [events.PERSON_REMOVED])
    events.emit(events.PERSON_REMOVED, key="x", context={"person": "@everyone", "where": "Home"})
    deliver_all()
    assert "@everyone" not in webhook.received[0]["title"]
    assert "@\u200beveryone" in webhook.received[0]["title"]


def test_a_long_mixed_digest_names_each_kind_and_stays_readable(owner, smtp_sink) -> None:
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED, events.DRIFT_FOUND])
    for n in range(40):
        events.emit(events.DRIFT_FOUND, key=f"d{n}", context={"target": f"share {n}"})
    for n in range(30):
        removed(n)
    deliver_all()
    [message] = smtp_sink.messages
    assert message["Subject"] == "[plexadmin] 70 updates (Drift found: 40, Person removed: 30)"
    body = message.get_content()
    assert body.count("• ") == 60
    assert "… and 10 more." in body
