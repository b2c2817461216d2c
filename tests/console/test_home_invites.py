"""Pending Home invitations: listed, cancellable, never sent twice; plex.tv's reasons shown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from accounts.plex import owner_client
from sharing import operations
from sharing.forms import new_key
from sharing.models import HomeInvite, Invite, Operation
from tests.console.conftest import CABIN, DEN, person, run_sync

pytestmark = pytest.mark.django_db

SEND = "/people/home/invite/send/"
PRIYA, TOMASZ, RIVER, SASHA = 1001011, 1001012, 1001017, 1001020


def send(client, who: str, capture) -> Any:  # type: ignore[no-untyped-def]
    with capture(execute=False):
        return client.post(SEND, {"key": new_key(), "who": who})


def sim_home_invites(plexsim: Any, user_id: int) -> list[dict[str, Any]]:
    return [i for i in plexsim.state()["homeInvites"] if i["userId"] == user_id]


def test_a_home_invite_is_listed_and_a_second_one_is_refused(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    first = send(owner.client, "priya", django_capture_on_commit_callbacks)
    op = Operation.objects.get(kind="home.invite")
    assert first["Location"] == f"/people/?op={op.pk}"
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    [row] = HomeInvite.objects.all()
    assert (row.plex_id, row.username, row.sent_by) == (PRIYA, "priya", owner.user)

    people = owner.client.get("/people/").content.decode()
    assert "Home invite pending" in people
    assert f'href="/people/home/invites/{row.pk}/cancel/confirm/"' in people
    page = owner.client.get(f"/people/{person('priya').pk}/").content.decode()
    assert "Home invite pending" in page

    second = send(owner.client, "PRIYA@example.com", django_capture_on_commit_callbacks)
    assert second.status_code == 400
    html = second.content.decode()
    assert "already has a pending invitation into your Home" in html
    assert f'href="/people/home/invites/{row.pk}/cancel/confirm/"' in html
    assert Operation.objects.filter(kind="home.invite").count() == 1
    assert len(sim_home_invites(plexsim, PRIYA)) == 1


def test_the_worker_sends_no_second_invite_when_one_is_pending_at_plex_tv(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    owner_client().invite_to_home("priya")  # from Plex Web, after the last sync
    send(owner.client, "priya", django_capture_on_commit_callbacks)
    op = Operation.objects.get(kind="home.invite")
    assert operations.execute(op.pk).state == Operation.FAILED
    op.refresh_from_db()
    assert "already has a pending invitation" in op.message
    assert not op.retryable
    assert len(sim_home_invites(plexsim, PRIYA)) == 1
    assert HomeInvite.objects.filter(plex_id=PRIYA).exists()  # now listed


def test_it_cancels_a_pending_home_invite(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    send(owner.client, "priya", django_capture_on_commit_callbacks)
    assert operations.execute(Operation.objects.get().pk).state == Operation.SUCCEEDED
    row = HomeInvite.objects.get()
    confirm = owner.client.get(f"/people/home/invites/{row.pk}/cancel/confirm/").content.decode()
    assert "Cancel the Home invite to priya?" in confirm
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.client.post(f"/people/home/invites/{row.pk}/cancel/", {"key": new_key()})
    op = Operation.objects.get(kind="home.invite_cancel")
    assert response["Location"] == f"/people/?op={op.pk}"
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert sim_home_invites(plexsim, PRIYA) == []
    assert not HomeInvite.objects.exists()
    assert PRIYA not in plexsim.state()["homes"][0]["memberIds"]
    assert "Home invite pending" not in owner.client.get("/people/").content.decode()


def test_cancelling_never_removes_someone_who_accepted_meanwhile(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    send(owner.client, "priya", django_capture_on_commit_callbacks)
    assert operations.execute(Operation.objects.get().pk).state == Operation.SUCCEEDED
    row = HomeInvite.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        owner.client.post(f"/people/home/invites/{row.pk}/cancel/", {"key": new_key()})
    [invite] = sim_home_invites(plexsim, PRIYA)
    plexsim.accept_invite(invite["id"])
    op = Operation.objects.get(kind="home.invite_cancel")
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    op.refresh_from_db()
    assert "accepted and is in your Home now" in op.message
    assert PRIYA in plexsim.state()["homes"][0]["memberIds"]


def test_the_sync_lists_pending_home_invites_with_plex_tvs_time(owner, synced, plexsim) -> None:
    owner_client().invite_to_home("priya")
    [invite] = sim_home_invites(plexsim, PRIYA)
    run_sync()
    row = HomeInvite.objects.get()
    assert row.plex_id == PRIYA
    assert row.invited_at == datetime.fromtimestamp(invite["createdAt"], UTC)
    # Accepted: the next sync drops the invitation.
    plexsim.accept_invite(invite["id"])
    run_sync()
    assert not HomeInvite.objects.exists()


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("morgan", "That&#x27;s you"),
        ("morgan@example.com", "That&#x27;s you"),
        ("jamie", "jamie is already in your Home"),
    ],
)
def test_it_refuses_obvious_mistakes_before_calling_plex_tv(
    owner, synced, plexsim, who: str, message: str
) -> None:
    response = owner.client.post(SEND, {"key": new_key(), "who": who})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("nobody@example.com", "plex.tv said: “User not found”"),
        ("tomasz", "plex.tv said: “tomasz is already a member of a Home”"),
    ],
)
def test_plex_tvs_reason_is_shown_and_no_retry_is_offered(
    owner, synced, plexsim, django_capture_on_commit_callbacks, who: str, reason: str
) -> None:
    plexsim.mutate(op="set_account", username="sasha", plexPass=True)
    plexsim.mutate(op="add_home_user", ownerId=SASHA, username="tomasz")
    response = send(owner.client, who, django_capture_on_commit_callbacks)
    op = Operation.objects.get(kind="home.invite")
    assert operations.execute(op.pk).state == Operation.FAILED
    page = owner.client.get(response["Location"]).content.decode()
    assert reason in page
    assert "/retry/" not in page
    assert "demo-owner-token" not in page


def test_pending_invites_show_plex_tvs_time_follow_the_sort_and_group_each_person(
    owner, synced, plexsim
) -> None:
    client = owner_client()
    client.invite_friend(DEN, "river", ["Movies"])
    client.invite_friend(CABIN, "river", ["Anime"])
    run_sync()
    kai = Invite.objects.get(shared_server_id=30013)
    assert kai.created_at == datetime.fromtimestamp(1_700_000_000 + 30013, UTC)

    def names(sort: str) -> list[str]:
        response = owner.client.get("/people/", {"sort": sort, "kind": "pending"})
        return [row.name for row in response.context["pending_rows"]]

    assert names("name") == ["kai", "nina@example.com", "river"]
    assert names("-name") == ["river", "nina@example.com", "kai"]
    assert names("added")[0] == "river"  # sent just now; kai and nina in 2023
    html = owner.client.get("/people/").content.decode()
    assert html.count("Home invite pending") == 0
    assert 'title="2023-11-15' in html  # kai's invite, sent when plex.tv says
    river = next(
        row for row in owner.client.get("/people/").context["pending_rows"] if row.name == "river"
    )
    assert sorted(s.invite.server.name for s in river.servers) == ["Cabin NAS", "Morgan's Den"]
