"""Inviting a friend: validation before plex.tv, the operation, "already sharing", lost answers."""

from __future__ import annotations

from typing import Any

import pytest

from sharing import operations
from sharing.forms import new_key
from sharing.models import AuditEvent, Invite, Operation
from tests.console.conftest import CABIN, DEN, person, plex_writes, sim_settings

pytestmark = pytest.mark.django_db

MOVIES, TV, MUSIC = 118181361, 118181362, 118181363
ANIME = 118290003
PAGE, SEND = "/people/invite/", "/people/invite/send/"


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": new_key(),
        "who": "new.friend@example.com",
        "libraries": [MOVIES, TV],
        "allow_sync": "on",
        "allow_tuners": "0",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def shares_for(plexsim: Any, machine: str, email: str = "", user_id: int | None = None) -> list:
    return [
        s
        for s in plexsim.state()["shares"]
        if s["machineIdentifier"] == machine
        and ((email and s.get("invitedEmail") == email) or (user_id and s.get("userId") == user_id))
    ]


def send(client, data: dict[str, Any], capture) -> Operation:  # type: ignore[no-untyped-def]
    with capture(execute=False):
        response = client.post(SEND, data)
    assert response.status_code == 302, response.content.decode()[:500]
    op = Operation.objects.get(kind="friend.invite")
    assert response["Location"] == f"/people/?op={op.pk}"
    return op


def test_it_shows_the_invite_form_to_admins(owner, co_admin, synced) -> None:
    for who in (owner, co_admin):
        html = who.client.get(PAGE).content.decode()
        assert "Morgan&#x27;s Den · Movies" in html
        assert "Cabin NAS · Anime" in html


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_it_refuses_non_admins(persona, request, synced, plexsim) -> None:
    who = request.getfixturevalue(persona)
    assert who.client.get(PAGE).status_code == 403
    assert who.client.post(SEND, body()).status_code == 403
    assert not Operation.objects.exists()


def test_it_rejects_get_on_send(owner, synced) -> None:
    assert owner.client.get(SEND).status_code == 405


