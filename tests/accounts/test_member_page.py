"""'Your access' (/accounts/me/): a member's servers, libraries, settings, content filters in
words and end date, from the synced picture — no plex.tv request while they wait."""

from __future__ import annotations

from datetime import datetime

import pytest

from accounts.directory import describe_filter
from sharing.models import Share
from sharing.sync.runs import run_sync
from tests.personas import Persona

pytestmark = pytest.mark.django_db

ALEX = 1001010


def test_it_shows_filters_in_words_and_the_end_date_without_asking_plex_tv(
    member: Persona, household, plexsim
) -> None:  # type: ignore[no-untyped-def]
    plexsim.mutate(
        op="set_settings",
        userId=ALEX,
        settings={
            "filterMovies": "contentRating=G%2CPG|label!=Horror",
            "filterMusic": "label=Kids",
        },
    )
    run_sync()
    Share.objects.filter(user__plex_id=ALEX).update(
        expires_at=datetime.fromisoformat("2027-01-15T00:00:00+00:00")
    )
    plexsim.clear_requests()
    body = member.client.get("/accounts/me/").content.decode()
    assert "Movies: only rated G or PG; nothing labelled Horror." in body
    assert "Music: only items labelled Kids." in body
    assert "15 January 2027" in body
    assert 'datetime="2027-01-15T00:00:00+00:00"' in body
    assert "Read from plex.tv" in body
    assert plexsim.requests() == []


def test_a_share_without_filters_or_end_says_so(member: Persona, household, plexsim) -> None:  # type: ignore[no-untyped-def]
    run_sync()
    body = member.client.get("/accounts/me/").content.decode()
    assert "none: you see everything in these libraries" in body
    assert "no end date" in body


def test_before_any_sync_it_says_nothing_was_read_yet(member: Persona, plexsim) -> None:  # type: ignore[no-untyped-def]
    body = member.client.get("/accounts/me/").content.decode()
    assert "has not read the household from plex.tv yet" in body
    assert plexsim.requests() == []


def test_it_answers_from_the_database_while_plex_tv_stalls(
    member: Persona, household, plexsim, request
) -> None:  # type: ignore[no-untyped-def]
    run_sync()
    stalled = request.getfixturevalue("stalled")
    response = member.client.get("/accounts/me/")
    assert response.status_code == 200
    assert "Morgan&#x27;s Den" in response.content.decode()
    assert stalled.connections == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (None, ""),
        ("", ""),
        ("contentRating=G", "only rated G"),
        ("contentRating!=R%2CNC-17", "nothing rated R or NC-17"),
        ("label=Kids%2CFamily%2CAnimation", "only items labelled Kids, Family or Animation"),
        ("label!=Horror&year>=2000", "nothing labelled Horror; further restrictions set in Plex"),
    ],
)
def test_filters_read_as_words(text: str | None, words: str) -> None:
    assert describe_filter(text) == words
