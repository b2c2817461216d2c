"""Warnings before access ends: once per share and threshold, to the member and the admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from lifecycle import expiring
from lifecycle.tasks import tick
from notify.models import Event
from plexadmin.celery import app
from sharing.models import Share
from tests.console.conftest import share_of
from tests.notify.conftest import deliver_all, email_channel

pytestmark = pytest.mark.django_db


def ends_in(share: Share, delta: timedelta) -> Share:
    share.expires_at = timezone.now() + delta
    share.save(update_fields=["expires_at"])
    return share


def warnings_sent() -> list[Event]:
    return list(Event.objects.filter(type="access.expiring").order_by("pk"))


def test_the_tick_is_a_beat_entry_the_worker_knows() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["lifecycle"]
    assert entry["task"] == "lifecycle.tasks.tick"
    app.loader.import_default_modules()
    assert "lifecycle.tasks.tick" in app.tasks
    assert "SCHEDULE_LIFECYCLE=" in (settings.BASE_DIR / ".env.example").read_text()


def test_the_member_and_a_subscribed_admin_are_warned_once(owner, synced, smtp_sink) -> None:
    email_channel(owner.user, "morgan@example.com", ["access.expiring"])
    alex = ends_in(share_of("alex.rivera"), timedelta(days=3, hours=1))

    assert tick()["warnings"] == 1
    assert tick()["warnings"] == 0  # the next beat tick finds it sent
    deliver_all()

    [event] = warnings_sent()
    assert event.person_id == alex.user_id
    [to_alex] = smtp_sink.to("alex.rivera@example.com")
    assert to_alex["Subject"].endswith("Your access to Morgan's Den ends in 3 days")
    assert "ask Morgan" in to_alex.get_content()
    [to_admin] = smtp_sink.to("morgan@example.com")
    assert "alex.rivera's access to Morgan's Den ends in 3 days" in to_admin["Subject"]


def test_each_threshold_is_sent_once_and_a_late_share_gets_only_the_last(synced) -> None:
    alex = ends_in(share_of("alex.rivera"), timedelta(days=5))
    chen = ends_in(share_of("chen.li"), timedelta(hours=12))
    far = ends_in(share_of("priya"), timedelta(days=20))

    expiring.send_expiry_warnings()
    assert {e.key.rsplit("-", 1)[1] for e in warnings_sent() if e.person_id == alex.user_id} == {
        "7d"
    }
    assert [e.key.rsplit("-", 1)[1] for e in warnings_sent() if e.person_id == chen.user_id] == [
        "1d"
    ]
    assert not [e for e in warnings_sent() if e.person_id == far.user_id]

    # A day before the end, alex crosses the second threshold: one more warning, then none.
    later = timezone.now() + timedelta(days=4, hours=1)
    assert expiring.send_expiry_warnings(later) == 1
    assert expiring.send_expiry_warnings(later) == 0
    assert expiring.send_expiry_warnings(later + timedelta(hours=2)) == 0


def test_moving_the_end_warns_again_about_the_new_one(synced) -> None:
    alex = ends_in(share_of("alex.rivera"), timedelta(days=2))
    assert expiring.send_expiry_warnings() == 1
    ends_in(alex, timedelta(days=6))
    assert expiring.send_expiry_warnings() == 1
    assert len(warnings_sent()) == 2


def test_the_thresholds_come_from_the_setting(synced, settings) -> None:
    settings.LIFECYCLE_WARN_DAYS = [3]
    ends_in(share_of("alex.rivera"), timedelta(days=5))
    assert expiring.send_expiry_warnings() == 0
    ends_in(share_of("chen.li"), timedelta(days=2))
    assert expiring.send_expiry_warnings() == 1
    assert warnings_sent()[0].key.endswith("-3d")


def test_a_removed_person_or_an_expired_share_is_not_warned(synced) -> None:
    ends_in(share_of("alex.rivera"), timedelta(minutes=-5))
    assert expiring.send_expiry_warnings() == 0


def test_the_member_told_of_the_end_is_told_whom_to_ask(synced, smtp_sink) -> None:
    from sharing.tasks import expire_shares

    ends_in(share_of("alex.rivera"), timedelta(minutes=-5))
    expire_shares()
    deliver_all()
    [ended] = smtp_sink.to("alex.rivera@example.com")
    assert "has ended" in ended["Subject"]
    assert "ask Morgan" in ended.get_content()


def test_an_installation_that_chose_member_notices_gets_the_inactivity_warning_once() -> None:
    import importlib

    from django.apps import apps

    from notify.models import MemberNotices

    MemberNotices.objects.create(pk=1, events=["access.expired"])
    migration = importlib.import_module("lifecycle.migrations.0002_tell_members_of_inactivity")
    migration.add(apps, None)
    migration.add(apps, None)
    assert MemberNotices.current().events == ["access.expired", "inactivity.warned"]