def test_it_invites_an_email_to_two_libraries(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    op = send(owner.client, body(), django_capture_on_commit_callbacks)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    [share] = shares_for(plexsim, DEN, email="new.friend@example.com")
    assert sorted(share["sectionIds"]) == [MOVIES, TV]
    assert not share["accepted"]
    invite = Invite.objects.get(shared_server_id=share["id"])
    assert invite.email == "new.friend@example.com"
    assert sorted(invite.libraries.values_list("global_id", flat=True)) == [MOVIES, TV]
    assert invite.sent_by == owner.user
    event = AuditEvent.objects.get(action="friend.invite")
    assert event.target_label == "new.friend@example.com"
    assert {"field": "servers", "before": None, "after": ["Morgan's Den"]} in event.changes


def test_it_shares_every_chosen_server(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    op = send(owner.client, body(libraries=[MOVIES, ANIME]), django_capture_on_commit_callbacks)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert [s["sectionIds"] for s in shares_for(plexsim, DEN, email="new.friend@example.com")] == [
        [MOVIES]
    ]
    assert [
        s["sectionIds"] for s in shares_for(plexsim, CABIN, email="new.friend@example.com")
    ] == [[ANIME]]


def test_it_tells_the_admin_that_priya_already_has_access_and_sends_nothing(
    owner, synced, plexsim
) -> None:
    # priya has every library of Morgan's Den and a label filter: an invite would replace that.
    response = owner.client.post(SEND, body(who="priya", libraries=[MOVIES]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "priya already has access to Morgan&#x27;s Den" in html
    assert f'href="/people/{person("priya").pk}/"' in html
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_it_refuses_to_invite_the_owner(owner, synced, plexsim) -> None:
    for who in ("morgan", "MORGAN@example.com"):
        response = owner.client.post(SEND, body(who=who))
        assert response.status_code == 400
        assert "That&#x27;s you" in response.content.decode()
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_a_share_found_only_by_the_worker_gets_what_was_asked_added(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    # lena gets a share of the Den from Plex Web after the last sync: the form cannot know.
    lena = plexsim.mutate(
        op="add_friend",
        username="lena",
        email="lena@example.com",
        servers=[{"machineIdentifier": DEN, "sectionIds": [MOVIES, TV]}],
        settings={"allowSync": True, "filterMovies": "label!=Horror"},
    )["userId"]
    op = send(
        owner.client,
        body(who="lena", libraries=[MUSIC], allow_sync=None, allow_channels="on"),
        django_capture_on_commit_callbacks,
    )
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    [share] = shares_for(plexsim, DEN, user_id=lena)
    assert sorted(share["sectionIds"]) == [MOVIES, TV, MUSIC]
    settings = sim_settings(plexsim, lena)
    assert settings["filterMovies"] == "label!=Horror"
    assert settings["allowSync"] is True  # hers, kept although the invite did not ask
    assert settings["allowChannels"] is True  # asked for
    assert settings["allowCameraUpload"] is False  # neither hers nor asked
    op.refresh_from_db()
    assert "Invited" not in op.message
    assert "lena already had access to Morgan's Den: added Music, channels" in op.message


def test_the_worker_never_narrows_a_share_of_every_library(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    # The form refuses this; a change submitted by other means meets the same rule.
    with django_capture_on_commit_callbacks(execute=False):
        op, _ = operations.submit(
            "friend.invite",
            "invitee",
            "priya",
            {
                "label": "priya",
                "address": "priya",
                "servers": [{"machine": DEN, "name": "Morgan's Den", "libraries": [MOVIES]}],
                "access": {"allow_sync": True, "allow_tuners": 0},
            },
            owner.user,
            new_key(),
        )
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    [share] = shares_for(plexsim, DEN, user_id=1001011)
    assert share["allLibraries"] is True
    assert sim_settings(plexsim, 1001011)["filterMovies"] == "label!=Horror"
    assert sim_settings(plexsim, 1001011)["allowSync"] is False
    assert [r for r in plex_writes(plexsim) if "shared_servers/" in r["path"]] == []
    op.refresh_from_db()
    assert "priya already had every library of Morgan's Den; nothing was changed" in op.message


def test_it_reads_the_shares_instead_of_posting_again_when_the_answer_is_lost(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    plexsim.add_fault(action="reset", method="POST", path="/api/servers/*/shared_servers", times=1)
    op = send(owner.client, body(), django_capture_on_commit_callbacks)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert len(shares_for(plexsim, DEN, email="new.friend@example.com")) == 1
    posts = [
        r
        for r in plexsim.requests()
        if r["method"] == "POST" and r["path"].endswith("/shared_servers")
    ]
    assert len(posts) == 1


def test_a_redelivery_after_a_crash_makes_no_second_share(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    op = send(owner.client, body(), django_capture_on_commit_callbacks)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    # The worker died after plex.tv applied the invite but before the row was marked done.
    Operation.objects.filter(pk=op.pk).update(state=Operation.RUNNING)
    assert operations.execute(op.pk).state == Operation.SUCCEEDED
    assert len(shares_for(plexsim, DEN, email="new.friend@example.com")) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"who": "not an address"}, "Enter an e-mail address or a Plex username"),
        ({"who": "bad@@example.com"}, "Enter a valid email address"),
        ({"who": ""}, "This field is required"),
        ({"who": "x" * 300}, "at most 254 characters"),
        ({"libraries": []}, "Pick at least one library"),
        ({"libraries": [120000001]}, "Select a valid choice"),
        ({"who": "kai@example.com"}, "already has a pending invite"),
        ({"allow_tuners": "-1"}, "Select a valid choice"),
    ],
)
def test_it_rejects_invalid_input_before_calling_plex_tv(
    owner, synced, plexsim, overrides: dict[str, Any], message: str
) -> None:
    response = owner.client.post(SEND, body(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Operation.objects.exists()
    assert plexsim.requests() == []


def test_it_refuses_a_new_person_once_100_are_shared_with(
    owner, synced, plexsim, monkeypatch
) -> None:
    from sharing.views import actions

    monkeypatch.setattr(
        actions,
        "counters",
        lambda: {"shared": 100, "share_limit": 100, "home": 4, "home_limit": 15},
    )
    response = owner.client.post(SEND, body())
    assert response.status_code == 400
    assert "limit is reached" in response.content.decode()
    assert plex_writes(plexsim) == []


def test_a_resent_invite_form_says_so_and_a_changed_one_is_refused(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    data = body()
    op = send(owner.client, data, django_capture_on_commit_callbacks)
    owner.client.get("/people/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = owner.client.post(SEND, data)
        assert again["Location"] == f"/people/?op={op.pk}"
        assert "already submitted" in owner.client.get(again["Location"]).content.decode()
        other = owner.client.post(SEND, {**data, "who": "someone.else@example.com"})
    assert callbacks == []
    assert other.status_code == 409
    assert "already used for a different change" in other.content.decode()
    assert Operation.objects.count() == 1


def test_an_unknown_username_shows_plex_tvs_reason_and_no_retry(
    owner, synced, plexsim, django_capture_on_commit_callbacks
) -> None:
    # The trial: "plex.tv refused the request." with a Retry that could only fail again.
    op = send(owner.client, body(who="no.such.user"), django_capture_on_commit_callbacks)
    assert operations.execute(op.pk).state == Operation.FAILED
    op.refresh_from_db()
    assert op.message == (
        "plex.tv has no Plex account with that username or e-mail. plex.tv said: “User not found”."
    )
    assert not op.retryable
    for page in (f"/people/?op={op.pk}", f"/people/operations/{op.pk}/"):
        html = owner.client.get(page).content.decode()
        assert "User not found" in html
        assert "/retry/" not in html
