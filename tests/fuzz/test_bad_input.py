"""The trial's bad inputs, one by one: each answered with a clear 4xx or a safe default.

Found by hand on 2026-11-29 (every one a 500 then); the generated fuzz in test_every_view.py
covers them too, but these say exactly what is expected.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.http import MAX_ID, parse_id
from accounts.models import Household, PinLogin
from plexadmin.middleware import NUL_REFUSED
from sharing.forms import new_key
from sharing.models import Operation, PlexUser
from tests.personas import Persona

pytestmark = pytest.mark.django_db

NOT_PATHS = [
    "0",
    "logout",
    "²",
    "//evil.example",
    "https://evil.example/",
    "https:evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    " /status/",
    "/" + "x" * 600,
]


@pytest.mark.parametrize("next_value", NOT_PATHS)
def test_a_signed_in_visitor_with_an_odd_next_lands_on_the_home_page(
    owner: Persona, next_value: str
) -> None:
    response = owner.client.get("/accounts/sign-in/", {"next": next_value})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_path_of_this_site_is_still_followed(owner: Persona) -> None:
    response = owner.client.get("/accounts/sign-in/", {"next": "/people/?q=kai"})
    assert response["Location"] == "/people/?q=kai"


def test_password_sign_in_with_next_logout_keeps_the_sign_in(household: Household) -> None:
    client = Client()
    response = client.post(
        "/accounts/sign-in/password/",
        {"login": "morgan", "password": "owner-pass-1", "code": "246810", "next": "logout"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" in client.session
    assert client.get("/people/").status_code == 200


def test_an_overlong_next_is_not_kept_with_the_sign_in_attempt(household: Household) -> None:
    response = Client().post("/accounts/sign-in/plex/", {"next": "/" + "x" * 600})
    assert response.status_code == 302
    assert PinLogin.objects.get().next_url == "/"


@pytest.mark.parametrize("person", ["²", "9" * 25, str(2**64 + 1), "-1", "0", "x"])
def test_prune_refuses_a_selection_that_is_not_people(owner: Persona, person: str) -> None:
    gone = PlexUser.objects.create(
        plex_id=5, title="gone", missing_since=timezone.now(), missing_syncs=1
    )
    response = owner.client.post(
        "/sharing/sync/prune/", {"person": [str(gone.pk), person]}, follow=True
    )
    assert response.status_code == 200
    assert "That selection is not a list of people; nobody was removed." in (
        response.content.decode()
    )
    gone.refresh_from_db()
    assert gone.removed_locally_at is None


def test_prune_with_nothing_picked_asks_for_a_pick(owner: Persona) -> None:
    response = owner.client.post("/sharing/sync/prune/", follow=True)
    assert "Pick at least one person to remove." in response.content.decode()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/account/devices/5002/remove/", {"confirm": "on", "name": "Morgan\x00s"}),
        ("/accounts/account/devices/%00/remove/", {"confirm": "on", "name": "phone"}),
        ("/accounts/account/devices/5002/remove/", {"confirm": "on", "key\x00": "x"}),
    ],
)
def test_removing_a_device_with_a_nul_byte_is_a_clear_400(
    owner: Persona, path: str, data: dict[str, str]
) -> None:
    response = owner.client.post(path, {"key": new_key(), **data})
    assert response.status_code == 400
    assert response.content.decode() == NUL_REFUSED
    assert not Operation.objects.exists()


@pytest.mark.parametrize("query", ["q=a%00b", "person=%00", "%00=1"])
def test_a_nul_byte_in_the_query_is_a_clear_400(owner: Persona, query: str) -> None:
    response = owner.client.get(f"/audit/?{query}")
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_byte_in_a_cookie_is_a_clear_400(anonymous: Persona) -> None:
    anonymous.client.cookies["theme"] = "dark\x00"
    assert anonymous.client.get("/accounts/sign-in/").status_code == 400


def test_the_nul_refusal_comes_before_the_sign_in_check(anonymous: Persona) -> None:
    """Nothing reads the session or the database for such a request, not even the door."""
    response = anonymous.client.post("/people/invite/send/", {"who": "a\x00b"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("42", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 25, None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("٣", None),
        (" 7", None),
        ("", None),
        ("1e3", None),
    ],
)
def test_parse_id_takes_only_database_ids(text: str, expected: int | None) -> None:
    assert parse_id(text) == expected
