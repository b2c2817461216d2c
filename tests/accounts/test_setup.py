from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Household, Member, PlexAccount
from tests import factories

pytestmark = pytest.mark.django_db


def _first_person(username: str = "morgan") -> Client:
    account = factories.plex_account(username, keep_token=True, title=username.title())
    client = Client()
    client.force_login(factories.user_for(account))
    return client


def test_it_offers_only_the_servers_the_person_owns(plex_settings) -> None:  # type: ignore[no-untyped-def]
    body = _first_person().get("/accounts/setup/").content.decode()
    assert factories.DEN in body
    assert factories.CABIN in body
    assert "Sasha&#x27;s NAS" not in body
    assert "Living Room TV" not in body


def test_it_makes_the_picker_the_owner_and_forgets_other_tokens(plex_settings) -> None:  # type: ignore[no-untyped-def]
    bystander = factories.plex_account("jamie", keep_token=True)
    client = _first_person()
    response = client.post("/accounts/setup/pick/", {"machine_identifier": factories.CABIN})
    assert response["Location"] == "/accounts/account/"
    household = Household.current()
    assert household is not None
    assert household.server_name == "Cabin NAS"
    assert household.owner.username == "morgan"
    assert Member.objects.get(plex_account=household.owner).role == Member.Role.OWNER
    assert PlexAccount.objects.get(pk=bystander.pk).token_ciphertext == ""
    assert client.get("/accounts/setup/")["Location"] == "/"


def test_it_refuses_a_server_the_person_does_not_own(plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = _first_person("sasha")
    response = client.post("/accounts/setup/pick/", {"machine_identifier": factories.DEN})
    assert response.status_code == 302
    assert Household.current() is None


def test_only_the_first_household_wins(household: Household) -> None:
    client = _first_person("sasha")
    response = client.post(
        "/accounts/setup/pick/", {"machine_identifier": "521bc717385d3330c0df30700a6bda3979594e02"}
    )
    assert response.status_code == 403
    assert Household.objects.count() == 1


def test_it_shows_a_claim_token(plex_settings) -> None:  # type: ignore[no-untyped-def]
    body = _first_person().get("/accounts/setup/claim-token/").content.decode()
    assert 'class="claim-token">claim-' in body
    assert "four minutes" in body
