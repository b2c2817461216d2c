"""Watchlist changes, download removals and device links as Operations: submitted with the
form's one-time key, run by the worker through sharing's executor (live status, audit trail,
retries), registered at app start.

The watchlist and download handlers read the item's state on plex.tv first, so a retry after
a lost answer never adds or removes twice: an item already where it should be is the outcome
wanted. A device link cannot be read back (plex.tv says nothing of a code once used), so a
retry that finds the code gone says the device may be linked already.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.db import transaction

from accounts.models import User
from activity import devices, watchlists
from activity.models import DeviceDownloads, Watchlist
from plextv import PlexTV
from plextv.downloads import device_downloads, remove_download
from plextv.errors import NotFound
from sharing.models import Operation
from sharing.operations import same_request, submit
from sharing.operations.executor import Applied, OperationFailed, handler
from sharing.templatetags.audit_tags import ACTION_LABELS, TARGET_LABELS

ADD = "watchlist.add"
REMOVE = "watchlist.remove"
KINDS = (ADD, REMOVE)
TARGET = "watchlist"

REMOVE_DOWNLOAD = "downloads.remove"
LINK_DEVICE = "device.link"
TARGET_DOWNLOAD = "download"
TARGET_LINK = "device_link"
MASKED_CODE = "••••"

# The audit trail's sentences for these actions (sharing never imports this app).
ACTION_LABELS.update(
    {REMOVE_DOWNLOAD: "Removed a download", LINK_DEVICE: "Linked a device by its code"}
)
TARGET_LABELS.update({TARGET_DOWNLOAD: "Download", TARGET_LINK: "Device"})


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


# --- downloads and device links ----------------------------------------------------------------


def pending_removals() -> dict[int, Operation]:
    """Download removals still queued or running, by sync item id."""
    rows = Operation.objects.filter(
        kind=REMOVE_DOWNLOAD, target_type=TARGET_DOWNLOAD, state__in=Operation.PENDING_STATES
    ).order_by("created_at")
    return {int(op.target_id): op for op in rows if op.target_id.isdigit()}


def recent_device_changes(limit: int = 8) -> list[Operation]:
    return list(
        Operation.objects.filter(kind__in=(REMOVE_DOWNLOAD, LINK_DEVICE)).order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def submit_removal(
    row: DeviceDownloads,
    device: devices.DeviceEntry,
    item: devices.DownloadRow,
    actor: User | None,
    key: str,
) -> Operation:
    """Queue removing one download; refused while a removal of it is already pending."""
    target = str(item.id)
    with transaction.atomic():
        existing = Operation.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        busy = Operation.objects.filter(
            kind=REMOVE_DOWNLOAD,
            target_type=TARGET_DOWNLOAD,
            target_id=target,
            state__in=Operation.PENDING_STATES,
        ).exists()
        if busy:
            raise ChangeRefused(f"“{item.name}” is already being removed from {device.name}.")
        params = {
            "label": f"{item.name} · {device.name}",
            "account": row.account_id,
            "client_id": device.client_identifier,
            "device": device.name,
            "title": item.name,
        }
        op, _ = submit(REMOVE_DOWNLOAD, TARGET_DOWNLOAD, target, params, actor, key)
    return op


@handler(REMOVE_DOWNLOAD, label="Remove a download")
def remove_a_download(client: PlexTV, op: Operation) -> Applied:
    """Remove one sync item from a device, reading the device's list first: an item (or a
    device) already gone is the outcome wanted, and nothing is sent then."""
    client_id = str(op.params.get("client_id") or "")
    if not op.target_id.isdigit() or not client_id:
        raise OperationFailed("The change names no download.", retryable=False)
    item_id = int(op.target_id)
    device = str(op.params.get("device") or "the device")
    title = str(op.params.get("title") or f"item {item_id}")
    label = f"{title} · {device}"
    account = int(op.params.get("account") or 0)
    try:
        present = any(d.id == item_id for d in device_downloads(client, client_id))
    except NotFound:
        devices.remove_locally(account, client_id, item_id)
        return Applied(
            label=label,
            message=f"{device} is no longer on the Plex account, and its downloads went with "
            "it; nothing was sent.",
        )
    if present:
        with contextlib.suppress(NotFound):  # removed meanwhile: the outcome wanted
            remove_download(client, client_id, item_id)
        message = f"Removed “{title}” from {device}'s downloads."
    else:
        message = f"“{title}” was not among {device}'s downloads any more; nothing was sent."
    devices.remove_locally(account, client_id, item_id)
    return Applied(
        label=label,
        message=message,
        changes=[{"field": "download", "before": label, "after": None}],
    )


def submit_link(code: str, actor: User | None, key: str) -> Operation:
    """Queue linking the device that shows `code` to the owner's account."""
    params = {"label": "a device, by the code it shows", "code": code}
    with transaction.atomic():
        op, created = submit(LINK_DEVICE, TARGET_LINK, "owner", params, actor, key)
    if not created and not same_request(op, LINK_DEVICE, TARGET_LINK, "owner", params):
        raise ChangeRefused("This form was sent already with another code; reload the page.")
    return op


def _forget_code(op: Operation) -> None:
    """Once plex.tv has used or refused the code, it is not kept in the database."""
    if op.params.get("code") and op.params.get("code") != MASKED_CODE:
        op.params = {**op.params, "code": MASKED_CODE}
        op.save(update_fields=["params"])


@handler(LINK_DEVICE, label="Link a device")
def link_a_device(client: PlexTV, op: Operation) -> Applied:
    code = str(op.params.get("code") or "")
    if code == MASKED_CODE:
        raise OperationFailed(
            "This code was sent to plex.tv already and is no longer kept; enter the code the "
            "device shows now.",
            retryable=False,
        )
    try:
        devices.link(client, code)
    except devices.LinkRefused as refused:
        _forget_code(op)
        message = refused.message
        if op.attempts > 1:
            message += (
                " An earlier attempt may have linked the device before its answer was lost: "
                "if the device says it is signed in, it is."
            )
        raise OperationFailed(message, retryable=False) from None
    _forget_code(op)
    return Applied(
        label="Device linked by code",
        message="Linked: the device that showed the code is now signed in to the Plex "
        "account. “Read again” lists it here.",
        changes=[{"field": "device", "before": None, "after": "linked by code"}],
    )
