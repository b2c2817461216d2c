"""The activity tasks: outcomes on plex.tv failures, follow-up runs, and keeping tables small."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import PlexAccount
from activity.models import Collection, DiscoverSearch, LastActivity
from activity.tasks import collect_activity, run_search
from sharing.models import Share
from tests.activity.conftest import run_collection

pytestmark = pytest.mark.django_db


def test_a_refused_token_fails_the_run_and_asks_for_a_re_link(synced, plexsim) -> None:
    plexsim.add_fault(action="status", path="/api/v2/resources", status=401, times=5)
    result = collect_activity.run()
    run = Collection.objects.get(pk=result["run"])
    assert run.outcome == Collection.FAILED
    assert run.message
    owner = PlexAccount.objects.get(plex_id=1001001)
    assert owner.token_status == PlexAccount.TokenStatus.NEEDS_RELINK


def test_a_run_without_a_usable_token_sends_nothing(synced, plexsim) -> None:
    PlexAccount.objects.filter(plex_id=1001001).update(
        token_status=PlexAccount.TokenStatus.NEEDS_RELINK
    )
    plexsim.clear_requests()
    result = collect_activity.run()
    assert Collection.objects.get(pk=result["run"]).outcome == Collection.FAILED
    assert plexsim.requests() == []


def test_old_runs_and_searches_are_dropped(synced, plexsim) -> None:
    old = Collection.objects.create()
    Collection.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=40))
    stale = DiscoverSearch.objects.create(query="old", normalized="old")
    DiscoverSearch.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=2))
    collect_activity.run()
    fresh = DiscoverSearch.objects.create(query="quiet", normalized="quiet")
    run_search(fresh.pk)
    assert not Collection.objects.filter(pk=old.pk).exists()
    assert not DiscoverSearch.objects.filter(pk=stale.pk).exists()
    assert DiscoverSearch.objects.get(pk=fresh.pk).state == DiscoverSearch.DONE


def test_an_ended_share_takes_its_last_activity_along(synced, plexsim) -> None:
    run_collection()
    ruth = Share.objects.get(user__username="grandma.ruth")
    assert LastActivity.objects.filter(user=ruth.user).exists()
    ruth.delete()
    run_collection()
    assert not LastActivity.objects.filter(user__username="grandma.ruth").exists()


def test_huge_ids_are_not_found_rather_than_errors(synced, owner) -> None:
    assert owner.client.get("/activity/people/" + "9" * 25 + "/").status_code == 404
    assert owner.client.get("/activity/discover/searches/" + "9" * 25 + "/").status_code == 404
