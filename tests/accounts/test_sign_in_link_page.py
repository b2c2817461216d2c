"""Signing in without JavaScript through the plex.tv/link page the code page links to."""

from __future__ import annotations

import re

import pytest
import requests
from django.test import Client

from accounts.models import PinLogin, PlexAccount

pytestmark = pytest.mark.django_db


def test_the_code_page_links_to_plex_tv_link_where_the_code_signs_in(
    plexsim, plex_settings
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.post("/accounts/sign-in/link/", {"next": "/status/"})
    login = PinLogin.objects.get()
    page = client.get(f"/accounts/sign-in/pin/{login.public_id}/").content.decode()
    link = re.search(r'<a href="([^"]+)"[^>]*><strong>plex.tv/link</strong></a>', page)
    assert link is not None
    assert link.group(1) == f"{plexsim.url}/link"

    # The person opens that page (JavaScript or not), types the code and signs in.
    form = requests.get(link.group(1), timeout=5)
    assert form.status_code == 200
    assert 'name="code"' in form.text
    typed = {
        "code": login.code.lower(),
        "login": "morgan",
        "password": "owner-pass-1",
        "verificationCode": "246810",
    }
    done = requests.post(link.group(1), data=typed, timeout=5)
    assert done.status_code == 200
    assert "Device linked" in done.text

    response = client.post(f"/accounts/sign-in/pin/{login.public_id}/check/")
    final = client.get(response["Location"])
    assert (final.status_code, final["Location"]) == (302, "/accounts/setup/")
    # The dashboard holds the token plex.tv issued to its own device, not another device's.
    stored = PlexAccount.objects.get(plex_id=1001001).get_token()
    device = next(
        d
        for d in plexsim.state()["devices"]
        if d["ownerId"] == 1001001 and d["clientIdentifier"] == plex_settings.PLEX_CLIENT_IDENTIFIER
    )
    assert stored == device["token"] != "demo-owner-token-0001"


def test_without_a_simulator_the_link_is_plex_tv(plex_settings, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.post("/accounts/sign-in/link/", {"next": "/"})
    login = PinLogin.objects.get()
    plex_settings.PLEXTV_BASE_URL = ""
    page = client.get(f"/accounts/sign-in/pin/{login.public_id}/").content.decode()
    assert '<a href="https://plex.tv/link"' in page
