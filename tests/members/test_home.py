"""The member's own page (/me/): servers, libraries, settings, filters in words, the end of
their access and pending shares, from the synced tables only."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import AccessRequest
from sharing.models import Library, Share
from tests.members.conftest import ALEX, alex_share, run_sync
from tests.personas import Persona

pytestmark = pytest.mark.django_db

BUDGET = 6


def test_members_land_on_their_own_page(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    response = member.client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"


def test_it_shows_libraries_flags_filters_and_the_end_in_words(
    member: Persona, household, plexsim
) -> None:  # type: ignore[no-untyped-def]
    plexsim.mutate(
        op="set_settings",
        userId=ALEX,
        settings={"filterMovies": "contentRating=PG-13", "filterTelevision": "label!=Horror"},
    )
    run_sync()
    this_year = timezone.localtime().year
    Share.objects.filter(user__plex_id=ALEX).update(
        expires_at=timezone.make_aware(datetime(this_year, 1, 15, 12))
    )
    plexsim.clear_requests()
    body = member.client.get("/me/").content.decode()
    assert "Morgan&#x27;s Den" in body
    assert "Movies, TV Shows" in body
    assert "Downloads</dt><dd>allowed" in body
    assert "Camera upload</dt><dd>not allowed" in body
    assert "Movies: only rated PG-13." in body
    assert "TV shows: nothing labelled Horror." in body
    assert "until <time" in body
    assert ">15 January</time>" in body
    assert "Ask for more time" in body
    assert plexsim.requests() == []


def test_it_offers_only_libraries_they_do_not_have(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    body = member.client.get("/me/").content.decode()
    share = alex_share()
    others = Library.objects.filter(server=share.server).exclude(shares=share)
    assert others.exists()
    for library in others:
        assert f'<option value="{library.pk}">{library.title}</option>' in body
    for library in share.libraries.all():
        assert f'<option value="{library.pk}">' not in body


def test_a_share_without_an_end_offers_no_more_time(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    body = member.client.get("/me/").content.decode()
    assert "no end date" in body
    assert "Ask for more time" not in body


def test_pending_shares_offer_to_accept(kai: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    body = kai.client.get("/me/").content.decode()
    assert "Waiting for you to accept" in body
    assert "not accepted yet" in body
    assert 'action="/me/accept/"' in body


def test_an_accepted_share_offers_nothing_to_accept(member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    assert "Waiting for you to accept" not in member.client.get("/me/").content.decode()


def test_it_shows_the_answer_to_their_requests(member: Persona, synced, owner: Persona) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    music = Library.objects.get(server=share.server, title="Music")
    asked = AccessRequest.objects.create(
        requester=member.user, share=share, kind=AccessRequest.LIBRARY, library=music
    )
    asked.claim_decision(AccessRequest.DENIED, owner.user, "Not this month, sorry")
    body = member.client.get("/me/").content.decode()
    assert "Music on Morgan&#x27;s Den" in body
    assert "not approved" in body
    assert "Not this month, sorry" in body


def test_before_any_sync_it_says_nothing_was_read_yet(member: Persona, plexsim) -> None:  # type: ignore[no-untyped-def]
    body = member.client.get("/me/").content.decode()
    assert "has not read the household from plex.tv yet" in body
    assert plexsim.requests() == []


@pytest.mark.parametrize("requests", [0, 15])
def test_it_renders_within_the_query_budget_and_asks_plex_tv_nothing(
    member: Persona, synced, plexsim, owner: Persona, requests: int
) -> None:  # type: ignore[no-untyped-def]
    share = alex_share()
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now())
    for n in range(requests):
        AccessRequest.objects.create(
            requester=member.user,
            share=share,
            kind=AccessRequest.TIME,
            until=timezone.now(),
            state=AccessRequest.DENIED if n else AccessRequest.PENDING,
            answer=f"answer {n}",
        )
    with CaptureQueriesContext(connection) as queries:
        response = member.client.get("/me/")
    assert response.status_code == 200
    assert len(queries) <= BUDGET, "\n".join(q["sql"] for q in queries.captured_queries)
    assert plexsim.requests() == []


def test_the_invite_card_shows_only_with_an_allowance(owner, member: Persona, synced) -> None:  # type: ignore[no-untyped-def]
    page = member.client.get("/me/").content.decode()
    assert "Bring someone in" not in page
    title = page.split("<title>")[1].split("</title>")[0]
    assert title.startswith("Your access")
    assert "<section" not in title  # the card once sat inside the page's title
    from members.models import Allowance

    Allowance.objects.create(member=member.user.member, max_people=1)
    page = member.client.get("/me/").content.decode()
    assert "Bring someone in" in page
    assert "<section" not in page.split("<title>")[1].split("</title>")[0]
