"""Asking for more (/me/shares/<id>/ask-…/) and the admins' answer (/me/requests/…): an
approval is one share edit that only adds what was asked; a denial carries a note."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import AccessRequest
from notify.models import Event
from sharing.models import Library, Operation, Share
from sharing.operations import execute
from tests.members.conftest import ALEX, alex_share, share_of, sim_settings
from tests.personas import Persona

pytestmark = pytest.mark.django_db

BADGE = '<span class="badge" title="members\' requests waiting for an answer">'


def _library(share: Share, title: str) -> Library:
    return Library.objects.get(server=share.server, title=title)


def _ask_music(member: Persona) -> AccessRequest:
    share = alex_share()
    music = _library(share, "Music")
    response = member.client.post(
        f"/me/shares/{share.pk}/ask-library/", {"library": music.pk, "message": "for the car"}
    )
    assert response.status_code == 302
    return AccessRequest.objects.get(requester=member.user, library=music)


def test_a_member_asks_for_a_library_they_do_not_have(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    asked = _ask_music(member)
    assert asked.state == AccessRequest.PENDING
    assert asked.message == "for the car"
    assert asked.kind == AccessRequest.LIBRARY
    # Subscribed admins hear of it once (notify's access.requested event).
    [event] = Event.objects.filter(type="access.requested")
    assert "Music" in event.context["what"]
    assert event.context["note"] == "for the car"


def test_asking_twice_asks_once(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    _ask_music(member)
    share = alex_share()
    music = _library(share, "Music")
    response = member.client.post(f"/me/shares/{share.pk}/ask-library/", {"library": music.pk})
    assert response.status_code == 302
    assert AccessRequest.objects.filter(library=music).count() == 1
    assert Event.objects.filter(type="access.requested").count() == 1
    page = member.client.get("/me/").content.decode()
    assert "You have already asked for that" in page


def test_a_library_they_have_or_on_another_server_is_refused(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    movies = _library(share, "Movies")
    elsewhere = Library.objects.exclude(server=share.server).first()
    assert elsewhere is not None
    for library in (movies, elsewhere):
        member.client.post(f"/me/shares/{share.pk}/ask-library/", {"library": library.pk})
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("data", [{}, {"library": "x"}, {"library": "999999"}])
def test_bad_input_changes_nothing(member: Persona, synced, data) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    response = member.client.post(f"/me/shares/{share.pk}/ask-library/", data)
    assert response.status_code == 302
    assert not AccessRequest.objects.exists()


def test_someone_elses_share_is_a_404(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    priya = share_of("priya")
    music = _library(priya, "Music")
    response = member.client.post(f"/me/shares/{priya.pk}/ask-library/", {"library": music.pk})
    assert response.status_code == 404
    days = member.client.post(f"/me/shares/{priya.pk}/ask-time/", {"days": "30"})
    assert days.status_code == 404
    assert not AccessRequest.objects.exists()


def test_more_time_is_asked_from_the_current_end(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    end = timezone.now() + timedelta(days=10)
    Share.objects.filter(pk=share.pk).update(expires_at=end)
    response = member.client.post(f"/me/shares/{share.pk}/ask-time/", {"days": "30"})
    assert response.status_code == 302
    asked = AccessRequest.objects.get()
    assert asked.until == end + timedelta(days=30)


@pytest.mark.parametrize("days", ["7", "3650", "", "-30"])
def test_only_the_offered_lengths_can_be_asked(member: Persona, synced, days: str) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now())
    member.client.post(f"/me/shares/{share.pk}/ask-time/", {"days": days})
    assert not AccessRequest.objects.exists()


def test_no_end_date_means_nothing_to_ask(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    member.client.post(f"/me/shares/{share.pk}/ask-time/", {"days": "30"})
    assert not AccessRequest.objects.exists()


def test_admins_see_the_request_counted_in_the_top_bar(
    member: Persona, co_admin: Persona, synced
) -> None:  # type: ignore[no-untyped-def]
    _ask_music(member)
    page = co_admin.client.get("/me/requests/").content.decode()
    assert "alex.rivera" in page
    assert "<strong>Music</strong> on Morgan&#x27;s Den" in page
    assert "for the car" in page
    assert 'hx-get="/me/requests/waiting/" hx-trigger="load"' in page
    badge = co_admin.client.get("/me/requests/waiting/", HTTP_HX_REQUEST="true")
    assert BADGE + "1</span>" in badge.content.decode()


def test_the_count_follows_each_request_and_answer(member: Persona, owner: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    def badge() -> str:
        return owner.client.get("/me/requests/waiting/").content.decode().strip()

    assert badge() == ""
    asked = _ask_music(member)
    assert badge() == BADGE + "1</span>"
    owner.client.post(f"/me/requests/{asked.pk}/deny/", {"note": ""})
    assert badge() == ""


def test_approving_adds_exactly_the_library_at_plex_tv(
    member: Persona, owner: Persona, synced, plexsim
) -> None:  # type: ignore[no-untyped-def]
    asked = _ask_music(member)
    before = set(alex_share().libraries.values_list("title", flat=True))
    response = owner.client.post(f"/me/requests/{asked.pk}/approve/")
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.state == AccessRequest.APPROVED
    op = asked.operation
    assert op is not None
    assert op.params["changes"]["libraries"] == sorted(
        [*op.params["before"]["libraries"], asked.library.global_id]
    )
    execute(op.pk)
    op.refresh_from_db()
    assert op.state == Operation.SUCCEEDED, op.message
    after = set(alex_share().libraries.values_list("title", flat=True))
    assert after == before | {"Music"}
    assert sim_settings(plexsim, ALEX).get("allowSync") in (True, 1, "1", None)
    page = member.client.get("/me/").content.decode()
    assert "Music on Morgan&#x27;s Den" in page
    assert "approved" in page


def test_approving_twice_queues_one_change(
    member: Persona, owner: Persona, co_admin: Persona, synced
) -> None:  # type: ignore[no-untyped-def]
    asked = _ask_music(member)
    owner.client.post(f"/me/requests/{asked.pk}/approve/")
    co_admin.client.post(f"/me/requests/{asked.pk}/approve/")
    co_admin.client.post(f"/me/requests/{asked.pk}/deny/", {"note": "late"})
    assert Operation.objects.count() == 1
    asked.refresh_from_db()
    assert asked.state == AccessRequest.APPROVED
    assert asked.answer == ""


def test_approving_more_time_moves_the_end_later_only(
    member: Persona, owner: Persona, synced
) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    end = timezone.now() + timedelta(days=5)
    Share.objects.filter(pk=share.pk).update(expires_at=end)
    member.client.post(f"/me/shares/{share.pk}/ask-time/", {"days": "90"})
    asked = AccessRequest.objects.get()
    owner.client.post(f"/me/requests/{asked.pk}/approve/")
    asked.refresh_from_db()
    assert asked.operation is not None
    assert set(asked.operation.params["changes"]) == {"expires_at"}
    execute(asked.operation.pk)
    share.refresh_from_db()
    assert share.expires_at == end + timedelta(days=90)


def test_approving_time_already_given_sends_nothing(
    member: Persona, owner: Persona, synced
) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now())
    member.client.post(f"/me/shares/{share.pk}/ask-time/", {"days": "30"})
    Share.objects.filter(pk=share.pk).update(expires_at=None)  # an admin removed the end
    asked = AccessRequest.objects.get()
    owner.client.post(f"/me/requests/{asked.pk}/approve/")
    asked.refresh_from_db()
    assert asked.state == AccessRequest.APPROVED
    assert asked.operation is None
    assert not Operation.objects.exists()
    share.refresh_from_db()
    assert share.expires_at is None


def test_denying_keeps_the_share_and_tells_the_member(
    member: Persona, owner: Persona, synced
) -> None:  # type: ignore[no-untyped-def]
    asked = _ask_music(member)
    response = owner.client.post(f"/me/requests/{asked.pk}/deny/", {"note": "Ask me in May"})
    assert response.status_code == 302
    assert not Operation.objects.exists()
    page = member.client.get("/me/").content.decode()
    assert "not approved" in page
    assert "Ask me in May" in page


@pytest.mark.parametrize("action", ["approve", "deny"])
@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_only_admins_decide(action: str, persona: str, synced, request) -> None:  # type: ignore[no-untyped-def]
    asker: Persona = request.getfixturevalue("member")
    asked = _ask_music(asker)
    someone: Persona = request.getfixturevalue(persona)
    response = someone.client.post(f"/me/requests/{asked.pk}/{action}/")
    assert response.status_code == 403
    asked.refresh_from_db()
    assert asked.state == AccessRequest.PENDING
    assert not Operation.objects.exists()


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_decisions_are_post_only(owner: Persona, member: Persona, synced, action: str) -> None:  # type: ignore[no-untyped-def]
    asked = _ask_music(member)
    assert owner.client.get(f"/me/requests/{asked.pk}/{action}/").status_code == 405
    asked.refresh_from_db()
    assert asked.state == AccessRequest.PENDING
