"""The notifications page and its actions, for each persona."""

from __future__ import annotations

import pytest

from notify import events
from notify.models import Channel, Delivery, Event, MemberNotices, Notification
from tests.notify.conftest import apprise_channel, email_channel

pytestmark = pytest.mark.django_db

HOOK = "json://127.0.0.1:9/very-secret-path-0123"
PAGE = "/notifications/"


def add(client, **fields):  # type: ignore[no-untyped-def]
    body = {"name": "Mine", "kind": "email", "address": "morgan@example.com"}
    body.update(fields)
    return client.post("/notifications/channels/add/", body)


def test_it_shows_an_empty_state_and_every_event_type(owner) -> None:
    page = owner.client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "No channels yet" in html
    assert "Worker or beat not running" in html
    assert "no-store" in page["Cache-Control"]


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_it_is_for_admins_only(persona, request) -> None:  # type: ignore[no-untyped-def]
    who = request.getfixturevalue(persona)
    assert who.client.get(PAGE).status_code == 403
    assert add(who.client).status_code == 403
    assert not Channel.objects.exists()


def test_it_sends_anonymous_visitors_to_sign_in(anonymous) -> None:
    assert anonymous.client.get(PAGE)["Location"].startswith("/accounts/sign-in/")


def test_it_adds_an_email_channel_with_the_chosen_events(owner) -> None:
    response = add(owner.client, events=[events.DRIFT_FOUND, events.SERVICE_DOWN])
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert (channel.owner, channel.kind, channel.address) == (
        owner.user,
        "email",
        "morgan@example.com",
    )
    assert channel.events == [events.DRIFT_FOUND, events.SERVICE_DOWN]


def test_it_adds_an_apprise_channel_and_never_shows_its_url(owner) -> None:
    add(owner.client, kind="apprise", name="Hook", url=HOOK, events=[events.DRIFT_FOUND])
    channel = Channel.objects.get()
    assert channel.url_ciphertext.startswith("gAAAA")
    html = owner.client.get(PAGE).content.decode()
    assert "json://127.0.0.1:9/…23" in html
    assert "very-secret" not in html


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"kind": "apprise", "url": "https://example.com/x"}, "Apprise does not recognise"),
        ({"kind": "apprise", "url": ""}, "Paste the service"),
        ({"kind": "apprise", "url": "json://a/b\nc"}, "no spaces or line breaks"),
        ({"kind": "email", "address": ""}, "Enter the address"),
        ({"kind": "email", "address": "not-an-address"}, "valid email"),
        ({"kind": "pigeon"}, "Select a valid choice"),
        ({"events": ["person.vanished"]}, "Select a valid choice"),
        ({"name": "\x00"}, "holds a NUL character"),
        ({"name": "x" * 81}, "at most 80 characters"),
    ],
)
def test_it_refuses_bad_input_with_a_message(owner, fields, error) -> None:  # type: ignore[no-untyped-def]
    response = add(owner.client, **fields)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Channel.objects.exists()


