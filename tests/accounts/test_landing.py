"""The home page: signed out it leads with Sign in; signed in, everyone lands on their own
page (admins the dashboard home, members their access, outsiders the polite refusal)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tests.personas import Persona

pytestmark = pytest.mark.django_db


def test_signed_out_it_leads_with_sign_in_and_hides_the_installation(
    anonymous: Persona,
) -> None:
    body = anonymous.client.get("/").content.decode()
    assert 'href="/accounts/sign-in/">Sign in with Plex</a>' in body
    assert "This installation" not in body
    assert "System status" not in body


def test_on_a_fresh_install_it_leads_with_sign_in_then_shows_the_installation(db) -> None:  # type: ignore[no-untyped-def]
    body = Client().get("/").content.decode()
    sign_in = body.index("Sign in with Plex</a>")
    assert sign_in < body.index("This installation") < body.index("System status")
    assert "set-up code" in body


def test_a_member_lands_on_their_access(member: Persona) -> None:
    response = member.client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"


def test_an_outsider_lands_on_the_outsider_page(outsider: Persona) -> None:
    response = outsider.client.get("/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "belongs to Morgan's household" in body
    assert "System status" not in body


@pytest.mark.parametrize("persona", ["owner", "co_admin"])
def test_admins_land_on_the_dashboard_home(persona: str, request) -> None:  # type: ignore[no-untyped-def]
    who: Persona = request.getfixturevalue(persona)
    response = who.client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="/status/">System status</a>' in body
    assert who.client.get("/status/").status_code == 200


def test_someone_signed_in_before_any_household_goes_to_set_up(plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(factories.user_for(factories.plex_account("sasha")))
    assert client.get("/")["Location"] == "/accounts/setup/"
