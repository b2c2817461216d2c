"""Scenario 9, as far as it applies to Plex sign-in (there is no local password to change):
the session key changes at sign-in, and a session cookie captured before sign-out is refused
afterwards."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts import services
from accounts.models import Household, PinLogin

pytestmark = pytest.mark.django_db


def _sign_in_with_plex(client: Client, plexsim) -> None:  # type: ignore[no-untyped-def]
    client.post("/accounts/sign-in/plex/", {"next": "/accounts/account/"})
    login = PinLogin.objects.filter(status=PinLogin.Status.PENDING).latest("pk")
    plexsim.approve_pin(login.code, "morgan")
    services.poll_pin_login(login.pk, sleep=lambda seconds: None)
    response = client.get(
        f"/accounts/sign-in/pin/{login.public_id}/status/", headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == "/accounts/account/"


def _replay(cookie: str) -> Client:
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return thief


def test_signing_in_with_plex_issues_a_new_session_key(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.get("/accounts/sign-in/")
    client.post("/accounts/sign-in/plex/", {"next": "/"})
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    _sign_in_with_plex(client, plexsim)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    # The pre-sign-in key is dead: replaying it gets no signed-in page.
    assert _replay(before).get("/accounts/account/").status_code == 302
    assert _replay(after).get("/accounts/account/").status_code == 200


def test_a_cookie_captured_before_sign_out_is_refused_after(household: Household, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    _sign_in_with_plex(client, plexsim)
    captured = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _replay(captured).get("/accounts/account/").status_code == 200

    signed_out = client.post("/accounts/sign-out/")
    assert signed_out["Location"] == "/accounts/sign-in/"
    replayed = _replay(captured).get("/accounts/account/")
    assert replayed.status_code == 302
    assert replayed["Location"].startswith("/accounts/sign-in/?next=")


def test_password_sign_in_also_issues_a_new_session_key(household: Household) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    # An anonymous session that already exists (starting a PIN creates one).
    client.post("/accounts/sign-in/plex/", {"next": "/"})
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post(
        "/accounts/sign-in/password/",
        {"login": "morgan", "password": "owner-pass-1", "code": "246810", "next": "/"},
    )
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert _replay(before).get("/accounts/account/").status_code == 302
    assert _replay(after).get("/accounts/account/").status_code == 200
