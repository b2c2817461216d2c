"""One read of a server's shares for a whole bulk batch, instead of one read per person.

A bulk change (a matrix row or column) queues one edit per person. Each edit needs plex.tv's
current share to merge into; reading the one share costs a request per person, so the first
edit of a batch in a worker reads the server's whole share list once and the others take their
entry from it: one write per person, and one read per server per batch.

An entry is only used while it can be trusted:
- the list is read again once it is older than `MAX_AGE` seconds, so a change made elsewhere
  on plex.tv is never overwritten with an answer older than that;
- a share plexadmin itself changed after the list was read (its row's `updated_at` is newer:
  another edit, a sync that found a change) is read again on its own;
- a retried or redelivered edit reads its share on its own (the earlier attempt may have
  written it);
- what an edit wrote replaces its entry, so the list never holds less than plexadmin knows.
The lists live in this worker's memory, for at most `MAX_AGE` seconds and `MAX_LISTS` lists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from plextv import PlexTV
from plextv.models import SharedServer
from sharing.models import OperationBatch

MAX_AGE = 60.0
MAX_LISTS = 8


@dataclass
class _Listing:
    read_at: float  # time.monotonic(), for the age
    read_when: datetime  # wall clock, to compare with the rows' updated_at
    shares: dict[int, SharedServer]


_LISTINGS: dict[tuple[int, str, str], _Listing] = {}


def _fresh(key: tuple[int, str, str]) -> _Listing | None:
    listing = _LISTINGS.get(key)
    if listing is not None and time.monotonic() - listing.read_at <= MAX_AGE:
        return listing
    return None


def _forget_old() -> None:
    now = time.monotonic()
    for key, listing in list(_LISTINGS.items()):
        if now - listing.read_at > MAX_AGE:
            del _LISTINGS[key]
    while len(_LISTINGS) >= MAX_LISTS:
        del _LISTINGS[min(_LISTINGS, key=lambda k: _LISTINGS[k].read_at)]


def _read(client: PlexTV, key: tuple[int, str, str]) -> _Listing:
    _forget_old()
    when = timezone.now()
    started = time.monotonic()
    shares = {found.id: found for found in client.server_shares(key[2])}
    listing = _Listing(read_at=started, read_when=when, shares=shares)
    _LISTINGS[key] = listing
    return listing


def _key(batch: OperationBatch, machine: str) -> tuple[int, str, str]:
    # The batch's creation time is in the key so that a database started afresh (tests, a
    # restore), whose batch ids start again, never meets a list read for another batch.
    return (batch.pk, batch.created_at.isoformat(), machine)


def batch_entry(
    client: PlexTV,
    batch: OperationBatch,
    machine: str,
    share_id: int,
    changed_at: datetime | None,
) -> SharedServer | None:
    """plex.tv's share `share_id` from this batch's read of `machine`'s shares (read now when
    there is none, or it is too old), or None when it must be read on its own: the list does
    not have it, or plexadmin changed the share (`changed_at`) after the list was read."""
    key = _key(batch, machine)
    listing = _fresh(key) or _read(client, key)
    if changed_at is not None and changed_at >= listing.read_when:
        return None
    return listing.shares.get(share_id)


def remember_written(batch: OperationBatch, machine: str, written: SharedServer) -> None:
    """What an edit of the batch wrote becomes its entry in the batch's list."""
    listing = _fresh(_key(batch, machine))
    if listing is not None:
        listing.shares[written.id] = written


def clear() -> None:
    """Forget every list (tests, and a worker that wants a clean start)."""
    _LISTINGS.clear()
