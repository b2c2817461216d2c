"""Every role against every page of the accounts area (and /status/)."""

from __future__ import annotations

import pytest

from accounts.models import Member, PlexAccount
from sharing import operations
from sharing.forms import new_key
from sharing.models import Operation
from tests.factories import CABIN, DEN
from tests.personas import Persona

pytestmark = pytest.mark.django_db

# page → which personas get the page (200); others: anonymous → sign-in, rest → 403 polite page
PAGES = {
    "/accounts/account/": {"owner", "co-admin"},
    "/accounts/roles/": {"owner", "co-admin"},
    "/accounts/me/": {"owner", "co-admin", "member"},
    "/status/": {"owner", "co-admin"},
}
PERSONAS = ["owner", "co_admin", "member", "outsider", "anonymous"]


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("persona_name", PERSONAS)
def test_it_gives_each_role_the_right_answer(path: str, persona_name: str, request) -> None:  # type: ignore[no-untyped-def]
    persona: Persona = request.getfixturevalue(persona_name)
    response = persona.client.get(path)
    body = response.content.decode()
    assert "demo-owner-token-0001" not in body
    if persona.name in PAGES[path]:
        assert response.status_code == 200
    elif persona.name == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/sign-in/?next={path}"
    else:
        assert response.status_code == 403
        assert "Morgan" in body
        assert "Den" not in body


def test_the_account_page_shows_profile_devices_and_servers(owner: Persona, account_read) -> None:  # type: ignore[no-untyped-def]
    body = owner.client.get("/accounts/account/").content.decode()
    assert "Morgan" in body
    assert 'badge-ok">active' in body
    assert "Living Room TV" in body
    assert "Morgan&#x27;s Den" in body
    assert "Cabin NAS" in body
    assert "Sign out of plex.tv too" in body


def test_a_co_admin_sees_no_plex_sign_out(co_admin: Persona) -> None:
    body = co_admin.client.get("/accounts/account/").content.decode()
    assert "Sign out of plex.tv too" not in body
    assert co_admin.client.post("/accounts/sign-out/plex/", {"confirm": "on"}).status_code == 403


def test_the_member_page_lists_their_libraries(member: Persona, synced, plexsim) -> None:  # type: ignore[no-untyped-def]
    plexsim.clear_requests()
    body = member.client.get("/accounts/me/").content.decode()
    assert "Morgan&#x27;s Den" in body
    assert "Movies, TV Shows" in body
    assert "<dt>Downloads</dt><dd>allowed</dd>" in body
    assert plexsim.requests() == []


def test_the_owner_grants_and_revokes_co_admin(owner: Persona, member: Persona) -> None:
    target = Member.objects.get(plex_account=member.account)
    assert owner.client.post(f"/accounts/roles/{target.pk}/grant-co-admin/").status_code == 302
    target.refresh_from_db()
    assert target.role == Member.Role.CO_ADMIN
    assert target.granted_by == owner.user
    assert member.client.get("/accounts/account/").status_code == 200
    assert owner.client.post(f"/accounts/roles/{target.pk}/revoke-co-admin/").status_code == 302
    target.refresh_from_db()
    assert target.role == Member.Role.MEMBER
    assert member.client.get("/accounts/account/").status_code == 403


def test_only_the_owner_grants(co_admin: Persona, member: Persona) -> None:
    target = Member.objects.get(plex_account=member.account)
    assert co_admin.client.post(f"/accounts/roles/{target.pk}/grant-co-admin/").status_code == 403
    target.refresh_from_db()
    assert target.role == Member.Role.MEMBER


