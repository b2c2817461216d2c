"""Collecting play history: first read, incremental reads, the page budget, last activity."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.core.cache import cache
from django.utils import timezone

from activity import collect
from activity.models import Collection, HistoryCursor, LastActivity, Play
from sharing.models import PlexUser, Server, Share
from tests.activity.conftest import CABIN, DEN, run_collection

pytestmark = pytest.mark.django_db

OWNER_ID = 1001001


def _sim_plays(plexsim: Any, machine: str) -> list[dict[str, Any]]:
    server = next(s for s in plexsim.state()["servers"] if s["machineIdentifier"] == machine)
    cutoff = time.time() - collect.BACKFILL.total_seconds()
    return [p for p in server["history"] if p["viewedAt"] >= cutoff]


def _history_requests(plexsim: Any) -> list[dict[str, Any]]:
    return [r for r in plexsim.requests() if r["path"] == "/status/sessions/history/all"]


def test_it_stores_every_play_of_the_year_on_the_first_run(synced, plexsim) -> None:
    expected = {DEN: len(_sim_plays(plexsim, DEN)), CABIN: len(_sim_plays(plexsim, CABIN))}
    run = run_collection()
    assert run.outcome == Collection.SUCCEEDED
    assert run.plays_added == sum(expected.values())
    for machine, count in expected.items():
        assert Play.objects.filter(server__machine_identifier=machine).count() == count
    # servers, people (lastSeenAt), and per server: history pages and its players
    paths = [r["path"] for r in plexsim.requests()]
    assert paths.count("/api/v2/resources") == 1
    assert paths.count("/api/users/") == 1
    assert paths.count("/devices") == 2
    pages = _history_requests(plexsim)
    assert len(pages) == sum(-(-n // collect.HISTORY_PAGE_SIZE) for n in expected.values())
    assert run.requests == len([p for p in paths if p != "/identity"])


def test_a_second_run_reads_only_new_plays(synced, plexsim) -> None:
    run_collection()
    before = Play.objects.count()
    cursor = HistoryCursor.objects.get(server__machine_identifier=DEN)
    plexsim.clear_requests()
    for title in ("Low Tide", "Copper Sky"):
        plexsim.mutate(op="add_history", machineIdentifier=DEN, userId=1001011, title=title)

    run = run_collection()

    assert run.plays_added == 2
    assert Play.objects.count() == before + 2
    pages = _history_requests(plexsim)
    assert len(pages) == 2  # one page per server, each from where the last run stopped
    den_page = next(r for r in pages if r["server"] == DEN)
    query = parse_qs(den_page["query"])
    assert query["sort"] == ["viewedAt:asc"]
    assert int(query["viewedAt>"][0]) == int(cursor.read_up_to.timestamp())
    assert set(
        Play.objects.filter(account_id=1001011)
        .order_by("-viewed_at")[:2]
        .values_list("title", flat=True)
    ) == {"Low Tide", "Copper Sky"}


def test_a_run_with_nothing_new_stores_nothing_and_reads_one_page_per_server(
    synced, plexsim
) -> None:
    run_collection()
    plexsim.clear_requests()
    run = run_collection()
    assert run.outcome == Collection.SUCCEEDED
    assert run.plays_added == 0
    assert len(_history_requests(plexsim)) == 2
    assert [r for r in plexsim.requests() if r["path"] == "/devices"] == []


def test_a_run_stops_at_its_page_budget_and_the_next_continues_without_gaps(
    synced, plexsim
) -> None:
    total = len(_sim_plays(plexsim, DEN)) + len(_sim_plays(plexsim, CABIN))
    first = run_collection(max_pages=2)
    assert first.outcome == Collection.PARTIAL
    assert len(_history_requests(plexsim)) == 2
    assert 0 < Play.objects.count() < total
    for _ in range(10):
        if run_collection(max_pages=2).outcome == Collection.SUCCEEDED:
            break
    assert Play.objects.count() == total
    assert HistoryCursor.objects.filter(caught_up=True).count() == 2


def test_it_stores_who_what_where_and_on_which_device(synced, plexsim) -> None:
    run_collection()
    owner_plays = Play.objects.filter(account_id=OWNER_ID)
    assert owner_plays.exists()
    assert not Play.objects.filter(account_id=1).exists()
    episode = Play.objects.filter(account_id=1001003, type="episode").first()
    assert episode is not None
    assert episode.grandparent_title
    assert episode.season
    assert episode.episode
    ellie = Play.objects.filter(account_id=1001003)
    assert set(ellie.values_list("library__title", flat=True)) <= {"TV Shows", "Kids Movies"}
    assert set(ellie.values_list("device", flat=True)) <= {"Kids Tablet", "Living Room TV"}


def test_it_keeps_last_played_and_last_seen_per_person_and_server(synced, plexsim) -> None:
    run_collection()
    ruth = PlexUser.objects.get(username="grandma.ruth")
    row = LastActivity.objects.get(user=ruth, server__machine_identifier=DEN)
    assert row.last_played_at is not None
    assert row.last_played_at < timezone.now() - timedelta(days=90)
    assert row.last_active_at == max(row.last_played_at, row.last_seen_at)
    dev = PlexUser.objects.get(username="dev.okafor")
    dev_row = LastActivity.objects.get(user=dev)
    assert dev_row.last_played_at is None
    assert dev_row.last_seen_at is not None
    # Every accepted share has its row; pending invites (kai) have none.
    assert not LastActivity.objects.filter(user__username="kai").exists()
    assert LastActivity.objects.count() == Share.objects.filter(pending=False).count() == 12


def test_inactive_since_finds_people_idle_for_that_long(synced, plexsim) -> None:
    run_collection()
    cutoff = timezone.now() - timedelta(days=60)
    idle = set(LastActivity.objects.inactive_since(cutoff).values_list("user__username", flat=True))
    assert idle == {"grandma.ruth", "dev.okafor"}


def test_new_plays_move_last_activity_forward_and_never_back(synced, plexsim) -> None:
    run_collection()
    ruth = PlexUser.objects.get(username="grandma.ruth")
    old = LastActivity.objects.get(user=ruth, server__machine_identifier=DEN).last_played_at
    plexsim.mutate(op="add_history", machineIdentifier=DEN, userId=1001014, title="Low Tide")
    run_collection()
    row = LastActivity.objects.get(user=ruth, server__machine_identifier=DEN)
    assert row.last_played_at > old
    assert row.last_played_title == "Low Tide"
    assert row.last_active_at > timezone.now() - timedelta(minutes=5)
    assert not row.note_play(old, "older")


def test_a_second_collection_while_one_runs_is_skipped(synced, plexsim) -> None:
    cache.add(collect.LOCK_KEY, "someone-else", 60)
    run = run_collection()
    assert run.outcome == Collection.SKIPPED
    assert _history_requests(plexsim) == []


def test_an_unreachable_server_is_reported_and_the_others_are_read(synced, plexsim) -> None:
    Server.objects.filter(machine_identifier=CABIN).update(owned=False)
    run = run_collection()
    assert run.outcome == Collection.SUCCEEDED
    assert "Cabin NAS is not known here yet" in run.message
    assert Play.objects.filter(server__machine_identifier=DEN).exists()
    assert not Play.objects.filter(server__machine_identifier=CABIN).exists()


def test_a_failing_history_endpoint_fails_the_run_without_half_pages(synced, plexsim) -> None:
    plexsim.add_fault(action="status", path="/status/sessions/history/all", status=500, times=20)
    from accounts.plex import owner_client

    run = Collection.objects.create()
    with pytest.raises(Exception, match="not answering"):
        collect.collect(owner_client(), run, OWNER_ID)
    assert Play.objects.count() == 0
    assert HistoryCursor.objects.filter(read_up_to__isnull=False).count() == 0
