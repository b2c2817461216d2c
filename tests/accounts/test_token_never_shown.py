"""Scenario 20: no accounts page or htmx partial shows the token, and none may be stored by a
browser or proxy cache (Cache-Control: no-store)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client

from accounts import services
from accounts.models import Household, PinLogin
from tests import factories

pytestmark = pytest.mark.django_db

CANARY = "tOkEn5CanaryQ8wR3zY6"
HX = {"HX-Request": "true"}


def _check(response: HttpResponse) -> None:
    everything = response.content.decode() + str(response.headers)
    assert CANARY not in everything
    assert CANARY[-8:] not in everything
    assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


@pytest.fixture
def canary_household(household: Household, plexsim) -> Household:  # type: ignore[no-untyped-def]
    plexsim.mutate(op="set_account", userId=1001001, token=CANARY)
    household.owner.set_token(CANARY)
    household.owner.save()
    return household


def test_the_admin_pages_and_partials_never_show_the_token(
    canary_household: Household, owner, co_admin
) -> None:  # type: ignore[no-untyped-def]
    from accounts.tasks import refresh_account_picture

    assert refresh_account_picture()["status"] == "read"
    for persona in (owner, co_admin):
        client = persona.client
        account = client.get("/accounts/account/")
        assert account.status_code == 200
        assert "Living Room TV" in account.content.decode()
        responses = [
            account,
            client.get("/accounts/roles/"),
            client.get("/accounts/me/"),
            client.post("/accounts/account/servers/check/", headers=HX),
            client.post("/accounts/account/servers/check/"),
        ]
        partial = responses[3]
        assert partial.status_code == 200
        assert b'id="connections"' in partial.content
        assert b"<html" not in partial.content
        for response in responses:
            _check(response)
    _check(owner.client.get("/accounts/setup/claim-token/"))


def test_member_and_outsider_pages_never_show_the_token(
    canary_household: Household, member, outsider
) -> None:  # type: ignore[no-untyped-def]
    mine = member.client.get("/accounts/me/")
    assert mine.status_code == 200
    _check(mine)
    refused = member.client.get("/accounts/account/")
    assert refused.status_code == 403
    _check(refused)
    not_yours = outsider.client.get("/accounts/me/")
    assert not_yours.status_code == 403
    _check(not_yours)


def test_the_sign_in_pages_and_partials_never_show_the_token(plex_settings, plexsim) -> None:  # type: ignore[no-untyped-def]
    plexsim.mutate(op="set_account", userId=1001001, token=CANARY)
    client = Client()
    _check(client.get("/accounts/sign-in/"))
    _check(client.get("/accounts/sign-in/password/"))
    started = client.post("/accounts/sign-in/plex/", {"next": "/"}, headers=HX)
    assert started.status_code == 200
    assert b"data-auth-url" in started.content
    _check(started)
    login = PinLogin.objects.get()
    base = f"/accounts/sign-in/pin/{login.public_id}/"
    _check(client.get(base))
    _check(client.get(base + "status/", headers=HX))
    _check(client.get(base + "done/"))

    plexsim.approve_pin(login.code, "morgan")
    services.poll_pin_login(login.pk, sleep=lambda seconds: None)
    finished = client.get(base + "status/", headers=HX)
    assert finished["HX-Redirect"] == "/accounts/setup/"
    _check(finished)
    plex_settings.PLEXADMIN_OWNER = "morgan"
    setup = client.get("/accounts/setup/")
    assert b"Morgan&#x27;s Den" in setup.content
    _check(setup)

    no_js = Client()
    code_page = no_js.post("/accounts/sign-in/link/", {"next": "/"}, follow=True)
    assert code_page.status_code == 200
    _check(code_page)


def test_the_first_run_pages_never_show_the_token(plex_settings, plexsim) -> None:  # type: ignore[no-untyped-def]
    plex_settings.PLEXADMIN_OWNER = "morgan"
    plexsim.mutate(op="set_account", userId=1001001, token=CANARY)
    morgan = factories.plex_account("morgan")
    morgan.set_token(CANARY)
    morgan.save()
    client = Client()
    client.force_login(factories.user_for(morgan))
    setup = client.get("/accounts/setup/")
    assert b"Cabin NAS" in setup.content
    _check(setup)
    _check(client.get("/accounts/setup/claim-token/"))


def test_only_the_popup_pages_relax_the_opener_policy(plex_settings) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    sign_in = client.get("/accounts/sign-in/")
    # Keeps its handle on the plex.tv popup it opens; other origins still get none.
    assert sign_in["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
    client.post("/accounts/sign-in/plex/", {"next": "/"})
    base = f"/accounts/sign-in/pin/{PinLogin.objects.get().public_id}/"
    assert client.get(base + "done/")["Cross-Origin-Opener-Policy"] == "unsafe-none"
    assert client.get(base)["Cross-Origin-Opener-Policy"] == "same-origin"
    assert client.get("/accounts/sign-in/password/")["Cross-Origin-Opener-Policy"] == "same-origin"