def test_the_owner_role_cannot_be_changed_and_unknown_ids_are_404(owner: Persona) -> None:
    own = Member.objects.get(user=owner.user)
    assert owner.client.post(f"/accounts/roles/{own.pk}/revoke-co-admin/").status_code == 404
    assert owner.client.post("/accounts/roles/999999/grant-co-admin/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/roles/1/grant-co-admin/",
        "/accounts/account/view-state-sync/",
        "/accounts/account/servers/check/",
        "/accounts/account/devices/5001/remove/",
        "/accounts/sign-out/plex/",
        "/accounts/setup/pick/",
    ],
)
def test_it_rejects_get_on_actions(owner: Persona, path: str, plexsim) -> None:  # type: ignore[no-untyped-def]
    seq = plexsim.requests()[-1]["seq"] if plexsim.requests() else 0
    assert owner.client.get(path).status_code == 405
    assert plexsim.requests(since=seq) == []


def test_it_removes_a_device_only_when_confirmed(owner: Persona, plexsim) -> None:  # type: ignore[no-untyped-def]
    owner.client.post("/accounts/account/devices/5003/remove/", {"key": new_key()})
    assert not Operation.objects.exists()
    body = {"confirm": "on", "key": new_key()}
    response = owner.client.post("/accounts/account/devices/5003/remove/", body)
    assert response.status_code == 302
    op = Operation.objects.get(kind="account.remove_device")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    deletes = [r["path"] for r in plexsim.requests() if r["method"] == "DELETE"]
    assert deletes == ["/devices/5003.xml"]


def test_it_will_not_remove_a_device_outside_the_account(owner: Persona, plexsim) -> None:  # type: ignore[no-untyped-def]
    body = {"confirm": "on", "key": new_key()}
    owner.client.post("/accounts/account/devices/5004/remove/", body)
    op = Operation.objects.get(kind="account.remove_device")
    operations.execute(op.pk)
    assert not [r for r in plexsim.requests() if r["method"] == "DELETE"]


def test_it_checks_connections(owner: Persona, plexsim) -> None:  # type: ignore[no-untyped-def]
    response = owner.client.post("/accounts/account/servers/check/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="connections">')
    # Each server is reached at its own port.
    assert [body.count(plexsim.server_url(m)) for m in (DEN, CABIN)] == [1, 1]
    assert body.count(" ms</td>") == 2


def test_it_toggles_view_state_sync(owner: Persona, plexsim) -> None:  # type: ignore[no-untyped-def]
    owner.client.post("/accounts/account/view-state-sync/", {"consent": "on", "key": new_key()})
    for op in Operation.objects.filter(state=Operation.QUEUED):
        operations.execute(op.pk)
    morgan = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001001)
    assert morgan["viewStateSync"] is True
    owner.client.post("/accounts/account/view-state-sync/", {"key": new_key()})
    for op in Operation.objects.filter(state=Operation.QUEUED):
        operations.execute(op.pk)
    morgan = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001001)
    assert morgan["viewStateSync"] is False


def test_signing_out_of_plex_revokes_the_token(owner: Persona, plexsim) -> None:  # type: ignore[no-untyped-def]
    response = owner.client.post("/accounts/sign-out/plex/", {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/"
    account = PlexAccount.objects.get(pk=owner.account.pk)  # type: ignore[union-attr]
    assert account.token_ciphertext == ""
    assert account.token_status == PlexAccount.TokenStatus.NEEDS_RELINK
    assert ("DELETE", "/api/v2/users/signout") in [
        (r["method"], r["path"]) for r in plexsim.requests()
    ]
    assert "_auth_user_id" not in owner.client.session


def test_admins_see_the_relink_banner(owner: Persona, member: Persona) -> None:
    owner.account.mark_token(PlexAccount.TokenStatus.NEEDS_RELINK, "401")  # type: ignore[union-attr]
    assert "no longer accepts Morgan" in owner.client.get("/accounts/roles/").content.decode()
    assert "no longer accepts" not in member.client.get("/accounts/me/").content.decode()


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example", "https:evil.example", "/\\evil.example"]
)
def test_it_ignores_unsafe_next_urls(evil: str, plex_settings) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    page = client.get("/accounts/sign-in/", {"next": evil}).content.decode()
    assert 'name="next" value="/"' in page
    assert "evil.example" not in page
