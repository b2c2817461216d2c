"""Watchlist changes as Operations: submitted with the form's one-time key, run by the worker
through sharing's executor (live status, audit trail, retries), registered at app start.

Both handlers read the item's state on plex.tv first, so a retry after a lost answer never
adds or removes twice: an item already where it should be is the outcome wanted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User
from activity import watchlists
from activity.models import Watchlist
from plextv import PlexTV
from plextv.errors import NotFound
from sharing.models import Operation
from sharing.operations import submit
from sharing.operations.executor import Applied, OperationFailed, handler

ADD = "watchlist.add"
REMOVE = "watchlist.remove"
KINDS = (ADD, REMOVE)
TARGET = "watchlist"


class ChangeRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def target_id(watchlist: Watchlist, rating_key: str) -> str:
    return f"{watchlist.account_id}:{rating_key}"


def pending_for(watchlist: Watchlist) -> dict[str, Operation]:
    """The latest change per item of this list that is still queued or running."""
    rows = Operation.objects.filter(
        kind__in=KINDS,
        target_type=TARGET,
        target_id__startswith=f"{watchlist.account_id}:",
        state__in=Operation.PENDING_STATES,
    ).order_by("created_at")
    return {op.target_id.split(":", 1)[1]: op for op in rows}


def recent(watchlist: Watchlist, limit: int = 8) -> list[Operation]:
    return list(
        Operation.objects.filter(
            kind__in=KINDS, target_type=TARGET, target_id__startswith=f"{watchlist.account_id}:"
        ).order_by("-created_at", "-pk")[:limit]
    )


def submit_change(
    kind: str,
    watchlist: Watchlist,
    rating_key: str,
    item: dict[str, Any],
    actor: User | None,
    key: str,
) -> Operation:
    """Queue adding or removing one item; refused while another change to it is pending."""
    title = str(item.get("title") or rating_key)
    target = target_id(watchlist, rating_key)
    with transaction.atomic():
        existing = Operation.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        busy = Operation.objects.filter(
            kind__in=KINDS, target_type=TARGET, target_id=target, state__in=Operation.PENDING_STATES
        ).exists()
        if busy:
            raise ChangeRefused(f"A change to “{title}” is still being sent to plex.tv.")
        params = {
            "label": f"{title} · {watchlist.name}'s watchlist",
            "watchlist": watchlist.pk,
            "rating_key": rating_key,
            "item": item,
        }
        op, _ = submit(kind, TARGET, target, params, actor, key)
    return op


def _context(client: PlexTV, op: Operation) -> tuple[Watchlist, PlexTV, str, str]:
    watchlist = Watchlist.objects.filter(pk=op.params.get("watchlist")).first()
    if watchlist is None:
        raise OperationFailed("That watchlist is no longer kept here.")
    rating_key = str(op.params.get("rating_key") or "")
    if not rating_key:
        raise OperationFailed("The change names no title.")
    title = str((op.params.get("item") or {}).get("title") or rating_key)
    if watchlists.is_owners(watchlist):
        return watchlist, client, rating_key, title
    try:
        return watchlist, watchlists.client_for(watchlist), rating_key, title
    except watchlists.WatchlistUnavailable as exc:
        raise OperationFailed(exc.message) from None


def _on_watchlist(client: PlexTV, rating_key: str, title: str) -> bool:
    try:
        return client.on_watchlist(rating_key)
    except NotFound:
        raise OperationFailed(f"plex.tv no longer knows “{title}”.") from None


@handler(ADD, label="Add to watchlist")
def add_to_watchlist(client: PlexTV, op: Operation) -> Applied:
    watchlist, acting, rating_key, title = _context(client, op)
    if _on_watchlist(acting, rating_key, title):
        message = f"“{title}” was already on {watchlist.name}'s watchlist."
    else:
        acting.add_to_watchlist(rating_key)
        message = f"Added “{title}” to {watchlist.name}'s watchlist."
    watchlists.add_locally(watchlist, {"rating_key": rating_key, **(op.params.get("item") or {})})
    return Applied(
        label=title,
        message=message,
        changes=[{"field": "watchlist", "before": None, "after": title}],
    )


@handler(REMOVE, label="Remove from watchlist")
def remove_from_watchlist(client: PlexTV, op: Operation) -> Applied:
    watchlist, acting, rating_key, title = _context(client, op)
    if _on_watchlist(acting, rating_key, title):
        acting.remove_from_watchlist(rating_key)
        message = f"Removed “{title}” from {watchlist.name}'s watchlist."
    else:
        message = f"“{title}” was not on {watchlist.name}'s watchlist any more."
    watchlists.remove_locally(watchlist, rating_key)
    return Applied(
        label=title,
        message=message,
        changes=[{"field": "watchlist", "before": title, "after": None}],
    )
