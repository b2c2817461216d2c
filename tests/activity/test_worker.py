"""The activity reads and writes through a real Celery worker on the configured broker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from activity.models import Collection, DiscoverSearch, Play, Poster, Watchlist
from activity.operations import ADD
from sharing.models import Operation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def wait_for(check: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not get there in time")


def test_collect_now_reads_history_the_watchlist_and_posters(
    owner, synced, plexsim, celery_worker_on_broker, settings, tmp_path
) -> None:
    settings.VAR_DIR = tmp_path
    assert owner.client.post("/activity/collect/").status_code == 302
    run = Collection.objects.get(triggered_by=Collection.ADMIN)
    wait_for(lambda: Collection.objects.get(pk=run.pk).outcome != Collection.RUNNING)
    run.refresh_from_db()
    assert run.outcome == Collection.SUCCEEDED, run.message
    assert Play.objects.count() == run.plays_added > 1000
    wait_for(lambda: Watchlist.objects.filter(refreshed_at__isnull=False).exists())
    wait_for(lambda: Poster.objects.filter(state=Poster.CACHED).count() == 3)
    page = owner.client.get("/activity/watchlist/").content.decode()
    assert page.count("/activity/posters/") == 3


def test_a_discover_search_and_an_add_through_the_worker(
    owner, synced, plexsim, celery_worker_on_broker
) -> None:
    search = owner.client.get("/activity/discover/", {"q": "kitchen"}).context["search"]
    wait_for(lambda: DiscoverSearch.objects.get(pk=search.pk).state == DiscoverSearch.DONE)
    search.refresh_from_db()
    kitchen = search.results[0]
    owner.client.post(
        "/activity/discover/add/",
        {"search": search.pk, "rating_key": kitchen["rating_key"], "key": uuid.uuid4().hex},
    )
    op = Operation.objects.get(kind=ADD)
    wait_for(lambda: not Operation.objects.get(pk=op.pk).pending)
    op.refresh_from_db()
    assert op.state == Operation.SUCCEEDED, op.message
    morgan = next(a for a in plexsim.state()["accounts"] if a["id"] == 1001001)
    assert kitchen["rating_key"] in morgan["watchlist"]
