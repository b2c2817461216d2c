"""Through a real worker on the configured broker: a removal reaches the subscribed admin and
the person once; a dead SMTP server never fails the removal (RELIABILITY 46)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from notify import events
from notify.models import Channel, Delivery, MemberNotices
from sharing.forms import new_key
from sharing.models import Operation
from tests.console.conftest import person
from tests.notify.conftest import email_channel

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ALEX = 1001010


def wait_for(check: Callable[[], Any], seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"still waiting after {seconds} s")


def remove_alex(owner) -> Operation:  # type: ignore[no-untyped-def]
    alex = person("alex.rivera")
    owner.client.post(f"/people/{alex.pk}/remove/", {"key": new_key()})
    return Operation.objects.get(kind="friend.remove")


def op_state(op: Operation) -> str:
    return Operation.objects.get(pk=op.pk).state


def test_a_removal_reaches_the_admin_and_the_person_once(
    owner, synced, plexsim, smtp_sink, celery_worker_on_broker
) -> None:
    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    MemberNotices.current()
    MemberNotices.objects.update(events=[events.PERSON_REMOVED])
    op = remove_alex(owner)
    wait_for(lambda: op_state(op) == Operation.SUCCEEDED)
    wait_for(lambda: len(smtp_sink.messages) == 2)
    time.sleep(1.0)  # anything more would show now
    assert len(smtp_sink.to("morgan@example.com")) == 1
    [theirs] = smtp_sink.to("alex.rivera@example.com")
    assert "You were removed from every server of Morgan's Plex." in theirs.get_content()
    assert [s for s in plexsim.state()["shares"] if s.get("userId") == ALEX] == []


def test_a_dead_smtp_server_does_not_fail_the_removal(
    owner, synced, plexsim, dead_smtp, celery_worker_on_broker
) -> None:
    channel = email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    op = remove_alex(owner)
    wait_for(lambda: op_state(op) == Operation.SUCCEEDED)
    found = wait_for(lambda: Delivery.objects.filter(attempts=1, state=Delivery.QUEUED).first())
    assert "ConnectionRefusedError" in found.error
    assert Channel.objects.get(pk=channel.pk).failing_since is not None
    assert [s for s in plexsim.state()["shares"] if s.get("userId") == ALEX] == []
    html = owner.client.get("/notifications/").content.decode()
    assert "failing" in html
    assert "Next try" in html
