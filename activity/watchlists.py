"""Watchlists kept here: the owner's, and a Home member's read while viewing as them.

The worker reads plex.tv's list and replaces our copy in one transaction; pages filter, sort
and page that copy. A refresh is a conditional UPDATE to "queued", so two clicks enqueue once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

import plextv
from accounts.models import Household
from accounts.plex import PlexLinkProblem, owner_client
from activity import posters, viewing
from activity.models import Watchlist, WatchlistEntry
from plextv.models import WatchlistItem
from sharing.models import PlexUser


class WatchlistUnavailable(Exception):
    """The list cannot be read now; `message` says why, in words for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def owner_watchlist() -> Watchlist | None:
    household = Household.current()
    if household is None:
        return None
    owner = household.owner
    watchlist, _ = Watchlist.objects.get_or_create(
        account_id=owner.plex_id, defaults={"name": owner.display_name}
    )
    return watchlist


def member_watchlist(person: PlexUser) -> Watchlist:
    watchlist, _ = Watchlist.objects.get_or_create(
        account_id=person.plex_id, defaults={"name": person.display_name}
    )
    return watchlist


def is_owners(watchlist: Watchlist) -> bool:
    household = Household.current()
    return household is not None and household.owner.plex_id == watchlist.account_id


def client_for(watchlist: Watchlist) -> plextv.PlexTV:
    """The client that reads and writes this list: the owner's, or the switched member's."""
    if is_owners(watchlist):
        try:
            return owner_client()
        except PlexLinkProblem as problem:
            raise WatchlistUnavailable(problem.message) from None
    person = PlexUser.objects.filter(plex_id=watchlist.account_id).first()
    client = (
        viewing.client_for_ref(watchlist.switch_ref, person.pk, watchlist.name)
        if person is not None and watchlist.switch_ref
        else None
    )
    if client is None:
        raise WatchlistUnavailable(
            f"The view as {watchlist.name} has ended. Switch to {watchlist.name} again, then "
            "refresh."
        )
    return client


def request_refresh(watchlist: Watchlist, switch_ref: str = "") -> bool:
    """Queue a read of the list unless one is already queued or running."""
    from activity.tasks import refresh_watchlist

    now = timezone.now()
    changes: dict[str, object] = {"state": Watchlist.QUEUED, "requested_at": now, "message": ""}
    if switch_ref:
        changes["switch_ref"] = switch_ref
    claimed = (
        Watchlist.objects.filter(pk=watchlist.pk)
        .exclude(state__in=Watchlist.BUSY)
        .update(**changes)
    )
    if claimed:
        refresh_watchlist.delay_on_commit(watchlist.pk)  # type: ignore[attr-defined]
    watchlist.refresh_from_db()
    return bool(claimed)


def refresh(watchlist: Watchlist) -> int:
    """Read plex.tv's list and replace our copy; the number of items."""
    Watchlist.objects.filter(pk=watchlist.pk).update(state=Watchlist.RUNNING)
    try:
        client = client_for(watchlist)
        items = client.watchlist(sort="watchlistedAt:desc")
    except WatchlistUnavailable as exc:
        _failed(watchlist, exc.message)
        raise
    except plextv.PlexTVError as exc:
        _failed(watchlist, exc.human_message)
        raise
    store(watchlist, items)
    return len(items)


def _failed(watchlist: Watchlist, message: str) -> None:
    Watchlist.objects.filter(pk=watchlist.pk).update(state=Watchlist.FAILED, message=message)


def store(watchlist: Watchlist, items: list[WatchlistItem]) -> None:
    """Replace the stored list with plex.tv's, in its order, in one transaction."""
    with transaction.atomic():
        known = {e.rating_key: e for e in watchlist.entries.all()}
        keep: set[str] = set()
        for position, item in enumerate(items):
            keep.add(item.rating_key)
            entry = known.get(item.rating_key) or WatchlistEntry(
                watchlist=watchlist, rating_key=item.rating_key
            )
            fill(entry, item, position)
            entry.save()
        watchlist.entries.exclude(rating_key__in=keep).delete()
        Watchlist.objects.filter(pk=watchlist.pk).update(
            state=Watchlist.IDLE, message="", refreshed_at=timezone.now()
        )


def fill(entry: WatchlistEntry, item: WatchlistItem, position: int) -> None:
    entry.guid = item.guid[:200]
    entry.title = item.title[:300]
    entry.type = item.type[:16]
    entry.year = item.year if item.year and item.year > 0 else None
    entry.content_rating = (item.content_rating or "")[:32]
    entry.released = (item.originally_available_at or "")[:10]
    entry.rating = item.rating
    entry.position = position
    entry.poster = posters.register(item.thumb)


def add_locally(watchlist: Watchlist, item: dict[str, object]) -> None:
    """After plex.tv accepted an add: the item at the top of our copy until the next read."""
    first = watchlist.entries.order_by("position").values_list("position", flat=True).first()
    entry, _ = WatchlistEntry.objects.get_or_create(
        watchlist=watchlist,
        rating_key=str(item["rating_key"]),
        defaults={"title": str(item.get("title") or "")[:300], "type": str(item.get("type"))},
    )
    entry.guid = str(item.get("guid") or "")[:200]
    year = item.get("year")
    entry.year = year if isinstance(year, int) and year > 0 else None
    entry.position = (first if first is not None else 1) - 1
    poster_id = item.get("poster")
    entry.poster_id = poster_id if isinstance(poster_id, int) else None
    entry.save()


def remove_locally(watchlist: Watchlist, rating_key: str) -> None:
    watchlist.entries.filter(rating_key=rating_key).delete()
