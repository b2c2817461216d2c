"""Discover searches, run by the worker: the page asks, the worker reads plex.tv, the page
shows the stored answer (the same search within `REUSE_FOR` reuses it)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

import plextv
from activity import posters
from activity.models import DiscoverSearch

REUSE_FOR = timedelta(minutes=10)
RESULT_LIMIT = 30
LIBTYPES = {"": "Movies and shows", "movie": "Movies", "show": "Shows"}


def normalize(query: str) -> str:
    return " ".join(query.split()).casefold()


def find_or_start(query: str, libtype: str) -> DiscoverSearch:
    """A recent identical search, or a new one queued for the worker."""
    from activity.tasks import run_search

    normalized = normalize(query)
    recent = (
        DiscoverSearch.objects.filter(
            normalized=normalized,
            libtype=libtype,
            created_at__gte=timezone.now() - REUSE_FOR,
        )
        .exclude(state=DiscoverSearch.FAILED)
        .order_by("-created_at")
        .first()
    )
    if recent is not None:
        return recent
    search = DiscoverSearch.objects.create(
        query=" ".join(query.split()), normalized=normalized, libtype=libtype
    )
    run_search.delay_on_commit(search.pk)  # type: ignore[attr-defined]
    return search


def run(search: DiscoverSearch, client: plextv.PlexTV) -> int:
    """Ask plex.tv and store the results (movies and shows, with their posters registered)."""
    libtype = search.libtype if search.libtype in ("movie", "show") else None
    found = client.discover(search.query, limit=RESULT_LIMIT, libtype=libtype)  # type: ignore[arg-type]
    results = []
    for item in found:
        poster = posters.register(item.thumb)
        results.append(
            {
                "rating_key": item.rating_key[:64],
                "guid": item.guid[:200],
                "title": item.title[:300],
                "type": item.type,
                "year": item.year,
                "summary": (item.summary or "")[:600],
                "poster": poster.pk if poster else None,
            }
        )
    search.results = results
    search.state = DiscoverSearch.DONE
    search.finished_at = timezone.now()
    search.save(update_fields=["results", "state", "finished_at"])
    return len(results)


def fail(search: DiscoverSearch, message: str) -> None:
    search.state = DiscoverSearch.FAILED
    search.message = message
    search.finished_at = timezone.now()
    search.save(update_fields=["state", "message", "finished_at"])
