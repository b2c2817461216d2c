"""Accepting the owner's pending shares and linking a TV with the member's own Plex sign-in
(/me/accept/, /me/link-tv/, /me/actions/<id>/): the token is used once by the worker and kept
nowhere; it must be the member's own account."""

from __future__ import annotations

import pytest
from django.core import serializers

from accounts.models import PinLogin
from accounts.plex import anonymous_client
from members.models import SignInAction
from members.tasks import check_once
from sharing.models import Invite, Share
from tests.members.conftest import KAI, run_sync
from tests.personas import Persona

pytestmark = pytest.mark.django_db


def _start(persona: Persona, path: str, data: dict[str, str] | None = None) -> SignInAction:
    response = persona.client.post(path, data or {})
    assert response.status_code == 302, response.content.decode()[:500]
    action = SignInAction.objects.select_related("pin_login").get(requester=persona.user)
    assert response["Location"] == f"/me/actions/{action.pk}/"
    return action


def _nothing_holds(token: str) -> None:
    rows = [*PinLogin.objects.all(), *SignInAction.objects.all()]
    assert token not in serializers.serialize("json", rows)


def test_a_member_accepts_the_owners_pending_share_with_their_sign_in(
    kai: Persona, synced, plexsim
) -> None:  # type: ignore[no-untyped-def]
    assert Invite.objects.filter(invited_plex_id=KAI).exists()
    action = _start(kai, "/me/accept/")
    page = kai.client.get(f"/me/actions/{action.pk}/").content.decode()
    assert 'id="continue-to-plex"' in page
    assert check_once(action) == "pending"
    assert action.pin_login is not None
    token = plexsim.approve_pin(action.pin_login.code, "kai")
    assert check_once(action) == SignInAction.DONE
    assert action.detail == "Accepted 1 share(s): enjoy!"
    _nothing_holds(token)
    run_sync()
    assert not Invite.objects.filter(invited_plex_id=KAI).exists()
    share = Share.objects.get(user__plex_id=KAI)
    assert share.pending is False
    assert list(share.libraries.values_list("title", flat=True)) == ["Movies"]
    page = kai.client.get(f"/me/actions/{action.pk}/").content.decode()
    assert "Accepted 1 share(s)" in page
    assert "Waiting for you to accept" not in kai.client.get("/me/").content.decode()


def test_signing_in_as_someone_else_accepts_nothing(kai: Persona, synced, plexsim) -> None:  # type: ignore[no-untyped-def]
    action = _start(kai, "/me/accept/")
    assert action.pin_login is not None
    token = plexsim.approve_pin(action.pin_login.code, "alex.rivera")
    assert check_once(action) == SignInAction.FAILED
    assert "You signed in to Plex as alex.rivera, not as kai" in action.detail
    _nothing_holds(token)
    run_sync()
    assert Invite.objects.filter(invited_plex_id=KAI).exists()


def test_a_member_links_a_tv_by_its_code(member: Persona, synced, plexsim) -> None:  # type: ignore[no-untyped-def]
    tv = anonymous_client()
    shown = tv.create_pin()
    action = _start(member, "/me/link-tv/", {"code": f" {shown.code.lower()} "})
    assert action.device_code == shown.code
    assert action.pin_login is not None
    token = plexsim.approve_pin(action.pin_login.code, "alex.rivera")
    assert check_once(action) == SignInAction.DONE
    assert shown.code in action.detail
    linked = tv.check_pin(shown.id)
    assert linked.linked
    assert linked.auth_token
    _nothing_holds(token)


def test_a_code_no_tv_shows_is_told(member: Persona, synced, plexsim) -> None:  # type: ignore[no-untyped-def]
    action = _start(member, "/me/link-tv/", {"code": "ZZZZ"})
    assert action.pin_login is not None
    plexsim.approve_pin(action.pin_login.code, "alex.rivera")
    assert check_once(action) == SignInAction.FAILED
    assert "No device is waiting for the code ZZZZ" in action.detail


@pytest.mark.parametrize("code", ["", "ABC", "ABCDE", "AB-C!", "é123"])
def test_a_malformed_code_comes_back_with_the_form(member: Persona, synced, code: str) -> None:  # type: ignore[no-untyped-def]
    response = member.client.post("/me/link-tv/", {"code": code})
    assert response.status_code == 400
    assert "Code on the TV" in response.content.decode()
    assert not SignInAction.objects.exists()
    assert not PinLogin.objects.exists()


def test_an_expired_sign_in_ends_the_action(kai: Persona, synced, plexsim) -> None:  # type: ignore[no-untyped-def]
    action = _start(kai, "/me/accept/")
    plexsim.advance_clock(3600)
    assert check_once(action) == SignInAction.FAILED
    assert "expired" in action.detail


def test_another_members_action_is_a_404(kai: Persona, member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    action = _start(kai, "/me/accept/")
    assert member.client.get(f"/me/actions/{action.pk}/").status_code == 404
    assert member.client.post(f"/me/actions/{action.pk}/check/").status_code == 404


def test_plex_tv_down_starts_nothing(kai: Persona, synced, plexsim) -> None:  # type: ignore[no-untyped-def]
    plexsim.add_fault(action="status", method="POST", path="/api/v2/pins", status=503, times=50)
    response = kai.client.post("/me/accept/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert not SignInAction.objects.exists()
    assert "Plex could not be reached" in kai.client.get("/me/").content.decode()
