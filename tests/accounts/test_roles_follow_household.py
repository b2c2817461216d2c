"""Scenario 43: whoever leaves the household loses their role and every session at once —
removed as a friend, removed from Home, or confirmed gone by the sync — and a fresh sign-in
checks membership again; every role change is in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from accounts.models import Member, PlexAccount, User
from sharing import operations
from sharing.forms import new_key
from sharing.models import AuditEvent, Operation, PlexUser
from tests import factories
from tests.personas import Persona

pytestmark = pytest.mark.django_db

PRIYA = 1001011
SIGN_IN = "/accounts/sign-in/password/"


def _priya_signed_in() -> tuple[Client, Member]:
    account = factories.plex_account("priya", plex_id=PRIYA, title="Priya")
    user = factories.user_for(account, Member.Role.MEMBER)
    client = Client()
    client.force_login(user)
    return client, Member.objects.get(user=user)


def _roles_audited(plex_id: int) -> list[tuple[str, str | None, str | None]]:
    events = AuditEvent.objects.filter(target_type="member", target_id=str(plex_id))
    return [
        (e.action, e.changes[0]["before"], e.changes[0]["after"])
        for e in events.order_by("created_at", "id")
    ]


def _run(kind: str) -> None:
    op = Operation.objects.get(kind=kind)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED


def _post(client: Client, url: str, capture: Any, **data: Any) -> Any:
    with capture(execute=False):
        return client.post(url, {"key": new_key(), **data})


def test_a_co_admin_removed_as_a_friend_loses_the_role_and_every_session(
    owner: Persona, synced, plexsim, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    priya, member = _priya_signed_in()
    owner.client.post(f"/accounts/roles/{member.pk}/grant-co-admin/")
    assert priya.get("/people/").status_code == 200

    person = PlexUser.objects.get(plex_id=PRIYA)
    _post(owner.client, f"/people/{person.pk}/remove/", django_capture_on_commit_callbacks)
    _run("friend.remove")

    assert not Member.objects.filter(pk=member.pk).exists()
    # Her old session is over: every page sends her to sign in, and nothing can be queued.
    old = priya.get("/people/")
    assert old.status_code == 302
    assert old["Location"].startswith("/accounts/sign-in/")
    sent = _post(
        priya, "/people/invite/send/", django_capture_on_commit_callbacks, email="x@example.com"
    )
    assert sent.status_code == 302
    assert Operation.objects.filter(kind="friend.invite").count() == 0

    # A fresh sign-in finds her outside the household.
    fresh = Client()
    signed_in = fresh.post(SIGN_IN, {"login": "priya", "password": "friend-pass-11"})
    assert signed_in["Location"] == "/"
    landing = fresh.get("/")
    assert landing.status_code == 403
    assert "not part of this household" in landing.content.decode()
    assert fresh.get("/people/").status_code == 403
    assert not Member.objects.filter(plex_account__plex_id=PRIYA).exists()

    assert _roles_audited(PRIYA) == [
        ("role.granted", "member", "co_admin"),
        ("role.ended", "co_admin", None),
    ]
    ended = AuditEvent.objects.get(action="role.ended")
    assert (ended.actor, ended.source) == (owner.user, AuditEvent.DASHBOARD)


def test_a_member_removed_from_home_loses_the_role_and_every_session(
    owner: Persona, co_admin: Persona, synced, plexsim, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    jamie = PlexUser.objects.get(plex_id=co_admin.account.plex_id)  # type: ignore[union-attr]
    assert co_admin.client.get("/people/").status_code == 200
    _post(owner.client, f"/people/{jamie.pk}/home/remove/", django_capture_on_commit_callbacks)
    _run("home.remove")
    assert not Member.objects.filter(user=co_admin.user).exists()
    assert co_admin.client.get("/people/").status_code == 302
    assert _roles_audited(jamie.plex_id)[-1] == ("role.ended", "co_admin", None)


def test_the_sync_that_confirms_someone_gone_ends_their_role(
    owner: Persona, member: Persona, synced, plexsim, settings
) -> None:  # type: ignore[no-untyped-def]
    from sharing.sync.runs import run_sync

    settings.SYNC_PRUNE_AFTER = 2
    alex = member.account.plex_id  # type: ignore[union-attr]
    plexsim.mutate(op="remove_friend", userId=alex)
    run_sync()
    # Missing once is not gone yet: a broken answer must not cost anyone their role.
    assert Member.objects.filter(user=member.user).exists()
    assert member.client.get("/accounts/me/").status_code == 200
    run_sync()
    assert PlexUser.objects.get(plex_id=alex).removed_locally_at is not None
    assert not Member.objects.filter(user=member.user).exists()
    assert member.client.get("/accounts/me/").status_code == 302
    ended = AuditEvent.objects.get(action="role.ended")
    assert (ended.actor, ended.source) == (None, AuditEvent.SYSTEM)


def test_an_admin_confirming_someone_gone_ends_their_role(
    owner: Persona, member: Persona, synced, plexsim
) -> None:  # type: ignore[no-untyped-def]
    from sharing.sync.runs import run_sync

    alex = member.account.plex_id  # type: ignore[union-attr]
    plexsim.mutate(op="remove_friend", userId=alex)
    run_sync()
    flagged = PlexUser.objects.get(plex_id=alex)
    assert flagged.missing_since is not None
    owner.client.post("/sharing/sync/prune/", {"person": [flagged.pk]})
    assert not Member.objects.filter(user=member.user).exists()
    assert member.client.get("/accounts/me/").status_code == 302
    assert AuditEvent.objects.get(action="role.ended").actor == owner.user


def test_sign_in_checks_a_co_admin_against_the_household_too(owner: Persona, plexsim) -> None:  # type: ignore[no-untyped-def]
    _, member = _priya_signed_in()
    owner.client.post(f"/accounts/roles/{member.pk}/grant-co-admin/")
    # Removed at plex.tv behind the dashboard's back; no sync has run.
    plexsim.mutate(op="remove_friend", userId=PRIYA)
    client = Client()
    client.post(SIGN_IN, {"login": "priya", "password": "friend-pass-11"})
    assert not Member.objects.filter(pk=member.pk).exists()
    assert client.get("/people/").status_code == 403


def test_sign_in_takes_a_member_from_the_synced_picture_without_asking_plex_tv(
    household, synced, plexsim
) -> None:  # type: ignore[no-untyped-def]
    plexsim.clear_requests()
    client = Client()
    response = client.post(SIGN_IN, {"login": "priya", "password": "friend-pass-11"})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/me/"
    member = Member.objects.get(plex_account__plex_id=PRIYA)
    assert member.role == Member.Role.MEMBER
    asked = [(r["method"], r["path"]) for r in plexsim.requests()]
    assert asked == [("POST", "/api/v2/users/signin")]
    assert _roles_audited(PRIYA) == [("role.member", None, "member")]


def test_a_person_plex_tv_does_not_list_signs_in_as_an_outsider(household, synced, plexsim) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.post(SIGN_IN, {"login": "sasha", "password": "sasha-pass-20"})
    assert client.get("/").status_code == 403
    assert not Member.objects.filter(plex_account__plex_id=1001020).exists()


def test_granting_and_revoking_are_audited_under_the_owner(owner: Persona, member: Persona) -> None:
    target = Member.objects.get(user=member.user)
    owner.client.post(f"/accounts/roles/{target.pk}/grant-co-admin/")
    owner.client.post(f"/accounts/roles/{target.pk}/revoke-co-admin/")
    events = AuditEvent.objects.filter(target_type="member").order_by("id")
    assert [(e.action, e.actor, e.target_label) for e in events] == [
        ("role.granted", owner.user, "alex.rivera"),
        ("role.revoked", owner.user, "alex.rivera"),
    ]
    trail = owner.client.get("/audit/").content.decode()
    assert "Made co-admin" in trail
    assert "Co-admin role taken back" in trail


def test_the_owner_never_loses_the_role_this_way(owner: Persona) -> None:
    from accounts.membership import end_roles

    morgan = owner.account.plex_id  # type: ignore[union-attr]
    assert end_roles([morgan]) == 0
    assert Member.objects.get(user=owner.user).role == Member.Role.OWNER
    assert owner.client.get("/people/").status_code == 200


def test_ending_sessions_keeps_the_user_row_and_its_history(member: Persona) -> None:
    from accounts.membership import end_roles

    user_id = member.user.pk  # type: ignore[union-attr]
    end_roles([member.account.plex_id])  # type: ignore[union-attr]
    assert User.objects.filter(pk=user_id).exists()
    assert PlexAccount.objects.filter(pk=member.account.pk).exists()  # type: ignore[union-attr]
    assert not User.objects.get(pk=user_id).has_usable_password()


KAI = 1001016


def test_a_person_with_a_pending_invite_signs_in_to_accept_it(
    household, synced, plexsim, owner: Persona, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from sharing.models import Invite

    invite = Invite.objects.get(invited_plex_id=KAI)
    client = Client()
    client.post(SIGN_IN, {"login": "kai", "password": "friend-pass-16"})
    assert client.get("/")["Location"] == "/me/"
    page = client.get("/me/").content.decode()
    assert "Waiting for you to accept" in page
    assert escape(invite.server.name) in page
    assert Member.objects.get(plex_account__plex_id=KAI).role == Member.Role.MEMBER

    # The owner withdraws the invite: the role it gave ends, with every session.
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"/people/invites/{invite.pk}/cancel/", {"key": new_key()})
    _run("invite.cancel")
    assert not Member.objects.filter(plex_account__plex_id=KAI).exists()
    assert client.get("/me/").status_code in (302, 403)
    again = Client()
    again.post(SIGN_IN, {"login": "kai", "password": "friend-pass-16"})
    assert again.get("/").status_code == 403


def test_an_invite_plex_tv_stops_listing_without_a_share_ends_the_role_at_the_sync(
    household, synced, plexsim, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from sharing.models import Invite
    from sharing.sync.runs import run_sync

    client = Client()
    client.post(SIGN_IN, {"login": "kai", "password": "friend-pass-16"})
    assert Member.objects.filter(plex_account__plex_id=KAI).exists()
    shared_server_id = Invite.objects.get(invited_plex_id=KAI).shared_server_id
    plexsim.mutate(op="remove_share", shareId=shared_server_id)  # withdrawn in Plex Web
    with django_capture_on_commit_callbacks(execute=True):
        run_sync()
    assert not Invite.objects.filter(invited_plex_id=KAI).exists()
    assert not Member.objects.filter(plex_account__plex_id=KAI).exists()
