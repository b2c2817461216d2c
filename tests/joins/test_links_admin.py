"""Profiles and links from the admin's side: creation, code shown once, state, actions."""

from __future__ import annotations

import re

import pytest

from joins.models import AccessProfile, InviteLink, hash_code
from tests.joins.conftest import MOVIES, TV, code_in, den, link_body

pytestmark = pytest.mark.django_db


def test_admin_creates_a_link_and_sees_the_code_once(owner, synced) -> None:
    response = owner.client.post("/links/new/", link_body())
    assert response.status_code == 200, response.content.decode()[:800]
    html = response.content.decode()
    code = code_in(html)
    assert len(code) >= 22  # 128 bits in URL-safe base64
    assert "no-store" in response["Cache-Control"]
    assert "<svg" in html
    assert "qrline" in html
    link = InviteLink.objects.get()
    assert link.code_hash == hash_code(code)
    assert code not in str(InviteLink.objects.values().get())
    assert link.max_uses == 2
    assert link.grants["servers"][0]["libraries"] == [MOVIES, TV]
    listing = owner.client.get("/links/").content.decode()
    assert "Film club" in listing
    assert code not in listing
    assert "0 / 2" in listing


def test_a_link_needs_a_library_and_sane_numbers(owner, synced) -> None:
    p = f"s{den().pk}"
    for bad in (
        {f"{p}_libraries": []},
        {"max_uses": "0"},
        {"label": " "},
        {"expires_on": "2001-01-01"},
    ):
        response = owner.client.post("/links/new/", link_body(**bad))
        assert response.status_code == 200
        assert "/join/" not in response.content.decode()
    assert not InviteLink.objects.exists()


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_non_admins_cannot_manage_links(persona, request, synced) -> None:
    who = request.getfixturevalue(persona)
    assert who.client.get("/links/").status_code == 403
    assert who.client.post("/links/new/", link_body()).status_code == 403
    assert who.client.post("/links/profiles/new/", {"name": "x"}).status_code == 403
    assert not InviteLink.objects.exists()
    assert not AccessProfile.objects.exists()


def test_profiles_are_created_used_and_edited_without_changing_links(owner, synced) -> None:
    p = f"s{den().pk}"
    body = {
        "name": "Family",
        f"{p}_libraries": [str(MOVIES)],
        f"{p}_allow_sync": "on",
        f"{p}_allow_tuners": "1",
        "default_access_days": "30",
    }
    body = link_body(**{k: v for k, v in body.items()}) | {"name": "Family"}
    body[f"{p}_libraries"] = [str(MOVIES)]
    assert owner.client.post("/links/profiles/new/", body).status_code == 302
    profile = AccessProfile.objects.get(name="Family")
    [entry] = profile.grants["servers"]
    assert entry["libraries"] == [MOVIES]
    assert entry["access"]["allow_sync"] is True
    assert entry["access"]["allow_tuners"] == 1
    response = owner.client.post("/links/new/", link_body(profile=str(profile.pk)))
    assert response.status_code == 200
    link = InviteLink.objects.get()
    assert link.grants == profile.grants
    assert link.access_days == 30
    body[f"{p}_libraries"] = [str(MOVIES), str(TV)]
    assert owner.client.post(f"/links/profiles/{profile.pk}/", body).status_code == 302
    link.refresh_from_db()
    assert link.grants["servers"][0]["libraries"] == [MOVIES]  # the link keeps its copy


def test_disable_enable_and_delete(owner, synced) -> None:
    owner.client.post("/links/new/", link_body())
    link = InviteLink.objects.get()
    assert owner.client.post(f"/links/{link.pk}/disable/").status_code == 302
    link.refresh_from_db()
    assert link.state == InviteLink.DISABLED
    owner.client.post(f"/links/{link.pk}/enable/")
    link.refresh_from_db()
    assert link.state == InviteLink.ACTIVE
    page = owner.client.get(f"/links/{link.pk}/delete/")
    assert page.status_code == 200
    assert InviteLink.objects.exists()
    assert owner.client.get(f"/links/{link.pk}/disable/").status_code == 405
    assert owner.client.post(f"/links/{link.pk}/delete/").status_code == 302
    assert not InviteLink.objects.exists()


def test_codes_carry_at_least_128_bits_and_never_repeat() -> None:
    from joins.services import new_code

    codes = {new_code() for _ in range(10_000)}
    assert len(codes) == 10_000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", c) for c in codes)  # 24 bytes = 192 bits
