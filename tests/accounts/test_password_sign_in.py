from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from accounts.models import Household, Member

pytestmark = pytest.mark.django_db

URL = "/accounts/sign-in/password/"


def test_it_signs_in_without_2fa_and_sends_the_first_person_to_set_up(plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    response = client.post(URL, {"login": "jamie", "password": "partner-pass-2"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/setup/"
    assert "_auth_user_id" in client.session


def test_it_asks_for_the_code_then_accepts_the_right_one(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    first = client.post(URL, {"login": "morgan", "password": "owner-pass-1", "next": "/status/"})
    assert first.status_code == 200
    page = first.content.decode()
    assert "Enter your verification code" in page
    assert "owner-pass-1" not in page
    assert "_auth_user_id" not in client.session
    done = client.post(
        URL, {"login": "morgan", "password": "owner-pass-1", "code": "246810", "next": "/status/"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/status/"
    assert Member.objects.get(plex_account=household.owner).role == Member.Role.OWNER


def test_it_refuses_a_wrong_code_and_counts_it(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    response = client.post(URL, {"login": "morgan", "password": "owner-pass-1", "code": "111111"})
    assert response.status_code == 400
    assert "That code was not accepted" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="morgan").failures_since_start == 1


def test_it_refuses_a_wrong_password_without_logging_it(plex_settings, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    response = Client().post(URL, {"login": "jamie", "password": "wrong-secret-pw"})
    assert response.status_code == 400
    assert "did not accept" in response.content.decode()
    assert "wrong-secret-pw" not in caplog.text
    assert "jamie" in caplog.text


def test_it_locks_out_after_the_limit_and_ignores_a_spoofed_forwarded_for(
    plex_settings, plexsim
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    codes = [client.post(URL, {"login": "jamie", "password": "nope"}).status_code for _ in range(5)]
    assert codes == [400, 400, 400, 400, 429]
    seq = plexsim.requests()[-1]["seq"]
    locked = client.post(URL, {"login": "jamie", "password": "partner-pass-2"})
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    spoofed = client.post(
        URL, {"login": "someone-else", "password": "x"}, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert spoofed.status_code == 429
    assert plexsim.requests(since=seq) == []


def test_it_locks_a_username_tried_from_many_addresses(plex_settings) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):
        Client(REMOTE_ADDR=f"198.51.100.{n}").post(URL, {"login": "jamie", "password": "nope"})
    fresh = Client(REMOTE_ADDR="198.51.100.99")
    assert fresh.post(URL, {"login": "jamie", "password": "partner-pass-2"}).status_code == 429


def test_it_takes_the_address_from_the_trusted_proxy_hop(plex_settings) -> None:  # type: ignore[no-untyped-def]
    plex_settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        Client().post(
            URL,
            {"login": f"user{_}", "password": "nope"},
            headers={"X-Forwarded-For": "1.1.1.1, 192.0.2.7"},
        )
    assert AccessAttempt.objects.filter(ip_address="192.0.2.7").count() == 5
    other = Client().post(
        URL,
        {"login": "jamie", "password": "partner-pass-2"},
        headers={"X-Forwarded-For": "192.0.2.8"},
    )
    assert other.status_code == 302
    same = Client().post(
        URL,
        {"login": "jamie", "password": "partner-pass-2"},
        headers={"X-Forwarded-For": "9.9.9.9, 192.0.2.7"},
    )
    assert same.status_code == 429


def test_it_lets_people_in_again_after_the_cool_off(plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(5):
        client.post(URL, {"login": "jamie", "password": "nope"})
    assert client.post(URL, {"login": "jamie", "password": "partner-pass-2"}).status_code == 429
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= plex_settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
        attempt.save(update_fields=["attempt_time"])
    response = client.post(URL, {"login": "jamie", "password": "partner-pass-2"})
    assert response.status_code == 302


def test_it_shows_a_plain_message_when_plex_tv_is_down(plex_settings, plexsim) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(action="status", path="/api/v2/users/signin", status=503)
    response = Client().post(URL, {"login": "jamie", "password": "partner-pass-2"})
    assert response.status_code == 503
    assert "plex.tv" in response.content.decode()
    assert AccessAttempt.objects.count() == 0
