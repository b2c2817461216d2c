"""Background reads of the activity app. Arguments are ids; results are small summaries.

Every plex.tv read a page needs happens here: history collection (beat, or "Collect now"),
watchlist refreshes, Discover searches, poster fetches and the devices' downloads.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

import plextv
from accounts.models import Household
from accounts.plex import PlexLinkProblem, owner_client, report_failure
from activity import collect, devices, discover, posters, watchlists
from activity.models import Collection, DeviceDownloads, DiscoverSearch, Watchlist

log = logging.getLogger(__name__)
# A collection that stopped at its page budget continues after this pause, in another run.
CONTINUE_AFTER = 20
# Runs and searches are kept this long: enough to show freshness and reuse, not forever.
KEEP_RUNS = timedelta(days=30)
KEEP_SEARCHES = timedelta(days=1)


def _report(exc: plextv.PlexTVError) -> None:
    household = Household.current()
    if household is not None and isinstance(exc, plextv.Unauthorized | plextv.ApiChanged):
        report_failure(household.owner, exc)


@shared_task(
    bind=True,
    name="activity.tasks.collect_activity",
    ignore_result=True,
    soft_time_limit=110,
    time_limit=140,
)
def collect_activity(self, run_id: int | None = None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Beat (no id) and "Collect now" (the id of its queued run): new plays, the owner's
    watchlist, then posters that are due."""
    run = Collection.objects.filter(pk=run_id).first() if run_id else None
    if run is None:
        run = Collection.objects.create(triggered_by=Collection.SCHEDULE)
    household = Household.current()
    if household is None:
        run.finish(Collection.FAILED, "No household is set up yet.")
        return {"run": run.pk, "outcome": run.outcome}
    try:
        client = owner_client()
        collect.collect(client, run, household.owner.plex_id)
    except PlexLinkProblem as problem:
        run.finish(Collection.FAILED, problem.message)
        return {"run": run.pk, "outcome": run.outcome}
    except plextv.PlexTVError as exc:
        _report(exc)
        run.finish(Collection.FAILED, exc.human_message)
        return {"run": run.pk, "outcome": run.outcome}
    except SoftTimeLimitExceeded:
        run.finish(Collection.PARTIAL, "The run took too long; the next one continues.")
        return {"run": run.pk, "outcome": run.outcome}
    if run.outcome == Collection.PARTIAL:
        follow_up = Collection.objects.create(triggered_by=run.triggered_by)
        try:
            self.apply_async((follow_up.pk,), countdown=CONTINUE_AFTER)
        except Exception:
            # The broker is away: the next scheduled run continues instead.
            log.warning("collection %s: could not schedule its continuation", run.pk)
            follow_up.finish(Collection.FAILED, "Could not be scheduled; the next run continues.")
    Collection.objects.filter(started_at__lt=timezone.now() - KEEP_RUNS).delete()
    if run.outcome != Collection.SKIPPED:
        watchlist = watchlists.owner_watchlist()
        if watchlist is not None:
            watchlists.request_refresh(watchlist)
        fetch_posters.delay_on_commit()  # type: ignore[attr-defined]
    return {
        "run": run.pk,
        "outcome": run.outcome,
        "plays": run.plays_added,
        "requests": run.requests,
    }


@shared_task(
    name="activity.tasks.refresh_watchlist", ignore_result=True, soft_time_limit=60, time_limit=90
)
def refresh_watchlist(watchlist_id: int) -> dict[str, object]:
    watchlist = Watchlist.objects.filter(pk=watchlist_id).first()
    if watchlist is None:
        return {"watchlist": watchlist_id, "outcome": "missing"}
    try:
        count = watchlists.refresh(watchlist)
    except watchlists.WatchlistUnavailable:
        return {"watchlist": watchlist_id, "outcome": "failed"}
    except plextv.PlexTVError as exc:
        _report(exc)
        return {"watchlist": watchlist_id, "outcome": "failed"}
    fetch_posters.delay_on_commit()  # type: ignore[attr-defined]
    return {"watchlist": watchlist_id, "outcome": "ok", "items": count}


@shared_task(
    name="activity.tasks.run_search", ignore_result=True, soft_time_limit=30, time_limit=45
)
def run_search(search_id: int) -> dict[str, object]:
    search = DiscoverSearch.objects.filter(pk=search_id, state=DiscoverSearch.QUEUED).first()
    if search is None:
        return {"search": search_id, "outcome": "nothing to do"}
    try:
        count = discover.run(search, owner_client())
    except PlexLinkProblem as problem:
        discover.fail(search, problem.message)
        return {"search": search_id, "outcome": "failed"}
    except plextv.PlexTVError as exc:
        _report(exc)
        discover.fail(search, exc.human_message)
        return {"search": search_id, "outcome": "failed"}
    DiscoverSearch.objects.filter(created_at__lt=timezone.now() - KEEP_SEARCHES).delete()
    fetch_posters.delay_on_commit()  # type: ignore[attr-defined]
    return {"search": search_id, "outcome": "ok", "results": count}


@shared_task(
    name="activity.tasks.fetch_posters", ignore_result=True, soft_time_limit=100, time_limit=130
)
def fetch_posters() -> dict[str, object]:
    try:
        client = owner_client()
    except PlexLinkProblem:
        # Posters need no Plex token; a client without one fetches them just the same.
        from accounts.plex import anonymous_client

        client = anonymous_client()
    return dict(posters.fetch_due(client))


@shared_task(
    name="activity.tasks.refresh_downloads", ignore_result=True, soft_time_limit=60, time_limit=90
)
def refresh_downloads(row_id: int) -> dict[str, object]:
    """The owner's devices and their downloads, read again (the devices page asks)."""
    row = DeviceDownloads.objects.filter(pk=row_id).first()
    if row is None:
        return {"downloads": row_id, "outcome": "missing"}
    try:
        count = devices.refresh(row)
    except devices.DownloadsUnavailable:
        return {"downloads": row_id, "outcome": "failed"}
    except plextv.PlexTVError as exc:
        _report(exc)
        return {"downloads": row_id, "outcome": "failed"}
    except SoftTimeLimitExceeded:
        DeviceDownloads.objects.filter(pk=row_id).update(
            state=DeviceDownloads.FAILED, message="plex.tv took too long to answer; try again."
        )
        return {"downloads": row_id, "outcome": "failed"}
    return {"downloads": row_id, "outcome": "ok", "devices": count}
