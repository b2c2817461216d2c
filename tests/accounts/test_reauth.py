"""RELIABILITY 10: the changes that matter most need a Sign in with Plex from the last 10
minutes: signing out of plex.tv, granting or revoking co-admins, removing a device and
changing notification channels. Without one, nothing is changed and the admin is sent to
"Confirm it's you", which comes back to the page the form was on."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from accounts import reauth
from accounts.models import Member, PlexAccount
from notify import events
from notify.models import Channel
from sharing.forms import new_key
from sharing.models import Operation
from tests.notify.conftest import email_channel
from tests.personas import Persona

pytestmark = pytest.mark.django_db

AGAIN = "/accounts/sign-in/again/"


def make_stale(persona: Persona, seconds_ago: float = 601) -> None:
    session = persona.client.session
    session[reauth.SIGNED_IN_AT] = time.time() - seconds_ago
    session.save()


def snapshot() -> tuple[Any, ...]:
    return (
        sorted(Member.objects.values_list("pk", "role")),
        sorted(Channel.objects.values_list("pk", "name", "events")),
        Operation.objects.count(),
        sorted(PlexAccount.objects.values_list("pk", "token_ciphertext")),
    )


# Each sensitive action: (persona who may do it, URL, form) built from the fixtures.
Action = Callable[[Persona, Persona], tuple[Persona, str, dict[str, Any]]]


def sign_out_of_plex(owner: Persona, member: Persona) -> tuple[Persona, str, dict[str, Any]]:
    return owner, "/accounts/sign-out/plex/", {"confirm": "on"}


def grant(owner: Persona, member: Persona) -> tuple[Persona, str, dict[str, Any]]:
    target = Member.objects.get(plex_account=member.account)
    return owner, f"/accounts/roles/{target.pk}/grant-co-admin/", {}


def revoke(owner: Persona, member: Persona) -> tuple[Persona, str, dict[str, Any]]:
    target = Member.objects.get(plex_account=member.account)
    target.role = Member.Role.CO_ADMIN
    target.save(update_fields=["role"])
    return owner, f"/accounts/roles/{target.pk}/revoke-co-admin/", {}


def remove_device(owner: Persona, member: Persona) -> tuple[Persona, str, dict[str, Any]]:
    body = {"confirm": "on", "key": new_key(), "name": "Chrome"}
    return owner, "/accounts/account/devices/some-device/remove/", body


def add_channel(owner: Persona, member: Persona) -> tuple[Persona, str, dict[str, Any]]:
    body = {"name": "Mine", "kind": "email", "address": "morgan@example.com"}
    return owner, "/notifications/channels/add/", body


def change_events(owner: Persona, member: Persona) -> tuple[Persona, str, dict[str, Any]]:
    channel = email_channel(owner.user, "morgan@example.com", [events.DRIFT_FOUND])
    return owner, f"/notifications/channels/{channel.pk}/events/", {"events": [events.SYNC_FAILING]}


def remove_channel(owner: Persona, member: Persona) -> tuple[Persona, str, dict[str, Any]]:
    channel = email_channel(owner.user, "morgan@example.com", [events.DRIFT_FOUND])
    return owner, f"/notifications/channels/{channel.pk}/remove/", {}


ACTIONS = [
    sign_out_of_plex,
    grant,
    revoke,
    remove_device,
    add_channel,
    change_events,
    remove_channel,
]


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.__name__)
def test_a_stale_sign_in_changes_nothing_and_is_sent_to_confirm(
    action: Action, owner: Persona, member: Persona
) -> None:
    who, url, body = action(owner, member)
    make_stale(who)
    before = snapshot()
    response = who.client.post(url, body, headers={"Referer": "http://testserver/accounts/roles/"})
    assert response.status_code == 302
    assert response["Location"] == f"{AGAIN}?next=%2Faccounts%2Froles%2F"
    assert snapshot() == before


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.__name__)
def test_a_fresh_sign_in_goes_through(action: Action, owner: Persona, member: Persona) -> None:
    who, url, body = action(owner, member)
    make_stale(who, seconds_ago=540)  # nine minutes ago: still fresh
    before = snapshot()
    response = who.client.post(url, body)
    assert not response.get("Location", "").startswith(AGAIN)
    assert response.status_code in {200, 302}, response.content[:300]
    assert snapshot() != before


def test_htmx_is_sent_to_confirm_with_hx_redirect(owner: Persona) -> None:
    channel = email_channel(owner.user, "morgan@example.com", [events.DRIFT_FOUND])
    make_stale(owner)
    response = owner.client.post(
        f"/notifications/channels/{channel.pk}/events/",
        {"events": [events.SYNC_FAILING]},
        headers={"HX-Request": "true", "Referer": "http://testserver/notifications/"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{AGAIN}?next=%2Fnotifications%2F"
    channel.refresh_from_db()
    assert channel.events == [events.DRIFT_FOUND]


@pytest.mark.parametrize(
    "referer", ["https://evil.example/accounts/roles/", "//evil.example/x", "javascript:alert(1)"]
)
def test_it_never_sends_back_to_another_site(owner: Persona, referer: str) -> None:
    make_stale(owner)
    response = owner.client.post(
        "/notifications/channels/add/", {"name": "x"}, headers={"Referer": referer}
    )
    assert response["Location"] == f"{AGAIN}?next=%2F"


def test_signing_in_stamps_the_session_and_ten_minutes_later_it_is_stale(
    owner: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = owner.client.session
    stamped = session[reauth.SIGNED_IN_AT]
    assert abs(time.time() - stamped) < 60
    monkeypatch.setattr(reauth.time, "time", lambda: stamped + 601)
    response = owner.client.post("/notifications/channels/add/", {"name": "x"})
    assert response["Location"].startswith(AGAIN)


def test_a_session_without_a_stamp_is_not_fresh(owner: Persona) -> None:
    session = owner.client.session
    del session[reauth.SIGNED_IN_AT]
    session.save()
    assert owner.client.post("/accounts/sign-out/plex/", {})["Location"].startswith(AGAIN)


def test_roles_and_methods_come_first(
    owner: Persona, co_admin: Persona, anonymous: Persona
) -> None:
    make_stale(co_admin)
    make_stale(owner)
    assert co_admin.client.post("/accounts/sign-out/plex/", {}).status_code == 403
    assert owner.client.get("/accounts/sign-out/plex/").status_code == 405
    response = anonymous.client.post("/notifications/channels/add/", {})
    assert response["Location"].startswith("/accounts/sign-in/?next=")


def test_the_confirm_page_offers_sign_in_with_plex_back_to_the_page(
    owner: Persona, anonymous: Persona
) -> None:
    page = owner.client.get(f"{AGAIN}?next=/accounts/roles/").content.decode()
    assert "Confirm it&#x27;s you" in page or "Confirm it's you" in page
    assert 'name="next" value="/accounts/roles/"' in page
    assert "Sign in with Plex" in page
    evil = owner.client.get(f"{AGAIN}?next=https://evil.example/").content.decode()
    assert 'name="next" value="https://evil.example/"' not in evil
    away = anonymous.client.get(f"{AGAIN}?next=/accounts/roles/")
    assert away["Location"] == "/accounts/sign-in/?next=%2Faccounts%2Froles%2F"
