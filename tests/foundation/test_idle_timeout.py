from __future__ import annotations

import time

import pytest

from plexadmin.middleware import LAST_SEEN

pytestmark = pytest.mark.django_db


def age_session(client, seconds: int) -> None:  # type: ignore[no-untyped-def]
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_an_active_session_stays_signed_in(owner, settings) -> None:
    settings.SESSION_IDLE_TIMEOUT = 600
    owner.client.get("/audit/")
    age_session(owner.client, 599)
    assert owner.client.get("/audit/").status_code == 200


def test_an_idle_session_is_signed_out_and_sent_to_sign_in(owner, settings) -> None:
    settings.SESSION_IDLE_TIMEOUT = 600
    owner.client.get("/audit/")
    age_session(owner.client, 601)
    response = owner.client.get("/audit/?source=system")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/")
    assert "next=/audit/%3Fsource%3Dsystem" in response["Location"]
    assert "_auth_user_id" not in owner.client.session
    # Signed out for good: the old cookie no longer works either.
    assert owner.client.get("/audit/").status_code == 302


def test_htmx_requests_are_redirected_by_htmx(owner, settings) -> None:
    settings.SESSION_IDLE_TIMEOUT = 600
    owner.client.get("/audit/")
    age_session(owner.client, 3600)
    response = owner.client.get("/audit/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/")


def test_activity_is_recorded_at_most_once_a_minute(owner) -> None:
    owner.client.get("/audit/")
    first = owner.client.session[LAST_SEEN]
    owner.client.get("/audit/")
    assert owner.client.session[LAST_SEEN] == first