def test_it_refuses_email_when_no_mailer_is_configured(owner, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFY_EMAIL = False
    response = add(owner.client)
    assert response.status_code == 400
    assert "E-mail is not set up on this server" in response.content.decode()


def test_it_ignores_fields_the_form_does_not_have(owner, co_admin) -> None:
    add(owner.client, owner=co_admin.user.pk, url_ciphertext="x", failing_since="2020-01-01")
    channel = Channel.objects.get()
    assert channel.owner == owner.user
    assert channel.url_ciphertext == ""
    assert channel.failing_since is None


def test_it_saves_the_events_of_a_channel_in_place(owner) -> None:
    channel = email_channel(owner.user, "morgan@example.com", [events.DRIFT_FOUND])
    response = owner.client.post(
        f"/notifications/channels/{channel.pk}/events/",
        {"events": [events.SYNC_FAILING]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'id="channel-{channel.pk}"' in response.content.decode()
    channel.refresh_from_db()
    assert channel.events == [events.SYNC_FAILING]


def test_another_admins_channel_is_404(owner, co_admin) -> None:
    theirs = email_channel(co_admin.user, "jamie@example.com", [events.DRIFT_FOUND])
    for url in ("events/", "test/", "remove/"):
        assert owner.client.post(f"/notifications/channels/{theirs.pk}/{url}").status_code == 404
    for url in ("", "remove/confirm/"):
        assert owner.client.get(f"/notifications/channels/{theirs.pk}/{url}").status_code == 404
    assert "jamie@example.com" not in owner.client.get(PAGE).content.decode()
    assert Channel.objects.filter(pk=theirs.pk).exists()


def test_the_actions_reject_get(owner) -> None:
    channel = email_channel(owner.user, "morgan@example.com", [])
    for url in ("events/", "test/", "remove/"):
        assert owner.client.get(f"/notifications/channels/{channel.pk}/{url}").status_code == 405
    assert owner.client.get("/notifications/channels/add/").status_code == 405
    assert owner.client.get("/notifications/members/").status_code == 405


def test_removing_asks_first_then_removes(owner) -> None:
    channel = email_channel(owner.user, "morgan@example.com", [])
    confirm = owner.client.get(f"/notifications/channels/{channel.pk}/remove/confirm/")
    assert f'action="/notifications/channels/{channel.pk}/remove/"' in confirm.content.decode()
    assert Channel.objects.exists()
    owner.client.post(f"/notifications/channels/{channel.pk}/remove/")
    assert not Channel.objects.exists()


def test_send_a_test_queues_a_message_through_the_worker(
    owner, django_capture_on_commit_callbacks
) -> None:
    channel = email_channel(owner.user, "morgan@example.com", [])
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner.client.post(
            f"/notifications/channels/{channel.pk}/test/", headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.content.decode()
    assert len(callbacks) == 1
    found = Delivery.objects.get()
    assert found.state == Delivery.QUEUED
    assert Notification.objects.get().event.type == "test"


def test_send_a_test_works_end_to_end(owner, smtp_sink) -> None:
    from notify import delivery

    channel = email_channel(owner.user, "morgan@example.com", [])
    owner.client.post(f"/notifications/channels/{channel.pk}/test/")
    delivery.send(Delivery.objects.get().pk)
    [message] = smtp_sink.messages
    assert message["Subject"] == "[plexadmin] plexadmin test message"
    assert "sent by Morgan to the channel 'Mail'" in message.get_content()
    card = owner.client.get(f"/notifications/channels/{channel.pk}/").content.decode()
    assert "working" in card
    assert "every 1s" not in card


def test_a_failing_channel_shows_failing_with_send_again_after_giving_up(
    owner, webhook, settings
) -> None:  # type: ignore[no-untyped-def]
    from notify import delivery

    settings.NOTIFY_MAX_ATTEMPTS = 1
    webhook.status = 500
    channel = apprise_channel(owner.user, webhook.url(), [events.DRIFT_FOUND])
    owner.client.post(f"/notifications/channels/{channel.pk}/test/")
    found = Delivery.objects.get()
    assert delivery.send(found.pk)[0] == Delivery.FAILED
    html = owner.client.get(PAGE).content.decode()
    assert "failing" in html
    assert "Send again" in html
    webhook.status = 200
    owner.client.post(f"/notifications/messages/{found.pk}/send-again/")
    assert delivery.send(found.pk)[0] == Delivery.SENT
    assert len(webhook.received) == 1


def test_send_again_is_refused_for_a_sent_message_and_404_for_others(
    owner, co_admin, smtp_sink
) -> None:  # type: ignore[no-untyped-def]
    from notify import delivery

    theirs = email_channel(co_admin.user, "jamie@example.com", [])
    co_admin.client.post(f"/notifications/channels/{theirs.pk}/test/")
    found = Delivery.objects.get()
    delivery.send(found.pk)
    assert owner.client.post(f"/notifications/messages/{found.pk}/send-again/").status_code == 404
    response = co_admin.client.post(f"/notifications/messages/{found.pk}/send-again/", follow=True)
    assert "Only a failed message" in response.content.decode()
    assert len(smtp_sink.messages) == 1


def test_member_notices_are_saved(owner) -> None:
    owner.client.post("/notifications/members/", {"events": [events.PERSON_REMOVED]})
    assert MemberNotices.current().events == [events.PERSON_REMOVED]
    response = owner.client.post("/notifications/members/", {"events": [events.DRIFT_FOUND]})
    assert response.status_code == 302
    assert MemberNotices.current().events == [events.PERSON_REMOVED]


def test_the_recent_messages_list_escapes_names(owner, smtp_sink) -> None:
    from tests.notify.conftest import deliver_all

    email_channel(owner.user, "morgan@example.com", [events.PERSON_REMOVED])
    events.emit(events.PERSON_REMOVED, key="x", context={"person": "<script>x</script>"})
    deliver_all()
    html = owner.client.get(PAGE).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;" in html
    assert Event.objects.count() == 1
